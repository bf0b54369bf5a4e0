"""Load-based planned lead times: workcenters, CONWIP flows and product routes.

A planned lead time here is a quantile of the (approximate) distribution of
the time a job spends at a workcenter, in a CONWIP flow, or along a route. Means
and variances come from the queueing models of :mod:`.queueing` and
:mod:`.conwip`; the distribution is a gamma with those two moments (positive,
right-skewed, and exact for the exponential sojourn of M/M/1).

Times are in any consistent unit (hours in the addon); rates per that unit.
"""

from collections import namedtuple

import numpy as np
import pandas as pd
from scipy import stats

from . import conwip, queueing
from ._validation import (
    finite,
    nonnegative,
    positive,
    probability,
    scalar_or_array,
)
from ._validation import (
    servers as _whole,
)

__all__ = [
    "LeadTime",
    "flow_lead_time",
    "gamma_quantile",
    "route_lead_time",
    "virtual_queue_time",
    "workcenter_lead_time",
    "workcenter_lead_times",
]

LeadTime = namedtuple("LeadTime", ["mean", "std", "quantile"])
LeadTime.__doc__ = """Lead time distribution summary (time units of the inputs).

Attributes
----------
mean : float or numpy.ndarray
    Expected lead time.
std : float or numpy.ndarray
    Standard deviation of the lead time.
quantile : float or numpy.ndarray
    Lead time met with probability ``service`` (gamma approximation): the
    planned lead time.
"""

STATUSES = ("ok", "overloaded", "no_capacity", "no_load", "invalid")


# Above this gamma shape (coefficient of variation below 1e-4) the gamma is normal
# to well within float precision of the quantile, and scipy's ppf, whose shape
# k = mean^2 / var overflows for vanishing spreads, would return NaN.
_NORMAL_SHAPE = 1e8


def _gamma_quantile(mean, std, service):
    """Gamma quantile on checked arrays; NaN in, NaN out (batch functions)."""
    mean = np.asarray(mean, dtype=float)
    std = np.asarray(std, dtype=float)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        shape = (mean / std) ** 2
    gamma = (std > 0) & (mean > 0) & (shape <= _NORMAL_SHAPE)
    # Dummy parameters where the gamma is not used keep scipy quiet; np.where picks.
    safe_mean = np.where(gamma, mean, 1.0)
    safe_var = np.where(gamma, std**2, 1.0)
    quantile = stats.gamma.ppf(
        service, safe_mean**2 / safe_var, scale=safe_var / safe_mean
    )
    normal = mean + stats.norm.ppf(service) * std
    quantile = np.where(gamma, quantile, normal)
    return np.where(std == 0, mean, quantile)


def gamma_quantile(mean, std, service):
    """Quantile of the gamma distribution with a given mean and standard deviation.

    .. math::

        k = \\frac{\\mu^2}{\\sigma^2}, \\quad \\theta = \\frac{\\sigma^2}{\\mu},
        \\quad q = F^{-1}_{\\Gamma(k, \\theta)}(s)

    A zero standard deviation gives the mean itself (a deterministic time).

    Parameters
    ----------
    mean : float or array_like
        Mean (time units), >= 0, and > 0 where ``std > 0``.
    std : float or array_like
        Standard deviation (time units), >= 0.
    service : float or array_like
        Probability of not exceeding the quantile, in ``(0, 1)``.

    Returns
    -------
    float or numpy.ndarray
        The ``service`` quantile, in the time unit of ``mean``.

    Raises
    ------
    ValueError
        On NaN, negative values, ``service`` outside ``(0, 1)``, or a positive
        ``std`` with a zero ``mean``.

    References
    ----------
    N. L. Johnson, S. Kotz and N. Balakrishnan, *Continuous Univariate
    Distributions, Vol. 1*, 2nd ed., Wiley, 1994, ch. 17 (gamma distributions;
    the method-of-moments fit). W. J. Hopp and M. L. Spearman, *Factory Physics*,
    3rd ed., Waveland, 2008, ch. 15 (lead times quoted as quantiles of cycle
    time).
    """
    mean_array = nonnegative("mean", mean)
    std_array = nonnegative("std", std)
    level = probability("service", service)
    degenerate = (std_array > 0) & (mean_array == 0)
    if np.any(degenerate):
        raise ValueError(
            "mean must be > 0 where std > 0 (a gamma distribution is positive), got "
            "mean 0 with a positive std"
        )
    return scalar_or_array(
        _gamma_quantile(mean_array, std_array, level), mean, std, service
    )


