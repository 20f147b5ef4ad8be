from __future__ import annotations

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from console.accounts.models import Membership
from console.forms import CleanTextMixin

INVITABLE_ROLES = [
    (Membership.Role.ADMIN, Membership.Role.ADMIN.label),
    (Membership.Role.MEMBER, Membership.Role.MEMBER.label),
    (Membership.Role.VIEWER, Membership.Role.VIEWER.label),
]


class TeamInviteForm(CleanTextMixin, forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=240)
    first_name = forms.CharField(label=_("First name"), max_length=35)
    last_name = forms.CharField(label=_("Last name"), max_length=35)
    role = forms.ChoiceField(label=_("Role"), choices=INVITABLE_ROLES, initial=Membership.Role.MEMBER)


class RoleChangeForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=INVITABLE_ROLES)


class InvitationPasswordForm(SetPasswordForm):
    """The invitee chooses a password (Django's validators apply)."""
