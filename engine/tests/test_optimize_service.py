"""Tests of optimize_plant's service rules, demand models and plan frontiers."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from engine import inventory, optimize, plants


def _low_volume_plant(n=60, seed=3):
    """A generated plant turned rich-mix / low-volume: a few units per week."""
    plant = plants.generate_plant(n, 6, seed=seed)
    rng = np.random.default_rng(seed)
    items = plant.items.copy()
    items["demand_mean"] = rng.choice([0.3, 1.0, 2.0, 4.0, 80.0], n)
    dispersion = rng.choice([1.0, 1.0, 3.0], n)
    items["demand_std"] = np.sqrt(items["demand_mean"] * dispersion)
    items["zero_share"] = np.exp(-items["demand_mean"])
    plant.items = items
    return plant


@pytest.fixture(scope="module")
def demo_plant():
    return plants.load_demo_plant()


@pytest.mark.parametrize("mode", ["item", "aggregate"])
def test_plan_lies_on_the_frontier_drawn_with_it(demo_plant, mode):
    """The curve is computed under the plan's own rule: the plan is a point of it."""
    result = optimize.optimize_plant(demo_plant, service_mode=mode, service_floor=0.8)
    frontier = optimize.service_frontier(result)
    plan = frontier[frontier["is_plan"]]
    assert len(plan) == 1
    assert plan["fill_rate"].iloc[0] == pytest.approx(
        result.summary["fill_rate"], abs=1e-9
    )
    assert plan["inventory_investment"].iloc[0] == pytest.approx(
        result.summary["inventory_investment"], rel=1e-9
    )
    # Monotone: more service costs more money along the curve.
    assert np.all(np.diff(frontier["inventory_investment"]) >= -1e-6)
    assert "own item targets kept" in frontier["basis"].iloc[0]


def test_order_frequency_curve_passes_through_the_plan(demo_plant):
    result = optimize.optimize_plant(demo_plant)
    curve = optimize.order_frequency_curve(result)
    plan = curve[curve["is_plan"]].iloc[0]
    assert plan["inventory_investment"] == pytest.approx(
        result.summary["inventory_investment"], rel=1e-9
    )
    assert plan["orders_per_period"] == pytest.approx(
        result.summary["setups_per_period"], rel=1e-9
    )
    # Bigger lots: fewer orders a period, more money in stock (Factory Physics ch. 2).
    assert np.all(np.diff(curve["orders_per_period"]) < 0)
    assert curve["inventory_investment"].iloc[-1] > plan["inventory_investment"]


def test_aggregate_floor_and_item_targets_are_always_respected(demo_plant):
    plain = optimize.optimize_plant(demo_plant, service_mode="aggregate")
    assert plain.items["fill_rate"].min() < 0.8
    floored = optimize.optimize_plant(
        demo_plant, service_mode="aggregate", service_floor=0.8
    )
    items = floored.items
    own = items["service_target"].notna()
    assert (items["fill_rate"] >= 0.8 - 1e-9).all()
    # Own targets are kept: exactly for normal items, by the smallest whole
    # reorder point for discrete ones.
    gap = items.loc[own, "fill_rate"] - items.loc[own, "service_target"]
    assert (gap >= -1e-9).all()
    normal = own & (items["demand_model"] == "normal")
    assert np.abs(gap[normal[own]].to_numpy()).max(initial=0.0) <= 1e-6
    assert floored.summary["fill_rate"] >= 0.95 - 1e-6
    # The floor is a constraint: it can only cost money.
    assert (
        floored.summary["inventory_investment"]
        >= plain.summary["inventory_investment"] - 1e-6
    )


def test_service_target_column_overrides_the_plant_target():
    plant = plants.load_demo_plant()
    plant.items = plant.items.drop(columns="service").assign(
        service_target=[0.99] + [np.nan] * (len(plant.items) - 1)
    )
    for mode in ("item", "aggregate"):
        result = optimize.optimize_plant(plant, service_mode=mode, service_floor=0.5)
        first = result.items.iloc[0]
        assert first["service_floor"] == 0.99
        assert first["fill_rate"] >= 0.99 - 1e-9


def test_low_volume_items_get_discrete_models_and_whole_quantities():
    plant = _low_volume_plant()
    result = optimize.optimize_plant(plant, service=0.9)
    items = result.items[result.items["feasible"]]
    assert set(items["demand_model"]) >= {"poisson", "negbin"}
    discrete = items[items["demand_model"] != "normal"]
    for column in ("reorder_point", "lot_size"):
        values = discrete[column].to_numpy()
        assert np.array_equal(values, np.round(values))
    assert (items["model_reason"] != "").all()
    # The expected fill rate is the exact discrete one and reaches the target.
    exact = inventory.fill_rate(
        discrete["lot_size"].to_numpy(),
        discrete["reorder_point"].to_numpy(),
        discrete["lead_time_demand_mean"].to_numpy(),
        discrete["lead_time_demand_std"].to_numpy(),
        discrete["demand_model"].to_numpy(),
    )
    np.testing.assert_allclose(discrete["fill_rate"], exact, atol=1e-12)
    assert (discrete["fill_rate"] >= 0.9).all()
    aggregate = optimize.optimize_plant(
        plant, service=0.9, service_mode="aggregate", service_floor=0.6
    )
    assert aggregate.summary["fill_rate"] >= 0.9 - 1e-9
    assert (aggregate.items.loc[items.index, "fill_rate"] >= 0.6 - 1e-9).all()


