"""The web node: daphne on uvloop's event loop. `python -m marketplace.webnode [daphne's options]`.

daphne runs Twisted's asyncio reactor on the loop that `asyncio.new_event_loop()` returns
when `daphne.server` is imported; installing uvloop's policy first makes that loop
uvloop's. Measured with `make bench-chat`: about 10 % less CPU per chat message, for the
product and for daphne + Channels alone (docs/chat.md). `WEB_EVENT_LOOP=asyncio` keeps
the standard loop (e.g. to compare, or where uvloop is not installed).
"""

from __future__ import annotations

import asyncio
import os


def install_event_loop() -> None:
    """Make uvloop the event loop of this process, unless told otherwise or missing."""
    if os.environ.get("WEB_EVENT_LOOP", "uvloop") == "asyncio":
        return
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def main() -> None:
    install_event_loop()
    from daphne.cli import CommandLineInterface  # imports daphne.server: after the policy

    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
