from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"

    def ready(self) -> None:
        from console.accounts.services import ManagedWork, managed_work_register
        from console.demo import demo_step
        from console.home import HomeChart, HomeItem, home_chart_register, home_item_register
        from customers import home
        from customers.demo import demo_customers_step
        from customers.sections import DetailSection, detail_section_register
        from customers.selectors import customers_managed_count
        from customers.services import customers_reassign
        from customers.views import history_tab, overview_tab
        from customers.wording import register as wording_register

        wording_register()

        detail_section_register(DetailSection("overview", _("Overview"), "customers/_overview.html", overview_tab, 0))
        detail_section_register(DetailSection("history", _("History"), "customers/_history_tab.html", history_tab, 90))
        managed_work_register("customers", ManagedWork(count=customers_managed_count, reassign=customers_reassign))
        demo_step("customers", demo_customers_step, order=10)
        home_item_register(
            HomeItem(
                "past_due",
                _("Past-due purchase authorizations"),
                home.past_due_figure,
                10,
                _("Customers whose payment is overdue or suspended, the longest overdue first"),
            )
        )
        home_item_register(
            HomeItem(
                "stale_invitations",
                _("Invitations not accepted"),
                home.stale_invitations_figure,
                40,
                _("Pending for more than 14 days"),
            )
        )
        home_chart_register(HomeChart("customers_by_state", _("Customers by state"), home.customers_by_state, 20))
        home_chart_register(
            HomeChart(
                "new_and_lost",
                _("New and lost customers"),
                home.new_and_lost,
                30,
                _("The last 12 months; lost: lapsed (not renewed) or removed"),
            )
        )