def test_normal_distribution_option_keeps_the_old_model(demo_plant):
    result = optimize.optimize_plant(demo_plant, distribution="normal")
    assert (result.items["demand_model"] == "normal").all()
    assert (result.items["model_reason"] == "chosen").all()


@pytest.mark.parametrize(
    ("option", "match"),
    [
        ({"service_floor": 1.0}, "service_floor"),
        ({"service_floor": -0.1}, "service_floor"),
        ({"distribution": "gamma"}, "distribution"),
    ],
)
def test_bad_service_options_raise(demo_plant, option, match):
    with pytest.raises(ValueError, match=match):
        optimize.optimize_plant(demo_plant, **option)


def test_frontier_rejects_bad_targets(demo_plant):
    result = optimize.optimize_plant(demo_plant)
    with pytest.raises(ValueError, match="targets"):
        optimize.service_frontier(result, [0.5, 1.0])
    assert isinstance(optimize.service_frontier(result, [0.9]), pd.DataFrame)


@pytest.mark.parametrize(
    "plant",
    [
        plants.load_demo_plant(),
        plants.generate_plant(200, 8, seed=1),
        plants.generate_plant(150, 6, seed=4),
        _low_volume_plant(),
    ],
    ids=["demo", "generated-1", "generated-4", "low-volume"],
)
@pytest.mark.parametrize("mode", ["item", "aggregate"])
def test_joint_q_r_is_never_worse_than_sequential(plant, mode):
    """Same objective (setups + WIP + stock holding per period), same constraints."""
    kwargs = {"service_mode": mode, "service_floor": 0.7}
    sequential = optimize.optimize_plant(plant, joint=False, **kwargs)
    joint = optimize.optimize_plant(plant, joint=True, **kwargs)
    assert joint.summary["cost_per_period"] <= (
        sequential.summary["cost_per_period"] * (1 + 1e-12)
    )
    assert joint.summary["sequential_cost_per_period"] == pytest.approx(
        sequential.summary["cost_per_period"], rel=1e-12
    )
    assert joint.summary["fill_rate"] >= (0.95 if mode == "aggregate" else 0.7) - 1e-6
    assert joint.summary["max_utilization"] <= 0.85 + 1e-9
    feasible = joint.items["feasible"]
    assert (joint.items.loc[feasible, "fill_rate"] >= 0.7 - 1e-9).all()


@pytest.mark.parametrize(
    "plant",
    [plants.load_demo_plant(), plants.generate_plant(200, 8, seed=1)],
    ids=["demo", "generated-1"],
)
@pytest.mark.parametrize("mode", ["item", "aggregate"])
def test_joint_q_r_lowers_the_cost_of_the_demo_and_a_generated_plant(plant, mode):
    """The joint step is on by default and finds a cheaper plan than the
    sequential one (not merely the sequential plan kept)."""
    result = optimize.optimize_plant(plant, service_mode=mode, service_floor=0.7)
    summary = result.summary
    assert summary["cost_per_period"] < summary["sequential_cost_per_period"] * (
        1 - 1e-3
    )


def test_joint_step_keeps_an_item_its_workcenter_cannot_hold_out():
    """An item whose run time alone overloads its own workcenter (125 %) is
    dropped with the workcenter named, and nothing else: the min-max split
    leaves that workcenter to it instead of balancing every other one up to
    125 % (which made six demo items infeasible at CNC-1), and the joint step
    sizes the other items again without it (its rows carry nothing)."""
    plant = plants.load_demo_plant()
    items = pd.concat(
        [
            plant.items,
            pd.DataFrame(
                {
                    "sku": ["HOG"],
                    "flow": [plant.items["flow"].iloc[0]],
                    "demand_mean": [50.0],
                    "demand_std": [5.0],
                    "unit_cost": [10.0],
                    "setup_cost": [20.0],
                    "holding_rate": [0.00481],
                    "service": [np.nan],
                }
            ),
        ],
        ignore_index=True,
    )
    # a workcenter of its own: 50 units of 1 h a week on 40 h, 125 % without setups
    workcenters = pd.concat(
        [
            plant.workcenters,
            pd.DataFrame(
                {
                    "workcenter": ["OVEN"],
                    "capacity_hours": [40.0],
                    "servers": [1],
                    "ce2": [1.0],
                }
            ),
        ],
        ignore_index=True,
    )
    routing = pd.concat(
        [
            plant.routing,
            pd.DataFrame(
                {
                    "sku": ["HOG"],
                    "operation": [10],
                    "workcenter": ["OVEN"],
                    "run_hours": [1.0],
                    "setup_hours": [0.1],
                }
            ),
        ],
        ignore_index=True,
    )
    hog_plant = dataclasses.replace(
        plant, items=items, routing=routing, workcenters=workcenters
    )
    sequential = optimize.optimize_plant(hog_plant, joint=False)
    joint = optimize.optimize_plant(hog_plant, joint=True)
    for result in (sequential, joint):
        hog = result.items.loc["HOG"]
        assert not hog["feasible"]
        assert hog["reason"].startswith("OVEN: load of 125%")
    alone = optimize.optimize_plant(plant, joint=False)
    assert joint.summary["feasible_items"] == alone.summary["feasible_items"]
    assert "joint_lots" in joint.timings
    assert joint.summary["cost_per_period"] <= (
        sequential.summary["cost_per_period"] * (1 + 1e-9)
    )
