"""API-4, API-5: schemathesis generates requests for every operation from the live OpenAPI schema and
checks each answer against it — no 500, every status, content type, header and body as documented.
Bounded and derandomized so it is quick and repeatable in `make test`."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.conftest import Keys
from tests.factories import CustomerFactory, ProductFactory


@pytest.fixture
def wsgi_app(db):
    """The project's WSGI application, minus the signal that closes the database connection after each
    request (Django's test client disconnects it the same way), so requests see the test's data."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def live_schema(wsgi_app):
    return schemathesis.openapi.from_wsgi("/api/v1/schema/", wsgi_app)


# Loaded from the running application when the tests are collected (the schema view needs no database).
# (schemathesis.pytest.from_fixture would load it per test, but it does not run on pytest 9 yet.)
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
# Kept quick for `make test`: the coverage phase's boundary cases stay, its sweep of every other HTTP
# method per operation goes (test_permissions pins the 405s).
schema.config.phases.coverage.unexpected_methods = set()


@pytest.fixture
def some_data(triad):
    ProductFactory(code="SCHEMA-T")
    CustomerFactory(managed_by=triad.member_a)


@schema.parametrize()
@settings(max_examples=3, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_its_schema_says(case, wsgi_app, some_data, keys: Keys):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {keys.read_write}"},
        # A body the schema allows may still break a rule (a postal code of the wrong country, a forged
        # cursor): a 400 or 422 problem is right there, so only "schema-valid means accepted" is left out.
        excluded_checks=[positive_data_acceptance],
    )


def test_the_schema_validates_and_documents_problems(live_schema):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    document = live_schema.raw_schema
    invite = document["paths"]["/api/v1/customers/"]["post"]
    assert invite["responses"]["422"]["content"]["application/problem+json"]
    assert any(p["name"] == "Idempotency-Key" for p in invite["parameters"])
    assert document["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    from api.webhooks import EVENT_TYPES

    assert set(EVENT_TYPES) | {"webhook.test"} == set(document["webhooks"])  # HOOK-2: payloads documented
    invited = document["webhooks"]["customer.invited"]["post"]["requestBody"]["content"]["application/json"]
    assert invited["schema"]["$ref"].endswith("/CustomerEvent")
