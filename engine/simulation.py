"""Discrete-event risk check of one flow: CONWIP with a virtual queue versus push.

A flow is a serial line of stations (mean process time ``te``, squared
coefficient of variation ``ce2``, ``servers`` parallel identical machines, FIFO)
fed by orders arriving at ``arrival_rate`` with inter-arrival SCV ``ca2``.
Process and inter-arrival times are gamma distributed with those means and
SCVs (exponential when the SCV is 1, deterministic when it is 0). Every order is
due ``quoted_lead_time`` after its arrival. Two release policies:

``'conwip'``
    Orders wait in a FIFO virtual queue and are released while fewer than
    ``wip_cap`` orders are in the line (Spearman, Woodruff and Hopp 1990).
``'push'``
    Classic MRP release: an order is released at its due date minus a fixed
    ``planned_lead_time`` (at once if that moment has passed), with no cap.

Make-up time, the same rule for both policies (Hopp and Spearman, *Factory
Physics*, ch. 14-15 on capacity cushions): while more than ``makeup_level``
orders are in the flow (arrived and not done: virtual queue or awaiting
release, plus the line), every station works ``1 + makeup_share`` times faster
(overtime, an extra shift); an operation runs at the speed in force when it
starts. For CONWIP, ``makeup_level = wip_cap + makeup_threshold`` is exactly
"the virtual queue holds more than ``makeup_threshold`` orders" (the line is at
its cap whenever orders wait). The clock time with make-up on is reported as
make-up hours.

The simulation is seeded and reproducible. Random numbers are drawn up front,
one inter-arrival time per order and one process time per order and station,
so both policies run on the same arrivals and work contents for a given seed
(common random numbers: their difference is measured with less noise).

The event loop is a plain :mod:`heapq` calendar; no simulation library is
needed.

References
----------
Hopp, W. J. and Spearman, M. L. (2008). *Factory Physics*, 3rd ed., ch. 7
(Little's law, Penny Fab), ch. 10 and 14 (CONWIP, pull planning).
Spearman, M. L., Woodruff, D. L. and Hopp, W. J. (1990). CONWIP: a pull
alternative to kanban. *International Journal of Production Research* 28(5).
Law, A. M. (2015). *Simulation Modeling and Analysis*, 5th ed., ch. 9
(replications, batch means, t confidence intervals).
"""

import heapq
from collections import deque
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ._validation import finite, nonnegative, positive, probability, servers

POLICIES = ("conwip", "push")
METRICS = (
    "throughput",
    "wip",
    "cycle_time",
    "flow_time",
    "service",
    "makeup_hours",
    "makeup_fraction",
    "virtual_queue",
    "max_wip",
)

_ARRIVE, _RELEASE, _FINISH = 0, 1, 2


def _gamma(rng, mean, scv, size):
    """Gamma variates with the given mean and SCV (deterministic when SCV = 0)."""
    mean = np.broadcast_to(mean, size)
    scv = np.broadcast_to(scv, size)
    random = scv > 0
    draws = np.array(mean, dtype=float)
    shape = 1.0 / scv[random]
    draws[random] = rng.standard_gamma(shape) * (mean[random] * scv[random])
    return draws


def _station_arrays(te, ce2, machines):
    te = positive("te", te)
    if te.ndim != 1 or te.size == 0:
        raise ValueError(f"te must be a non-empty 1-D array of stations, got {te!r}")
    ce2 = np.broadcast_to(nonnegative("ce2", ce2), te.shape).astype(float)
    machines = np.broadcast_to(servers("servers", machines), te.shape).astype(int)
    return te, ce2, machines


