"""Operators see every reseller change in the Django admin, read-only, and never a code's hash."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import CustomerTransferFactory, ResellerChangeFailureFactory

pytestmark = pytest.mark.unscoped


def test_the_operator_sees_codes_failures_and_transfers_read_only(db, admin_client):
    transfer = CustomerTransferFactory()
    ResellerChangeFailureFactory(customer=transfer.customer)
    for model in ("resellerchangecode", "resellerchangefailure", "customertransfer"):
        listed = admin_client.get(reverse(f"admin:reseller_change_{model}_changelist"))
        assert listed.status_code == 200, model
        assert transfer.customer.vip_id in listed.content.decode() or model == "customertransfer"
    detail = admin_client.get(reverse("admin:reseller_change_resellerchangecode_change", args=[transfer.code.pk]))
    assert detail.status_code == 200
    assert transfer.code.code_hash not in detail.content.decode()
    assert admin_client.get(reverse("admin:reseller_change_customertransfer_add")).status_code == 403
