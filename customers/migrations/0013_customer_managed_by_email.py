"""LIST-4 sort by Managed by (NF-4): the managing user's email stored on the customer row, so that the sort is
a walk of one index (customer_list_managed_by) instead of a join of membership and user whose ~50,000 rows per
manager are sorted before the LIMIT. The database keeps the copy exact, whatever writes the rows (services, the
job, raw SQL, the admin): a customer inserted or its managed_by changed takes its manager's email, a user whose
email changes passes it to the customers they manage, and a membership inserted (deferred foreign keys allow a
customer before its manager) or given another user passes its user's email to its customers. A value written
from outside is replaced by the true one. SQLite (`make run` without DATABASE_URL) gets the same triggers in
its own dialect: it cannot assign NEW, so it corrects the row after the write."""

from django.db import migrations, models

MANAGER_EMAIL = (
    "SELECT u.email FROM accounts_membership m JOIN accounts_user u ON u.id = m.user_id WHERE m.id = {membership}"
)

POSTGRES_UP = [
    # The existing rows, set-based, before any trigger exists (one join, not a lookup per row).
    """
    UPDATE customers_customer c SET managed_by_email = u.email
    FROM accounts_membership m JOIN accounts_user u ON u.id = m.user_id
    WHERE m.id = c.managed_by_id AND c.managed_by_email IS DISTINCT FROM u.email
    """,
    f"""
    CREATE OR REPLACE FUNCTION customers_managed_by_email_set() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- An UPDATE that keeps managed_by and the stored email keeps a value that is right.
        IF TG_OP = 'UPDATE' AND NEW.managed_by_id = OLD.managed_by_id
                AND NEW.managed_by_email = OLD.managed_by_email THEN
            RETURN NEW;
        END IF;
        -- Empty until the membership exists (foreign keys are checked at commit); its insert fills it.
        NEW.managed_by_email := COALESCE(({MANAGER_EMAIL.format(membership="NEW.managed_by_id")}), '');
        RETURN NEW;
    END
    $$
    """,
    "CREATE TRIGGER customers_managed_by_email BEFORE INSERT OR UPDATE OF managed_by_id, managed_by_email "
    "ON customers_customer FOR EACH ROW EXECUTE FUNCTION customers_managed_by_email_set()",
    """
    CREATE OR REPLACE FUNCTION customers_managed_by_email_of_user() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE customers_customer c SET managed_by_email = NEW.email
        FROM accounts_membership m
        WHERE m.user_id = NEW.id AND c.managed_by_id = m.id AND c.managed_by_email IS DISTINCT FROM NEW.email;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER customers_managed_by_email_of_user AFTER UPDATE OF email ON accounts_user FOR EACH ROW "
    "WHEN (OLD.email IS DISTINCT FROM NEW.email) EXECUTE FUNCTION customers_managed_by_email_of_user()",
    """
    CREATE OR REPLACE FUNCTION customers_managed_by_email_of_membership() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE customers_customer c SET managed_by_email = u.email
        FROM accounts_user u
        WHERE u.id = NEW.user_id AND c.managed_by_id = NEW.id AND c.managed_by_email IS DISTINCT FROM u.email;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER customers_managed_by_email_of_membership AFTER INSERT OR UPDATE OF user_id "
    "ON accounts_membership FOR EACH ROW EXECUTE FUNCTION customers_managed_by_email_of_membership()",
    # Statistics of the new column, else PostgreSQL guesses its distribution (a sample, seconds).
    "ANALYZE customers_customer",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS customers_managed_by_email ON customers_customer",
    "DROP TRIGGER IF EXISTS customers_managed_by_email_of_user ON accounts_user",
    "DROP TRIGGER IF EXISTS customers_managed_by_email_of_membership ON accounts_membership",
    "DROP FUNCTION IF EXISTS customers_managed_by_email_set()",
    "DROP FUNCTION IF EXISTS customers_managed_by_email_of_user()",
    "DROP FUNCTION IF EXISTS customers_managed_by_email_of_membership()",
]

_SQLITE_EMAIL = f"COALESCE(({MANAGER_EMAIL.format(membership='NEW.managed_by_id')}), '')"
_SQLITE_OF_MEMBERSHIP = (
    "BEGIN UPDATE customers_customer "
    "SET managed_by_email = COALESCE((SELECT email FROM accounts_user WHERE id = NEW.user_id), '') "
    "WHERE managed_by_id = NEW.id; END"
)
SQLITE_UP = [
    f"UPDATE customers_customer SET managed_by_email = "
    f"COALESCE(({MANAGER_EMAIL.format(membership='customers_customer.managed_by_id')}), '')",
    "CREATE TRIGGER customers_managed_by_email_insert AFTER INSERT ON customers_customer "
    f"BEGIN UPDATE customers_customer SET managed_by_email = {_SQLITE_EMAIL} WHERE id = NEW.id; END",
    "CREATE TRIGGER customers_managed_by_email_update AFTER UPDATE OF managed_by_id, managed_by_email "
    f"ON customers_customer WHEN NEW.managed_by_email IS NOT {_SQLITE_EMAIL} "
    f"BEGIN UPDATE customers_customer SET managed_by_email = {_SQLITE_EMAIL} WHERE id = NEW.id; END",
    "CREATE TRIGGER customers_managed_by_email_of_user AFTER UPDATE OF email ON accounts_user "
    "WHEN OLD.email IS NOT NEW.email BEGIN UPDATE customers_customer SET managed_by_email = NEW.email "
    "WHERE managed_by_id IN (SELECT id FROM accounts_membership WHERE user_id = NEW.id); END",
    f"CREATE TRIGGER customers_managed_by_email_of_membership_insert AFTER INSERT ON accounts_membership "
    f"{_SQLITE_OF_MEMBERSHIP}",
    f"CREATE TRIGGER customers_managed_by_email_of_membership_update AFTER UPDATE OF user_id "
    f"ON accounts_membership {_SQLITE_OF_MEMBERSHIP}",
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "customers_managed_by_email_insert",
        "customers_managed_by_email_update",
        "customers_managed_by_email_of_user",
        "customers_managed_by_email_of_membership_insert",
        "customers_managed_by_email_of_membership_update",
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
    dependencies = [("accounts", "0002_user_language_choices"), ("customers", "0012_search_trigram_index_per_reseller")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="managed_by_email",
            field=models.CharField(default="", editable=False, max_length=240),
        ),
        migrations.RunPython(up, down),
        # After the fill: the index is built once from the filled column.
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                condition=models.Q(("removed_at__isnull", True)),
                fields=["reseller", "managed_by_email", "name", "id"],
                name="customer_list_managed_by",
            ),
        ),
    ]
