from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "console.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from console.audit.wording import _register_console

        _register_console()
