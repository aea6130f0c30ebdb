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
