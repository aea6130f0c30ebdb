"""Safety after the scan: message flags and risk rows, high-risk escalations (opened once,
frames to both sides after commit), closing with an outcome and a note, and deadline
refunds deferred while an escalation is open and resumed after it closes. The levels'
other paths, paging, the listener's button, labels and the export:
test_safety_escalation.py."""

import pytest
from django.test import override_settings

from marketplace.exceptions import DomainError, NotFound
from payments.invariants import assert_ledger_consistent
from payments.models import Refund
from sessions import events
from sessions.models import Escalation, EscalationEvent, Message, MessageFlag, MessageRisk
from sessions.selectors.safety import compensation_deferred, off_platform_counts_by_listener
from sessions.services import compensation as compensation_services
from sessions.services import safety as safety_services
from sessions.services import watcher as watcher_services
from sessions.services.chat import message_send
from tests.factories import UserFactory
from tests.sessions.chat_factories import ChatOrderFactory
from tests.sessions.clock_helpers import at, breaches, paid_active_order, refunds, send
from tests.sessions.layer_capture import settled

pytestmark = pytest.mark.django_db

CRISIS = "我真的不想活了"


@pytest.fixture
def session_sockets(group_frames):
    """Factory: the order's group and both participants' user groups on the real channel
    layer; `safety_frames(groups)` / `settled(*groups)` read what they were delivered."""

    def subscribe(order):
        return [
            group_frames(events.order_group(order.pk)),
            group_frames(events.user_group(order.client_id)),
            group_frames(events.user_group(order.listener.user_id)),
        ]

    return subscribe


def safety_frames(groups):
    return [(group, frame) for group, frame in settled(*groups) if frame["type"] == "safety"]


def staff_user():
    return UserFactory(is_staff=True, role="staff")


# --- Flags ------------------------------------------------------------------------------------


def test_off_platform_request_is_stored_flagged_and_the_sender_warned(
    django_capture_on_commit_callbacks, session_sockets
):
    # given
    order = ChatOrderFactory()
    groups = session_sockets(order)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = message_send(
            user=order.listener.user, order_id=order.pk, client_id="x1", text="加我微信吧"
        )
    # then: delivered unchanged, flagged, one warning to the sender only
    message = Message.objects.get(pk=result.message.pk)
    assert message.text == "加我微信吧"
    assert list(MessageFlag.objects.values_list("message_id", "kind", "sender_role")) == [
        (message.pk, "off_platform", "listener")
    ]
    [(group, frame)] = safety_frames(groups)
    assert group == f"chat.user.{order.listener.user_id}"
    assert frame["kind"] == "off_platform"
    assert frame["seq"] == message.seq
    assert frame["text"].startswith("为了您的安全")
    assert Escalation.objects.count() == 0


def test_off_platform_request_in_lookalike_letters_is_flagged_and_stored_as_written(
    django_capture_on_commit_callbacks, session_sockets
):
    # given: "wechat" spelled with a Cyrillic "e" (U+0435)
    order = ChatOrderFactory()
    groups = session_sockets(order)
    text = "add me on w\u0435chat"
    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = message_send(user=order.client, order_id=order.pk, client_id="c1", text=text)
    # then: stored exactly as written, flagged, the sender warned
    message = Message.objects.get(pk=result.message.pk)
    assert message.text == text
    assert message.masked == []
    assert list(MessageFlag.objects.values_list("message_id", "kind", "sender_role")) == [
        (message.pk, "off_platform", "client")
    ]
    [(group, frame)] = safety_frames(groups)
    assert group == f"chat.user.{order.client_id}"
    assert (frame["kind"], frame["seq"]) == ("off_platform", message.seq)


def test_clean_message_writes_no_flag_and_sends_no_safety_frame(
    django_capture_on_commit_callbacks, session_sockets
):
    # given
    order = ChatOrderFactory()
    groups = session_sockets(order)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        message_send(user=order.client, order_id=order.pk, client_id="c1", text="笑死我了")
    # then
    assert MessageFlag.objects.count() == 0
    assert Escalation.objects.count() == 0
    assert safety_frames(groups) == []