class _Line:
    """Serial FIFO line: stations with parallel servers, driven by an event heap."""

    def __init__(self, process_times, machines):
        self.process = process_times
        # Plain lists: the event loop reads them once per event.
        self.machines = [int(m) for m in machines]
        self.queues = [deque() for _ in self.machines]
        self.busy = [0] * len(self.machines)
        self.events = []
        self.sequence = 0
        self.speed = 1.0

    def schedule(self, time, kind, job, station=0):
        heapq.heappush(self.events, (time, self.sequence, kind, job, station))
        self.sequence += 1

    def enter(self, now, job, station):
        if self.busy[station] < self.machines[station]:
            self.start(now, job, station)
        else:
            self.queues[station].append(job)

    def start(self, now, job, station):
        self.busy[station] += 1
        duration = self.process[job, station] / self.speed
        self.schedule(now + duration, _FINISH, job, station)

    def finish(self, now, station):
        """Free a server, start the next job waiting there."""
        self.busy[station] -= 1
        if self.queues[station]:
            self.start(now, self.queues[station].popleft(), station)


@dataclass(frozen=True)
class _Window:
    """Time-weighted statistics between ``start`` and ``end``."""

    start: float
    end: float

    def overlap(self, t0, t1):
        return max(0.0, min(t1, self.end) - max(t0, self.start))


def _check_flow(te, ce2, machines, arrival_rate, ca2, n_orders, warmup_orders):
    te, ce2, machines = _station_arrays(te, ce2, machines)
    rate = float(positive("arrival_rate", arrival_rate))
    ca2 = float(nonnegative("ca2", ca2))
    load = rate * te / machines
    if np.any(load >= 1):
        station = int(np.argmax(load))
        raise ValueError(
            f"arrival_rate {rate!r} overloads station {station}: utilisation "
            f"{float(load[station]):.3f} >= 1"
        )
    if int(n_orders) != n_orders or n_orders < 2:
        raise ValueError(f"n_orders must be a whole number >= 2, got {n_orders!r}")
    if int(warmup_orders) != warmup_orders or not 0 <= warmup_orders < n_orders - 1:
        raise ValueError(
            f"warmup_orders must be a whole number in [0, n_orders - 1), got "
            f"{warmup_orders!r}"
        )
    return te, ce2, machines, rate, ca2


