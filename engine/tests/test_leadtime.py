"""Tests of engine.leadtime: planned lead times from queueing moments."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from engine import leadtime


def test_gamma_quantile_exponential_case():
    """std == mean is shape 1: the exponential quantile -mean ln(1 - s)."""
    for mean, service in ((2.0, 0.9), (0.5, 0.5), (10.0, 0.99)):
        assert leadtime.gamma_quantile(mean, mean, service) == pytest.approx(
            -mean * math.log(1 - service)
        )


def test_gamma_quantile_erlang_two_case():
    """std = mean / sqrt(2) is shape 2, CDF 1 - exp(-x/theta) (1 + x/theta)."""
    mean, service = 6.0, 0.8
    quantile = leadtime.gamma_quantile(mean, mean / math.sqrt(2), service)
    theta = mean / 2
    x = quantile / theta
    assert 1 - math.exp(-x) * (1 + x) == pytest.approx(service)


def test_gamma_quantile_deterministic_and_vectorised():
    result = leadtime.gamma_quantile([3.0, 2.0, 0.0], [0.0, 2.0, 0.0], 0.9)
    assert result[0] == 3.0
    assert result[1] == pytest.approx(-2 * math.log(0.1))
    assert result[2] == 0.0
    assert type(leadtime.gamma_quantile(1.0, 0.0, 0.9)) is float


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((float("nan"), 1.0, 0.9), "mean"),
        ((1.0, -1.0, 0.9), "std"),
        ((1.0, 1.0, 1.0), "service"),
        ((0.0, 1.0, 0.9), "mean"),
    ],
)
def test_gamma_quantile_bad_input(args, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        leadtime.gamma_quantile(*args)


@pytest.mark.parametrize("u", [0.0, 0.5, 0.9])
def test_mm1_workcenter_lead_time_is_exponential(u):
    """M/M/1 sojourn is exponential, mean te / (1 - u) (Kleinrock 1975, sec. 3.2)."""
    te, service = 2.0, 0.95
    result = leadtime.workcenter_lead_time(u, te, service=service)
    sojourn = te / (1 - u)
    assert result.mean == pytest.approx(sojourn)
    assert result.std == pytest.approx(sojourn)
    assert result.quantile == pytest.approx(-sojourn * math.log(1 - service))


def test_workcenter_lead_time_moments_by_hand():
    """u = 0.5, te = 2, ca2 = 0.5, ce2 = 1.5, m = 1: V = 1, CTq = 2, p = 0.5.

    Conditional wait theta = 1 * 2 / 0.5 = 4; Var Wq = 2 * 4 * 1.5 = 12;
    Var LT = 12 + 1.5 * 4 = 18; mean LT = 4.
    """
    result = leadtime.workcenter_lead_time(0.5, 2.0, 0.5, 1.5)
    assert result.mean == pytest.approx(4.0)
    assert result.std == pytest.approx(math.sqrt(18.0))


@settings(max_examples=50, deadline=None)
@given(
    u1=st.floats(0.0, 0.95),
    step=st.floats(1e-3, 0.5),
    ca2=st.floats(0.0, 10.0),
    ce2=st.floats(0.0, 10.0),
    m=st.integers(1, 4),
    service=st.floats(0.85, 0.98),
)
def test_workcenter_lead_time_increases_with_utilization(
    u1, step, ca2, ce2, m, service
):
    """Mean, std and the planning quantile all rise strictly with utilisation."""
    assume(ca2 + ce2 > 0.01)
    u2 = min(u1 + step, 0.99)
    low = leadtime.workcenter_lead_time(u1, 1.0, ca2, ce2, m, service)
    high = leadtime.workcenter_lead_time(u2, 1.0, ca2, ce2, m, service)
    assert high.mean > low.mean
    assert high.std > low.std
    assert high.quantile > low.quantile


@pytest.mark.parametrize("std", [1e-160, 1e-5, 0.99e-4, 1.01e-4])
def test_gamma_quantile_of_a_vanishing_spread_is_finite(std):
    """Regression (hypothesis found it): an almost idle M/D/1 workcenter has a
    lead-time spread so small that the gamma shape mean^2/var overflows; the
    quantile must then be the normal limit mean + z std, not NaN."""
    quantile = leadtime.gamma_quantile(1.0, std, 0.9)
    # On the gamma side of the switch the skew adds ~ std**2, far below std.
    assert quantile == pytest.approx(1.0 + stats.norm.ppf(0.9) * std, abs=1e-3 * std)
    idle = leadtime.workcenter_lead_time(2.2250738585e-313, 1.0, 1.0, 0.0, 1, 0.875)
    assert idle.quantile == pytest.approx(1.0)


@pytest.mark.parametrize("u", [1.0, 1.3])
def test_overloaded_workcenter_raises(u):
    with pytest.raises(ValueError, match="overloaded"):
        leadtime.workcenter_lead_time(u, 1.0)


def test_workcenter_lead_time_bad_input_and_broadcast():
    with pytest.raises(ValueError, match=r"^te must"):
        leadtime.workcenter_lead_time(0.5, -1.0)
    with pytest.raises(ValueError, match=r"^u must"):
        leadtime.workcenter_lead_time(float("nan"), 1.0)
    with pytest.raises(ValueError, match=r"^m must"):
        leadtime.workcenter_lead_time(0.5, 1.0, m=0)
    result = leadtime.workcenter_lead_time(np.array([0.2, 0.5, 0.8]), 1.0, m=2)
    assert result.mean.shape == result.quantile.shape == (3,)
    scalar = leadtime.workcenter_lead_time(0.2, 1.0)
    assert all(type(x) is float for x in scalar)


def test_virtual_queue_poisson_exponential_is_mm1():
    """Line seen as one exponential server of rate TH: M/M/1 queue moments."""
    rate, throughput = 0.6, 1.5
    u, te = rate / throughput, 1 / throughput
    mean, variance = leadtime.virtual_queue_time(rate, throughput)
    assert mean == pytest.approx(u / (1 - u) * te)
    assert variance == pytest.approx(u * (2 - u) * te**2 / (1 - u) ** 2)


def test_virtual_queue_overloaded():
    with pytest.raises(ValueError, match="virtual queue grows without bound"):
        leadtime.virtual_queue_time(2.0, 2.0)


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.9])
def test_flow_of_one_exponential_station_with_cap_one_is_mm1(rate):
    """Cap 1 on one exponential station: queue + station form an M/M/1 queue.

    Sojourn exponential with mean te / (1 - rate te): mean, std and quantile exact.
    """
    te, service = 1.0, 0.9
    result = leadtime.flow_lead_time(rate, [te], 1.0, 1, service=service)
    sojourn = te / (1 - rate * te)
    assert result.mean == pytest.approx(sojourn)
    assert result.std == pytest.approx(sojourn)
    assert result.quantile == pytest.approx(-sojourn * math.log(1 - service))


def test_flow_of_one_general_station_with_cap_one_is_pollaczek_khinchine():
    """Cap 1, one station with SCV 0.5, Poisson orders: an M/G/1 queue.

    PK mean sojourn: te + (1 + ce2) / 2 * u / (1 - u) * te; default cd2 = ce2.
    """
    te, ce2, rate = 2.0, 0.5, 0.3
    u = rate * te
    result = leadtime.flow_lead_time(rate, [te], ce2, 1)
    assert result.mean == pytest.approx(te + (1 + ce2) / 2 * u / (1 - u) * te)


def test_flow_lead_time_rises_with_demand_and_rejects_overload():
    te, ce2 = [1.0, 2.0, 1.5], [0.5, 1.0, 2.0]
    rates = np.linspace(0.05, 0.35, 7)
    result = leadtime.flow_lead_time(rates, te, ce2, 6)
    assert np.all(np.diff(result.mean) > 0)
    assert np.all(np.diff(result.quantile) > 0)
    # The raw process time of the line is a floor of the mean lead time.
    assert np.all(result.mean > sum(te))
    with pytest.raises(ValueError, match="wip_cap = 1"):
        leadtime.flow_lead_time(0.25, te, ce2, 1)  # TH(1) = 1 / 4.5 < 0.25


def test_flow_lead_time_explicit_cd2_matters():
    base = leadtime.flow_lead_time(0.3, [1.0, 2.0], 1.0, 4, cd2=0.2)
    noisy = leadtime.flow_lead_time(0.3, [1.0, 2.0], 1.0, 4, cd2=3.0)
    assert noisy.mean > base.mean


def frame():
    return pd.DataFrame(
        {
            "load_hours": [40.0, 0.0, 90.0, 10.0, 10.0, 10.0, np.nan, 30.0],
            "capacity_hours": [80.0, 80.0, 80.0, 0.0, np.nan, 80.0, 80.0, 80.0],
            "te": [2.0, 1.5, 2.0, 1.0, 1.0, -1.0, 1.0, 1.0],
            "ca2": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, np.nan],
            "ce2": [0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
            "servers": [1, 1, 1, 1, 1, 1, 1, 2],
        },
        index=list("abcdefgh"),
    )


def test_workcenter_lead_times_statuses_without_raising():
    result = leadtime.workcenter_lead_times(frame(), service=0.9)
    assert result.index.tolist() == list("abcdefgh")
    assert result["status"].tolist() == [
        "ok",
        "no_load",
        "overloaded",
        "no_capacity",
        "no_capacity",
        "invalid",
        "invalid",
        "ok",
    ]
    bad = result.loc[["c", "d", "e", "f", "g"]]
    assert bad["lead_time"].isna().all()
    assert bad["lead_time_quantile"].isna().all()
    assert result.loc["c", "utilization"] == pytest.approx(90 / 80)
    # No load: the job meets no queue, lead time is its process time.
    assert result.loc["b", "utilization"] == 0.0
    assert result.loc["b", "queue_time"] == 0.0
    assert result.loc["b", "lead_time"] == 1.5


def test_workcenter_lead_times_ok_rows_match_scalar_function():
    result = leadtime.workcenter_lead_times(frame(), service=0.8)
    single = leadtime.workcenter_lead_time(0.5, 2.0, 1.0, 0.5, 1, service=0.8)
    row = result.loc["a"]
    assert row["lead_time"] == pytest.approx(single.mean)
    assert row["lead_time_std"] == pytest.approx(single.std)
    assert row["lead_time_quantile"] == pytest.approx(single.quantile)
    # Missing ca2 takes the default 1.0; servers column used as m.
    two = leadtime.workcenter_lead_time(30 / 80, 1.0, 1.0, 1.0, 2, service=0.8)
    assert result.loc["h", "lead_time"] == pytest.approx(two.mean)


def test_workcenter_lead_times_malformed_frame_raises():
    with pytest.raises(ValueError, match="capacity_hours"):
        leadtime.workcenter_lead_times(frame().drop(columns="capacity_hours"))
    with pytest.raises(ValueError, match="DataFrame"):
        leadtime.workcenter_lead_times({"load_hours": [1.0]})
    minimal = frame()[["load_hours", "capacity_hours", "te"]].iloc[:1]
    assert leadtime.workcenter_lead_times(minimal)["status"].tolist() == ["ok"]
    empty = leadtime.workcenter_lead_times(frame().iloc[:0])
    assert len(empty) == 0 and "status" in empty.columns


def routes():
    return pd.DataFrame(
        {
            "product": ["p1", "p1", "p2", "p2", "p2"],
            "workcenter": ["A", "B", "B", "C", "B"],
            "process_time": [1.0, 2.0, 0.5, 3.0, 0.5],
            "process_scv": [1.0, 0.5, 0.0, 2.0, 0.0],
        }
    )


def workcenters():
    return pd.DataFrame(
        {"queue_time": [4.0, 1.0, 2.0], "queue_time_var": [9.0, 1.0, 5.0]},
        index=pd.Index(["A", "B", "C"], name="workcenter"),
    )


def test_route_lead_time_by_hand():
    """p1: A then B; p2: B, C, B again.

    p1 mean = (4 + 1) + (1 + 2) = 8, var = (9 + 1) + (1 + 0.5 * 4) = 13.
    p2 mean = (1 + 0.5) + (2 + 3) + (1 + 0.5) = 8, var = 1 + (5 + 2 * 9) + 1 = 25.
    """
    result = leadtime.route_lead_time(routes(), workcenters(), service=0.9)
    assert result.index.tolist() == ["p1", "p2"]
    np.testing.assert_allclose(result["mean"], [8.0, 8.0])
    np.testing.assert_allclose(result["std"], [math.sqrt(13.0), 5.0])
    expected = leadtime.gamma_quantile([8.0, 8.0], [math.sqrt(13.0), 5.0], 0.9)
    np.testing.assert_allclose(result["quantile"], expected)
    moments_only = leadtime.route_lead_time(routes(), workcenters(), service=None)
    np.testing.assert_allclose(moments_only[["mean", "std"]], result[["mean", "std"]])
    assert moments_only["quantile"].isna().all()


def test_route_lead_time_extras():
    extra_mean = pd.Series({"p2": 10.0})
    extra_var = pd.Series({"p2": 11.0, "unused": 3.0})
    result = leadtime.route_lead_time(
        routes(), workcenters(), extra_mean=extra_mean, extra_var=extra_var
    )
    np.testing.assert_allclose(result["mean"], [8.0, 18.0])
    np.testing.assert_allclose(result["std"], [math.sqrt(13.0), 6.0])
    scalar = leadtime.route_lead_time(
        routes(), workcenters(), extra_mean=1.0, extra_var=3.0
    )
    np.testing.assert_allclose(scalar["mean"], [9.0, 9.0])
    np.testing.assert_allclose(scalar["std"], [4.0, math.sqrt(28.0)])


def test_route_lead_time_propagates_overloaded_workcenter():
    stations = workcenters()
    stations.loc["C"] = [np.nan, np.nan]
    result = leadtime.route_lead_time(routes(), stations)
    assert result.loc["p1", "mean"] == pytest.approx(8.0)
    assert np.isnan(result.loc["p2", "mean"])
    assert np.isnan(result.loc["p2", "quantile"])


def test_route_lead_time_rejects_malformed_input():
    with pytest.raises(ValueError, match="absent from workcenters"):
        leadtime.route_lead_time(routes(), workcenters().drop(index="C"))
    with pytest.raises(ValueError, match="process_scv"):
        leadtime.route_lead_time(routes().drop(columns="process_scv"), workcenters())
    bad = routes()
    bad.loc[0, "process_time"] = -1.0
    with pytest.raises(ValueError, match="process_time"):
        leadtime.route_lead_time(bad, workcenters())
    with pytest.raises(ValueError, match="extra_mean"):
        leadtime.route_lead_time(routes(), workcenters(), extra_mean=[1.0, 2.0])
