from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "console.outbox"
    label = "outbox"
    verbose_name = "Email outbox"
