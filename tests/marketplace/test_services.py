from datetime import timedelta
from functools import partial

import pytest
from django.db.models import F
from django.utils import translation
from rest_framework.authtoken.models import Token

from marketplace import services, sms
from marketplace.exceptions import DomainError, RateLimited
from marketplace.models import SmsCode, User
from tests.concurrency import run_together
from tests.factories import ListenerUserFactory, UserFactory
from tests.marketplace.conftest import code_sent_to

PHONE = "13800138000"
IP = "203.0.113.7"
# 13800138000 in full-width digits, as a Chinese input method may type it.
FULL_WIDTH_PHONE = "".join(chr(0xFF10 + int(d)) for d in "13800138000")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _age_codes(seconds: int) -> None:
    """Move every code's clock back instead of sleeping."""
    SmsCode.objects.update(
        created_at=F("created_at") - timedelta(seconds=seconds),
        expires_at=F("expires_at") - timedelta(seconds=seconds),
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("0086 13800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("(138) 0013 8000", "13800138000"),
        (
            "\uff11\uff13\uff18\uff10\uff10\uff11\uff13\uff18\uff10\uff10\uff10",
            "13800138000",
        ),  # full-width digits, as typed with a Chinese IME
        (" 19912345678 ", "19912345678"),
    ],
)
def test_phone_normalize_accepts_mainland_mobiles(raw, expected):
    # when / then
    assert services.phone_normalize(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "12345", "12800138000", "1380013800a", "+1 415 555 2671", "138001380001", "23800138000"],
)
def test_phone_normalize_refuses_anything_else(raw):
    # when
    with pytest.raises(DomainError) as error:
        services.phone_normalize(raw)
    # then
    assert error.value.code == "invalid_phone"
    assert error.value.message == "Enter a valid mainland China mobile number."


