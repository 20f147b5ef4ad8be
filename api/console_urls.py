"""Team → API keys (API-3). Included from console/urls.py under "team/api-keys/"."""

from django.urls import path

from api import console_views

app_name = "api_keys"

urlpatterns = [
    path("", console_views.api_keys, name="list"),
    path("new/", console_views.api_key_create, name="create"),
    path("<int:pk>/revoke/", console_views.api_key_revoke, name="revoke"),
]
