"""Reporting a call from its transcript entry (docs/chat.md "Reporting a call"): either
party reports an ended call once; the report is a `call_report` flag on the call's last
entry, naming the call; staff see it on the safety desk and on the session's staff
transcript with the call's time and duration. Someone else's session or call is a 404,
a live call, a second report or a bad reason a clear refusal, never a 500; a refusal
writes nothing. Ledger invariants after every test."""

import html
import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from listeners.models import ListenerProfile
from marketplace.exceptions import DomainError, NotFound
from payments.invariants import assert_ledger_consistent
from sessions.models import Call, Message, MessageFlag
from sessions.services import calls
from sessions.services.calls import CallRefused
from tests.factories import StaffUserFactory, UserFactory
from tests.sessions.metering_helpers import MINUTE_FEN, at, metered_session, per_minute_tier

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _money(local_stripe, request):
    request.getfixturevalue("_django_db_helper")
    yield
    assert_ledger_consistent()


def voice_session(**kwargs):
    tier = per_minute_tier(medium="voice", night_minute_price_fen=MINUTE_FEN)
    return metered_session(tier=tier, **kwargs)


def ended_call(order, *, start=5, seconds=65):
    """The client calls, the listener answers, media for `seconds`, the client hangs up."""
    client, listener = order.client, order.listener.user
    call = calls.call_start(user=client, order_id=order.pk, kind="voice", now=at(start))
    calls.call_answer(user=listener, order_id=order.pk, call_id=call.pk, now=at(start + 2))
    calls.call_media(user=client, order_id=order.pk, call_id=call.pk, now=at(start + 3))
    calls.call_hangup(user=client, order_id=order.pk, call_id=call.pk, now=at(start + 3 + seconds))
    call.refresh_from_db()
    return call


def test_the_client_reports_an_ended_call_on_its_last_transcript_entry():
    # given
    order = voice_session()
    call = ended_call(order)
    # when
    report = calls.call_report(
        user=order.client,
        order_id=order.pk,
        call_id=call.pk,
        reason="abuse",
        note="  他一直骂我  ",
        now=at(100),
    )
    # then
    entry = Message.objects.get(order=order, system_code="call_ended_client")
    assert (
        report.kind,
        report.message_id,
        report.call_id,
        report.order_id,
        report.listener_id,
        report.reported_by_id,
        report.sender_role,
        report.reason,
        report.note,
        report.created_at,
    ) == (
        MessageFlag.Kind.CALL_REPORT,
        entry.pk,
        call.pk,
        order.pk,
        order.listener_id,
        order.client_id,
        "client",
        "abuse",
        "他一直骂我",
        at(100),
    )
    assert entry.system_params == {"call": call.pk, "duration": "1:05"}


def test_the_listener_may_report_the_same_call_and_each_party_only_once():
    # given
    order = voice_session()
    call = ended_call(order)
    calls.call_report(user=order.client, order_id=order.pk, call_id=call.pk, reason="unsafe")
    # when
    report = calls.call_report(
        user=order.listener.user, order_id=order.pk, call_id=call.pk, reason="inappropriate"
    )
    # then
    assert report.sender_role == "listener"
    for user in (order.client, order.listener.user):
        with pytest.raises(CallRefused) as refused:
            calls.call_report(
                user=user, order_id=order.pk, call_id=call.pk, reason="other", note="x"
            )
        assert (refused.value.code, refused.value.status) == ("already_reported", 409)
    assert MessageFlag.objects.filter(call=call).count() == 2
    assert calls.calls_reported_by(user_id=order.client_id, order_ids=[order.pk]) == [call.pk]


@pytest.mark.parametrize("state", ["missed", "declined", "cancelled"])
def test_calls_that_never_connected_can_be_reported_too(state):
    # given: the listener rings the client again and again
    order = voice_session()
    call = calls.call_start(user=order.listener.user, order_id=order.pk, kind="voice", now=at(5))
    if state == "missed":
        calls.call_timeout_sweep(now=at(40))
    elif state == "declined":
        calls.call_decline(user=order.client, order_id=order.pk, call_id=call.pk, now=at(7))
    else:
        calls.call_hangup(user=order.listener.user, order_id=order.pk, call_id=call.pk, now=at(7))
    # when
    report = calls.call_report(
        user=order.client, order_id=order.pk, call_id=call.pk, reason="abuse", now=at(60)
    )
    # then
    assert report.message.system_code == f"call_{state}"


