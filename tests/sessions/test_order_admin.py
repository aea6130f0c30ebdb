"""Staff see orders and chat messages in the admin, in Chinese, and cannot change them."""

import pytest
from django.urls import reverse

from sessions.models import Message, Order
from tests.factories import StaffUserFactory
from tests.sessions.chat_factories import ChatOrderFactory, MessageFactory

pytestmark = pytest.mark.django_db


def test_an_order_reads_in_chinese_on_the_admin_pages(client):
    # given
    order = ChatOrderFactory()
    Order.objects.filter(pk=order.pk).update(state=Order.State.TERMINATED)
    client.force_login(StaffUserFactory(is_superuser=True))
    # when
    listing = client.get(reverse("admin:live_sessions_order_changelist")).content.decode()
    page = client.get(reverse("admin:live_sessions_order_change", args=[order.pk]))
    # then
    assert page.status_code == 200
    assert f"订单 {order.pk}（已终止）" in page.content.decode()
    assert f"order {order.pk} (terminated)" not in page.content.decode()
    assert "付款截止" in page.content.decode()
    assert "状态" in listing


def test_system_messages_read_in_chinese_in_the_admin_and_nothing_can_be_changed(client):
    # given
    message = MessageFactory(
        sender=None,
        kind=Message.Kind.SYSTEM,
        system_code="breach_counted",
        system_params={"streak": 2, "limit": 3, "left": 1},
        text="Missed reply 2 in a row: 1 more and the session ends, with the time left refunded.",
    )
    client.force_login(StaffUserFactory(is_superuser=True))
    # when
    listing = client.get(reverse("admin:live_sessions_message_changelist")).content.decode()
    add = client.get(reverse("admin:live_sessions_message_add"))
    delete = client.post(reverse("admin:live_sessions_message_delete", args=[message.pk]))
    # then
    assert "第 2 次超时；再超时 1 次将结束服务并退还剩余时间。" in listing
    assert add.status_code == 403
    assert delete.status_code == 403
    assert Message.objects.filter(pk=message.pk).exists()
