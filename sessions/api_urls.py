from django.urls import path

from sessions.api_orders import OrderApi, OrderCancelApi, OrderResumeApi, OrdersApi
from sessions.call_api import CallReportApi
from sessions.chat_api import OrderMessagesApi
from sessions.clock_api import OrderPauseAnswerApi, OrderPausesApi, OrderTimelineApi
from sessions.safety_api import OrderEscalationsApi

app_name = "sessions-api"
urlpatterns: list = [
    # The chat transcript, for both parties: ?after_seq=N&limit=M
    path("orders/<int:order_id>/messages/", OrderMessagesApi.as_view(), name="order-messages"),
    # Orders: book, list mine, one of mine, cancel.
    path("orders/", OrdersApi.as_view(), name="orders"),
    path("orders/<int:order_id>/", OrderApi.as_view(), name="order"),
    path("orders/<int:order_id>/cancel/", OrderCancelApi.as_view(), name="order-cancel"),
    # Per-minute sessions: resume after a top-up (kind "metered" on POST orders/ starts one).
    path("orders/<int:order_id>/resume/", OrderResumeApi.as_view(), name="order-resume"),
    # Reply clock: the latency timeline (read-only) and pauses by agreement.
    path("orders/<int:order_id>/timeline/", OrderTimelineApi.as_view(), name="order-timeline"),
    path("orders/<int:order_id>/pauses/", OrderPausesApi.as_view(), name="order-pauses"),
    path(
        "orders/<int:order_id>/pauses/<int:pause_id>/answer/",
        OrderPauseAnswerApi.as_view(),
        name="order-pause-answer",
    ),
    # Calls: a party reports an ended call from its transcript entry.
    path(
        "orders/<int:order_id>/calls/<int:call_id>/report/",
        CallReportApi.as_view(),
        name="call-report",
    ),
    # Safety: the listener escalates ("I'm worried about this client").
    path(
        "orders/<int:order_id>/escalations/",
        OrderEscalationsApi.as_view(),
        name="order-escalations",
    ),
]
