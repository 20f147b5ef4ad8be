"""LIST-4 search: on PostgreSQL a trigram GIN index serves `search_text LIKE '%…%'`."""

from django.db import migrations


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS customer_search_trgm ON customers_customer "
            "USING gin (search_text gin_trgm_ops) WHERE removed_at IS NULL"
        )


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS customer_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
