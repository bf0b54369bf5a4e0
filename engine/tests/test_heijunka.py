"""Tests of engine.heijunka: takt time, quotas, goal-chasing sequences."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import heijunka

quantities_strategy = st.lists(st.integers(0, 8), min_size=1, max_size=6).filter(
    lambda q: sum(q) > 0
)


def _positions(sequence, product):
    return np.flatnonzero(np.asarray(sequence) == product)


def test_takt_time_is_available_time_per_unit():
    """480 minutes for 240 units: one unit every 2 minutes."""
    assert heijunka.takt_time(480.0, 240.0) == 2.0
    assert isinstance(heijunka.takt_time(480, 240), float)


def test_takt_time_broadcasts_over_products():
    np.testing.assert_allclose(
        heijunka.takt_time(450.0, np.array([90.0, 150.0, 450.0])), [5.0, 3.0, 1.0]
    )


@pytest.mark.parametrize(
    ("available", "demand", "name"),
    [(480.0, 0.0, "demand"), (480.0, -5.0, "demand"), (-1.0, 10.0, "available_time")],
)
def test_takt_time_rejects_bad_input(available, demand, name):
    with pytest.raises(ValueError, match=name):
        heijunka.takt_time(available, demand)


def test_quota_proportional_to_time_when_exact():
    """10 units over 8 h, 8 h, 4 h: exact shares 4, 4, 2."""
    np.testing.assert_array_equal(heijunka.production_quota(10, [8, 8, 4]), [4, 4, 2])


def test_quota_largest_remainder_breaks_ties_to_earlier_period():
    """10 units over three equal periods: 3.33 each, the spare unit goes first."""
    np.testing.assert_array_equal(heijunka.production_quota(10, [1, 1, 1]), [4, 3, 3])


def test_quota_largest_remainder_hand_example():
    """7 units over 5 h, 3 h, 2 h: shares 3.5, 2.1, 1.4 -> floors 3, 2, 1 and the
    missing unit goes to the largest remainder (0.5, period 0): 4, 2, 1."""
    np.testing.assert_array_equal(heijunka.production_quota(7, [5, 3, 2]), [4, 2, 1])


@settings(max_examples=50, deadline=None)
@given(
    demand=st.lists(st.integers(0, 500), min_size=1, max_size=5),
    time=st.lists(st.floats(0, 10), min_size=1, max_size=8).filter(
        lambda t: sum(t) > 0.1
    ),
)
def test_quota_rows_add_up_and_stay_within_one_unit(demand, time):
    quota = heijunka.production_quota(demand, time)
    assert quota.shape == (len(demand), len(time))
    np.testing.assert_array_equal(quota.sum(axis=1), demand)
    exact = np.outer(demand, np.asarray(time) / np.sum(time))
    assert np.all(np.abs(quota - exact) < 1.0 + 1e-9)
    assert np.all(quota[:, np.asarray(time) == 0] == 0)


@pytest.mark.parametrize(
    ("demand", "time", "name"),
    [
        (2.5, [1, 1], "demand"),
        (-1, [1, 1], "demand"),
        (4, [0, 0], "available_time"),
        (4, [1, -1], "available_time"),
        (4, [], "available_time"),
    ],
)
def test_quota_rejects_bad_input(demand, time, name):
    with pytest.raises(ValueError, match=name):
        heijunka.production_quota(demand, time)


def test_sequence_two_to_one():
    """A=2, B=1: slot 1 lags (2/3, 1/3) -> A; slot 2 (1/3, 2/3) -> B; then A."""
    np.testing.assert_array_equal(heijunka.levelled_sequence([2, 1]), [0, 1, 0])


def test_sequence_three_two_one_hand_derived():
    """Monden's goal chasing, A=3, B=2, C=1, Q=6, rates (1/2, 1/3, 1/6).

    Lag k*r_j - X_j before each slot (pick the largest, ties to lower index):
    k=1 (.50, .33, .17) -> A; k=2 (0, .67, .33) -> B; k=3 (.5, 0, .5) -> A (tie);
    k=4 (0, .33, .67) -> C; k=5 (.5, .67, -.17) -> B; k=6 -> A.
    """
    np.testing.assert_array_equal(
        heijunka.levelled_sequence([3, 2, 1]), [0, 1, 0, 2, 1, 0]
    )


def test_sequence_minimises_goal_chasing_distance_at_each_slot():
    """Monden's criterion itself (sum of squares after the pick) agrees."""
    quantities = np.array([5, 3, 2, 1])
    sequence = heijunka.levelled_sequence(quantities)
    made = np.zeros(4)
    for k, product in enumerate(sequence, start=1):
        target = k * quantities / quantities.sum()
        candidates = np.flatnonzero(made < quantities)
        distance = [np.sum((target - made - np.eye(4)[p]) ** 2) for p in candidates]
        assert product == candidates[int(np.argmin(distance))]
        made[product] += 1


@settings(max_examples=50, deadline=None)
@given(quantities=quantities_strategy)
def test_sequence_counts_and_proven_deviation_bounds(quantities):
    """Each product appears q_j times. Bounds proven in the module docstring:
    a product is picked only when its lag is the largest, and lags before a pick
    sum to 1, so it is never more than 1 - 1/n units ahead; as deviations sum to
    zero, its lag is at most the others' total lead, (n - 1)(1 - 1/n).
    (A lag below one unit is NOT guaranteed: [2, 2, 2, 11, 2, 11] lags 1.03.)"""
    sequence = heijunka.levelled_sequence(quantities)
    q = np.asarray(quantities)
    n = np.count_nonzero(q)
    np.testing.assert_array_equal(np.bincount(sequence, minlength=q.size), q)
    counts = np.cumsum(np.eye(q.size)[sequence], axis=0)
    ideal = np.arange(1, q.sum() + 1)[:, None] * q / q.sum()
    assert (counts - ideal).max() <= 1 - 1 / n + 1e-9
    assert (ideal - counts).max() <= (n - 1) * (1 - 1 / n) + 1e-9


