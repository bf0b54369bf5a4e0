"""Tests of engine.optimize: the plant pipeline, generator and demo plant."""

import numpy as np
import pandas as pd
import pytest

from engine import (
    conwip,
    flowline,
    inventory,
    leadtime,
    lotsizing,
    optimize,
    plants,
    simulation,
)


def tiny_plant(**item_overrides):
    """Two items on two workcenters of one flow; item B may also use WC2."""
    items = pd.DataFrame(
        {
            "sku": ["A", "B"],
            "demand_mean": [100.0, 50.0],
            "demand_std": [30.0, 20.0],
            "unit_cost": [10.0, 40.0],
            "setup_cost": [50.0, 80.0],
            "holding_rate": [0.005, 0.005],
        }
    )
    for column, values in item_overrides.items():
        items[column] = values
    routing = pd.DataFrame(
        {
            "sku": ["A", "A", "B", "B", "B"],
            "operation": [10, 20, 10, 20, 20],
            "workcenter": ["WC1", "WC2", "WC1", "WC2", "WC3"],
            "run_hours": [0.1, 0.2, 0.15, 0.3, 0.35],
            "setup_hours": [1.0, 2.0, 1.5, 2.0, 2.5],
        }
    )
    workcenters = pd.DataFrame(
        {
            "workcenter": ["WC1", "WC2", "WC3"],
            "capacity_hours": [36.0, 40.0, 36.0],
            "servers": [1, 1, 1],
            "ce2": [0.5, 1.0, 1.0],
        }
    )
    flows = pd.DataFrame({"flow": ["F"] * 3, "workcenter": ["WC1", "WC2", "WC3"]})
    return optimize.Plant(items, routing, workcenters, flows, period_hours=40.0)


@pytest.fixture(scope="module")
def tiny_result():
    return optimize.optimize_plant(tiny_plant(), service=0.95, max_utilization=0.85)


@pytest.fixture(scope="module")
def demo_result():
    return optimize.optimize_plant(plants.load_demo_plant())


def test_tiny_plant_is_feasible_and_shares_sum_to_one(tiny_result):
    assert tiny_result.items["feasible"].all()
    assert (tiny_result.items["reason"] == "").all()
    shares = tiny_result.assignment.groupby(["sku", "operation"])["share"].sum()
    np.testing.assert_allclose(shares, 1.0)
    assert (tiny_result.assignment["share"] >= -1e-12).all()


def test_workcenter_loads_follow_lot_sizes_and_shares(tiny_result):
    """load_j = sum over rows of D * share * (run + setup / Q), u = load / cap."""
    items = tiny_result.items
    rows = tiny_result.assignment.merge(
        tiny_plant().routing, on=["sku", "operation", "workcenter"]
    )
    demand = items.loc[rows["sku"], "demand_mean"].to_numpy()
    lot = items.loc[rows["sku"], "lot_size"].to_numpy()
    load = demand * rows["share"] * (rows["run_hours"] + rows["setup_hours"] / lot)
    expected = load.groupby(rows["workcenter"]).sum()
    centers = tiny_result.workcenters
    np.testing.assert_allclose(centers.loc[expected.index, "load_hours"], expected)
    np.testing.assert_allclose(
        centers["utilization"], centers["load_hours"] / centers["capacity_hours"]
    )
    assert centers["utilization"].max() <= 0.85 + 1e-6


def test_lead_times_and_reorder_points_agree_with_engine_functions(tiny_result):
    """Item A goes WC1 then WC2 (single servers, 100 % availability is 40 h but
    capacity 36 h / 40 h, so a lot takes 40/36 clock hours per work hour at
    WC1): lead time = queue times + lot process times; then (Q, r) from
    engine.inventory for lead-time demand in weeks of 40 h."""
    items, centers = tiny_result.items, tiny_result.workcenters
    q = items.loc["A", "lot_size"]
    process = np.array([(1.0 + 0.1 * q) * 40 / 36, (2.0 + 0.2 * q) * 40 / 40])
    queue = centers.loc[["WC1", "WC2"], "queue_time"].to_numpy()
    mean = float((queue + process).sum())
    assert items.loc["A", "planned_lead_time"] == pytest.approx(mean)
    # A lot's work varies as ce2 (s^2 + Q t^2) (Factory Physics sec. 9.4).
    work_variance = np.array([0.5 * (1.0 + q * 0.1**2), 1.0 * (4.0 + q * 0.2**2)])
    clock = np.array([40 / 36, 1.0])
    queue_variance = centers.loc[["WC1", "WC2"], "queue_time_var"].to_numpy()
    variance = queue_variance + work_variance * clock**2
    std = float(np.sqrt(variance.sum()))
    assert items.loc["A", "planned_lead_time_std"] == pytest.approx(std)
    assert items.loc["A", "planned_lead_time_quantile"] == pytest.approx(
        float(leadtime.gamma_quantile(mean, std, 0.9))
    )
    theta, sigma = inventory.lead_time_demand(100.0, 30.0, mean / 40, std / 40)
    r = inventory.reorder_point_for_fill_rate(q, theta, sigma, 0.95)
    assert items.loc["A", "lead_time_demand_mean"] == pytest.approx(theta)
    assert items.loc["A", "reorder_point"] == pytest.approx(r)
    assert items.loc["A", "safety_stock"] == pytest.approx(r - theta)
    assert items.loc["A", "fill_rate"] == pytest.approx(
        inventory.fill_rate(q, r, theta, sigma)
    )
    assert items.loc["A", "fill_rate"] >= 0.95 - 1e-9
    on_hand = inventory.inventory_level(q, r, theta, sigma)
    assert items.loc["A", "days_of_supply"] == pytest.approx(on_hand / (100.0 / 5))


