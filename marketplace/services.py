"""Account writes: SMS sign-in codes, sign-up, log out everywhere."""

import contextlib
import functools
import hashlib
import hmac
import math
import re
import secrets
import unicodedata
from collections.abc import Iterator
from datetime import timedelta

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from redis.exceptions import LockError
from rest_framework.authtoken.models import Token

from marketplace.exceptions import CodeUsed, DomainError, RateLimited
from marketplace.models import SmsCode, User
from marketplace.sms import sms_send

MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# How long a request may wait for another request on the same phone or IP to finish, and
# how long a lock outlives a crashed holder.
THROTTLE_LOCK_WAIT_SECONDS = 5
THROTTLE_LOCK_TTL_SECONDS = 15


def phone_normalize(raw: str) -> str:
    """'+86 138-0013-8000' -> '13800138000'; refuses anything that is not a mainland mobile.

    Full-width digits (typed with a Chinese input method) are folded to ASCII first.
    """
    digits = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", raw or ""))
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


@functools.cache
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


@contextlib.contextmanager
def _throttle_locks(*names: str) -> Iterator[None]:
    """Serialise code requests per phone and per IP across every process and web node.

    The limits are counted from the `SmsCode` rows; without a lock, concurrent requests
    would all count the same rows and all pass. Locks are taken in the order given (phone
    before IP, always), so two requests can never wait for each other in a cycle.
    """
    client = _redis(settings.REDIS_URL)
    held = []
    try:
        for name in names:
            lock = client.lock(
                f"mp:lock:sms:{name}",
                timeout=THROTTLE_LOCK_TTL_SECONDS,
                blocking_timeout=THROTTLE_LOCK_WAIT_SECONDS,
            )
            if not lock.acquire():
                raise RateLimited(_("Too many requests at once. Try again in a moment."))
            held.append(lock)
        yield
    finally:
        for lock in reversed(held):
            with contextlib.suppress(LockError):  # expired meanwhile: nothing left to free
                lock.release()


def sms_code_request(*, phone: str, ip: str) -> SmsCode:
    """Send a fresh 6-digit code, within the resend delay and the per-phone and per-IP limits.

    The counts are read and the new row committed while holding the phone and IP locks, so
    the limits hold under concurrent requests. The SMS leaves after the commit.
    """
    phone = phone_normalize(phone)
    with _throttle_locks(f"phone:{phone}", f"ip:{ip}"), transaction.atomic(durable=True):
        now = timezone.now()
        hour_ago = now - timedelta(hours=1)
        recent = SmsCode.objects.filter(phone=phone, created_at__gt=hour_ago)
        latest = recent.order_by("-created_at").first()
        if latest is not None:
            wait = settings.SMS_CODE_RESEND_SECONDS - (now - latest.created_at).total_seconds()
            if wait > 0:
                seconds = math.ceil(wait)
                raise RateLimited(
                    ngettext(
                        "Please wait %(seconds)d second before asking for another code.",
                        "Please wait %(seconds)d seconds before asking for another code.",
                        seconds,
                    )
                    % {"seconds": seconds}
                )
        if recent.count() >= settings.SMS_CODES_PER_PHONE_PER_HOUR:
            raise RateLimited(_("Too many codes for this number. Try again in an hour."))
        ip_count = SmsCode.objects.filter(requested_ip=ip, created_at__gt=hour_ago).count()
        if ip_count >= settings.SMS_CODES_PER_IP_PER_HOUR:
            raise RateLimited(_("Too many codes from your network. Try again later."))

        code = f"{secrets.randbelow(10**6):06d}"
        sms_code = SmsCode.objects.create(
            phone=phone,
            code_hash=_code_hash(phone, code),
            requested_ip=ip,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.SMS_CODE_TTL_SECONDS),
        )
        minutes = settings.SMS_CODE_TTL_SECONDS // 60
        text = ngettext(
            "Your sign-in code is %(code)s. It expires in %(minutes)d minute.",
            "Your sign-in code is %(code)s. It expires in %(minutes)d minutes.",
            minutes,
        ) % {"code": code, "minutes": minutes}
        transaction.on_commit(lambda: sms_send(phone=phone, text=text))
    return sms_code


def _failed_checks_key(ip: str) -> str:
    return f"sms:failed-checks:ip:{ip}"


