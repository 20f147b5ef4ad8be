from django.urls import path

from customers import portal, portal_org

app_name = "portal"

urlpatterns = [
    path("", portal.home, name="home"),
    path("accept/<str:token>/", portal.accept, name="accept"),
    path("<vip:vip_id>/", portal_org.organization, name="organization"),
    path("<vip:vip_id>/assign/", portal_org.assign, name="assign"),
    path("<vip:vip_id>/request/", portal_org.request_products, name="request"),
    path("<vip:vip_id>/commit/", portal_org.commit_decide, name="commit"),
]