def workcenter_lead_time(u, te, ca2=1.0, ce2=1.0, m=1, service=0.9):
    """Planned lead time at a workcenter from its anticipated utilisation.

    .. math::

        E[LT] = CT_q + t_e, \\qquad
        \\operatorname{Var}[LT] = \\operatorname{Var}[CT_q] + c_e^2 t_e^2

    with ``CT_q`` from :func:`.queueing.queue_time` (G/G/m) and its variance from
    :func:`.queueing.queue_time_variance` (queue time and own process time
    independent); the quantile is a gamma with these moments
    (:func:`gamma_quantile`). Exact for M/M/1: the sojourn is exponential with
    mean ``te / (1 - u)``.

    Mean and standard deviation increase strictly with ``u``. The gamma quantile
    does too for planning service levels (checked numerically on a grid of
    ``service`` in [0.85, 0.98], SCVs up to 10, up to 50 servers); outside it the
    two-moment fit can dip by a tiny amount (e.g. ``service`` 0.5 with
    ``ca2 = 4``: the median of a more skewed gamma falls).

    Parameters
    ----------
    u : float or array_like
        Anticipated utilisation (load / capacity), in ``[0, 1)``.
    te : float or array_like
        Mean effective process time per job (time units), > 0.
    ca2, ce2 : float or array_like, default 1.0
        SCVs of interarrival and effective process times, >= 0.
    m : int or array_like, default 1
        Number of identical parallel servers.
    service : float or array_like, default 0.9
        Probability that the job is done within the quantile, in ``(0, 1)``.

    Returns
    -------
    LeadTime
        ``(mean, std, quantile)`` in the time unit of ``te``.

    Raises
    ------
    ValueError
        When ``u >= 1`` (the workcenter is overloaded), and on any other bad
        input (NaN, ``te <= 0``, negative SCV, bad ``m`` or ``service``).

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., ch. 8 (queue time)
    and ch. 15 (lead times as cycle-time quantiles). L. Kleinrock, *Queueing
    Systems, Vol. 1*, Wiley, 1975, sec. 3.2 (M/M/1 sojourn time).
    """
    load = finite("u", u)
    if np.any(load >= 1.0):
        raise ValueError(
            "the workcenter is overloaded: u must be < 1 for a finite lead time, got "
            f"u = {float(np.max(load)):.6g} (load at or above capacity)"
        )
    ca2_array, ce2_array, times, load, servers_array = queueing._station_inputs(
        ca2, ce2, te, u, m
    )
    level = probability("service", service)
    queue_mean, queue_var = queueing._queue_moments(
        ca2_array, ce2_array, times, load, servers_array
    )
    mean = queue_mean + times
    std = np.sqrt(queue_var + ce2_array * times**2)
    quantile = _gamma_quantile(mean, std, level)
    inputs = (u, te, ca2, ce2, m, service)
    return LeadTime(
        *(
            scalar_or_array(np.array(x), *inputs)
            for x in np.broadcast_arrays(mean, std, quantile)
        )
    )


