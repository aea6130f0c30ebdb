"""System messages are stored as a code with parameters and shown in each reader's
language: the chat frames, the dispute desk transcript, old rows without parameters."""

import pytest
from django.urls import reverse
from django.utils import translation

from payments.disputes import services as dispute_services
from payments.disputes.models import Dispute
from sessions import events
from sessions.models import Message
from sessions.services.clocks import breach_message
from sessions.system_texts import masked_notice, message_text, system_text
from tests.factories import StaffUserFactory
from tests.payments.dispute_helpers import finished_order
from tests.sessions.chat_factories import MessageFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("streak", "chinese", "english"),
    [
        (
            2,
            "第 2 次超时；再超时 1 次将结束服务并退还剩余时间。",
            "Missed reply 2 in a row: 1 more and the session ends, with the time left refunded.",
        ),
        (
            3,
            "第 3 次超时；服务结束，剩余时间将退还。",
            "Missed reply 3 in a row: the session ends and the time left is refunded.",
        ),
    ],
)
def test_a_miss_says_what_happens_next_in_the_readers_language(streak, chinese, english):
    # given
    code, _text, params = breach_message(streak=streak, limit=3)
    # when
    with translation.override("zh-hans"):
        zh = system_text(code=code, params=params)
    with translation.override("en"):
        en = system_text(code=code, params=params)
    # then
    assert (zh, en) == (chinese, english)


def test_old_rows_without_parameters_and_unknown_codes_stay_readable():
    # given
    old = MessageFactory(
        sender=None,
        kind=Message.Kind.SYSTEM,
        system_code="breach",
        text="The listener missed the reply window.",
    )
    unknown = MessageFactory(
        order=old.order, sender=None, kind=Message.Kind.SYSTEM, system_code="gone", text="Old."
    )
    # when / then
    with translation.override("zh-hans"):
        assert message_text(old) == "倾听师未在约定时限内回复。"
        assert message_text(unknown) == "Old."
    assert old.system_params == {}


def test_the_message_frame_carries_the_code_params_and_what_was_masked():
    # given
    message = MessageFactory(masked=["wechat"], text="加我 [已隐藏]")
    system = MessageFactory(
        order=message.order,
        sender=None,
        kind=Message.Kind.SYSTEM,
        system_code="breach_counted",
        system_params={"streak": 1, "limit": 3, "left": 2},
        text="Missed reply 1 in a row: 2 more and the session ends, with the time left refunded.",
    )
    # when
    text_frame = events.message_frame(message)
    system_frame = events.message_frame(system)
    # then
    assert text_frame["masked"] == ["wechat"]
    assert (system_frame["code"], system_frame["params"]) == (
        "breach_counted",
        {"streak": 1, "limit": 3, "left": 2},
    )


def test_the_pii_notice_names_what_was_hidden():
    # when / then
    with translation.override("zh-hans"):
        assert masked_notice(["wechat"]) == "为保护你的安全，已隐藏：微信号。"
        assert masked_notice(["phone", "card"]) == "为保护你的安全，已隐藏：手机号、银行卡号。"
    with translation.override("en"):
        assert masked_notice(["wechat"]) == "Hidden for your safety: a WeChat handle."
    assert masked_notice([]) == ""


def test_the_dispute_desk_transcript_shows_system_lines_in_chinese(client):
    # given
    order = finished_order()
    MessageFactory(
        order=order,
        seq=1,
        sender=None,
        kind=Message.Kind.SYSTEM,
        system_code="started",
        text="The session has started.",
    )
    MessageFactory(order=order, seq=2, masked=["wechat"], text="加我 [已隐藏]")
    dispute = dispute_services.dispute_open(
        order_id=order.pk,
        client=order.client,
        reason=Dispute.Reason.SLOW_REPLIES,
        statement="Slow.",
    )
    client.force_login(StaffUserFactory())
    # when
    page = client.get(reverse("payments:dispute_desk_detail", args=[dispute.pk]))
    # then
    html = page.content.decode()
    transcript = html[html.index('id="transcript"') :]
    assert "服务已开始。" in transcript
    assert "The session has started." not in transcript
    assert "为保护你的安全，已隐藏：微信号。" in transcript
