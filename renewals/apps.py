from django.apps import AppConfig


class RenewalsConfig(AppConfig):
    name = "renewals"

    def ready(self) -> None:
        from console.periodic import periodic_step
        from purchase_auth.models import Order
        from purchase_auth.services.order_acceptance import order_kind_register
        from renewals.reminders import renewal_reminders
        from renewals.services import auto_renewals_place, licences_expire, renewal_apply

        order_kind_register(Order.Kind.RENEWAL, renewal_apply)
        # After the purchasing steps: expiry first, so a lapsed customer is never auto-renewed late.
        periodic_step("licence_expiry", licences_expire, order=30)
        periodic_step("auto_renewals", auto_renewals_place, order=40)
        periodic_step("renewal_reminders", renewal_reminders, order=50)