@pytest.mark.django_db
def test_sms_code_request_sends_a_six_digit_code_and_stores_only_its_hash(
    django_capture_on_commit_callbacks,
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        row = services.sms_code_request(phone="+86 138 0013 8000", ip=IP)
    # then
    code = code_sent_to(PHONE)
    assert [m.text for m in sms.outbox()] == [
        f"Your sign-in code is {code}. It expires in 5 minutes."
    ]
    row.refresh_from_db()
    assert (row.phone, row.requested_ip, row.attempts, row.used_at) == (PHONE, IP, 0, None)
    assert code not in row.code_hash
    assert row.expires_at - row.created_at == timedelta(minutes=5)


@pytest.mark.django_db
def test_sms_code_request_refuses_an_invalid_phone_and_sends_nothing():
    # when
    with pytest.raises(DomainError) as error:
        services.sms_code_request(phone="12345", ip=IP)
    # then
    assert error.value.code == "invalid_phone"
    assert SmsCode.objects.count() == 0
    assert sms.outbox() == []


@pytest.mark.django_db
def test_a_second_code_within_a_minute_is_refused(django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        services.sms_code_request(phone=PHONE, ip=IP)
    # when
    with pytest.raises(RateLimited) as error:
        services.sms_code_request(phone=PHONE, ip=IP)
    # then
    assert error.value.status == 429
    assert error.value.message == "Please wait 60 seconds before asking for another code."
    assert SmsCode.objects.count() == 1
    assert len(sms.outbox()) == 1


@pytest.mark.django_db
def test_a_new_code_is_allowed_once_the_minute_has_passed():
    # given
    services.sms_code_request(phone=PHONE, ip=IP)
    _age_codes(60)
    # when
    services.sms_code_request(phone=PHONE, ip=IP)
    # then
    assert SmsCode.objects.filter(phone=PHONE).count() == 2


@pytest.mark.django_db
def test_five_codes_per_phone_per_hour(settings):
    # given: five codes, a minute apart
    for _ in range(settings.SMS_CODES_PER_PHONE_PER_HOUR):
        services.sms_code_request(phone=PHONE, ip=IP)
        _age_codes(61)
    # when
    with pytest.raises(RateLimited) as error:
        services.sms_code_request(phone=PHONE, ip="198.51.100.1")  # a new IP does not help
    # then
    assert error.value.message == "Too many codes for this number. Try again in an hour."
    assert SmsCode.objects.count() == 5
    # and an hour after the first code, one is allowed again
    _age_codes(60 * 60 - 5 * 61 + 1)
    services.sms_code_request(phone=PHONE, ip=IP)
    assert SmsCode.objects.count() == 6


@pytest.mark.django_db
def test_codes_per_ip_per_hour(settings):
    # given
    settings.SMS_CODES_PER_IP_PER_HOUR = 3
    for n in range(3):
        services.sms_code_request(phone=f"1380000000{n}", ip=IP)
    # when
    with pytest.raises(RateLimited) as error:
        services.sms_code_request(phone="13800000009", ip=IP)
    # then
    assert error.value.message == "Too many codes from your network. Try again later."
    assert not SmsCode.objects.filter(phone="13800000009").exists()
    # and another network is not affected
    services.sms_code_request(phone="13800000009", ip="198.51.100.1")


@pytest.mark.django_db
def test_verify_signs_up_a_new_number_as_a_client(django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        services.sms_code_request(phone=PHONE, ip=IP)
    # when
    user, created = services.sms_code_verify(phone=PHONE, code=code_sent_to(PHONE), ip=IP)
    # then
    assert created is True
    assert (user.phone, user.role, user.is_staff) == (PHONE, User.Role.CLIENT, False)
    assert not user.has_usable_password()
    assert SmsCode.objects.get().used_at is not None
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_verify_logs_in_an_existing_user_unchanged(django_capture_on_commit_callbacks):
    # given
    listener = ListenerUserFactory(phone=PHONE, display_name="Mia")
    with django_capture_on_commit_callbacks(execute=True):
        services.sms_code_request(phone=PHONE, ip=IP)
    # when
    user, created = services.sms_code_verify(phone="+86" + PHONE, code=code_sent_to(PHONE), ip=IP)
    # then
    assert created is False
    assert user.pk == listener.pk
    user.refresh_from_db()
    assert (user.role, user.display_name) == (User.Role.LISTENER, "Mia")
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_a_wrong_code_spends_an_attempt_and_creates_nothing(django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        services.sms_code_request(phone=PHONE, ip=IP)
    wrong = f"{(int(code_sent_to(PHONE)) + 1) % 10**6:06d}"
    # when
    with pytest.raises(DomainError) as error:
        services.sms_code_verify(phone=PHONE, code=wrong, ip=IP)
    # then
    assert error.value.code == "wrong_code"
    assert error.value.message == "The code is not correct. 4 attempts left."
    row = SmsCode.objects.get()
    assert (row.attempts, row.used_at) == (1, None)
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_five_attempts_then_even_the_right_code_is_refused(django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        services.sms_code_request(phone=PHONE, ip=IP)
    code = code_sent_to(PHONE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    messages = []
    for _ in range(5):
        with pytest.raises(DomainError) as error:
            services.sms_code_verify(phone=PHONE, code=wrong, ip=IP)
        messages.append(error.value.message)
    # when
    with pytest.raises(RateLimited) as error:
        services.sms_code_verify(phone=PHONE, code=code, ip=IP)
    # then
    assert messages == [
        "The code is not correct. 4 attempts left.",
        "The code is not correct. 3 attempts left.",
        "The code is not correct. 2 attempts left.",
        "The code is not correct. 1 attempt left.",
        "The code is not correct. Ask for a new code.",
    ]
    assert error.value.message == "Too many wrong attempts. Ask for a new code."
    row = SmsCode.objects.get()
    assert (row.attempts, row.used_at) == (5, None)
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_an_expired_code_is_refused(django_capture_on_commit_callbacks):
    # given: a code sent five minutes ago
    with django_capture_on_commit_callbacks(execute=True):
        services.sms_code_request(phone=PHONE, ip=IP)
    _age_codes(5 * 60)
    # when
    with pytest.raises(DomainError) as error:
        services.sms_code_verify(phone=PHONE, code=code_sent_to(PHONE), ip=IP)
    # then
    assert error.value.code == "code_expired"
    assert error.value.message == "This code has expired or was already used. Ask for a new one."
    assert SmsCode.objects.get().attempts == 0
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_a_code_one_second_before_expiry_still_works(django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        services.sms_code_request(phone=PHONE, ip=IP)
    _age_codes(5 * 60 - 1)
    # when
    _user, created = services.sms_code_verify(phone=PHONE, code=code_sent_to(PHONE), ip=IP)
    # then
    assert created is True


@pytest.mark.django_db
def test_a_used_code_cannot_be_replayed(django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        services.sms_code_request(phone=PHONE, ip=IP)
    code = code_sent_to(PHONE)
    services.sms_code_verify(phone=PHONE, code=code, ip=IP)
    # when
    with pytest.raises(DomainError) as error:
        services.sms_code_verify(phone=PHONE, code=code, ip=IP)
    # then
    assert error.value.code == "code_used"
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_signing_in_retires_every_older_code_of_the_phone(django_capture_on_commit_callbacks):
    # given: two codes; the newer one is used
    with django_capture_on_commit_callbacks(execute=True):
        services.sms_code_request(phone=PHONE, ip=IP)
    older = code_sent_to(PHONE)
    _age_codes(61)
    with django_capture_on_commit_callbacks(execute=True):
        services.sms_code_request(phone=PHONE, ip=IP)
    newer = code_sent_to(PHONE)
    services.sms_code_verify(phone=PHONE, code=newer, ip=IP)
    # when
    with pytest.raises(DomainError) as error:
        services.sms_code_verify(phone=PHONE, code=older, ip=IP)
    # then
    assert error.value.code == "code_used"
    assert SmsCode.objects.filter(used_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_only_the_newest_code_counts(django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        services.sms_code_request(phone=PHONE, ip=IP)
    older = code_sent_to(PHONE)
    _age_codes(61)
    with django_capture_on_commit_callbacks(execute=True):
        services.sms_code_request(phone=PHONE, ip=IP)
    if code_sent_to(PHONE) == older:  # one chance in a million
        pytest.skip("both codes happen to be equal")
    # when
    with pytest.raises(DomainError) as error:
        services.sms_code_verify(phone=PHONE, code=older, ip=IP)
    # then
    assert error.value.code == "wrong_code"
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_a_disabled_account_cannot_sign_in(django_capture_on_commit_callbacks):
    # given
    UserFactory(phone=PHONE, is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.sms_code_request(phone=PHONE, ip=IP)
    # when
    with pytest.raises(DomainError) as error:
        services.sms_code_verify(phone=PHONE, code=code_sent_to(PHONE), ip=IP)
    # then
    assert (error.value.code, error.value.message) == ("inactive", "This account is disabled.")


@pytest.mark.django_db
def test_logout_everywhere_bumps_the_epoch_and_deletes_tokens():
    # given
    user = UserFactory()
    services.api_token_issue(user=user)
    hash_before = user.get_session_auth_hash()
    # when
    services.user_logout_everywhere(user=user)
    # then
    assert user.session_epoch == 1
    assert user.get_session_auth_hash() != hash_before
    assert not Token.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_api_token_issue_returns_the_same_token_until_logout():
    # given
    user = UserFactory()
    # when
    first = services.api_token_issue(user=user)
    second = services.api_token_issue(user=user)
    # then
    assert first == second
    assert Token.objects.filter(user=user).count() == 1


def _in_threads(count: int, work) -> list:
    """Run `work(n)` in `count` threads released together; collect results or errors."""
    return run_together(*(partial(work, n) for n in range(count)), expected=(Exception,))


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_for_one_phone_send_one_code():
    # when: eight requests for the same phone at the same moment
    results = _in_threads(8, lambda n: services.sms_code_request(phone=PHONE, ip=f"10.0.0.{n}"))
    # then
    sent = [r for r in results if isinstance(r, SmsCode)]
    refused = [r for r in results if isinstance(r, RateLimited)]
    assert (len(sent), len(refused)) == (1, 7), results
    assert SmsCode.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_from_one_ip_respect_its_limit(settings):
    # given
    settings.SMS_CODES_PER_IP_PER_HOUR = 3
    # when: eight phones from the same network at the same moment
    results = _in_threads(8, lambda n: services.sms_code_request(phone=f"1390000000{n}", ip=IP))
    # then
    sent = [r for r in results if isinstance(r, SmsCode)]
    refused = [r for r in results if isinstance(r, RateLimited)]
    assert (len(sent), len(refused)) == (3, 5), results
    assert SmsCode.objects.filter(requested_ip=IP).count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_right_codes_sign_in_once():
    # given
    services.sms_code_request(phone=PHONE, ip=IP)
    code = code_sent_to(PHONE)
    # when
    results = _in_threads(4, lambda n: services.sms_code_verify(phone=PHONE, code=code, ip=IP))
    # then: one signs in; the others lost to it, a 409 each
    signed_in = [r for r in results if isinstance(r, tuple)]
    refused = [(r.code, r.status) for r in results if isinstance(r, DomainError)]
    assert (len(signed_in), refused) == (1, [("code_used", 409)] * 3), results
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_failed_checks_are_limited_per_ip_so_a_victims_code_survives(
    settings, django_capture_on_commit_callbacks
):
    # given: the victim asked for a code; an outsider guesses from one IP
    settings.SMS_CODE_FAILED_CHECKS_PER_IP_PER_HOUR = 3
    with django_capture_on_commit_callbacks(execute=True):
        services.sms_code_request(phone=PHONE, ip=IP)
    code = code_sent_to(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    outsider = "203.0.113.66"
    for _ in range(3):
        with pytest.raises(DomainError):
            services.sms_code_verify(phone=PHONE, code=wrong, ip=outsider)
    # when: the outsider keeps guessing
    with pytest.raises(RateLimited) as refused:
        services.sms_code_verify(phone=PHONE, code=wrong, ip=outsider)
    # then: refused before the code lost another attempt; the victim still signs in
    assert refused.value.message == "Too many wrong codes from your network. Try again later."
    assert SmsCode.objects.get().attempts == 3
    user, created = services.sms_code_verify(phone=PHONE, code=code, ip=IP)
    assert (user.phone, created) == (PHONE, True)


@pytest.mark.django_db
def test_the_per_ip_limit_counts_only_failed_checks(settings, django_capture_on_commit_callbacks):
    # given: a shared network (carrier NAT) where many people sign in correctly
    settings.SMS_CODE_FAILED_CHECKS_PER_IP_PER_HOUR = 1
    # when
    for n in range(3):
        phone = f"1390000000{n}"
        with django_capture_on_commit_callbacks(execute=True):
            services.sms_code_request(phone=phone, ip=f"10.1.0.{n}")
        services.sms_code_verify(phone=phone, code=code_sent_to(phone), ip=IP)
    # then
    assert User.objects.count() == 3


@pytest.mark.django_db
def test_sms_codes_purge_deletes_only_codes_older_than_a_day():
    # given
    services.sms_code_request(phone=PHONE, ip=IP)
    _age_codes(24 * 60 * 60 + 1)
    services.sms_code_request(phone="13800000009", ip=IP)
    # when
    deleted = services.sms_codes_purge()
    # then
    assert deleted == 1
    assert list(SmsCode.objects.values_list("phone", flat=True)) == ["13800000009"]
