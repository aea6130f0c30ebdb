"""The chat's kept-open database connection (sessions.runtime._keep_connection)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from django.db import connection

from sessions import runtime
from sessions.services import chat
from tests.concurrency import run_together
from tests.sessions.chat_factories import ChatOrderFactory

pytestmark = [pytest.mark.django_db(transaction=True)]


def prepared_statements() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        return cursor.fetchone()[0]


def send_and_count(order) -> Callable[[], int]:
    """A function that sends the client's next message, then counts the statements this
    thread's connection has prepared."""
    numbers = itertools.count()

    def run() -> int:
        client_id = f"c{next(numbers)}"
        chat.message_send(user=order.client, order_id=order.pk, client_id=client_id, text="hi")
        return prepared_statements()

    return run


def test_the_chat_connection_prepares_what_it_runs_again_and_again(settings):
    # given: a running session
    settings.CHAT_DB_PREPARE_THRESHOLD = 3
    send = send_and_count(ChatOrderFactory())
    # when: five messages on the chat's connection, five on an ordinary one (own threads)
    [on_chat, on_other] = run_together(
        lambda: [runtime._keep_connection(send)() for _ in range(5)],
        lambda: [send() for _ in range(5)],
    )
    # then: the chat's connection prepared its statements from the third run on; the
    # ordinary one, binding parameters on the client, prepared nothing
    assert on_chat[0] == 0
    assert on_chat[-1] >= 1
    assert on_other == [0] * 5


def test_preparing_can_be_switched_off(settings):
    # given: behind a pooler in transaction mode prepared statements would be lost
    settings.CHAT_DB_PREPARE_THRESHOLD = 0
    send = send_and_count(ChatOrderFactory())
    # when
    [counts] = run_together(lambda: [runtime._keep_connection(send)() for _ in range(8)])
    # then
    assert counts == [0] * 8
