"""Review pages: the client's review form, the listener's reviews and reply form, the
public list of a listener's reviews, and reporting a review."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from listeners.models import ListenerProfile
from listeners.selectors import listener_of_user
from marketplace.exceptions import DomainError, NotFound
from reviews import selectors, services
from reviews.forms import ReplyForm, ReportForm, ReviewForm

LIST_PAGE_SIZE = 10


@login_required
def write(request: HttpRequest, order_id: int) -> HttpResponse:
    """The client's review of one order: the form while allowed, the review once written."""
    try:
        order = selectors.access_order_for_review(order_id=order_id, user=request.user)
    except NotFound as error:
        raise Http404(error.message) from error
    review = selectors.review_for_order(order_id=order.pk)
    refusal = None if review else selectors.review_refusal(order=order, now=timezone.now())
    form = ReviewForm()
    status = 200
    if request.method == "POST" and review is None and refusal is None:
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                services.review_create(order_id=order.pk, client=request.user, **form.cleaned_data)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Thank you! Your review is published."))
                return redirect("reviews:write", order_id=order.pk)
        status = 400
    elif request.method == "POST":
        status = 409
    context = {
        "order": order,
        "review": review,
        "refusal": refusal,
        "form": form,
        "deadline": selectors.review_deadline(order=order),
    }
    return render(request, "reviews/write.html", context, status=status)


def _own_listener(request: HttpRequest) -> ListenerProfile:
    listener = listener_of_user(user=request.user)
    if listener is None:
        raise Http404
    return listener


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The listener's own reviews, hidden ones included (marked), with reply links."""
    listener = _own_listener(request)
    page = Paginator(
        selectors.reviews_for_listener(listener_id=listener.pk, include_hidden=True),
        LIST_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    context = {
        "listener": listener,
        "page": page,
        "rating": selectors.listener_rating(listener_id=listener.pk),
    }
    return render(request, "reviews/mine.html", context)


@login_required
def reply(request: HttpRequest, review_id: int) -> HttpResponse:
    """The listener's one reply to a review of them."""
    try:
        review = selectors.access_review_for_listener(review_id=review_id, user=request.user)
    except NotFound as error:
        raise Http404(error.message) from error
    form = ReplyForm()
    status = 200
    if request.method == "POST" and not review.has_reply:
        form = ReplyForm(request.POST)
        if form.is_valid():
            try:
                services.review_reply(
                    review_id=review.pk, listener_user=request.user, text=form.cleaned_data["text"]
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Your reply is published."))
                return redirect("reviews:mine")
        status = 400
    elif request.method == "POST":
        status = 409
    return render(request, "reviews/reply.html", {"review": review, "form": form}, status=status)


def listener_reviews(request: HttpRequest, listener_id: int) -> HttpResponse:
    """Every visible review of an approved listener, newest first (public)."""
    listener = ListenerProfile.objects.filter(
        pk=listener_id, verification=ListenerProfile.Verification.APPROVED
    ).first()
    if listener is None:
        raise Http404
    page = Paginator(
        selectors.reviews_for_listener(listener_id=listener.pk), LIST_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {
        "listener": listener,
        "page": page,
        "rating": selectors.listener_rating(listener_id=listener.pk),
    }
    return render(request, "reviews/listener.html", context)


@require_POST
@login_required
def report(request: HttpRequest, review_id: int) -> HttpResponse:
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please pick a reason."))
    else:
        try:
            services.review_report(review_id=review_id, reporter=request.user, **form.cleaned_data)
        except NotFound as error:
            raise Http404(error.message) from error
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Thank you. Our team will look at this review."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("home")
    return redirect(target)
