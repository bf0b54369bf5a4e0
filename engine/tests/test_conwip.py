"""Tests of engine.conwip: Factory Physics bounds and mean value analysis."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import conwip

# Penny Fab One (Hopp & Spearman, Factory Physics, ch. 7): four single-machine
# stations of 2 h each.
PENNY_ONE_TE = np.array([2.0, 2.0, 2.0, 2.0])
PENNY_ONE_MACHINES = np.array([1, 1, 1, 1])
# Penny Fab Two (same chapter): 1, 2, 6, 2 machines, 2, 5, 10, 3 h per job.
PENNY_TWO_TE = np.array([2.0, 5.0, 10.0, 3.0])
PENNY_TWO_MACHINES = np.array([1, 2, 6, 2])


def line_parameters(te, machines):
    """rb = min_j m_j / te_j (bottleneck rate), T0 = sum_j te_j."""
    return float(np.min(machines / te)), float(np.sum(te))


def buzen_throughput(te, w):
    """Gordon-Newell product form via Buzen's convolution, TH(w) = G(w-1)/G(w).

    Independent exact method for closed networks of single exponential
    stations with unit visit ratios (J. P. Buzen, Comm. ACM 16, 1973).
    """
    g = np.zeros(w + 1)
    g[0] = 1.0
    for demand in te:
        for n in range(1, w + 1):
            g[n] += demand * g[n - 1]
    return g[w - 1] / g[w]


def test_penny_fab_one_parameters_and_cases():
    """Penny Fab One: rb = 0.5 job/h, T0 = 8 h, W0 = 4 (FP ch. 7)."""
    rb, t0 = line_parameters(PENNY_ONE_TE, PENNY_ONE_MACHINES)
    assert (rb, t0) == (0.5, 8.0)
    assert conwip.critical_wip(rb, t0) == 4.0
    # Best case: TH = min(w / 8, 0.5), CT = max(8, 2 w).
    assert conwip.best_case(1, rb, t0) == (0.125, 8.0)
    assert conwip.best_case(4, rb, t0) == (0.5, 8.0)
    assert conwip.best_case(6, rb, t0) == (0.5, 12.0)
    # Worst case: TH = 1/8, CT = 8 w.
    assert conwip.worst_case(4, rb, t0) == (0.125, 32.0)
    # PWC at w = 4: TH = 4/7 * 0.5 = 2/7, CT = 8 + 3 / 0.5 = 14.
    throughput, cycle = conwip.practical_worst_case(4, rb, t0)
    assert throughput == pytest.approx(2 / 7)
    assert cycle == pytest.approx(14.0)


def test_penny_fab_two_parameters_and_cases():
    """Penny Fab Two: rb = 0.4 job/h (station 2), T0 = 20 h, W0 = 8 (FP ch. 7)."""
    rb, t0 = line_parameters(PENNY_TWO_TE, PENNY_TWO_MACHINES)
    assert rb == pytest.approx(0.4)
    assert t0 == 20.0
    assert conwip.critical_wip(rb, t0) == pytest.approx(8.0)
    # At w = W0 the best case reaches rb with CT = T0.
    throughput, cycle = conwip.best_case(8, rb, t0)
    assert (throughput, cycle) == (pytest.approx(0.4), pytest.approx(20.0))
    # PWC at w = 8: TH = 8 / 15 * 0.4, CT = 20 + 7 / 0.4 = 37.5.
    throughput, cycle = conwip.practical_worst_case(8, rb, t0)
    assert throughput == pytest.approx(8 / 15 * 0.4)
    assert cycle == pytest.approx(37.5)
    assert conwip.worst_case(8, rb, t0) == (pytest.approx(0.05), pytest.approx(160.0))


@pytest.mark.parametrize(
    "case", [conwip.best_case, conwip.worst_case, conwip.practical_worst_case]
)
def test_cases_obey_littles_law(case):
    w = np.arange(1, 30)
    throughput, cycle = case(w, 0.4, 20.0)
    np.testing.assert_allclose(throughput * cycle, w)


def test_cases_are_ordered():
    """worst <= PWC <= best for every w (FP ch. 7)."""
    w = np.arange(1, 40)
    best, _ = conwip.best_case(w, 0.4, 20.0)
    practical, _ = conwip.practical_worst_case(w, 0.4, 20.0)
    worst, _ = conwip.worst_case(w, 0.4, 20.0)
    assert np.all(worst <= practical + 1e-15)
    assert np.all(practical <= best + 1e-15)


@pytest.mark.parametrize("stations", [1, 2, 4, 7])
@pytest.mark.parametrize("te", [0.5, 2.0])
def test_mva_of_balanced_exponential_line_is_pwc(stations, te):
    """The PWC is exactly a balanced line of single exponential stations (FP ch. 7).

    By symmetry L_j(n) = n / N, so CT(n) = te (N + n - 1): TH = n / (W0 + n - 1) rb.
    """
    w = np.arange(1, 41)
    throughput, cycle = conwip.mva([te] * stations, w)
    expected_th, expected_ct = conwip.practical_worst_case(w, 1 / te, stations * te)
    np.testing.assert_allclose(throughput, expected_th, rtol=1e-12)
    np.testing.assert_allclose(cycle, expected_ct, rtol=1e-12)


def test_mva_two_station_example_by_hand():
    """te = (1, 2), w = 2. Product form: P(n1, n2) proportional to 1^n1 2^n2.

    States (2,0), (1,1), (0,2) weigh 1, 2, 4: TH = mu1 P(n1 >= 1) = 3/7, and
    by Little CT = 2 / (3/7) = 14/3.
    """
    throughput, cycle = conwip.mva([1.0, 2.0], 2)
    assert throughput == pytest.approx(3 / 7)
    assert cycle == pytest.approx(14 / 3)


@settings(max_examples=50, deadline=None)
@given(
    te=st.lists(st.floats(0.1, 10.0), min_size=1, max_size=5),
    w=st.integers(1, 15),
)
def test_mva_matches_buzen_convolution(te, w):
    """Exact MVA equals the Gordon-Newell / Buzen throughput."""
    throughput, cycle = conwip.mva(te, w)
    assert throughput == pytest.approx(buzen_throughput(te, w), rel=1e-9)
    assert throughput * cycle == pytest.approx(w)


def test_mva_single_job_and_limits():
    """w = 1: TH = 1 / sum(te); TH rises with w towards rb = 1 / max(te)."""
    te = np.array([1.0, 2.0, 1.5])
    throughput, cycle = conwip.mva(te, 1)
    assert throughput == pytest.approx(1 / te.sum())
    assert cycle == pytest.approx(te.sum())
    w = np.arange(1, 31)
    throughput, cycle = conwip.mva(te, w)
    assert np.all(np.diff(throughput) > 0)
    assert np.all(throughput < 0.5)
    np.testing.assert_allclose(throughput * cycle, w)
    # Better than the balanced line (PWC) with the same rb and T0, and the
    # unbalanced line approaches rb much faster (geometrically).
    practical, _ = conwip.practical_worst_case(w, 0.5, 4.5)
    assert np.all(throughput[1:] > practical[1:])
    assert conwip.mva(te, 200)[0] == pytest.approx(0.5, rel=1e-9)


def test_mva_approx_reduces_to_mva_for_exponential():
    te = [1.0, 3.0, 2.0, 0.5]
    w = np.arange(1, 30)
    exact = conwip.mva(te, w)
    approx = conwip.mva_approx(te, 1.0, w)
    np.testing.assert_allclose(approx[0], exact[0], rtol=1e-12)
    np.testing.assert_allclose(approx[1], exact[1], rtol=1e-12)


def test_mva_approx_deterministic_beats_exponential():
    """Less process variability gives more throughput at the same WIP (w >= 2)."""
    te = [2.0, 2.0, 2.0, 2.0]
    w = np.arange(1, 20)
    deterministic, _ = conwip.mva_approx(te, 0.0, w)
    exponential, _ = conwip.mva(te, w)
    assert deterministic[0] == pytest.approx(exponential[0])
    assert np.all(deterministic[1:] > exponential[1:])
    noisy, _ = conwip.mva_approx(te, 3.0, w)
    assert np.all(noisy[1:] < exponential[1:])


def test_mva_approx_deterministic_penny_fab_one_within_bounds():
    """Penny Fab One with ce2 = 0: between PWC and best case (FP ch. 7)."""
    w = np.arange(1, 25)
    throughput, cycle = conwip.mva_approx(PENNY_ONE_TE, 0.0, w)
    best, _ = conwip.best_case(w, 0.5, 8.0)
    practical, _ = conwip.practical_worst_case(w, 0.5, 8.0)
    assert np.all(throughput <= best * (1 + 1e-12))
    assert np.all(throughput >= practical * (1 - 1e-12))
    np.testing.assert_allclose(throughput * cycle, w)


@pytest.mark.parametrize("ce2", [0.0, 0.5, 1.0, 4.0])
def test_mva_approx_one_station_loop_is_always_busy(ce2):
    """One station, n jobs circulating: it never idles, TH = 1 / te, CT = n te."""
    w = np.arange(1, 8)
    throughput, cycle = conwip.mva_approx([2.5], ce2, w)
    np.testing.assert_allclose(throughput, 0.4)
    np.testing.assert_allclose(cycle, 2.5 * w)


def test_throughput_curve_frame():
    curve = conwip.throughput_curve([1.0, 2.0], 5)
    assert isinstance(curve, pd.DataFrame)
    assert list(curve.columns) == ["w", "throughput", "cycle_time"]
    assert curve["w"].tolist() == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(
        curve["throughput"], conwip.mva([1.0, 2.0], np.arange(1, 6))[0]
    )
    approx = conwip.throughput_curve([1.0, 2.0], 5, ce2=[0.5, 0.5])
    np.testing.assert_allclose(
        approx["cycle_time"], conwip.mva_approx([1.0, 2.0], 0.5, np.arange(1, 6))[1]
    )


@pytest.mark.parametrize("target", [0.05, 0.3, 0.45, 0.49])
def test_min_wip_balanced_line_inverts_pwc(target):
    """Balanced exponential line: smallest w with w / (N + w - 1) rb >= target.

    Solving: w >= target (N - 1) / (rb - target).
    """
    stations, te = 4, 2.0
    rb = 1 / te
    expected = max(1, math.ceil(target * (stations - 1) / (rb - target) - 1e-12))
    assert conwip.min_wip([te] * stations, target) == expected


def test_min_wip_is_smallest_and_vectorised():
    te = [1.0, 3.0, 2.0]
    targets = np.array([0.1, 0.2, 0.3, 0.33])
    levels = conwip.min_wip(te, targets)
    assert levels.dtype.kind == "i"
    for target, level in zip(targets, levels, strict=True):
        assert conwip.mva(te, level)[0] >= target
        if level > 1:
            assert conwip.mva(te, level - 1)[0] < target
    noisy = conwip.min_wip(te, targets, ce2=2.0)
    assert np.all(noisy >= levels)
    assert type(conwip.min_wip(te, 0.2)) is int


@pytest.mark.parametrize("target", [1 / 3, 0.5, 0.0, -0.1, float("nan")])
def test_min_wip_rejects_unreachable_targets(target):
    with pytest.raises(ValueError, match="target_throughput"):
        conwip.min_wip([1.0, 3.0, 2.0], target)


def test_min_wip_gives_up_beyond_max_wip():
    with pytest.raises(ValueError, match="max_wip"):
        conwip.min_wip([1.0, 1.0], 0.999999, max_wip=100)


def test_equivalent_wip_units():
    """Twice the standard work content counts as two units (Spearman et al. 1990)."""
    assert conwip.equivalent_wip_units(6.0, 3.0) == 2.0
    np.testing.assert_allclose(conwip.equivalent_wip_units([0.0, 1.5], 3.0), [0.0, 0.5])
    with pytest.raises(ValueError, match="work_hours"):
        conwip.equivalent_wip_units(-1.0, 3.0)
    with pytest.raises(ValueError, match="standard_work_hours"):
        conwip.equivalent_wip_units(1.0, 0.0)


@pytest.mark.parametrize("w", [0, 1.5, -2, float("nan")])
def test_mva_rejects_bad_wip(w):
    with pytest.raises(ValueError, match=r"^w must"):
        conwip.mva([1.0, 2.0], w)


@pytest.mark.parametrize("te", [[1.0, -2.0], [1.0, 0.0], [], [[1.0]], [float("nan")]])
def test_mva_rejects_bad_times(te):
    with pytest.raises(ValueError, match="te"):
        conwip.mva(te, 3)


def test_bounds_reject_bad_input():
    with pytest.raises(ValueError, match=r"^w must"):
        conwip.best_case(0.5, 0.5, 8.0)
    with pytest.raises(ValueError, match="t0 must be at least"):
        conwip.practical_worst_case(2, 0.5, 1.0)
    with pytest.raises(ValueError, match=r"^rb must"):
        conwip.worst_case(2, -0.5, 8.0)
    with pytest.raises(ValueError, match=r"^t0 must"):
        conwip.critical_wip(0.5, float("nan"))
    with pytest.raises(ValueError, match="ce2"):
        conwip.mva_approx([1.0, 2.0], -1.0, 2)


def test_bounds_broadcast():
    throughput, cycle = conwip.worst_case(np.array([1, 2, 3]), 0.5, 8.0)
    assert throughput.shape == cycle.shape == (3,)
    throughput, cycle = conwip.practical_worst_case(3, np.array([0.4, 0.5]), 8.0)
    assert throughput.shape == (2,)
    assert type(conwip.best_case(2, 0.5, 8.0)[0]) is float
    assert type(conwip.mva([1.0], 2)[0]) is float


def buzen_load_dependent(te, machines, w_max):
    """TH(w) = G(w - 1) / G(w) for w = 1..w_max, load-dependent convolution.

    Station j with m_j machines serves at rate min(k, m_j) / te_j, so its factor
    is f_j(k) = prod_{i<=k} te_j / min(i, m_j) and G = f_1 * f_2 * ... (Buzen's
    convolution, J. P. Buzen, Comm. ACM 16, 1973; load-dependent form in
    Bolch et al., *Queueing Networks and Markov Chains*, 2nd ed., sec. 8.1).
    Independent of MVA: no arrival theorem, no marginal probabilities.
    """
    g = np.zeros(w_max + 1)
    g[0] = 1.0
    for time, count in zip(te, machines, strict=True):
        factor = np.ones(w_max + 1)
        for k in range(1, w_max + 1):
            factor[k] = factor[k - 1] * time / min(k, count)
        g = np.array(
            [sum(factor[k] * g[n - k] for k in range(n + 1)) for n in range(w_max + 1)]
        )
    return g[:-1] / g[1:]


def test_penny_fab_two_exact_mva_matches_convolution():
    """Penny Fab Two with exponential times: load-dependent MVA equals Buzen.

    Factory Physics ch. 7 gives rb = 0.4 job/h, T0 = 20 h, W0 = 8: TH(1) = 1/T0
    (one penny never waits) and TH(w) tends to rb from below.
    """
    levels = np.arange(1, 13)
    throughput, cycle = conwip.mva(PENNY_TWO_TE, levels, servers=PENNY_TWO_MACHINES)
    expected = buzen_load_dependent(PENNY_TWO_TE, PENNY_TWO_MACHINES, 12)
    np.testing.assert_allclose(throughput, expected, rtol=0, atol=1e-5)
    np.testing.assert_allclose(throughput * cycle, levels)
    assert throughput[0] == pytest.approx(1 / 20)
    assert cycle[0] == pytest.approx(20.0)
    assert np.all(np.diff(throughput) > 0)
    rb = conwip.bottleneck_rate(PENNY_TWO_TE, PENNY_TWO_MACHINES)
    assert rb == pytest.approx(0.4)
    # Between the practical worst case and the best case (FP ch. 7: Penny Fab
    # Two with exponential times is a "good" line above the PWC).
    pwc, _ = conwip.practical_worst_case(levels, rb, 20.0)
    best, _ = conwip.best_case(levels, rb, 20.0)
    assert np.all(throughput >= pwc - 1e-12)
    assert np.all(throughput <= best + 1e-12)
    far, _ = conwip.mva(PENNY_TWO_TE, 400, servers=PENNY_TWO_MACHINES)
    assert 0.39 < far <= 0.4


def test_single_machine_servers_keep_the_single_station_recursion():
    te = [1.0, 2.5, 0.7]
    assert conwip.mva(te, 9, servers=[1, 1, 1]) == conwip.mva(te, 9)
    assert conwip.mva_approx(te, 0.4, 9, servers=1) == conwip.mva_approx(te, 0.4, 9)


@settings(max_examples=40, deadline=None)
@given(
    stations=st.lists(
        st.tuples(st.floats(0.1, 10.0), st.integers(1, 6)), min_size=1, max_size=4
    ),
    w=st.integers(1, 30),
)
def test_load_dependent_mva_matches_convolution(stations, w):
    te = [time for time, _ in stations]
    machines = [count for _, count in stations]
    throughput, _ = conwip.mva(te, np.arange(1, w + 1), servers=machines)
    expected = buzen_load_dependent(te, machines, w)
    np.testing.assert_allclose(throughput, expected, rtol=1e-9)


def test_approximate_mva_with_servers_is_exact_at_ce2_one_and_faster_below():
    exact, _ = conwip.mva(PENNY_TWO_TE, 8, servers=PENNY_TWO_MACHINES)
    same, _ = conwip.mva_approx(PENNY_TWO_TE, 1.0, 8, servers=PENNY_TWO_MACHINES)
    calm, _ = conwip.mva_approx(PENNY_TWO_TE, 0.25, 8, servers=PENNY_TWO_MACHINES)
    assert same == pytest.approx(exact, rel=1e-12)
    assert exact < calm <= 0.4


def test_min_wip_with_servers_and_bad_servers():
    level = conwip.min_wip(PENNY_TWO_TE, 0.3, servers=PENNY_TWO_MACHINES)
    throughput, _ = conwip.mva(
        PENNY_TWO_TE, [level - 1, level], servers=PENNY_TWO_MACHINES
    )
    assert throughput[0] < 0.3 <= throughput[1]
    with pytest.raises(ValueError, match="servers"):
        conwip.mva(PENNY_TWO_TE, 3, servers=[1, 2, 0, 2])
    with pytest.raises(ValueError, match="servers"):
        conwip.mva(PENNY_TWO_TE, 3, servers=[1, 2])
    with pytest.raises(ValueError, match="target_throughput"):
        conwip.min_wip(PENNY_TWO_TE, 0.4, servers=PENNY_TWO_MACHINES)
