import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from marketplace import services
from marketplace.models import SmsCode, User
from tests.factories import ListenerUserFactory, StaffUserFactory, UserFactory
from tests.marketplace.conftest import code_sent_to

PHONE = "13800138000"
LOGIN = "/accounts/login/"


@pytest.fixture
def send_code(django_capture_on_commit_callbacks):
    """Step 1 of the login page. Codes leave on commit, so run the callbacks of each request
    (the test's own transaction never commits)."""

    def send(client, phone=PHONE, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(LOGIN, {"action": "send", "phone": phone}, **extra)

    return send


def _verify(client, code, phone=PHONE, next_url=""):
    data = {"action": "verify", "step": "code", "phone": phone, "code": code, "next": next_url}
    return client.post(LOGIN, data)


@pytest.mark.django_db
def test_the_login_page_asks_for_a_phone_number_in_chinese(client):
    # when
    response = client.get(LOGIN)
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "登录或注册" in html
    assert 'name="phone"' in html
    assert 'name="code"' not in html


@pytest.mark.django_db
def test_sign_up_on_the_web_creates_a_client_and_signs_in(client, send_code):
    # when: step 1
    response = send_code(client, phone="138 0013 8000")
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "验证码（6 位数字）已发送到你的手机。" in html
    assert 'name="code"' in html
    assert 'value="13800138000"' in html
    # when: step 2
    response = _verify(client, code_sent_to(PHONE))
    # then
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(phone=PHONE)
    assert user.role == User.Role.CLIENT
    assert int(client.session["_auth_user_id"]) == user.pk
    home = client.get("/")
    assert "欢迎！你的账号已创建。" in home.content.decode()


@pytest.mark.django_db
def test_log_in_on_the_web_goes_to_the_safe_next_page(client, send_code):
    # given
    user = UserFactory(phone=PHONE)
    send_code(client)
    # when
    response = _verify(client, code_sent_to(PHONE), next_url="/accounts/")
    # then
    assert response.status_code == 302
    assert response["Location"] == "/accounts/"
    assert int(client.session["_auth_user_id"]) == user.pk
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_an_offsite_next_is_ignored(client, send_code):
    # given
    send_code(client)
    # when
    response = _verify(client, code_sent_to(PHONE), next_url="https://evil.example/")
    # then
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_an_invalid_phone_gets_a_chinese_message_and_nothing_is_created(client, send_code):
    # when
    response = send_code(client, phone="1234567")
    # then
    assert response.status_code == 400
    assert "请输入有效的中国大陆手机号。" in response.content.decode()
    assert SmsCode.objects.count() == 0
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_an_invalid_phone_gets_an_english_message_after_switching(client, send_code):
    # given
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    # when
    response = send_code(client, phone="1234567")
    # then
    assert response.status_code == 400
    assert "Enter a valid mainland China mobile number." in response.content.decode()
    assert SmsCode.objects.count() == 0


@pytest.mark.django_db
def test_a_wrong_code_keeps_the_user_signed_out(client, send_code):
    # given
    send_code(client)
    wrong = f"{(int(code_sent_to(PHONE)) + 1) % 10**6:06d}"
    # when
    response = _verify(client, wrong)
    # then
    assert response.status_code == 400
    assert "验证码不正确，还可以再试 4 次。" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_a_malformed_code_is_refused_without_spending_an_attempt(client, send_code):
    # given
    send_code(client)
    # when
    response = _verify(client, "12ab")
    # then
    assert response.status_code == 400
    assert "验证码为 6 位数字。" in response.content.decode()
    assert SmsCode.objects.get().attempts == 0


@pytest.mark.django_db
def test_an_expired_code_on_the_web(client, send_code):
    # given
    send_code(client)
    SmsCode.objects.update(expires_at=SmsCode.objects.get().created_at)
    # when
    response = _verify(client, code_sent_to(PHONE))
    # then
    assert response.status_code == 400
    assert "验证码已过期或已被使用，请重新获取。" in response.content.decode()
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_asking_again_too_soon_keeps_the_code_field(client, send_code):
    # given
    send_code(client)
    # when
    response = client.post(LOGIN, {"action": "send", "step": "code", "phone": PHONE, "code": ""})
    # then
    assert response.status_code == 429
    html = response.content.decode()
    assert "请等待 60 秒后再获取新的验证码。" in html
    assert 'name="code"' in html
    assert SmsCode.objects.count() == 1


@pytest.mark.django_db
def test_the_ip_limit_holds_on_the_web(client, settings, send_code):
    # given
    settings.SMS_CODES_PER_IP_PER_HOUR = 2
    send_code(client, phone="13800000001")
    send_code(client, phone="13800000002")
    # when
    response = send_code(client, phone="13800000003")
    # then
    assert response.status_code == 429
    assert "你所在网络获取验证码次数过多，请稍后再试。" in response.content.decode()
    assert SmsCode.objects.count() == 2


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_limit_is_per_real_client(client, settings, send_code):
    # given: one proxy of ours in front; every request reaches us from 10.0.0.1
    settings.TRUSTED_PROXY_COUNT = 1
    settings.SMS_CODES_PER_IP_PER_HOUR = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    send_code(client, phone="13800000001", HTTP_X_FORWARDED_FOR="203.0.113.1", **proxy)
    # when: a second client behind the same proxy, and the first one again
    other = send_code(client, phone="13800000002", HTTP_X_FORWARDED_FOR="203.0.113.2", **proxy)
    again = send_code(client, phone="13800000003", HTTP_X_FORWARDED_FOR="203.0.113.1", **proxy)
    # then
    assert (other.status_code, again.status_code) == (200, 429)
    assert sorted(SmsCode.objects.values_list("requested_ip", flat=True)) == [
        "203.0.113.1",
        "203.0.113.2",
    ]


@pytest.mark.django_db
def test_without_a_trusted_proxy_a_forged_header_does_not_dodge_the_limit(
    client, settings, send_code
):
    # given
    settings.TRUSTED_PROXY_COUNT = 0
    settings.SMS_CODES_PER_IP_PER_HOUR = 1
    send_code(client, phone="13800000001", HTTP_X_FORWARDED_FOR="203.0.113.1")
    # when
    response = send_code(client, phone="13800000002", HTTP_X_FORWARDED_FOR="203.0.113.2")
    # then
    assert response.status_code == 429
    assert list(SmsCode.objects.values_list("requested_ip", flat=True)) == ["127.0.0.1"]


@pytest.mark.django_db
def test_log_out_ends_the_session(client):
    # given
    client.force_login(UserFactory())
    # when
    response = client.post("/accounts/logout/")
    # then
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_log_out_everywhere_ends_other_sessions_and_tokens(client, django_user_model):
    # given: the same user on a phone (web), a laptop (web) and an app (token)
    from django.test import Client

    user = UserFactory()
    laptop = Client()
    client.force_login(user)
    laptop.force_login(user)
    token = services.api_token_issue(user=user)
    assert laptop.get("/accounts/").status_code == 200
    # when
    response = client.post("/accounts/logout-everywhere/")
    # then
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert laptop.get("/accounts/").status_code == 302  # sent to the login page
    assert not Token.objects.filter(key=token).exists()
    me = client.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 401


@pytest.mark.django_db
def test_log_out_everywhere_needs_a_post(client):
    # given
    client.force_login(UserFactory())
    # when
    response = client.get("/accounts/logout-everywhere/")
    # then
    assert response.status_code == 405


@pytest.mark.django_db
def test_the_account_page_needs_a_sign_in(client):
    # when
    response = client.get("/accounts/")
    # then
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/"


@pytest.mark.django_db
def test_the_account_page_shows_the_masked_phone(client):
    # given
    client.force_login(UserFactory(phone=PHONE))
    # when
    response = client.get("/accounts/")
    # then
    html = response.content.decode()
    assert "138****8000" in html
    assert PHONE not in html


@pytest.mark.django_db
def test_the_home_page_is_chinese_by_default_even_for_an_english_browser(client):
    # when
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    # then
    assert response["Content-Language"] == "zh-hans"
    html = response.content.decode()
    assert '<html lang="zh-CN">' in html
    assert "有人在听，秒回你。" in html


@pytest.mark.django_db
def test_the_language_switcher_changes_to_english_and_back(client):
    # when
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    # then
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    page = client.get("/")
    assert page["Content-Language"] == "en"
    assert "Someone answers, within seconds." in page.content.decode()
    # and back
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "有人在听，秒回你。" in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_home_page_links_to_the_listener_catalogue(client):
    # when
    response = client.get("/")
    # then
    assert f'href="{reverse("listeners:catalogue")}"' in response.content.decode()


@pytest.mark.django_db
def test_navigation_follows_the_role(client):
    # given
    client.force_login(UserFactory())
    client_nav = [link["label"] for link in client.get("/").context["nav_links"]]
    client.force_login(StaffUserFactory())
    # when
    staff_nav = [link["label"] for link in client.get("/").context["nav_links"]]
    # then
    assert "管理后台" in staff_nav
    assert "管理后台" not in client_nav
    assert client.get("/").context["nav_role"] == "staff"


def _installed(*names: str) -> list[str]:
    """The URLs of the named pages that this installation has (others are skipped)."""
    from django.urls import NoReverseMatch

    urls = []
    for name in names:
        try:
            urls.append(reverse(name))
        except NoReverseMatch:
            continue
    return urls


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("factory", "pages", "labels"),
    [
        (
            UserFactory,
            [
                "listeners:catalogue",
                "sessions:my_orders",
                "payments:budget",
                "care:usage",
                "listeners:interests",
                "payments:notifications",
            ],
            ["倾听师", "我的订单", "预算", "我的使用情况", "我的兴趣", "通知"],
        ),
        (
            ListenerUserFactory,
            [
                "sessions:dashboard",
                "listeners:my_profile",
                "payments:earnings",
                "reviews:mine",
                "payments:notifications",
            ],
            None,
        ),
        (
            StaffUserFactory,
            [
                "listeners:catalogue",
                "payments:dispute_desk",
                "sessions:escalations",
                "care:staff",
                "admin:index",
            ],
            None,
        ),
    ],
)
def test_each_role_sees_its_pages_in_the_navigation(client, factory, pages, labels):
    # given
    client.force_login(factory())
    # when
    nav = client.get("/").context["nav_links"]
    # then
    assert [link["url"] for link in nav] == _installed(*pages)
    if labels is not None:
        assert [str(link["label"]) for link in nav] == labels


