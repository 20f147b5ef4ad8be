"""LIST-6: the customer report — columns, BOM, formula-injection guard, the current view's rows, and
the same bytes from PostgreSQL's COPY, from the csv-module path, and on SQLite."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.urls import reverse

from customers import exports
from customers.models import Customer
from tests.factories import CustomerFactory, MembershipFactory

ROOT = Path(__file__).resolve().parents[2]
ON = date(2026, 6, 15)


def download(client, **params) -> tuple[bytes, list[list[str]]]:
    response = client.get(reverse("customers:export"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    return body, list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_report_has_a_bom_a_header_and_one_row_per_customer(triad, member_client):
    CustomerFactory(
        managed_by=triad.member_a, name="Рога і Копита", name_en="Roga i Kopyta", country="UA", region="UA-30"
    )
    CustomerFactory(managed_by=triad.member_a, name="Acme Widgets")
    CustomerFactory(managed_by=triad.member_b, name="Not Ours")
    body, rows = download(member_client)
    assert body.startswith(b"\xef\xbb\xbf")
    assert rows[0] == exports.HEADER
    assert sorted(r[1] for r in rows[1:]) == ["Acme Widgets", "Рога і Копита"]
    cyrillic = next(r for r in rows[1:] if r[1] == "Рога і Копита")
    assert cyrillic[2] == "Roga i Kopyta" and cyrillic[5] == "UA" and cyrillic[6] == "UA-30"
    assert cyrillic[3] == "Commercial" and cyrillic[4] == "Team" and cyrillic[13] == "Pending"
    assert cyrillic[16] == triad.member_a.user.email


def test_the_report_follows_the_current_view(triad, member_client):
    CustomerFactory(managed_by=triad.member_a, name="Mine, no products")
    CustomerFactory(managed_by=triad.admin_a, name="Colleague, no products")
    CustomerFactory(managed_by=triad.member_a, name="Mine, with products", has_products=True)
    assert len(download(member_client)[1]) == 4
    assert [r[1] for r in download(member_client, filter="no_products", mine="on")[1][1:]] == ["Mine, no products"]
    assert [r[1] for r in download(member_client, q="colleague")[1][1:]] == ["Colleague, no products"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_that_a_spreadsheet_would_run_are_neutralised(triad, member_client, start):
    CustomerFactory(
        managed_by=triad.member_a,
        name=f"{start}HYPERLINK(1)",
        city=f"{start}cmd",
        address_line1=f"{start}1+2",
        contact_first_name=f"{start}SUM(A1)",
        contact_email=f"{start}x@example.com" if start in "+-" else "x@example.com",
    )
    row = download(member_client)[1][1]
    assert row[1] == f"'{start}HYPERLINK(1)" and row[7] == f"'{start}cmd" and row[9] == f"'{start}1+2"
    assert row[11].startswith(f"'{start}SUM")
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


def _fixed_customers(triad) -> None:
    for index, (name, created) in enumerate(
        [
            ('Zeta "Quoted", Inc.', datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
            ("Ünïcødé Org", datetime(2026, 2, 3, tzinfo=UTC)),
        ]
    ):
        CustomerFactory(
            managed_by=triad.member_a,
            vip_id=f"{index:020X}",
            contact_email=f"fixed{index}@example.com",
            name=name,
            name_en="Unicode Org" if not name.isascii() else name,
            address_line2="Line\nbreak" if index else "",
            anniversary_date=date(2026, 7, 1) if index else None,
            extended_term_months=24 if index else None,
            created_at=created,
        )


def test_copy_and_the_csv_module_write_the_same_bytes(triad):
    _fixed_customers(triad)
    rows = exports.report_rows(Customer.objects.filter(reseller=triad.reseller_a).order_by("name"), on=ON)
    via_copy = b"".join(exports._copy_chunks(rows))
    via_python = b"".join(exports._python_chunks(rows))
    assert via_copy == via_python
    assert b'"Zeta ""Quoted"", Inc."' in via_copy and b'"2026-01-02T03:04:05Z"' in via_copy
    assert b'"Line\nbreak"' in via_copy and b'"Ready for renewal"' in via_copy  # AD 2026-07-01 is 16 days ahead


@pytest.mark.parametrize("path", ["_copy_chunks", "_python_chunks"])
def test_the_report_is_streamed_in_bounded_chunks(triad, monkeypatch, path):
    """With a 2 KiB chunk size, 40 customers (~20 KiB) come out in many chunks, each coalesced to at
    least the chunk size (libpq hands over one row at a time) and at most one row more."""
    monkeypatch.setattr(exports, "CHUNK_BYTES", 2048)
    for _ in range(40):
        CustomerFactory(managed_by=triad.member_a)
    rows = exports.report_rows(Customer.objects.filter(reseller=triad.reseller_a), on=ON)
    chunks = list(getattr(exports, path)(rows))
    longest_row = max(len(line) + 1 for line in b"".join(chunks).split(b"\n"))
    assert len(chunks) >= 5
    assert all(2048 <= len(c) < 2048 + longest_row for c in chunks[:-1]) and 0 < len(chunks[-1]) < 2048 + longest_row
    assert b"".join(chunks).count(b"\n") == 40


def test_the_report_response_streams_the_header_then_the_rows(triad, member_client):
    CustomerFactory(managed_by=triad.member_a)
    response = member_client.get(reverse("customers:export"))
    assert response.streaming
    chunks = list(response.streaming_content)
    assert chunks[0].startswith(b"\xef\xbb\xbf") and chunks[0].count(b"\n") == 1 and len(chunks) == 2


SQLITE_SCRIPT = """
import sys
from datetime import UTC, date, datetime
from django.core.management import call_command
from django_scopes import scopes_disabled
call_command("migrate", verbosity=0)
from tests.customers.test_export import _fixed_customers_plain
from customers import exports
from customers.models import Customer
with scopes_disabled():
    reseller = _fixed_customers_plain()
    rows = exports.report_rows(Customer.objects.filter(reseller=reseller).order_by("name"), on=date(2026, 6, 15))
    sys.stdout.buffer.write(b"".join(exports._python_chunks(rows)))
