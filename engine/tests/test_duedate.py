"""Tests of engine.duedate: Brownian-motion due-date quotes and make-up time."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from engine import duedate

PHI_OF_ONE = stats.norm.cdf(1.0)  # service level whose z is exactly 1


def test_quote_is_the_erlang_quantile_for_poisson_output():
    """Issue example (Factory Physics ch. 15 output model, Poisson case): 19
    units ahead plus the order's one, mu = 1 unit/h, 99 %: the time to 20
    departures is Erlang(20, 1), quantile 31.8 h; the normal quote was 30.4 h.
    """
    exact = stats.gamma.ppf(0.99, 20, scale=1.0)
    assert exact == pytest.approx(31.8, abs=0.05)
    quote = duedate.quote_lead_time(19.0, 1.0, 1.0, 0.99)
    assert quote == pytest.approx(exact, rel=0.01)
    normal = 20 + stats.norm.ppf(0.99) * math.sqrt(20)
    assert normal == pytest.approx(30.4, abs=0.05)
    assert quote > normal + 1.0


def test_order_units_replace_the_one_job_convention():
    """n = jobs ahead + the order's own units: 4 ahead + 3 units = Erlang(7)."""
    quote = duedate.quote_lead_time(4.0, 2.0, 1.0, 0.9, order_units=3.0)
    assert quote == pytest.approx(stats.gamma.ppf(0.9, 7, scale=0.5))
    assert duedate.quote_lead_time(6.0, 2.0) == pytest.approx(
        duedate.quote_lead_time(4.0, 2.0, order_units=3.0)
    )
    with pytest.raises(ValueError, match="order_units"):
        duedate.quote_lead_time(1.0, 1.0, order_units=0.0)


def test_quote_general_output_is_gamma_and_deterministic_without_variance():
    """cd2 = 4: shape n / 4, scale 4 / mu; cd2 = 0: exactly n / mu."""
    quote = duedate.quote_lead_time(3, 2.0, 4.0, 0.9)
    assert quote == pytest.approx(stats.gamma.ppf(0.9, 1.0, scale=2.0))
    quotes = duedate.quote_lead_time(np.array([0.0, 0.5, 2.5]), 1.0, 0.0, 0.5)
    np.testing.assert_allclose(quotes, [1.0, 1.5, 3.5])
    assert type(duedate.quote_lead_time(1, 1.0)) is float
    grid = duedate.quote_lead_time(np.array([[1.0], [2.0]]), np.array([1.0, 2.0, 4.0]))
    assert grid.shape == (2, 3)


def test_makeup_threshold_by_hand():
    """L = 10 h, wip = 3, mu = 1/h, cd2 = 1, 90 %: Erlang(n + 4) quantiles are
    9.27 h for n = 2 (6 units) and 10.53 h for n = 3 (7 units), so n = 2."""
    assert stats.gamma.ppf(0.9, 6) < 10.0 < stats.gamma.ppf(0.9, 7)
    assert duedate.makeup_threshold(10.0, 3, 1.0, 1.0, 0.9) == 2


def test_quote_matches_erlang_for_poisson_output_with_many_jobs():
    """Poisson output (cd2 = 1): the time to n departures is Erlang(n, mu).

    Its mean n / mu and variance n / mu^2 are those of the quote's normal; with
    n = 400 the CLT makes the quantiles agree to well under 1 %.
    """
    n, mu, service = 400, 5.0, 0.95
    erlang = stats.gamma.ppf(service, n, scale=1 / mu)
    quote = duedate.quote_lead_time(n - 1, mu, 1.0, service)
    assert quote == pytest.approx(erlang, rel=0.005)


@settings(max_examples=50, deadline=None)
@given(
    ahead=st.floats(0.0, 1000.0),
    more=st.floats(1e-3, 100.0),
    mu=st.floats(0.01, 100.0),
    cd2=st.floats(0.0, 10.0),
    service=st.floats(0.5, 0.999),
)
def test_quote_increases_with_jobs_ahead(ahead, more, mu, cd2, service):
    assert duedate.quote_lead_time(
        ahead + more, mu, cd2, service
    ) > duedate.quote_lead_time(ahead, mu, cd2, service)


