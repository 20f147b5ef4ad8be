"""console.bulk.update_returning: the rows an UPDATE wrote, as they are after it, in one statement on
PostgreSQL and in three elsewhere — both give the same rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext

from console.accounts.models import Reseller
from console.bulk import update_returning
from tests.factories import ResellerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("vendor", ["postgresql", "other"])
def test_the_rows_written_come_back_with_their_new_values(vendor, monkeypatch):
    moved = [ResellerFactory(name=f"Move {n}") for n in range(3)]
    kept = ResellerFactory(name="Keep")
    if vendor == "other":
        monkeypatch.setattr(connection, "vendor", "sqlite")  # the portable path, on this database
    with CaptureQueriesContext(connection) as captured:
        written = update_returning(
            Reseller.objects.filter(name__startswith="Move"),
            {"is_active": False, "name": Concat("name", Value(" (moved)"))},
            ["name", "is_active"],
        )
    assert len(captured) == (1 if vendor == "postgresql" else 3)
    assert sorted((r.pk, r.name, r.is_active) for r in written) == [(r.pk, f"{r.name} (moved)", False) for r in moved]
    assert written[0].get_deferred_fields() >= {"reseller_id", "segments"}  # only what was asked for
    kept.refresh_from_db()
    assert (kept.name, kept.is_active) == ("Keep", True)
