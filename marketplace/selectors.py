"""Account reads."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN_IP = "0.0.0.0"  # noqa: S104 - a placeholder value, never bound


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address, trusting X-Forwarded-For only as far as our own proxies.

    With TRUSTED_PROXY_COUNT = n, each of our n proxies appended the address it saw, so
    the client is the n-th entry from the right; anything further left is client-supplied
    and ignored. A missing or malformed entry falls back to the socket's peer address.
    """
    remote = _valid_ip(request.META.get("REMOTE_ADDR") or "") or UNKNOWN_IP
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [p for p in forwarded if p]
    if len(forwarded) < hops:
        return remote
    return _valid_ip(forwarded[-hops]) or remote
