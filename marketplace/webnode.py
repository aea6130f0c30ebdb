"""The web node: daphne on uvloop's event loop. `python -m marketplace.webnode [daphne's options]`.

daphne runs Twisted's asyncio reactor on the loop that `asyncio.new_event_loop()` returns
when `daphne.server` is imported; installing uvloop's policy first makes that loop
uvloop's. Measured with `make bench-chat`: about 10 % less CPU per chat message, for the
product and for daphne + Channels alone (docs/chat.md). `WEB_EVENT_LOOP=asyncio` keeps
the standard loop (e.g. to compare, or where uvloop is not installed).

On top of daphne's defaults the node hardens what a client sends (docs/foundation.md):
- a request must arrive whole (headers and body) within `WEB_REQUEST_READ_TIMEOUT`
  seconds of its first byte, else the connection is answered 408 and closed (a slow-loris
  client trickling a byte at a time never resets this clock, unlike Twisted's idle one);
- the application must answer within `WEB_HTTP_TIMEOUT` seconds (daphne's
  `--http-timeout`, unless given on the command line);
- a WebSocket message over daphne's 1 MiB limit is closed with 1009 and invalid UTF-8 with
  1007, with a closing handshake (autobahn's default drops the TCP connection silently).
"""

from __future__ import annotations

import asyncio
import os
import sys


def install_event_loop() -> None:
    """Make uvloop the event loop of this process, unless told otherwise or missing."""
    if os.environ.get("WEB_EVENT_LOOP", "uvloop") == "asyncio":
        return
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def _seconds(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


def hardened_server_class():
    """daphne's Server with the read deadline and the WebSocket close codes above.

    Built in a function: importing daphne.server installs the reactor on the current
    event loop policy, so it must come after `install_event_loop`."""
    from daphne.server import Server
    from twisted.internet import reactor
    from twisted.web import http

    read_timeout = _seconds("WEB_REQUEST_READ_TIMEOUT", 10)

    class DeadlineHTTPChannel(http.HTTPChannel):
        """Twisted's HTTP channel with a deadline for receiving each whole request."""

        _read_deadline = None

        def dataReceived(self, data: bytes) -> None:  # noqa: N802 - Twisted's name
            if self._read_deadline is None and not self._handlingRequest:
                self._read_deadline = reactor.callLater(read_timeout, self._read_timed_out)
            super().dataReceived(data)

        def allContentReceived(self) -> None:  # noqa: N802
            self._cancel_read_deadline()
            super().allContentReceived()

        def connectionLost(self, reason) -> None:  # noqa: N802
            self._cancel_read_deadline()
            super().connectionLost(reason)

        def _cancel_read_deadline(self) -> None:
            if self._read_deadline is not None:
                if self._read_deadline.active():
                    self._read_deadline.cancel()
                self._read_deadline = None

        def _read_timed_out(self) -> None:
            self._read_deadline = None
            self.transport.write(
                b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
            )
            self.transport.loseConnection()
            # A client that does not read its 408 is cut off for good after a moment.
            reactor.callLater(2, self.transport.abortConnection)

    class HardenedServer(Server):
        def __init__(self, *args, **kwargs) -> None:
            if kwargs.get("http_timeout") is None:
                kwargs["http_timeout"] = _seconds("WEB_HTTP_TIMEOUT", 60)
            super().__init__(*args, **kwargs)

        def run(self) -> None:
            reactor.callWhenRunning(self._harden_factories)
            super().run()

        def _harden_factories(self) -> None:
            # Read by each connection when it opens, so setting them once the reactor runs
            # (before the first connection is accepted) covers every connection.
            self.ws_factory.setProtocolOptions(failByDrop=False)
            self.http_factory.protocol = lambda: http._GenericHTTPChannelProtocol(
                DeadlineHTTPChannel()
            )

    return HardenedServer


def main() -> None:
    install_event_loop()
    from daphne.cli import CommandLineInterface  # imports daphne.server: after the policy

    cli = CommandLineInterface()
    cli.server_class = hardened_server_class()
    cli.run(sys.argv[1:])


if __name__ == "__main__":
    main()
