from django.urls import path

from payments import views
from payments.disputes import api as dispute_api
from payments.wallet import api as wallet_api

app_name = "payments-api"
urlpatterns = [
    path("payments/stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
    # Disputes and notifications.
    path("orders/<int:order_id>/dispute/", dispute_api.order_dispute, name="order-dispute"),
    path("disputes/<int:dispute_id>/answer/", dispute_api.dispute_answer, name="dispute-answer"),
    path("disputes/desk/", dispute_api.desk_queue, name="dispute-desk"),
    path("disputes/desk/<int:dispute_id>/", dispute_api.desk_dispute, name="dispute-desk-detail"),
    path(
        "disputes/desk/<int:dispute_id>/decide/",
        dispute_api.desk_decide,
        name="dispute-desk-decide",
    ),
    path(
        "disputes/desk/<int:dispute_id>/approve/",
        dispute_api.desk_approve,
        name="dispute-desk-approve",
    ),
    path("notifications/", dispute_api.notification_list, name="notifications"),
    # The wallet.
    path("wallet/", wallet_api.wallet, name="wallet"),
    path("wallet/topups/", wallet_api.topup_create, name="wallet-topups"),
    path(
        "wallet/topups/<int:topup_id>/confirm/",
        wallet_api.topup_confirm,
        name="wallet-topup-confirm",
    ),
    path("wallet/withdrawals/", wallet_api.withdrawal_create, name="wallet-withdrawals"),
]
