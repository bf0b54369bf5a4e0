"""Tests of engine.assignment: min-max utilisation over alternative resources."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import assignment

INF = np.inf


def _utilization(x, process_time, demand, capacity):
    hours = np.where(np.isfinite(process_time), process_time, 0.0)
    return (demand[:, None] * hours * x).sum(axis=0) / capacity


def test_one_flexible_item_on_two_identical_machines_splits_in_half():
    """By hand: D p split as a and 1 - a over two machines of capacity c; the
    larger share decides, so a = 1/2 and u = D p / (2 c) = 10 * 1 / 40 = 0.25."""
    x, u_max = assignment.minmax_utilization([[1.0, 1.0]], [10.0], [20.0, 20.0])
    np.testing.assert_allclose(x, [[0.5, 0.5]], atol=1e-9)
    assert u_max == pytest.approx(0.25)
    assert isinstance(u_max, float)


def test_fixed_load_is_balanced_by_the_flexible_item():
    """By hand: item 0 only on machine 0 (4 h), item 1 either (10 h), c = 20:
    u0 = (4 + 10 a) / 20, u1 = 10 (1 - a) / 20, equal at a = 0.3, u = 0.35."""
    x, u_max = assignment.minmax_utilization(
        [[1.0, INF], [1.0, 1.0]], [4.0, 10.0], [20.0, 20.0]
    )
    np.testing.assert_allclose(x, [[1.0, 0.0], [0.3, 0.7]], atol=1e-9)
    assert u_max == pytest.approx(0.35)


def test_slower_alternative_is_used_only_as_far_as_it_pays():
    """By hand: one item, D = 10, p = (1, 3), c = (10, 10): u0 = a, u1 =
    3 (1 - a); equal at a = 3/4, u = 0.75 (better than 1.0 on machine 0)."""
    x, u_max = assignment.minmax_utilization([[1.0, 3.0]], [10.0], [10.0, 10.0])
    np.testing.assert_allclose(x, [[0.75, 0.25]], atol=1e-9)
    assert u_max == pytest.approx(0.75)


def test_optimum_matches_a_brute_force_grid_of_splits():
    """Two flexible items over three resources (item 0 on 0/1, item 1 on 1/2),
    plus a fixed item on resource 2; every split pair on a 0.001 grid."""
    process_time = np.array([[1.0, 2.0, INF], [INF, 1.5, 0.5], [INF, INF, 1.0]])
    demand = np.array([30.0, 20.0, 5.0])
    capacity = np.array([40.0, 50.0, 15.0])
    x, u_max = assignment.minmax_utilization(process_time, demand, capacity)
    a, b = np.meshgrid(np.linspace(0, 1, 1001), np.linspace(0, 1, 1001))
    u0 = 30 * 1.0 * a / 40
    u1 = (30 * 2.0 * (1 - a) + 20 * 1.5 * b) / 50
    u2 = (20 * 0.5 * (1 - b) + 5 * 1.0) / 15
    grid = np.maximum(np.maximum(u0, u1), u2)
    assert u_max <= grid.min() + 1e-9
    assert u_max == pytest.approx(grid.min(), abs=2e-3)
    assert u_max == pytest.approx(
        _utilization(x, process_time, demand, capacity).max(), abs=1e-12
    )


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 10_000), balance=st.booleans())
def test_random_problems_give_valid_shares(seed, balance):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(1, 12), rng.integers(1, 6)
    process_time = rng.uniform(0.1, 3.0, (n, m))
    process_time[rng.random((n, m)) < 0.4] = INF
    process_time[np.arange(n), rng.integers(0, m, n)] = rng.uniform(0.1, 3.0, n)
    demand = rng.uniform(0.0, 10.0, n)
    capacity = rng.uniform(5.0, 50.0, m)
    x, u_max = assignment.minmax_utilization(
        process_time, demand, capacity, balance=balance
    )
    np.testing.assert_allclose(x.sum(axis=1), 1.0, atol=1e-9)
    assert np.all(x >= 0) and np.all(x[~np.isfinite(process_time)] == 0)
    utilization = _utilization(x, process_time, demand, capacity)
    assert u_max == pytest.approx(utilization.max(), abs=1e-12)
    # Lower bound: each item alone, split over all its resources, needs
    # U sum_j c_j / p_ij >= D_i.
    alone = demand / np.sum(capacity / process_time, axis=1)
    assert u_max >= np.max(alone) - 1e-9


def test_dense_and_sparse_agree():
    rng = np.random.default_rng(11)
    n, m = 40, 6
    process_time = rng.uniform(0.1, 2.0, (n, m))
    process_time[rng.random((n, m)) < 0.5] = INF
    process_time[np.arange(n), rng.integers(0, m, n)] = 1.0
    demand = rng.uniform(1.0, 10.0, n)
    capacity = rng.uniform(20.0, 60.0, m)
    x, u_max = assignment.minmax_utilization(process_time, demand, capacity)
    item, resource = np.nonzero(np.isfinite(process_time))
    share, utilization, sparse_max = assignment.minmax_utilization_sparse(
        item, resource, process_time[item, resource], demand, capacity
    )
    assert sparse_max == pytest.approx(u_max, rel=1e-12)
    np.testing.assert_allclose(share, x[item, resource], atol=1e-12)
    np.testing.assert_allclose(
        utilization, _utilization(x, process_time, demand, capacity), atol=1e-12
    )


def test_balance_keeps_the_bottleneck_and_prefers_spare_capacity():
    """Resource 0 is the bottleneck (fixed 0.9); item 1 may use resource 1
    (c = 10) or 2 (c = 100) at the same speed: balancing sends it to 2."""
    process_time = [[1.0, INF, INF], [INF, 1.0, 1.0]]
    x, u_max = assignment.minmax_utilization(
        process_time, [9.0, 5.0], [10.0, 10.0, 100.0]
    )
    assert u_max == pytest.approx(0.9, rel=1e-8)
    np.testing.assert_allclose(x[1], [0.0, 0.0, 1.0], atol=1e-9)


def test_items_without_demand_or_without_choice_stay_out_of_the_lp():
    share, utilization, u_max = assignment.minmax_utilization_sparse(
        item=[0, 0, 1, 2],
        resource=[0, 1, 1, 0],
        hours_per_unit=[2.0, 1.0, 1.0, INF],
        demand=[0.0, 4.0, 0.0],
        capacity=[10.0, 8.0],
    )
    # Item 0: no demand, fastest allowed resource; item 1: its only resource;
    # item 2: no demand and no allowed resource, share 0.
    np.testing.assert_allclose(share, [0.0, 1.0, 1.0, 0.0])
    np.testing.assert_allclose(utilization, [0.0, 0.5])
    assert u_max == pytest.approx(0.5)


def test_scalar_demand_with_n_items():
    share, _, u_max = assignment.minmax_utilization_sparse(
        [0, 0, 1], [0, 1, 1], [1.0, 1.0, 1.0], 10.0, [20.0, 20.0], n_items=2
    )
    np.testing.assert_allclose(share, [1.0, 0.0, 1.0], atol=1e-9)
    assert u_max == pytest.approx(0.5)


def test_item_with_demand_and_no_resource_is_named():
    with pytest.raises(ValueError, match=r"item\(s\) \[1\]"):
        assignment.minmax_utilization([[1.0, INF], [INF, INF]], [1.0, 2.0], [5.0, 5.0])


def test_missing_capacity_at_a_needed_resource_raises():
    with pytest.raises(ValueError, match="capacity"):
        assignment.minmax_utilization([[1.0, 1.0]], [1.0], [5.0, 0.0])


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (([[np.nan, 1.0]], [1.0], [1.0, 1.0]), "process_time"),
        (([[1.0, 1.0]], [-1.0], [1.0, 1.0]), "demand"),
        (([[1.0, 1.0]], [1.0], [1.0, np.nan]), "capacity"),
        (([[1.0, 1.0]], [1.0, 2.0], [1.0, 1.0]), "demand"),
        (([1.0, 1.0], [1.0], [1.0, 1.0]), "process_time"),
    ],
)
def test_bad_dense_input_raises_value_error(args, name):
    with pytest.raises(ValueError, match=name):
        assignment.minmax_utilization(*args)


def test_bad_sparse_indices_raise_value_error():
    with pytest.raises(ValueError, match="resource"):
        assignment.minmax_utilization_sparse([0], [2], [1.0], [1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="item"):
        assignment.minmax_utilization_sparse([0.5], [0], [1.0], [1.0], [1.0])


@pytest.mark.parametrize("options", [2, 3])
def test_sifting_finds_the_optimum_of_the_whole_lp(monkeypatch, options):
    """Sifting (a working set of columns priced by the duals, R. E. Bixby et
    al., "Very large-scale linear programming: a case study in combining
    interior point and simplex methods", Operations Research 40(5), 1992) must
    reach the optimum of the whole LP: the same bottleneck utilisation, the
    same balanced sum of utilisations, hence the same loads per resource."""
    rng = np.random.default_rng(7)
    n_items, n_res = 4_000, 12
    item = np.repeat(np.arange(n_items), options)
    resource = np.concatenate(
        [rng.choice(n_res, options, replace=False) for _ in range(n_items)]
    )
    hours = rng.uniform(0.5, 2.0, item.size) * rng.uniform(0.9, 1.3, item.size)
    demand = rng.lognormal(np.log(10.0), 0.6, n_items)
    capacity = rng.uniform(0.8, 1.2, n_res) * demand.sum() * 1.2 / n_res
    args = (item, resource, hours, demand, capacity)
    monkeypatch.setattr(assignment, "SIFT_MIN_ROWS", 10**9)
    whole_share, whole_util, whole_max = assignment.minmax_utilization_sparse(*args)
    monkeypatch.setattr(assignment, "SIFT_MIN_ROWS", 100)
    # a coarse grouping: a poor first guess that the pricing loop must correct
    monkeypatch.setattr(assignment, "SIFT_STEP", 2.0)
    monkeypatch.setattr(assignment, "SIFT_MARGIN", 0.0)
    share, util, u_max = assignment.minmax_utilization_sparse(*args)
    assert u_max == pytest.approx(whole_max, rel=1e-7)
    assert util.sum() == pytest.approx(whole_util.sum(), rel=1e-7)
    np.testing.assert_allclose(util, whole_util, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(np.bincount(item, share), 1.0, atol=1e-9)
    assert (share >= 0).all()
    # the working set is a fraction of the items: most stay integral
    assert np.isclose(share, 1.0).sum() > 0.8 * n_items
    assert np.isclose(whole_share, 1.0).sum() > 0.8 * n_items
