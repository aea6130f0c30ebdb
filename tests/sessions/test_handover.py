"""Hand-over (转单): a listener proposes handing an active session to a teammate (or,
without a team, to another online listener who accepts first); the client accepts or
declines. On acceptance the order, its open reply clock and the rest of the earnings move
to the new listener; settlement splits the listener share by time served, and the team's
share of each part goes to the team's payable."""

from datetime import time, timedelta

import pytest
from django.conf import settings

from listeners.models import ListenerProfile
from listeners.services import listener_shifts_set, team_create, team_invite, team_invite_answer
from marketplace.exceptions import NotFound
from payments.invariants import assert_ledger_consistent
from payments.models import Account, OrderPayee, Payout
from payments.services import payouts, settlement
from payments.services.payees import Payee, payees_split
from sessions.models import Breach, Escalation, Handover, Message, Order, ReplyClock
from sessions.services import chat
from sessions.services import handover as handovers
from sessions.services.handover import HandoverRefused
from sessions.services.transitions import order_transition
from tests.factories import StaffUserFactory, UserFactory
from tests.listeners.factories import ApprovedListenerFactory, PricingTierFactory
from tests.payments.helpers import account_sum
from tests.sessions.chat_factories import ChatOrderFactory
from tests.sessions.clock_helpers import T0, at, paid_active_order, send

pytestmark = pytest.mark.django_db


def join(team, owner, listener):
    invite = team_invite(owner=owner, phone=listener.user.phone)
    team_invite_answer(listener=listener, invite_id=invite.pk, accept=True)


@pytest.fixture
def shop():
    """A team with a 10% share: its owner (serving the chat) and two members."""
    owner = ApprovedListenerFactory()
    team = team_create(owner=owner, name="夜航", commission_percent=10)
    mate, other = ApprovedListenerFactory(), ApprovedListenerFactory()
    join(team, owner, mate)
    join(team, owner, other)
    return team, owner, mate, other


def running(listener, *, window=60, minutes=30):
    """A session paid for real and active from T0, priced the same at any hour."""
    tier = PricingTierFactory(listener=listener, same_price_at_night=True)
    return paid_active_order(window=window, minutes=minutes, listener=listener, tier=tier)


def propose(order, to, seconds):
    return handovers.handover_propose(
        user=order.listener.user, order_id=order.pk, to_listener_id=to.pk, now=at(seconds)
    )


def answer(order, handover, seconds, accept=True, user=None):
    answered = handovers.handover_answer(
        user=user or order.client,
        order_id=order.pk,
        handover_id=handover.pk,
        accept=accept,
        now=at(seconds),
    )
    order.refresh_from_db()
    return answered


def codes(order):
    return list(
        Message.objects.filter(order=order, kind="system")
        .order_by("seq")
        .values_list("system_code", flat=True)
    )


def test_a_teammate_takes_over_when_the_client_accepts(shop):
    # given
    _team, owner, mate, _other = shop
    order = running(owner)
    # when
    handover = propose(order, mate, 600)
    # then: the client is asked; nothing has moved yet
    assert handover.state == Handover.State.PROPOSED
    assert handover.expires_at == at(600 + handovers.HANDOVER_ANSWER_SECONDS)
    assert Order.objects.get(pk=order.pk).listener == owner
    assert handovers.handover_pending(order=order, now=at(601)) == handover
    # when
    answer(order, handover, 630)
    # then
    order.refresh_from_db()
    handover.refresh_from_db()
    assert order.listener == mate
    assert (handover.state, handover.answered_at, handover.answered_by) == (
        Handover.State.ACCEPTED,
        at(630),
        order.client,
    )
    assert codes(order)[-2:] == ["handover_proposed", "handover_accepted"]
    payees = list(OrderPayee.objects.filter(order=order).values_list("listener_id", "since"))
    assert payees == [(owner.pk, T0), (mate.pk, at(630))]
    # the old listener can no longer write; the new one can
    with pytest.raises(NotFound):
        handovers.handover_propose(
            user=owner.user, order_id=order.pk, to_listener_id=mate.pk, now=at(640)
        )
    with pytest.raises(NotFound):
        chat.message_send(
            user=owner.user, order_id=order.pk, client_id="old-1", text="hi", now=at(641)
        )
    assert send(order, "listener", 642, "你好，我接着陪你").sender == mate.user


