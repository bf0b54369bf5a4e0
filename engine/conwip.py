"""Closed (CONWIP) serial lines: Factory Physics bounds and mean value analysis.

A CONWIP line keeps its work in process at a constant level ``w``: a job is
released only when one leaves. Two families of results live here:

- the Factory Physics *best case*, *worst case* and *practical worst case*
  (PWC), which need only the bottleneck rate ``rb`` and the raw process time
  ``t0`` of the line;
- mean value analysis (MVA) of the closed line, exact for single exponential
  stations (Reiser and Lavenberg) and approximate for general process times.

Units: ``te`` and ``t0`` in any time unit, rates in jobs per that unit, WIP in
jobs (or equivalent WIP units, see :func:`equivalent_wip_units`).
"""

import numpy as np
import pandas as pd

from ._validation import finite, nonnegative, positive, scalar_or_array
from ._validation import servers as _whole

__all__ = [
    "best_case",
    "bottleneck_rate",
    "critical_wip",
    "equivalent_wip_units",
    "min_wip",
    "mva",
    "mva_approx",
    "practical_worst_case",
    "releasable_count",
    "release_fits",
    "throughput_curve",
    "worst_case",
]


def _rates_and_time(rb, t0):
    rate = positive("rb", rb)
    raw = positive("t0", t0)
    short = rate * raw < 1.0 - 1e-12
    if short.any():
        raise ValueError(
            "t0 must be at least the bottleneck's time per job 1/rb (the raw process "
            f"time of the line includes the bottleneck), got rb * t0 = "
            f"{float(np.min(rate * raw)):.6g} < 1"
        )
    return rate, raw


def _wip_level(w):
    level = finite("w", w)
    if (level < 1.0).any():
        raise ValueError(f"w must be >= 1 job in the line, got {float(level.min())!r}")
    return level


def critical_wip(rb, t0):
    """Critical WIP of a line: the WIP at which the best case reaches ``rb``.

    .. math:: W_0 = r_b \\, T_0

    Parameters
    ----------
    rb : float or array_like
        Bottleneck rate (jobs per time unit), > 0.
    t0 : float or array_like
        Raw process time: sum of the mean process times along the line (time
        units), > 0 and at least ``1 / rb``.

    Returns
    -------
    float or numpy.ndarray
        Critical WIP in jobs.

    Raises
    ------
    ValueError
        On NaN, non-positive values or ``rb * t0 < 1``.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., Waveland, 2008,
    ch. 7 (Definition: critical WIP).
    """
    rate, raw = _rates_and_time(rb, t0)
    return scalar_or_array(rate * raw, rb, t0)


def best_case(w, rb, t0):
    """Best-case throughput and cycle time of a line at WIP ``w``.

    .. math::

        TH = \\min(w / T_0, r_b), \\qquad CT = \\max(T_0, w / r_b)

    No line with this bottleneck rate and raw process time does better.

    Parameters
    ----------
    w : float or array_like
        WIP level (jobs), >= 1.
    rb : float or array_like
        Bottleneck rate (jobs per time unit), > 0.
    t0 : float or array_like
        Raw process time (time units), >= ``1 / rb``.

    Returns
    -------
    throughput, cycle_time : float or numpy.ndarray
        Jobs per time unit and time units.

    Raises
    ------
    ValueError
        On NaN, ``w < 1``, non-positive ``rb`` / ``t0`` or ``rb * t0 < 1``.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., Waveland, 2008,
    ch. 7, Law (Best-Case Performance).
    """
    level = _wip_level(w)
    rate, raw = _rates_and_time(rb, t0)
    throughput = np.minimum(level / raw, rate)
    cycle = np.maximum(raw, level / rate)
    return scalar_or_array(throughput, w, rb, t0), scalar_or_array(cycle, w, rb, t0)


