from django.urls import path

from customers import portal

app_name = "portal"

urlpatterns = [
    path("", portal.home, name="home"),
    path("accept/<str:token>/", portal.accept, name="accept"),
]
