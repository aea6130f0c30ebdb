"""Pages of the live chat: the chat of one session and the listener's dashboard.

Thin: authorise with the chat selectors, call one service, render. Everything live
happens over the one socket at /ws/chat/ (sessions/static/sessions/chat-socket.js).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from listeners.models import ListenerProfile
from marketplace.exceptions import DomainError, NotFound
from marketplace.security_headers import CALL_FEATURES, permissions_policy
from marketplace.web import form_action
from sessions.models import Order, QuickReply
from sessions.selectors import chat as chat_selectors
from sessions.services import chat as chat_services
from sessions.services import lifecycle
from sessions.services import orders as order_services
from sessions.services.calls import call_kinds_for
from sessions.services.handover import (
    handover_candidates,
    handover_pending,
    handovers_waiting_for,
)
from sessions.services.pool import requests_for_listener
from sessions.services.workload import listener_workload, reason_text
from sessions.system_texts import MASKED_KIND_NAMES, system_templates


def _money_held_fen(order: Order) -> int | None:
    """What escrow still holds for the order (None when payments cannot say)."""
    try:
        from payments.selectors import order_escrow_balance_fen
    except ImportError:
        return None
    return order_escrow_balance_fen(order=order)


def chat_strings() -> dict:
    """Texts the chat scripts show, translated on the server."""
    return {
        "connection": {
            "connecting": _("Connecting…"),
            "open": _("Connected"),
            "reconnecting": _("Connection lost, reconnecting…"),
            "offline": _("Offline. Waiting for the network…"),
            "signed_out": _("Signed out. Please sign in again."),
        },
        "status": {
            "sending": _("Sending…"),
            "sent": _("Delivered"),
            "read": _("Read"),
            "failed": _("Not sent"),
            "retrying": _("Not sent yet, retrying…"),
        },
        "states": {
            "accepted": _("Starting soon"),
            "active": _("In progress"),
            "completed": _("Completed"),
            "terminated": _("Ended by the platform"),
            "settled": _("Completed"),
            "handed_over": _("Handed over"),
        },
        "system": system_templates(),
        "startsIn": _("Starts in"),
        "overdue": _("Overdue"),
        "breach": _("A reply was late. The refund in the order's terms has been applied."),
        "breachExcused": _(
            "A reply window passed while the platform was unavailable. It does not count "
            "against the listener."
        ),
        "retry": _("Retry"),
        "masked": _("Personal data (phone, ID or card numbers) was hidden for your safety."),
        "maskedNamed": _("Hidden for your safety: %(kinds)s."),
        "maskedKinds": {kind: str(name) for kind, name in MASKED_KIND_NAMES.items()},
        "listSeparator": pgettext("list separator", ", "),
        "typing": _("typing…"),
        "replyDue": _("Reply due"),
        "newMessage": _("New message"),
        "handover": {
            "proposed": _("%(from)s proposes handing this chat to %(to)s."),
            "accepted": _("The chat was handed over to %(to)s."),
            "handedAway": _("You handed this chat over to %(to)s; you can no longer write in it."),
            "offered": _("%(from)s offers you a chat with %(client)s."),
            "seconds": _("%(seconds)s s"),
        },
    }


def _yuan(fen: int | None) -> str | None:
    if fen is None:
        return None
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def _page_config(*, request: HttpRequest, order_ids: list[int], role: str) -> dict:
    return {
        "me": request.user.pk,
        "role": role,
        "sessions": order_ids,
        "socketPath": "/ws/chat/",
        "serverNow": timezone.now().isoformat(),
    }


@login_required
def chat(request: HttpRequest, order_id: int) -> HttpResponse:
    try:
        order = chat_selectors.access_order_for_user(user=request.user, order_id=order_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    role = chat_selectors.role_in_order(order=order, user_id=request.user.pk)
    config = _page_config(request=request, order_ids=[order.pk], role=role)
    config["session"] = {
        "id": order.pk,
        "state": order.state,
        "starts_at": order.starts_at.isoformat(),
        "ends_at": order.ends_at.isoformat(),
        "reply_window": order.reply_window_seconds,
    }
    response = render(
        request,
        "sessions/chat/chat.html",
        {
            "order": order,
            "role": role,
            "other_name": order.listener.display_name if role == "client" else str(order.client),
            "money_held": _yuan(_money_held_fen(order)),
            "handover": handover_pending(order=order) if role == "client" else None,
            "config": config,
            "strings": chat_strings(),
        },
    )
    if call_kinds_for(order):  # the call panel needs the microphone (and camera)
        response.headers["Permissions-Policy"] = permissions_policy(allow=CALL_FEATURES)
    return response


@login_required
def end_early(request: HttpRequest, order_id: int) -> HttpResponse:
    """GET: the confirmation, with what ending now costs and refunds. POST: end it (the
    client, or the listener, who refunds all unused time)."""
    try:
        order = chat_selectors.access_order_for_user(user=request.user, order_id=order_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    role = chat_selectors.role_in_order(order=order, user_id=request.user.pk)
    if request.method == "POST":
        with form_action(request):
            if role == "client":
                lifecycle.session_end_early(user=request.user, order_id=order_id)
            else:
                lifecycle.session_end_by_listener(user=request.user, order_id=order_id)
            messages.success(request, _("The session has ended."))
        return redirect("sessions:chat", order_id=order_id)
    from sessions.services.early_end import early_end_quote, early_end_terms

    quote = early_end_quote(order=order, now=timezone.now(), by_listener=role != "client")
    return render(
        request,
        "sessions/chat/end_confirm.html",
        {
            "order": order,
            "role": role,
            "quote": quote,
            "paid_yuan": _yuan(quote.paid_fen),
            "refund_yuan": _yuan(quote.refund_fen),
            "terms": early_end_terms(tier=order.tier),
        },
    )


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    listener_id = chat_selectors.listener_id_for_user(user_id=request.user.pk)
    if listener_id is None:
        raise Http404(_("Only listeners have a dashboard."))
    rows = chat_selectors.dashboard_rows(user=request.user)
    presence, availability = chat_selectors.listener_status(listener_id=listener_id)
    pending, plans_waiting = chat_selectors.orders_waiting_answer(listener_id=listener_id)
    profile = ListenerProfile.objects.get(pk=listener_id)
    workload = listener_workload(listener=profile)
    open_requests = requests_for_listener(listener=profile, workload=workload)
    quick_replies = list(QuickReply.objects.filter(user=request.user))
    config = _page_config(
        request=request, order_ids=[row.order.pk for row in rows], role="listener"
    )
    config["rows"] = [
        {
            "id": row.order.pk,
            "client": str(row.order.client),
            "state": row.order.state,
            "starts_at": row.order.starts_at.isoformat(),
            "ends_at": row.order.ends_at.isoformat(),
            "reply_window": row.order.reply_window_seconds,
            "unread": row.unread,
            "minutes": row.order.minutes,
            "last_seq": row.last_seq,
            "last_text": row.last_text[:80],
        }
        for row in rows
    ]
    return render(
        request,
        "sessions/chat/dashboard.html",
        {
            "rows": rows,
            "pending": pending,
            "plans_waiting": plans_waiting,
            "quick_replies": quick_replies,
            "presence": presence,
            "presence_label": ListenerProfile.Presence(presence).label,
            "workload": workload,
            "open_requests": open_requests,
            "handover_candidates": handover_candidates(listener=profile),
            "handovers_offered": handovers_waiting_for(listener=profile),
            "workload_reasons": [
                reason_text(code, workload, for_listener=True) for code in workload.reasons
            ],
            "availability": availability,
            "availability_choices": ListenerProfile.Availability.choices,
            "config": config,
            "strings": chat_strings(),
        },
    )


@login_required
@require_POST
def quick_reply_add(request: HttpRequest) -> HttpResponse:
    try:
        chat_services.quick_reply_add(user=request.user, text=request.POST.get("text", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("sessions:dashboard")


@login_required
@require_POST
def quick_reply_delete(request: HttpRequest, reply_id: int) -> HttpResponse:
    with form_action(request):  # someone else's reply: 404
        chat_services.quick_reply_delete(user=request.user, reply_id=reply_id)
    return redirect("sessions:dashboard")


@login_required
@require_POST
def instant_order_answer(request: HttpRequest, order_id: int) -> HttpResponse:
    """Accept or decline a paid order (for now, or an appointment) from the dashboard; an
    order whose time has come starts at once (the order services decide)."""
    accept = request.POST.get("answer") == "accept"
    with form_action(request):
        if accept:
            order_services.order_accept_and_start(order_id=order_id, listener_user=request.user)
        else:
            order_services.order_decline(order_id=order_id, listener_user=request.user)
    return redirect("sessions:dashboard")
