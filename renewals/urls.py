from django.urls import path

from renewals import views

app_name = "renewals"

urlpatterns = [
    path("<vip:vip_id>/renewal-orders/new/", views.renewal_order, name="order"),
    path("<vip:vip_id>/auto-renewal/", views.auto_renewal, name="auto_renewal"),
]
