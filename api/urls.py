"""/api/v1/ (SPEC §16). Included from console/urls.py under the "api" namespace."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from api import reseller_change, views

app_name = "api"
DOCS_VIEW = SpectacularSwaggerSplitView.as_view(url_name="api:schema")
REDOC_VIEW = SpectacularRedocView.as_view(url_name="api:schema")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The third-party API docs bring inline <style> (Redoc also a blob: worker for its search); their
    # scripts stay 'self' (the Swagger split view serves its set-up script as a file). Redoc's Google
    # Fonts stay blocked: nothing is loaded from a CDN.
    path("docs/", csp_update({"style-src": [UNSAFE_INLINE]})(DOCS_VIEW), name="docs"),
    path(
        "redoc/",
        csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(REDOC_VIEW),
        name="redoc",
    ),
    path("customers/", views.CustomerListView.as_view(), name="customers"),
    path("customers/<vip:vip_id>/", views.CustomerDetailView.as_view(), name="customer"),
    path("customers/<vip:vip_id>/reminder/", views.CustomerReminderView.as_view(), name="customer_reminder"),
    path(
        "customers/<vip:vip_id>/purchase-authorizations/",
        views.PurchaseAuthorizationListView.as_view(),
        name="purchase_authorizations",
    ),
    path(
        "customers/<vip:vip_id>/purchase-authorizations/<pa:number>/cancel/",
        views.PurchaseAuthorizationCancelView.as_view(),
        name="purchase_authorization_cancel",
    ),
    path("customers/<vip:vip_id>/orders/", views.OrderListView.as_view(), name="orders"),
    path("customers/<vip:vip_id>/orders/<order:number>/", views.OrderDetailView.as_view(), name="order"),
    path("customers/<vip:vip_id>/orders/<order:number>/returns/", views.OrderReturnView.as_view(), name="order_return"),
    path("customers/<vip:vip_id>/licences/", views.LicenceView.as_view(), name="licences"),
    path("customers/<vip:vip_id>/renewal/", views.RenewalView.as_view(), name="renewal"),
    path("customers/<vip:vip_id>/renewal/preview/", views.RenewalPreviewView.as_view(), name="renewal_preview"),
    path("customers/<vip:vip_id>/renewal-orders/", views.RenewalOrderView.as_view(), name="renewal_orders"),
    path("customers/<vip:vip_id>/auto-renewal/", views.AutoRenewalView.as_view(), name="auto_renewal"),
    path("products/", views.ProductListView.as_view(), name="products"),
    path("team/", views.TeamView.as_view(), name="team"),
    path("activity/", views.ActivityView.as_view(), name="activity"),
    path("reseller-change/codes/", reseller_change.ResellerChangeCodesView.as_view(), name="reseller_change_codes"),
    re_path(r"^(?P<path>[\s\S]*)$", views.not_found, name="not_found"),
]
