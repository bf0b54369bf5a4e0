"""The plan's trade-off curves against a straightforward re-solve of every point.

:func:`engine.optimize.service_frontier` and
:func:`engine.optimize.order_frequency_curve` solve the items of a plan once
per fill-rate target or lot-size factor, each solve started from its
neighbour (:class:`engine.inventory._PolicySweep`). Here every point is solved
again on its own, the plain way: :func:`engine.inventory.reorder_point_for_fill_rate`
for the reorder points, then :func:`engine.inventory.policy_measures` for the
fill rate ``S(Q, r)`` and the on-hand stock ``I(Q, r)`` of Factory Physics
(Hopp & Spearman, 3rd ed., sec. 2.4.3), summed over the items.
"""

import numpy as np
import pytest

from engine import inventory, optimize, plants

FRONTIER_TARGETS = (0.80, 0.85, 0.90, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995)


def _mixed_plant(n=400, seed=7):
    """A generated plant with slow (Poisson), lumpy (negative binomial) and fast
    (normal) movers, and some items with their own service target."""
    plant = plants.generate_plant(n, 12, seed=seed)
    rng = np.random.default_rng(seed)
    items = plant.items.copy()
    kind = rng.choice(3, n, p=[0.4, 0.4, 0.2])
    demand = np.where(
        kind == 0,
        rng.choice([0.3, 1.0, 2.0], n),
        np.where(kind == 1, rng.choice([3.0, 6.0], n), items["demand_mean"] * 40),
    )
    items["demand_mean"] = demand
    items["demand_std"] = np.where(
        kind == 0,
        np.sqrt(demand),
        np.where(kind == 1, np.sqrt(demand * 3), demand * 0.1),
    )
    items["service_target"] = np.where(
        rng.random(n) < 0.1, rng.choice([0.9, 0.97, 0.99], n), np.nan
    )
    plant.items = items
    # Fast movers: shorter operations, so that the plant keeps its load.
    routing = plant.routing.copy()
    fast = routing["sku"].isin(items.loc[kind == 2, "sku"])
    routing.loc[fast, "run_hours"] /= 60
    routing.loc[fast, "setup_hours"] /= 8
    plant.routing = routing
    return plant


@pytest.fixture(scope="module")
def mixed_result():
    result = optimize.optimize_plant(_mixed_plant(), service_floor=0.9)
    models = set(result.items.loc[result.items["feasible"], "demand_model"])
    assert models == {"normal", "poisson", "negbin"}
    assert result.items["service_target"].notna().any()
    return result


def _straight_point(result, lots, service):
    """Fill rate and investment of one point, solved on its own."""
    _, stock = optimize._plan_stock(result)
    policy = result.policy
    own = stock["own"]
    target = np.where((own > 0) & (own < 1), own, max(service, policy["service_floor"]))
    args = stock["theta"], stock["sigma"]
    r = inventory.reorder_point_for_fill_rate(lots, *args, target, stock["model"])
    fill, _, on_hand = inventory.policy_measures(lots, r, *args, stock["model"])
    demand = stock["demand"]
    return np.dot(demand, fill) / demand.sum(), np.dot(stock["unit_cost"], on_hand)


def test_service_frontier_matches_a_solve_per_target(mixed_result):
    frontier = optimize.service_frontier(mixed_result, FRONTIER_TARGETS)
    q, _ = optimize._plan_stock(mixed_result)
    assert list(frontier["target"]) == sorted({*FRONTIER_TARGETS, 0.95})
    for row in frontier.itertuples():
        fill, money = _straight_point(mixed_result, q, row.target)
        assert row.fill_rate == pytest.approx(fill, rel=1e-12)
        assert row.inventory_investment == pytest.approx(money, rel=1e-12)
    plan = frontier[frontier["is_plan"]]
    assert list(plan["target"]) == [mixed_result.policy["service"]]