def test_off_platform_counts_per_listener_keep_the_clients_requests_apart():
    # given: the first listener's client asks twice; the second listener asks once
    first, second = ChatOrderFactory(), ChatOrderFactory()
    for n, text in enumerate(["add me on wechat", "转账给我", "hello"]):
        message_send(user=first.client, order_id=first.pk, client_id=f"a{n}", text=text)
    message_send(user=second.listener.user, order_id=second.pk, client_id="b1", text="dm me")
    # when
    counts = off_platform_counts_by_listener()
    # then: the listener is credited only with their own request
    assert [(row.listener_id, row.count, row.client_count) for row in counts] == [
        (second.listener_id, 1, 0),
        (first.listener_id, 0, 2),
    ]


# --- Escalations ------------------------------------------------------------------------------


def test_high_risk_message_opens_one_escalation_with_both_panels_and_no_page(
    django_capture_on_commit_callbacks, session_sockets, sms_outbox
):
    # given
    order = ChatOrderFactory()
    groups = session_sockets(order)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = message_send(user=order.client, order_id=order.pk, client_id="c1", text=CRISIS)
    # then: the message is stored and pushed as written (never blocked)
    assert Message.objects.get(pk=result.message.pk).text == CRISIS
    delivered = settled(*groups)
    assert [g for g, f in delivered if f["type"] == "message.new"] == [f"chat.order.{order.pk}"]
    escalation = Escalation.objects.get()
    assert (escalation.order_id, escalation.message_id, escalation.state) == (
        order.pk,
        result.message.pk,
        "open",
    )
    assert (escalation.level, escalation.source, escalation.page_round) == (2, "scan", 0)
    frames = {group: frame for group, frame in delivered if frame["type"] == "safety"}
    client_frame = frames[f"chat.user.{order.client_id}"]
    listener_frame = frames[f"chat.user.{order.listener.user_id}"]
    assert (client_frame["kind"], client_frame["role"], client_frame["escalation"]) == (
        "crisis",
        "client",
        escalation.pk,
    )
    assert [r["phone"] for r in client_frame["resources"]] == [
        "400-161-9995",
        "010-82951332",
        "120",
        "110",
    ]
    assert client_frame["resources"][0]["name"] == "希望24热线"
    assert client_frame["resources"][0]["tel"] == "4001619995"
    assert client_frame["danger"] == "如果您正处于紧急危险中，请立即拨打 120 / 110。"
    assert (listener_frame["kind"], listener_frame["role"]) == ("crisis", "listener")
    assert listener_frame["title"] == "客户可能正处于危机中"
    assert len(listener_frame["guidance"]) == 5
    assert len([frame for _, frame in delivered if frame["type"] == "safety"]) == 2
    # high risk: the staff page, no on-call page
    assert sms_outbox() == []
    assert list(escalation.events.values_list("action", flat=True)) == ["opened"]
    # the risk is stored with the message (for staff), the old yes/no flag is gone
    assert MessageFlag.objects.count() == 0
    [risk] = MessageRisk.objects.all()
    assert (risk.message_id, risk.sender_role, risk.level) == (result.message.pk, "client", 2)
    assert "intent" in risk.signals


def test_a_second_crisis_message_keeps_the_one_open_escalation(
    django_capture_on_commit_callbacks, session_sockets, sms_outbox
):
    # given
    order = ChatOrderFactory()
    with django_capture_on_commit_callbacks(execute=True):
        message_send(user=order.client, order_id=order.pk, client_id="c1", text=CRISIS)
    groups = session_sockets(order)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        message_send(user=order.client, order_id=order.pk, client_id="c2", text="I want to die")
    # then: no second escalation, no new frames, noted on the open one; no SMS (no phone)
    assert Escalation.objects.count() == 1
    assert safety_frames(groups) == []
    assert list(EscalationEvent.objects.values_list("action", flat=True)) == [
        "opened",
        "crisis_again",
    ]
    assert sms_outbox() == []


def test_crisis_words_from_the_listener_are_flagged_but_not_escalated(
    django_capture_on_commit_callbacks, session_sockets
):
    # given
    order = ChatOrderFactory()
    groups = session_sockets(order)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        message_send(user=order.listener.user, order_id=order.pk, client_id="l1", text="自杀")
    # then
    assert Escalation.objects.count() == 0
    assert list(MessageRisk.objects.values_list("sender_role", "level")) == [("listener", 2)]
    assert safety_frames(groups) == []


