from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResellerChangeConfig(AppConfig):
    name = "reseller_change"
    verbose_name = _("Reseller change")

    def ready(self) -> None:
        from console.demo import demo_step
        from console.periodic import periodic_step
        from customers.actions import ListAction, list_action_register
        from customers.home import LostKind, lost_customers_register
        from reseller_change.demo import demo_reseller_change_step
        from reseller_change.home import transferred_away_per_month
        from reseller_change.services import codes_expire

        list_action_register(
            ListAction(
                "reseller_change",
                _("Reseller Change for Customer"),
                "reseller_change:codes",
                "arrow-left-right",
                order=10,
                writers_only=False,
            )
        )
        list_action_register(
            ListAction(
                "transferred_away",
                _("Transferred away"),
                "reseller_change:transferred",
                "box-arrow-right",
                order=20,
                writers_only=False,
            )
        )
        periodic_step("reseller_change_codes", codes_expire, order=60)
        lost_customers_register(LostKind("transferred_away", _("Transferred away"), transferred_away_per_month, 30))
        demo_step("reseller_change", demo_reseller_change_step, order=40)
