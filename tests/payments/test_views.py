"""The client's budget page: what a form refuses."""

import pytest
from django.urls import reverse

from payments.models import BudgetCap
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("raw", ["NaN", "sNaN", "-NaN", "Infinity", "-Infinity", "inf", "1e999"])
def test_a_budget_that_is_not_a_finite_amount_is_a_form_error(client, raw):
    # given
    user = UserFactory()
    client.force_login(user)
    # when
    response = client.post(reverse("payments:budget"), {"cap_yuan": raw})
    # then
    assert response.status_code == 200
    assert response.context["form"].errors == {"cap_yuan": ["请输入金额，例如 500 或 499.50。"]}
    assert not BudgetCap.objects.filter(client=user).exists()
