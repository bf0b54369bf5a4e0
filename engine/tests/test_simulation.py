"""Tests of engine.simulation: seeded CONWIP / push flow and closed-line runs."""

import numpy as np
import pytest

from engine import conwip, simulation

PENNY_FAB_ONE = [2.0, 2.0, 2.0, 2.0]  # Factory Physics ch. 7: 4 stations, 2 h each

FLOW = {
    "te": PENNY_FAB_ONE,
    "ce2": 1.0,
    "machines": 1,
    "arrival_rate": 0.3,
    "quoted_lead_time": 30.0,
    "n_orders": 1500,
    "warmup_orders": 150,
}


def _conwip(**overrides):
    return simulation.simulate_flow(
        **{**FLOW, "policy": "conwip", "wip_cap": 8, "seed": 7, **overrides}
    )


def _push(**overrides):
    return simulation.simulate_flow(
        **{**FLOW, "policy": "push", "planned_lead_time": 20.0, "seed": 7, **overrides}
    )


def test_same_seed_same_result_other_seed_other_result():
    assert _conwip(seed=11) == _conwip(seed=11)
    assert _conwip(seed=11) != _conwip(seed=12)
    assert _push(seed=11) == _push(seed=11)


def test_closed_line_throughput_agrees_with_mean_value_analysis():
    """Penny Fab One (Hopp & Spearman, Factory Physics ch. 7): te = 2 h at four
    single-machine stations, rb = 0.5/h, T0 = 8 h, W0 = 4. With exponential
    times the closed line is the practical worst case, TH(w) = w/(W0 + w - 1) rb,
    so TH(4) = 4/7 * 0.5 = 2/7, which exact MVA must reproduce."""
    throughput, cycle_time = conwip.mva(PENNY_FAB_ONE, 4)
    assert throughput == pytest.approx(4 / 7 * 0.5)
    estimate = simulation.simulate_closed_line(
        PENNY_FAB_ONE, 4, n_completions=20000, seed=2024
    )
    low, high = estimate.throughput_ci
    assert low <= throughput <= high
    assert estimate.throughput == pytest.approx(throughput, rel=0.03)
    assert estimate.cycle_time == pytest.approx(cycle_time, rel=0.03)
    # Little's law in the closed line: w = TH * CT.
    assert estimate.throughput * estimate.cycle_time == pytest.approx(4, rel=0.01)


def test_deterministic_closed_line_runs_at_best_case():
    """Without variability the best case is exact: TH = min(w/T0, rb)."""
    for w, expected in [(1, 1 / 8), (2, 2 / 8), (4, 0.5), (6, 0.5)]:
        estimate = simulation.simulate_closed_line(
            PENNY_FAB_ONE, w, ce2=0.0, n_completions=400, warmup_completions=40
        )
        assert estimate.throughput == pytest.approx(expected, rel=1e-9)


def test_closed_line_curve_is_the_best_case_without_variability_and_seeded():
    """Factory Physics ch. 7, Penny Fab One with deterministic times: the
    simulated curve is the best case TH(w) = min(w / T0, rb), w = 1..6; with
    exponential times it is the practical worst case w / (W0 + w - 1) rb."""
    curve = simulation.closed_line_curve(
        PENNY_FAB_ONE, 6, ce2=0.0, n_completions=400, warmup_completions=40
    )
    best = np.minimum(curve["w"] / 8, 0.5)
    # Jobs finish in bunches of w: a window edge can split one (0.1 %).
    np.testing.assert_allclose(curve["throughput"], best, rtol=1e-3)
    random = simulation.closed_line_curve(PENNY_FAB_ONE, 3, seed=5)
    assert random.equals(simulation.closed_line_curve(PENNY_FAB_ONE, 3, seed=5))
    worst = random["w"] / (4 + random["w"] - 1) * 0.5
    np.testing.assert_allclose(random["throughput"], worst, rtol=0.04)
    with pytest.raises(ValueError, match="w_max"):
        simulation.closed_line_curve(PENNY_FAB_ONE, 0)


def test_conwip_never_exceeds_its_cap_and_reaches_it_under_load():
    for cap in (2, 5):
        run = _conwip(wip_cap=cap, arrival_rate=0.45)
        assert run["max_wip"] == cap
        assert run["wip"] <= cap
    assert _push(arrival_rate=0.45)["max_wip"] > 5


@pytest.mark.parametrize("policy", ["conwip", "push"])
def test_littles_law_holds(policy):
    run = _conwip() if policy == "conwip" else _push()
    assert run["wip"] == pytest.approx(run["throughput"] * run["cycle_time"], rel=0.05)
    assert run["throughput"] == pytest.approx(FLOW["arrival_rate"], rel=0.05)


def test_push_releases_exactly_planned_lead_time_before_due_date():
    """Release = due - L = arrival + (quoted - L): the flow time exceeds the
    cycle time by exactly quoted - L; with L = quoted orders start on arrival."""
    run = _push(planned_lead_time=18.0)
    assert run["flow_time"] - run["cycle_time"] == pytest.approx(30.0 - 18.0)
    same = _push(planned_lead_time=30.0)
    assert same["flow_time"] == pytest.approx(same["cycle_time"])


