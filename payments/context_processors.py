from payments.disputes.notifications import notifications_unread_count


def unread_notifications(request):
    """`unread_notifications`: the signed-in user's unread count for the header badge
    (one indexed COUNT per page; nothing for visitors)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": notifications_unread_count(user=user)}
