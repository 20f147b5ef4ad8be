"""LIST-4 search (NF-4): the side table customers_customersearch, one narrow row per listed customer (id,
reseller, name, search_text), with a per-reseller trigram index like the one migration 0012 put on
customers_customer. A search's default view (every listed customer, by name: customers.selectors.
search_page_ids) finds its page and total from these narrow rows alone instead of rechecking the wide customer
rows spread over the table: for the big reseller's q=berg ~4,400 buffers instead of ~9,400. A search with a
filter, "mine" or another sort reads the customer columns anyway: it keeps the customers' own trigram index
(a join from this table looked every match up by id, 59,000 buffers instead of 9,463).

The database keeps the table exact, whatever writes the customers (services, the job, raw SQL, the admin):
a customer inserted listed gets its row; an update of what the row copies (name, search_text, reseller) or of
removed_at inserts, updates or deletes it; a customer deleted loses it. search_text is copied, not computed
(Customer.save computes it from name, name_en, vip_id and contact_email). The job's updates of other columns
do not fire the triggers. SQLite (`make run` without DATABASE_URL) gets the same triggers in its own dialect,
without the trigram index (its search reads the table without one)."""

import django.db.models.deletion
from django.db import migrations, models

# What a customer's side row holds: its columns, then the values from the customer row `row`.
COLUMNS = "customer_id, reseller_id, name, search_text"
VALUES = "{row}.id, {row}.reseller_id, {row}.name, {row}.search_text"

POSTGRES_UP = [
    # No customer is written between the fill and the triggers (reads go on); released at commit.
    "LOCK TABLE customers_customer IN SHARE ROW EXCLUSIVE MODE",
    # The existing rows, set-based, before the index (built once from the filled table); a reseller's rows
    # together, so that its matches share pages (the big reseller's q=berg: 8,270 pages read in customer order).
    f"INSERT INTO customers_customersearch ({COLUMNS}) "
    f"SELECT {VALUES.format(row='c')} FROM customers_customer c WHERE c.removed_at IS NULL ORDER BY c.reseller_id, c.id",
    # fastupdate off: a search scans the whole pending list of a GIN index (the customer index's list cost a
    # search several ms until VACUUM flushed it); this table is written only when a customer is invited,
    # renamed, removed or moves, so the few entries per write are cheap to put in place.
    "CREATE INDEX customer_search_trgm ON customers_customersearch "
    "USING gin ((reseller_id + 0), search_text gin_trgm_ops) WITH (fastupdate = off)",
    f"""
    CREATE OR REPLACE FUNCTION customers_customer_search_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- (OLD is NULL on INSERT, NEW on DELETE: the comparisons are then NULL, not true.)
        IF TG_OP = 'DELETE' OR NEW.removed_at IS NOT NULL OR NEW.id <> OLD.id THEN
            DELETE FROM customers_customersearch WHERE customer_id = OLD.id;
            IF TG_OP = 'DELETE' THEN
                RETURN NULL;
            END IF;
        END IF;
        IF NEW.removed_at IS NULL THEN
            INSERT INTO customers_customersearch ({COLUMNS}) VALUES ({VALUES.format(row="NEW")})
            ON CONFLICT (customer_id) DO UPDATE SET
                reseller_id = EXCLUDED.reseller_id, name = EXCLUDED.name, search_text = EXCLUDED.search_text
            WHERE (customers_customersearch.reseller_id, customers_customersearch.name,
                   customers_customersearch.search_text)
                IS DISTINCT FROM (EXCLUDED.reseller_id, EXCLUDED.name, EXCLUDED.search_text);
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER customers_customer_search_insert AFTER INSERT ON customers_customer FOR EACH ROW "
    "WHEN (NEW.removed_at IS NULL) EXECUTE FUNCTION customers_customer_search_write()",
    # search_text holds name_en, vip_id and contact_email: listed so that a write of one of them alone fires it
    # too; the WHEN clause skips the (many) saves that rewrite these columns unchanged.
    "CREATE TRIGGER customers_customer_search_update AFTER UPDATE OF "
    "name, name_en, vip_id, contact_email, search_text, reseller_id, removed_at, id ON customers_customer "
    "FOR EACH ROW WHEN ((OLD.id, OLD.name, OLD.search_text, OLD.reseller_id, OLD.removed_at IS NULL) "
    "IS DISTINCT FROM (NEW.id, NEW.name, NEW.search_text, NEW.reseller_id, NEW.removed_at IS NULL)) "
    "EXECUTE FUNCTION customers_customer_search_write()",
    "CREATE TRIGGER customers_customer_search_delete AFTER DELETE ON customers_customer FOR EACH ROW "
    "EXECUTE FUNCTION customers_customer_search_write()",
    # Statistics of the new table and its index expression (a sample, seconds).
    "ANALYZE customers_customersearch",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS customers_customer_search_insert ON customers_customer",
    "DROP TRIGGER IF EXISTS customers_customer_search_update ON customers_customer",
    "DROP TRIGGER IF EXISTS customers_customer_search_delete ON customers_customer",
    "DROP FUNCTION IF EXISTS customers_customer_search_write()",
]

# SQLite cannot upsert from a trigger without ambiguity: the row is deleted and written again.
_SQLITE_WRITE = (
    "BEGIN DELETE FROM customers_customersearch WHERE customer_id = OLD.id; "
    f"INSERT INTO customers_customersearch ({COLUMNS}) SELECT {VALUES.format(row='NEW')} "
    "WHERE NEW.removed_at IS NULL; END"
)
SQLITE_UP = [
    f"INSERT INTO customers_customersearch ({COLUMNS}) "
    f"SELECT {VALUES.format(row='c')} FROM customers_customer c WHERE c.removed_at IS NULL",
    "CREATE TRIGGER customers_customer_search_insert AFTER INSERT ON customers_customer WHEN NEW.removed_at IS NULL "
    f"BEGIN INSERT INTO customers_customersearch ({COLUMNS}) VALUES ({VALUES.format(row='NEW')}); END",
    "CREATE TRIGGER customers_customer_search_update AFTER UPDATE OF "
    "name, name_en, vip_id, contact_email, search_text, reseller_id, removed_at, id ON customers_customer "
    "WHEN OLD.id IS NOT NEW.id OR OLD.name IS NOT NEW.name OR OLD.search_text IS NOT NEW.search_text "
    "OR OLD.reseller_id IS NOT NEW.reseller_id OR (OLD.removed_at IS NULL) IS NOT (NEW.removed_at IS NULL) "
    f"{_SQLITE_WRITE}",
    "CREATE TRIGGER customers_customer_search_delete AFTER DELETE ON customers_customer "
    "BEGIN DELETE FROM customers_customersearch WHERE customer_id = OLD.id; END",
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "customers_customer_search_insert",
        "customers_customer_search_update",
        "customers_customer_search_delete",
    )
]


def up(apps, schema_editor):  # type: ignore[no-untyped-def]
    statements = {"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def down(apps, schema_editor):  # type: ignore[no-untyped-def]
    statements = {"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_language_choices"),
        ("customers", "0013_customer_managed_by_email"),
    ]

    operations = [
        migrations.CreateModel(
            name="CustomerSearch",
            fields=[
                (
                    "customer",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="customers.customer",
                    ),
                ),
                ("name", models.CharField(max_length=80)),
                ("search_text", models.TextField()),
                (
                    "reseller",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.reseller",
                    ),
                ),
            ],
        ),
        migrations.RunPython(up, down),
    ]
