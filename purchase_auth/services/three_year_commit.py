"""ORD-6: the VIP Select three-year commit: request, decision, compliance and expiry."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from console.accounts.models import Reseller, User
from console.audit.services import AuditEntry, audit_log, audit_log_bulk
from console.clock import today
from console.outbox.services import Mail, mail_enqueue, mail_enqueue_bulk
from customers.figures import customer_figures_refresh
from customers.models import Customer, ThreeYearCommitStatus
from purchase_auth import rules, selectors
from purchase_auth.models import (
    ThreeYearCommit,
)
from purchase_auth.services.common import (
    PurchaseError,
    locked_customer,
)

LIVE_COMMITS = (ThreeYearCommitStatus.REQUESTED, ThreeYearCommitStatus.ACCEPTED, ThreeYearCommitStatus.COMMITTED)


def _commit_notify(commit: ThreeYearCommit, customer: Customer) -> None:
    member = customer.managed_by.user
    mail_enqueue(
        to=member.email,
        template="three_year_commit_result",
        language=member.language,
        reseller=customer.reseller,
        context={"customer": customer, "commit": commit},
        dedupe_key=f"commit-{commit.pk}-{commit.status}",
    )


def three_year_commit_request(*, reseller: Reseller, actor: User, vip_id: str, quantity: int) -> ThreeYearCommit:
    """ORD-6: ask a VIP Select customer (never an extended-term one) to commit to `quantity` (≥ 10)
    licences for three terms; its admin accepts or declines in the member portal."""
    with transaction.atomic():
        customer = locked_customer(reseller, vip_id)
        if customer.extended_term_months:
            raise PurchaseError(_("The three-year commit is not available with an extended term paid up front."))
        if (customer.vip_select_level or "01") < "02":
            raise PurchaseError(
                _("Only VIP Select customers (10 or more licences this term) can commit for three years.")
            )
        if not rules.VIP_SELECT_MINIMUM <= quantity <= 200_000:
            raise PurchaseError(_("Commit to 10 licences or more."))
        if ThreeYearCommit.objects.filter(customer=customer, status__in=LIVE_COMMITS).exists():
            raise PurchaseError(_("This customer already has a three-year commit in progress."))
        commit = ThreeYearCommit.objects.create(
            reseller=reseller,
            customer=customer,
            status=ThreeYearCommitStatus.REQUESTED,
            committed_quantity=quantity,
            requested_at=timezone.now(),
            requested_by=actor,
        )
        customer.three_year_commit_status = commit.status
        customer.save(update_fields=["three_year_commit_status", "search_text"])
        audit_log(
            reseller=reseller,
            actor=actor,
            action="customer.commit_request",
            obj=customer,
            changes={"three_year_commit": [None, f"{quantity} licences, requested"]},
        )
        mail_enqueue(
            to=customer.contract_owner.email if customer.contract_owner else customer.contact_email,
            template="three_year_commit_request",
            language=customer.language,
            reseller=reseller,
            context={
                "customer": customer,
                "commit": commit,
                "link": settings.SITE_URL + reverse("portal:organization", args=[customer.vip_id]),
            },
        )
    return commit


def three_year_commit_decide(*, customer: Customer, actor: User, accept: bool) -> ThreeYearCommit:
    """ORD-6: the customer admin accepts (30 days to reach the quantity) or declines the request."""
    with transaction.atomic():
        locked = (
            Customer.objects.with_scopes_disabled()
            .select_for_update(of=("self",))
            .select_related("reseller", "managed_by__user")
            .get(pk=customer.pk)
        )
        commit = (
            ThreeYearCommit.objects.with_scopes_disabled()
            .select_for_update()
            .filter(customer=locked, status=ThreeYearCommitStatus.REQUESTED)
            .first()
        )
        if commit is None:
            raise PurchaseError(_("There is no three-year commit request to answer."))
        commit.decided_at = timezone.now()
        if accept:
            commit.status = ThreeYearCommitStatus.ACCEPTED
            commit.deadline = today() + timedelta(days=settings.VIP_POLICY["THREE_YEAR_COMMIT_DAYS"])
        else:
            commit.status = ThreeYearCommitStatus.DECLINED
        commit.save(update_fields=["status", "decided_at", "deadline"])
        locked.three_year_commit_status = commit.status
        locked.save(update_fields=["three_year_commit_status", "search_text"])
        audit_log(
            reseller=locked.reseller,
            actor=actor,
            action="customer.commit_decide",
            obj=locked,
            changes={"three_year_commit": [ThreeYearCommitStatus.REQUESTED, commit.status]},
        )
        _commit_notify(commit, locked)
        if accept:
            three_year_commit_check(locked)
    return commit


def three_year_commit_check(customer: Customer) -> None:
    """ORD-6: an accepted commitment becomes committed once the qualifying licences bought this term
    reach the committed quantity (before its deadline); the level is then locked for this term and
    the next two. Call inside a transaction that holds the customer's row."""
    commit = (
        ThreeYearCommit.objects.with_scopes_disabled()
        .select_for_update()
        .filter(customer=customer, status=ThreeYearCommitStatus.ACCEPTED)
        .first()
    )
    if commit is None or commit.deadline is None or today() > commit.deadline:
        return
    if selectors.qualifying_bought(customer) < commit.committed_quantity:
        return
    commit.status = ThreeYearCommitStatus.COMMITTED
    commit.level = rules.commit_level(customer.segment, commit.committed_quantity)
    commit.ends_on = customer.anniversary_date + relativedelta(months=24) if customer.anniversary_date else None
    commit.save(update_fields=["status", "level", "ends_on"])
    Customer.objects.with_scopes_disabled().filter(pk=customer.pk).update(three_year_commit_status=commit.status)
    customer.three_year_commit_status = commit.status
    customer_figures_refresh([customer.pk])  # the renewal value is priced at the locked level now
    audit_log(
        reseller=customer.reseller,
        actor=None,
        action="customer.commit_committed",
        obj=customer,
        changes={"three_year_commit": [ThreeYearCommitStatus.ACCEPTED, commit.status], "level": [None, commit.level]},
    )
    _commit_notify(commit, customer)


