"""A voice call between two real Chromiums (fake microphone, loopback only): the client
calls from a phone, the listener answers, audio flows both ways for a few seconds
(getStats), the client hangs up; the transcript shows the call and its duration, and the
wallet paid the per-minute session's minutes started. The client reports a call from its
transcript entry and staff see it; the listener's dashboard (and another chat's page)
rings for a call in a session it does not show, until it is declined, cancelled, missed
or answered (which opens that chat). Real daphne, Redis, PostgreSQL."""

import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from listeners.models import ListenerProfile
from payments.invariants import assert_ledger_consistent
from payments.wallet.selectors import wallet_balance_fen
from sessions.models import Call, Message, MessageFlag
from sessions.services import calls, lifecycle, metering
from sessions.services.orders import order_accept
from tests.conftest import CHROMIUM_ARGS
from tests.factories import StaffUserFactory, UserFactory
from tests.payments.wallet_helpers import topup_paid
from tests.sessions.chat_daphne import Daphne
from tests.sessions.chat_factories import session_cookie
from tests.sessions.metering_helpers import MINUTE_FEN, per_minute_tier

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(150),
    pytest.mark.django_db(transaction=True),
]

FAKE_MEDIA = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


@pytest.fixture
def media_browser(chromium_path, monkeypatch):
    """Chromium with a fake microphone and camera, allowed without a prompt."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path, args=[*CHROMIUM_ARGS, *FAKE_MEDIA]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def node(local_stripe):
    daphne = Daphne(redis_url=settings.REDIS_URL, extra_env={"STRIPE_API_BASE": local_stripe})
    try:
        yield daphne.wait()
    finally:
        daphne.stop()
        print(daphne.output()[-3000:])  # shown when the test fails


def elsewhere(fn, **kwargs):
    """A service run as a worker would: in another thread (Playwright owns this loop)."""

    def run():
        try:
            return fn(**kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(run).result(timeout=30)


def audio_bytes(page) -> tuple[int, int]:
    stats = page.evaluate("() => window.callStats")
    return (stats["audioBytesSent"], stats["audioBytesReceived"]) if stats else (0, 0)


PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}


def signed_in(browser, node, user, **options):
    context = browser.new_context(locale="zh-CN", **options)
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": "sessionid", "value": session_cookie(user), "url": node.url}])
    return context


def open_page(context, url):
    page = context.new_page()
    page.goto(url)
    page.locator("#connection[data-state='open']").wait_for()
    return page


def chat_page(browser, node, user, order, **options):
    context = signed_in(browser, node, user, **options)
    return context, open_page(context, f"{node.url}/chat/{order.pk}/")


def voice_session(tier, *, name):
    """A live per-minute session of `tier` for a new client called `name`, ¥50 paid in
    (the same price at night: the tests run at any hour)."""
    client = UserFactory(display_name=name)
    topup_paid(client, 5_000)
    order = elsewhere(metering.metered_order_create, client=client, tier_id=tier.pk)
    elsewhere(order_accept, order_id=order.pk, listener_user=tier.listener.user)
    return elsewhere(lifecycle.session_activate, order_id=order.pk)


def test_client_calls_listener_answers_audio_flows_both_ways_then_the_client_hangs_up(
    media_browser, node
):
    # given: a live per-minute session on a voice tier, ¥50 in the wallet
    tier = per_minute_tier(medium="voice", night_minute_price_fen=MINUTE_FEN)  # any hour
    client = UserFactory()
    topup_paid(client, 5_000)
    order = elsewhere(metering.metered_order_create, client=client, tier_id=tier.pk)
    elsewhere(order_accept, order_id=order.pk, listener_user=tier.listener.user)
    order = elsewhere(lifecycle.session_activate, order_id=order.pk)
    client_context, client_page = chat_page(
        media_browser, node, client, order, viewport={"width": 390, "height": 844}
    )
    listener_context, listener_page = chat_page(media_browser, node, tier.listener.user, order)
    try:
        # when: the client calls and the listener answers
        client_page.click("#call-voice")
        expect(listener_page.locator("#call-ringing")).to_be_visible()
        listener_page.click("#call-accept")
        # then: media connects and audio flows both ways, on both pages, for a few seconds
        for page in (client_page, listener_page):
            page.wait_for_function(
                "() => window.callStats && window.callStats.audioBytesSent > 0"
                " && window.callStats.audioBytesReceived > 0"
            )
        before = {page: audio_bytes(page) for page in (client_page, listener_page)}
        time.sleep(3)
        for page, (sent, received) in before.items():
            now_sent, now_received = audio_bytes(page)
            assert now_sent - sent > 3_000, (sent, now_sent)
            assert now_received - received > 3_000, (received, now_received)
        expect(client_page.locator("#call-quality")).to_contain_text("ms")
        call = Call.objects.get(order=order)
        assert (call.state, call.media_at is not None) == (Call.State.CONNECTED, True)
        # when: the next minute is charged while the call runs, then the client hangs up
        order.refresh_from_db()
        elsewhere(metering.metering_pass, now=order.ends_at)
        client_page.click("#call-hangup")
        # then: both pages are back to idle, the transcript has the call with its duration
        for page in (client_page, listener_page):
            expect(page.locator("#call-voice")).to_be_visible()
        call.refresh_from_db()
        assert (call.state, call.ended_by_id) == (Call.State.ENDED, client.pk)
        duration = f"{call.seconds // 60}:{call.seconds % 60:02d}"
        assert 3 <= call.seconds < 60
        ended = Message.objects.get(order=order, system_code="call_ended_client")
        assert ended.system_params == {"call": call.pk, "duration": duration}
        for page in (client_page, listener_page):  # in the reader's language (zh_Hans)
            expect(
                page.locator(".msg", has_text=f"客户在 {duration} 后结束了通话。")
            ).to_be_visible()
        # and the wallet paid the two minutes started, no more
        order.refresh_from_db()
        assert (order.minutes, order.price_fen) == (2, 2 * MINUTE_FEN)
        assert wallet_balance_fen(client_id=client.pk) == 5_000 - 2 * MINUTE_FEN
        assert_ledger_consistent()
    finally:
        client_context.close()
        listener_context.close()


def test_the_client_reports_a_call_from_its_transcript_entry_and_staff_see_it(media_browser, node):
    # given: a call that rang, was answered, had media for a while and was hung up
    tier = per_minute_tier(medium="voice", night_minute_price_fen=MINUTE_FEN)
    order = voice_session(tier, name="小鹿")
    client, listener = order.client, tier.listener.user
    started = timezone.now() - timedelta(minutes=3)
    call = elsewhere(calls.call_start, user=client, order_id=order.pk, kind="voice", now=started)
    for step, user, seconds in [
        (calls.call_answer, listener, 2),
        (calls.call_media, client, 3),
        (calls.call_hangup, listener, 68),
    ]:
        elsewhere(
            step,
            user=user,
            order_id=order.pk,
            call_id=call.pk,
            now=started + timedelta(seconds=seconds),
        )
    client_context, page = chat_page(media_browser, node, client, order, viewport=PHONE)
    staff_context = signed_in(media_browser, node, StaffUserFactory(), viewport=LAPTOP)
    try:
        # when: on the phone, the client reports the call from its entry
        entry = page.locator(".msg", has_text="倾听者在 1:05 后结束了通话。")
        entry.get_by_role("button", name="举报这次通话").click()
        entry.locator("select[name=reason]").select_option("abuse")
        entry.locator("textarea[name=note]").fill("他在通话里一直骂我")
        entry.get_by_role("button", name="提交举报").click()
        # then: the entry says it was reported, and says so again after a reload
        expect(entry.locator(".call-reported")).to_have_text("已举报，工作人员会查看这次通话。")
        report = MessageFlag.objects.get(kind=MessageFlag.Kind.CALL_REPORT)
        assert (report.call_id, report.reported_by_id, report.reason, report.note) == (
            call.pk,
            client.pk,
            "abuse",
            "他在通话里一直骂我",
        )
        page.reload()
        page.locator("#connection[data-state='open']").wait_for()
        expect(entry.locator(".call-reported")).to_be_visible()
        expect(entry.get_by_role("button", name="举报这次通话")).to_have_count(0)
        box = entry.bounding_box()
        assert box is not None
        assert (box["x"] >= 0, box["x"] + box["width"] <= PHONE["width"]) == (True, True)
        # and: staff see it on the safety desk with the session, the call's time and
        # duration, and on the session's transcript at the call's entry
        desk = staff_context.new_page()
        desk.goto(f"{node.url}/chat/safety/escalations/")
        reported = desk.locator("#call-reports li", has_text=f"会话 {order.pk}")
        when = timezone.localtime(call.started_at).strftime("%Y-%m-%d %H:%M:%S")
        for text in ("客户举报", "辱骂、威胁或骚扰", "他在通话里一直骂我", when, "时长 1:05"):
            expect(reported).to_contain_text(text)
        reported.get_by_role("link", name=f"会话 {order.pk}").click()
        line = desk.locator(f"#message-{report.message_id}")
        expect(line).to_contain_text("客户举报")
        expect(line).to_contain_text("时长 1:05")
    finally:
        client_context.close()
        staff_context.close()


def test_a_call_rings_on_the_listeners_dashboard_until_declined_cancelled_missed_or_answered(
    media_browser, node
):
    # given: a listener with two live voice sessions on the dashboard (a laptop), the
    # second session's client on a phone
    tier = per_minute_tier(medium="voice", night_minute_price_fen=MINUTE_FEN)
    ListenerProfile.objects.filter(pk=tier.listener_id).update(max_concurrent_chats=4)
    first = voice_session(tier, name="小鹿")
    ListenerProfile.objects.filter(pk=tier.listener_id).update(
        presence=ListenerProfile.Presence.ONLINE
    )
    second = voice_session(tier, name="阿青")
    listener_context = signed_in(media_browser, node, tier.listener.user, viewport=LAPTOP)
    dashboard = open_page(listener_context, f"{node.url}/chat/dashboard/")
    client_context, phone = chat_page(media_browser, node, second.client, second, viewport=PHONE)
    notice = dashboard.locator("#call-rings .call-ring")
    row = dashboard.locator(f'#session-list li[data-session="{second.pk}"]')
    try:
        # when: the client calls; then: the dashboard rings, naming the client
        phone.click("#call-voice")
        expect(notice).to_have_text(re.compile("阿青 正在呼叫你（语音通话）"))
        expect(row).to_have_class(re.compile("ringing"))
        # when: the listener declines there; then: the notice clears, the phone is told
        notice.get_by_role("button", name="拒绝").click()
        expect(notice).to_have_count(0)
        expect(row).not_to_have_class(re.compile("ringing"))
        expect(phone.locator("#call-status")).to_have_text("通话被拒绝。")
        # when: the client calls and gives up before an answer; then: cleared
        phone.click("#call-voice")
        expect(notice).to_have_count(1)
        phone.click("#call-hangup")
        expect(notice).to_have_count(0)
        # when: the client calls while the listener looks at the other chat's page, and
        # nobody answers for 30 s; then: both pages rang, and both are cleared
        other_chat = open_page(listener_context, f"{node.url}/chat/{first.pk}/")
        phone.click("#call-voice")
        other_notice = other_chat.locator("#call-rings .call-ring")
        expect(other_notice).to_have_text(re.compile("阿青 正在呼叫你（语音通话）"))
        expect(notice).to_have_count(1)
        elsewhere(calls.call_timeout_sweep, now=timezone.now() + timedelta(seconds=31))
        expect(other_notice).to_have_count(0)
        expect(notice).to_have_count(0)
        other_chat.close()
        # when: the client calls again and the listener answers from the dashboard
        expect(phone.locator("#call-voice")).to_be_visible()
        phone.click("#call-voice")
        with listener_context.expect_page() as opened:
            notice.get_by_role("link", name="接听").click()
        call_page = opened.value
        # then: that chat opened, answered, and audio flows; the notice is gone
        for page in (phone, call_page):
            page.wait_for_function(
                "() => window.callStats && window.callStats.audioBytesSent > 0"
                " && window.callStats.audioBytesReceived > 0"
            )
        assert call_page.url == f"{node.url}/chat/{second.pk}/"
        expect(notice).to_have_count(0)
        assert (
            Call.objects.filter(order=second, state=Call.State.CONNECTED).count(),
            Call.objects.filter(order=second).count(),
        ) == (1, 4)
        phone.click("#call-hangup")
        expect(call_page.locator("#call-voice")).to_be_visible()
        # and: in the dashboard's transcript of that chat, each of the four calls' last
        # entry offers "Report this call" to the listener too
        row.locator("button").click()
        transcript = dashboard.locator(f'ol.chat-log[data-session="{second.pk}"]')
        expect(transcript.get_by_role("button", name="举报这次通话")).to_have_count(4)
        assert_ledger_consistent()
    finally:
        client_context.close()
        listener_context.close()