def test_wip_cap_is_min_wip_of_the_flow_line(tiny_result):
    """Flow F: te_j = (hours of the flow at j per lot) * 40 / capacity_j and
    the cap is the smallest w whose MVA throughput reaches rate / 0.95."""
    items, centers = tiny_result.items, tiny_result.workcenters
    lots = (items["demand_mean"] / items["lot_size"]).sum()
    used = centers[centers["load_hours"] > 0]
    te = used["load_hours"] / lots * 40 / used["capacity_hours"]
    stations = tiny_result.stations.set_index("workcenter")
    np.testing.assert_allclose(stations.loc[te.index, "te"], te)
    rate = lots / 40
    flow = tiny_result.flows.loc["F"]
    assert flow["target_throughput"] == pytest.approx(rate)
    ce2 = stations.loc[te.index, "ce2"].to_numpy()
    expected = conwip.min_wip(te.to_numpy(), rate / 0.95, ce2=ce2)
    assert flow["wip_cap"] == expected
    assert flow["throughput_at_cap"] >= rate / 0.95
    curve = tiny_result.curves[tiny_result.curves["flow"] == "F"]
    assert curve["w"].min() == 1 and curve["w"].max() >= flow["wip_cap"]
    # Single machines: the flow's curve is engine.conwip's approximate MVA.
    expected = conwip.throughput_curve(te.to_numpy(), int(curve["w"].max()), ce2=ce2)
    expected = expected.set_index("w").loc[curve["w"]]
    np.testing.assert_allclose(curve["throughput"], expected["throughput"])
    np.testing.assert_allclose(curve["cycle_time"], expected["cycle_time"])


def test_multi_machine_flow_capacity_is_checked_by_simulation(demo_result):
    """Fabrication has two three-machine stations: one lot there still takes a
    machine's full time, so T0 sums machine times and rb = min m / te (Factory
    Physics ch. 7). The flow model (exact load-dependent MVA interpolated
    towards the best case by the line's ce2) must agree with a simulated closed
    line within 5 % at WIP 4 and at the cap; one fast server per station would
    claim T0 = 33 h instead of 75 h and, at WIP 4, 40 % more throughput."""
    flow = demo_result.flows.loc["Fabrication"]
    line = demo_result.stations[demo_result.stations["flow"] == "Fabrication"]
    te, machines = line["te"].to_numpy(), line["servers"].to_numpy()
    assert flow["raw_process_time"] == pytest.approx(te.sum())
    assert flow["bottleneck_rate"] == pytest.approx((machines / te).min())
    assert flow["critical_wip"] == pytest.approx(te.sum() * (machines / te).min())
    curve = demo_result.curves[demo_result.curves["flow"] == "Fabrication"]
    curve = curve.set_index("w")["throughput"]
    cap = int(flow["min_cap_units"])
    assert curve[cap] == pytest.approx(flow["throughput_at_cap"])
    for w in (4, cap):
        simulated = simulation.simulate_closed_line(
            te, w, line["ce2"].to_numpy(), machines, n_completions=5000, seed=11
        )
        assert curve[w] == pytest.approx(simulated.throughput, rel=0.05)
    assert flow["throughput_at_cap"] >= flow["target_throughput"] / 0.95


