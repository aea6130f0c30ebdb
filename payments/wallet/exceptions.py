"""Domain errors of the wallet."""

from marketplace.exceptions import DomainError


class WalletRefused(DomainError):
    code = "wallet_refused"
    status = 409
