from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from console.accounts.models import Membership
from console.accounts.selectors import members_who_may_write
from console.forms import CleanTextMixin

INVITABLE_ROLES = [
    (Membership.Role.ADMIN, Membership.Role.ADMIN.label),
    (Membership.Role.MEMBER, Membership.Role.MEMBER.label),
    (Membership.Role.VIEWER, Membership.Role.VIEWER.label),
]


class MemberChoiceField(forms.ModelChoiceField):
    """A team member, shown as "Full Name (email)"."""

    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user.get_full_name() or obj.user.email} ({obj.user.email})"


class TeamInviteForm(CleanTextMixin, forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=240)
    first_name = forms.CharField(label=_("First name"), max_length=35)
    last_name = forms.CharField(label=_("Last name"), max_length=35)
    role = forms.ChoiceField(label=_("Role"), choices=INVITABLE_ROLES, initial=Membership.Role.MEMBER)


class RoleChangeForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=INVITABLE_ROLES)


class RemoveMemberForm(forms.Form):
    """TEAM-2: who takes over the removed member's customers (asked only when they manage some)."""

    reassign_to = MemberChoiceField(
        label=_("Reassign their customers to"), queryset=Membership.objects.none(), required=False
    )

    def __init__(self, *args: Any, reseller: Any, removing: Membership, needs_target: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(MemberChoiceField, self.fields["reassign_to"])
        field.queryset = members_who_may_write(reseller=reseller).exclude(pk=removing.pk)
        field.required = needs_target
        if not needs_target:
            field.widget = forms.HiddenInput()


class InvitationPasswordForm(SetPasswordForm):
    """The invitee chooses a password (Django's validators apply)."""
