from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchaseAuthConfig(AppConfig):
    name = "purchase_auth"
    verbose_name = _("Purchasing")

    def ready(self) -> None:
        from console.demo import demo_step
        from console.home import HomeItem, home_item_register
        from console.periodic import periodic_step
        from customers.actions import customer_move_register
        from customers.figures import figures_register
        from customers.history import HistorySource, history_source_register
        from customers.sections import DetailSection, detail_section_register
        from purchase_auth import home, views
        from purchase_auth.demo import demo_purchasing_step
        from purchase_auth.figures import licence_figures, purchase_authorization_figures
        from purchase_auth.services.purchase_authorizations import purchase_authorizations_refresh
        from purchase_auth.services.three_year_commit import three_year_commits_move, three_year_commits_refresh
        from purchase_auth.wording import customer_orders_and_pas
        from purchase_auth.wording import register as wording_register

        wording_register()
        history_source_register(
            "purchasing",
            HistorySource(customer_orders_and_pas, hides=("customer.pa_create", "customer.pa_cancel")),
        )

        figures_register("purchase_authorizations", purchase_authorization_figures)
        figures_register("licences", licence_figures)
        periodic_step("purchase_authorizations", purchase_authorizations_refresh, order=10)
        periodic_step("three_year_commits", three_year_commits_refresh, order=20)

        detail_section_register(
            DetailSection("plans", _("Plans"), "purchase_auth/_plans_tab.html", views.plans_tab, 20)
        )
        detail_section_register(
            DetailSection("orders", _("Orders"), "purchase_auth/_orders_tab.html", views.orders_tab, 30)
        )
        detail_section_register(
            DetailSection(
                "vip_select",
                _("VIP Select"),
                "purchase_auth/_overview_vip_select.html",
                views.vip_select_part,
                40,
                tab="overview",
            )
        )
        detail_section_register(
            DetailSection(
                "commit",
                _("Three-year commit"),
                "purchase_auth/_overview_commit.html",
                views.commit_part,
                50,
                tab="overview",
            )
        )
        demo_step("purchasing", demo_purchasing_step, order=20)
        # RC-5: a three-year commit carries over unchanged to the customer's new reseller.
        customer_move_register("three_year_commit", three_year_commits_move)
        home_item_register(
            HomeItem("failed_orders", _("Failed orders"), home.failed_orders_figure, 50, _("In the last 30 days"))
        )
