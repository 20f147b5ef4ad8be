"""RC-1, RC-8, RC-9: the console pages (mounted at reseller-change/ in console/urls.py)."""

from django.urls import path

from reseller_change import views

app_name = "reseller_change"

urlpatterns = [
    path("", views.codes, name="codes"),
    path("transferred-away/", views.transferred, name="transferred"),
]
