import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from marketplace.models import SmsCode, User
from tests.concurrency import run_together
from tests.factories import ListenerUserFactory, UserFactory
from tests.marketplace.conftest import code_sent_to

PHONE = "13800138000"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def request_code(django_capture_on_commit_callbacks):
    def request(api, phone=PHONE, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post("/api/auth/sms/request/", {"phone": phone}, format="json", **extra)

    return request


def _verify(api, code, phone=PHONE):
    return api.post("/api/auth/sms/verify/", {"phone": phone, "code": code}, format="json")


@pytest.mark.django_db
def test_api_sign_up_returns_a_token_that_authenticates(api, request_code):
    # given
    sent = request_code(api)
    # when
    response = _verify(api, code_sent_to(PHONE))
    # then
    assert sent.status_code == 202
    assert sent.json() == {
        "detail": "验证码（6 位数字）已发送到你的手机。",
        "expires_in": 300,
        "resend_in": 60,
    }
    assert response.status_code == 200
    body = response.json()
    user = User.objects.get(phone=PHONE)
    assert body == {
        "token": Token.objects.get(user=user).key,
        "created": True,
        "user": {"id": user.pk, "phone": "138****8000", "display_name": "", "role": "client"},
    }
    me = APIClient().get("/api/auth/me/", HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert me.status_code == 200
    assert me.json()["id"] == user.pk


@pytest.mark.django_db
def test_api_log_in_of_an_existing_listener(api, request_code):
    # given
    listener = ListenerUserFactory(phone=PHONE)
    request_code(api)
    # when
    response = _verify(api, code_sent_to(PHONE))
    # then
    assert response.status_code == 200
    assert response.json()["created"] is False
    assert response.json()["user"]["role"] == "listener"
    assert response.json()["user"]["id"] == listener.pk


@pytest.mark.django_db
def test_api_invalid_phone(api, request_code):
    # when
    response = request_code(api, phone="12345")
    # then
    assert response.status_code == 400
    assert response.json() == {"code": "invalid_phone", "detail": "请输入有效的中国大陆手机号。"}
    assert SmsCode.objects.count() == 0


@pytest.mark.django_db
def test_api_invalid_phone_in_english(api, request_code):
    # given
    api.cookies["django_language"] = "en"
    # when
    response = request_code(api, phone="12345")
    # then
    assert response.json() == {
        "code": "invalid_phone",
        "detail": "Enter a valid mainland China mobile number.",
    }


@pytest.mark.django_db
def test_api_flood_of_code_requests_is_refused(api, request_code):
    # given
    request_code(api)
    # when
    response = request_code(api)
    # then
    assert response.status_code == 429
    assert response.json() == {"code": "rate_limited", "detail": "请等待 60 秒后再获取新的验证码。"}
    assert SmsCode.objects.count() == 1


@pytest.mark.django_db
def test_api_wrong_code_then_too_many_attempts(api, request_code):
    # given
    request_code(api)
    code = code_sent_to(PHONE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    statuses = [_verify(api, wrong).status_code for _ in range(5)]
    # when
    response = _verify(api, code)
    # then
    assert statuses == [400] * 5
    assert response.status_code == 429
    assert response.json() == {"code": "rate_limited", "detail": "输错次数过多，请重新获取验证码。"}
    assert User.objects.count() == 0
    assert Token.objects.count() == 0


@pytest.mark.django_db
def test_api_replayed_code(api, request_code):
    # given
    request_code(api)
    code = code_sent_to(PHONE)
    _verify(api, code)
    # when
    response = _verify(api, code)
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "code_used"
    assert Token.objects.count() == 1


@pytest.mark.django_db
def test_api_malformed_code(api):
    # when
    response = _verify(api, "12345")
    # then
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], set(body["fields"])) == ("invalid", {"code"})


@pytest.mark.django_db
def test_me_needs_authentication(api):
    # when
    response = api.get("/api/auth/me/")
    # then
    assert response.status_code == 401


@pytest.mark.django_db
def test_a_bad_token_is_refused(api):
    # when
    response = api.get("/api/auth/me/", HTTP_AUTHORIZATION="Token not-a-token")
    # then
    assert response.status_code == 401


@pytest.mark.django_db
def test_api_log_out_everywhere_ends_tokens_and_web_sessions(api, client):
    # given
    user = UserFactory()
    token = Token.objects.create(user=user)
    client.force_login(user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    # when
    response = api.post("/api/auth/logout-everywhere/")
    # then
    assert response.status_code == 204
    assert api.get("/api/auth/me/").status_code == 401
    assert client.get("/api/auth/me/").status_code == 401  # the web session is gone too
    assert client.get("/accounts/").status_code == 302
    user.refresh_from_db()
    assert user.session_epoch == 1


@pytest.mark.django_db
def test_the_api_schema_and_docs_are_served(client):
    # when
    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")
    # then
    assert schema.status_code == 200
    assert b"/api/auth/sms/request/" in schema.content
    assert docs.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_parallel_checks_of_one_code_sign_in_once_and_the_others_get_409(request_code):
    # given
    request_code(APIClient())
    code = code_sent_to(PHONE)
    # when: ten clients send the right code at the same instant
    statuses = run_together(
        *[lambda: _verify(APIClient(), code).status_code for _ in range(10)], expected=()
    )
    # then: serialised by the code's row lock, never a 500
    assert sorted(statuses) == [200] + [409] * 9
    assert User.objects.count() == 1
    assert Token.objects.count() == 1
