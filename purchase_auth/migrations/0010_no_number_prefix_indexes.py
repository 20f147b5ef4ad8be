"""NF-4, the job's heavy day: PostgreSQL gets a `varchar_pattern_ops` index beside the unique one for each
unique CharField, for `LIKE 'prefix%'`. Nothing looks PA or order numbers up by prefix (exact lookups use the
unique index; the admin's search is `icontains`, which neither can serve), yet the job's PA transitions and
auto-renewal orders wrote them on every row: PostgreSQL's names for them (Django's, from the table and
column); nothing to drop elsewhere. Not made again when unapplied: Django does not know of them."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("purchase_auth", "0009_pa_overdue_suspends"),
    ]

    operations = [
        migrations.RunSQL(
            "DROP INDEX IF EXISTS purchase_auth_purchaseauthorization_number_37e535ea_like", migrations.RunSQL.noop
        ),
        migrations.RunSQL("DROP INDEX IF EXISTS purchase_auth_order_number_380dff92_like", migrations.RunSQL.noop),
    ]