def test_deterministic_push_line_has_no_waiting():
    """ca2 = ce2 = 0, one order per 3 h, stations of 2 h: cycle time 8 h."""
    run = _push(ce2=0.0, ca2=0.0, arrival_rate=1 / 3, planned_lead_time=30.0)
    assert run["cycle_time"] == pytest.approx(8.0)
    assert run["service"] == 1.0
    assert run["throughput"] == pytest.approx(1 / 3, rel=0.01)


def test_makeup_time_is_used_when_the_queue_is_long_and_shortens_flow_time():
    base = _conwip(wip_cap=3, arrival_rate=0.4)
    makeup = _conwip(wip_cap=3, arrival_rate=0.4, makeup_threshold=2, makeup_share=0.5)
    assert base["makeup_hours"] == 0.0
    assert 0 < makeup["makeup_hours"] <= makeup["window_hours"]
    assert makeup["flow_time"] < base["flow_time"]
    assert makeup["service"] >= base["service"]


def test_confidence_interval_student_t():
    """Samples 1, 2, 3: mean 2, s = 1, t(0.975, 2) = 4.303 (t table), so the
    half-width is 4.303 / sqrt(3) = 2.484."""
    mean, half = simulation.confidence_interval([1.0, 2.0, 3.0])
    assert mean == 2.0
    assert half == pytest.approx(4.302653 / np.sqrt(3), rel=1e-6)
    with pytest.raises(ValueError, match="at least 2"):
        simulation.confidence_interval([1.0])


def test_push_and_conwip_share_one_makeup_rule():
    """With a cap that never binds and push releasing on arrival (planned lead
    time = quoted lead time) both policies are the same line (Spearman and
    Zazanis 1992: push and pull differ only in the release rule); the same
    make-up level must then give the very same make-up hours, flow times and
    on-time share, and make-up must actually have been on."""
    common = {"arrival_rate": 0.4, "makeup_share": 0.5, "seed": 3}
    conwip = _conwip(wip_cap=10**6, makeup_level=4, **common)
    push = _push(planned_lead_time=FLOW["quoted_lead_time"], makeup_level=4, **common)
    assert conwip["makeup_hours"] > 0.0
    for metric in ("makeup_hours", "throughput", "flow_time", "service", "wip"):
        assert push[metric] == pytest.approx(conwip[metric], rel=1e-12), metric
    # The CONWIP threshold is the same level counted from the cap.
    assert _conwip(wip_cap=3, makeup_threshold=2) == _conwip(wip_cap=3, makeup_level=5)
    with pytest.raises(ValueError, match="makeup_level"):
        _push(makeup_threshold=2)
    with pytest.raises(ValueError, match="not both"):
        _conwip(makeup_threshold=2, makeup_level=5)


def test_compare_policies_reports_both_policies_with_intervals():
    frame = simulation.compare_policies(
        PENNY_FAB_ONE,
        arrival_rate=0.35,
        quoted_lead_time=30.0,
        wip_cap=6,
        planned_lead_time=20.0,
        makeup_threshold=4,
        makeup_share=0.25,
        replications=4,
        n_orders=500,
        warmup_orders=50,
        seed=5,
    )
    assert set(frame["policy"]) == {"conwip", "push"}
    assert set(frame["metric"]) == set(simulation.METRICS)
    assert np.all(frame["ci_low"] <= frame["mean"] + 1e-12)
    assert np.all(frame["mean"] <= frame["ci_high"] + 1e-12)
    by = frame.set_index(["policy", "metric"])["mean"]
    assert by["conwip", "max_wip"] <= 6
    # One make-up rule for both: push, with no cap, has more orders in the
    # flow and so more make-up hours, not none.
    assert by["push", "makeup_hours"] > 0.0
    again = simulation.compare_policies(
        PENNY_FAB_ONE,
        arrival_rate=0.35,
        quoted_lead_time=30.0,
        wip_cap=6,
        planned_lead_time=20.0,
        replications=2,
        n_orders=200,
        warmup_orders=20,
        seed=5,
    )
    assert again.equals(
        simulation.compare_policies(
            PENNY_FAB_ONE,
            arrival_rate=0.35,
            quoted_lead_time=30.0,
            wip_cap=6,
            planned_lead_time=20.0,
            replications=2,
            n_orders=200,
            warmup_orders=20,
            seed=5,
        )
    )


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"arrival_rate": 0.5}, "overloads station"),
        ({"policy": "kanban"}, "policy"),
        ({"wip_cap": None}, "wip_cap"),
        ({"wip_cap": 2.5}, "wip_cap"),
        ({"te": [2.0, -1.0]}, "te"),
        ({"ce2": -0.5}, "ce2"),
        ({"machines": 0}, "servers"),
        ({"n_orders": 100, "warmup_orders": 100}, "warmup_orders"),
        ({"makeup_share": -0.1, "makeup_threshold": 1}, "makeup_share"),
    ],
)
def test_flow_rejects_bad_input(overrides, match):
    with pytest.raises(ValueError, match=match):
        _conwip(**overrides)


def test_push_requires_planned_lead_time_and_closed_line_checks_w():
    with pytest.raises(ValueError, match="planned_lead_time"):
        _push(planned_lead_time=None)
    with pytest.raises(ValueError, match="w must"):
        simulation.simulate_closed_line(PENNY_FAB_ONE, 0)
    with pytest.raises(ValueError, match="batches"):
        simulation.simulate_closed_line(PENNY_FAB_ONE, 2, batches=1)