def test_more_demand_variability_needs_more_safety_stock():
    calm = optimize.optimize_plant(tiny_plant(demand_std=[10.0, 5.0]))
    wild = optimize.optimize_plant(tiny_plant(demand_std=[40.0, 30.0]))
    assert (wild.items["safety_stock"] > calm.items["safety_stock"]).all()
    # Sequential lot sizes ignore demand variability (the joint ones price it).
    calm_lots = optimize.optimize_plant(
        tiny_plant(demand_std=[10.0, 5.0]), joint=False
    ).items["lot_size"]
    wild_lots = optimize.optimize_plant(
        tiny_plant(demand_std=[40.0, 30.0]), joint=False
    ).items["lot_size"]
    np.testing.assert_allclose(wild_lots, calm_lots)


def test_tighter_utilization_cap_never_shrinks_lots():
    """Setups eat capacity: lowering the utilisation limit forces larger lots
    on the loaded workcenters (Factory Physics ch. 15, capacitated lot sizes)."""
    # Cheap setups -> small EOQs whose setups overload WC1 (0.92 of capacity).
    plant = tiny_plant(demand_mean=[120.0, 60.0], setup_cost=[0.2, 0.2])
    loose = optimize.optimize_plant(plant, max_utilization=0.9)
    tight = optimize.optimize_plant(plant, max_utilization=0.75)
    assert (tight.items["lot_size"] >= loose.items["lot_size"] - 1e-6).all()
    assert (tight.items["lot_size"] > loose.items["lot_size"] + 1e-6).any()
    assert tight.workcenters["utilization"].max() <= 0.75 + 1e-6


def test_bad_items_get_reasons_and_the_rest_is_optimised():
    plant = tiny_plant()
    extra = pd.DataFrame(
        {
            "sku": ["NOROUTE", "NODEMAND", "FREE", "NEGATIVE", "GHOST", "DEAD"],
            "demand_mean": [10.0, 0.0, 10.0, -5.0, 10.0, 10.0],
            "demand_std": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
            "unit_cost": [5.0, 5.0, 0.0, 5.0, 5.0, 5.0],
            "setup_cost": [10.0] * 6,
            "holding_rate": [0.005] * 6,
        }
    )
    plant.items = pd.concat([plant.items, extra], ignore_index=True)
    plant.routing = pd.concat(
        [
            plant.routing,
            pd.DataFrame(
                {
                    "sku": ["NODEMAND", "FREE", "NEGATIVE", "GHOST", "DEAD"],
                    "operation": [10] * 5,
                    "workcenter": ["WC1", "WC1", "WC1", "NOWHERE", "WC4"],
                    "run_hours": [0.1] * 5,
                    "setup_hours": [1.0] * 5,
                }
            ),
        ],
        ignore_index=True,
    )
    plant.workcenters = pd.concat(
        [
            plant.workcenters,
            pd.DataFrame({"workcenter": ["WC4"], "capacity_hours": [0.0]}),
        ],
        ignore_index=True,
    )
    result = optimize.optimize_plant(plant)
    reasons = result.items["reason"]
    assert reasons["NOROUTE"] == "no routing"
    assert reasons["NODEMAND"] == "no demand"
    assert reasons["FREE"].startswith("no holding cost")
    assert reasons["NEGATIVE"] == "invalid demand_mean"
    assert reasons["GHOST"] == "routing names an unknown workcenter"
    assert reasons["DEAD"] == "no workcenter with capacity for an operation"
    bad = ["NOROUTE", "NODEMAND", "FREE", "NEGATIVE", "GHOST", "DEAD"]
    assert not result.items.loc[bad, "feasible"].any()
    assert result.items.loc[bad, "lot_size"].isna().all()
    assert result.items.loc[["A", "B"], "feasible"].all()
    assert result.summary["infeasible_items"] == 6


def test_overloaded_workcenter_is_reported_per_item():
    """A's run load alone is 1000 x 0.1 + 50 x 0.15 = 107.5 h on WC1's 36 h (299 %):
    A and B (which shares WC1) are infeasible, with the workcenter named."""
    plant = tiny_plant(demand_mean=[1000.0, 50.0])
    result = optimize.optimize_plant(plant)
    assert not result.items["feasible"].any()
    assert result.items["reason"].str.startswith("WC1: load of 299%").all()
    assert result.items["lot_size"].isna().all()


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda p: setattr(p, "items", p.items.drop(columns="unit_cost")), "unit_cost"),
        (
            lambda p: setattr(p, "items", pd.concat([p.items, p.items.iloc[:1]])),
            "unique",
        ),
        (lambda p: setattr(p, "period_hours", 0.0), "period_hours"),
    ],
)
def test_malformed_plant_raises(change, match):
    plant = tiny_plant()
    change(plant)
    with pytest.raises(ValueError, match=match):
        optimize.optimize_plant(plant)