def worst_case(w, rb, t0):
    """Worst-case throughput and cycle time of a line at WIP ``w``.

    .. math:: TH = 1 / T_0, \\qquad CT = w \\, T_0

    (all ``w`` jobs travel together as one batch). ``rb`` is validated but does
    not enter the formulas.

    Parameters
    ----------
    w, rb, t0
        As in :func:`best_case`.

    Returns
    -------
    throughput, cycle_time : float or numpy.ndarray
        Jobs per time unit and time units.

    Raises
    ------
    ValueError
        As :func:`best_case`.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., ch. 7, Law
    (Worst-Case Performance).
    """
    level = _wip_level(w)
    rate, raw = _rates_and_time(rb, t0)
    shape = np.broadcast(level, rate, raw).shape
    throughput = np.broadcast_to(1.0 / raw, shape).copy()
    cycle = np.broadcast_to(level * raw, shape).copy()
    return scalar_or_array(throughput, w, rb, t0), scalar_or_array(cycle, w, rb, t0)


def practical_worst_case(w, rb, t0):
    """Practical-worst-case (PWC) throughput and cycle time at WIP ``w``.

    .. math::

        TH = \\frac{w}{W_0 + w - 1} r_b, \\qquad CT = T_0 + \\frac{w - 1}{r_b},
        \\qquad W_0 = r_b T_0

    The PWC is a balanced line of single exponential stations (exact by MVA);
    a line doing worse than it is "bad", better is "good".

    Parameters
    ----------
    w, rb, t0
        As in :func:`best_case`.

    Returns
    -------
    throughput, cycle_time : float or numpy.ndarray
        Jobs per time unit and time units.

    Raises
    ------
    ValueError
        As :func:`best_case`.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., ch. 7, Definition
    (Practical Worst-Case Performance).
    """
    level = _wip_level(w)
    rate, raw = _rates_and_time(rb, t0)
    critical = rate * raw
    throughput = level / (critical + level - 1.0) * rate
    cycle = raw + (level - 1.0) / rate
    return scalar_or_array(throughput, w, rb, t0), scalar_or_array(cycle, w, rb, t0)


def _line_times(te):
    times = positive("te", te)
    if times.ndim != 1 or times.size == 0:
        raise ValueError(
            "te must be a non-empty one-dimensional sequence of station mean process "
            f"times, got shape {times.shape}"
        )
    return times


def _station_scv(ce2, times):
    scv = nonnegative("ce2", ce2)
    try:
        return np.broadcast_to(scv, times.shape).astype(float)
    except ValueError as exc:
        raise ValueError(
            f"ce2 must be a scalar or one value per station ({times.size}), got "
            f"shape {scv.shape}"
        ) from exc


def _station_servers(machines, times):
    """Servers per station as an int array shaped like ``times`` (default 1)."""
    if machines is None:
        return np.ones(times.shape, dtype=np.int64)
    count = _whole("servers", machines)
    try:
        return np.broadcast_to(count, times.shape).astype(np.int64)
    except ValueError as exc:
        raise ValueError(
            f"servers must be a scalar or one whole number per station "
            f"({times.size}), got shape {count.shape}"
        ) from exc


def bottleneck_rate(te, servers=None):
    """Bottleneck rate of a line of stations: ``rb = min_j m_j / t_{e,j}``.

    Parameters
    ----------
    te : array_like
        Mean process time per job at each station (time units), > 0.
    servers : array_like of int, optional
        Parallel identical machines per station (default 1 each).

    Returns
    -------
    float
        Jobs per time unit.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., ch. 7
    (Definition: bottleneck rate; Penny Fab Two).
    """
    times = _line_times(te)
    machines = _station_servers(servers, times)
    return float(np.min(machines / times))


