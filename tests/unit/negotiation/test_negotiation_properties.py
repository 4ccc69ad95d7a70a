"""Property tests: over random loans, limits, requests and days, nothing the
negotiation core offers is ever outside the limits, and every schedule sums
exactly to the balance minus the waiver."""
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.dialogue.offers import from_slot, to_slot
from bot.dialogue.wording import note_text
from bot.negotiation.limits import Limits, limits_for, load_products
from bot.negotiation.money import minor_units
from bot.negotiation.plans import REQUEST_KINDS, Request, plan_from_affordability, propose, split, validate

CURRENCIES = ["KES", "NGN", "INR", "PHP", "USD", "GBP", "IDR", "CNY", "EUR", "GHS", "UGX", "TZS",
              "ZAR", "JPY"]
EXAMPLES = settings(max_examples=500, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

# Strategies are built once here: building them inside draws costs more than the tests.
percents = st.integers(0, 1000).map(lambda n: D(n) / 10)  # 0.0 .. 100.0
small_percents = st.just(D(0)) | st.integers(0, 300).map(lambda n: D(n) / 10) | percents
currencies = st.sampled_from(CURRENCIES)
balances_minor = st.integers(1, 100) | st.integers(10 ** 4, 10 ** 10) | st.integers(1, 10 ** 12)
floors = (st.just(0) | st.integers(0, 50) | st.integers(0, 5000)).map(D)
frequencies = st.sets(st.sampled_from([7, 14, 30]) | st.integers(1, 90), min_size=1, max_size=4).map(
    lambda s: tuple(sorted(s)))
fractions = st.integers(0, 1000)


@st.composite
def loans(draw):
    currency = draw(currencies)
    exp = minor_units(currency)
    minor = draw(balances_minor)
    fees_minor = minor * draw(fractions) // 1000
    return currency, D(minor).scaleb(-exp), D(fees_minor).scaleb(-exp)


limits = st.builds(
    Limits,
    max_deferral_days=st.integers(0, 120),
    max_instalments=st.integers(1, 24),
    max_plan_days=st.integers(0, 400),
    min_instalment_amounts=floors.map(lambda f: (("default", f),)),
    min_instalment_percent=small_percents,  # mostly small, so plans are possible
    min_down_payment_percent=small_percents,
    max_waiver_percent=percents,
    max_arrangements=st.integers(1, 4),  # 0 is covered by arrangements_so_far >= max
    promise_window_days=st.integers(1, 30),
    frequencies_days=frequencies,
)
todays = st.dates(date(2024, 1, 1), date(2030, 12, 31))
_kinds = st.sampled_from(REQUEST_KINDS + ("instalment_plan",) * 3)  # plans are the hard part
_amounts = st.none() | st.integers(1, 10 ** 9).map(lambda n: D(n) / 1000)
_offsets = st.none() | st.sampled_from([-1, 0, 1, 7, 14, 30]) | st.integers(-30, 400)  # edges too
_days = st.none() | st.integers(0, 400)
_counts = st.none() | st.integers(1, 30)
_freqs = st.none() | st.integers(1, 120)
_waivers = st.none() | percents


@st.composite
def requests(draw, today):
    offset, first = draw(_offsets), draw(_offsets)  # first: a part payment's own first date
    return Request(draw(_kinds), amount=draw(_amounts),
                   date=None if offset is None else today + timedelta(days=offset),
                   days=draw(_days), count=draw(_counts), frequency_days=draw(_freqs),
                   waiver_percent=draw(_waivers),
                   first_date=None if first is None else today + timedelta(days=first),
                   rest_amount=draw(_amounts))


@EXAMPLES
@given(loan=loans(), lim=limits, today=todays, data=st.data(), hardship=st.booleans())
def test_every_offer_is_within_the_limits(loan, lim, today, data, hardship):
    currency, balance, fees = loan
    done = data.draw(st.integers(0, lim.max_arrangements))
    request = data.draw(requests(today))
    offer = propose(request, balance=balance, fees_and_interest=fees, currency=currency, limits=lim,
                    today=today, arrangements_so_far=done, hardship=hardship)
    if done >= lim.max_arrangements:
        assert offer is None
        return
    assert offer is not None
    assert validate(offer, balance=balance, fees_and_interest=fees, currency=currency, limits=lim,
                    today=today, arrangements_so_far=done) == []
    assert sum(i.amount for i in offer.schedule) == balance - offer.waiver
    assert offer.hardship == hardship
    assert offer.adjusted == bool(offer.notes)
    said = note_text(offer.notes, currency)  # every note the core gives has its words, all filled in
    assert bool(said) == offer.adjusted and "{" not in said and "None" not in said
    assert from_slot(to_slot(offer)) == offer  # and survives the conversation's slot exactly


@EXAMPLES
@given(loan=loans(), lim=limits, today=todays, per=st.integers(1, 10 ** 9),
       period=st.integers(1, 120), hardship=st.booleans())
def test_affordability_plans_are_within_the_limits(loan, lim, today, per, period, hardship):
    currency, balance, _ = loan
    amount = D(per).scaleb(-minor_units(currency))
    offer = plan_from_affordability(amount, period, balance=balance, currency=currency, limits=lim,
                                    today=today, hardship=hardship)
    assert validate(offer, balance=balance, fees_and_interest=D(0), currency=currency, limits=lim,
                    today=today) == []
    assert sum(i.amount for i in offer.schedule) == balance
    if not offer.adjusted and len(offer.schedule) > 1:  # honest: no bigger than they said, but for
        slack = D(len(offer.schedule)).scaleb(-minor_units(currency))  # the remainder's minor units
        assert max(i.amount for i in offer.schedule) <= amount + slack


@EXAMPLES
@given(loan=loans(), lim=limits, today=todays, data=st.data(),
       more=st.tuples(st.integers(0, 30), st.integers(0, 6), st.integers(0, 100), st.integers(0, 7)),
       waiver=percents)
def test_what_standard_allows_hardship_allows(loan, lim, today, data, more, waiver):
    """Hardship limits are wider, so they can only accept more, never less."""
    currency, balance, fees = loan
    wider = replace(lim, max_deferral_days=lim.max_deferral_days + more[0],
                    max_instalments=lim.max_instalments + more[1],
                    max_plan_days=lim.max_plan_days + more[2],
                    min_instalment_percent=lim.min_instalment_percent / 2,
                    min_down_payment_percent=lim.min_down_payment_percent / 2,
                    max_waiver_percent=max(lim.max_waiver_percent, waiver),
                    promise_window_days=lim.promise_window_days + more[3],
                    frequencies_days=tuple(sorted(set(lim.frequencies_days) | {7, 30})))
    offer = propose(data.draw(requests(today)), balance=balance, fees_and_interest=fees,
                    currency=currency, limits=lim, today=today, arrangements_so_far=0, hardship=False)
    assert validate(offer, balance=balance, fees_and_interest=fees, currency=currency, limits=wider,
                    today=today) == []


@EXAMPLES
@given(currency=st.sampled_from(CURRENCIES), minor=st.integers(1, 10 ** 12), count=st.integers(1, 60),
       every=st.integers(1, 60), first=todays)
def test_split_always_sums_exactly(currency, minor, count, every, first):
    balance = D(minor).scaleb(-minor_units(currency))
    if minor < count:
        return  # less than one minor unit each: split refuses (tested in the unit tests)
    schedule = split(balance, count, first, every, currency)
    amounts = [i.amount for i in schedule]
    assert len(schedule) == count and sum(amounts) == balance
    assert all(a == amounts[0] for a in amounts[:-1]) and amounts[-1] >= amounts[0]
    assert amounts[-1] - amounts[0] < D(count).scaleb(-minor_units(currency))
    assert all((b.due - a.due).days == every for a, b in zip(schedule, schedule[1:]))
    assert schedule[0].due == first


PRODUCTS = load_products(Path(__file__).resolve().parents[3] / "config" / "products.yml")


@EXAMPLES
@given(code=st.sampled_from(sorted(PRODUCTS)), loan=loans(), today=todays, data=st.data(),
       hardship=st.booleans())
def test_shipped_products_never_offer_outside_their_limits(code, loan, today, data, hardship):
    currency, balance, fees = loan
    lim = limits_for(PRODUCTS[code], hardship)
    done = data.draw(st.integers(0, lim.max_arrangements - 1))
    offer = propose(data.draw(requests(today)), balance=balance, fees_and_interest=fees,
                    currency=currency, limits=lim, today=today, arrangements_so_far=done,
                    hardship=hardship)
    assert validate(offer, balance=balance, fees_and_interest=fees, currency=currency, limits=lim,
                    today=today, arrangements_so_far=done) == []
    assert sum(i.amount for i in offer.schedule) == balance - offer.waiver


def test_one_day_of_each_month_may_also_be_its_days():
    """1 Jan -> 1 Feb is one calendar month and 31 days: allowed where 31 days is (found by the property above)."""
    from bot.negotiation.limits import Limits
    from bot.negotiation.plans import Offer, validate
    from bot.negotiation.kinds import OfferKind
    from bot.negotiation.terms import Instalment
    lim = Limits(max_deferral_days=0, max_instalments=2, max_plan_days=31, min_instalment_amounts=(("default", D(0)),),
                 min_instalment_percent=D(0), min_down_payment_percent=D(0), max_waiver_percent=D(0),
                 max_arrangements=1, promise_window_days=1, frequencies_days=(31,))
    offer = Offer(OfferKind.INSTALMENT_PLAN, (Instalment(date(2024, 1, 1), D("50.00")),
                                              Instalment(date(2024, 2, 1), D("50.00"))))
    assert validate(offer, balance=D("100.00"), fees_and_interest=D(0), currency="KES", limits=lim,
                    today=date(2024, 1, 1)) == []
