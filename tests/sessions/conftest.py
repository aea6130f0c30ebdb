"""Fixtures of the sessions tests."""

import copy
import uuid

import pytest
from channels import DEFAULT_CHANNEL_LAYER

from tests.sessions.layer_capture import GroupFrames, LoopThread


@pytest.fixture
def group_frames(settings):
    """Factory: `group_frames(group) -> GroupFrames` (`.wait_for(n)`, `.frames()`,
    `.settle()`). Every test gets its own channel-layer key prefix, so parallel runs
    sharing one Redis server (pub/sub is server-wide) never see each other's frames."""
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    config = layers[DEFAULT_CHANNEL_LAYER].setdefault("CONFIG", {})
    config["prefix"] = f"{config.get('prefix', 'asgi')}:t{uuid.uuid4().hex[:12]}"
    settings.CHANNEL_LAYERS = layers  # channels drops its cached layers on this change
    runner = LoopThread()
    captures: list[GroupFrames] = []

    def subscribe(group: str) -> GroupFrames:
        capture = GroupFrames(runner, group)
        captures.append(capture)
        return capture

    yield subscribe
    try:
        for capture in captures:
            capture.close()
    finally:
        runner.stop()


@pytest.fixture
def celery_eager():
    """Celery's own eager mode: a task enqueued with `.delay()` runs in this process right
    away (errors propagate), so a test asserts its real effect, not that it was queued.
    Set on the app's conf: Celery read the CELERY_* settings when it was configured."""
    from marketplace.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved
