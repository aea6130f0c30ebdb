"""Sending SMS. Production plugs a provider in behind `SmsBackend`; development prints."""

import logging
import threading
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sms:
    phone: str
    text: str


class SmsBackend:
    def send(self, sms: Sms) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Development: the text goes to the log (and to the run command's console)."""

    def send(self, sms: Sms) -> None:
        logger.warning("SMS to %s: %s", sms.phone, sms.text)
        OutboxSmsBackend().send(sms)


_outbox: list[Sms] = []
_outbox_lock = threading.Lock()


class OutboxSmsBackend(SmsBackend):
    """Keeps sent messages in this process, so tests can read the code a user received."""

    def send(self, sms: Sms) -> None:
        with _outbox_lock:
            _outbox.append(sms)


def outbox() -> list[Sms]:
    with _outbox_lock:
        return list(_outbox)


def outbox_clear() -> None:
    with _outbox_lock:
        _outbox.clear()


def sms_send(*, phone: str, text: str) -> None:
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    backend.send(Sms(phone=phone, text=text))
