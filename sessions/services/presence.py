"""Listener presence: online while any page of ours is open (a chat socket or a page's
heartbeat), busy at the chat limit, when not receiving orders (off shift, at a workload limit, in a
cool-down: `sessions.services.workload`) or when the listener chose "away", offline when
nothing is open or the listener chose "offline".

Every open socket and every open page of a listener is a member of a Redis sorted set
scored by its last heartbeat, so any number of web nodes agree on who is online and a
closed tab or a crashed node's sockets simply go stale (`STALE_SECONDS` after their last
heartbeat) and are swept. `ListenerProfile.presence` is the derived value the catalogue
filters on; it is written only when it changes. `ListenerProfile.availability` is the
listener's own switch.
"""

from __future__ import annotations

import time
from functools import cache

import redis
from django.conf import settings

from listeners.models import ListenerProfile
from listeners.services import listener_availability_set, listener_presence_store
from sessions.selectors.chat import active_session_count
from sessions.services.workload import listener_workload

# A socket that has not sent a heartbeat for this long is considered gone. Browsers
# ping every 20 s; two missed pings plus slack.
STALE_SECONDS = 60


@cache
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def _client() -> redis.Redis:
    return _redis(settings.REDIS_URL)


def _key(listener_id: int) -> str:
    return f"mp:presence:{listener_id}"


def presence_connect(*, listener_id: int, socket_id: str) -> str:
    return presence_heartbeat(listener_id=listener_id, socket_id=socket_id)


def presence_heartbeat(*, listener_id: int, socket_id: str) -> str:
    pipe = _client().pipeline()
    pipe.zadd(_key(listener_id), {socket_id: time.time()})
    pipe.expire(_key(listener_id), STALE_SECONDS * 2)
    pipe.execute()
    return presence_refresh(listener_id=listener_id)


def presence_page_seen(*, user, page_id: str) -> str | None:
    """A page of ours is open in one of the listener's tabs (its heartbeat, every 20 s):
    the page counts like a chat socket. Returns the presence, None for a non-listener."""
    listener_id = ListenerProfile.objects.filter(user=user).values_list("pk", flat=True).first()
    if listener_id is None:
        return None
    return presence_heartbeat(listener_id=listener_id, socket_id=f"page:{page_id[:64]}")


def presence_choose(*, user, availability: str) -> str:
    """The listener's switch (online / away / offline); returns the presence clients see."""
    profile = listener_availability_set(user=user, availability=availability)
    return presence_refresh(listener_id=profile.pk)


def presence_disconnect(*, listener_id: int, socket_id: str) -> str:
    _client().zrem(_key(listener_id), socket_id)
    return presence_refresh(listener_id=listener_id)


def live_socket_count(*, listener_id: int) -> int:
    client = _client()
    client.zremrangebyscore(_key(listener_id), "-inf", time.time() - STALE_SECONDS)
    return int(client.zcard(_key(listener_id)))


def presence_refresh(*, listener_id: int) -> str:
    """Recompute and store the listener's presence; returns it."""
    profile = (
        ListenerProfile.objects.filter(pk=listener_id)
        .only(
            "max_concurrent_chats",
            "availability",
            "max_hours_day",
            "max_hours_week",
            "max_night_hours_week",
        )
        .first()
    )
    if profile is None:
        return ListenerProfile.Presence.OFFLINE
    chosen = profile.availability
    if (
        chosen == ListenerProfile.Availability.OFFLINE
        or live_socket_count(listener_id=listener_id) == 0
    ):
        state = ListenerProfile.Presence.OFFLINE
    elif chosen == ListenerProfile.Availability.AWAY:
        state = ListenerProfile.Presence.BUSY
    else:
        active = active_session_count(listener_id=listener_id)
        # Off shift, at a limit or in a cool-down: present, but not receiving orders.
        busy = (
            active >= profile.max_concurrent_chats
            or not listener_workload(listener=profile).takes_orders
        )
        state = ListenerProfile.Presence.BUSY if busy else ListenerProfile.Presence.ONLINE
    # Through the listeners service: it also updates the catalogue's copy of the presence.
    listener_presence_store(listener_id=listener_id, presence=state)
    return state


def presence_sweep() -> int:
    """Refresh everyone shown as present (drops sockets of crashed nodes). Returns how
    many listeners were checked."""
    ids = list(
        ListenerProfile.objects.exclude(presence=ListenerProfile.Presence.OFFLINE).values_list(
            "pk", flat=True
        )
    )
    for listener_id in ids:
        presence_refresh(listener_id=listener_id)
    return len(ids)
