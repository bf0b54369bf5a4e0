"""Tests of engine.lotsizing: capacitated lot sizes with queueing (FP ch. 9)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import lotsizing

ONE_ITEM = {
    "demand": [0.5],
    "holding_cost": [1.0],
    "setup_cost": [2.0],
    "item": [0],
    "workcenter": [0],
    "run_time": [1.0],
    "setup_time": [2.0],
    "capacity": [1.0],
}

# Two items sharing two single-machine workcenters (c = 1: m = 1, speed 1).
TWO_ITEMS = {
    "demand": np.array([0.3, 0.2]),
    "holding_cost": np.array([1.0, 2.0]),
    "setup_cost": np.array([5.0, 1.0]),
    "item": np.array([0, 0, 1, 1]),
    "workcenter": np.array([0, 1, 0, 1]),
    "run_time": np.array([1.0, 0.5, 1.5, 0.8]),
    "setup_time": np.array([2.0, 1.0, 1.0, 3.0]),
    "capacity": np.array([1.0, 1.0]),
}

THREE_ITEMS = {
    "demand": [0.8, 0.6, 0.3],
    "holding_cost": [1.0, 2.0, 0.5],
    "setup_cost": [5.0, 1.0, 10.0],
    "item": [0, 0, 1, 1, 2],
    "workcenter": [0, 1, 0, 1, 1],
    "run_time": [1.0, 0.5, 1.5, 0.8, 0.3],
    "setup_time": [2.0, 1.0, 1.0, 3.0, 2.0],
    "capacity": [2.0, 1.5],  # 2 machines; 2 machines at speed 0.75
}


def _grid_cost(lots, case, ca2=1.0, ce2=1.0):
    """Independent, vectorised re-statement of the model for c_j = 1 (Kingman).

    ``lots`` has shape (points, items). Per workcenter: lot rate sum D/Q, load
    sum D (s + Q t), second moment sum (D/Q)((s + Q t)^2 + ce2 (s^2 + Q t^2));
    lots of Q units of demand with SCV ca2 arrive with SCV ca2 / Q, merged by
    Whitt's hybrid c2 = w sum(l_i/l) c_i2 + 1 - w, w = 1 / (1 + 4 (1 - u)^2
    (nu - 1)), nu = l^2 / sum l_i^2; W = (c2 + scv) / 2 * u / (1 - u) * te;
    cost = sum A D/Q + h Q / 2 + h D CT.
    """
    demand = np.asarray(case["demand"], float)
    holding = np.asarray(case["holding_cost"], float)
    setup_cost = np.asarray(case["setup_cost"], float)
    n_wc = len(case["capacity"])
    rate = np.zeros((lots.shape[0], n_wc))
    load = np.zeros_like(rate)
    second = np.zeros_like(rate)
    rate_scv = np.zeros_like(rate)
    rate_square = np.zeros_like(rate)
    rows = list(
        zip(
            case["item"],
            case["workcenter"],
            case["run_time"],
            case["setup_time"],
            strict=True,
        )
    )
    for i, j, t, s in rows:
        q = lots[:, i]
        lot_rate = demand[i] / q
        time = s + q * t
        rate[:, j] += lot_rate
        load[:, j] += lot_rate * time
        second[:, j] += lot_rate * (time**2 + ce2 * (s**2 + q * t**2))
        rate_scv[:, j] += lot_rate * ca2 / q
        rate_square[:, j] += lot_rate**2
    mean = load / rate
    scv = second / rate / mean**2 - 1
    streams = rate**2 / rate_square
    weight = 1 / (1 + 4 * (1 - load) ** 2 * (streams - 1))
    arrival = weight * rate_scv / rate + 1 - weight
    with np.errstate(divide="ignore"):
        wait = np.where(
            load < 1, (arrival + scv) / 2 * load / (1 - load) * mean, np.inf
        )
    cost = np.sum(setup_cost * demand / lots + holding * lots / 2, axis=1)
    for i, j, t, s in rows:
        q = lots[:, i]
        cost += holding[i] * demand[i] * (wait[:, j] + s + q * t)
    return cost, load


def test_lot_size_cost_matches_a_hand_computation():
    """D = 0.5, Q = 4, t = 1, s = 2, c = 1: lot rate 0.125, lot time 6, u = 0.75;
    Poisson demand in lots of 4 arrives with SCV 1/4 (Factory Physics sec. 9.4);
    Var T = ce2 (s^2 + Q t^2) = 8 -> SCV 8/36; W = (1/4 + 2/9)/2 * 0.75/0.25 * 6
    = 4.25; CT = 10.25; cost = A D/Q + h Q/2 + h D CT = 0.25 + 2 + 5.125."""
    result = lotsizing.lot_size_cost([4.0], **ONE_ITEM)
    assert result.utilization[0] == pytest.approx(0.75)
    assert result.queue_time[0] == pytest.approx(4.25)
    assert result.cycle_time[0] == pytest.approx(10.25)
    assert result.setup_cost == pytest.approx(0.25)
    assert result.cycle_stock_cost == pytest.approx(2.0)
    assert result.wip_cost == pytest.approx(5.125)
    assert result.total_cost == pytest.approx(7.375)
    # Demand SCV 0.5 in lots of 4: arrival SCV 1/8.
    half = lotsizing.lot_size_cost([4.0], **ONE_ITEM, ca2=0.5)
    assert half.queue_time[0] == pytest.approx((1 / 8 + 2 / 9) / 2 * 3 * 6)


def test_lot_size_cost_multi_machine_and_item_mixture():
    """Two machines (c = 2): G/G/2 with Sakasegawa's exponent sqrt(6) - 1.

    Items 0 and 1 at one workcenter, Q = (4, 2), D = (0.5, 0.5), t = (1, 1),
    s = (2, 0), ce2 = 0 (only the variance between items is left): lot rates
    0.125 and 0.25, lot times 6 and 2; mean 10/3, E[T^2] = (0.125*36 + 0.25*4)
    / 0.375 = 44/3, SCV = (44/3) / (100/9) - 1 = 0.32; u = (0.75 + 0.5) / 2.
    Arrivals: Poisson demand in lots of 4 and 2 (SCV 1/4 and 1/2) merged by
    Whitt's hybrid: nu = 0.375^2 / (0.125^2 + 0.25^2) = 1.8, w = 1 / (1 + 4
    (0.375)^2 0.8) = 1 / 1.45, rate-weighted SCV 5/12, so ca2 = w 5/12 + 1 - w.
    """
    case = {
        "demand": [0.5, 0.5],
        "holding_cost": [1.0, 1.0],
        "setup_cost": [1.0, 1.0],
        "item": [0, 1],
        "workcenter": [0, 0],
        "run_time": [1.0, 1.0],
        "setup_time": [2.0, 0.0],
        "capacity": [2.0],
    }
    result = lotsizing.lot_size_cost([4.0, 2.0], **case, ce2=0.0)
    u = 0.625
    w = 1 / 1.45
    ca2 = w * 5 / 12 + 1 - w
    expected = (ca2 + 0.32) / 2 * u ** (np.sqrt(6) - 1) / (2 * (1 - u)) * (10 / 3)
    assert result.utilization[0] == pytest.approx(u)
    assert result.queue_time[0] == pytest.approx(expected)
    np.testing.assert_allclose(result.cycle_time, expected + np.array([6.0, 2.0]))


def test_overloaded_plan_costs_infinity():
    result = lotsizing.lot_size_cost([1.0], **ONE_ITEM)  # u = 0.5 * 3 = 1.5
    assert result.total_cost == np.inf
    assert result.queue_time[0] == np.inf


def test_negligible_queue_gives_the_eoq():
    """Tiny run and setup times: no queue, no capacity limit, Q = sqrt(2AD/h).

    The in-process WIP term only adds h D t = 1e-8 to the holding rate."""
    result = lotsizing.lot_sizes([1.0], [0.01], [50.0], [0], [0], [1e-6], [1e-6], [1.0])
    assert result.lot_size[0] == pytest.approx(np.sqrt(2 * 50.0 * 1.0 / 0.01), rel=1e-5)
    assert result.converged
    assert result.feasible.all()


def test_single_item_optimum_matches_a_brute_force_grid():
    result = lotsizing.lot_sizes(**ONE_ITEM, max_utilization=0.99, min_lot=0.01)
    grid = np.geomspace(2.05, 200.0, 4000)  # u < 0.99 needs Q > 2.04
    costs = [lotsizing.lot_size_cost([q], **ONE_ITEM).total_cost for q in grid]
    assert result.lot_size[0] == pytest.approx(grid[np.argmin(costs)], rel=0.02)
    assert result.total_cost <= min(costs) * (1 + 1e-9)
    assert result.utilization[0] < 0.99  # the queue, not the ceiling, decides


@pytest.mark.parametrize("ceiling", [0.95, 0.75])
def test_two_items_two_workcenters_match_a_brute_force_grid(ceiling):
    """A 300 x 300 geometric grid (1.7 % steps) of the independent cost; at
    0.75 the ceiling binds at workcenter 0 and the grid keeps feasible points."""
    result = lotsizing.lot_sizes(**TWO_ITEMS, max_utilization=ceiling, min_lot=0.01)
    axis = np.geomspace(0.5, 80.0, 300)
    first, second = np.meshgrid(axis, axis, indexing="ij")
    lots = np.column_stack([first.ravel(), second.ravel()])
    cost, load = _grid_cost(lots, TWO_ITEMS)
    cost[(load > ceiling).any(axis=1)] = np.inf
    best = lots[np.argmin(cost)]
    np.testing.assert_allclose(result.lot_size, best, rtol=0.02)
    assert result.total_cost <= cost.min() * (1 + 1e-9)
    own = _grid_cost(result.lot_size[None, :], TWO_ITEMS)[0][0]
    assert result.total_cost == pytest.approx(own, rel=1e-12)
    assert np.all(result.utilization <= ceiling + 1e-9)
    if ceiling == 0.75:
        assert result.utilization[0] == pytest.approx(0.75)


def test_three_items_with_multi_machine_workcenters_are_coordinate_optimal():
    """No single lot size can be moved on a fine grid to lower the cost."""
    options = {"ca2": [1.5, 0.5, 1.0], "ce2": [0.5, 2.0]}
    result = lotsizing.lot_sizes(
        **THREE_ITEMS, max_utilization=0.95, min_lot=0.01, **options
    )
    assert result.converged
    for i in range(3):
        grid = result.lot_size[i] * np.geomspace(0.8, 1.25, 81)
        costs = []
        for value in grid:
            lots = result.lot_size.copy()
            lots[i] = value
            cost = lotsizing.lot_size_cost(lots, **THREE_ITEMS, **options)
            feasible = np.all(cost.utilization <= 0.95)
            costs.append(cost.total_cost if feasible else np.inf)
        assert result.total_cost <= min(costs) * (1 + 1e-9)
        assert result.lot_size[i] == pytest.approx(grid[np.argmin(costs)], rel=0.02)


def test_cycle_time_is_u_shaped_in_the_lot_size():
    """Factory Physics ch. 9 (serial batching): small lots drown the station in
    setups, large lots wait behind long jobs; cycle time falls, then rises."""
    grid = np.geomspace(2.1, 200.0, 300)
    cycle = np.array(
        [lotsizing.lot_size_cost([q], **ONE_ITEM).cycle_time[0] for q in grid]
    )
    lowest = np.argmin(cycle)
    assert 0 < lowest < grid.size - 1
    assert np.all(np.diff(cycle[: lowest + 1]) < 0)
    assert np.all(np.diff(cycle[lowest:]) > 0)


def test_tighter_ceiling_gives_larger_lots_and_is_respected():
    """All items at one workcenter: a tighter binding ceiling raises its setup
    price, so every lot grows. (With several workcenters only the items of the
    binding one must grow: an item elsewhere may shrink as the queue it shares
    changes.)"""
    rng = np.random.default_rng(0)
    n = 6
    case = {
        "demand": rng.uniform(0.02, 0.1, n),
        "holding_cost": rng.uniform(0.5, 2, n),
        "setup_cost": rng.uniform(1, 20, n),
        "item": np.arange(n),
        "workcenter": np.zeros(n, int),
        "run_time": rng.uniform(0.5, 2, n),
        "setup_time": rng.uniform(0.5, 3, n),
        "capacity": [1.0],
    }
    previous = None
    for ceiling in (0.9, 0.75, 0.7, 0.6, 0.5):
        result = lotsizing.lot_sizes(**case, max_utilization=ceiling, min_lot=0.01)
        assert result.utilization[0] <= ceiling + 1e-9
        if previous is not None:
            assert np.all(result.lot_size >= previous * (1 - 1e-6))
        previous = result.lot_size
    assert result.utilization[0] == pytest.approx(0.5)

    loose = lotsizing.lot_sizes(**TWO_ITEMS, max_utilization=0.95, min_lot=0.01)
    tight = lotsizing.lot_sizes(**TWO_ITEMS, max_utilization=0.72, min_lot=0.01)
    assert np.all(tight.lot_size >= loose.lot_size)
    assert np.all(tight.utilization <= 0.72 + 1e-9)


def test_max_lot_and_min_lot_bound_the_lots():
    result = lotsizing.lot_sizes(**TWO_ITEMS, min_lot=4.0, max_lot=6.0)
    assert np.all((result.lot_size >= 4.0) & (result.lot_size <= 6.0))


def test_infeasible_items_are_flagged_and_the_rest_optimised_alone():
    """Workcenter 0 carries 0.8 * 1.0 + 0.6 * 1.5 = 1.7 machine-hours per hour
    of run time on 2 machines: u >= 0.85 whatever the lots; items 0 and 1 go
    through it, item 2 does not."""
    result = lotsizing.lot_sizes(**THREE_ITEMS, max_utilization=0.85)
    assert result.feasible.tolist() == [False, False, True]
    assert "workcenter 0" in result.reason[0] and result.reason[2] == ""
    assert result.workcenter_feasible.tolist() == [False, True]
    assert result.run_utilization[0] == pytest.approx(0.85)
    assert np.isinf(result.cycle_time[:2]).all() and np.isinf(result.queue_time[0])
    assert np.isfinite(result.lot_size).all()
    alone = lotsizing.lot_sizes(
        [0.3],
        [0.5],
        [10.0],
        [0],
        [1],
        [0.3],
        [2.0],
        THREE_ITEMS["capacity"],
        max_utilization=0.85,
    )
    assert result.lot_size[2] == pytest.approx(alone.lot_size[0], rel=1e-6)
    assert result.total_cost == pytest.approx(alone.total_cost, rel=1e-9)


def test_items_without_demand_or_route():
    result = lotsizing.lot_sizes(
        [0.0, 1.0], [1.0, 0.02], [5.0, 2.0], [0], [0], [1.0], [1.0], [1.0]
    )
    assert result.lot_size[0] == 1.0  # min_lot
    assert result.lot_size[1] == pytest.approx(np.sqrt(2 * 2.0 * 1.0 / 0.02))
    assert result.cycle_time[1] == 0.0


def test_scales_to_many_items():
    rng = np.random.default_rng(5)
    n, m = 3000, 12
    steps = rng.integers(1, 5, n)
    item = np.repeat(np.arange(n), steps)
    workcenter = rng.integers(0, m, item.size)
    demand = rng.lognormal(-3, 1, n)
    run_time = rng.uniform(0.001, 0.05, item.size)
    capacity = np.bincount(workcenter, demand[item] * run_time, minlength=m) / 0.5
    result = lotsizing.lot_sizes(
        demand,
        rng.uniform(0.01, 1, n),
        rng.uniform(5, 200, n),
        item,
        workcenter,
        run_time,
        rng.uniform(0.05, 0.5, item.size),
        capacity,
        max_utilization=0.85,
    )
    assert result.converged and result.feasible.all()
    assert np.all(result.utilization <= 0.85 + 1e-9)
    assert np.isclose(result.utilization, 0.85).any()  # some ceilings bind


@pytest.mark.parametrize(
    ("change", "name"),
    [
        ({"demand": [-0.5]}, "demand"),
        ({"holding_cost": [0.0]}, "holding_cost"),
        ({"setup_cost": [np.nan]}, "setup_cost"),
        ({"item": [1]}, "item"),
        ({"workcenter": [0.5]}, "workcenter"),
        ({"run_time": [-1.0]}, "run_time"),
        ({"setup_time": [np.inf]}, "setup_time"),
        ({"capacity": [0.0]}, "capacity"),
        ({"max_utilization": 1.0}, "max_utilization"),
        ({"max_lot": 0.5}, "max_lot"),
        ({"ca2": [1.0, 1.0]}, "ca2"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(change, name):
    with pytest.raises(ValueError, match=name):
        lotsizing.lot_sizes(**{**ONE_ITEM, **change})


@settings(max_examples=50, deadline=None)
@given(
    demand=st.floats(0.01, 0.3),
    setup=st.floats(0.1, 3.0),
    ceiling=st.floats(0.5, 0.95),
)
def test_ceiling_is_respected_whenever_feasible(demand, setup, ceiling):
    case = {**ONE_ITEM, "demand": [demand], "setup_time": [setup]}
    result = lotsizing.lot_sizes(**case, max_utilization=ceiling, min_lot=0.01)
    if demand * 1.0 >= ceiling:
        assert not result.feasible[0]
    else:
        assert result.feasible[0]
        assert result.utilization[0] <= ceiling + 1e-9


def test_without_lead_time_cost_the_lot_is_the_eoq():
    """lead_time_cost = 0 leaves setups and the lot cost: Q = sqrt(D A / lot_cost),
    the EOQ sqrt(2 A D / h) for the default lot cost h / 2 (Factory Physics
    sec. 2.2), here D = 0.5, A = 2, h = 1: Q = sqrt(2)."""
    case = {**ONE_ITEM, "setup_time": [0.2]}
    result = lotsizing.lot_sizes(**case, lead_time_cost=0.0, min_lot=0.01)
    assert result.lot_size[0] == pytest.approx(np.sqrt(2.0), rel=1e-6)
    doubled = lotsizing.lot_sizes(
        **case, lead_time_cost=0.0, lot_cost=1.0, min_lot=0.01
    )
    assert doubled.lot_size[0] == pytest.approx(1.0, rel=1e-6)


def test_split_operation_sends_a_share_of_the_lots_to_each_row():
    """One item (D = 0.5, Q = 4, t = 1, s = 2) split half and half over two
    single machines: each gets lots at rate 0.0625 with the thinned SCV
    0.5 / 4 + 0.5 = 0.625, u = 0.375, lot time 6 with SCV 8/36:
    W = (0.625 + 2/9) / 2 * 0.375 / 0.625 * 6; CT = 0.5 (W + 6) twice."""
    case = {
        **ONE_ITEM,
        "item": [0, 0],
        "workcenter": [0, 1],
        "run_time": [1.0, 1.0],
        "setup_time": [2.0, 2.0],
        "capacity": [1.0, 1.0],
    }
    result = lotsizing.lot_size_cost([4.0], **case, share=[0.5, 0.5])
    wait = (0.625 + 2 / 9) / 2 * 0.375 / 0.625 * 6
    np.testing.assert_allclose(result.utilization, [0.375, 0.375])
    np.testing.assert_allclose(result.queue_time, [wait, wait])
    assert result.cycle_time[0] == pytest.approx(wait + 6.0)
