"""LIST-4 search (NF-4): the trigram GIN index leads with the reseller (btree_gin), so a search reads only
the reseller's matches from the index instead of every reseller's matches ANDed with a bitmap of all the
reseller's rows (200,000 entries for the big one). The reseller is `reseller_id + 0` (customers.selectors.
SEARCH_RESELLER): a clause on the bare column would merge with the tenant scope's int4 `reseller_id = 1`,
which btree_gin's int8 operator class cannot use."""

from django.db import migrations


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS customer_search_trgm_reseller ON customers_customer "
            "USING gin ((reseller_id + 0), search_text gin_trgm_ops) WHERE removed_at IS NULL"
        )
        schema_editor.execute("DROP INDEX IF EXISTS customer_search_trgm")
        # Statistics of the new expression, else PostgreSQL guesses its selectivity (a sample, seconds).
        schema_editor.execute("ANALYZE customers_customer")


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS customer_search_trgm ON customers_customer "
            "USING gin (search_text gin_trgm_ops) WHERE removed_at IS NULL"
        )
        schema_editor.execute("DROP INDEX IF EXISTS customer_search_trgm_reseller")


class Migration(migrations.Migration):
    dependencies = [("customers", "0011_customer_job_licensed_indexes")]
    operations = [migrations.RunPython(up, down)]
