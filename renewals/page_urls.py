"""REN-11: the renewals page (mounted at renewals/ in console/urls.py)."""

from django.urls import path

from renewals import pages

app_name = "renewal_pages"

urlpatterns = [
    path("", pages.renewal_list, name="list"),
    path("export/", pages.renewal_export, name="export"),
]