def test_an_entry_written_before_entries_named_their_call_is_found_by_its_time():
    # given: a call whose entries carry no call id (written by an earlier build)
    order = voice_session()
    call = ended_call(order)
    Message.objects.filter(order=order).update(system_params={})
    # when
    report = calls.call_report(
        user=order.client, order_id=order.pk, call_id=call.pk, reason="unsafe"
    )
    # then
    assert report.message.system_code == "call_ended_client"


def test_refusals_are_clear_and_write_nothing():
    # given: an ended call; the same listener's other session with a live call; a stranger
    order = voice_session()
    call = ended_call(order)
    listener = order.listener.user
    ListenerProfile.objects.filter(pk=order.listener_id).update(
        max_concurrent_chats=4, presence=ListenerProfile.Presence.ONLINE
    )
    other = metered_session(tier=order.tier)
    live = calls.call_start(user=other.client, order_id=other.pk, kind="voice", now=at(5))
    stranger = UserFactory()
    report = {"reason": "abuse", "note": ""}
    not_found = [
        {"user": stranger, "order_id": order.pk, "call_id": call.pk},  # someone else's call
        {"user": other.client, "order_id": order.pk, "call_id": call.pk},
        {"user": listener, "order_id": order.pk, "call_id": live.pk},  # not this session
        {"user": listener, "order_id": other.pk, "call_id": call.pk},
        {"user": order.client, "order_id": order.pk, "call_id": 10**9},
        {"user": order.client, "order_id": 10**9, "call_id": call.pk},
        {"user": order.client, "order_id": order.pk, "call_id": "1"},
    ]
    refused = [
        ({"user": listener, "order_id": other.pk, "call_id": live.pk}, "call_live", 409),
        (
            {"user": order.client, "order_id": order.pk, "call_id": call.pk, "reason": "spam"},
            "reason_invalid",
            400,
        ),
        (
            {"user": order.client, "order_id": order.pk, "call_id": call.pk, "reason": ["abuse"]},
            "reason_invalid",
            400,
        ),
        (
            {"user": order.client, "order_id": order.pk, "call_id": call.pk, "reason": "other"},
            "note_required",
            400,
        ),
        (
            {"user": order.client, "order_id": order.pk, "call_id": call.pk, "note": "x" * 2001},
            "note_too_long",
            400,
        ),
        (
            {"user": order.client, "order_id": order.pk, "call_id": call.pk, "note": 5},
            "note_invalid",
            400,
        ),
    ]
    # when / then
    for attempt in not_found:
        with pytest.raises(NotFound):
            calls.call_report(**{**report, **attempt})
    for attempt, code, status in refused:
        with pytest.raises(DomainError) as error:
            calls.call_report(**{**report, **attempt})
        assert (error.value.code, error.value.status) == (code, status)
    assert MessageFlag.objects.count() == 0


# --- The API --------------------------------------------------------------------------


def post_report(client, order_id, call_id, body):
    return client.post(
        f"/api/orders/{order_id}/calls/{call_id}/report/",
        data=json.dumps(body),
        content_type="application/json",
    )


def test_the_api_reports_once_then_answers_409_in_the_users_language(client):
    # given
    order = voice_session()
    call = ended_call(order)
    client.force_login(order.client)
    # when
    first = post_report(client, order.pk, call.pk, {"reason": "inappropriate", "note": "露骨"})
    second = post_report(client, order.pk, call.pk, {"reason": "inappropriate"})
    # then
    report = MessageFlag.objects.get()
    assert (first.status_code, first.json()) == (
        201,
        {
            "report": report.pk,
            "session": order.pk,
            "call": call.pk,
            "reason": "inappropriate",
            "created_at": first.json()["created_at"],
        },
    )
    assert (second.status_code, second.json()) == (
        409,
        {"code": "already_reported", "detail": "你已举报过这次通话，工作人员会处理。"},
    )


def test_the_api_answers_404_for_calls_that_are_not_yours_and_400_for_bad_bodies(client):
    # given
    order = voice_session()
    call = ended_call(order)
    mine = voice_session()
    my_call = ended_call(mine)
    client.force_login(mine.client)
    # when / then: someone else's session or call, a call of another session
    for order_id, call_id in [(order.pk, call.pk), (mine.pk, call.pk), (order.pk, my_call.pk)]:
        response = post_report(client, order_id, call_id, {"reason": "abuse"})
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    # bad bodies: no reason, a wrong one, a note that is not text, not an object
    for body, code in [
        ({}, "reason_invalid"),
        ({"reason": "spam"}, "reason_invalid"),
        ({"reason": "abuse", "note": ["x"]}, "invalid"),
        (["abuse"], "invalid"),
    ]:
        response = post_report(client, mine.pk, my_call.pk, body)
        assert (response.status_code, response.json()["code"]) == (400, code), body
    malformed = client.post(
        f"/api/orders/{mine.pk}/calls/{my_call.pk}/report/",
        data="{not json",
        content_type="application/json",
    )
    assert malformed.status_code == 400
    assert MessageFlag.objects.count() == 0