def test_goal_chasing_can_lag_more_than_one_unit():
    """Why the property test does not assert |deviation| < 1 for goal chasing."""
    quantities = [2, 2, 2, 11, 2, 11]
    deviation = heijunka.sequence_deviation(
        heijunka.levelled_sequence(quantities), quantities
    )
    assert 1.0 < deviation < 1.1


def test_product_rate_variation_of_two_to_one():
    """A B A for A=2, B=1: deviations (1/3, 1/3), (1/3, 1/3), (0, 0) -> PRV 4/9;
    A A B: (1/3, 1/3), (2/3, 2/3), 0 -> 10/9."""
    assert heijunka.product_rate_variation([0, 1, 0], [2, 1]) == pytest.approx(4 / 9)
    assert heijunka.product_rate_variation([0, 0, 1], [2, 1]) == pytest.approx(10 / 9)
    assert heijunka.sequence_deviation([0, 0, 1], [2, 1]) == pytest.approx(2 / 3)


def test_unit_due_now_is_taken_first_hand_derived():
    """A=3, B=2, C=1 with C due at slot 0: C, then goal chasing on the rest.
    Lags: k=2 (1, .67, -.67) -> A; k=3 (.5, 1, ..) -> B; k=4 (1, .33) -> A;
    k=5 (.5, .67) -> B; k=6 -> A."""
    sequence = heijunka.levelled_sequence([3, 2, 1], latest_position=[None, None, [0]])
    np.testing.assert_array_equal(sequence, [2, 0, 1, 0, 1, 0])


def test_lookahead_keeps_two_units_due_at_slot_one_feasible():
    """B and C both due by slot 1: plain goal chasing would start with A and
    then miss one of them, so the first two slots must be B and C."""
    sequence = heijunka.levelled_sequence([4, 1, 1], latest_position=[[], [1], [1]])
    assert sorted(sequence[:2]) == [1, 2]
    assert heijunka.levelled_sequence([4, 1, 1])[0] == 0


@settings(max_examples=50, deadline=None)
@given(
    quantities=quantities_strategy,
    seed=st.integers(0, 2**16),
    slack=st.integers(0, 3),
)
def test_due_dates_from_a_feasible_schedule_are_met(quantities, seed, slack):
    """Deadlines taken from a random schedule (plus slack) are always feasible;
    the i-th unit of product j must then sit at or before its i-th deadline."""
    rng = np.random.default_rng(seed)
    q = np.asarray(quantities)
    reference = rng.permutation(np.repeat(np.arange(q.size), q))
    latest = [
        [int(p) + slack for p in _positions(reference, j) if rng.random() < 0.7]
        for j in range(q.size)
    ]
    sequence = heijunka.levelled_sequence(q, latest_position=latest)
    np.testing.assert_array_equal(np.bincount(sequence, minlength=q.size), q)
    for j in range(q.size):
        due = np.sort(latest[j])
        assert np.all(_positions(sequence, j)[: due.size] <= due)


def test_infeasible_due_dates_are_rejected():
    with pytest.raises(ValueError, match=r"infeasible.*slot 0"):
        heijunka.levelled_sequence([1, 1, 1], latest_position=[[0], [0], None])
    with pytest.raises(ValueError, match=r"infeasible.*slot 1"):
        heijunka.levelled_sequence([2, 2], latest_position=[[1, 1], [1]])


@pytest.mark.parametrize(
    ("quantities", "latest", "match"),
    [
        ([2, -1], None, "quantities"),
        ([1.5, 2], None, "quantities"),
        ([0, 0], None, "at least one unit"),
        ([[1, 2]], None, "1-D"),
        ([2, 1], [[0]], "one entry per product"),
        ([2, 1], [[0], [0, 1]], "only 1 units"),
        ([2, 1], [[-1], None], r"latest_position\[0\]"),
    ],
)
def test_sequence_rejects_bad_input(quantities, latest, match):
    with pytest.raises(ValueError, match=match):
        heijunka.levelled_sequence(quantities, latest_position=latest)


def test_cumulative_shortfall_counts_units_due_before_the_level_plan_makes_them():
    """Monden ch. 11: a level plan of 4 units a period against a front-loaded
    demand of 8, 2, 2 units lags by 8 - 4 = 4 units after the first period and
    by 10 - 8 = 2 after the second, and catches up at the end (12 = 12)."""
    shortfall = heijunka.cumulative_shortfall([8, 2, 2], [4, 4, 4])
    np.testing.assert_allclose(shortfall, [4.0, 2.0, 0.0])


def test_cumulative_shortfall_is_zero_when_quotas_lead_demand():
    np.testing.assert_allclose(
        heijunka.cumulative_shortfall([1, 2, 9], [4, 4, 4]), [0.0, 0.0, 0.0]
    )


@pytest.mark.parametrize(
    ("demand", "quota", "name"),
    [
        ([1, -1], [1, 1], "demand"),
        ([1, 1], [1, np.nan], "quota"),
        ([1], [1, 2], "same length"),
    ],
)
def test_cumulative_shortfall_rejects_bad_input(demand, quota, name):
    with pytest.raises(ValueError, match=name):
        heijunka.cumulative_shortfall(demand, quota)
