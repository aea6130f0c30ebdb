"""Calls inside a session with a controllable clock: ringing, answer, decline, missed
after 30 s, failed without media 15 s after the answer, one live call per session, the
tier's medium, the transcript entries; billing rides the per-minute session's meter and
the call ends when the balance runs out. Ledger invariants after every test."""

import base64
import hashlib
import hmac

import pytest
from django.urls import reverse

from listeners.models import ListenerProfile
from marketplace.exceptions import NotFound
from payments.invariants import assert_ledger_consistent
from payments.wallet.selectors import wallet_balance_fen
from sessions.models import Breach, Call, Message, Order, ReplyClock
from sessions.services import calls, chat, lifecycle, metering, watcher
from sessions.services.calls import CallRefused
from tests.factories import StaffUserFactory, UserFactory
from tests.payments.wallet_helpers import topup_paid
from tests.sessions.metering_helpers import MINUTE_FEN, at, metered_session, per_minute_tier

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _money(local_stripe, request):
    request.getfixturevalue("_django_db_helper")
    yield
    assert_ledger_consistent()


def voice_session(medium="voice", **kwargs) -> Order:
    return metered_session(tier=per_minute_tier(medium=medium), **kwargs)


def call_texts(order):
    """The order's call entries as (code, params), each checked to name its call (the
    `call` parameter the page's report link reads), which is then left out."""
    rows = list(
        Message.objects.filter(order=order, system_code__startswith="call_")
        .order_by("seq")
        .values_list("system_code", "system_params")
    )
    calls_of_order = set(Call.objects.filter(order=order).values_list("pk", flat=True))
    assert all(params.get("call") in calls_of_order for _code, params in rows), rows
    return [(code, {k: v for k, v in params.items() if k != "call"}) for code, params in rows]


def test_a_call_rings_is_answered_and_hung_up_with_its_duration_in_the_transcript():
    # given
    order = voice_session()
    client, listener = order.client, order.listener.user
    # when
    call = calls.call_start(user=client, order_id=order.pk, kind="voice", now=at(5))
    calls.call_answer(user=listener, order_id=order.pk, call_id=call.pk, now=at(8))
    calls.call_media(user=client, order_id=order.pk, call_id=call.pk, now=at(10))
    calls.call_media(user=listener, order_id=order.pk, call_id=call.pk, now=at(11))
    calls.call_hangup(user=client, order_id=order.pk, call_id=call.pk, now=at(75))
    # then
    call.refresh_from_db()
    assert (call.state, call.answered_at, call.media_at, call.ended_at, call.ended_by) == (
        Call.State.ENDED,
        at(8),
        at(10),
        at(75),
        client,
    )
    assert call_texts(order) == [
        ("call_started_voice", {}),
        ("call_answered", {}),
        ("call_ended_client", {"duration": "1:05"}),
    ]
    ended = Message.objects.get(order=order, system_code="call_ended_client")
    assert (ended.text, ended.system_params) == (
        "The client ended the call after 1:05.",
        {"call": call.pk, "duration": "1:05"},
    )


def test_unanswered_for_30_seconds_the_call_is_missed_and_cannot_be_answered():
    # given
    order = voice_session()
    call = calls.call_start(user=order.client, order_id=order.pk, kind="voice", now=at(5))
    # when
    assert calls.call_timeout_sweep(now=at(34)) == 0
    assert calls.call_timeout_sweep(now=at(35)) == 1
    # then
    call.refresh_from_db()
    assert call.state == Call.State.MISSED
    with pytest.raises(CallRefused) as refused:
        calls.call_answer(user=order.listener.user, order_id=order.pk, call_id=call.pk, now=at(36))
    assert refused.value.code == "call_closed"
    assert call_texts(order) == [("call_started_voice", {}), ("call_missed", {})]


