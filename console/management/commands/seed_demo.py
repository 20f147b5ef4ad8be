"""Demo data for `make run`: two resellers, each with a member of every role. Idempotent: running it
again changes nothing and keeps the demo passwords working."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from console.accounts.models import MarketSegment, Membership, Reseller, User
from console.audit.services import audit_log
from console.demo import DEMO_PASSWORD, demo_run

RESELLERS = [
    {
        "reseller_id": "1000000001",
        "name": "Northwind Software Reseller",
        "segments": [MarketSegment.COMMERCIAL, MarketSegment.GOVERNMENT, MarketSegment.EDUCATION],
        "domain": "northwind.example",
    },
    {
        "reseller_id": "1000000002",
        "name": "Contoso Licensing",
        "segments": [MarketSegment.COMMERCIAL, MarketSegment.EDUCATION],
        "domain": "contoso.example",
    },
]
PEOPLE = [
    ("primary", "Petra", "Primary", Membership.Role.PRIMARY_ADMIN),
    ("admin", "Adam", "Admin", Membership.Role.ADMIN),
    ("member", "Mila", "Member", Membership.Role.MEMBER),
    ("viewer", "Victor", "Viewer", Membership.Role.VIEWER),
]


class Command(BaseCommand):
    help = "Load idempotent demo data (resellers, their teams) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        with scopes_disabled(), transaction.atomic():
            logins = [login for spec in RESELLERS for login in self._reseller(spec)]
            run = demo_run([Reseller.objects.get(reseller_id=spec["reseller_id"]) for spec in RESELLERS])
            created_customers = run.counts.get("customers", 0)
            operator, created = User.objects.get_or_create(
                email="operator@example.com",
                defaults={"first_name": "Olga", "last_name": "Operator", "is_staff": True, "is_superuser": True},
            )
            if created:
                operator.set_password(DEMO_PASSWORD)
                operator.save(update_fields=["password"])
        self.stdout.write(self.style.SUCCESS(f"Demo data is ready ({created_customers} customers created now)."))
        self.stdout.write(f"\n  Console:      {settings.SITE_URL}/")
        self.stdout.write(f"  Django admin: {settings.SITE_URL}/admin/  (operator@example.com)")
        self.stdout.write(f"  Password for every demo login: {DEMO_PASSWORD}\n")
        for reseller, email, role in logins:
            self.stdout.write(f"  {reseller:<30} {role:<14} {email}")
        for who, role, email in run.logins:
            self.stdout.write(f"  {who:<30} {role:<14} {email}")
        self.stdout.write("")

    def _reseller(self, spec: dict[str, Any]) -> list[tuple[str, str, str]]:
        reseller, created = Reseller.objects.get_or_create(
            reseller_id=spec["reseller_id"], defaults={"name": spec["name"], "segments": list(spec["segments"])}
        )
        if created:
            audit_log(
                reseller=reseller,
                actor=None,
                action="reseller.create",
                obj=reseller,
                changes={"name": [None, reseller.name]},
            )
        logins = []
        for local, first, last, role in PEOPLE:
            email = f"{local}@{spec['domain']}"
            user, user_created = User.objects.get_or_create(
                email=email, defaults={"first_name": first, "last_name": last}
            )
            if user_created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            membership, joined = Membership.objects.get_or_create(
                user=user,
                reseller=reseller,
                defaults={"role": role, "status": Membership.Status.ACTIVE, "activated_at": timezone.now()},
            )
            if joined:
                audit_log(
                    reseller=reseller,
                    actor=None,
                    action="team.join",
                    obj=membership,
                    changes={"role": [None, role], "status": [None, Membership.Status.ACTIVE]},
                )
            logins.append((reseller.name, email, str(Membership.Role(role).label)))
        return logins
