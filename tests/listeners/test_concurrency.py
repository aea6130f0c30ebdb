"""The catalogue's copies under concurrent writes, on PostgreSQL with real row locks."""

import threading
import time

import pytest
from django.db import DatabaseError, connection, transaction

from listeners import services
from listeners.exceptions import ListenerError
from listeners.models import ListenerProfile, ListenerStats
from tests.listeners.factories import ApprovedListenerFactory


def backends_waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_sync_racing_a_presence_change_never_writes_the_older_presence():
    # given: an online listener; a presence change to offline is written but not yet
    # committed while a catalogue sync (e.g. from a tier edit) starts
    listener = ApprovedListenerFactory(presence=ListenerProfile.Presence.ONLINE)
    written, release = threading.Event(), threading.Event()
    errors: list[Exception] = []

    def presence_change():
        try:
            with transaction.atomic():
                services.listener_presence_store(listener_id=listener.pk, presence="offline")
                written.set()
                release.wait(timeout=10)
        except (DatabaseError, ListenerError) as error:  # asserted below
            errors.append(error)
        finally:
            connection.close()

    def sync():
        try:
            services.listener_catalogue_sync(listener_id=listener.pk)
        except (DatabaseError, ListenerError) as error:
            errors.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=presence_change)
    first.start()
    assert written.wait(timeout=10)
    second = threading.Thread(target=sync)
    second.start()
    # when: the sync is waiting for the profile row's lock (bounded wait), the presence
    # change commits
    deadline = time.monotonic() + 10
    while backends_waiting_for_a_lock() == 0 and time.monotonic() < deadline:
        second.join(timeout=0.01)
    release.set()
    first.join(timeout=10)
    second.join(timeout=10)
    # then: the sync copied the committed presence, not the one it would have read
    # before the change
    assert not first.is_alive()
    assert not second.is_alive()
    assert errors == []
    assert ListenerProfile.objects.get(pk=listener.pk).presence == "offline"
    assert ListenerStats.objects.get(listener=listener).presence_rank == 2