def test_order_frequency_curve_matches_a_solve_per_factor(mixed_result):
    curve = optimize.order_frequency_curve(mixed_result)
    q, stock = optimize._plan_stock(mixed_result)
    whole = q == np.round(q)
    service = mixed_result.policy["service"]
    for row in curve.itertuples():
        lots = np.where(
            whole, np.maximum(np.round(q * row.factor), 1.0), q * row.factor
        )
        fill, money = _straight_point(mixed_result, lots, service)
        assert row.fill_rate == pytest.approx(fill, rel=1e-12)
        assert row.inventory_investment == pytest.approx(money, rel=1e-12)
        assert row.orders_per_period == pytest.approx(
            np.sum(stock["demand"] / lots), rel=1e-12
        )
    assert curve.loc[curve["is_plan"], "factor"].tolist() == [1.0]


def test_curves_reproduce_the_plans_reorder_points(mixed_result):
    """The frontier's plan point is the plan: same reorder points, same totals."""
    q, stock = optimize._plan_stock(mixed_result)
    sweep = inventory._PolicySweep(stock["theta"], stock["sigma"], stock["model"])
    own = stock["own"]
    target = np.where((own > 0) & (own < 1), own, 0.95)
    solved = sweep.solve(q, target, start=stock["plan_r"])
    np.testing.assert_array_equal(solved["r"], stock["plan_r"])
    items = mixed_result.items[mixed_result.items["feasible"]]
    np.testing.assert_array_equal(solved["fill"], items["fill_rate"])
    np.testing.assert_array_equal(solved["on_hand"], items["expected_inventory"])


def _items(n, seed):
    """Normal (some with sigma = 0), Poisson and negative binomial items."""
    rng = np.random.default_rng(seed)
    code = rng.choice(3, n)
    mean = np.where(code == 0, rng.lognormal(4.0, 1.5, n), rng.lognormal(0.0, 1.5, n))
    std = np.where(
        code == 0,
        mean * rng.uniform(0.05, 1.5, n) * (rng.random(n) > 0.1),
        np.sqrt(mean * np.where(code == 2, rng.uniform(1.1, 40.0, n), 1.0)),
    )
    model = np.array(inventory.DISTRIBUTIONS, dtype=object)[code]
    q = np.where(code == 0, mean * rng.uniform(0.05, 5.0, n), rng.integers(1, 60, n))
    return q, mean, std, model


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sweep_gives_the_reorder_points_of_each_solve(seed):
    """Targets from high to low (the walked tails) and lots up and down."""
    q, mean, std, model = _items(3000, seed)
    sweep = inventory._PolicySweep(mean, std, model)
    cases = [(q, t) for t in (0.9, 0.999, 0.99, 0.97, 0.95, 0.9, 0.8, 0.5, 0.1)]
    cases += [
        (np.where(model == "normal", q * k, np.ceil(q * k)), 0.9) for k in (2, 5, 0.3)
    ]
    near = None
    for lots, level in cases:
        solved = sweep.solve(lots, level, near=near)
        r = inventory.reorder_point_for_fill_rate(lots, mean, std, level, model)
        fill, _, on_hand = inventory.policy_measures(lots, r, mean, std, model)
        np.testing.assert_array_equal(solved["r"], r)
        np.testing.assert_allclose(solved["fill"], fill, rtol=1e-11, atol=1e-15)
        np.testing.assert_allclose(solved["on_hand"], on_hand, rtol=1e-11, atol=1e-9)
        near = solved


def test_walked_tails_match_the_evaluated_ones():
    """``T(y - 1) = T(y) + p(y)`` and the pmf ratio, walked up to 48 units."""
    q, mean, std, model = _items(4000, 3)
    d = model != "normal"
    discrete = inventory._Discrete(mean[d], std[d], model[d] == "negbin")
    rng = np.random.default_rng(3)
    x = np.round(mean[d] + rng.uniform(0.0, 8.0, d.sum()) * std[d])
    anchors = []
    for y in (x, x + q[d]):
        point = y + rng.integers(0, 49, y.size)
        anchors.append((point, discrete.tail(point), discrete.pmf(point)))
    walked, mask = discrete.walked_ends(q[d], x, anchors)
    assert mask.mean() > 0.5
    for got, want in zip(walked, discrete.ends(q[d], x), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-300)
