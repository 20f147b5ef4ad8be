"""PA-2: the suspension date is fixed on each purchase authorization when it is created (like its due
date), so a later policy change never moves an existing PA and the list, badges, Plans tab and job
read one rule. Existing rows get it from the policy in force now; customers get the earliest one of
their open PAs."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations, models
from django.db.models import F, Min, OuterRef, Subquery


def fill_suspends_on(apps, schema_editor):
    PurchaseAuthorization = apps.get_model("purchase_auth", "PurchaseAuthorization")
    Customer = apps.get_model("customers", "Customer")
    policy = settings.VIP_POLICY
    days = max(policy["PA_SUSPEND_AFTER_DAYS"], policy["PA_DUE_DAYS"]) + 1
    PurchaseAuthorization.objects.update(suspends_on=F("created_on") + timedelta(days=days))
    PurchaseAuthorization.objects.filter(suspends_on__lte=F("due_date")).update(
        suspends_on=F("due_date") + timedelta(days=1)
    )
    earliest = (
        PurchaseAuthorization.objects.filter(customer=OuterRef("pk"), state__in=["pending", "overdue", "suspended"])
        .order_by()
        .values("customer")
        .annotate(first=Min("suspends_on"))
        .values("first")
    )
    Customer.objects.filter(open_pa_min_due__isnull=False).update(open_pa_min_suspends=Subquery(earliest))


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_open_pa_min_suspends"),
        ("purchase_auth", "0004_licence_pool_report_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="purchaseauthorization",
            name="suspends_on",
            field=models.DateField(null=True, verbose_name="suspended from"),
        ),
        migrations.RunPython(fill_suspends_on, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="purchaseauthorization",
            name="suspends_on",
            field=models.DateField(verbose_name="suspended from"),
        ),
        migrations.AddConstraint(
            model_name="purchaseauthorization",
            constraint=models.CheckConstraint(
                condition=models.Q(("suspends_on__gt", models.F("due_date"))), name="pa_suspended_after_due"
            ),
        ),
    ]
