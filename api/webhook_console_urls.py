"""Team → Webhooks (HOOK-1, HOOK-4). Included from console/urls.py under "team/webhooks/"."""

from django.urls import path

from api import console_views

app_name = "webhooks"

urlpatterns = [
    path("", console_views.webhooks, name="list"),
    path("<int:pk>/", console_views.webhook_detail, name="detail"),
    path("<int:pk>/test/", console_views.webhook_test, name="test"),
    path("<int:pk>/toggle/", console_views.webhook_toggle, name="toggle"),
    path("<int:pk>/deliveries/<int:delivery>/redeliver/", console_views.webhook_redeliver, name="redeliver"),
]
