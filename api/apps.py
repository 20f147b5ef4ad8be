from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("REST API")

    def ready(self) -> None:
        from api import schema  # noqa: F401  (registers the OpenAPI extension for API keys)
        from api.services import idempotency_records_purge
        from api.webhooks import webhook_events_from_audit
        from api.wording import register as wording_register
        from console.audit.services import audit_listener_register
        from console.periodic import periodic_step

        wording_register()

        periodic_step("idempotency_records", idempotency_records_purge, order=90)
        audit_listener_register("webhooks", webhook_events_from_audit)