def test_answered_without_media_for_15_seconds_the_call_fails():
    # given
    order = voice_session()
    call = calls.call_start(user=order.listener.user, order_id=order.pk, kind="voice", now=at(5))
    calls.call_answer(user=order.client, order_id=order.pk, call_id=call.pk, now=at(6))
    # when
    calls.call_timeout_sweep(now=at(21))
    # then
    call.refresh_from_db()
    assert (call.state, call.media_at) == (Call.State.FAILED, None)
    assert call_texts(order)[-1] == ("call_failed", {})


def test_declined_and_cancelled_calls():
    # given
    order = voice_session()
    first = calls.call_start(user=order.client, order_id=order.pk, kind="voice", now=at(5))
    # when
    calls.call_decline(user=order.listener.user, order_id=order.pk, call_id=first.pk, now=at(7))
    second = calls.call_start(user=order.client, order_id=order.pk, kind="voice", now=at(9))
    calls.call_hangup(user=order.client, order_id=order.pk, call_id=second.pk, now=at(10))
    # then
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (Call.State.DECLINED, Call.State.ENDED)
    assert [code for code, _params in call_texts(order)] == [
        "call_started_voice",
        "call_declined",
        "call_started_voice",
        "call_cancelled",
    ]


def test_refusals_change_nothing():
    # given
    order = voice_session()
    stranger = UserFactory()
    live = calls.call_start(user=order.client, order_id=order.pk, kind="voice", now=at(5))
    messages = Message.objects.count()
    # when / then: a second call, video in a voice tier, a stranger, the caller answering
    cases = [
        (
            lambda: calls.call_start(user=order.listener.user, order_id=order.pk, kind="voice"),
            "call_busy",
        ),
        (
            lambda: calls.call_start(user=order.client, order_id=order.pk, kind="video"),
            "call_not_offered",
        ),
        (lambda: calls.call_start(user=order.client, order_id=order.pk, kind="fax"), "bad_frame"),
        (
            lambda: calls.call_answer(user=order.client, order_id=order.pk, call_id=live.pk),
            "call_not_yours",
        ),
        (
            lambda: calls.call_media(user=order.client, order_id=order.pk, call_id=live.pk),
            "call_not_answered",
        ),
    ]
    for attempt, code in cases:
        with pytest.raises(CallRefused) as refused:
            attempt()
        assert refused.value.code == code
    with pytest.raises(NotFound):
        calls.call_start(user=stranger, order_id=order.pk, kind="voice")
    with pytest.raises(NotFound):
        calls.call_hangup(user=stranger, order_id=order.pk, call_id=live.pk)
    assert (Call.objects.count(), Message.objects.count()) == (1, messages)


@pytest.mark.parametrize(
    ("medium", "kinds"), [("text", ()), ("voice", ("voice",)), ("video", ("voice", "video"))]
)
def test_the_tier_medium_decides_the_kinds_of_call(medium, kinds):
    # given
    order = voice_session(medium=medium)
    # when / then
    assert calls.call_kinds_for(order) == kinds
    if not kinds:
        with pytest.raises(CallRefused) as refused:
            calls.call_start(user=order.client, order_id=order.pk, kind="voice")
        assert refused.value.code == "call_not_offered"
        assert Call.objects.count() == 0


def test_a_call_outside_a_running_session_is_refused():
    # given
    order = voice_session()
    lifecycle.session_end_early(user=order.client, order_id=order.pk, now=at(20))
    # when / then
    with pytest.raises(CallRefused) as refused:
        calls.call_start(user=order.client, order_id=order.pk, kind="voice", now=at(21))
    assert refused.value.code == "session_closed"
    assert Call.objects.count() == 0