def _loop_queue_moments(rate, throughput, below_cap, variability):
    """Mean and variance of the virtual-queue wait on checked arrays.

    Birth-death chain of the orders in the flow (queue + line): births at
    ``rate``, deaths at ``TH(min(n, w))``; ``below_cap`` holds ``TH(1..w-1)``.
    """
    load = rate / throughput
    with np.errstate(divide="ignore"):
        # log of pi_n / pi_0 for n = 1..w, in logs: TH(1) may be far below rate.
        steps = np.concatenate(
            [np.log(rate[..., None] / below_cap), np.log(load)[..., None]], axis=-1
        )
    log_pi = np.concatenate([np.zeros((*rate.shape, 1)), np.cumsum(steps, -1)], -1)
    weights = np.exp(log_pi - log_pi.max(axis=-1, keepdims=True))
    # States n >= w form the geometric tail pi_w load^(n - w).
    total = weights[..., :-1].sum(axis=-1) + weights[..., -1] / (1.0 - load)
    at_cap = weights[..., -1] / total
    # PASTA: an order finding n >= w waits for n - w + 1 departures at TH(w).
    mean = variability * at_cap / (throughput * (1.0 - load) ** 2)
    second = variability**2 * 2.0 * at_cap / (throughput**2 * (1.0 - load) ** 3)
    return mean, np.maximum(second - mean**2, 0.0)


def virtual_queue_time(arrival_rate, throughput, ca2=1.0, cd2=1.0, below_cap=None):
    """Mean and variance of the wait in a CONWIP flow's virtual queue.

    The flow (virtual queue plus line at cap ``w``) is a birth-death process of
    the orders in it: orders arrive at ``r_a``; with ``n`` orders in the flow
    the line holds ``min(n, w)`` and delivers ``TH(min(n, w))`` (the loop's
    throughput at that population: a flow-equivalent server whose rate depends
    on the population). With ``rho = r_a / TH(w)`` and
    ``pi_n \\propto \\prod_{k \\le n} r_a / TH(\\min(k, w))``, an order that
    finds ``n >= w`` orders waits for ``n - w + 1`` departures at rate
    ``TH(w)`` (the line is full while the queue is not empty), so

    .. math::

        E[W] = \\frac{c_a^2 + c_d^2}{2}
               \\frac{\\pi_w}{TH(w) (1 - \\rho)^2}, \\qquad
        E[W^2] = \\Big(\\frac{c_a^2 + c_d^2}{2}\\Big)^2
                 \\frac{2 \\pi_w}{TH(w)^2 (1 - \\rho)^3}

    The chain is exact for Poisson arrivals to a product-form line (exponential
    stations); the Kingman factor ``(c_a^2 + c_d^2) / 2`` carries it to general
    arrivals and departures (scaling the whole wait distribution). Only the
    orders beyond the ``w`` in the line wait: treating the loop as one server
    of rate ``TH(w)`` (``below_cap`` None, the ``w = 1`` case: Kingman's G/G/1
    queue time) overstated the wait 3-4 times on the demo plant's flows.

    Accuracy depends on the throughputs given. The wait grows like
    ``1 / (1 - rho)``, so near saturation a small throughput error is a large
    wait error: on the demo plant's flows (``rho`` 0.82-0.95) the two-moment
    flow model's ``TH(n)`` (:func:`.conwip.mva_approx`, 3-5 % off) gives waits
    from 0.4 to 1.8 times :func:`engine.simulation.simulate_flow`'s, while the
    loop's ``TH(1..w)`` measured on the closed line alone
    (:func:`engine.simulation.closed_line_curve`, Norton's theorem) gives
    waits within 15 % of it at the optimised caps and two above (engine test
    ``test_virtual_queue_time_within_20_percent_of_simulation_on_demo_flows``).

    Parameters
    ----------
    arrival_rate : float or array_like
        Rate at which orders join the flow (orders per time unit), >= 0.
    throughput : float or array_like
        Throughput ``TH(w)`` of the line at its WIP cap (orders per time unit),
        > 0; a scalar when ``below_cap`` is given.
    ca2 : float or array_like, default 1.0
        SCV of order interarrival times, >= 0.
    cd2 : float or array_like, default 1.0
        SCV of the line's interdeparture times at the cap, >= 0.
    below_cap : array_like, optional
        Throughputs ``TH(1), ..., TH(w - 1)`` of the line below its cap
        (from :func:`.conwip.mva_approx`, or measured by
        :func:`engine.simulation.closed_line_curve`); None or empty: ``w = 1``.

    Returns
    -------
    mean, variance : float or numpy.ndarray
        Mean wait (time units) and its variance (squared time units).

    Raises
    ------
    ValueError
        When ``arrival_rate >= throughput`` (the virtual queue grows without
        bound) and on bad input.

    References
    ----------
    K. M. Chandy, U. Herzog and L. Woo, "Parametric analysis of queuing
    networks", *IBM Journal of Research and Development* 19 (1975), 36-42
    (flow-equivalent server, Norton's theorem). L. Kleinrock, *Queueing Systems,
    Vol. 1*, Wiley, 1975, sec. 3.1-3.2 (birth-death queues). W. J. Hopp and
    M. L. Spearman, *Factory Physics*, 3rd ed., ch. 8 (Kingman's VUT factor) and
    ch. 10 (CONWIP).
    """
    rate = nonnegative("arrival_rate", arrival_rate)
    capacity = positive("throughput", throughput)
    curve = np.empty(0)
    if below_cap is not None:
        curve = positive("below_cap", below_cap)
        if curve.ndim > 1 or capacity.ndim != 0:
            raise ValueError(
                "below_cap must be one-dimensional, with a scalar throughput, got "
                f"shapes {curve.shape} and {capacity.shape}"
            )
        curve = np.atleast_1d(curve)
    load = rate / capacity
    if np.any(load >= 1.0):
        raise ValueError(
            "arrival_rate must be below the flow's throughput at its WIP cap, got "
            f"arrival_rate / throughput = {float(np.max(load)):.6g} >= 1: the virtual "
            "queue grows without bound"
        )
    ca2_array = nonnegative("ca2", ca2)
    cd2_array = nonnegative("cd2", cd2)
    rate, capacity, ca2_array, cd2_array = np.broadcast_arrays(
        rate, capacity, ca2_array, cd2_array
    )
    mean, variance = _loop_queue_moments(
        rate, capacity, curve, (ca2_array + cd2_array) / 2.0
    )
    inputs = (arrival_rate, throughput, ca2, cd2)
    return scalar_or_array(mean, *inputs), scalar_or_array(variance, *inputs)