def _mva_steps(times, scv=None, machines=None):
    """Yield ``(n, throughput, station_cycle_times)`` for n = 1, 2, ...

    Exact MVA recursion; with ``scv`` the general-time correction of
    :func:`mva_approx` applied to each exact step. Stations
    with several machines use the load-dependent recursion of :func:`mva`
    (marginal probabilities ``p_j(k | n)`` for ``k < m_j``).
    """
    machines = np.ones(times.shape, dtype=np.int64) if machines is None else machines
    multi = machines > 1
    queue = np.zeros_like(times)  # mean number at each station, L_j(n - 1)
    # idle[j, k] = p_j(k | n - 1) for k < m_j (only multi-server stations need it).
    width = int(machines.max())
    idle = np.zeros((times.size, width))
    idle[:, 0] = 1.0
    below = np.arange(width)[None, :] < machines[:, None]
    # (m_j - 1 - k) for k < m_j - 1: servers left idle when k jobs are present.
    spare = np.where(below, machines[:, None] - 1 - np.arange(width)[None, :], 0)
    spare = np.maximum(spare, 0)
    slots = np.where(below, machines[:, None] - np.arange(width)[None, :], 0)
    bottleneck = float(np.min(machines / times))
    raw_time = times.sum()
    if scv is not None:
        variability = float(np.sqrt(np.sum(times * scv) / raw_time))
    n = 0
    while True:
        n += 1
        # Arrival theorem: an arriving job sees the line at population n - 1.
        station_ct = times * (1.0 + queue)
        if multi.any():
            wait_free = (spare * idle).sum(axis=1)
            shared = times / machines * (1.0 + queue + wait_free)
            station_ct = np.where(multi, shared, station_ct)
        total = station_ct.sum()
        throughput = n / total
        if multi.any() and throughput > bottleneck:
            # p_j(0 | n) comes from a subtraction that loses digits for WIP in the
            # hundreds (~1e-4 relative at w = 200 on Penny Fab Two); never let the
            # rounding carry the line beyond its bottleneck rate.
            station_ct = station_ct * (throughput / bottleneck)
            throughput = bottleneck
        queue = throughput * station_ct
        if multi.any():
            # p_j(k | n) = TH(n) te_j / k * p_j(k - 1 | n - 1) for 1 <= k < m_j.
            k = np.arange(1, width)
            shifted = throughput * times[:, None] / k[None, :] * idle[:, :-1]
            shifted = np.where(below[:, 1:], shifted, 0.0)
            # Utilisation law: sum_k min(k, m) p(k) = TH te, solved for p(0).
            empty = (
                machines - throughput * times - (slots[:, 1:] * shifted).sum(axis=1)
            ) / machines
            idle = np.concatenate([np.maximum(empty, 0.0)[:, None], shifted], axis=1)
        if scv is None:
            yield n, throughput, station_ct
            continue
        best = min(n / raw_time, bottleneck)
        general = best - (best - throughput) * variability
        general = min(max(general, 1.0 / raw_time), best)
        # Little's law at the corrected rate: the stations share n / TH alike.
        yield n, general, station_ct * (throughput / general)


def _mva_table(times, scv, w_max, machines=None):
    """Throughput and cycle time for n = 1..w_max, and station times at w_max."""
    throughput = np.empty(w_max)
    cycle = np.empty(w_max)
    station_ct = None
    for n, rate, station_ct in _mva_steps(times, scv, machines):
        throughput[n - 1] = rate
        cycle[n - 1] = station_ct.sum()
        if n == w_max:
            break
    return throughput, cycle, station_ct


def _evaluate(te, w, ce2, machines):
    times = _line_times(te)
    scv = None if ce2 is None else _station_scv(ce2, times)
    count = _station_servers(machines, times)
    level = _whole("w", w).astype(np.int64)
    throughput, cycle, _ = _mva_table(times, scv, int(level.max()), count)
    return (
        scalar_or_array(throughput[level - 1], w),
        scalar_or_array(cycle[level - 1], w),
    )