def simulate_flow(
    te,
    ce2=1.0,
    machines=1,
    *,
    arrival_rate,
    quoted_lead_time,
    policy="conwip",
    ca2=1.0,
    wip_cap=None,
    planned_lead_time=None,
    makeup_threshold=None,
    makeup_share=0.0,
    makeup_level=None,
    n_orders=2000,
    warmup_orders=200,
    seed=None,
):
    """Simulate one replication of a flow under a release policy.

    Orders ``0 .. n_orders - 1`` arrive; the first ``warmup_orders`` only warm
    the line up. Per-order statistics are over the remaining orders (the run
    continues until they are all done); time averages and throughput are over
    the window from the first counted arrival to the last arrival, so Little's
    law ``wip = throughput * cycle_time`` holds up to edge effects.

    Parameters
    ----------
    te, ce2, machines : array_like
        Per station, in route order: mean process time (hours), its SCV, and
        number of parallel servers (``ce2`` and ``machines`` broadcast).
    arrival_rate : float
        Orders per hour; must load every station below 100 %.
    quoted_lead_time : float
        Hours from arrival to due date.
    policy : {'conwip', 'push'}
        Release policy (module docstring).
    ca2 : float
        SCV of inter-arrival times.
    wip_cap : int
        CONWIP cap, orders in the line (required for ``'conwip'``).
    planned_lead_time : float
        Push: release at due date minus this many hours (required for
        ``'push'``).
    makeup_threshold : float, optional
        CONWIP: make-up time is on while the virtual queue holds more than this
        many orders, i.e. ``makeup_level = wip_cap + makeup_threshold``.
    makeup_share : float
        Extra capacity during make-up, e.g. 0.25 = 25 % faster.
    makeup_level : float, optional
        Either policy: make-up time is on while more than this many orders are
        in the flow (module docstring). ``None`` and no ``makeup_threshold``:
        never. Give one of the two.
    n_orders, warmup_orders : int
        Orders simulated and orders discarded as warm-up.
    seed : int, numpy.random.SeedSequence or numpy.random.Generator, optional
        Random source; the same seed gives the same result.

    Returns
    -------
    dict
        ``throughput`` (orders/h), ``wip`` (mean orders released and not done),
        ``cycle_time`` (h, release to done), ``flow_time`` (h, arrival to done,
        virtual queue included), ``service`` (share of orders done by their due
        date), ``makeup_hours`` (h of make-up in the window),
        ``makeup_fraction`` (share of the window with make-up on), ``virtual_queue``
        (mean orders waiting for release), ``max_wip`` (largest number of
        orders in the line at any time), ``window_hours`` (length of the
        measurement window).

    Raises
    ------
    ValueError
        On invalid parameters, an unknown policy, a missing ``wip_cap`` /
        ``planned_lead_time``, or an arrival rate at or above a station's
        capacity.

    References
    ----------
    Hopp and Spearman, *Factory Physics*, 3rd ed., ch. 10 and 14.
    """
    te, ce2, machines, rate, ca2 = _check_flow(
        te, ce2, machines, arrival_rate, ca2, n_orders, warmup_orders
    )
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {POLICIES}, got {policy!r}")
    quoted = float(nonnegative("quoted_lead_time", quoted_lead_time))
    if policy == "conwip":
        if wip_cap is None or int(wip_cap) != wip_cap or wip_cap < 1:
            raise ValueError(
                f"wip_cap must be a whole number >= 1 for 'conwip', got {wip_cap!r}"
            )
        cap = int(wip_cap)
    else:
        if planned_lead_time is None:
            raise ValueError("planned_lead_time is required for policy 'push'")
        if makeup_threshold is not None:
            raise ValueError(
                "makeup_threshold counts the virtual queue of 'conwip'; give push "
                "its makeup_level (orders in the flow)"
            )
        planned = float(nonnegative("planned_lead_time", planned_lead_time))
        cap = np.inf
    level = _makeup_level(cap, makeup_threshold, makeup_level)
    speedup = 1.0 + float(nonnegative("makeup_share", makeup_share))

    rng = np.random.default_rng(seed)
    n_orders = int(n_orders)
    arrival = np.cumsum(_gamma(rng, 1.0 / rate, ca2, n_orders))
    line = _Line(_gamma(rng, te, ce2, (n_orders, te.size)), machines)
    due = arrival + quoted
    released = np.full(n_orders, np.nan)
    done = np.full(n_orders, np.nan)
    window = _Window(arrival[int(warmup_orders)], arrival[-1])

    virtual_queue = deque()
    in_flow = in_line = max_wip = 0
    area_wip = area_queue = makeup_time = 0.0
    last = 0.0
    makeup_on = False
    completions_in_window = 0

    def release(now, job):
        nonlocal in_line, max_wip
        in_line += 1
        max_wip = max(max_wip, in_line)
        released[job] = now
        line.enter(now, job, 0)

    line.schedule(arrival[0], _ARRIVE, 0)
    while line.events:
        now, _, kind, job, station = heapq.heappop(line.events)
        span = window.overlap(last, now)
        area_wip += in_line * span
        area_queue += len(virtual_queue) * span
        makeup_time += span if makeup_on else 0.0
        last = now

        if kind == _ARRIVE:
            in_flow += 1
            if job + 1 < n_orders:
                line.schedule(arrival[job + 1], _ARRIVE, job + 1)
            if policy == "conwip":
                virtual_queue.append(job)
            elif due[job] - planned > now:
                line.schedule(due[job] - planned, _RELEASE, job)
            else:
                release(now, job)
        elif kind == _RELEASE:
            release(now, job)
        else:
            line.finish(now, station)
            if station + 1 < te.size:
                line.enter(now, job, station + 1)
            else:
                in_line -= 1
                in_flow -= 1
                done[job] = now
                completions_in_window += window.start <= now <= window.end
        while virtual_queue and in_line < cap:
            release(now, virtual_queue.popleft())
        makeup_on = in_flow > level
        line.speed = speedup if makeup_on else 1.0

    counted = slice(int(warmup_orders), None)
    hours = window.end - window.start
    return {
        "throughput": float(completions_in_window / hours),
        "wip": float(area_wip / hours),
        "cycle_time": float(np.mean(done[counted] - released[counted])),
        "flow_time": float(np.mean(done[counted] - arrival[counted])),
        "service": float(np.mean(done[counted] <= due[counted] + 1e-9)),
        "makeup_hours": float(makeup_time),
        "makeup_fraction": float(makeup_time / hours),
        "virtual_queue": float(area_queue / hours),
        "max_wip": float(max_wip),
        "window_hours": float(hours),
    }