@pytest.mark.parametrize(
    ("option", "match"),
    [
        ({"service": 1.0}, "service"),
        ({"max_utilization": 1.2}, "max_utilization"),
        ({"service_mode": "magic"}, "service_mode"),
    ],
)
def test_bad_parameters_raise(option, match):
    with pytest.raises(ValueError, match=match):
        optimize.optimize_plant(tiny_plant(), **option)


def test_aggregate_mode_reaches_the_weighted_fill_rate_for_less_money(tiny_result):
    aggregate = optimize.optimize_plant(tiny_plant(), service_mode="aggregate")
    assert aggregate.summary["fill_rate"] >= 0.95 - 1e-6
    assert (
        aggregate.summary["inventory_investment"]
        <= tiny_result.summary["inventory_investment"] + 1e-6
    )


def test_summary_totals_match_item_rows(demo_result):
    items = demo_result.items
    summary = demo_result.summary
    assert summary["inventory_investment"] == pytest.approx(
        (items["expected_inventory"] * items["unit_cost"]).sum()
    )
    assert summary["setups_per_period"] == pytest.approx(
        (items["demand_mean"] / items["lot_size"]).sum()
    )


def test_demo_plant_optimises_cleanly(demo_result):
    assert len(demo_result.items) == 12
    assert len(demo_result.workcenters) == 6
    assert demo_result.items["feasible"].all()
    assert set(demo_result.flows.index) == {"Machining", "Fabrication"}
    assert demo_result.flows["wip_cap"].notna().all()
    assert (demo_result.workcenters["utilization"] < 0.86).all()
    own = demo_result.items.loc[["HUB-10", "CART-1"], "fill_rate"]
    assert (own >= 0.98 - 1e-9).all()  # their own service column wins


def test_simulate_flows_compares_both_policies(demo_result):
    frame = optimize.simulate_flows(
        demo_result, replications=2, n_orders=150, warmup_orders=15
    )
    assert set(frame["flow"]) == {"Machining", "Fabrication"}
    assert set(frame["policy"]) == {"conwip", "push"}
    caps = demo_result.flows["min_cap_units"]
    max_wip = frame[(frame["policy"] == "conwip") & (frame["metric"] == "max_wip")]
    assert (max_wip["mean"].to_numpy() <= caps[max_wip["flow"]].to_numpy()).all()


def test_simulate_flows_gives_both_policies_one_quote_and_one_makeup_rule(
    demo_result,
):
    """Item 6 of the flow-model issue: the quote is the flow model's lead-time
    quantile (virtual queue included) for both policies, and push gets the same
    make-up time as CONWIP (Spearman and Zazanis 1992: compare release rules,
    nothing else)."""
    frame = optimize.simulate_flows(
        demo_result, replications=2, n_orders=300, warmup_orders=30
    )
    flows = demo_result.flows
    for flow, rows in frame.groupby("flow"):
        stations = demo_result.stations[demo_result.stations["flow"] == flow]
        line = flowline.FlowLine(
            stations["te"].to_numpy(), stations["servers"], stations["ce2"]
        )
        rate = flows.loc[flow, "target_throughput"]
        cap = int(flows.loc[flow, "min_cap_units"])
        expected = line.lead_time(rate, cap, service=0.9).quantile
        assert rows["quoted_lead_time"].unique() == pytest.approx([expected])
        hours = rows[rows["metric"] == "makeup_hours"].set_index("policy")["mean"]
        assert hours["push"] > 0.0 and hours["conwip"] > 0.0


def test_generated_plant_is_reproducible_and_realistic():
    plant = plants.generate_plant(3000, 12, seed=3)
    again = plants.generate_plant(3000, 12, seed=3)
    pd.testing.assert_frame_equal(plant.routing, again.routing)
    assert not plant.items.equals(plants.generate_plant(3000, 12, seed=4).items)
    routing = plant.routing
    operations = routing.groupby("sku")["operation"].nunique()
    assert operations.between(2, 6).all() and len(operations) == 3000
    options = routing.groupby(["sku", "operation"]).size()
    assert 0.25 < (options > 1).mean() < 0.35
    flow_of = plant.flows.set_index("workcenter")["flow"]
    flows_per_sku = routing["workcenter"].map(flow_of).groupby(routing["sku"]).nunique()
    assert (flows_per_sku == 1).all()
    result = optimize.optimize_plant(plant)
    assert result.items["feasible"].mean() > 0.99
    utilization = result.workcenters["utilization"]
    assert utilization.between(0.5, 0.85 + 1e-6).all()