def mva(te, w, servers=None):
    """Exact mean value analysis of a closed line of exponential stations.

    Single-machine stations (the default), with ``L_j(0) = 0``, for
    ``n = 1, ..., w``:

    .. math::

        CT_j(n) = t_{e,j} \\, (1 + L_j(n-1)), \\quad
        TH(n) = \\frac{n}{\\sum_j CT_j(n)}, \\quad
        L_j(n) = TH(n) \\, CT_j(n)

    (arrival theorem: a job arriving at a station sees the line as it is with one
    job fewer). The cycle time is ``CT(w) = sum_j CT_j(w) = w / TH(w)``.

    A station with ``m_j > 1`` identical machines serves at the load-dependent
    rate ``min(k, m_j) / t_{e,j}`` with ``k`` jobs present. Its cycle time needs
    the marginal probabilities ``p_j(k | n)`` of ``k`` jobs there (exact
    load-dependent MVA, in the numerically stabler form that only keeps
    ``k < m_j``):

    .. math::

        CT_j(n) = \\frac{t_{e,j}}{m_j} \\Big(1 + L_j(n-1)
                  + \\sum_{k=0}^{m_j-2} (m_j - 1 - k) \\, p_j(k | n-1)\\Big)

        p_j(k | n) = \\frac{TH(n) \\, t_{e,j}}{k} \\, p_j(k-1 | n-1),
        \\quad 1 \\le k < m_j

        p_j(0 | n) = \\frac{1}{m_j}\\Big(m_j - TH(n) \\, t_{e,j}
                     - \\sum_{k=1}^{m_j-1} (m_j - k) \\, p_j(k | n)\\Big)

    (the last line is the utilisation law ``E[min(k, m_j)] = TH t_{e,j}``).
    With ``m_j = 1`` it is the single-machine recursion above, unchanged.

    Parameters
    ----------
    te : array_like
        Mean process time at each station (time units), > 0; one-dimensional,
        stations in any order (the order does not matter for MVA).
    w : int or array_like of int
        WIP level(s), whole numbers >= 1.
    servers : array_like of int, optional
        Parallel identical machines per station, whole numbers >= 1, scalar or
        one per station; default 1 each.

    Returns
    -------
    throughput, cycle_time : float or numpy.ndarray
        Jobs per time unit and time units, shaped like ``w``.

    Raises
    ------
    ValueError
        On bad ``te``, ``servers`` or ``w`` not a whole number >= 1.

    References
    ----------
    M. Reiser and S. S. Lavenberg, "Mean-value analysis of closed multichain
    queuing networks", *Journal of the ACM* 27 (1980), 313-322 (load-dependent
    stations through marginal probabilities). S. C. Bruell, G. Balbo and
    P. V. Afshari, "Mean value analysis of mixed, multiple class BCMP networks
    with load dependent service stations", *Performance Evaluation* 4 (1984),
    241-260 (the form kept for ``k < m_j``). W. J. Hopp and M. L. Spearman,
    *Factory Physics*, 3rd ed., ch. 7 (the practical worst case is this model
    for a balanced line; Penny Fab Two) and ch. 10 (CONWIP lines).
    """
    return _evaluate(te, w, None, servers)


def mva_approx(te, ce2, w, servers=None):
    """Throughput of a closed line with general process times (the flow model).

    Factory Physics brackets every line between two cases with the same
    ``r_b`` and ``T_0``: the best case (deterministic times) and exponential
    times, which exact MVA (:func:`mva`) evaluates. Between them the throughput
    is interpolated by the line's work-weighted coefficient of variation:

    .. math::

        c = \\sqrt{\\frac{\\sum_j t_{e,j} c_{e,j}^2}{\\sum_j t_{e,j}}}, \\qquad
        TH(n) = TH_{best}(n) - c \\, (TH_{best}(n) - TH_{MVA}(n))

    kept within ``1 / T_0 <= TH(n) <= min(n / T_0, r_b)`` (above ``c = 1`` it
    extrapolates towards the worst case). ``CT(n) = n / TH(n)``, shared by the
    stations in proportion to their exact-MVA cycle times. With ``ce2 = 1`` it
    is :func:`mva` exactly; with ``ce2 = 0`` the best case; a one-station loop
    gives ``TH = m / te`` for any ``ce2`` (the station never idles).

    This replaces the residual-life correction of MVA (a job in process has
    mean residual ``t_e (1 + c_e^2) / 2``), which on low-variability lines
    with multi-machine stations was 5-8 % low against simulation. The weight
    ``c`` rather than ``c^2`` is an empirical choice: on the demo plant's flows
    (``c^2`` about 0.05-0.1) it stays within 5 % of
    :func:`engine.simulation.simulate_closed_line` at every WIP level, where
    ``c^2`` was up to 10 % optimistic in mid range (see the engine tests).

    Parameters
    ----------
    te : array_like
        Mean process time at each station (time units), > 0; one-dimensional.
    ce2 : float or array_like
        SCV of process time, scalar or one per station, >= 0.
    w : int or array_like of int
        WIP level(s), whole numbers >= 1.
    servers : array_like of int, optional
        Parallel machines per station (default 1 each), as in :func:`mva`.

    Returns
    -------
    throughput, cycle_time : float or numpy.ndarray
        Jobs per time unit and time units, shaped like ``w``.

    Raises
    ------
    ValueError
        On bad ``te``, ``ce2``, ``servers`` or ``w``.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., ch. 7 (best case
    for deterministic lines, practical worst case / MVA for exponential ones,
    worst case as the lower bound) and ch. 10 (CONWIP lines). M. Reiser and
    S. S. Lavenberg (1980), op. cit. (the exact recursion interpolated from).
    """
    if ce2 is None:
        raise ValueError("ce2 must be given for mva_approx (use mva for exponential)")
    return _evaluate(te, w, ce2, servers)


