import pytest
from django.core.management import call_command

from console.accounts.models import Membership, Reseller, User
from console.audit.models import AuditEvent


@pytest.mark.unscoped  # counts every reseller's rows, as an operator would
def test_seed_demo_is_idempotent_and_gives_every_role_to_each_reseller(db, capsys):
    call_command("seed_demo")
    counts = (Reseller.objects.count(), Membership.objects.count(), User.objects.count(), AuditEvent.objects.count())
    call_command("seed_demo")
    assert counts == (
        Reseller.objects.count(),
        Membership.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
    )
    assert counts[0] == 2
    for reseller in Reseller.objects.all():
        assert set(reseller.memberships.values_list("role", flat=True)) == set(Membership.Role.values)
    output = capsys.readouterr().out
    assert "primary@northwind.example" in output and "http://" in output


def test_demo_logins_work(db, client):
    call_command("seed_demo")
    from console.management.commands.seed_demo import DEMO_PASSWORD

    response = client.post("/accounts/login/", {"username": "member@northwind.example", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert "Northwind" in client.get("/").content.decode()
