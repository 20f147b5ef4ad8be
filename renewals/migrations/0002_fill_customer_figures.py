"""Fill the per-customer figures (customers 0007) of the existing rows, set-based: one UPDATE over the
customer table with the expressions the services use (customers.figures), so a database migrated from
an earlier release passes `manage.py check_customer_figures` at once. It runs the application's current
figure expressions: later migrations that change their sources must refill as well."""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def fill(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from customers.figures import customer_figures_refresh

    customer_figures_refresh(None)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0010_customer_figures"),
        ("purchase_auth", "0006_renewal_orders_and_grace"),
        ("renewals", "0001_auto_renewal"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
