from django.urls import path

from sessions import (
    chat_views,
    clock_views,
    handover_views,
    metering_views,
    order_views,
    plan_views,
    pool_views,
    presence_views,
    safety_views,
    team_views,
)

app_name = "sessions"
urlpatterns: list = [
    # Live chat: one session's chat (client or listener) and the listener's dashboard.
    path("<int:order_id>/", chat_views.chat, name="chat"),
    path("<int:order_id>/end/", chat_views.end_early, name="chat_end"),
    path("dashboard/", chat_views.dashboard, name="dashboard"),
    path("handovers/", handover_views.handover_propose, name="handover_propose"),
    path(
        "handovers/<int:handover_id>/listener-answer/",
        handover_views.handover_listener_answer,
        name="handover_listener_answer",
    ),
    path(
        "<int:order_id>/handovers/<int:handover_id>/answer/",
        handover_views.handover_answer,
        name="handover_answer",
    ),
    path("dashboard/quick-replies/", chat_views.quick_reply_add, name="quick_reply_add"),
    path(
        "dashboard/quick-replies/<int:reply_id>/delete/",
        chat_views.quick_reply_delete,
        name="quick_reply_delete",
    ),
    path(
        "dashboard/orders/<int:order_id>/answer/",
        chat_views.instant_order_answer,
        name="instant_order_answer",
    ),
    # A listener's presence from any page: heartbeat and the online/away/offline switch.
    path("presence/ping/", presence_views.presence_ping, name="presence_ping"),
    path("presence/", presence_views.presence_set, name="presence_set"),
    # Booking, paying and the client's orders.
    path("book/<int:tier_id>/", order_views.book, name="book"),
    # The open request pool: the client's request page, a listener's claim.
    path("pool/", pool_views.pool_page, name="pool"),
    path("pool/<int:request_id>/claim/", pool_views.pool_claim, name="pool_claim"),
    # Teams: the listener's own team page; booking a team (from its public page).
    path("team/", team_views.my_team, name="my_team"),
    path("team/<int:team_id>/book/", team_views.book_team, name="team_book"),
    # Per-minute sessions: start now from the wallet, resume after a top-up.
    path("per-minute/<int:tier_id>/", metering_views.start, name="metered_start"),
    path("<int:order_id>/resume/", metering_views.resume, name="metered_resume"),
    path("plans/new/<int:tier_id>/", plan_views.plan_buy, name="plan_buy"),
    path("plans/<int:plan_id>/", plan_views.plan_detail, name="plan_detail"),
    path("plans/<int:plan_id>/answer/", plan_views.plan_answer, name="plan_answer"),
    path("plans/<int:plan_id>/cancel/", plan_views.plan_cancel, name="plan_cancel"),
    path("orders/", order_views.my_orders, name="my_orders"),
    path("orders/<int:order_id>/", order_views.order_detail, name="order_detail"),
    path("orders/<int:order_id>/pay/", order_views.pay, name="pay"),
    path("orders/<int:order_id>/cancel/", order_views.order_cancel, name="order_cancel"),
    # Reply clock: a session's latency timeline and the pause forms.
    path("<int:order_id>/timeline/", clock_views.timeline, name="timeline"),
    path("<int:order_id>/pauses/", clock_views.pause_ask, name="pause_ask"),
    path(
        "<int:order_id>/pauses/<int:pause_id>/answer/",
        clock_views.pause_answer,
        name="pause_answer",
    ),
    # Safety: the listener's "I'm worried about this client" form (the dashboard's).
    path("<int:order_id>/escalate/", safety_views.listener_escalate, name="chat_escalate"),
    # Safety: crisis escalations for staff (404 for everyone else).
    path("safety/escalations/", safety_views.escalations, name="escalations"),
    path(
        "safety/escalations/<int:escalation_id>/",
        safety_views.escalation_detail,
        name="escalation_detail",
    ),
    path(
        "safety/escalations/<int:escalation_id>/acknowledge/",
        safety_views.escalation_acknowledge,
        name="escalation_acknowledge",
    ),
    path(
        "safety/escalations/<int:escalation_id>/close/",
        safety_views.escalation_close,
        name="escalation_close",
    ),
    path("safety/orders/<int:order_id>/", safety_views.order_transcript, name="order_transcript"),
    path(
        "safety/orders/<int:order_id>/messages/<int:message_id>/label/",
        safety_views.message_label,
        name="message_label",
    ),
]
