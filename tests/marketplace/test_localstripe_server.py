"""The local Stripe stand-in keeps its state only where it is told to."""

import stripe

from marketplace import embedded


def _client(base: str) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_embedded", base_addresses={"api": base})


def test_state_file_keeps_objects_across_a_restart(tmp_path):
    # given: an instance with its own state file, holding one customer
    state = str(tmp_path / "stripe.pickle")
    proc, base = embedded.start_stripe(state_file=state)
    try:
        customer = _client(base).v1.customers.create(params={"email": "a@example.com"})
    finally:
        embedded._stop(proc)
    # when: it starts again on the same file
    proc, base = embedded.start_stripe(state_file=state)
    try:
        found = _client(base).v1.customers.retrieve(customer.id)
    finally:
        embedded._stop(proc)
    # then
    assert (found.id, found.email) == (customer.id, "a@example.com")


def test_unreadable_state_file_starts_from_scratch(tmp_path):
    # given: a truncated state file, as a crash mid-write would leave
    state = tmp_path / "stripe.pickle"
    state.write_bytes(b"\x80\x05\x95truncated")
    # when
    proc, base = embedded.start_stripe(state_file=str(state))
    try:
        customers = _client(base).v1.customers.list()
        created = _client(base).v1.customers.create(params={"email": "b@example.com"})
    finally:
        embedded._stop(proc)
    # then: it serves, empty, and the file is whole again
    assert customers.data == []
    assert created.id.startswith("cus_")
    assert state.stat().st_size > 20


def test_without_a_state_file_nothing_is_kept(tmp_path):
    # given
    proc, base = embedded.start_stripe()
    try:
        _client(base).v1.customers.create(params={"email": "c@example.com"})
    finally:
        embedded._stop(proc)
    # when: a fresh instance starts
    proc, base = embedded.start_stripe()
    try:
        customers = _client(base).v1.customers.list()
    finally:
        embedded._stop(proc)
    # then
    assert customers.data == []
