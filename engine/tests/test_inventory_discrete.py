"""Tests of engine.inventory under discrete (Poisson, negative binomial) demand."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from engine import inventory

COUNTS = np.arange(0, 2000)


def _direct(pmf, q, r):
    """Factory Physics' discrete (Q, r) measures by summing their definitions.

    Inventory position uniform on r+1..r+Q; for each position x the base-stock
    backorders E[(X - x)+], on hand E[(x - X)+] and the probability that a
    demand is filled, P(X <= x - 1).
    """
    positions = np.arange(r + 1, r + q + 1)[:, None]
    backorders = np.sum(np.maximum(COUNTS - positions, 0) * pmf, axis=1)
    on_hand = np.sum(np.maximum(positions - COUNTS, 0) * pmf, axis=1)
    filled = np.sum(np.where(COUNTS <= positions - 1, pmf, 0.0), axis=1)
    return filled.mean(), backorders.mean(), on_hand.mean()


def _negbin_pmf(mean, std):
    p = mean / std**2
    return stats.nbinom.pmf(COUNTS, mean * p / (1 - p), p)


def test_superior_appliance_base_stock_example():
    """Factory Physics 3rd ed., sec. 2.4.2, Superior Appliance: Poisson theta = 10.

    Base-stock level R = r + 1 = 15 (reorder point r = 14): fill rate G(14) =
    0.916542 (the book's table of G), backorders B(15) and on hand I = R -
    theta + B. The same policy is the (Q, r) model with Q = 1.
    """
    fill = inventory.fill_rate(1, 14, 10.0, distribution="poisson")
    assert fill == pytest.approx(0.916542, abs=1e-6)
    pmf = stats.poisson.pmf(COUNTS, 10.0)
    direct_backorders = np.sum(np.maximum(COUNTS - 15, 0) * pmf)
    backorders = inventory.backorder_level(1, 14, 10.0, distribution="poisson")
    assert backorders == pytest.approx(direct_backorders, abs=1e-9)
    on_hand = inventory.inventory_level(1, 14, 10.0, distribution="poisson")
    assert on_hand == pytest.approx(15 - 10.0 + direct_backorders, abs=1e-9)
    # Smallest reorder point with G(r) >= 0.9 is 14 (G(13) = 0.864464).
    assert inventory.base_stock(10.0, None, 0.9, distribution="poisson") == 14.0
    assert inventory.reorder_point_for_fill_rate(1, 10.0, None, 0.9, "poisson") == 14


# Poisson(10) distribution function G(r), r = 4..17, six digits, as printed in
# N. D. van Foreest's notes on Factory Physics' Superior Appliance example
# (sec. 2.4.2), "The Base-stock Model", nicky.vanforeest.com/inventorySystems/
# baseStock/baseStock.html.
PUBLISHED_POISSON_10_CDF = {
    4: 0.029253,
    5: 0.067086,
    6: 0.130141,
    7: 0.220221,
    8: 0.332820,
    9: 0.457930,
    10: 0.583040,
    11: 0.696776,
    12: 0.791556,
    13: 0.864464,
    14: 0.916542,
    15: 0.951260,
    16: 0.972958,
    17: 0.985722,
}


def test_poisson_fill_rates_reproduce_the_published_table_to_1e6():
    """Superior Appliance, theta = 10 (Factory Physics 3rd ed., sec. 2.4.2-2.4.3).

    Base stock: S = G(r) (the (Q, r) model with Q = 1), against the printed
    six-digit G(r). (Q, r): Factory Physics' S(Q, r) = (1/Q) sum_{x=r+1}^{r+Q}
    G(x - 1), evaluated on the printed table, for Q = 5 and every r whose
    window the table covers; the six-digit rounding allows 5e-7.
    """
    for r, value in PUBLISHED_POISSON_10_CDF.items():
        fill = inventory.fill_rate(1, r, 10.0, distribution="poisson")
        assert fill == pytest.approx(value, abs=1e-6)
    for r in range(4, 14):
        window = [PUBLISHED_POISSON_10_CDF[x] for x in range(r, r + 5)]
        fill = inventory.fill_rate(5, r, 10.0, distribution="poisson")
        assert fill == pytest.approx(np.mean(window), abs=1e-6)


@pytest.mark.parametrize(
    ("q", "r"), [(5, 10), (5, 8), (10, 6), (20, 4), (3, 30), (7, -3), (1, 0)]
)
def test_poisson_q_r_matches_factory_physics_definitions(q, r):
    """Factory Physics 3rd ed., sec. 2.4.3, (Q, r) model with Poisson demand.

    S(Q, r) = 1 - [B(r) - B(r + Q)] / Q, B(Q, r) = [beta(r) - beta(r + Q)] / Q
    and I(Q, r) = (Q + 1) / 2 + r - theta + B(Q, r), on the Superior Appliance
    data (theta = 10), against summation over the uniform inventory position.
    """
    fill, backorders, on_hand = _direct(stats.poisson.pmf(COUNTS, 10.0), q, r)
    args = (q, r, 10.0, np.sqrt(10.0), "poisson")
    assert inventory.fill_rate(*args) == pytest.approx(fill, abs=1e-9)
    assert inventory.backorder_level(*args) == pytest.approx(backorders, abs=1e-9)
    assert inventory.inventory_level(*args) == pytest.approx(on_hand, abs=1e-9)
    # Fill rate of the base-stock model of level r + 1 averaged over the cycle.
    levels = np.arange(r + 1, r + q + 1)
    base = inventory.fill_rate(1, levels - 1, 10.0, distribution="poisson")
    assert inventory.fill_rate(*args) == pytest.approx(base.mean(), abs=1e-12)


@pytest.mark.parametrize(
    ("q", "r", "mean", "std"),
    [(5, 10, 6.0, 4.0), (1, 3, 0.8, 1.5), (12, 0, 2.0, 3.0), (4, 40, 30.0, 12.0)],
)
def test_negative_binomial_matches_direct_summation(q, r, mean, std):
    fill, backorders, on_hand = _direct(_negbin_pmf(mean, std), q, r)
    args = (q, r, mean, std, "negbin")
    assert inventory.fill_rate(*args) == pytest.approx(fill, abs=1e-9)
    assert inventory.backorder_level(*args) == pytest.approx(backorders, abs=1e-9)
    assert inventory.inventory_level(*args) == pytest.approx(on_hand, abs=1e-9)


def test_mixed_models_in_one_call_match_single_calls():
    q = np.array([5.0, 5.0, 40.0])
    r = np.array([10.0, 10.0, 380.0])
    mean = np.array([10.0, 6.0, 400.0])
    std = np.array([np.sqrt(10.0), 4.0, 20.0])
    models = np.array(["poisson", "negbin", "normal"], dtype=object)
    mixed = inventory.fill_rate(q, r, mean, std, models)
    single = [
        inventory.fill_rate(*row) for row in zip(q, r, mean, std, models, strict=True)
    ]
    np.testing.assert_allclose(mixed, single, rtol=0, atol=1e-14)


@settings(max_examples=60, deadline=None)
@given(
    q=st.integers(1, 60),
    r=st.integers(-20, 80),
    mean=st.floats(0.1, 50.0),
    spread=st.floats(1.05, 6.0),
    model=st.sampled_from(["poisson", "negbin"]),
)
def test_discrete_fill_rate_rises_with_r_and_q(q, r, mean, spread, model):
    std = np.sqrt(mean * spread) if model == "negbin" else np.sqrt(mean)
    fill = inventory.fill_rate(q, r, mean, std, model)
    assert inventory.fill_rate(q, r + 1, mean, std, model) >= fill - 1e-12
    # S(Q, r) averages G(x - 1) over x = r+1..r+Q; Q + 1 adds G(r + Q), the largest.
    assert inventory.fill_rate(q + 1, r, mean, std, model) >= fill - 1e-12
    # On hand minus backorders is the mean net inventory (Q + 1) / 2 + r - theta.
    net = inventory.inventory_level(q, r, mean, std, model) - inventory.backorder_level(
        q, r, mean, std, model
    )
    assert net == pytest.approx((q + 1) / 2 + r - mean, abs=1e-8 * (1 + abs(r) + q))


@settings(max_examples=40, deadline=None)
@given(
    q=st.integers(1, 40),
    mean=st.floats(0.2, 40.0),
    target=st.floats(0.05, 0.995),
    spread=st.floats(1.1, 4.0),
    model=st.sampled_from(["poisson", "negbin"]),
)
def test_discrete_reorder_point_is_the_smallest_whole_one(
    q, mean, target, spread, model
):
    std = np.sqrt(mean * spread) if model == "negbin" else None
    r = inventory.reorder_point_for_fill_rate(q, mean, std, target, model)
    assert r == np.round(r)
    assert inventory.fill_rate(q, r, mean, std, model) >= target
    assert inventory.fill_rate(q, r - 1, mean, std, model) < target


def test_discrete_reorder_points_of_many_items_match_a_scan():
    """Low-volume items with lots far above lead-time demand (the textile
    plant's slow movers), mixed with tight ones, solved in one call: each
    reorder point is the smallest whole r whose fill rate, summed from Factory
    Physics' definition, reaches the target.
    """
    rng = np.random.default_rng(7)
    n = 60
    q = rng.integers(1, 3000, n).astype(float)
    q[:10] = rng.integers(1, 5, 10)
    mean = rng.uniform(0.05, 30.0, n)
    negbin = rng.random(n) < 0.6
    std = np.where(negbin, np.sqrt(mean * rng.uniform(1.2, 20.0, n)), np.sqrt(mean))
    target = rng.uniform(0.5, 0.999, n)
    models = np.where(negbin, "negbin", "poisson").astype(object)
    r = inventory.reorder_point_for_fill_rate(q, mean, std, target, models)
    for i in range(n):
        pmf = (
            _negbin_pmf(mean[i], std[i])
            if negbin[i]
            else stats.poisson.pmf(COUNTS, mean[i])
        )
        # Summed fill rate as r rises one unit at a time: S(Q, r + 1) - S(Q, r)
        # = (G(r + Q) - G(r)) / Q, G the cdf (0 below zero).
        cdf = np.cumsum(pmf)
        start = int(r[i]) - 1

        def summed(x, cdf=cdf, size=int(q[i])):
            levels = np.arange(x, x + size)
            return np.where(
                levels >= 0, cdf[np.clip(levels, 0, cdf.size - 1)], 0.0
            ).mean()

        assert summed(start + 1) >= target[i] - 1e-12
        assert summed(start) < target[i] + 1e-12


@pytest.mark.parametrize(("q", "offset"), [(1, 150), (200, 50), (500, -200), (50, 0)])
def test_high_volume_poisson_converges_to_normal(q, offset):
    """Poisson with theta = 10,000 is normal to within its skewness 0.01."""
    theta = 10_000.0
    r = theta + offset
    args = (q, r, theta, np.sqrt(theta))
    poisson = inventory.fill_rate(*args, "poisson")
    assert poisson == pytest.approx(inventory.fill_rate(*args), abs=2e-3)
    # Discrete positions r+1..r+Q are the continuous [r + 1/2, r + Q + 1/2].
    shifted = (q, r + 0.5, theta, np.sqrt(theta))
    assert inventory.inventory_level(*args, "poisson") == pytest.approx(
        inventory.inventory_level(*shifted), abs=0.02 * np.sqrt(theta) / 10
    )
    assert inventory.backorder_level(*args, "poisson") == pytest.approx(
        inventory.backorder_level(*shifted), abs=0.02 * np.sqrt(theta) / 10
    )


def test_normal_model_is_off_where_the_discrete_one_is_exact():
    """At theta = 10 the normal backorder level misses the Poisson one by > 5 %."""
    poisson = inventory.backorder_level(5, 10, 10.0, distribution="poisson")
    normal = inventory.backorder_level(5, 10, 10.0, np.sqrt(10.0))
    assert abs(normal - poisson) / poisson > 0.05


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: inventory.fill_rate(5, 10, 10.0, 4.0, "poisson"), "sqrt"),
        (lambda: inventory.fill_rate(5, 10, 10.0, 3.0, "negbin"), "exceed"),
        (lambda: inventory.fill_rate(5, 10.5, 10.0, None, "poisson"), "whole"),
        (lambda: inventory.fill_rate(2.5, 10, 10.0, None, "poisson"), "whole"),
        (lambda: inventory.fill_rate(5, 10, -1.0, None, "poisson"), "mean_lt_demand"),
        (lambda: inventory.fill_rate(5, 10, 10.0, 3.0, "gamma"), "distribution"),
        (lambda: inventory.fill_rate(5, 10, 10.0), "std_lt_demand"),
    ],
)
def test_bad_discrete_input_raises(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_demand_model_reasons():
    model, reason = inventory.demand_model(
        [0.0, 0.2, 0.2, 3.0, 100.0, 100.0, 3.0],
        [0.0, 0.2, 1.0, 9.0, 100.0, 90_000.0, 1.0],
        zero_share=[np.nan, 0.8, 0.95, 0.1, 0.0, 0.0, 0.05],
        lead_time=[1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 2.0],
    )
    assert model.tolist() == [
        "poisson",
        "poisson",
        "negbin",
        "negbin",
        "normal",
        "negbin",
        "poisson",
    ]
    assert reason.tolist() == [
        "no_demand",
        "poisson_fit",
        "intermittent",
        "overdispersed",
        "high_volume",
        "skewed",
        "underdispersed",
    ]


def test_demand_model_scales_variance_over_the_lead_time():
    # 10 units a period with variance 30: 5 periods give theta 50 (normal),
    # 1 period theta 10 (over-dispersed, negative binomial).
    model, _ = inventory.demand_model(10.0, 30.0, lead_time=[5.0, 1.0])
    assert model.tolist() == ["normal", "negbin"]


def test_reorder_point_search_does_not_depend_on_its_start():
    """A start guess (good, bad, absent) only changes the work, not the answer."""
    rng = np.random.default_rng(5)
    n = 400
    q = rng.integers(1, 40, n).astype(float)
    mean = rng.uniform(0.1, 40.0, n)
    kind = np.where(rng.random(n) < 0.5, "poisson", "negbin").astype(object)
    std = np.where(kind == "poisson", np.sqrt(mean), np.sqrt(mean * 2.5))
    level = rng.uniform(0.5, 0.99, n)
    plain = inventory.reorder_point_for_fill_rate(q, mean, std, level, kind)
    for start in (plain, plain + 4, plain - 9, np.full(n, np.nan), np.full(n, 1e6)):
        found = inventory.reorder_point_for_fill_rate(
            q, mean, std, level, kind, start=start
        )
        np.testing.assert_array_equal(found, plain)


def test_policy_measures_are_the_three_single_measures():
    q = np.array([1.0, 4.0, 12.0, 30.0, 5.0, 50.0])
    r = np.array([-2.0, 3.0, 8.0, 20.0, 400.0, 380.0])
    mean = np.array([0.4, 3.0, 9.0, 25.0, 400.0, 400.0])
    std = np.sqrt(mean * np.array([1.0, 2.0, 1.0, 3.0, 1.0, 1.0]))
    kind = np.array(["poisson", "negbin", "poisson", "negbin", "normal", "normal"])
    args = (q, r, mean, std, kind.astype(object))
    fill, backorders, on_hand = inventory.policy_measures(*args)
    np.testing.assert_allclose(fill, inventory.fill_rate(*args), rtol=0, atol=1e-15)
    np.testing.assert_allclose(
        backorders, inventory.backorder_level(*args), rtol=0, atol=1e-15
    )
    np.testing.assert_allclose(
        on_hand, inventory.inventory_level(*args), rtol=0, atol=1e-15
    )
    *same, slope = inventory.policy_measures(*args, slope=True)
    np.testing.assert_array_equal(same[2], on_hand)
    np.testing.assert_array_equal(slope, inventory.lot_size_slope(*args))
