"""The periodic job (JOB-1): everything that moves with time, run by Celery beat at least hourly."""

from __future__ import annotations

from datetime import date

from purchase_auth.services import purchase_authorizations_refresh, three_year_commits_refresh


def periodic_refresh(*, on: date) -> dict[str, dict[str, int]]:
    """Run every time-driven transition for `on`. Each step is set-based and idempotent (JOB-2, JOB-3).

    Today: purchase-authorization states (PA-7) and three-year-commit compliance and expiry (ORD-6).
    Renewal states, licence expiry and reseller-change code expiry join this job with the issues that
    build them.
    """
    return {
        "purchase_authorizations": purchase_authorizations_refresh(on=on),
        "three_year_commits": three_year_commits_refresh(on=on),
    }