def test_generate_plant_rejects_bad_sizes():
    with pytest.raises(ValueError, match="n_skus"):
        plants.generate_plant(0, 5)
    with pytest.raises(ValueError, match="n_workcenters"):
        plants.generate_plant(10, 2.5)


def test_risk_check_simulates_each_flow_with_intervals_and_flags(demo_result):
    """Item 5 of the flow-model issue: the proposed CONWIP policy of each flow is
    simulated (seeded, fixed effort) next to the flow model's figures. A stable
    flow delivers its arrival rate (Little / conservation of flow, Factory
    Physics ch. 7) and never holds more than its cap; the 15 % flag follows the
    deviations; one flow at most when asked."""
    check = optimize.risk_check(demo_result, replications=3, n_orders=600)
    flows = demo_result.flows
    assert list(check.index) == ["Machining", "Fabrication"]
    assert (check["wip_cap"] == flows.loc[check.index, "min_cap_units"]).all()
    halves = check.filter(like="_half_width")
    assert halves.shape[1] == 5 and (halves.to_numpy() > 0).all()
    low = check["simulated_throughput"] - check["simulated_throughput_half_width"]
    assert (low <= check["arrival_rate"] * 1.05).all()
    assert (check["simulated_wip"] <= check["wip_cap"]).all()
    assert check["analytic_throughput"].to_numpy() == pytest.approx(
        flows.loc[check.index, "throughput_at_cap"].to_numpy()
    )
    worst = check[["throughput_deviation", "lead_time_deviation"]].abs().max(axis=1)
    assert (check["flagged"] == (worst > 0.15)).all()
    strict = optimize.risk_check(
        demo_result, replications=2, n_orders=300, tolerance=1e-6
    )
    assert strict["flagged"].all()
    loose = optimize.risk_check(demo_result, replications=2, n_orders=300, tolerance=10)
    assert not loose["flagged"].any()
    one = optimize.risk_check(demo_result, replications=2, n_orders=300, max_flows=1)
    assert len(one) == 1
    again = optimize.risk_check(demo_result, replications=2, n_orders=300, max_flows=1)
    pd.testing.assert_frame_equal(one, again)
    with pytest.raises(ValueError, match="replications"):
        optimize.risk_check(demo_result, replications=1)


def _plant_with_a_dedicated_workcenter():
    """The tiny plant plus item C, the only product of workcenter WC4."""
    plant = tiny_plant()
    extra_item = {
        "sku": ["C"],
        "demand_mean": [30.0],
        "demand_std": [12.0],
        "unit_cost": [15.0],
        "setup_cost": [60.0],
        "holding_rate": [0.005],
    }
    extra_route = {
        "sku": ["C"],
        "operation": [10],
        "workcenter": ["WC4"],
        "run_hours": [0.4],
        "setup_hours": [3.0],
    }
    extra_center = {
        "workcenter": ["WC4"],
        "capacity_hours": [36.0],
        "servers": [1],
        "ce2": [0.7],
    }
    return optimize.Plant(
        pd.concat([plant.items, pd.DataFrame(extra_item)], ignore_index=True),
        pd.concat([plant.routing, pd.DataFrame(extra_route)], ignore_index=True),
        pd.concat([plant.workcenters, pd.DataFrame(extra_center)], ignore_index=True),
        pd.concat(
            [plant.flows, pd.DataFrame({"flow": ["F"], "workcenter": ["WC4"]})],
            ignore_index=True,
        ),
        period_hours=40.0,
    )


@pytest.mark.parametrize("ca2", [1.0, 0.5])
def test_single_product_workcenter_gets_ca2_over_q_in_lot_sizing_and_lead_times(ca2):
    """Factory Physics sec. 9.4: lots of Q demands arrive with SCV ca2 / Q. The
    lead times report it, and lot sizing priced the same queue (one rule)."""
    result = optimize.optimize_plant(_plant_with_a_dedicated_workcenter(), ca2=ca2)
    lot = result.items.loc["C", "lot_size"]
    center = result.workcenters.loc["WC4"]
    assert center["ca2"] == pytest.approx(ca2 / lot, rel=1e-12)
    hours = 40.0
    sized = lotsizing.lot_size_cost(
        [lot],
        [30.0 / hours],
        [15.0 * 0.005 / hours],
        [60.0],
        [0],
        [0],
        [0.4],
        [3.0],
        [36.0 / hours],
        ca2=ca2,
        ce2=[0.7],
    )
    assert sized.utilization[0] == pytest.approx(center["utilization"], rel=1e-12)
    assert sized.queue_time[0] == pytest.approx(center["queue_time"], rel=1e-9)
