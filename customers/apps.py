from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"

    def ready(self) -> None:
        from console.accounts.services import ManagedWork, managed_work_register
        from console.demo import demo_step
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
