"""The API against its own OpenAPI schema: schemathesis generates requests for every
operation from /api/schema/ (valid and invalid ones), sends them through the real Django
stack (WSGI transport, real database), and checks that none is answered with a 5xx and
that every answer (status, content type, body) is one the schema documents. Anonymous
and signed in (API token). Bounded in examples per operation and in time."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi import checks as openapi_checks

from tests.listeners.factories import ApprovedListenerFactory, PackageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(300)]

CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]
BOUNDED = settings(
    max_examples=8,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


# Loaded when the module is collected (the schema view needs no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    """Django closes the database connection at the end of each WSGI request, which would
    end the test's transaction; the test client avoids it the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@BOUNDED
def test_anonymous_requests_get_documented_answers(case):
    case.call_and_validate(checks=CHECKS, headers={"Cookie": "django_language=en"})


@schema.parametrize()
@BOUNDED
def test_signed_in_requests_get_documented_answers(case, signed_in_token):
    headers = {"Authorization": f"Token {signed_in_token}", "Cookie": "django_language=en"}
    case.call_and_validate(checks=CHECKS, headers=headers)


@pytest.fixture
def signed_in_token():
    """A listener's token: the `me` operations of listeners then reach their services
    (tiers, settings) instead of stopping at "you have not applied"."""
    listener = ApprovedListenerFactory()
    PackageFactory(tier=listener.tiers.get())
    return Token.objects.create(user=listener.user).key