def test_an_open_reply_clock_moves_to_the_new_listener_and_keeps_its_deadline(shop):
    # given: the client wrote at 590 s; the window is 60 s (deadline 650 s)
    _team, owner, mate, _other = shop
    order = running(owner, window=60)
    send(order, "client", 590, "还在吗")
    handover = propose(order, mate, 600)
    # when
    answer(order, handover, 620)
    # then
    clock = ReplyClock.objects.get(order=order)
    assert (clock.status, clock.listener_id, clock.deadline) == ("open", mate.pk, at(650))
    # when: the new listener replies within the window
    send(order, "listener", 645)
    # then: no breach for the hand-over
    clock.refresh_from_db()
    assert (clock.status, clock.closed_by.sender_id) == ("answered", mate.user_id)
    assert not Breach.objects.filter(order=order).exists()


def test_a_deadline_missed_before_the_hand_over_is_the_previous_listeners(shop):
    # given: the client wrote at 500 s, deadline 560 s, nobody answered
    _team, owner, mate, _other = shop
    order = running(owner, window=60)
    send(order, "client", 500)
    handover = propose(order, mate, 550)
    # when
    answer(order, handover, 600)
    # then: the miss at 560 is the owner's; the re-armed clock (620 s) is the teammate's
    breach = Breach.objects.get(order=order)
    assert (breach.listener_id, breach.deadline) == (owner.pk, at(560))
    clock = ReplyClock.objects.get(order=order)
    assert (clock.listener_id, clock.deadline) == (mate.pk, at(620))
    # when: the teammate lets the re-armed window pass too
    send(order, "listener", 670)
    # then: that miss is the teammate's
    assert list(
        Breach.objects.filter(order=order)
        .order_by("deadline")
        .values_list("listener_id", flat=True)
    ) == [owner.pk, mate.pk]


def test_a_declined_hand_over_changes_nothing(shop):
    # given
    _team, owner, mate, _other = shop
    order = running(owner)
    send(order, "client", 590)
    handover = propose(order, mate, 600)
    # when
    answer(order, handover, 610, accept=False)
    # then
    order.refresh_from_db()
    handover.refresh_from_db()
    assert order.listener == owner
    assert (handover.state, handover.answered_by) == (Handover.State.DECLINED, order.client)
    assert ReplyClock.objects.get(order=order).listener_id == owner.pk
    assert not OrderPayee.objects.filter(order=order).exists()
    assert codes(order)[-1] == "handover_declined"
    # and a new proposal may follow
    assert propose(order, mate, 620).state == Handover.State.PROPOSED


def test_an_unanswered_hand_over_lapses_after_two_minutes(shop):
    # given
    _team, owner, mate, _other = shop
    order = running(owner)
    handover = propose(order, mate, 600)
    # when / then: answering after the window is refused, and nothing moved
    with pytest.raises(HandoverRefused) as refused:
        answer(order, handover, 600 + handovers.HANDOVER_ANSWER_SECONDS + 1)
    assert refused.value.code == "handover_closed"
    assert handovers.handover_pending(order=order, now=at(600 + 121)) is None
    # the refusal rolled back its own transaction: the lapse is recorded by the next call
    propose(order, mate, 800)
    handover.refresh_from_db()
    assert (handover.state, handover.answered_at) == (Handover.State.EXPIRED, at(720))
    assert Order.objects.get(pk=order.pk).listener == owner