"""


def _fixed_customers_plain():
    """The same customers as _fixed_customers, without pytest fixtures (for the SQLite run)."""
    from tests.conftest import Triad

    membership = MembershipFactory(user__email="fixed.member@example.com")
    triad = Triad(membership.reseller, None, None, None, membership, None, None)
    _fixed_customers(triad)
    return membership.reseller


def test_sqlite_writes_the_same_bytes_as_postgresql(triad, tmp_path):
    triad.member_a.user.email = "fixed.member@example.com"
    triad.member_a.user.save()
    _fixed_customers(triad)
    rows = exports.report_rows(Customer.objects.filter(reseller=triad.reseller_a).order_by("name"), on=ON)
    postgres_bytes = b"".join(exports._copy_chunks(rows))
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "console.settings.base",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'export.sqlite3'}",
        "REDIS_URL": "",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + SQLITE_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    assert result.stdout == postgres_bytes


def test_the_report_counts_pending_and_past_due_pas_and_licences(triad, member_client):
    import time_machine

    from purchase_auth.models import LicencePool
    from purchase_auth.services import common, licences, purchase_authorizations
    from tests.factories import ProductFactory

    customer = CustomerFactory(managed_by=triad.member_a, name="Buyer")
    product = ProductFactory()
    with time_machine.travel(date(2026, 1, 1), tick=False):
        purchase_authorizations.purchase_authorization_create(
            reseller=triad.reseller_a,
            actor=triad.member_a.user,
            vip_id=customer.vip_id,
            lines=[common.Line(product, 4)],
        )
    with time_machine.travel(date(2026, 1, 10), tick=False):
        purchase_authorizations.purchase_authorization_create(
            reseller=triad.reseller_a,
            actor=triad.member_a.user,
            vip_id=customer.vip_id,
            lines=[common.Line(product, 6)],
        )
        licences.licences_assign(customer=customer, actor=triad.member_a.user, product_id=product.pk, assigned=3)
    member_client.force_login(triad.member_a.user, backend="django.contrib.auth.backends.ModelBackend")
    # Due on 15 and 24 January: the split follows the date with no job run and no write in between.
    for day, split in ((12, ("2", "0")), (15, ("2", "0")), (16, ("1", "1")), (24, ("1", "1")), (25, ("0", "2"))):
        with time_machine.travel(date(2026, 1, day), tick=False):
            row = dict(zip(exports.HEADER, download(member_client)[1][1], strict=True))
        assert (row["Pending PA count"], row["Past-due PA count"]) == split, day
    assert (row["Active licences"], row["Available licences"]) == ("3", "7")
    assert LicencePool.objects.get(customer=customer).assigned == 3
    assert row["3-year commit status"] == ""