def flow_lead_time(
    arrival_rate, te, ce2, wip_cap, ca2=1.0, service=0.9, cd2=None, servers=None
):
    """Lead time of an order through a CONWIP flow: virtual queue plus line.

    The line at its cap ``w`` has throughput ``TH(w)`` and station cycle times
    ``CT_j(w)`` from :func:`.conwip.mva_approx`. An order waits in the virtual
    queue (:func:`virtual_queue_time` with the loop's throughputs
    ``TH(1..w)``), then spends ``CT(w) = sum_j CT_j(w)`` in the line:

    .. math::

        E[LT] = E[W_{vq}] + CT(w)

        \\operatorname{Var}[LT] = \\operatorname{Var}[W_{vq}]
            + \\sum_j c_{e,j}^2 t_{e,j}^2
            + \\sum_j q_j^2 \\left(\\frac{2}{u_j} - 1\\right)

    where ``q_j = CT_j(w) - t_{e,j}`` is the wait inside the line at station
    ``j`` and ``u_j = TH(w) t_{e,j} / m_j``: each in-line wait is modelled like
    :func:`.queueing.queue_time_variance` (zero with probability ``1 - u_j``,
    else exponential), and all parts are treated as independent. Using the
    line's cycle time at the cap is conservative: an order released into a line
    below its cap meets less congestion.

    With one exponential station and ``wip_cap = 1`` the flow is an M/M/1 queue
    (Poisson arrivals) and the result is exact: the lead time is exponential
    with mean ``te / (1 - r_a te)``.

    Parameters
    ----------
    arrival_rate : float or array_like
        Orders per time unit joining the flow, >= 0 and below ``TH(wip_cap)``.
    te : array_like
        Mean process time per order at each station of the line (time units).
    ce2 : float or array_like
        SCV of process time, scalar or one per station, >= 0.
    wip_cap : int
        CONWIP cap (orders or equivalent units), whole number >= 1.
    ca2 : float or array_like, default 1.0
        SCV of order interarrival times, >= 0.
    service : float, default 0.9
        Probability for the quantile, in ``(0, 1)``.
    cd2 : float, optional
        SCV of the line's output at the cap. Default: ``ce2`` of the bottleneck
        (the station with the largest ``te``; the largest ``ce2`` among ties). A
        capped line is paced by its bottleneck, which the queue keeps busy, and
        the linking equation at ``u -> 1`` gives ``cd2 -> ce2``; measured output
        variability is better when available (Factory Physics ch. 15).
    servers : array_like of int, optional
        Parallel machines per station (default 1 each).

    Returns
    -------
    LeadTime
        ``(mean, std, quantile)`` in the time unit of ``te``.

    Raises
    ------
    ValueError
        On bad input, or when ``arrival_rate >= TH(wip_cap)`` (the cap is too
        low for the demand, or the line too slow).

    References
    ----------
    K. M. Chandy, U. Herzog and L. Woo (1975), op. cit. (flow-equivalent
    server). M. Reiser and S. S. Lavenberg, "Mean-value analysis of closed
    multichain queuing networks", *Journal of the ACM* 27 (1980), 313-322.
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., ch. 8, 10 and 15.
    """
    times = conwip._line_times(te)
    scv = conwip._station_scv(ce2, times)
    cap = _whole("wip_cap", wip_cap)
    if cap.ndim != 0:
        raise ValueError(f"wip_cap must be a single whole number, got {wip_cap!r}")
    level = probability("service", service)
    machines = conwip._station_servers(servers, times)
    if cd2 is None:
        pace = times / machines
        cd2 = float(scv[pace == pace.max()].max())
    throughput_table, _, station_ct = conwip._mva_table(times, scv, int(cap), machines)
    throughput = throughput_table[-1]
    rate = nonnegative("arrival_rate", arrival_rate)
    if np.any(rate >= throughput):
        raise ValueError(
            f"arrival_rate {float(np.max(rate)):.6g} is not below the flow's "
            f"throughput {throughput:.6g} at wip_cap = {int(cap)}: raise the cap or "
            "the line's capacity"
        )
    queue_mean, queue_var = virtual_queue_time(
        arrival_rate, throughput, ca2, cd2, below_cap=throughput_table[:-1]
    )
    in_line_wait = np.maximum(station_ct - times, 0.0)
    busy = np.minimum(throughput * times / machines, 1.0)
    line_var = np.sum(scv * times**2) + np.sum(in_line_wait**2 * (2.0 / busy - 1.0))
    mean = np.asarray(queue_mean) + station_ct.sum()
    std = np.sqrt(np.asarray(queue_var) + line_var)
    quantile = _gamma_quantile(mean, std, level)
    inputs = (arrival_rate, ca2)
    return LeadTime(
        *(scalar_or_array(np.array(x), *inputs) for x in (mean, std, quantile))
    )