def test_without_a_team_the_listener_asked_accepts_first():
    # given
    alone, helper = ApprovedListenerFactory(), ApprovedListenerFactory()
    order = running(alone)
    # when
    handover = propose(order, helper, 600)
    # then: the client is not asked yet
    assert handover.state == Handover.State.WAITING_LISTENER
    assert handovers.handovers_waiting_for(listener=helper, now=at(601)) == [handover]
    with pytest.raises(HandoverRefused):
        answer(order, handover, 605)
    # when
    handovers.handover_listener_answer(
        user=helper.user, handover_id=handover.pk, accept=True, now=at(610)
    )
    answer(order, handover, 620)
    # then
    assert Order.objects.get(pk=order.pk).listener == helper
    # someone else cannot answer for the listener asked
    with pytest.raises(NotFound):
        handovers.handover_listener_answer(
            user=UserFactory(), handover_id=handover.pk, accept=True, now=at(630)
        )


def test_the_listener_asked_may_decline():
    alone, helper = ApprovedListenerFactory(), ApprovedListenerFactory()
    order = running(alone)
    handover = propose(order, helper, 600)
    handovers.handover_listener_answer(
        user=helper.user, handover_id=handover.pk, accept=False, now=at(610)
    )
    handover.refresh_from_db()
    assert (handover.state, handover.answered_by) == (Handover.State.DECLINED, helper.user)
    assert Order.objects.get(pk=order.pk).listener == alone


# --- Refusals ------------------------------------------------------------------------------


def _at_cap(listener):
    ListenerProfile.objects.filter(pk=listener.pk).update(max_concurrent_chats=1)
    ChatOrderFactory(listener=listener, starts_at=T0 - timedelta(minutes=5), activated_at=T0)


def _off_shift(listener):
    listener_shifts_set(listener=listener, shifts=[(0, time(9), time(10))])  # T0 is a Tuesday


def _in_cool_down(listener):
    crisis = ChatOrderFactory(
        listener=listener,
        state=Order.State.COMPLETED,
        starts_at=T0 - timedelta(minutes=20),
        minutes=30,
        ended_at=at(590),  # a crisis session that ended 10 s before the proposal
    )
    Escalation.objects.create(order=crisis, listener=listener)


def _no_nights(listener):
    # T0 is 20:00 in Beijing: inside this listener's own night, which they do not work
    ListenerProfile.objects.filter(pk=listener.pk).update(
        takes_night_orders=False, night_start=time(19), night_end=time(21)
    )


def _offline(listener):
    ListenerProfile.objects.filter(pk=listener.pk).update(presence="offline")


@pytest.mark.parametrize(
    ("make_unavailable", "code"),
    [
        (_at_cap, "handover_full"),
        (_off_shift, "handover_off_shift"),
        (_in_cool_down, "handover_cooldown"),
        (_offline, "handover_offline"),
        (_no_nights, "handover_no_nights"),
    ],
)
def test_a_teammate_who_cannot_take_the_chat_is_refused(shop, make_unavailable, code):
    # given
    _team, owner, mate, _other = shop
    order = running(owner)
    make_unavailable(mate)
    # when / then
    with pytest.raises(HandoverRefused) as refused:
        propose(order, ListenerProfile.objects.get(pk=mate.pk), 600)
    assert refused.value.code == code
    assert mate.display_name in refused.value.message
    assert not Handover.objects.filter(order=order).exists()


def test_a_teammate_who_became_unavailable_before_the_client_answered_is_refused(shop):
    _team, owner, mate, _other = shop
    order = running(owner)
    handover = propose(order, mate, 600)
    _offline(mate)
    with pytest.raises(HandoverRefused) as refused:
        answer(order, handover, 610)
    assert refused.value.code == "handover_offline"
    assert Order.objects.get(pk=order.pk).listener == owner
    handover.refresh_from_db()
    assert handover.state == Handover.State.PROPOSED


