"""Runs the localstripe fake Stripe API with its state kept where we say.

localstripe 1.15 keeps its state in a fixed `/tmp/localstripe.pickle`, shared by every
instance on the machine, and rewrites it on every change: a test run and `make run` then
read each other's half-written files and crash. This launcher gives each instance its own
state file (`--state-file`, written atomically) or none at all (the default, as tests
want), and starts from scratch when a state file is unreadable. It also teaches the
server Stripe's decline test cards and retries after a failed payment the way Stripe
answers them (`_teach_test_cards`).

    python -m marketplace.localstripe_server --port 8420 [--state-file .run/stripe.pickle]
"""

from __future__ import annotations

import argparse
import logging
import os
import pickle
import sys

from localstripe import resources, server

logger = logging.getLogger("localstripe")


def _state_file_use(path: str | None) -> None:
    def load(store: resources.Store) -> None:
        if not path:
            return
        try:
            with open(path, "rb") as state:
                saved = pickle.load(state)  # noqa: S301 - our own file, written below
        except FileNotFoundError:
            return
        # What a half-written or foreign file makes pickle raise.
        except (
            pickle.UnpicklingError,
            EOFError,
            AttributeError,
            ImportError,
            IndexError,
            MemoryError,
            ValueError,
        ):
            logger.warning("unreadable state file %s: starting from scratch", path)
            return
        store.clear()
        store.update(saved)

    def dump(store: resources.Store) -> None:
        if not path:
            return
        partial = f"{path}.partial"
        with open(partial, "wb") as state:
            pickle.dump(dict(store), state, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)

    resources.Store.try_load_from_disk = load
    resources.Store.dump_to_disk = dump


# Stripe's test cards that decline when charged, with their decline codes
# (https://docs.stripe.com/testing#declined-payments). localstripe 1.15 declines the first
# two only when a card is attached to a customer, and gives no decline code.
DECLINE_CODES = {
    "4000000000000002": "generic_decline",
    "4000000000009995": "insufficient_funds",
    "4000000000000341": "generic_decline",
}


def _teach_test_cards() -> None:
    """Make the stand-in behave as Stripe does for a failed payment:

    - the decline test cards decline when charged, and the error and the intent's
      `last_payment_error` carry Stripe's `decline_code`;
    - an intent whose payment failed or that awaits 3-D Secure takes a new payment method
      (`update`), after which it can be confirmed again; localstripe kept such an intent
      in `requires_payment_method` for good, so every retry answered "Bad request".
    """
    card_declined = resources.PaymentMethod._charging_is_declined

    def charging_is_declined(self) -> bool:
        number = getattr(self, "_card_number", None)
        return card_declined(self) or (self.type == "card" and number in DECLINE_CODES)

    resources.PaymentMethod._charging_is_declined = charging_is_declined

    def decline_code(charge) -> str:
        try:
            method = resources.PaymentMethod._api_retrieve(charge.payment_method)
        except resources.UserError:
            return ""
        return DECLINE_CODES.get(getattr(method, "_card_number", ""), "")

    def raise_failure(self) -> None:
        raise resources.UserError(
            402,
            self.failure_message,
            {"code": self.failure_code, "decline_code": decline_code(self), "charge": self.id},
        )

    resources.Charge._raise_failure = raise_failure

    last_error = resources.PaymentIntent.last_payment_error

    def last_payment_error(self):
        error = last_error.fget(self)
        if error and self.latest_charge is not None:
            error = {**error, "decline_code": decline_code(self.latest_charge)}
        return error

    resources.PaymentIntent.last_payment_error = property(last_payment_error)

    update = resources.PaymentIntent._api_update.__func__

    def api_update(cls, id, **data):
        obj = cls._api_retrieve(id)
        if data.get("payment_method") and obj.status in (
            "requires_payment_method",
            "requires_action",
        ):
            obj.next_action = None
            if obj.latest_charge is not None and obj.latest_charge.status == "failed":
                obj.latest_charge = None
        return update(cls, id, **data)

    resources.PaymentIntent._api_update = classmethod(api_update)


def main() -> None:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--state-file")
    ours, theirs = parser.parse_known_args()
    _state_file_use(ours.state_file)
    _teach_test_cards()
    if not ours.state_file:
        theirs.append("--from-scratch")
    sys.argv = [sys.argv[0], *theirs]
    server.start()


if __name__ == "__main__":
    main()
