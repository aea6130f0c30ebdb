"""A client picks interest tags, filters the catalogue by a tag, opens a profile and sees
day and night prices, in Debian's Chromium."""

import pytest

from listeners.models import Tag
from tests.browser import sign_in
from tests.factories import UserFactory
from tests.listeners.factories import ApprovedListenerFactory, seed_platform_tags


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_client_picks_interests_filters_by_tag_and_sees_day_and_night_prices(live_server, page):
    # given: the platform's tags; two listeners with different topics; a signed-in client
    seed_platform_tags()
    night_owl = ApprovedListenerFactory(
        display_name="夜猫阿舟",
        tier__price_per_hour_fen=4500,
        tier__night_surcharge_percent=100,
        tags=[Tag.objects.get(slug="late-night")],
    )
    ApprovedListenerFactory(display_name="职场小林", tags=[Tag.objects.get(slug="work-stress")])
    sign_in(page.context, live_server, UserFactory())

    # when: the client picks interest tags
    page.goto(f"{live_server.url}/listeners/interests/")
    page.get_by_label("失眠夜聊").check()
    page.get_by_label("家庭关系").check()
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/listeners/")

    # then: both listeners are listed, the matching one first
    cards = page.locator(".listener-card h2 a")
    assert cards.all_inner_texts() == ["夜猫阿舟", "职场小林"]

    # when: filtering by a tag (the page re-runs the search on change)
    page.locator("form.filters").get_by_label("工作压力").check()
    page.wait_for_url("**tag=work-stress**")
    # then
    assert cards.all_inner_texts() == ["职场小林"]

    # when: back to the night topic and into the profile
    page.goto(f"{live_server.url}/listeners/?tag=late-night")
    page.get_by_role("link", name="夜猫阿舟").click()
    page.wait_for_url(f"**/listeners/{night_owl.pk}/")

    # then: day ¥45/h and night ¥90/h (+100 %)
    tier_row = page.locator("tr.tier").first
    assert tier_row.locator(".day-price").inner_text() == "¥45/小时"
    assert tier_row.locator(".night-price").inner_text() == "¥90/小时"
