from django.urls import path

from purchase_auth import views

app_name = "purchasing"

urlpatterns = [
    path("<vip:vip_id>/purchase-authorizations/new/", views.pa_create, name="pa_create"),
    path("<vip:vip_id>/purchase-authorizations/<pa:number>/cancel/", views.pa_cancel, name="pa_cancel"),
    path("<vip:vip_id>/orders/new/", views.order_place, name="order_place"),
    path("<vip:vip_id>/orders/<order:number>/return/", views.order_return, name="order_return"),
    path("<vip:vip_id>/three-year-commit/", views.commit_request, name="commit_request"),
]