def _makeup_level(cap, makeup_threshold, makeup_level):
    """Orders in the flow above which make-up is on (inf: never)."""
    if makeup_threshold is not None and makeup_level is not None:
        raise ValueError("give makeup_threshold or makeup_level, not both")
    if makeup_threshold is not None:
        return cap + float(nonnegative("makeup_threshold", makeup_threshold))
    if makeup_level is not None:
        return float(nonnegative("makeup_level", makeup_level))
    return np.inf


def confidence_interval(samples, confidence=0.95):
    """Mean and half-width of a Student-t confidence interval.

    ``half_width = t_{(1+confidence)/2, n-1} * s / sqrt(n)`` for ``n``
    independent replications (or batch means) with sample standard deviation
    ``s``.

    Parameters
    ----------
    samples : array_like
        Independent observations, at least two.
    confidence : float
        Confidence level in (0, 1).

    Returns
    -------
    tuple of float
        ``(mean, half_width)``.

    References
    ----------
    Law, *Simulation Modeling and Analysis*, 5th ed., section 4.5.
    """
    values = finite("samples", samples).ravel()
    level = float(probability("confidence", confidence))
    if values.size < 2:
        raise ValueError(f"samples must hold at least 2 values, got {values.size}")
    quantile = stats.t.ppf(0.5 + level / 2, values.size - 1)
    half_width = quantile * values.std(ddof=1) / np.sqrt(values.size)
    return float(values.mean()), float(half_width)


def compare_policies(
    te,
    ce2=1.0,
    machines=1,
    *,
    arrival_rate,
    quoted_lead_time,
    wip_cap,
    planned_lead_time,
    ca2=1.0,
    makeup_threshold=None,
    makeup_share=0.0,
    replications=10,
    n_orders=2000,
    warmup_orders=200,
    confidence=0.95,
    seed=0,
):
    """CONWIP (virtual queue, cap, make-up time) versus push, with confidence.

    Runs ``replications`` independent replications of each policy (seeds
    spawned from ``seed``; replication ``i`` of both policies shares its random
    numbers) and summarises every metric of :func:`simulate_flow` by its mean
    and Student-t confidence interval.

    A fair comparison: both policies quote the same ``quoted_lead_time`` and
    get the same make-up time, the same extra capacity ``makeup_share`` while
    more than ``wip_cap + makeup_threshold`` orders are in the flow (for CONWIP:
    while more than ``makeup_threshold`` wait in the virtual queue). Push
    differs only in its release rule.

    Parameters
    ----------
    te, ce2, machines, arrival_rate, quoted_lead_time, ca2 : see simulate_flow
        The flow.
    wip_cap, makeup_threshold, makeup_share : see simulate_flow
        The CONWIP policy; the make-up rule (level ``wip_cap +
        makeup_threshold`` orders in the flow, ``makeup_share``) is push's too.
    planned_lead_time : float
        The push policy's fixed lead time (hours).
    replications : int
        Independent replications per policy (>= 2).
    n_orders, warmup_orders : int
        Orders per replication and warm-up orders.
    confidence : float
        Confidence level of the intervals.
    seed : int
        Root seed.

    Returns
    -------
    pandas.DataFrame
        One row per policy and metric: columns ``policy``, ``metric``,
        ``mean``, ``half_width``, ``ci_low``, ``ci_high``, ``replications``.

    References
    ----------
    Law, *Simulation Modeling and Analysis*, 5th ed., ch. 9 and 10 (comparing
    systems with common random numbers).
    """
    if int(replications) != replications or replications < 2:
        raise ValueError(
            f"replications must be a whole number >= 2, got {replications!r}"
        )
    seeds = np.random.SeedSequence(seed).spawn(int(replications))
    flow = {
        "te": te,
        "ce2": ce2,
        "machines": machines,
        "arrival_rate": arrival_rate,
        "quoted_lead_time": quoted_lead_time,
        "ca2": ca2,
        "n_orders": n_orders,
        "warmup_orders": warmup_orders,
    }
    makeup = {"makeup_share": makeup_share, "makeup_level": None}
    if makeup_threshold is not None:
        makeup["makeup_level"] = wip_cap + float(
            nonnegative("makeup_threshold", makeup_threshold)
        )
    settings = {
        "conwip": {"wip_cap": wip_cap, **makeup},
        "push": {"planned_lead_time": planned_lead_time, **makeup},
    }
    rows = []
    for policy, options in settings.items():
        runs = pd.DataFrame(
            [
                simulate_flow(**flow, **options, policy=policy, seed=child)
                for child in seeds
            ]
        )
        for metric in METRICS:
            mean, half = confidence_interval(runs[metric], confidence)
            rows.append((policy, metric, mean, half, mean - half, mean + half))
    frame = pd.DataFrame(
        rows,
        columns=["policy", "metric", "mean", "half_width", "ci_low", "ci_high"],
    )
    frame["replications"] = int(replications)
    return frame