def test_the_calls_minutes_are_the_sessions_metered_minutes_and_it_ends_at_zero():
    # given: ¥15 topped up, ¥5 a minute: the first minute charged at booking
    order = voice_session(balance_fen=3 * MINUTE_FEN)
    call = calls.call_start(user=order.client, order_id=order.pk, kind="voice", now=at(5))
    calls.call_answer(user=order.listener.user, order_id=order.pk, call_id=call.pk, now=at(6))
    calls.call_media(user=order.client, order_id=order.pk, call_id=call.pk, now=at(7))
    # when: two more minutes charged by the meter, then the wallet is empty
    metering.metering_pass(now=at(60))
    metering.metering_pass(now=at(120))
    call.refresh_from_db()
    assert call.state == Call.State.CONNECTED
    metering.metering_pass(now=at(180))
    # then: paused at zero, the call ended by the balance; minutes charged once each
    order.refresh_from_db()
    call.refresh_from_db()
    assert (order.minutes, order.price_fen, order.paused_at) == (3, 3 * MINUTE_FEN, at(180))
    assert wallet_balance_fen(client_id=order.client_id) == 0
    assert (call.state, call.end_reason, call.ended_at) == (Call.State.ENDED, "balance", at(180))
    assert call_texts(order)[-1] == ("call_ended_balance", {"duration": "2:53"})
    with pytest.raises(CallRefused) as refused:
        calls.call_start(user=order.client, order_id=order.pk, kind="voice", now=at(181))
    assert refused.value.code == "session_paused"


def test_a_call_still_live_when_its_session_ends_is_ended_by_the_sweep():
    # given
    order = voice_session()
    call = calls.call_start(user=order.client, order_id=order.pk, kind="voice", now=at(5))
    calls.call_answer(user=order.listener.user, order_id=order.pk, call_id=call.pk, now=at(6))
    calls.call_media(user=order.client, order_id=order.pk, call_id=call.pk, now=at(7))
    lifecycle.session_end_early(user=order.client, order_id=order.pk, now=at(30))
    # when
    calls.call_timeout_sweep(now=at(31))
    # then
    call.refresh_from_db()
    assert (call.state, call.end_reason) == (Call.State.ENDED, "session")
    assert call_texts(order)[-1] == ("call_ended_session", {"duration": "0:24"})


def test_while_a_call_has_media_the_reply_clock_does_not_run():
    # given: a 20-second reply window; the client wrote at 1 s (due at 21 s)
    order = metered_session(tier=per_minute_tier(medium="voice", reply_window_seconds=20))
    chat.message_send(user=order.client, order_id=order.pk, client_id="a", text="hi", now=at(1))
    call = calls.call_start(user=order.client, order_id=order.pk, kind="voice", now=at(2))
    calls.call_answer(user=order.listener.user, order_id=order.pk, call_id=call.pk, now=at(3))
    # when: media from 4 s; the deadline passes during the call
    calls.call_media(user=order.client, order_id=order.pk, call_id=call.pk, now=at(4))
    watcher.clocks_sweep(now=at(30), compensate=False)
    calls.call_hangup(user=order.client, order_id=order.pk, call_id=call.pk, now=at(40))
    # then: no breach; the clock runs again with the 17 s it had left
    clock = ReplyClock.objects.get(order=order, status=ReplyClock.Status.OPEN)
    assert (Breach.objects.filter(order=order).count(), clock.deadline) == (0, at(57))


def test_a_clock_the_client_opens_during_a_call_gets_its_whole_window_after_it():
    # given
    order = metered_session(tier=per_minute_tier(medium="voice", reply_window_seconds=20))
    call = calls.call_start(user=order.client, order_id=order.pk, kind="voice", now=at(2))
    calls.call_answer(user=order.listener.user, order_id=order.pk, call_id=call.pk, now=at(3))
    calls.call_media(user=order.listener.user, order_id=order.pk, call_id=call.pk, now=at(4))
    # when: the client writes during the call, which outlasts the window
    chat.message_send(user=order.client, order_id=order.pk, client_id="a", text="hi", now=at(5))
    watcher.clocks_sweep(now=at(45), compensate=False)
    calls.call_hangup(user=order.listener.user, order_id=order.pk, call_id=call.pk, now=at(50))
    # then
    clock = ReplyClock.objects.get(order=order, status=ReplyClock.Status.OPEN)
    assert (Breach.objects.filter(order=order).count(), clock.deadline) == (0, at(70))


