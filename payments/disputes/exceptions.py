"""Domain errors of disputes; the edges turn them into {"code", "detail"} 4xx answers."""

from marketplace.exceptions import DomainError


class DisputeRefused(DomainError):
    """A dispute step refused by the rules (window, state, who); nothing was changed."""

    code = "dispute_refused"
    status = 409


class DisputeInvalid(DomainError):
    """Malformed input (reason, statement, outcome)."""

    code = "dispute_invalid"
    status = 400
