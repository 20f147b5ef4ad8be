"""NF-4, the job's heavy day: every update of a customer row that is not HOT (the job's figures) writes each of
the table's indexes again, so three that nothing needs go, and one carries what auto-renewal reads:

- the reseller foreign key's own index: customer_home_created leads with reseller_id;
- the creator's foreign-key index: nothing looks customers up by who invited them; only deleting a user checks
  it, which now reads the table;
- the `varchar_pattern_ops` index PostgreSQL gets for the unique VIP ID, for `LIKE 'prefix%'`: nothing
  searches VIP IDs by prefix (the search reads search_text), the unique index answers the exact lookups;
- customer_job_ad carries the id and the commit status, so auto-renewal picks its customers out of the grace
  window from the index alone."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_language_choices"),
        ("customers", "0014_customer_search"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="customer",
            name="customer_job_ad",
        ),
        # The index by its name (Django's, the same on SQLite): altering the field would make SQLite copy the
        # table, which the triggers of migrations 0013 and 0014 name.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="customer",
                    name="reseller",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="customers",
                        to="accounts.reseller",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS customers_customer_reseller_id_eb0ab540",
                    "CREATE INDEX customers_customer_reseller_id_eb0ab540 ON customers_customer (reseller_id)",
                ),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="customer",
                    name="created_by",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS customers_customer_created_by_id_e3e9e010",
                    "CREATE INDEX customers_customer_created_by_id_e3e9e010 ON customers_customer (created_by_id)",
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                condition=models.Q(("removed_at__isnull", True)),
                fields=["anniversary_date"],
                include=("id", "three_year_commit_status"),
                name="customer_job_ad",
            ),
        ),
        # PostgreSQL's name for it (Django's, from the table and column); nothing to drop elsewhere. Not made again
        # when unapplied: Django does not know of it.
        migrations.RunSQL("DROP INDEX IF EXISTS customers_customer_vip_id_4d8518ff_like", migrations.RunSQL.noop),
    ]
