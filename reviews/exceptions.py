"""Refusals of the reviews area. The API turns them into {"code", "detail"} responses."""

from marketplace.exceptions import DomainError


class ReviewRefused(DomainError):
    """The request is well formed but the rules say no (wrong state, too late, twice)."""

    code = "review_refused"
    status = 409


class ReviewInvalid(DomainError):
    """The input itself is wrong (stars out of range, unknown tag, text too long)."""

    code = "review_invalid"
    status = 400
