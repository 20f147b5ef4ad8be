"""DASH-1: the failed-orders page (mounted at orders/ in console/urls.py)."""

from django.urls import path

from purchase_auth import pages

app_name = "order_pages"

urlpatterns = [
    path("failed/", pages.failed_order_list, name="failed"),
]
