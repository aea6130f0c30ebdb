"""Booking, paying and my-orders pages. Thin: parse, authorise, call one service, render."""

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from listeners.models import PricingTier
from marketplace import timezones
from marketplace.exceptions import DomainError, NotFound
from payments.disputes.selectors import dispute_for_order, dispute_refusal
from payments.models import Refund
from payments.money import yuan
from payments.selectors import order_escrow_balance_fen, order_refunds
from payments.services import payments as payment_services
from sessions.models import Order
from sessions.selectors.chat import CHAT_STATES
from sessions.selectors.orders import access_order_for_user, orders_for_client
from sessions.selectors.plans import plans_for_user
from sessions.services import orders as order_services
from sessions.services.early_end import early_end_terms


def _order_or_404(request, order_id, *, as_client=False) -> Order:
    try:
        return access_order_for_user(user=request.user, order_id=order_id, as_client=as_client)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


@login_required
def book(request: HttpRequest, tier_id: int) -> HttpResponse:
    tier = (
        PricingTier.objects.select_related("listener")
        .prefetch_related("packages")
        .filter(pk=tier_id, is_active=True)
        .first()
    )
    if tier is None:
        raise Http404
    error = ""
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        start = None
        if kind == Order.Kind.APPOINTMENT:
            try:
                naive = datetime.fromisoformat(request.POST.get("start", ""))
                # The picker is on the viewer's wall clock (marketplace/timezones.py).
                viewer = timezones.zone_for(timezones.viewer_zone_name(request))
                start = timezone.make_aware(naive, viewer) if timezone.is_naive(naive) else naive
            except ValueError:
                error = _("Choose when the appointment starts.")
        package_id = request.POST.get("package") or None
        minutes = request.POST.get("minutes") or None
        try:
            if not error:
                order = order_services.order_create(
                    client=request.user,
                    tier_id=tier.pk,
                    kind=kind,
                    start=start,
                    minutes=int(minutes) if minutes and not package_id else None,
                    package_id=int(package_id) if package_id else None,
                )
                return redirect("sessions:pay", order_id=order.pk)
        except ValueError:
            error = _("Enter a whole number of minutes.")
        except DomainError as exc:
            error = exc.message
    return render(
        request,
        "sessions/orders/book.html",
        {
            "tier": tier,
            "listener": tier.listener,
            "packages": [p for p in tier.packages.all() if p.is_active],
            "error": error,
            "price_yuan": yuan(tier.price_per_hour_fen),
            "post": request.POST,
            "early_end_terms": early_end_terms(tier=tier),
        },
    )


@login_required
def pay(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order_or_404(request, order_id, as_client=True)
    if order.state != Order.State.PENDING_PAYMENT:
        return redirect("sessions:order_detail", order_id=order.pk)
    error = ""
    try:
        payment_services.payment_prepare(order_id=order.pk)
    except DomainError as exc:
        error = exc.message
    return render(
        request,
        "sessions/orders/pay.html",
        {
            "order": order,
            "price_yuan": yuan(order.price_fen),
            "error": error,
            "early_end_terms": early_end_terms(tier=order.tier),
            "stripe_js_url": settings.STRIPE_JS_URL,
            "stripe_publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        },
    )


# Why a paid order closed before its session, by the refund that followed.
_CLOSED_WHY = {
    Refund.Cause.ACCEPT_TIMEOUT: _lazy("The listener did not accept this order in time."),
    Refund.Cause.DECLINED: _lazy("The listener declined this order."),
    Refund.Cause.CANCELLATION: _lazy("You cancelled this order before it started."),
}


def _closed_notice(*, order: Order, refunds: list) -> dict | None:
    """For a paid order that closed without a session: why, and the refund in full."""
    closed = (Order.State.CANCELLED, Order.State.DECLINED, Order.State.EXPIRED)
    if order.state not in closed or order.paid_at is None:
        return None
    refund = next((r for r in refunds if r.cause in _CLOSED_WHY), None)
    if refund is None:
        return None
    done = refund.status == Refund.Status.SUCCEEDED
    return {
        "why": _CLOSED_WHY[refund.cause],
        "amount": yuan(refund.amount_fen),
        "done": done,
    }


@login_required
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order_or_404(request, order_id)
    if order.state == Order.State.PENDING_PAYMENT:
        # A verified retrieve: the browser's return is only a hint to ask Stripe.
        payment_services.payment_sync(order_id=order.pk)
        order = _order_or_404(request, order_id)
    is_client = order.client_id == request.user.pk
    now = timezone.now()
    refunds = order_refunds(order=order)
    dispute = dispute_for_order(order_id=order.pk)
    return render(
        request,
        "sessions/orders/detail.html",
        {
            "order": order,
            "is_client": is_client,
            # Follow-ups: the existing dispute (either party), or the client's way to open
            # one while the window is open; the latency timeline once the session has a
            # chat. The review link is the reviews app's own tag (reviews sit above).
            "dispute": dispute,
            "can_dispute": is_client
            and dispute is None
            and dispute_refusal(order=order, now=now) is None,
            "has_timeline": order.state in CHAT_STATES,
            "chat_open": order.state in (Order.State.ACCEPTED, Order.State.ACTIVE),
            "price_yuan": yuan(order.price_fen),
            "escrow_yuan": yuan(order_escrow_balance_fen(order=order)),
            "refunds": [(r, yuan(r.amount_fen)) for r in refunds],
            # The client waits for the listener: the page follows the order by itself.
            "waiting": is_client and order.state == Order.State.PAID,
            "server_now": now.isoformat(),
            "closed_notice": _closed_notice(order=order, refunds=refunds),
            "can_cancel": order.client_id == request.user.pk
            and order.state
            in (Order.State.PENDING_PAYMENT, Order.State.PAID, Order.State.ACCEPTED),
        },
    )


@login_required
@require_POST
def order_cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order_or_404(request, order_id, as_client=True)
    try:
        order_services.order_cancel(order_id=order.pk, client=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The order was cancelled."))
    return redirect("sessions:order_detail", order_id=order.pk)


@login_required
def my_orders(request: HttpRequest) -> HttpResponse:
    rows = [(o, yuan(o.price_fen)) for o in orders_for_client(client=request.user)[:100]]
    return render(
        request,
        "sessions/orders/my_orders.html",
        {"rows": rows, "plans": plans_for_user(user=request.user)},
    )
