from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenewalsConfig(AppConfig):
    name = "renewals"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from console.demo import demo_step
        from console.home import HomeChart, HomeItem, home_chart_register, home_item_register
        from console.periodic import periodic_step
        from customers.actions import customer_move_register
        from customers.figures import figures_register
        from customers.sections import DetailSection, detail_section_register
        from purchase_auth.models import Order, Price, Product
        from purchase_auth.services.order_acceptance import order_kind_register
        from renewals import home, signals, views
        from renewals.demo import demo_renewals_step
        from renewals.pipeline import renewal_figures
        from renewals.reminders import renewal_reminders
        from renewals.services import auto_renewal_move, auto_renewals_place, licences_expire, renewal_apply
        from renewals.wording import register as wording_register

        wording_register()

        order_kind_register(Order.Kind.RENEWAL, renewal_apply)
        figures_register("renewals", renewal_figures)
        for signal in (post_save, post_delete):
            signal.connect(signals.price_changed, sender=Price, dispatch_uid=f"renewals-price-{signal}")
        post_save.connect(signals.product_changed, sender=Product, dispatch_uid="renewals-product")
        # After the purchasing steps: expiry first, so a lapsed customer is never auto-renewed late.
        periodic_step("licence_expiry", licences_expire, order=30)
        periodic_step("auto_renewals", auto_renewals_place, order=40)

        detail_section_register(
            DetailSection(
                "renewal", _("Renewal"), "renewals/_customer_renewal.html", views.renewal_part, 60, tab="overview"
            )
        )
        # Purchasing's Orders tab (same name, so it replaces it) under the Renew call to action; this app
        # is installed after purchase_auth, so its ready() runs later.
        detail_section_register(
            DetailSection("orders", _("Orders"), "renewals/_customer_orders_tab.html", views.orders_tab, 30)
        )
        demo_step("renewals", demo_renewals_step, order=30)
        periodic_step("renewal_reminders", renewal_reminders, order=50)
        # RC-5: the customer's auto-renewal settings carry over to its new reseller.
        customer_move_register("auto_renewal", auto_renewal_move)
        home_item_register(
            HomeItem(
                "ready",
                _("Ready for renewal, not renewed"),
                home.ready_figure,
                20,
                _("Renewal window open or in grace"),
            )
        )
        home_item_register(
            HomeItem("upcoming", _("Upcoming renewals"), home.upcoming_figure, 30, _("Renewal window not open yet"))
        )
        home_chart_register(
            HomeChart(
                "renewal_pipeline",
                _("Renewal pipeline by month"),
                home.pipeline_chart,
                10,
                _("Customers and projected renewal value, by Anniversary Date"),
            )
        )
