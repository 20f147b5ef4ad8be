from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from console import converters, i18n, views
from console.accounts import views as team_views
from console.accounts.auth import AdminSignInForm, OutboxPasswordResetForm, ThrottledLoginView
from console.audit import views as audit_views

admin.site.login_form = AdminSignInForm  # NF-2: an over-long name is a form error, not a 500 in django-axes

register_converter(converters.VipIdConverter, "vip")
register_converter(converters.PurchaseAuthorizationNumberConverter, "pa")
register_converter(converters.OrderNumberConverter, "order")

console_patterns = [
    path("", views.home, name="home"),
    path("team/", team_views.team, name="team"),
    path("team/invite/", team_views.team_invite, name="team_invite"),
    path("team/<int:pk>/resend/", team_views.team_invitation_resend, name="team_invitation_resend"),
    path("team/<int:pk>/role/", team_views.team_member_role, name="team_member_role"),
    path("team/<int:pk>/remove/", team_views.team_member_remove, name="team_member_remove"),
    path("team/<int:pk>/handover/", team_views.team_primary_handover, name="team_primary_handover"),
    path("activity/", audit_views.activity, name="activity"),
]

urlpatterns = [
    path("", include((console_patterns, "console"))),
    path("customers/", include("customers.urls")),
    path("customers/", include("purchase_auth.urls")),
    path("customers/", include("renewals.urls")),
    path("renewals/", include("renewals.page_urls")),
    path("reseller-change/", include("reseller_change.urls")),
    path("orders/", include("purchase_auth.page_urls")),
    path("portal/", include("portal.urls")),
    path("api/v1/", include("api.urls")),
    path("team/api-keys/", include("api.console_urls")),
    path("team/webhooks/", include("api.webhook_console_urls")),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/language/", i18n.language_set, name="language_set"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password-reset/",
        auth_views.PasswordResetView.as_view(form_class=OutboxPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("accounts/join/<str:token>/", team_views.team_invitation_accept, name="team_invitation_accept"),
    path("admin/", admin.site.urls),
]

handler403 = "console.views.error_403"
handler404 = "console.views.error_404"
handler500 = "console.views.error_500"
