"""Frames as the real channel layer delivers them (the `group_frames` fixture of
tests/sessions/conftest.py): a fresh channel subscribed to a group, from a background
thread running its own asyncio loop, on the layer settings.CHANNEL_LAYERS configures."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from typing import Any

from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import channel_layers

from sessions import events

SETUP_TIMEOUT = 5.0
TEARDOWN_TIMEOUT = 5.0
# How long "nothing was sent" waits after the sentinel came through (bounded, short).
QUIET_SECONDS = 0.3
SENTINEL = "test.sentinel"


class LoopThread:
    """One asyncio loop in a daemon thread, with its own channel-layer instance."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.call_soon(started.set)
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, name="group-frames", daemon=True)
        self.thread.start()
        if not started.wait(SETUP_TIMEOUT):
            raise RuntimeError("the group_frames loop did not start")
        self.layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)

    def run(self, coro, timeout: float = SETUP_TIMEOUT):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        async def close() -> None:
            if hasattr(self.layer, "close_pools"):
                # RedisChannelLayer: its flush would delete every key of the prefix.
                await self.layer.close_pools()
            else:
                await self.layer.flush()  # pub/sub: unsubscribes, closes the connection

        try:
            self.run(close(), TEARDOWN_TIMEOUT)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(TEARDOWN_TIMEOUT)
            if not self.thread.is_alive():
                self.loop.close()


class GroupFrames:
    """The frames one group delivered to one fresh channel, in arrival order."""

    def __init__(self, runner: LoopThread, group: str) -> None:
        self.group = group
        self._runner = runner
        self._frames: list[dict[str, Any]] = []
        self._seen_sentinels: set[str] = set()
        self._arrived = threading.Condition()
        self.channel: str = runner.run(runner.layer.new_channel())
        runner.run(runner.layer.group_add(group, self.channel))
        self._task = asyncio.run_coroutine_threadsafe(self._collect(), runner.loop)
        # Prove the subscription is live before the test sends anything.
        self._sentinel_round_trip()

    async def _collect(self) -> None:
        while True:
            event = await self._runner.layer.receive(self.channel)
            frames = events.event_frames(event)
            with self._arrived:
                for frame in frames:
                    if frame.get("type") == SENTINEL:
                        self._seen_sentinels.add(frame["token"])
                    else:
                        self._frames.append(frame)
                self._arrived.notify_all()

    def _sentinel_round_trip(self) -> None:
        token = uuid.uuid4().hex
        event = events.layer_event({"type": SENTINEL, "token": token})
        self._runner.run(self._runner.layer.group_send(self.group, event))
        with self._arrived:
            if not self._arrived.wait_for(lambda: token in self._seen_sentinels, SETUP_TIMEOUT):
                raise AssertionError(f"the channel layer did not deliver to {self.group}")

    def frames(self) -> list[dict[str, Any]]:
        with self._arrived:
            return list(self._frames)

    def wait_for(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The frames once at least `n` arrived; fails after `timeout` seconds."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self._frames) >= n, timeout):
                raise AssertionError(
                    f"{self.group}: {len(self._frames)} of {n} frames after {timeout}s: "
                    f"{self._frames!r}"
                )
            return list(self._frames)

    def settle(self, quiet: float = QUIET_SECONDS) -> list[dict[str, Any]]:
        """Every frame sent so far: a sentinel of our own goes through the same group
        (anything sent before it is delivered before it), then `quiet` seconds more for
        sends handed to another loop. Use for exact counts and "nothing was sent"."""
        self._sentinel_round_trip()
        time.sleep(quiet)
        return self.frames()

    def close(self) -> None:
        self._task.cancel()
        self._runner.run(self._runner.layer.group_discard(self.group, self.channel))


def settled(*captures: GroupFrames, quiet: float = QUIET_SECONDS) -> list[tuple[str, dict]]:
    """Every (group, frame) the captures received so far, after a sentinel round trip on
    each and one `quiet` wait: for exact counts and "nothing was sent" across groups."""
    for capture in captures:
        capture._sentinel_round_trip()
    time.sleep(quiet)
    return [(capture.group, frame) for capture in captures for frame in capture.frames()]