@dataclass(frozen=True)
class ClosedLineEstimate:
    """Throughput and cycle time of a simulated closed line, with CIs.

    Attributes
    ----------
    throughput, throughput_half_width : float
        Jobs per hour and the half-width of its confidence interval.
    cycle_time, cycle_time_half_width : float
        Hours from entering station 0 to leaving the last station.
    completions : int
        Completions measured (after warm-up).
    """

    throughput: float
    throughput_half_width: float
    cycle_time: float
    cycle_time_half_width: float
    completions: int

    @property
    def throughput_ci(self):
        """``(low, high)`` confidence interval of the throughput."""
        return (
            self.throughput - self.throughput_half_width,
            self.throughput + self.throughput_half_width,
        )


def simulate_closed_line(
    te,
    w,
    ce2=1.0,
    machines=1,
    *,
    n_completions=20000,
    warmup_completions=1000,
    batches=20,
    confidence=0.95,
    seed=None,
):
    """Simulate a closed serial line (CONWIP at a constant WIP ``w``).

    ``w`` jobs circulate: a job leaving the last station re-enters station 0 at
    once. Throughput and cycle time are estimated by batch means over
    ``batches`` consecutive groups of completions after a warm-up; this is the
    simulation counterpart of mean value analysis (:func:`engine.conwip.mva`
    for exponential single-server stations).

    Parameters
    ----------
    te : array_like
        Mean process time per station (hours), route order.
    w : int
        Jobs in the line (>= 1).
    ce2, machines : array_like
        Process-time SCV and parallel servers per station (broadcast).
    n_completions, warmup_completions : int
        Completions measured, and completions discarded before.
    batches : int
        Number of batch means (>= 2) for the confidence intervals.
    confidence : float
        Confidence level.
    seed : int, numpy.random.SeedSequence or numpy.random.Generator, optional
        Random source.

    Returns
    -------
    ClosedLineEstimate

    References
    ----------
    Hopp and Spearman, *Factory Physics*, 3rd ed., ch. 7 (Penny Fab) and
    ch. 10 (mean value analysis of CONWIP lines); Law, *Simulation Modeling and
    Analysis*, section 9.5.3 (batch means).
    """
    te, ce2, machines = _station_arrays(te, ce2, machines)
    if int(w) != w or w < 1:
        raise ValueError(f"w must be a whole number >= 1, got {w!r}")
    if int(batches) != batches or batches < 2 or n_completions < batches:
        raise ValueError(
            f"batches must be a whole number in [2, n_completions], got {batches!r}"
        )
    if int(warmup_completions) != warmup_completions or warmup_completions < 0:
        raise ValueError(
            f"warmup_completions must be a whole number >= 0, got "
            f"{warmup_completions!r}"
        )
    w, total = int(w), int(n_completions) + int(warmup_completions)
    rng = np.random.default_rng(seed)
    line = _Line(_gamma(rng, te, ce2, (total + w, te.size)), machines)
    entered = np.zeros(total + w)
    finished = np.empty(total)
    cycle = np.empty(total)
    for job in range(w):
        line.enter(0.0, job, 0)
    next_job, count = w, 0
    while count < total:
        now, _, _, job, station = heapq.heappop(line.events)
        line.finish(now, station)
        if station + 1 < te.size:
            line.enter(now, job, station + 1)
            continue
        finished[count], cycle[count] = now, now - entered[job]
        count += 1
        entered[next_job] = now
        line.enter(now, next_job, 0)
        next_job += 1

    measured = slice(int(warmup_completions), None)
    times, cycle = finished[measured], cycle[measured]
    start = finished[int(warmup_completions) - 1] if warmup_completions else 0.0
    edges = np.linspace(0, times.size, int(batches) + 1).astype(int)
    batch_start = np.concatenate(([start], times[edges[1:-1] - 1]))
    batch_throughput = np.diff(edges) / (times[edges[1:] - 1] - batch_start)
    batch_cycle = np.add.reduceat(cycle, edges[:-1]) / np.diff(edges)
    _, th_half = confidence_interval(batch_throughput, confidence)
    _, ct_half = confidence_interval(batch_cycle, confidence)
    return ClosedLineEstimate(
        throughput=float(times.size / (times[-1] - start)),
        throughput_half_width=th_half,
        cycle_time=float(cycle.mean()),
        cycle_time_half_width=ct_half,
        completions=int(times.size),
    )