def _failed_check_count(ip: str) -> int:
    return cache.get(_failed_checks_key(ip)) or 0


def _failed_check_record(ip: str) -> None:
    """Count a failed check against the IP for an hour from its first failure."""
    key = _failed_checks_key(ip)
    cache.add(key, 0, timeout=60 * 60)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr: start again
        cache.set(key, 1, timeout=60 * 60)


def sms_code_verify(*, phone: str, code: str, ip: str) -> tuple[User, bool]:
    """Check a code; on success return the user (created as a client on first sign-in).

    Only the newest live code of the phone counts. Every try spends one of its attempts,
    committed before a refusal is raised, so the attempt limit holds across requests; the
    spend and the "used" mark are conditional updates, so they hold under concurrency on
    any database. A successful sign-in retires every outstanding code of the phone, so no
    code can be replayed (a replay, or a concurrent check that lost, is a 409).

    Failed checks are also counted per IP: past SMS_CODE_FAILED_CHECKS_PER_IP_PER_HOUR the
    IP is refused before any code's attempt is spent, so an outsider cannot burn a
    victim's codes one after another and lock the number out of sign-in for an hour.
    """
    if _failed_check_count(ip) >= settings.SMS_CODE_FAILED_CHECKS_PER_IP_PER_HOUR:
        raise RateLimited(_("Too many wrong codes from your network. Try again later."))
    try:
        return _sms_code_check(phone=phone, code=code)
    except DomainError as exc:
        if exc.code != "invalid_phone":
            _failed_check_record(ip)
        raise


def _sms_code_check(*, phone: str, code: str) -> tuple[User, bool]:
    phone = phone_normalize(phone)
    code = (code or "").strip()
    created = False
    user = None
    with transaction.atomic():
        now = timezone.now()
        sms_code = (
            SmsCode.objects.select_for_update()
            .filter(phone=phone, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if sms_code is None:
            newest = (
                SmsCode.objects.filter(phone=phone, expires_at__gt=now)
                .order_by("-created_at")
                .first()
            )
            if newest is not None and newest.used_at is not None:
                raise CodeUsed(_("This code was already used. Ask for a new one."))
            raise DomainError(
                _("This code has expired or was already used. Ask for a new one."),
                code="code_expired",
            )
        spent = SmsCode.objects.filter(
            pk=sms_code.pk, used_at__isnull=True, attempts__lt=settings.SMS_CODE_MAX_ATTEMPTS
        ).update(attempts=F("attempts") + 1)
        if not spent:
            raise RateLimited(_("Too many wrong attempts. Ask for a new code."))
        attempts_left = settings.SMS_CODE_MAX_ATTEMPTS - sms_code.attempts - 1
        if hmac.compare_digest(sms_code.code_hash, _code_hash(phone, code)):
            won = SmsCode.objects.filter(pk=sms_code.pk, used_at__isnull=True).update(used_at=now)
            if not won:  # a concurrent request with the same code signed in first
                raise CodeUsed(_("This code was already used. Ask for a new one."))
            SmsCode.objects.filter(phone=phone, used_at__isnull=True).update(used_at=now)
            user = User.objects.filter(phone=phone).first()
            if user is None:
                user = User.objects.create_user(phone=phone, role=User.Role.CLIENT)
                created = True
    if user is None:
        if attempts_left > 0:
            message = ngettext(
                "The code is not correct. %(count)d attempt left.",
                "The code is not correct. %(count)d attempts left.",
                attempts_left,
            ) % {"count": attempts_left}
        else:
            message = _("The code is not correct. Ask for a new code.")
        raise DomainError(message, code="wrong_code")
    if not user.is_active:
        raise DomainError(_("This account is disabled."), code="inactive")
    return user, created


def sms_codes_purge(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete sign-in codes past any use (the rate limits look back one hour)."""
    deleted, _by_model = SmsCode.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


def user_logout_everywhere(*, user: User) -> None:
    """End every web session (via the epoch in the session auth hash) and every API token."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
        Token.objects.filter(user=user).delete()
    user.refresh_from_db(fields=["session_epoch"])


def api_token_issue(*, user: User) -> str:
    token, _created = Token.objects.get_or_create(user=user)
    return token.key
