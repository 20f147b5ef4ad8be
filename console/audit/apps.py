from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "console.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from console.audit.wording import _register_console

        _register_console()
