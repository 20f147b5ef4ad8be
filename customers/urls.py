from django.urls import path

from customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("add/", views.customer_invite, name="invite"),
    path("export.csv", views.customer_export, name="export"),
    path("regions/", views.region_options, name="regions"),
    path("<vip:vip_id>/", views.customer_detail, name="detail"),
    path("<vip:vip_id>/reminder/", views.customer_reminder, name="reminder"),
    path("<vip:vip_id>/remove/", views.customer_remove, name="remove"),
    path("<vip:vip_id>/managed-by/", views.customer_managed_by, name="managed_by"),
]