def test_rolled_back_message_leaves_no_escalation_and_sends_nothing(
    monkeypatch, django_capture_on_commit_callbacks, session_sockets, sms_outbox
):
    # given: the safety step finds a crisis, then fails
    from sessions.services import chat

    found = chat.safety.step_safety

    def broken_step(ctx):
        found(ctx)
        raise DomainError("boom")

    monkeypatch.setattr(chat.safety, "step_safety", broken_step)
    order = ChatOrderFactory()
    groups = session_sockets(order)
    # when
    with pytest.raises(DomainError), django_capture_on_commit_callbacks(execute=True):
        message_send(user=order.client, order_id=order.pk, client_id="c1", text=CRISIS)
    # then
    assert Message.objects.count() == 0
    assert Escalation.objects.count() == 0
    assert MessageFlag.objects.count() == 0
    assert MessageRisk.objects.count() == 0
    assert settled(*groups) == []
    assert sms_outbox() == []


def test_staff_close_with_an_outcome_and_a_note_is_audited_and_the_listener_told(
    django_capture_on_commit_callbacks, session_sockets
):
    # given
    order = ChatOrderFactory()
    message_send(user=order.client, order_id=order.pk, client_id="c1", text=CRISIS)
    escalation = Escalation.objects.get()
    staff = staff_user()
    groups = session_sockets(order)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        safety_services.escalation_close(
            staff=staff,
            escalation_id=escalation.pk,
            outcome="support_given",
            note="Called the client; safe.",
        )
    # then
    escalation.refresh_from_db()
    assert (
        escalation.state,
        escalation.closed_by_id,
        escalation.outcome,
        escalation.close_note,
    ) == ("closed", staff.pk, "support_given", "Called the client; safe.")
    assert escalation.closed_at is not None
    last = escalation.events.order_by("id").last()
    assert (last.action, last.actor_id, last.note) == (
        "closed",
        staff.pk,
        "support_given · Called the client; safe.",
    )
    [(group, frame)] = safety_frames(groups)
    assert (group, frame["kind"]) == (f"chat.user.{order.listener.user_id}", "closed")
    assert compensation_deferred(order_id=order.pk) is False


@pytest.mark.parametrize(
    ("who", "outcome", "note", "error"),
    [
        ("client", "false_alarm", "ok", NotFound),
        ("staff", "false_alarm", "   ", DomainError),
        ("staff", "", "called", DomainError),
        ("staff", "made_up", "called", DomainError),
        ("staff", "other", "x" * 2001, DomainError),
    ],
)
def test_close_refused_changes_nothing(who, outcome, note, error):
    # given
    order = ChatOrderFactory()
    message_send(user=order.client, order_id=order.pk, client_id="c1", text=CRISIS)
    escalation = Escalation.objects.get()
    user = order.client if who == "client" else staff_user()
    # when
    with pytest.raises(error):
        safety_services.escalation_close(
            staff=user, escalation_id=escalation.pk, outcome=outcome, note=note
        )
    # then
    escalation.refresh_from_db()
    assert (escalation.state, escalation.outcome) == ("open", "")
    assert list(escalation.events.values_list("action", flat=True)) == ["opened"]


def test_closing_twice_is_refused():
    # given
    order = ChatOrderFactory()
    message_send(user=order.client, order_id=order.pk, client_id="c1", text=CRISIS)
    escalation = Escalation.objects.get()
    staff = staff_user()
    safety_services.escalation_close(
        staff=staff, escalation_id=escalation.pk, outcome="other", note="done"
    )
    # when
    with pytest.raises(DomainError) as caught:
        safety_services.escalation_close(
            staff=staff, escalation_id=escalation.pk, outcome="other", note="again"
        )
    # then
    assert caught.value.code == "already_closed"
    assert escalation.events.filter(action="closed").count() == 1