def test_bad_hand_overs_are_refused_and_change_nothing(shop):
    # given
    _team, owner, mate, other = shop
    order = running(owner)
    stranger = ApprovedListenerFactory()
    # when / then: not in the team, oneself, nobody
    for to, code in ((stranger, "handover_not_teammate"), (owner, "handover_self")):
        with pytest.raises(HandoverRefused) as refused:
            propose(order, to, 600)
        assert refused.value.code == code
    for bad in ("", "abc", "999999", None, True):
        with pytest.raises(HandoverRefused):
            handovers.handover_propose(
                user=owner.user, order_id=order.pk, to_listener_id=bad, now=at(600)
            )
    # a second proposal while one is open
    propose(order, mate, 600)
    with pytest.raises(HandoverRefused) as refused:
        propose(order, other, 601)
    assert refused.value.code == "handover_pending"
    # the client cannot propose; another listener's proposal on this session is 404
    with pytest.raises(HandoverRefused):
        handovers.handover_propose(
            user=order.client, order_id=order.pk, to_listener_id=mate.pk, now=at(602)
        )
    with pytest.raises(NotFound):
        handovers.handover_propose(
            user=mate.user, order_id=order.pk, to_listener_id=other.pk, now=at(602)
        )
    assert Handover.objects.filter(order=order).count() == 1
    assert Order.objects.get(pk=order.pk).listener == owner


def test_a_session_that_is_not_running_cannot_be_handed_over(shop):
    _team, owner, mate, _other = shop
    order = running(owner)
    order_transition(order_id=order.pk, to=Order.State.COMPLETED, now=at(1800))
    with pytest.raises(HandoverRefused) as refused:
        propose(order, mate, 1900)
    assert refused.value.code == "session_closed"


def test_a_client_answering_for_someone_elses_session_gets_404(shop):
    # given
    _team, owner, mate, _other = shop
    order = running(owner)
    handover = propose(order, mate, 600)
    elsewhere = ChatOrderFactory(starts_at=T0, activated_at=T0)
    # when / then: another client, and this hand-over through another session
    with pytest.raises(NotFound):
        answer(order, handover, 610, user=UserFactory())
    with pytest.raises(NotFound):
        handovers.handover_answer(
            user=elsewhere.client,
            order_id=elsewhere.pk,
            handover_id=handover.pk,
            accept=True,
            now=at(610),
        )
    with pytest.raises(NotFound):
        answer(order, handover, 610, user=mate.user)
    # the listener of the session cannot answer for the client
    with pytest.raises(HandoverRefused):
        answer(order, handover, 610, user=owner.user)
    handover.refresh_from_db()
    assert handover.state == Handover.State.PROPOSED


# --- Money ---------------------------------------------------------------------------------


def settle(order):
    order_transition(order_id=order.pk, to=Order.State.COMPLETED, now=at(1800))
    later = at(1800) + timedelta(hours=settings.DISPUTE_WINDOW_HOURS, minutes=1)
    return settlement.escrow_release(order_id=order.pk, now=later)


def test_settlement_splits_the_listener_share_by_time_served_and_pays_the_team(shop):
    # given: a 30-minute session handed over after 10 minutes; the team keeps 10%
    team, owner, mate, _other = shop
    order = running(owner, minutes=30)
    handover = propose(order, mate, 590)
    answer(order, handover, 600)
    # when
    release = settle(order)
    # then
    held = order.price_fen
    commission = held * settings.PLATFORM_COMMISSION_PERCENT // 100
    share = held - commission
    first = share * 600 // 1800
    second = share - first
    team_cut = first * 10 // 100 + second * 10 // 100
    assert (release.released_fen, release.commission_fen, release.listener_fen) == (
        held,
        commission,
        share,
    )
    assert [(p.listener_id, p.seconds) for p in release.shares] == [
        (owner.pk, 600),
        (mate.pk, 1200),
    ]
    assert account_sum(f"listener_payable:{owner.pk}") == first - first * 10 // 100
    assert account_sum(f"listener_payable:{mate.pk}") == second - second * 10 // 100
    assert account_sum(f"team_payable:{team.pk}") == team_cut == release.team_fen
    assert account_sum("platform_commission") == commission
    assert Account.objects.get(code=f"team_payable:{team.pk}").kind == Account.Kind.TEAM_PAYABLE
    assert account_sum(f"escrow:{order.pk}") == 0
    assert_ledger_consistent()