@pytest.mark.django_db
def test_the_listener_and_client_pages_of_the_navigation_are_installed():
    # then: these pages exist now, so the navigation links them
    assert len(_installed("listeners:interests", "reviews:mine")) == 2


@pytest.mark.django_db
def test_the_admin_sends_anonymous_staff_to_the_sms_login(client):
    # when
    response = client.get("/admin/", follow=True)
    # then
    assert response.redirect_chain[-1] == ("/accounts/login/?next=%2Fadmin%2F", 302)


@pytest.mark.django_db
def test_staff_signed_in_by_sms_reach_the_admin(client, send_code):
    # given
    StaffUserFactory(phone=PHONE, is_superuser=True)
    send_code(client)
    # when
    response = _verify(client, code_sent_to(PHONE), next_url="/admin/")
    # then
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_a_client_cannot_use_the_admin_login(client):
    # given
    client.force_login(UserFactory())
    # when
    response = client.get("/admin/login/")
    # then
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_language_switcher_offers_the_site_languages_on_every_page(client):
    # given: the catalogue has a filter of its own named "languages" (listeners' languages)
    pages = ["/", reverse("listeners:catalogue")]
    # when
    switchers = []
    for url in pages:
        html = client.get(url).content.decode()
        start = html.index('id="language-select"')
        switchers.append(html[start : html.index("</select>", start)])
    # then
    for switcher in switchers:
        assert 'value="zh-hans"' in switcher
        assert 'value="en"' in switcher
        assert 'value="yue"' not in switcher
