"""NF-4: a per-reseller counter of changes to its customer rows, raised by statement-level triggers (one
UPDATE per statement, whatever the number of rows), under which the list's filter counts are cached."""

from django.db import migrations, models

TABLE = "customers_customerlistversion"
TRIGGERS = {"insert": "NEW TABLE AS new_rows", "update": "NEW TABLE AS new_rows OLD TABLE AS old_rows", "delete": "OLD TABLE AS old_rows"}

FUNCTION = f"""
CREATE OR REPLACE FUNCTION customers_list_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- In reseller order, so that two statements touching the same resellers lock their counters alike.
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {TABLE} (reseller_id, version)
        SELECT DISTINCT reseller_id, 1 FROM new_rows ORDER BY reseller_id
        ON CONFLICT (reseller_id) DO UPDATE SET version = {TABLE}.version + 1;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO {TABLE} (reseller_id, version)
        SELECT reseller_id, 1 FROM (SELECT reseller_id FROM new_rows UNION SELECT reseller_id FROM old_rows) AS changed
        ORDER BY reseller_id
        ON CONFLICT (reseller_id) DO UPDATE SET version = {TABLE}.version + 1;
    ELSE
        INSERT INTO {TABLE} (reseller_id, version)
        SELECT DISTINCT reseller_id, 1 FROM old_rows ORDER BY reseller_id
        ON CONFLICT (reseller_id) DO UPDATE SET version = {TABLE}.version + 1;
    END IF;
    RETURN NULL;
END
$$;
"""


def create_triggers(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return  # elsewhere the counts are not cached (customers.selectors.customer_counts_cached)
    schema_editor.execute(FUNCTION)
    for event, referencing in TRIGGERS.items():
        schema_editor.execute(
            f"CREATE TRIGGER customers_list_version_{event} AFTER {event.upper()} ON customers_customer "
            f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION customers_list_version_bump()"
        )


def drop_triggers(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for event in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS customers_list_version_{event} ON customers_customer")
    schema_editor.execute("DROP FUNCTION IF EXISTS customers_list_version_bump()")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("customers", "0007_home_indexes")]

    operations = [
        migrations.CreateModel(
            name="CustomerListVersion",
            fields=[
                (
                    "reseller",
                    models.OneToOneField(
                        on_delete=models.deletion.CASCADE,
                        primary_key=True,
                        related_name="customer_list_version",
                        serialize=False,
                        to="accounts.reseller",
                    ),
                ),
                ("version", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
