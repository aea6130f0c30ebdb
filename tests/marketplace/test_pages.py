"""The pages every visitor meets: help, terms, privacy, the footer and header links,
the manifest and icon, our own error pages, and where a sign-in lands."""

import pytest
from django.test import override_settings

from payments.disputes.models import Notification
from tests.factories import ListenerUserFactory, UserFactory
from tests.marketplace.conftest import code_sent_to

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "chinese", "english"),
    [
        ("/help/", "帮助与常见问题", "Help & FAQ"),
        ("/terms/", "沉默 30 秒就是 3 次超时", "30 seconds of silence are three missed replies"),
        ("/privacy/", "被隐藏的内容从不保存", "the hidden values are never kept"),
    ],
)
def test_help_terms_and_privacy_read_in_chinese_and_in_english(client, path, chinese, english):
    # when
    zh = client.get(path).content.decode()
    client.cookies["django_language"] = "en"
    en = client.get(path).content.decode()
    # then
    assert chinese in zh
    assert english in en
    assert english not in zh


def test_the_footer_links_help_terms_privacy_and_the_listener_application(client):
    # when
    html = client.get("/").content.decode()
    # then
    footer = html[html.index('<footer class="footer">') :]
    for href, label in [
        ("/help/", "帮助与常见问题"),
        ("/terms/", "服务条款"),
        ("/privacy/", "隐私政策"),
        ("/listeners/apply/", "成为倾听师"),
    ]:
        assert f'<a href="{href}">{label}</a>' in footer


def test_the_notifications_link_carries_the_unread_count_until_they_are_read(client):
    # given
    user = UserFactory()
    for _ in range(3):
        Notification.objects.create(user=user, kind="dispute_opened", params={"order": 1})
    Notification.objects.create(user=UserFactory(), kind="dispute_opened", params={"order": 1})
    client.force_login(user)
    # when
    html = client.get("/").content.decode()
    # then
    assert 'id="unread-badge" aria-label="3 条未读">3</span>' in html
    # when: the notifications page marks them read
    client.get("/payments/notifications/")
    html = client.get("/").content.decode()
    # then
    assert 'id="unread-badge"' not in html


def test_the_manifest_and_the_icon_are_served(client):
    # when
    manifest = client.get("/manifest.webmanifest")
    icon = client.get("/favicon.ico")
    # then
    assert manifest.status_code == 200
    assert manifest["Content-Type"] == "application/manifest+json"
    body = manifest.json()
    assert body["name"] == "秒回"
    assert body["display"] == "standalone"
    assert [i["sizes"] for i in body["icons"]] == ["192x192", "512x512", "any"]
    assert icon.status_code == 301
    assert client.get(icon["Location"]).status_code == 200
    assert '<link rel="manifest" href="/manifest.webmanifest">' in client.get("/").content.decode()


def test_an_unknown_address_shows_our_404_page(client):
    # when
    response = client.get("/no-such-page/")
    # then
    assert response.status_code == 404
    assert "找不到页面" in response.content.decode()


@override_settings(DEBUG=True)
def test_the_debug_run_shows_our_404_page_too_unless_asked_for_djangos(client):
    # when
    ours = client.get("/no-such-page/")
    with override_settings(DEBUG_ERROR_PAGES=True):
        djangos = client.get("/no-such-page/")
    # then
    assert ours.status_code == 404
    assert "找不到页面" in ours.content.decode()
    assert "URLconf" not in ours.content.decode()
    assert djangos.status_code == 404
    assert "URLconf" in djangos.content.decode()


@override_settings(DEBUG=True)
def test_the_debug_run_keeps_json_errors_on_the_api(client):
    # when
    response = client.get("/api/no-such-endpoint/")
    # then
    assert response.status_code == 404
    assert "找不到页面" not in response.content.decode()


def _sign_in(client, send_code, phone, next_url):
    send_code(client, phone=phone)
    data = {"action": "verify", "step": "code", "phone": phone, "code": code_sent_to(phone)}
    return client.post("/accounts/login/", {**data, "next": next_url})


@pytest.fixture
def send_code(django_capture_on_commit_callbacks):
    def send(client, phone):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/accounts/login/", {"action": "send", "phone": phone})

    return send


def test_a_listener_signing_in_lands_on_the_dashboard(client, send_code):
    # given
    listener = ListenerUserFactory()
    # when: from the header's sign-in link on the home page
    response = _sign_in(client, send_code, listener.phone, "/")
    # then
    assert response.status_code == 302
    assert response["Location"] == "/chat/dashboard/"


def test_a_listener_asked_for_a_page_still_gets_it_and_a_client_lands_home(client, send_code):
    # given
    listener = ListenerUserFactory()
    client_user = UserFactory()
    # when
    asked = _sign_in(client, send_code, listener.phone, "/payments/earnings/")
    client.logout()
    home = _sign_in(client, send_code, client_user.phone, "/")
    # then
    assert asked["Location"] == "/payments/earnings/"
    assert home["Location"] == "/"


@override_settings(DEBUG=True)
def test_a_server_error_in_the_debug_run_shows_our_500_page(rf):
    # given: what Django's technical 500 view answers in the debug run
    from django.http import HttpResponseServerError
    from django.utils import translation

    from marketplace.middleware import ErrorPagesMiddleware

    def technical(request):
        return HttpResponseServerError("<h1>Traceback</h1>", content_type="text/html")

    # when
    with translation.override("zh-hans"):
        response = ErrorPagesMiddleware(technical)(rf.get("/chat/orders/1/"))
    # then
    assert response.status_code == 500
    html = response.content.decode()
    assert "出错了" in html
    assert "Traceback" not in html


def test_the_account_page_links_notifications_help_terms_privacy_and_the_application(client):
    # given
    user = UserFactory()
    Notification.objects.create(user=user, kind="dispute_opened", params={"order": 1})
    client.force_login(user)
    # when
    html = client.get("/accounts/").content.decode()
    # then
    links = html[html.index('id="account-links"') :]
    assert '<a href="/payments/notifications/">通知 <span class="badge">1</span></a>' in links
    for href in ("/listeners/apply/", "/help/", "/terms/", "/privacy/"):
        assert f'<a href="{href}">' in links