def three_year_commits_refresh(*, on: date) -> dict[str, int]:
    """JOB-1/ORD-6: accepted commitments past their deadline become non-compliant; committed ones past
    their third term expire (the customer returns to its normal level). Set-based and idempotent like
    purchase_authorizations_refresh."""
    counts = {"non_compliant": 0, "expired": 0}
    with transaction.atomic():
        moved: list[tuple[int, str]] = []
        for status, condition, target in (
            (ThreeYearCommitStatus.ACCEPTED, {"deadline__lt": on}, ThreeYearCommitStatus.NON_COMPLIANT),
            (ThreeYearCommitStatus.COMMITTED, {"ends_on__lt": on}, ThreeYearCommitStatus.EXPIRED),
        ):
            ids = list(
                ThreeYearCommit.objects.with_scopes_disabled()
                .select_for_update(skip_locked=True)
                .filter(status=status, **condition)
                .values_list("pk", flat=True)
            )
            changed = (
                ThreeYearCommit.objects.with_scopes_disabled().filter(pk__in=ids, status=status).update(status=target)
            )
            if changed:
                moved += [(pk, target) for pk in ids]
                counts[str(target)] = changed
        if not moved:
            return counts
        commits = list(
            ThreeYearCommit.objects.with_scopes_disabled()
            .filter(pk__in=[pk for pk, _t in moved])
            .select_related("customer__managed_by__user", "customer__reseller")
        )
        for target in (ThreeYearCommitStatus.NON_COMPLIANT, ThreeYearCommitStatus.EXPIRED):
            Customer.objects.with_scopes_disabled().filter(
                three_year_commits__in=[c for c in commits if c.status == target]
            ).update(three_year_commit_status=target)
        customer_figures_refresh({c.customer_id for c in commits})  # renewal values leave the locked level
        audit_log_bulk(
            AuditEntry(
                reseller_id=c.customer.reseller_id,
                action=f"customer.commit_{c.status}",
                obj=c.customer,
                changes={"three_year_commit": [None, c.status]},
            )
            for c in commits
        )
        mail_enqueue_bulk(
            [
                Mail(
                    to=c.customer.managed_by.user.email,
                    template="three_year_commit_result",
                    language=c.customer.managed_by.user.language,
                    reseller=c.customer.reseller,
                    context={"customer": c.customer, "commit": c},
                    dedupe_key=f"commit-{c.pk}-{c.status}",
                )
                for c in commits
            ]
        )
    return counts


def three_year_commits_move(customer: Customer, from_reseller: Reseller, to_reseller: Reseller) -> None:
    """RC-5: the customer's three-year commits (its VIP Select commitment) move with it, unchanged."""
    ThreeYearCommit.objects.with_scopes_disabled().filter(customer=customer, reseller=from_reseller).update(
        reseller=to_reseller
    )