def test_the_api_needs_a_signed_in_user(client):
    # given
    order = voice_session()
    call = ended_call(order)
    # when
    response = post_report(client, order.pk, call.pk, {"reason": "abuse"})
    # then
    assert response.status_code in (401, 403)
    assert MessageFlag.objects.count() == 0


# --- The pages ------------------------------------------------------------------------


def test_the_chat_page_knows_which_calls_this_user_reported(client):
    # given
    order = voice_session()
    call = ended_call(order)
    calls.call_report(user=order.client, order_id=order.pk, call_id=call.pk, reason="unsafe")
    # when
    client.force_login(order.client)
    mine = client.get(f"/chat/{order.pk}/").content.decode()
    client.force_login(order.listener.user)
    theirs = client.get(f"/chat/{order.pk}/").content.decode()
    # then: the client's page marks the call reported; the listener's does not
    assert f'data-reported="[{call.pk}]"' in mine
    assert 'data-reported="[]"' in theirs
    assert "举报这次通话" in mine


def test_staff_see_the_report_with_the_call_on_the_desk_and_the_transcript(client):
    # given
    order = voice_session()
    call = ended_call(order, seconds=65)
    report = calls.call_report(
        user=order.client, order_id=order.pk, call_id=call.pk, reason="abuse", note="他骂人"
    )
    client.force_login(StaffUserFactory())
    # when
    desk = client.get("/chat/safety/escalations/").content.decode()
    transcript = client.get(f"/chat/safety/orders/{order.pk}/").content.decode()
    # then: the session, who reported, why, the note, the call's time and duration
    started = timezone.localtime(call.started_at)  # the viewer's time zone: Beijing
    for page in (desk, transcript):
        assert f'data-report="{report.pk}"' in page
        assert "客户举报" in page
        assert "辱骂、威胁或骚扰" in page
        assert "他骂人" in page
        assert f"语音通话，开始于 {started:%Y-%m-%d %H:%M:%S}" in page
        assert "时长 1:05" in page
        assert "客户挂断" in page
    assert f'href="/chat/safety/orders/{order.pk}/#message-{report.message_id}"' in desk
    assert f"会话 {order.pk}" in desk


@pytest.mark.parametrize("who", ["client", "listener"])
def test_the_staff_pages_stay_404_for_the_parties(client, who):
    # given
    order = voice_session()
    call = ended_call(order)
    calls.call_report(user=order.client, order_id=order.pk, call_id=call.pk, reason="abuse")
    client.force_login(order.client if who == "client" else order.listener.user)
    # when / then
    assert client.get("/chat/safety/escalations/").status_code == 404
    assert client.get(f"/chat/safety/orders/{order.pk}/").status_code == 404


# --- The ring notice's start: calls ringing when a page loads -------------------------


def test_a_page_loaded_while_a_call_rings_gets_it_with_the_callers_name(client):
    # given: a client rings; their own page and an old ring do not count
    order = voice_session()
    order.client.display_name = "小鹿"
    order.client.save(update_fields=["display_name"])
    ringing = calls.call_start(user=order.client, order_id=order.pk, kind="voice")
    # when
    frames = calls.calls_ringing_for(user_id=order.listener.user_id, now=ringing.started_at)
    own = calls.calls_ringing_for(user_id=order.client_id, now=ringing.started_at)
    late = calls.calls_ringing_for(
        user_id=order.listener.user_id,
        now=ringing.started_at + timedelta(seconds=calls.RING_SECONDS),
    )
    stranger = calls.calls_ringing_for(user_id=UserFactory().pk, now=ringing.started_at)
    # then
    assert [(f["call"], f["state"], f["started_by"], f["caller"]) for f in frames] == [
        (ringing.pk, "ringing", "client", "小鹿")
    ]
    assert (own, late, stranger) == ([], [], [])
    client.force_login(order.listener.user)
    page = client.get("/chat/dashboard/").content.decode()
    ringing_attr = re.search(r'id="call-rings"[^>]*data-ringing="([^"]*)"', page, re.S).group(1)
    assert [f["caller"] for f in json.loads(html.unescape(ringing_attr))] == ["小鹿"]
    assert Call.objects.get().state == Call.State.RINGING
