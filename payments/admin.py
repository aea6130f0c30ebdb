"""Staff views of money. Journal rows are read-only here (corrections are reversing
entries); payout batches are created by "Add" and sent by the approve action."""

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from marketplace.admin_mixins import ReadOnlyAdmin
from marketplace.exceptions import DomainError
from payments.models import (
    Account,
    BudgetCap,
    Entry,
    LedgerTransaction,
    OrderPayee,
    Payment,
    Payout,
    PayoutBatch,
    Refund,
    SettlementHold,
    StripeEvent,
    TopUp,
    TopUpRefund,
    Withdrawal,
)
from payments.services import payouts, refunds


class EntryInline(admin.TabularInline):
    model = Entry
    extra = 0
    can_delete = False
    readonly_fields = ["account", "amount_fen"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "key", "order", "cause", "created_at"]
    list_filter = ["kind"]
    search_fields = ["key", "cause", "order__id"]
    inlines = [EntryInline]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "kind", "order", "listener", "non_negative"]
    list_filter = ["kind"]
    search_fields = ["code"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["order", "amount_fen", "status", "stripe_payment_intent_id", "created_at"]
    list_filter = ["status"]
    search_fields = ["stripe_payment_intent_id", "order__id"]


class RefundNeedsStaffFilter(admin.SimpleListFilter):
    """Refunds the beat no longer retries (pending, attempts used up)."""

    title = _("needs staff")
    parameter_name = "needs_staff"

    def lookups(self, request, model_admin):
        return [("stuck", _("Pending, attempts used up"))]

    def queryset(self, request, queryset):
        if self.value() == "stuck":
            return queryset.filter(refunds.refund_stuck_q())
        return queryset


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "order",
        "amount_fen",
        "cause",
        "status",
        "attempts",
        "last_error",
        "created_at",
    ]
    list_filter = [RefundNeedsStaffFilter, "status", "cause"]
    search_fields = ["idempotency_source", "stripe_refund_id", "order__id"]
    actions = ["check_and_retry", "send_again", "let_go"]

    @admin.action(description=_("Check with Stripe and try again"))
    def check_and_retry(self, request, queryset):
        """For stuck refunds: booked if Stripe made it, else sent again with the same key."""
        for refund in queryset.order_by("pk"):
            try:
                refund = refunds.refund_stuck_retry(refund_id=refund.pk)
            except DomainError as exc:
                self.message_user(request, f"#{refund.pk}: {exc.message}", messages.ERROR)
                continue
            if refund.status == Refund.Status.SUCCEEDED:
                self.message_user(request, _("Refund #%(id)s is refunded.") % {"id": refund.pk})
            elif refund.status == Refund.Status.FAILED:
                self.message_user(
                    request,
                    _("Refund #%(id)s was refused by Stripe; it is now a failed refund.")
                    % {"id": refund.pk},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    _("Refund #%(id)s sent again; Stripe has not answered, it is retried.")
                    % {"id": refund.pk},
                    messages.WARNING,
                )

    def _each_failed(self, request, queryset, service, done_message):
        for refund in queryset.order_by("pk"):
            try:
                service(refund_id=refund.pk)
            except DomainError as exc:
                self.message_user(request, f"#{refund.pk}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, done_message % {"id": refund.pk})

    @admin.action(description=_("Send the selected failed refunds again"))
    def send_again(self, request, queryset):
        self._each_failed(
            request, queryset, refunds.refund_failed_retry, _("Refund #%(id)s sent again.")
        )

    @admin.action(description=_("Let the selected failed refunds go (the order settles)"))
    def let_go(self, request, queryset):
        self._each_failed(
            request,
            queryset,
            refunds.refund_failed_dismiss,
            _("Refund #%(id)s let go; its order may settle."),
        )


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "deliveries", "received_at", "processed_at", "error"]
    list_filter = ["type"]
    search_fields = ["event_id"]


@admin.register(SettlementHold)
class SettlementHoldAdmin(ReadOnlyAdmin):
    list_display = ["order", "source", "reason", "created_at", "lifted_at"]


@admin.register(OrderPayee)
class OrderPayeeAdmin(ReadOnlyAdmin):
    list_display = ["order", "listener", "since", "team", "team_percent"]
    raw_id_fields = ["order", "listener", "team"]


@admin.register(BudgetCap)
class BudgetCapAdmin(ReadOnlyAdmin):
    list_display = ["client", "monthly_cap_fen", "pending_cap_fen", "pending_effective_at"]


class PayoutInline(admin.TabularInline):
    model = Payout
    extra = 0
    can_delete = False
    readonly_fields = [
        "listener",
        "amount_fen",
        "status",
        "gateway_reference",
        "sent_at",
        "last_error",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PayoutBatch)
class PayoutBatchAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "gateway", "created_by", "approved_by", "created_at"]
    readonly_fields = [
        "status",
        "gateway",
        "created_by",
        "approved_by",
        "created_at",
        "approved_at",
    ]
    inlines = [PayoutInline]
    actions = ["approve_and_send", "send_pending_again"]

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        """ "Add" gathers every available balance into a new draft batch."""
        batch = payouts.payout_batch_create(created_by=request.user)
        if batch is None:
            self.message_user(request, _("Nobody has money to pay out."), messages.INFO)
            return redirect("admin:payments_payoutbatch_changelist")
        return redirect("admin:payments_payoutbatch_change", batch.pk)

    @admin.action(description=_("Approve and send the selected batches"))
    def approve_and_send(self, request, queryset):
        for batch in queryset.order_by("pk"):
            try:
                payouts.payout_batch_approve(batch_id=batch.pk, approved_by=request.user)
            except DomainError as exc:
                self.message_user(request, f"#{batch.pk}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, _("Batch #%(id)s sent.") % {"id": batch.pk})

    @admin.action(description=_("Send the payouts that failed again"))
    def send_pending_again(self, request, queryset):
        """After fixing the cause (e.g. a connected account entered), retry each pending
        payout of an approved batch; its idempotency key keeps Stripe from paying twice."""
        payouts_pending = Payout.objects.filter(
            batch__in=queryset.filter(status=PayoutBatch.Status.SENT),
            status=Payout.Status.PENDING,
        )
        for payout_id in payouts_pending.order_by("pk").values_list("pk", flat=True):
            payout = payouts.payout_send(payout_id=payout_id)
            if payout.status != Payout.Status.SENT:
                self.message_user(request, f"#{payout.pk}: {payout.last_error}", messages.ERROR)


# --- The wallet: read-only, every change goes through the wallet services -------------------


class TopUpRefundInline(admin.TabularInline):
    model = TopUpRefund
    extra = 0
    can_delete = False
    readonly_fields = ["topup", "amount_fen", "status", "stripe_refund_id", "attempts"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TopUp)
class TopUpAdmin(ReadOnlyAdmin):
    list_display = ["id", "client", "amount_fen", "status", "created_at", "succeeded_at"]
    list_filter = ["status"]
    search_fields = ["stripe_payment_intent_id", "client__phone"]


@admin.register(Withdrawal)
class WithdrawalAdmin(ReadOnlyAdmin):
    list_display = ["id", "client", "amount_fen", "created_at"]
    search_fields = ["client__phone"]
    inlines = [TopUpRefundInline]


# Disputes register their own (read-only) admin pages.
import payments.disputes.admin  # noqa: E402, F401
