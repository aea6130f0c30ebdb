"""A client reviews a finished session in a real browser and finds the review published."""

import pytest
from django.urls import reverse

from reviews.models import Review
from tests.browser import sign_in
from tests.reviews.factories import OrderFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_client_reviews_a_completed_session_and_sees_it_published(page, live_server):
    # given: a session that ended an hour ago
    order = OrderFactory(tier__listener__display_name="小林")
    sign_in(page.context, live_server, order.client)
    # when: the client rates it on the review page
    page.goto(live_server.url + reverse("reviews:write", kwargs={"order_id": order.pk}))
    page.check("input[name=stars][value='4']")
    page.check("input[name=tags][value='good_listener']")
    page.fill("textarea[name=text]", "很会倾听，回复也快。")
    page.get_by_role("button", name="发布评价").click()
    # then: the review page shows it, published
    page.wait_for_selector(".review")
    assert "谢谢！您的评价已发布。" in page.inner_text(".messages")
    assert "很会倾听，回复也快。" in page.inner_text(".review")
    assert "善于倾听" in page.inner_text(".review")
    assert page.locator("input[name=stars]").count() == 0
    # and the listener's public reviews and profile show it
    page.get_by_role("link", name="小林 的全部评价").click()
    assert "很会倾听，回复也快。" in page.inner_text(".review-list")
    assert "1 条评价" in page.inner_text(".rating-summary")
    page.goto(live_server.url + reverse("listeners:profile", args=[order.listener_id]))
    assert "4.0" in page.inner_text("#reviews")
    review = Review.objects.get()
    assert (review.stars, review.tags) == (4, ["good_listener"])
