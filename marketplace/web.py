"""Helpers shared by the apps' page views."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.contrib import messages
from django.http import Http404, HttpRequest

from marketplace.exceptions import DomainError, NotFound


@contextlib.contextmanager
def form_action(request: HttpRequest) -> Iterator[None]:
    """Around a form post's service call: NotFound (not yours, or no such thing) answers
    404; any other domain error becomes an error message on the page the view redirects
    to, and the rest of the block (e.g. a success message) is skipped."""
    try:
        yield
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
