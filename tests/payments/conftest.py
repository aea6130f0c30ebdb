"""Every payments test runs against the local Stripe server, and every test that touched
the database ends with the ledger invariants checked."""

import pytest

from payments.invariants import assert_ledger_consistent


@pytest.fixture(autouse=True)
def _stripe(local_stripe):
    return local_stripe


@pytest.fixture(autouse=True)
def _ledger_invariants(request):
    if request.node.get_closest_marker("django_db") is None:
        yield
        return
    # Depend on the database fixture so this check runs before it is torn down.
    request.getfixturevalue("_django_db_helper")
    yield
    assert_ledger_consistent()
