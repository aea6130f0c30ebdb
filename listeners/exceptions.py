"""Domain errors of the listeners area."""

from marketplace.exceptions import DomainError


class QuoteError(DomainError):
    """The quote engine refused a request (too short, too long, night not offered...)."""

    code = "invalid_quote"


class ListenerError(DomainError):
    """A refused change to a listener's profile, tiers or packages."""

    code = "invalid_listener"
