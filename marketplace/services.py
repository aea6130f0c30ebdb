"""Account writes: SMS sign-in codes, sign-up, log out everywhere."""

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from marketplace.exceptions import DomainError, RateLimited
from marketplace.models import SmsCode, User
from marketplace.sms import sms_send

MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def phone_normalize(raw: str) -> str:
    """'+86 138-0013-8000' -> '13800138000'; refuses anything that is not a mainland mobile."""
    digits = re.sub(r"[\s\-()]", "", raw or "")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not MAINLAND_MOBILE.match(digits):
        raise DomainError(_("Enter a valid mainland China mobile number."), code="invalid_phone")
    return digits


def _code_hash(phone: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def sms_code_request(*, phone: str, ip: str) -> SmsCode:
    """Send a fresh 6-digit code, within the per-phone and per-IP limits."""
    phone = phone_normalize(phone)
    now = timezone.now()
    hour_ago = now - timedelta(hours=1)
    recent = SmsCode.objects.filter(phone=phone, created_at__gte=hour_ago)
    latest = recent.order_by("-created_at").first()
    if latest and (now - latest.created_at).total_seconds() < settings.SMS_CODE_RESEND_SECONDS:
        raise RateLimited(_("Please wait a minute before asking for another code."))
    if recent.count() >= settings.SMS_CODES_PER_PHONE_PER_HOUR:
        raise RateLimited(_("Too many codes for this number. Try again in an hour."))
    ip_count = SmsCode.objects.filter(requested_ip=ip, created_at__gte=hour_ago).count()
    if ip_count >= settings.SMS_CODES_PER_IP_PER_HOUR:
        raise RateLimited(_("Too many codes from your network. Try again later."))

    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        sms_code = SmsCode.objects.create(
            phone=phone,
            code_hash=_code_hash(phone, code),
            requested_ip=ip,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.SMS_CODE_TTL_SECONDS),
        )
        text = _("Your sign-in code is %(code)s. It expires in 5 minutes.") % {"code": code}
        transaction.on_commit(lambda: sms_send(phone=phone, text=text))
    return sms_code


def sms_code_verify(*, phone: str, code: str) -> tuple[User, bool]:
    """Check a code; on success return the user (created as a client on first sign-in).

    A wrong code still counts an attempt (committed before the refusal is raised), so the
    five-attempt limit holds across requests.
    """
    phone = phone_normalize(phone)
    code = (code or "").strip()
    now = timezone.now()
    with transaction.atomic():
        sms_code = (
            SmsCode.objects.select_for_update()
            .filter(phone=phone, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if sms_code is None:
            raise DomainError(
                _("This code has expired or was already used. Ask for a new one."),
                code="code_expired",
            )
        if sms_code.attempts >= settings.SMS_CODE_MAX_ATTEMPTS:
            raise RateLimited(_("Too many wrong attempts. Ask for a new code."))
        SmsCode.objects.filter(pk=sms_code.pk).update(attempts=F("attempts") + 1)
        matched = hmac.compare_digest(sms_code.code_hash, _code_hash(phone, code))
        if matched:
            SmsCode.objects.filter(pk=sms_code.pk).update(used_at=now)
            user, created = User.objects.get_or_create(phone=phone)
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
    if not matched:
        raise DomainError(_("The code is not correct."), code="wrong_code")
    if not user.is_active:
        raise DomainError(_("This account is disabled."), code="inactive")
    return user, created


def user_logout_everywhere(*, user: User) -> None:
    """End every web session (via the epoch) and every API token of the user."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
        Token.objects.filter(user=user).delete()
    user.refresh_from_db(fields=["session_epoch"])


def api_token_issue(*, user: User) -> str:
    token, _created = Token.objects.get_or_create(user=user)
    return token.key
