from django.urls import path

from portal import organization, reseller_change, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("accept/<str:token>/", views.accept, name="accept"),
    path("<vip:vip_id>/", organization.organization, name="organization"),
    path("<vip:vip_id>/assign/", organization.assign, name="assign"),
    path("<vip:vip_id>/request/", organization.request_products, name="request"),
    path("<vip:vip_id>/commit/", organization.commit_decide, name="commit"),
    path("<vip:vip_id>/reseller-change/", reseller_change.reseller_change, name="reseller_change"),
]