def throughput_curve(te, w_max, ce2=None, servers=None):
    """Throughput and cycle time of a CONWIP line for every WIP level 1..w_max.

    Exact MVA (:func:`mva`) when ``ce2`` is None, else :func:`mva_approx`.

    Parameters
    ----------
    te : array_like
        Mean process time at each station (time units), > 0.
    w_max : int
        Largest WIP level, whole number >= 1.
    ce2 : float or array_like, optional
        SCV of process time per station; None for exponential stations.
    servers : array_like of int, optional
        Parallel machines per station (default 1 each), as in :func:`mva`.

    Returns
    -------
    pandas.DataFrame
        Columns ``w`` (jobs), ``throughput`` (jobs per time unit), ``cycle_time``
        (time units); one row per WIP level.

    Raises
    ------
    ValueError
        On bad ``te``, ``ce2`` or ``w_max``.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., ch. 7 (throughput
    versus WIP curves). M. Reiser and S. S. Lavenberg (1980), op. cit.
    """
    times = _line_times(te)
    scv = None if ce2 is None else _station_scv(ce2, times)
    top = _whole("w_max", w_max)
    if top.ndim != 0:
        raise ValueError(f"w_max must be a single whole number, got {w_max!r}")
    count = _station_servers(servers, times)
    throughput, cycle, _ = _mva_table(times, scv, int(top), count)
    return pd.DataFrame(
        {
            "w": np.arange(1, int(top) + 1),
            "throughput": throughput,
            "cycle_time": cycle,
        }
    )


def min_wip(te, target_throughput, ce2=None, max_wip=100_000, servers=None):
    """Smallest WIP level whose throughput reaches a target.

    ``min {w integer >= 1 : TH(w) >= target}``, with ``TH`` from exact MVA
    (:func:`mva`) or, when ``ce2`` is given, :func:`mva_approx`. The throughput
    tends to the bottleneck rate ``rb = min(m / te)`` as ``w`` grows, so any
    target below ``rb`` is reached.

    Parameters
    ----------
    te : array_like
        Mean process time at each station (time units), > 0.
    target_throughput : float or array_like
        Required throughput (jobs per time unit), in ``(0, rb)``.
    ce2 : float or array_like, optional
        SCV of process time per station; None for exponential stations.
    max_wip : int, default 100000
        Give up beyond this WIP level (a target extremely close to ``rb``).
    servers : array_like of int, optional
        Parallel machines per station (default 1 each), as in :func:`mva`.

    Returns
    -------
    int or numpy.ndarray of int
        The smallest sufficient WIP level (jobs), shaped like the target.

    Raises
    ------
    ValueError
        If a target is not in ``(0, rb)``, or needs more than ``max_wip`` jobs.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., ch. 10 (CONWIP,
    setting the WIP level). M. Reiser and S. S. Lavenberg (1980), op. cit.
    """
    times = _line_times(te)
    scv = None if ce2 is None else _station_scv(ce2, times)
    target = positive("target_throughput", target_throughput)
    count = _station_servers(servers, times)
    limit = int(_whole("max_wip", max_wip))
    rate_limit = float(np.min(count / times))
    too_high = target >= rate_limit
    if too_high.any():
        raise ValueError(
            "target_throughput must be below the bottleneck rate rb = min(m / te) = "
            f"{rate_limit:.6g}, got {float(np.max(target)):.6g}: no WIP level "
            "reaches it"
        )
    needed = float(target.max())
    curve = []
    for n, rate, _ in _mva_steps(times, scv, count):
        curve.append(rate)
        if rate >= needed:
            break
        if n >= limit:
            raise ValueError(
                f"target_throughput {needed:.6g} needs more than max_wip = {limit} "
                f"jobs (bottleneck rate {rate_limit:.6g})"
            )
    # First w with TH(w) >= target is the first w where the running maximum is.
    running_max = np.maximum.accumulate(np.array(curve))
    level = np.searchsorted(running_max, target, side="left") + 1
    if np.ndim(target_throughput) == 0:
        return int(level)
    return level.astype(np.int64)


