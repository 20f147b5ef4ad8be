"""Demo data for trying the reseller change end to end (`make run`): a customer of the first demo
reseller that the second one may take over (its segment is one both sell in, it has no unpaid purchase
authorization), with a system admin who signs in to the member portal. Idempotent."""

from __future__ import annotations

from django.utils import timezone

from console.accounts.models import MarketSegment, Membership, User
from console.demo import DEMO_PASSWORD, DemoRun
from customers.models import Customer, CustomerAdmin, CustomerType, InvitationStatus

DEMO_ADMIN_EMAIL = "it@harbor-takeover.example"
DEMO_VIP_ID = "0DE70C0DE70C0DE70C01"


def demo_reseller_change_step(run: DemoRun) -> None:
    if len(run.resellers) < 2:  # a change needs two resellers
        return
    old, new = run.resellers[0], run.resellers[1]
    admin, created = User.objects.get_or_create(
        email=DEMO_ADMIN_EMAIL, defaults={"first_name": "Hanna", "last_name": "Harbor"}
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save(update_fields=["password"])
    customer = Customer.objects.with_scopes_disabled().filter(vip_id=DEMO_VIP_ID).first()
    if customer is None:
        manager = Membership.objects.with_scopes_disabled().filter(reseller=old, role=Membership.Role.MEMBER).first()
        manager = manager or Membership.objects.with_scopes_disabled().filter(reseller=old).order_by("pk").first()
        if manager is None:
            return
        now = timezone.now()
        segment = next((s for s in new.segments if s in old.segments), MarketSegment.COMMERCIAL)
        customer = Customer.objects.create(
            reseller=old,
            vip_id=DEMO_VIP_ID,
            name="Harbor Takeover Studio",
            name_en="Harbor Takeover Studio",
            segment=segment,
            type=CustomerType.TEAM,
            country="US",
            region="US-WA",
            city="Seattle",
            address_line1="12 Pier Street",
            postal_code="98101",
            contact_first_name="Hanna",
            contact_last_name="Harbor",
            contact_email=DEMO_ADMIN_EMAIL,
            invitation_status=InvitationStatus.ACCEPTED,
            invited_at=now,
            accepted_at=now,
            contract_owner=admin,
            managed_by=manager,
            created_by=manager.user,
            created_at=now,
        )
        CustomerAdmin.objects.create(customer=customer, user=admin)
    run.counts["reseller_change"] = 1 if created else 0
    run.logins.append(
        (
            customer.name,
            "Customer admin",
            f"{DEMO_ADMIN_EMAIL}  (member portal /portal/; VIP ID {customer.vip_id}, "
            f"which {new.name} can take over with a reseller change code)",
        )
    )
