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