@settings(max_examples=50, deadline=None)
@given(
    ahead=st.floats(0.0, 1000.0),
    mu=st.floats(0.01, 100.0),
    factor=st.floats(1.001, 10.0),
    cd2=st.floats(0.0, 10.0),
    service=st.floats(0.5, 0.999),
)
def test_quote_decreases_with_throughput(ahead, mu, factor, cd2, service):
    assert duedate.quote_lead_time(
        ahead, mu * factor, cd2, service
    ) < duedate.quote_lead_time(ahead, mu, cd2, service)


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((-1.0, 1.0), "jobs_ahead"),
        ((float("nan"), 1.0), "jobs_ahead"),
        ((1.0, 0.0), "throughput"),
        ((1.0, 1.0, -0.5), "cd2"),
        ((1.0, 1.0, 1.0, 1.0), "service"),
        ((1.0, 1.0, 1.0, 0.3), "service"),
    ],
)
def test_quote_bad_input(args, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        duedate.quote_lead_time(*args)


def brute_force_threshold(lead_time, wip, mu, cd2, service):
    """Scan n = 0, 1, ... while the quote still fits (the quote grows with n)."""
    best = 0
    n = 0
    while duedate.quote_lead_time(n + wip, mu, cd2, service) <= lead_time:
        best = n
        n += 1
    return best


@settings(max_examples=50, deadline=None)
@given(
    lead_time=st.floats(0.0, 60.0),
    wip=st.floats(0.0, 20.0),
    mu=st.floats(0.05, 5.0),
    cd2=st.floats(0.0, 4.0),
    service=st.floats(0.5, 0.99),
)
def test_makeup_threshold_closed_form_matches_scan(lead_time, wip, mu, cd2, service):
    threshold = duedate.makeup_threshold(lead_time, wip, mu, cd2, service)
    assert type(threshold) is int
    assert threshold == brute_force_threshold(lead_time, wip, mu, cd2, service)


def test_makeup_threshold_exact_boundary():
    """Quote of n + wip with z = 0 is (n + wip + 1) / mu: L = 5, wip = 2 fits n = 2."""
    assert duedate.makeup_threshold(5.0, 2, 1.0, 1.0, 0.5) == 2


def test_makeup_threshold_never_negative():
    """Even an empty queue misses a 1 h lead time with 10 jobs in the line: 0."""
    assert duedate.makeup_threshold(1.0, 10, 1.0) == 0
    result = duedate.makeup_threshold(np.array([0.0, 1.0, 50.0]), 10, 1.0)
    assert result.dtype.kind == "i"
    assert result[0] == result[1] == 0
    assert result[2] > 0


def test_makeup_hours():
    """max(Q - n*, 0) / mu: 9 jobs, threshold 5, 2 jobs/h -> 2 h; below -> 0."""
    assert duedate.makeup_hours(9, 5, 2.0) == 2.0
    np.testing.assert_allclose(
        duedate.makeup_hours([3, 5, 7.5], 5, 0.5), [0.0, 0.0, 5.0]
    )
    with pytest.raises(ValueError, match="queue_length"):
        duedate.makeup_hours(-1, 5, 2.0)
    with pytest.raises(ValueError, match="throughput"):
        duedate.makeup_hours(1, 5, 0.0)


def test_capacity_signal():
    # 2 of 4 periods triggered (50 % > 30 %): re-optimise.
    assert duedate.capacity_signal([1, 0, 1, 0], [0, 0, 0, 0]) == "reoptimize"
    # Never triggered, queue empty 3 of 4 periods (75 % >= 50 %): excess capacity.
    assert duedate.capacity_signal([False] * 4, [True, True, True, False]) == "excess"
    # Exactly at the limits: 3 of 10 triggered is allowed, 5 of 10 empty is excess.
    triggered = [True] * 3 + [False] * 7
    assert duedate.capacity_signal(triggered, [False] * 10) == "ok"
    assert duedate.capacity_signal([False] * 10, [True] * 5 + [False] * 5) == "excess"
    # Re-optimising wins over excess.
    assert duedate.capacity_signal([True, True], [True, True]) == "reoptimize"


def test_capacity_signal_per_flow():
    triggered = np.array([[1, 1, 0], [0, 0, 0], [0, 0, 0]], dtype=bool)
    empty = np.array([[0, 0, 0], [1, 1, 0], [0, 0, 1]], dtype=bool)
    assert duedate.capacity_signal(triggered, empty).tolist() == [
        "reoptimize",
        "excess",
        "ok",
    ]


@pytest.mark.parametrize(
    ("triggered", "empty", "kwargs", "match"),
    [
        ([], [], {}, "non-empty"),
        ([1, 0], [1], {}, "same shape"),
        ([2, 0], [1, 0], {}, "booleans"),
        ([1, 0], [1, 0], {"max_trigger_share": 1.5}, "max_trigger_share"),
        ([1, 0], [1, 0], {"min_empty_share": float("nan")}, "min_empty_share"),
    ],
)
def test_capacity_signal_bad_input(triggered, empty, kwargs, match):
    with pytest.raises(ValueError, match=match):
        duedate.capacity_signal(triggered, empty, **kwargs)