@pytest.mark.parametrize("medium", ["text", "voice", "video"])
def test_the_chat_page_offers_the_tiers_calls_and_only_then_the_microphone(client, medium):
    # given
    order = voice_session(medium=medium)
    client.force_login(order.client)
    # when
    response = client.get(f"/chat/{order.pk}/")
    # then
    page = response.content.decode()
    policy = response.headers["Permissions-Policy"]
    assert response.status_code == 200
    assert ('id="call-panel"' in page, 'id="call-video"' in page) == (
        medium != "text",
        medium == "video",
    )
    assert ("microphone=(self)" in policy, "microphone=()" in policy) == (
        medium != "text",
        medium == "text",
    )


def test_a_voice_tier_sold_per_minute_can_be_started_from_the_profile(client):
    # given: an online listener with a per-minute voice tier; a client with ¥15
    tier = per_minute_tier(medium="voice")
    ListenerProfile.objects.filter(pk=tier.listener_id).update(
        presence=ListenerProfile.Presence.ONLINE
    )
    buyer = UserFactory()
    topup_paid(buyer, 3 * MINUTE_FEN)
    client.force_login(buyer)
    # when
    profile = client.get(f"/listeners/{tier.listener_id}/").content.decode()
    started = client.post(f"/chat/per-minute/{tier.pk}/")
    # then
    assert f'id="start-per-minute-{tier.pk}"' in profile
    order = Order.objects.get(client=buyer)
    assert (started.status_code, order.kind, order.tier_id) == (302, Order.Kind.METERED, tier.pk)
    assert calls.call_kinds_for(order) == ("voice",)


def test_each_call_gets_its_own_short_lived_turn_password(settings):
    # given: our TURN server configured beside a STUN server
    settings.WEBRTC_ICE_SERVERS = [{"urls": "stun:stun.example.org"}]
    settings.TURN_URLS = ["turn:turn.example.org:3478"]
    settings.TURN_SECRET = "turn-secret"
    settings.TURN_TTL_SECONDS = 600
    order = voice_session()
    call = calls.call_start(user=order.client, order_id=order.pk, kind="voice", now=at(5))
    # when
    servers = calls.call_ice_servers(call, now=at(5))
    # then: coturn's use-auth-secret check, computed independently
    username = f"{int(at(5).timestamp()) + 600}:call{call.pk}"
    expected = base64.b64encode(
        hmac.new(b"turn-secret", username.encode(), hashlib.sha1).digest()
    ).decode()
    assert servers == [
        {"urls": "stun:stun.example.org"},
        {"urls": ["turn:turn.example.org:3478"], "username": username, "credential": expected},
    ]
    calls.call_hangup(user=order.client, order_id=order.pk, call_id=call.pk, now=at(6))
    call.refresh_from_db()
    assert calls.call_frame(call, order)["ice_servers"] is None  # not handed out once over


def test_without_a_turn_secret_only_the_configured_servers_are_used(settings):
    # given
    settings.TURN_URLS = ["turn:turn.example.org:3478"]
    settings.TURN_SECRET = ""
    order = voice_session()
    call = calls.call_start(user=order.client, order_id=order.pk, kind="voice", now=at(5))
    # when / then
    assert calls.call_ice_servers(call, now=at(5)) == []


def test_staff_see_calls_in_the_admin_in_chinese_and_cannot_change_them(client):
    # given
    order = voice_session()
    call = calls.call_start(user=order.client, order_id=order.pk, kind="voice", now=at(5))
    client.force_login(StaffUserFactory(is_superuser=True))
    # when
    listing = client.get(reverse("admin:live_sessions_call_changelist")).content.decode()
    add = client.get(reverse("admin:live_sessions_call_add"))
    # then
    assert "通话秒数" in listing
    assert "响铃中" in listing
    assert add.status_code == 403
    assert Call.objects.get().pk == call.pk
