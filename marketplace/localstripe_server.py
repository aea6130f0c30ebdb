"""Runs the localstripe fake Stripe API with its state kept where we say.

localstripe 1.15 keeps its state in a fixed `/tmp/localstripe.pickle`, shared by every
instance on the machine, and rewrites it on every change: a test run and `make run` then
read each other's half-written files and crash. This launcher gives each instance its own
state file (`--state-file`, written atomically) or none at all (the default, as tests
want), and starts from scratch when a state file is unreadable.

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


def main() -> None:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--state-file")
    ours, theirs = parser.parse_known_args()
    _state_file_use(ours.state_file)
    if not ours.state_file:
        theirs.append("--from-scratch")
    sys.argv = [sys.argv[0], *theirs]
    server.start()


if __name__ == "__main__":
    main()