def _numeric_column(frame, name, default=None):
    if name not in frame.columns:
        if default is None:
            raise ValueError(
                f"frame lacks the column {name!r} (columns: {list(frame.columns)})"
            )
        return np.full(len(frame), float(default))
    values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
    if default is not None:
        values = np.where(np.isnan(values), float(default), values)
    return values


def workcenter_lead_times(frame, service=0.9):
    """Planned lead times of many workcenters at once, robust to bad rows.

    Batch form of :func:`workcenter_lead_time` for scheduled jobs: one row per
    workcenter, ``u = load_hours / capacity_hours``. A row that cannot be
    computed gets a status and NaN results instead of an exception:

    ============== ============================================================
    status         meaning and results
    ============== ============================================================
    'no_capacity'  ``capacity_hours`` <= 0 or missing; NaN
    'invalid'      ``te`` <= 0 or missing, negative SCV, ``servers`` not a
                   whole number >= 1, or ``load_hours`` missing; NaN
    'no_load'      ``load_hours`` <= 0: utilisation 0, queue time 0, lead time
                   ``te`` (the process time alone)
    'overloaded'   ``u >= 1``: utilisation reported, lead times NaN
    'ok'           lead time as :func:`workcenter_lead_time`
    ============== ============================================================

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per workcenter. Required columns: ``load_hours`` (hours of work
        expected in the period), ``capacity_hours`` (hours available in the
        period, all servers together), ``te`` (mean process time per job,
        hours). Optional: ``ca2``, ``ce2`` (SCVs, default 1.0), ``servers``
        (parallel machines, default 1); missing values take the defaults.
    service : float, default 0.9
        Probability for the lead-time quantile, in ``(0, 1)``.

    Returns
    -------
    pandas.DataFrame
        A copy of ``frame`` (same index) with the columns ``utilization``,
        ``queue_time``, ``queue_time_var`` (hours squared), ``lead_time`` (mean),
        ``lead_time_std``, ``lead_time_quantile`` (hours) and ``status``.

    Raises
    ------
    ValueError
        Only for a malformed call: ``frame`` not a DataFrame, a required column
        missing, or a bad ``service``.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., ch. 8 (G/G/m queue
    time) and ch. 15 (lead times as cycle-time quantiles).
    """
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(
            f"frame must be a pandas DataFrame, got {type(frame).__name__}"
        )
    level = probability("service", service)
    load = _numeric_column(frame, "load_hours")
    capacity = _numeric_column(frame, "capacity_hours")
    te = _numeric_column(frame, "te")
    ca2 = _numeric_column(frame, "ca2", 1.0)
    ce2 = _numeric_column(frame, "ce2", 1.0)
    machines = _numeric_column(frame, "servers", 1.0)

    with np.errstate(divide="ignore", invalid="ignore"):
        u = load / capacity
    no_capacity = ~(capacity > 0)
    invalid = ~no_capacity & (
        ~((te > 0) & np.isfinite(te))
        | ~((ca2 >= 0) & np.isfinite(ca2))
        | ~((ce2 >= 0) & np.isfinite(ce2))
        | ~((machines >= 1) & np.isfinite(machines) & (machines == np.round(machines)))
        | np.isnan(load)
    )
    rest = ~no_capacity & ~invalid
    no_load = rest & (load <= 0)
    overloaded = rest & ~no_load & (u >= 1)
    ok = rest & ~no_load & ~overloaded

    utilization = np.full(len(frame), np.nan)
    utilization[ok | overloaded] = u[ok | overloaded]
    utilization[no_load] = 0.0
    queue_mean = np.full(len(frame), np.nan)
    queue_var = np.full(len(frame), np.nan)
    queue_mean[no_load] = 0.0
    queue_var[no_load] = 0.0
    queue_mean[ok] = queueing.queue_time(ca2[ok], ce2[ok], te[ok], u[ok], machines[ok])
    queue_var[ok] = queueing.queue_time_variance(
        ca2[ok], ce2[ok], te[ok], u[ok], machines[ok]
    )
    lead_mean = queue_mean + te
    lead_std = np.sqrt(queue_var + ce2 * te**2)
    computed = ok | no_load
    lead_mean[~computed] = np.nan
    lead_std[~computed] = np.nan
    quantile = np.full(len(frame), np.nan)
    quantile[computed] = _gamma_quantile(lead_mean[computed], lead_std[computed], level)

    status = np.select(
        [no_capacity, invalid, no_load, overloaded],
        ["no_capacity", "invalid", "no_load", "overloaded"],
        "ok",
    )
    result = frame.copy()
    result["utilization"] = utilization
    result["queue_time"] = queue_mean
    result["queue_time_var"] = queue_var
    result["lead_time"] = lead_mean
    result["lead_time_std"] = lead_std
    result["lead_time_quantile"] = quantile
    result["status"] = status.astype(object)
    return result