def closed_line_curve(
    te,
    w_max,
    ce2=1.0,
    machines=1,
    *,
    n_completions=5000,
    warmup_completions=200,
    batches=10,
    confidence=0.95,
    seed=0,
):
    """Simulated throughput of a closed line at every WIP level ``1..w_max``.

    One :func:`simulate_closed_line` per level (seeds spawned from ``seed``):
    the population-dependent rates ``TH(n)`` of the line's flow-equivalent
    server when its process times are not exponential, where no product-form
    (exact MVA) solution exists. Norton's theorem for queueing networks takes
    the rates of the equivalent server from the subnetwork studied alone, by
    any method; this one measures them.

    Parameters
    ----------
    te, ce2, machines : array_like
        Per station, route order: mean process time (hours), SCV, parallel
        servers.
    w_max : int
        Largest WIP level (jobs), whole number >= 1.
    n_completions, warmup_completions, batches, confidence : see
        :func:`simulate_closed_line`.
    seed : int or numpy.random.SeedSequence
        Root seed; the same seed gives the same curve.

    Returns
    -------
    pandas.DataFrame
        ``w`` (jobs), ``throughput`` (jobs/hour), ``throughput_half_width``
        (jobs/hour, confidence interval), ``cycle_time`` (hours), one row per
        level.

    References
    ----------
    K. M. Chandy, U. Herzog and L. Woo, "Parametric analysis of queuing
    networks", *IBM J. Res. Dev.* 19 (1975), 36-42 (flow-equivalent server).
    Hopp and Spearman, *Factory Physics*, 3rd ed., ch. 10 (CONWIP throughput
    against WIP); Law, *Simulation Modeling and Analysis*, 5th ed., sec. 9.5.3.
    """
    if int(w_max) != w_max or w_max < 1:
        raise ValueError(f"w_max must be a whole number >= 1, got {w_max!r}")
    levels = np.arange(1, int(w_max) + 1)
    seeds = np.random.SeedSequence(seed).spawn(levels.size)
    estimates = [
        simulate_closed_line(
            te,
            int(w),
            ce2,
            machines,
            n_completions=n_completions,
            warmup_completions=warmup_completions,
            batches=batches,
            confidence=confidence,
            seed=child,
        )
        for w, child in zip(levels, seeds, strict=True)
    ]
    return pd.DataFrame(
        {
            "w": levels,
            "throughput": [e.throughput for e in estimates],
            "throughput_half_width": [e.throughput_half_width for e in estimates],
            "cycle_time": [e.cycle_time for e in estimates],
        }
    )
