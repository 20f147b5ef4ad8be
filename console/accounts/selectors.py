"""Reads about resellers and their teams."""

from __future__ import annotations

from django.db.models import QuerySet

from console.accounts.models import Membership, Reseller


def members_who_may_write(*, reseller: Reseller) -> QuerySet[Membership]:
    """The reseller's active team members whose role may change things (every role but viewer): who
    can manage customers (Managed by, TEAM-4) and take over a removed member's customers (TEAM-2)."""
    return (
        Membership.objects.filter(reseller=reseller, status=Membership.Status.ACTIVE)
        .exclude(role=Membership.Role.VIEWER)
        .select_related("user")
    )
