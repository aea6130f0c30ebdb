"""Escalation by risk level (docs/safety.md): concern guides the listener only, high opens
the escalation with both panels, imminent also pages the on-call roster, which must
acknowledge in time or the page goes on to the next; a worse message raises the level;
the conversation's risk with its one query. Clocks are driven through `now`. High comes
from a crisis phrase (the risk engine classifies it so); concern and imminent through the
listener's escalation or an explicit assessment in the pipeline step."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from marketplace.exceptions import DomainError, NotFound
from marketplace.sms import SmsBackend
from sessions import events
from sessions.models import Escalation, MessageRisk, OnCall, Order
from sessions.risk import Assessment, Level
from sessions.safety import scan
from sessions.selectors.safety import compensation_deferred
from sessions.services import safety as safety_services
from sessions.services import safety_paging
from sessions.services.chat import message_send
from sessions.services.transcript import MessageContext
from tests.factories import StaffUserFactory
from tests.sessions.chat_factories import ChatOrderFactory, MessageFactory
from tests.sessions.layer_capture import settled

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]

CRISIS = "我真的不想活了"
T0 = timezone.now().replace(microsecond=0)


def at(seconds: float):
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def sockets(group_frames):
    def subscribe(order):
        return [
            group_frames(events.user_group(order.client_id)),
            group_frames(events.user_group(order.listener.user_id)),
        ]

    return subscribe


def safety_frames(groups, order):
    """(who, kind) of every `safety` frame delivered, who = "client" | "listener"."""
    names = {
        f"chat.user.{order.client_id}": "client",
        f"chat.user.{order.listener.user_id}": "listener",
    }
    return [
        (names[group], frame["kind"])
        for group, frame in settled(*groups)
        if frame["type"] == "safety"
    ]


def roster(*phones: str) -> list:
    """Staff on call in this order."""
    members = [StaffUserFactory(phone=phone) for phone in phones]
    for position, user in enumerate(members, start=1):
        OnCall.objects.create(user=user, position=position)
    return members


def escalate(order, level: str, *, note="他说今晚就结束一切", now=None):
    return safety_services.escalation_open_by_listener(
        user=order.listener.user, order_id=order.pk, level=level, note=note, now=now
    )


# --- Concern ----------------------------------------------------------------------------------


def test_concern_guides_the_listener_only(django_capture_on_commit_callbacks, sockets):
    # given: a client message the assessment rates as concern (an explicit assessment)
    order = ChatOrderFactory()
    groups = sockets(order)
    message = MessageFactory(order=order, seq=1, text="最近好累，有点撑不住")
    locked = Order.objects.select_for_update().get(pk=order.pk)
    ctx = MessageContext(
        order=locked,
        message=message,
        sender=order.client,
        sender_role="client",
        scan=scan(message.text),
        now=at(0),
        risk=Assessment(level=Level.CONCERN, signals=frozenset({"intent"})),
    )
    # when
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        safety_services.step_safety(ctx)
    # then: stored for staff; the listener's guidance, gentler; nothing else
    assert list(
        MessageRisk.objects.values_list("message_id", "level", "signals", "conversation_level")
    ) == [(message.pk, 1, ["intent"], 1)]
    assert safety_frames(groups, order) == [("listener", "concern")]
    assert Escalation.objects.count() == 0
    assert compensation_deferred(order_id=order.pk) is False
    order.refresh_from_db()
    assert order.risk_signal_at == at(0)


def test_concern_frame_words_and_no_label():
    # when
    frame = safety_services.listener_concern_frame(order_id=7, language="zh-hans")
    # then
    assert frame["title"] == "客户可能正在经历困难"
    assert frame["escalation"] is None
    assert frame["note"] == ""
    assert "平台工作人员已收到通知，会跟进处理。" not in frame["guidance"]
    assert "level" not in frame
    assert "signals" not in frame


def test_listener_concern_opens_an_escalation_without_the_clients_panel(
    django_capture_on_commit_callbacks, sockets, sms_outbox
):
    # given
    order = ChatOrderFactory()
    groups = sockets(order)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        escalation = escalate(order, "concern", note="语气很低落")
    # then: staff see it, refunds wait, the listener's guidance; the client sees nothing
    escalation.refresh_from_db()
    assert (escalation.level, escalation.source, escalation.opened_by_id) == (
        1,
        "listener",
        order.listener.user_id,
    )
    assert escalation.open_note == "语气很低落"
    assert escalation.message_id is None  # the client has not written yet
    assert safety_frames(groups, order) == [("listener", "crisis")]
    assert compensation_deferred(order_id=order.pk) is True
    assert sms_outbox() == []
    assert list(escalation.events.order_by("id").values_list("action", "actor_id", "note")) == [
        ("opened", order.listener.user_id, "concern · 语气很低落")
    ]


# --- High, rising ------------------------------------------------------------------------------


def test_a_worse_message_raises_the_level_and_brings_the_clients_panel(
    django_capture_on_commit_callbacks, sockets
):
    # given: the listener escalated at concern
    order = ChatOrderFactory()
    escalation = escalate(order, "concern")
    groups = sockets(order)
    # when: the client writes a high-risk message
    with django_capture_on_commit_callbacks(execute=True):
        result = message_send(user=order.client, order_id=order.pk, client_id="c1", text=CRISIS)
    # then: the same escalation, raised (an event); now the client's panel too
    escalation.refresh_from_db()
    assert Escalation.objects.count() == 1
    assert escalation.level == 2
    assert sorted(safety_frames(groups, order)) == [("client", "crisis"), ("listener", "crisis")]
    assert list(escalation.events.order_by("id").values_list("action", "note")) == [
        ("opened", "concern · 他说今晚就结束一切"),
        ("raised", f"concern -> high · message #{result.message.seq}"),
    ]


def test_an_equal_or_lower_level_is_noted_without_new_frames(
    django_capture_on_commit_callbacks, sockets
):
    # given
    order = ChatOrderFactory()
    message_send(user=order.client, order_id=order.pk, client_id="c1", text=CRISIS)
    groups = sockets(order)
    # when: the listener escalates at concern on the open high one
    with django_capture_on_commit_callbacks(execute=True):
        escalation = escalate(order, "concern", note="还在聊")
    # then
    escalation.refresh_from_db()
    assert escalation.level == 2
    assert safety_frames(groups, order) == []
    assert list(escalation.events.order_by("id").values_list("action", flat=True)) == [
        "opened",
        "listener",
    ]


# --- Imminent: paging, acknowledgement, re-paging ---------------------------------------------


def test_imminent_pages_the_first_on_call_after_commit(
    django_capture_on_commit_callbacks, sockets, sms_outbox
):
    # given
    first, _second = roster("13900000001", "13900000002")
    order = ChatOrderFactory()
    groups = sockets(order)
    # when: nothing is texted inside the transaction
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        escalation = escalate(order, "imminent", now=at(0))
    assert sms_outbox() == []
    for callback in callbacks:
        callback()
    # then: both panels, and the first on call paged once (by the Celery task)
    escalation.refresh_from_db()
    assert (escalation.level, escalation.paged_user_id, escalation.page_round) == (3, first.pk, 1)
    assert escalation.ack_due_at == at(120)
    assert escalation.page_sent_at is not None
    [sms] = sms_outbox()
    assert sms.phone == "13900000001"
    assert f"安全升级 {escalation.pk}" in sms.text
    assert f"/chat/safety/escalations/{escalation.pk}/" in sms.text
    assert sorted(safety_frames(groups, order)) == [("client", "crisis"), ("listener", "crisis")]
    assert list(escalation.events.order_by("id").values_list("action", flat=True)) == [
        "opened",
        "paged",
    ]
    # and the send is claimed: a duplicated task sends nothing
    assert safety_paging.page_send(escalation_id=escalation.pk, page_round=1) is False
    assert len(sms_outbox()) == 1


def test_unacknowledged_page_goes_to_the_next_on_call_and_shows_overdue(
    django_capture_on_commit_callbacks, sms_outbox
):
    # given: paged at 0 s; the window is 120 s
    roster("13900000001", "13900000002")
    order = ChatOrderFactory()
    with django_capture_on_commit_callbacks(execute=True):
        escalation = escalate(order, "imminent", now=at(0))
    # when: the beat job runs just before the deadline
    with django_capture_on_commit_callbacks(execute=True):
        early = safety_paging.escalations_repage(now=at(119))
    # then: nothing moves
    assert early == {"repaged": 0, "resent": 0}
    escalation.refresh_from_db()
    assert escalation.overdue(now=at(119)) is False
    # when: after the deadline
    with django_capture_on_commit_callbacks(execute=True):
        late = safety_paging.escalations_repage(now=at(121))
    # then: the second on call is paged, with a new deadline; the escalation is overdue
    assert late == {"repaged": 1, "resent": 0}
    escalation.refresh_from_db()
    assert (escalation.page_round, escalation.paged_user.phone) == (2, "13900000002")
    assert escalation.ack_due_at == at(241)
    assert escalation.overdue(now=at(122)) is True
    assert [sms.phone for sms in sms_outbox()] == ["13900000001", "13900000002"]
    assert list(escalation.events.order_by("id").values_list("action", flat=True)) == [
        "opened",
        "paged",
        "ack_overdue",
        "paged",
    ]
    # when: nobody answers again: after the last comes the first
    with django_capture_on_commit_callbacks(execute=True):
        safety_paging.escalations_repage(now=at(242))
    escalation.refresh_from_db()
    assert (escalation.page_round, escalation.paged_user.phone) == (3, "13900000001")
    # when: the first acknowledges; later beats page nobody
    staff = escalation.paged_user
    safety_paging.escalation_acknowledge(staff=staff, escalation_id=escalation.pk, now=at(250))
    with django_capture_on_commit_callbacks(execute=True):
        after = safety_paging.escalations_repage(now=at(1000))
    # then
    assert after == {"repaged": 0, "resent": 0}
    escalation.refresh_from_db()
    assert (escalation.acknowledged_by_id, escalation.acknowledged_at) == (staff.pk, at(250))
    assert escalation.overdue(now=at(1000)) is False
    assert len(sms_outbox()) == 3
    assert escalation.events.order_by("id").last().action == "acknowledged"


@override_settings(SAFETY_ACK_SECONDS=30)
def test_the_acknowledgement_window_is_a_setting(django_capture_on_commit_callbacks):
    # given
    roster("13900000001", "13900000002")
    order = ChatOrderFactory()
    with django_capture_on_commit_callbacks(execute=True):
        escalation = escalate(order, "imminent", now=at(0))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = safety_paging.escalations_repage(now=at(31))
    # then
    escalation.refresh_from_db()
    assert result["repaged"] == 1
    assert escalation.ack_due_at == at(61)


def test_closing_stops_the_paging(django_capture_on_commit_callbacks, sms_outbox):
    # given
    roster("13900000001", "13900000002")
    order = ChatOrderFactory()
    with django_capture_on_commit_callbacks(execute=True):
        escalation = escalate(order, "imminent", now=at(0))
    safety_services.escalation_close(
        staff=StaffUserFactory(),
        escalation_id=escalation.pk,
        outcome="emergency",
        note="已报警，警方到场",
        now=at(60),
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = safety_paging.escalations_repage(now=at(500))
    # then
    assert result == {"repaged": 0, "resent": 0}
    assert len(sms_outbox()) == 1


def test_nobody_on_call_is_recorded_and_still_overdue(
    django_capture_on_commit_callbacks, sms_outbox
):
    # given: an empty roster (one member off call)
    OnCall.objects.create(user=StaffUserFactory(), position=1, active=False)
    order = ChatOrderFactory()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        escalation = escalate(order, "imminent", now=at(0))
    # then
    escalation.refresh_from_db()
    assert (escalation.paged_user_id, escalation.page_round) == (None, 1)
    assert sms_outbox() == []
    assert list(escalation.events.order_by("id").values_list("action", flat=True)) == [
        "opened",
        "nobody_on_call",
    ]
    assert escalation.overdue(now=at(121)) is True


class FailingSms(SmsBackend):
    """The SMS provider down (outside our control)."""

    def send(self, sms) -> None:
        raise ConnectionError("provider down")


def test_a_failed_page_is_recorded_and_sent_again_by_the_beat_job(
    django_capture_on_commit_callbacks, sms_outbox, settings
):
    # given: the provider fails at the first page
    roster("13900000001")
    order = ChatOrderFactory()
    settings.SMS_BACKEND = f"{__name__}.FailingSms"
    with django_capture_on_commit_callbacks(execute=True):
        escalation = escalate(order, "imminent", now=at(0))
    escalation.refresh_from_db()
    assert escalation.page_sent_at is None
    assert list(escalation.events.order_by("id").values_list("action", flat=True)) == [
        "opened",
        "page_failed",
    ]
    # when: it is back, and the beat job runs
    settings.SMS_BACKEND = "marketplace.sms.OutboxSmsBackend"
    with django_capture_on_commit_callbacks(execute=True):
        result = safety_paging.escalations_repage(now=at(15))
    # then
    assert result == {"repaged": 0, "resent": 1}
    assert [sms.phone for sms in sms_outbox()] == ["13900000001"]
    escalation.refresh_from_db()
    assert escalation.page_sent_at is not None


def test_a_high_escalation_rising_to_imminent_starts_paging(
    django_capture_on_commit_callbacks, sms_outbox
):
    # given
    roster("13900000001")
    order = ChatOrderFactory()
    message_send(user=order.client, order_id=order.pk, client_id="c1", text=CRISIS)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        escalation = escalate(order, "imminent", note="她说已经站在天台上", now=at(5))
    # then
    escalation.refresh_from_db()
    assert (escalation.level, escalation.page_round) == (3, 1)
    assert [sms.phone for sms in sms_outbox()] == ["13900000001"]
    raised = escalation.events.get(action="raised")
    assert raised.actor_id == order.listener.user_id
    assert raised.note == "high -> imminent · message #1 · 她说已经站在天台上"


@pytest.mark.parametrize(
    ("who", "error"), [("client", NotFound), ("other_listener", NotFound), ("staff", DomainError)]
)
def test_acknowledge_refused(who, error, django_capture_on_commit_callbacks):
    # given
    roster("13900000001")
    order = ChatOrderFactory()
    with django_capture_on_commit_callbacks(execute=True):
        escalation = escalate(order, "imminent", now=at(0))
    staff = StaffUserFactory()
    safety_paging.escalation_acknowledge(staff=staff, escalation_id=escalation.pk, now=at(1))
    user = {
        "client": order.client,
        "other_listener": ChatOrderFactory().listener.user,
        "staff": StaffUserFactory(),  # already acknowledged
    }[who]
    # when
    with pytest.raises(error):
        safety_paging.escalation_acknowledge(staff=user, escalation_id=escalation.pk, now=at(2))
    # then
    escalation.refresh_from_db()
    assert escalation.acknowledged_by_id == staff.pk
    assert escalation.events.filter(action="acknowledged").count() == 1


# --- The listener's escalation: refused input --------------------------------------------------


@pytest.mark.parametrize(
    ("who", "level", "note", "code"),
    [
        ("client", "high", "x", "not_found"),
        ("other_listener", "high", "x", "not_found"),
        ("listener", "urgent", "x", "level_invalid"),
        ("listener", 3, "x", "level_invalid"),
        ("listener", "high", "   ", "worry_note_required"),
        ("listener", "high", "x" * 2001, "note_too_long"),
    ],
)
def test_listener_escalation_refused_changes_nothing(who, level, note, code, sms_outbox):
    # given
    roster("13900000001")
    order = ChatOrderFactory()
    user = {
        "client": order.client,
        "listener": order.listener.user,
        "other_listener": ChatOrderFactory().listener.user,
    }[who]
    # when
    with pytest.raises(DomainError) as caught:
        safety_services.escalation_open_by_listener(
            user=user, order_id=order.pk, level=level, note=note
        )
    # then
    assert caught.value.code == code
    assert Escalation.objects.count() == 0
    assert sms_outbox() == []


# --- The conversation -------------------------------------------------------------------------


def _context(order, message, *, now, risk):
    return MessageContext(
        order=Order.objects.get(pk=order.pk),
        message=message,
        sender=order.client,
        sender_role="client",
        scan=scan(message.text),
        now=now,
        risk=risk,
    )


def test_conversation_costs_no_query_without_a_signal_in_the_window(django_assert_num_queries):
    # given: an ordinary message in a chat without any signal
    order = ChatOrderFactory()
    result = message_send(user=order.client, order_id=order.pk, client_id="c1", text="你好")
    ctx = _context(order, result.message, now=timezone.now(), risk=Assessment())
    # when / then
    with django_assert_num_queries(0):
        assert safety_services.conversation_risk(ctx) == Assessment()


def test_an_ordinary_message_after_a_signal_carries_the_conversations_level():
    # given: a high-risk message, then an ordinary one (the escalation is open)
    order = ChatOrderFactory()
    message_send(user=order.client, order_id=order.pk, client_id="c1", text=CRISIS)
    # when
    result = message_send(user=order.client, order_id=order.pk, client_id="c2", text="好的")
    # then: the second message's own level is none, its conversation's at least high
    risk = MessageRisk.objects.get(message=result.message)
    assert (risk.level, risk.signals) == (0, [])
    assert risk.conversation_level >= Level.HIGH
    assert "intent" in risk.conversation_signals


def test_the_conversation_window_is_the_last_hour(django_assert_num_queries):
    # given: a signal two hours ago
    order = ChatOrderFactory()
    result = message_send(user=order.client, order_id=order.pk, client_id="c1", text=CRISIS)
    later = timezone.now() + timedelta(hours=2)
    ctx = _context(order, result.message, now=later, risk=Assessment())
    # when / then: outside the window, no query and no risk
    with django_assert_num_queries(0):
        assert safety_services.conversation_risk(ctx).level == Level.NONE


def test_a_resync_below_high_gives_the_listener_guidance_and_the_client_nothing():
    # given: the listener escalated at concern
    order = ChatOrderFactory()
    escalate(order, "concern")
    # when
    to_client = safety_services.crisis_frames_for_sync(order, order.client)
    to_listener = safety_services.crisis_frames_for_sync(order, order.listener.user)
    # then
    assert to_client == []
    assert [(f["kind"], f["role"], f["title"]) for f in to_listener] == [
        ("crisis", "listener", "客户可能正在经历困难")
    ]
