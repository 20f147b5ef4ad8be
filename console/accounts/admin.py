from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, ReadOnlyPasswordHashWidget, UserChangeForm
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from console.accounts import services
from console.accounts.models import MarketSegment, Membership, Reseller, User
from console.admin import ReadOnlyInline
from console.audit.services import audit_log


class EmailNormalisingMixin(forms.ModelForm):
    """Emails are stored lower-case (the user_email_lowercase constraint): what an operator types is
    normalised before the uniqueness check, so "Ann@Example.com" is "ann@example.com", not a 500."""

    def clean_email(self) -> str:
        return (self.cleaned_data.get("email") or "").strip().lower()


class PasswordSummary(ReadOnlyPasswordHashWidget):
    """The password's summary is a <div>; Django writes the disabled field's `disabled` on it, which a
    <div> may not carry (Nu HTML checker). It shows no input, so there is nothing to disable."""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].pop("disabled", None)
        return context


class UserChangeAdminForm(EmailNormalisingMixin, UserChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].widget = PasswordSummary()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        # SPEC §1: a reseller's staff sign in to the console only; the Django admin is for operators.
        wants_admin = cleaned.get("is_staff") or cleaned.get("is_superuser")
        if wants_admin and self.instance.pk and services.user_is_reseller_staff(self.instance):
            raise forms.ValidationError(
                _(
                    "This person belongs to a reseller's team, so it cannot be given Django staff or superuser "
                    "status. Operators need an account of their own."
                )
            )
        return cleaned


class UserCreationAdminForm(EmailNormalisingMixin, AdminUserCreationForm):
    pass


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "last_login"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "language")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class ResellerForm(forms.ModelForm):
    segments = forms.MultipleChoiceField(
        label=_("Market segments"), choices=MarketSegment.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Reseller
        fields = ["name", "reseller_id", "segments", "is_active"]


class ResellerAddForm(ResellerForm):
    """Creating a reseller also creates its primary admin, who is emailed a link to set a password."""

    admin_email = forms.EmailField(label=_("Primary admin email"), max_length=240)
    admin_first_name = forms.CharField(label=_("Primary admin first name"), max_length=35)
    admin_last_name = forms.CharField(label=_("Primary admin last name"), max_length=35)

    def clean_admin_email(self) -> str:
        email = self.cleaned_data["admin_email"].strip().lower()
        if refusal := services.team_email_refusal(email):
            raise forms.ValidationError(refusal)
        return email


class MembershipInline(ReadOnlyInline):
    model = Membership
    fk_name = "reseller"
    fields = readonly_fields = ("user", "role", "status", "created_at", "activated_at")
    show_change_link = False


@admin.register(Reseller)
class ResellerAdmin(admin.ModelAdmin):
    list_display = ["name", "reseller_id", "is_active", "created_at"]
    search_fields = ["name", "reseller_id"]
    list_filter = ["is_active"]
    inlines = [MembershipInline]
    form = ResellerForm
    actions = ["primary_admin_invitation_resend"]

    @admin.action(description=_("Send the primary admin's invitation again"))
    def primary_admin_invitation_resend(self, request: HttpRequest, queryset: QuerySet[Reseller]) -> None:
        """For a first admin whose invitation expired or was lost: a new link, the old one stops working."""
        actor = cast(User, request.user)
        for reseller in queryset:
            membership = (
                Membership.objects.with_scopes_disabled()
                .filter(reseller=reseller, role=Membership.Role.PRIMARY_ADMIN)
                .select_related("user")
                .first()
            )
            if membership is None or membership.status != Membership.Status.PENDING:
                messages.warning(
                    request, _("%(reseller)s: its primary admin has joined already.") % {"reseller": reseller}
                )
                continue
            services.team_invitation_resend(reseller=reseller, actor=actor, membership_id=membership.pk)
            messages.success(
                request, _("A new invitation was queued for %(email)s.") % {"email": membership.user.email}
            )

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[Any]]:
        if obj is None:
            kwargs["form"] = ResellerAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list:
        return [MembershipInline] if obj else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fields: tuple[str, ...] = ("name", "reseller_id", "segments", "is_active")
        if obj is None:
            fields += ("admin_email", "admin_first_name", "admin_last_name")
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["reseller_id"] if obj else []

    def save_model(self, request: HttpRequest, obj: Reseller, form: forms.ModelForm, change: bool) -> None:
        if change:
            with transaction.atomic():
                super().save_model(request, obj, form, change)
                if "is_active" in form.changed_data:
                    # Deactivating shuts the reseller's staff out of the console (they see why); audited.
                    audit_log(
                        reseller=obj,
                        actor=cast(User, request.user),
                        action="reseller.reactivate" if obj.is_active else "reseller.deactivate",
                        obj=obj,
                        changes={"is_active": [not obj.is_active, obj.is_active]},
                    )
            return
        data = form.cleaned_data
        created = services.reseller_create(
            actor=cast(User, request.user),  # the admin site lets only signed-in staff this far
            name=data["name"],
            reseller_id=data["reseller_id"],
            segments=data["segments"],
            admin_email=data["admin_email"],
            admin_first_name=data["admin_first_name"],
            admin_last_name=data["admin_last_name"],
        )
        obj.pk = created.pk
        obj._state.adding = False
        messages.info(request, _("An invitation to set a password was queued for %s.") % data["admin_email"])

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        if change:
            super().save_related(request, form, formsets, change)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "reseller", "role", "status", "created_at"]
    list_filter = ["role", "status"]
    search_fields = ["user__email", "reseller__name", "reseller__reseller_id"]
    readonly_fields = ["reseller", "user", "role", "status", "invited_by", "created_at", "activated_at", "removed_at"]
    exclude = ["invitation_nonce"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # team changes go through the console (audited)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
