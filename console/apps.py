from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = _("Reseller Console")

    def ready(self) -> None:
        from console import (
            i18n,  # noqa: F401  (connects the sign-in language receiver)
            lookups,  # noqa: F401  (registers field__any)
        )
