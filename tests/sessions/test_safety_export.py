"""manage.py safety_export: staff labels, closed outcomes and listeners' escalations as
corpus lines (docs/safety.md, Export), masked, one per message, naming nobody."""

import json

import pytest
from django.core.management import call_command

from sessions.models import Escalation, Message
from sessions.services import safety as safety_services
from sessions.services import safety_labels
from sessions.services.chat import message_send
from tests.factories import StaffUserFactory
from tests.sessions.chat_factories import ChatOrderFactory

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def export(tmp_path, *args) -> list[dict]:
    path = tmp_path / "labels.jsonl"
    call_command("safety_export", "--output", str(path), *args)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_export_writes_labels_outcomes_and_listener_escalations_masked(tmp_path):
    # given: a crisis message closed as a false alarm
    staff = StaffUserFactory()
    first = ChatOrderFactory()
    message_send(user=first.client, order_id=first.pk, client_id="a", text="我不想活了，玩游戏输了")
    [closed] = Escalation.objects.all()
    safety_services.escalation_close(
        staff=staff, escalation_id=closed.pk, outcome="false_alarm", note="游戏"
    )
    # and a message the assessment missed, with a phone number in it, labelled by staff
    second = ChatOrderFactory()
    missed = message_send(
        user=second.client,
        order_id=second.pk,
        client_id="b",
        text=f"药都攒够了，替我跟妈妈说声对不起 {PHONE}",
    ).message
    safety_labels.message_label(
        staff=staff, message_id=missed.pk, label="should_escalate", level="imminent"
    )
    # and a listener's escalation on a third order
    third = ChatOrderFactory()
    message_send(user=third.client, order_id=third.pk, client_id="c", text="I gave my cat away")
    safety_services.escalation_open_by_listener(
        user=third.listener.user, order_id=third.pk, level="high", note="giving things away"
    )
    # when
    lines = export(tmp_path)
    # then
    assert lines == [
        {
            "text": "药都攒够了，替我跟妈妈说声对不起 ***********",
            "lang": "zh",
            "level": "imminent",
            "signals": [],
            "source": "staff_label:should_escalate",
        },
        {
            "text": "我不想活了，玩游戏输了",
            "lang": "zh",
            "level": "none",
            "signals": [],
            "source": "outcome:false_alarm",
        },
        {
            "text": "I gave my cat away",
            "lang": "en",
            "level": "high",
            "signals": [],
            "source": "listener",
        },
    ]
    raw = (tmp_path / "labels.jsonl").read_text(encoding="utf-8")
    assert PHONE not in raw
    for user in (first.client, second.client, third.client, staff):
        assert user.phone not in raw
        assert user.display_name not in raw


def test_a_label_wins_over_the_outcome_of_the_same_message(tmp_path):
    # given: closed with support given, then staff mark the message a false alarm
    staff = StaffUserFactory()
    order = ChatOrderFactory()
    message_send(user=order.client, order_id=order.pk, client_id="a", text="我想自杀")
    escalation = Escalation.objects.get()
    safety_services.escalation_close(
        staff=staff, escalation_id=escalation.pk, outcome="support_given", note="聊过了"
    )
    safety_labels.message_label(staff=staff, message_id=escalation.message_id, label="false_alarm")
    # when
    lines = export(tmp_path)
    # then
    assert [(line["source"], line["level"]) for line in lines] == [
        ("staff_label:false_alarm", "none")
    ]


def test_closed_outcome_keeps_the_signals(tmp_path):
    # given
    order = ChatOrderFactory()
    message_send(user=order.client, order_id=order.pk, client_id="a", text="我想自杀")
    escalation = Escalation.objects.get()
    safety_services.escalation_close(
        staff=StaffUserFactory(), escalation_id=escalation.pk, outcome="referred", note="转介"
    )
    # when
    [line] = export(tmp_path)
    # then
    assert (line["level"], line["signals"], line["source"]) == (
        "high",
        ["intent"],
        "outcome:referred",
    )


def test_export_to_stdout_and_since(capsys):
    # given
    order = ChatOrderFactory()
    message_send(user=order.client, order_id=order.pk, client_id="a", text="hello")
    safety_labels.message_label(
        staff=StaffUserFactory(), message_id=Message.objects.get().pk, label="false_alarm"
    )
    # when
    call_command("safety_export")
    everything = capsys.readouterr().out.splitlines()
    call_command("safety_export", "--since", "2999-01-01")
    nothing = capsys.readouterr().out
    # then
    assert [json.loads(line)["text"] for line in everything] == ["hello"]
    assert nothing == ""


def test_a_bad_since_is_a_clear_error():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("safety_export", "--since", "yesterday")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("我吃了药", "zh"),
        ("I took them all", "en"),
        ("I took 一整瓶药", "mixed"),
        ("吃了100片", "zh"),
    ],
)
def test_export_language_tags(tmp_path, text, lang):
    # given
    order = ChatOrderFactory()
    message = message_send(user=order.client, order_id=order.pk, client_id="a", text=text).message
    safety_labels.message_label(
        staff=StaffUserFactory(), message_id=message.pk, label="should_escalate"
    )
    # when
    [line] = export(tmp_path)
    # then
    assert line["lang"] == lang
