"""`make bench`'s API stage (bench/apipage.py) on a small data set: it times every variant of
GET /api/v1/customers/ with a key of the reseller's team member (all 200, cursor page included), reports
the NF-4 target and revokes its key afterwards."""

from __future__ import annotations

import pytest

from api.models import ApiKey
from bench import apipage
from tests.factories import CustomerFactory


@pytest.mark.unscoped
def test_the_api_bench_stage_measures_every_variant_and_revokes_its_key(triad):
    CustomerFactory.create_batch(30, managed_by=triad.member_a, name="Harbor Supplies")
    lines: list[str] = []
    results = apipage.run(
        login_email=triad.member_a.user.email, warmups=1, runs=3, budget_s=5, min_runs=2, progress=lines.append
    )
    assert [r["label"] for r in results] == [v.label for v in apipage.variants({"cursor": "x"})]
    cursor = results[-1]
    assert "cursor" in cursor["params"]  # the first page had a next page to follow
    for result in results:
        assert result["n"] >= 2 and result["p95_ms"] > 0 and result["queries"] > 0
    assert len(lines) == len(results)
    key = ApiKey.objects.get(name="bench")
    assert key.revoked_at is not None and key.reseller == triad.reseller_a
    (target,) = apipage.targets(results)
    assert target["name"] == "customer list API p95 ≤ 100 ms"