def equivalent_wip_units(work_hours, standard_work_hours):
    """An order's WIP in units of the flow's standard routing.

    .. math:: \\text{units} = \\frac{\\text{work hours of the order}}
                                   {\\text{work hours of the standard job}}

    Lets orders whose routings differ in length share one CONWIP cap: a job with
    twice the standard work counts as two units.

    Parameters
    ----------
    work_hours : float or array_like
        Work content of each order on the flow's stations (hours), >= 0.
    standard_work_hours : float or array_like
        Work content of the flow's standard job (hours), > 0.

    Returns
    -------
    float or numpy.ndarray
        Equivalent WIP units (dimensionless).

    Raises
    ------
    ValueError
        On NaN, negative ``work_hours`` or non-positive ``standard_work_hours``.

    References
    ----------
    M. L. Spearman, D. L. Woodruff and W. J. Hopp, "CONWIP: a pull alternative to
    kanban", *International Journal of Production Research* 28 (1990), 879-894.
    """
    work = nonnegative("work_hours", work_hours)
    standard = positive("standard_work_hours", standard_work_hours)
    return scalar_or_array(work / standard, work_hours, standard_work_hours)


#: decimals to which equivalent WIP units are compared with the cap
UNITS_DIGITS = 6


def _compare(a, b):
    """-1, 0 or 1 as ``a - b`` rounded to ``UNITS_DIGITS`` decimals."""
    return int(np.sign(round(float(a) - float(b), UNITS_DIGITS)))


def release_fits(wip, units, cap, in_process):
    """Whether an order may enter a CONWIP loop now (the CONWIP admission rule).

    The loop holds ``wip`` equivalent units in ``in_process`` released orders
    under a cap of ``cap`` units. An order of ``units`` units fits if

    .. math:: \text{wip} + \text{units} \\le \text{cap}

    (compared to ``UNITS_DIGITS`` decimals). An order larger than the whole cap
    would never fit and block the queue for ever, so it is let in alone: when
    no order is in process and the loop is below its cap.

    Parameters
    ----------
    wip : float
        Equivalent WIP units in the loop now (for a non-bottleneck loop, WIP
        plus the finished stock of its products).
    units : float
        Equivalent units of the order, >= 0.
    cap : float
        WIP cap of the loop, equivalent units, > 0.
    in_process : int
        Released orders of the loop not yet done.

    Returns
    -------
    bool

    References
    ----------
    Spearman, Woodruff and Hopp (1990), CONWIP: a pull alternative to kanban,
    *International Journal of Production Research* 28(5), 879-894 (release
    when WIP falls below the cap, WIP in standard units of work);
    Hopp and Spearman, *Factory Physics*, ch. 10 and 15.
    """
    if _compare(wip + units, cap) <= 0:
        return True
    return not in_process and _compare(units, cap) > 0 and _compare(wip, cap) < 0


def releasable_count(units, wip, cap, in_process):
    """How many orders at the head of a virtual queue the loop releases now.

    Walks the queue in release order and admits orders by
    :func:`release_fits` while they fit, stopping at the first that does not,
    so that a large order is not overtaken for ever.

    Parameters
    ----------
    units : array_like
        Equivalent units of the queued orders, in release order.
    wip, cap, in_process
        As in :func:`release_fits`.

    Returns
    -------
    int
        Number of leading orders released (0 to ``len(units)``).
    """
    count = 0
    for order_units in np.asarray(units, dtype=float).ravel():
        if not release_fits(wip, order_units, cap, in_process):
            break
        wip += order_units
        in_process += 1
        count += 1
    return count
