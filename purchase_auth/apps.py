from django.apps import AppConfig


class PurchaseAuthConfig(AppConfig):
    name = "purchase_auth"
    verbose_name = "Purchasing"
