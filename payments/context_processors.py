from payments.disputes.notifications import notifications_unread_count


class _UnreadCount:
    """Counted on first use and then remembered: a template that never shows the badge
    (a fragment rendered with the request) costs no query, one that shows it costs one."""

    def __init__(self, user) -> None:
        self.user = user
        self.value: int | None = None

    def __call__(self) -> int:  # templates call callables when they resolve them
        if self.value is None:
            self.value = notifications_unread_count(user=self.user)
        return self.value


def unread_notifications(request):
    """`unread_notifications`: the signed-in user's unread count for the header badge."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": _UnreadCount(user)}