def yuan(fen):
    return f"¥{fen // 100}.{fen % 100:02d}"


def test_a_team_members_order_pays_the_team_its_share_and_the_owner_is_paid_out(shop, client):
    # given: a member's session with no hand-over
    team, owner, mate, _other = shop
    order = running(mate, minutes=30)
    # when
    release = settle(order)
    # then
    share = release.listener_fen
    assert release.team_fen == share * 10 // 100
    assert account_sum(f"listener_payable:{mate.pk}") == share - release.team_fen
    assert account_sum(f"team_payable:{team.pk}") == release.team_fen
    assert_ledger_consistent()
    client.force_login(owner.user)
    page = client.get("/chat/team/").content.decode()
    assert f"团队已赚取、尚未付给你的分成：{yuan(release.team_fen)}。" in page
    # when: staff pay out
    staff = StaffUserFactory()
    batch = payouts.payout_batch_create(created_by=staff)
    payouts.payout_batch_approve(batch_id=batch.pk, approved_by=StaffUserFactory())
    # then: the team's money went to its owner, the member's to the member
    team_payout = Payout.objects.get(batch=batch, team=team)
    assert (team_payout.listener_id, team_payout.amount_fen, team_payout.status) == (
        owner.pk,
        release.team_fen,
        Payout.Status.SENT,
    )
    assert Payout.objects.get(batch=batch, listener=mate, team=None).amount_fen == (
        share - release.team_fen
    )
    assert account_sum(f"team_payable:{team.pk}") == 0
    assert account_sum(f"team_paid_out:{team.pk}") == release.team_fen
    assert_ledger_consistent()


def test_a_listener_without_a_team_keeps_the_whole_share():
    order = running(ApprovedListenerFactory(), minutes=30)
    release = settle(order)
    assert release.team_fen == 0
    assert account_sum(f"listener_payable:{order.listener_id}") == release.listener_fen
    assert_ledger_consistent()


def test_the_split_always_adds_up():
    payees = [Payee(1, T0, 7, 15), Payee(2, at(7), None, 0), Payee(3, at(11), 7, 15)]
    for share in (0, 1, 2, 99, 100, 12345):
        parts = payees_split(share_fen=share, payees=payees, start=T0, end=at(13))
        assert sum(p.listener_fen + p.team_fen for p in parts) == share
        assert [p.seconds for p in parts] == [7, 4, 2]
    # nothing measurable served: the last payee takes it
    parts = payees_split(share_fen=100, payees=payees[:1], start=T0, end=T0)
    assert (parts[0].listener_fen, parts[0].team_fen) == (85, 15)


def test_the_beat_records_lapses_once(shop):
    # given
    _team, owner, mate, _other = shop
    order = running(owner)
    handover = propose(order, mate, 600)
    # when / then: not before the deadline, once after it
    assert handovers.handovers_expire_sweep(now=at(700)) == 0
    assert handovers.handovers_expire_sweep(now=at(721)) == 1
    assert handovers.handovers_expire_sweep(now=at(722)) == 0
    handover.refresh_from_db()
    assert (handover.state, handover.answered_at) == (Handover.State.EXPIRED, at(720))
    assert Order.objects.get(pk=order.pk).listener == owner


def test_no_hand_over_while_a_call_rings_or_runs(shop):
    from sessions.models import Call

    _team, owner, mate, _other = shop
    order = running(owner)
    Call.objects.create(order=order, started_by=order.client, kind="voice", started_at=at(590))
    with pytest.raises(HandoverRefused) as refused:
        propose(order, mate, 600)
    assert refused.value.code == "handover_call_live"
    assert not Handover.objects.filter(order=order).exists()
