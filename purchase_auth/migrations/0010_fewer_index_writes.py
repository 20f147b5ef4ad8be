"""NF-4, the job's heavy day: each PA state change the job makes writes every index of the table again, so
the ones nothing reads go:

- the creator's and the reseller's foreign-key indexes: nothing looks PAs up by either alone (a customer's PAs
  are read through its own index); only deleting a user or a reseller checks them, which now reads the table;
- the `varchar_pattern_ops` copies PostgreSQL gets for the unique PA and order numbers, for `LIKE 'prefix%'`:
  numbers are looked up exactly (the unique index) and the admin's search is `icontains`, which neither can
  serve. PostgreSQL's names for them (Django's, from the table and column); nothing to drop elsewhere. Not
  made again when unapplied: Django does not know of them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_language_choices"),
        ("purchase_auth", "0009_pa_overdue_suspends"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="purchaseauthorization",
            name="created_by",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="purchaseauthorization",
            name="reseller",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.reseller"
            ),
        ),
        migrations.RunSQL(
            "DROP INDEX IF EXISTS purchase_auth_purchaseauthorization_number_37e535ea_like", migrations.RunSQL.noop
        ),
        migrations.RunSQL("DROP INDEX IF EXISTS purchase_auth_order_number_380dff92_like", migrations.RunSQL.noop),
    ]
