from django.utils.translation import gettext_lazy as _

from marketplace.exceptions import DomainError


class InvalidTransition(DomainError):
    code = "invalid_state"
    status = 409

    def __init__(self, *, current: str, wanted: str) -> None:
        super().__init__(
            str(_("This order can no longer change from %(current)s to %(wanted)s."))
            % {"current": current, "wanted": wanted}
        )
        self.current = current
        self.wanted = wanted


class InvalidMessage(DomainError):
    """A chat message refused by validation (empty, too long, control characters)."""

    code = "invalid_message"
    status = 400


class SessionClosed(DomainError):
    """The session is not running: nothing can be sent to it now."""

    code = "session_closed"
    status = 409