def _extra(name, value, products):
    """Scalar, or per-product Series aligned on ``products`` (missing -> 0)."""
    if isinstance(value, pd.Series):
        numbers = pd.to_numeric(value, errors="coerce")
        aligned = numbers.reindex(products, fill_value=0.0).to_numpy(dtype=float)
    elif np.ndim(value) == 0:
        aligned = np.full(len(products), float(value))
    else:
        raise ValueError(
            f"{name} must be a scalar or a pandas Series indexed by product, got "
            f"{type(value).__name__}"
        )
    if np.any(aligned < 0):
        raise ValueError(f"{name} must be >= 0, got {float(np.nanmin(aligned))!r}")
    return aligned


def route_lead_time(routes, workcenters, service=0.9, extra_mean=0.0, extra_var=0.0):
    """Planned lead time of each product along its route of workcenters.

    Each visit of a product to a workcenter adds the workcenter's queue time and
    the product's own process time; stations are treated as independent:

    .. math::

        E[LT_p] = \\sum_{v \\in p} (CT_{q, wc(v)} + t_v) + \\text{extra\\_mean}_p

        \\operatorname{Var}[LT_p] = \\sum_{v \\in p}
            (\\operatorname{Var}[CT_{q, wc(v)}] + c_v^2 t_v^2)
            + \\text{extra\\_var}_p

    (``extra`` is e.g. the virtual-queue wait of the product's flow, from
    :func:`virtual_queue_time`). The quantile is a gamma with these moments. A
    workcenter with NaN queue time (e.g. status 'overloaded' in
    :func:`workcenter_lead_times`) makes the lead time of every product routed
    through it NaN.

    Parameters
    ----------
    routes : pandas.DataFrame
        One row per visit: ``product``, ``workcenter`` (keys of
        ``workcenters``), ``process_time`` (time units per job, >= 0),
        ``process_scv`` (SCV of that process time, >= 0).
    workcenters : pandas.DataFrame
        Indexed by workcenter, columns ``queue_time`` (time units) and
        ``queue_time_var`` (squared time units); NaN allowed.
    service : float or None, default 0.9
        Probability for the quantile, in ``(0, 1)``; ``None`` leaves the
        quantile NaN (for callers that need only the moments first).
    extra_mean, extra_var : float or pandas.Series, default 0
        Time added to every product (scalar) or per product (Series indexed by
        product; products absent from it get 0), and its variance. NaN allowed.

    Returns
    -------
    pandas.DataFrame
        Indexed by product (sorted), columns ``mean``, ``std``, ``quantile`` in
        the time unit of the inputs.

    Raises
    ------
    ValueError
        On missing columns, negative or missing process times or SCVs, or a
        workcenter in ``routes`` absent from ``workcenters``.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., ch. 8 (cycle time
    along a line as a sum of station times) and ch. 15 (lead-time quantiles).
    """
    for name, table, columns in (
        ("routes", routes, ("product", "workcenter", "process_time", "process_scv")),
        ("workcenters", workcenters, ("queue_time", "queue_time_var")),
    ):
        if not isinstance(table, pd.DataFrame):
            raise ValueError(
                f"{name} must be a pandas DataFrame, got {type(table).__name__}"
            )
        missing = [column for column in columns if column not in table.columns]
        if missing:
            raise ValueError(f"{name} lacks the column(s) {missing}")
    level = None if service is None else probability("service", service)
    process_time = nonnegative(
        "process_time", routes["process_time"].to_numpy(dtype=float)
    )
    process_scv = nonnegative(
        "process_scv", routes["process_scv"].to_numpy(dtype=float)
    )
    unknown = pd.Index(routes["workcenter"].unique()).difference(workcenters.index)
    if len(unknown):
        raise ValueError(
            f"routes name workcenter(s) absent from workcenters: {list(unknown[:5])}"
        )
    position = workcenters.index.get_indexer(routes["workcenter"])
    queue_mean = workcenters["queue_time"].to_numpy(dtype=float)[position]
    queue_var = workcenters["queue_time_var"].to_numpy(dtype=float)[position]

    codes, products = pd.factorize(routes["product"], sort=True)
    count = len(products)
    # bincount keeps NaN (an overloaded workcenter) in the product's sum.
    mean = np.bincount(codes, weights=queue_mean + process_time, minlength=count)
    variance = np.bincount(
        codes, weights=queue_var + process_scv * process_time**2, minlength=count
    )
    mean = mean + _extra("extra_mean", extra_mean, products)
    variance = variance + _extra("extra_var", extra_var, products)
    std = np.sqrt(variance)
    quantile = np.full(count, np.nan)
    if level is not None:
        quantile = _gamma_quantile(mean, std, level)
    return pd.DataFrame(
        {"mean": mean, "std": std, "quantile": quantile},
        index=pd.Index(products, name="product"),
    )
