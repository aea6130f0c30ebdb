"""Domain errors of the payments area."""

from marketplace.exceptions import DomainError


class PaymentError(DomainError):
    code = "payment_refused"


class PaymentConflict(PaymentError):
    """The order's state refuses this payment (already paid, no longer payable)."""

    status = 409


class RefundRefused(DomainError):
    code = "refund_refused"
    status = 409


class BudgetExceeded(DomainError):
    code = "budget_exceeded"
    status = 409


class InvalidAmount(DomainError):
    code = "invalid_amount"


class PaymentUnavailable(DomainError):
    code = "payment_unavailable"
    status = 503


class LimitExceeded(DomainError):
    """A booking past one of the client's own time limits (`code` names the limit)."""

    code = "limit_exceeded"
    status = 409
