"""Domain errors. Edges translate them into form errors, 4xx responses or WS error frames."""


class DomainError(Exception):
    """A refused request. `code` is stable for clients; `message` is translated text."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    """The request is valid but lost to the current state (e.g. a concurrent request)."""

    code = "conflict"
    status = 409


class CodeUsed(Conflict):
    code = "code_used"
