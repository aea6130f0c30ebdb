from django.urls import path

from payments import views
from payments.disputes import views as dispute_views
from payments.wallet import views as wallet_views

app_name = "payments"
urlpatterns = [
    path("budget/", views.budget, name="budget"),
    path("earnings/", views.earnings, name="earnings"),
    path("orders/<int:order_id>/pay/", views.order_pay, name="order_pay"),
    path("wallet/", wallet_views.wallet, name="wallet"),
    path("wallet/topups/<int:topup_id>/pay/", wallet_views.topup_pay, name="wallet_topup_pay"),
    path(
        "wallet/topups/<int:topup_id>/confirm/",
        wallet_views.topup_confirm,
        name="wallet_topup_confirm",
    ),
    # Disputes: the parties' page of an order, the staff desk, notifications.
    path("orders/<int:order_id>/dispute/", dispute_views.dispute, name="dispute"),
    path("disputes/desk/", dispute_views.desk, name="dispute_desk"),
    path(
        "disputes/desk/<int:dispute_id>/",
        dispute_views.desk_dispute,
        name="dispute_desk_detail",
    ),
    path(
        "disputes/desk/<int:dispute_id>/approve/",
        dispute_views.desk_approve,
        name="dispute_desk_approve",
    ),
    path(
        "disputes/desk/<int:dispute_id>/decline/",
        dispute_views.desk_decline,
        name="dispute_desk_decline",
    ),
    path("notifications/", dispute_views.notification_list, name="notifications"),
]
