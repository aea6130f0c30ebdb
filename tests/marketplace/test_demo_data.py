import pytest
from django.core.management import call_command

from marketplace.models import User


@pytest.mark.django_db
def test_demo_data_is_idempotent_and_prints_the_logins(capsys):
    # given
    call_command("demo_data")
    first = capsys.readouterr().out
    counts = {role: User.objects.filter(role=role).count() for role in User.Role.values}
    # when
    call_command("demo_data")
    # then
    assert {role: User.objects.filter(role=role).count() for role in User.Role.values} == counts
    assert counts[User.Role.CLIENT] >= 1
    assert counts[User.Role.LISTENER] >= 3
    assert User.objects.get(phone="13700000001").is_staff
    for phone in ("13800000001", "13700000001", "13900000001"):
        assert phone in first
    assert capsys.readouterr().out == first


@pytest.mark.django_db
def test_every_demo_figure_has_rows_behind_it(capsys):
    # given
    from listeners.models import ListenerProfile
    from reviews.models import Review
    from sessions.models import Breach, Message, Order, ReplyClock

    # when
    call_command("demo_data")
    call_command("demo_data")  # idempotent: nothing is added the second time
    # then: sessions, messages, clocks and reviews exist, and the figures are theirs
    orders = Order.objects.filter(client__phone__startswith="1380000")
    assert orders.count() == 6
    assert set(orders.values_list("state", flat=True)) == {Order.State.COMPLETED}
    assert Message.objects.filter(order__in=orders).count() > 20
    assert Breach.objects.filter(order__in=orders).count() >= 1
    assert Review.objects.filter(order__in=orders).count() == 6
    for profile in ListenerProfile.objects.filter(user__phone__in=["13900000001", "13900000002"]):
        stats = profile.stats
        reviews = Review.objects.filter(order__listener=profile, is_hidden=False)
        clocks = ReplyClock.objects.filter(order__listener=profile, status="answered")
        assert stats.rating_count == reviews.count() == 3
        assert stats.reply_count_30d == clocks.count()
        assert stats.breach_count_30d == Breach.objects.filter(listener=profile).count()
        assert stats.reply_p50_ms is not None
    newcomer = ListenerProfile.objects.get(user__phone="13900000003").stats
    assert (newcomer.rating_count, newcomer.reply_p50_ms) == (0, None)
