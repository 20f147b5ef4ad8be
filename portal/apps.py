from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The member portal: where a customer's admins accept the invitation, assign licences, request
    products and answer a three-year commit. It sits on top of the domain apps and calls their
    services and selectors; it owns no models."""

    name = "portal"
    verbose_name = _("Member portal")