def test_a_new_crisis_after_closing_opens_a_new_escalation():
    # given
    order = ChatOrderFactory()
    message_send(user=order.client, order_id=order.pk, client_id="c1", text=CRISIS)
    first = Escalation.objects.get()
    safety_services.escalation_close(
        staff=staff_user(), escalation_id=first.pk, outcome="false_alarm", note="done"
    )
    # when
    message_send(user=order.client, order_id=order.pk, client_id="c2", text="kill myself")
    # then
    assert list(Escalation.objects.order_by("id").values_list("state", flat=True)) == [
        "closed",
        "open",
    ]


# --- Deadline refunds while an escalation is open --------------------------------------------


@pytest.mark.usefixtures("local_stripe", "celery_eager")
def test_breach_refunds_wait_while_open_and_resume_after_closing(
    django_capture_on_commit_callbacks,
):
    # given: a paid session; the client writes in crisis; the listener stays silent
    order = paid_active_order(window=10)
    send(order, "client", 1, text=CRISIS)
    assert compensation_deferred(order_id=order.pk) is True
    # when: the watcher records the missed deadline
    watcher_services.clocks_sweep(now=at(12))
    # then: the breach is recorded, its refund deferred; the retry pass defers it too
    [breach] = breaches(order)
    assert breach.compensated_at is None
    assert compensation_services.breaches_compensation_retry(now=at(60)) == 0
    assert refunds(order) == []
    # when: staff close the escalation (the task it enqueues runs in-process: eager)
    escalation = Escalation.objects.get(order=order)
    with django_capture_on_commit_callbacks(execute=True):
        safety_services.escalation_close(
            staff=staff_user(), escalation_id=escalation.pk, outcome="referred", note="handled"
        )
    # then: the task refunded the breach once; the retry pass finds nothing left to do
    assert compensation_services.breaches_compensation_retry(now=at(60)) == 0
    per = order.price_fen * 10 // 100
    assert refunds(order) == [("breach", f"breach:{breach.pk}", per, Refund.Status.SUCCEEDED)]
    breach.refresh_from_db()
    assert breach.compensated_at is not None
    assert_ledger_consistent()


@pytest.mark.usefixtures("local_stripe")
def test_other_orders_are_compensated_while_one_escalation_is_open():
    # given: two paid sessions, a crisis in the first only
    calm, crisis = paid_active_order(window=10), paid_active_order(window=10)
    send(crisis, "client", 1, text=CRISIS)
    send(calm, "client", 1)
    # when
    watcher_services.clocks_sweep(now=at(12))
    # then
    [calm_breach], [crisis_breach] = breaches(calm), breaches(crisis)
    assert calm_breach.compensated_at is not None
    assert crisis_breach.compensated_at is None
    assert len(refunds(calm)) == 1
    assert refunds(crisis) == []
    assert_ledger_consistent()


# --- Hotlines per region and language ---------------------------------------------------------

HOTLINES = {
    "CN": [{"phone": "120", "name": {"zh-hans": "急救", "en": "Ambulance"}, "emergency": True}],
    "XX": [
        {
            "phone": "+1 (555) 0100",
            "name": {"zh-hans": "测试热线", "en": "Test line"},
            "note": {"en": "all night"},
        },
        {"phone": "999", "name": {"en": "Emergency"}, "emergency": True},
    ],
}


@override_settings(SAFETY_HOTLINES=HOTLINES, SAFETY_REGION="XX")
@pytest.mark.parametrize(
    ("language", "names", "notes", "danger"),
    [
        ("en", ["Test line", "Emergency"], ["all night", ""], "call 999 now."),
        ("zh-hans", ["测试热线", "Emergency"], ["all night", ""], "请立即拨打 999。"),
    ],
)
def test_hotlines_come_from_the_setting_per_region_and_language(language, names, notes, danger):
    # when
    texts = safety_services.client_texts(language=language)
    guidance = safety_services.listener_texts(language=language, level=2, escalated=True)
    # then: the region's lines, in the language (else the default, else the first)
    assert [line["name"] for line in texts["resources"]] == names
    assert [line["note"] for line in texts["resources"]] == notes
    assert [line["tel"] for line in texts["resources"]] == ["+15550100", "999"]
    assert texts["danger"].endswith(danger)
    assert any("+1 (555) 0100" in line for line in guidance["guidance"])
    assert not any("999" in line for line in guidance["guidance"])
