"""Conversation level (sessions.risk.assess_conversation): weak signals across one
person's recent messages add up; the window and the decay."""

from sessions.risk import Level, assess_conversation, assess_message
from sessions.risk.conversation import FRESH, WINDOW


def test_weak_signals_across_messages_reach_high_though_no_message_does():
    # given three messages, each ordinary-looking alone
    messages = ["一个人开车到了水库", "这里没有人", "手机快没电了，就这样吧"]
    assert [assess_message(text).level for text in messages] == [Level.NONE] * 3
    # when
    assessment = assess_conversation(messages)
    # then
    assert assessment.level == Level.HIGH
    assert {"place", "farewell"} <= assessment.signals


def test_the_same_in_english():
    messages = [
        "parked the car by the lake",
        "nobody knows where i am",
        "thanks for everything, sorry",
    ]
    assert max(assess_message(text).level for text in messages) < Level.HIGH
    assert assess_conversation(messages).level >= Level.HIGH


def test_ordinary_chat_does_not_add_up():
    messages = ["今晚吃什么", "我在桥上等你", "手机快没电了，晚点聊", "到了，拜拜"]
    assert assess_conversation(messages).level == Level.NONE


def test_a_high_message_keeps_the_conversation_high_within_the_window():
    # given an imminent message followed by ordinary ones
    messages = ["我刚刚吞了一整瓶药", "没事了", "你别管"]
    # then
    assert assess_conversation(messages).level == Level.IMMINENT


def test_messages_older_than_the_window_no_longer_count():
    # given a crisis message and then WINDOW ordinary ones
    messages = ["我想死"] + ["今天天气不错"] * WINDOW
    # then
    assert assess_conversation(messages).level == Level.NONE
    assert assess_conversation(messages[:-1]).level == Level.HIGH


def test_older_strong_findings_count_as_hints_only():
    # given strong intent within the newest FRESH messages, or just older, and a weak place now
    ideation = ["我想死"] + ["嗯"] * (FRESH - 2) + ["我在江边"]
    older = ["我想死"] + ["嗯"] * (FRESH - 1) + ["我在江边"]
    # then: fresh intent + place is imminent; once older, it only adds a point
    assert assess_conversation(ideation).level == Level.IMMINENT
    assert assess_conversation(older).level == Level.HIGH


def test_empty_conversation():
    assert assess_conversation([]).level == Level.NONE
    assert assess_conversation(["", "  "]).level == Level.NONE
