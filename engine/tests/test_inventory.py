"""Tests of engine.inventory: base stock and (Q, r) under normal lead-time demand."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from engine import inventory

# (q, r, theta, sigma): centre, both tails, negative r, Q small and large vs sigma.
POLICIES = [
    (10.0, 95.0, 100.0, 10.0),
    (50.0, 400.0, 410.0, 20.0),
    (3.0, -5.0, 2.0, 4.0),
    (100.0, 150.0, 100.0, 5.0),
    (10.0, 60.0, 100.0, 8.0),
    (0.5, 130.0, 100.0, 10.0),
]


def _brute_fill(q, r, mean, std):
    """S(Q, r) = (1/Q) integral_r^{r+Q} G(x) dx by adaptive quadrature."""
    value, _ = integrate.quad(
        lambda x: stats.norm.cdf(x, mean, std), r, r + q, epsabs=0, epsrel=1e-12
    )
    return value / q


def _brute_backorders(q, r, mean, std):
    """B(Q, r) = (1/Q) integral_r^{r+Q} E[(X - x)+] dx, both integrals numerical."""

    def shortfall(x):
        return integrate.quad(
            lambda y: stats.norm.sf(y, mean, std), x, mean + 15 * std
        )[0]

    return integrate.quad(shortfall, r, r + q)[0] / q


def _brute_on_hand(q, r, mean, std):
    """I(Q, r) = (1/Q) integral_r^{r+Q} E[(x - X)+] dx, both integrals numerical."""

    def on_hand(x):
        return integrate.quad(
            lambda y: stats.norm.cdf(y, mean, std), mean - 15 * std, x
        )[0]

    return integrate.quad(on_hand, r, r + q)[0] / q


def test_base_stock_is_the_service_quantile():
    level = inventory.base_stock(100.0, 10.0, 0.95)
    assert stats.norm.cdf(level, 100.0, 10.0) == pytest.approx(0.95, abs=1e-12)
    assert isinstance(level, float)


def test_base_stock_at_half_service_or_zero_std_is_the_mean():
    assert inventory.base_stock(123.0, 17.0, 0.5) == pytest.approx(123.0, abs=1e-12)
    assert inventory.base_stock(123.0, 0.0, 0.99) == 123.0


def test_base_stock_broadcasts():
    levels = inventory.base_stock(np.array([10.0, 20.0]), 2.0, np.array([[0.5], [0.9]]))
    assert levels.shape == (2, 2)
    np.testing.assert_allclose(levels[0], [10.0, 20.0])


@pytest.mark.parametrize(("q", "r", "mean", "std"), POLICIES)
def test_fill_rate_matches_numerical_integration_of_the_cdf(q, r, mean, std):
    assert inventory.fill_rate(q, r, mean, std) == pytest.approx(
        _brute_fill(q, r, mean, std), abs=1e-9
    )


def test_fill_rate_keeps_relative_accuracy_in_both_tails():
    """Tiny fill rates and tiny stock-out shares are not lost to cancellation."""
    low = inventory.fill_rate(10.0, 40.0, 100.0, 5.0)  # z in [-12, -10]
    brute_low = _brute_fill(10.0, 40.0, 100.0, 5.0)
    assert low == pytest.approx(brute_low, rel=1e-6)
    assert 0 < low < 1e-20
    # z in [6, 8]: 1 - S ~ 8e-11 must keep its digits, not round to 0 or 1e-16.
    shortfall = 1.0 - inventory.fill_rate(10.0, 130.0, 100.0, 5.0)
    brute, _ = integrate.quad(
        lambda x: stats.norm.sf(x, 100.0, 5.0), 130.0, 140.0, epsabs=0, epsrel=1e-12
    )
    assert shortfall == pytest.approx(brute / 10.0, rel=1e-5)


@pytest.mark.parametrize(("q", "r", "mean", "std"), POLICIES)
def test_backorder_and_inventory_levels_match_double_integrals(q, r, mean, std):
    assert inventory.backorder_level(q, r, mean, std) == pytest.approx(
        _brute_backorders(q, r, mean, std), rel=1e-6, abs=1e-9
    )
    assert inventory.inventory_level(q, r, mean, std) == pytest.approx(
        _brute_on_hand(q, r, mean, std), rel=1e-6, abs=1e-9
    )


@pytest.mark.parametrize(("q", "r", "mean", "std"), POLICIES)
def test_on_hand_minus_backorders_is_the_average_net_inventory(q, r, mean, std):
    """I - B = Q/2 + r - theta exactly (net inventory = position - demand)."""
    on_hand = inventory.inventory_level(q, r, mean, std)
    backorders = inventory.backorder_level(q, r, mean, std)
    assert on_hand - backorders == pytest.approx(q / 2 + r - mean, abs=1e-9)


@pytest.mark.parametrize(("q", "r", "mean", "std"), POLICIES)
def test_inventory_slope_in_r_is_the_fill_rate(q, r, mean, std):
    """dI/dr = S(Q, r), the identity behind optimal_reorder_points."""
    step = 1e-4 * std
    slope = (
        inventory.inventory_level(q, r + step, mean, std)
        - inventory.inventory_level(q, r - step, mean, std)
    ) / (2 * step)
    assert slope == pytest.approx(inventory.fill_rate(q, r, mean, std), abs=1e-7)


@pytest.mark.parametrize(
    ("q", "r"), [(50, 400), (50, 380), (100, 420), (20, 430), (200, 350), (10, 390)]
)
def test_fill_rate_approximates_discrete_poisson_model(q, r):
    """Factory Physics' discrete (Q, r) fill rate, Poisson demand with mean 400.

    Hopp & Spearman, Factory Physics 3rd ed., sec. 2.4.3: S(Q, r) = 1 - [B(r) -
    B(r + Q)] / Q with B(x) = E[(X - x)+]; since B(x) - B(x + 1) = 1 - G(x) this
    is (1/Q) sum_{x=r}^{r+Q-1} G(x), whose midpoint-rule integral is the
    continuous formula at the same r (the continuity correction is built in).
    What remains is the normal approximation of the Poisson cdf: the
    first Edgeworth term is skewness / 6 * (1 - z^2) phi(z), at most
    (1 / sqrt(400)) / 6 * 0.399 = 0.0033; hence the tolerance 0.004.
    """
    mean = 400.0
    counts = np.arange(0, 1200)
    pmf = stats.poisson.pmf(counts, mean)

    def backorders(x):
        return np.sum(np.maximum(counts - x, 0) * pmf)

    discrete = 1.0 - (backorders(r) - backorders(r + q)) / q
    continuous = inventory.fill_rate(q, r, mean, np.sqrt(mean))
    assert continuous == pytest.approx(discrete, abs=0.004)


def test_factory_physics_q_r_spare_part_example():
    """Factory Physics 3rd ed., sec. 2.4.3: the (Q, r) example of a spare part.

    D = 14 units a year, replenishment lead time 45 days, so theta = 14 x 45 /
    365 = 1.726 and, Poisson-like, sigma = sqrt(theta) = 1.314, worked with the
    book's normal formulas. Published figures (three digits): Q = 4, r = 3 give
    F = D / Q = 3.5 orders a year, fill rate S = 0.971, backorders B = 0.017
    and on hand I = 3.79; with Q = 2 the fill rate is 0.943 at r = 3 and 0.989
    at r = 4; the backorder-cost reorder point G(r) = b / (b + h) = 100 / 130
    is r = 2.69 and the stockout-cost one, G(r) = kD / (kD + hQ) = 560 / 680,
    is r = 2.95. Quoted from a public chapter summary of the 3rd edition
    (the book's own pages were not at hand). The book's I counts the cycle
    stock as (Q + 1) / 2 (discrete units); the engine's continuous normal
    model counts Q / 2, half a unit less. Exact Poisson demand gives other
    values here (S = 0.965 at Q = 4, r = 3), so these figures check the normal
    model, and the Poisson (Q, r) is checked by direct summation in
    test_inventory_discrete.py.
    """
    theta = 14 * 45 / 365
    sigma = np.sqrt(theta)
    assert theta == pytest.approx(1.726, abs=5e-4)
    assert sigma == pytest.approx(1.314, abs=5e-4)
    assert inventory.fill_rate(4, 3, theta, sigma) == pytest.approx(0.971, abs=5e-4)
    backorders = inventory.backorder_level(4, 3, theta, sigma)
    assert backorders == pytest.approx(0.017, abs=5e-4)
    on_hand = inventory.inventory_level(4, 3, theta, sigma)
    assert on_hand == pytest.approx(4 / 2 + 3 - theta + backorders, abs=1e-12)
    assert on_hand + 0.5 == pytest.approx(3.79, abs=5e-3)
    assert inventory.fill_rate(2, 3, theta, sigma) == pytest.approx(0.943, abs=5e-4)
    assert inventory.fill_rate(2, 4, theta, sigma) == pytest.approx(0.989, abs=5e-4)
    assert inventory.base_stock(theta, sigma, 100 / 130) == pytest.approx(
        2.69, abs=5e-3
    )
    assert inventory.base_stock(theta, sigma, 560 / 680) == pytest.approx(
        2.95, abs=5e-3
    )


def test_zero_std_limits():
    assert inventory.fill_rate(10.0, 100.0, 100.0, 0.0) == 1.0
    assert inventory.fill_rate(10.0, 120.0, 100.0, 0.0) == 1.0
    assert inventory.fill_rate(10.0, 95.0, 100.0, 0.0) == pytest.approx(0.5)
    assert inventory.fill_rate(10.0, 80.0, 100.0, 0.0) == 0.0
    # Q/2 + r - theta on hand when nothing is short.
    assert inventory.inventory_level(10.0, 100.0, 100.0, 0.0) == pytest.approx(5.0)
    assert inventory.backorder_level(10.0, 100.0, 100.0, 0.0) == 0.0
    # A vanishing std converges to the deterministic values.
    for r in (80.0, 95.0, 100.0, 120.0):
        for function in (
            inventory.fill_rate,
            inventory.backorder_level,
            inventory.inventory_level,
        ):
            assert function(10.0, r, 100.0, 1e-7) == pytest.approx(
                function(10.0, r, 100.0, 0.0), abs=1e-6
            )


@settings(max_examples=50, deadline=None)
@given(
    q=st.floats(0.1, 500),
    r=st.floats(-500, 1500),
    step=st.floats(0.01, 100),
    mean=st.floats(0, 1000),
    std=st.floats(0.01, 300),
)
def test_fill_rate_increases_in_r_and_in_q(q, r, step, mean, std):
    """dS/dr = (G(r+Q) - G(r))/Q >= 0; dS/dQ = (G(r+Q) - S)/Q >= 0 (S averages G)."""
    fill = inventory.fill_rate(q, r, mean, std)
    assert inventory.fill_rate(q, r + step, mean, std) >= fill - 1e-12
    assert inventory.fill_rate(q + step, r, mean, std) >= fill - 1e-12
    assert 0.0 <= fill <= 1.0


@settings(max_examples=50, deadline=None)
@given(
    q=st.floats(0.1, 500),
    r=st.floats(-500, 1500),
    step=st.floats(0.01, 100),
    std=st.floats(0.0, 300),
)
def test_backorders_fall_and_stock_rises_with_r(q, r, step, std):
    mean = 500.0
    assert inventory.backorder_level(
        q, r + step, mean, std
    ) <= inventory.backorder_level(q, r, mean, std) + 1e-9 * (1 + abs(r))
    assert inventory.inventory_level(
        q, r + step, mean, std
    ) >= inventory.inventory_level(q, r, mean, std) - 1e-9 * (1 + abs(r))


def test_lead_time_demand_total_variance():
    """Law of total variance, by hand: L = 2 or 4 with equal odds (E L = 3,
    Var L = 1), per-period demand mean 10, sd 2: Var = E[L] 2^2 + 10^2 Var L =
    12 + 100 = 112, mean = 30."""
    mean, std = inventory.lead_time_demand(10.0, 2.0, 3.0, 1.0)
    assert mean == pytest.approx(30.0)
    assert std == pytest.approx(np.sqrt(112.0))
    # Fixed lead time: sd * sqrt(L); constant demand: D * sd(L).
    assert inventory.lead_time_demand(10.0, 2.0, 4.0, 0.0)[1] == pytest.approx(4.0)
    assert inventory.lead_time_demand(10.0, 0.0, 4.0, 0.5)[1] == pytest.approx(5.0)


def test_reorder_point_for_fill_rate_hits_the_target_from_above():
    q = np.array([10.0, 50.0, 100.0, 5.0, 20.0])
    mean = np.array([100.0, 400.0, 100.0, 50.0, 60.0])
    std = np.array([10.0, 20.0, 5.0, 0.0, 30.0])
    target = np.array([0.9, 0.5, 0.999, 0.7, 0.99])
    r = inventory.reorder_point_for_fill_rate(q, mean, std, target)
    fill = inventory.fill_rate(q, r, mean, std)
    assert np.all(fill >= target)
    np.testing.assert_allclose(fill, target, atol=1e-9)
    # sigma = 0: S = (r + Q - theta) / Q.
    assert r[3] == pytest.approx(50.0 - 5.0 + 0.7 * 5.0)
    assert isinstance(inventory.reorder_point_for_fill_rate(10, 100, 10, 0.9), float)


def _weighted_fill(q, r, mean, std, demand):
    return np.dot(demand, inventory.fill_rate(q, r, mean, std)) / demand.sum()


def test_optimal_reorder_points_meet_the_target_and_equalise_the_ratio():
    """KKT: c_i dI_i/dr = lambda D_i dS_i/dr with one lambda, checked with
    finite-difference derivatives (not the closed forms the optimiser uses)."""
    q = np.array([20.0, 100.0, 5.0, 40.0])
    mean = np.array([100.0, 300.0, 20.0, 80.0])
    std = np.array([15.0, 40.0, 6.0, 25.0])
    cost = np.array([5.0, 1.0, 20.0, 3.0])
    demand = np.array([10.0, 30.0, 2.0, 8.0])
    r = inventory.optimal_reorder_points(q, mean, std, cost, demand, 0.95)
    assert _weighted_fill(q, r, mean, std, demand) == pytest.approx(0.95, abs=1e-9)
    step = 1e-3
    d_stock = (
        inventory.inventory_level(q, r + step, mean, std)
        - inventory.inventory_level(q, r - step, mean, std)
    ) / (2 * step)
    d_fill = (
        inventory.fill_rate(q, r + step, mean, std)
        - inventory.fill_rate(q, r - step, mean, std)
    ) / (2 * step)
    multiplier = cost * d_stock / (demand * d_fill)
    np.testing.assert_allclose(multiplier, multiplier[0], rtol=1e-5)


def test_optimal_reorder_points_beat_a_brute_force_grid():
    """Two items: for every r1 on a fine grid, r2 is the least reorder point
    meeting the aggregate target; the optimiser must cost no more than the best
    grid point and lie next to it."""
    q = np.array([30.0, 60.0])
    mean = np.array([100.0, 200.0])
    std = np.array([20.0, 25.0])
    cost = np.array([4.0, 1.0])
    demand = np.array([5.0, 10.0])
    target = 0.9
    r = inventory.optimal_reorder_points(q, mean, std, cost, demand, target)
    best = cost @ inventory.inventory_level(q, r, mean, std)

    r1 = np.linspace(40.0, 160.0, 4001)
    fill1 = inventory.fill_rate(q[0], r1, mean[0], std[0])
    needed = (target * demand.sum() - demand[0] * fill1) / demand[1]
    usable = (needed > 0) & (needed < 1)
    r2 = inventory.reorder_point_for_fill_rate(q[1], mean[1], std[1], needed[usable])
    grid_cost = cost[0] * inventory.inventory_level(
        q[0], r1[usable], mean[0], std[0]
    ) + cost[1] * inventory.inventory_level(q[1], r2, mean[1], std[1])
    assert best <= grid_cost.min() + 1e-6
    assert r[0] == pytest.approx(r1[usable][np.argmin(grid_cost)], abs=0.1)


def test_optimal_reorder_points_special_items():
    q = np.array([10.0, 10.0, 10.0, 10.0, 10.0])
    mean = np.array([50.0, 50.0, 50.0, 50.0, 50.0])
    std = np.array([5.0, 5.0, 0.0, 5.0, 5.0])
    cost = np.array([1.0, 1.0, 1.0, 1.0, 0.0])
    demand = np.array([1.0, 1.0, 1.0, 0.0, 1.0])
    r = inventory.optimal_reorder_points(q, mean, std, cost, demand, 0.9)
    assert r[0] == pytest.approx(r[1])  # identical items, identical answers
    assert _weighted_fill(q, r, mean, std, demand) == pytest.approx(0.9, abs=1e-9)
    assert inventory.inventory_level(q[3], r[3], mean[3], std[3]) < 1e-12  # no demand
    assert inventory.fill_rate(q[4], r[4], mean[4], std[4]) > 1 - 1e-12  # free stock


def test_single_item_optimum_is_the_fill_rate_reorder_point():
    r = inventory.optimal_reorder_points(25.0, 100.0, 12.0, 3.0, 4.0, 0.97)
    assert isinstance(r, float)
    assert r == pytest.approx(
        inventory.reorder_point_for_fill_rate(25.0, 100.0, 12.0, 0.97), abs=1e-6
    )


def test_efficient_frontier_is_increasing_and_matches_single_solves():
    rng = np.random.default_rng(7)
    n = 300
    mean = rng.uniform(10, 500, n)
    std = mean * rng.uniform(0.05, 0.5, n)
    q = mean * rng.uniform(0.2, 2.0, n)
    cost = rng.uniform(1, 50, n)
    demand = rng.uniform(0.1, 5, n)
    targets = [0.99, 0.8, 0.95, 0.9]
    frontier = inventory.efficient_frontier(q, mean, std, cost, demand, targets)
    assert list(frontier.columns) == ["target", "fill_rate", "inventory_investment"]
    assert list(frontier["target"]) == sorted(targets)
    np.testing.assert_allclose(frontier["fill_rate"], frontier["target"], atol=1e-9)
    assert np.all(np.diff(frontier["inventory_investment"]) > 0)
    r = inventory.optimal_reorder_points(q, mean, std, cost, demand, 0.95)
    investment = cost @ inventory.inventory_level(q, r, mean, std)
    row = frontier.loc[frontier["target"] == 0.95, "inventory_investment"].item()
    assert row == pytest.approx(investment, rel=1e-8)


def test_optimum_beats_a_uniform_fill_rate_policy():
    """Same aggregate fill, less money: the point of the frontier."""
    rng = np.random.default_rng(3)
    n = 200
    mean = rng.uniform(10, 500, n)
    std = mean * rng.uniform(0.05, 0.5, n)
    q = mean * rng.uniform(0.2, 2.0, n)
    cost = rng.uniform(1, 50, n)
    demand = rng.uniform(0.1, 5, n)
    uniform = inventory.reorder_point_for_fill_rate(q, mean, std, 0.95)
    optimal = inventory.optimal_reorder_points(q, mean, std, cost, demand, 0.95)
    assert cost @ inventory.inventory_level(
        q, optimal, mean, std
    ) < cost @ inventory.inventory_level(q, uniform, mean, std)


def test_days_of_supply():
    np.testing.assert_allclose(
        inventory.days_of_supply([100.0, 0.0, 5.0, -10.0], [5.0, 0.0, 0.0, 0.0]),
        [20.0, np.inf, np.inf, -np.inf],
    )
    assert inventory.days_of_supply(30.0, 3.0) == 10.0


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: inventory.fill_rate(0.0, 1.0, 1.0, 1.0), "q"),
        (lambda: inventory.fill_rate(1.0, np.nan, 1.0, 1.0), "r"),
        (lambda: inventory.backorder_level(1.0, 1.0, 1.0, -1.0), "std_lt_demand"),
        (lambda: inventory.base_stock(1.0, 1.0, 1.0), "service"),
        (lambda: inventory.base_stock(np.inf, 1.0, 0.5), "mean_lt_demand"),
        (lambda: inventory.lead_time_demand(-1.0, 1.0, 1.0, 1.0), "demand_mean"),
        (lambda: inventory.reorder_point_for_fill_rate(1, 1, 1, 0.0), "target"),
        (lambda: inventory.optimal_reorder_points(1, 1, 1, 1, 0, 0.9), "demand_rate"),
        (lambda: inventory.optimal_reorder_points(1, 1, 1, -1, 1, 0.9), "unit_cost"),
        (lambda: inventory.efficient_frontier(1, 1, 1, 1, 1, [0.5, 1.0]), "targets"),
        (lambda: inventory.days_of_supply(1.0, -1.0), "daily_demand"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


@settings(max_examples=50, deadline=None)
@given(bad=st.sampled_from([np.nan, -1.0, 0.0, -np.inf]))
def test_nonpositive_or_nan_order_quantity_is_refused(bad):
    with pytest.raises(ValueError, match="q"):
        inventory.inventory_level(bad, 10.0, 10.0, 1.0)


@pytest.mark.parametrize(("q", "r", "mean", "std"), POLICIES[:3] + POLICIES[4:5])
def test_lot_size_slope_is_the_derivative_at_constant_fill_rate(q, r, mean, std):
    """dI/dQ with r re-solved to keep S(Q, r): central differences of I(Q,
    r_S(Q)) against the closed form of inventory.lot_size_slope."""
    fill = inventory.fill_rate(q, r, mean, std)
    step = 1e-3 * q

    def on_hand(lot):
        level = inventory.reorder_point_for_fill_rate(lot, mean, std, fill)
        return inventory.inventory_level(lot, level, mean, std)

    numeric = (on_hand(q + step) - on_hand(q - step)) / (2 * step)
    assert inventory.lot_size_slope(q, r, mean, std) == pytest.approx(numeric, abs=1e-6)


def test_lot_size_slope_discrete_is_near_the_normal_at_volume():
    """Poisson with theta = 400: the discrete slope approaches the normal one."""
    theta = 400.0
    discrete = inventory.lot_size_slope(50, 410, theta, distribution="poisson")
    normal = inventory.lot_size_slope(50, 410, theta, np.sqrt(theta))
    assert discrete == pytest.approx(normal, abs=0.02)
