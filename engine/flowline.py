"""One model of a CONWIP flow, used by every feature that needs a flow number.

A :class:`FlowLine` is the closed serial line of a flow's stations: machines per
station, effective process time ``te`` per equivalent WIP unit and its SCV
``ce2``, and optionally an availability. Throughput, bottleneck rate, raw
process time, cases, WIP cap, planned lead time (virtual queue included),
due-date quotes, make-up threshold and hours all come from it through the
engine's primitives, each rule in one place:

- throughput at WIP ``w``: :func:`.conwip.mva_approx` (exact load-dependent MVA
  :func:`.conwip.mva` when every ``ce2`` is 1);
- virtual-queue wait: :func:`.leadtime.virtual_queue_time` with the loop's
  population-dependent throughputs; planned lead time
  :func:`.leadtime.flow_lead_time`;
- quotes, make-up threshold and hours: :mod:`.duedate` (gamma / Erlang time
  to produce ``n`` units);
- equivalent WIP units: :func:`.conwip.equivalent_wip_units`.

``te`` is the *effective* time as given. Odoo 18's expected work-order
durations already contain the workcenter's time efficiency and its capacity
(parallel units per cycle), so a caller must not divide them again; it passes
them as they are and sets ``servers`` to the parallel machines. ``availability``
is only for time the durations leave out (e.g. the share of clock hours the
station works, or breakdowns): the clock time per unit is ``te / availability``.

Units: hours (any time unit) and equivalent WIP units; rates per hour.

References
----------
W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., Waveland, 2008,
ch. 7 (rb, T0, W0 and the cases), ch. 10 (CONWIP), ch. 14-15 (make-up time,
due-date quoting). M. L. Spearman, D. L. Woodruff and W. J. Hopp, "CONWIP: a
pull alternative to kanban", *IJPR* 28 (1990), 879-894.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import conwip, duedate, leadtime, simulation
from ._validation import nonnegative, positive, probability

__all__ = ["FlowLine", "assign_flow", "lead_time_now", "throughput_moments"]


@dataclass(frozen=True)
class FlowLine:
    """A CONWIP flow as a closed line of stations, in loop order.

    Attributes
    ----------
    te : numpy.ndarray
        Effective process time one machine of each station needs per equivalent
        WIP unit (hours), > 0. As given: not divided again by efficiency.
    servers : numpy.ndarray of int
        Parallel identical machines per station, >= 1 (default 1).
    ce2 : numpy.ndarray
        SCV of the process time per station, >= 0 (default 1: exponential).
    availability : numpy.ndarray
        Share of clock time each station works, in (0, 1] (default 1).
    """

    te: np.ndarray
    servers: np.ndarray = 1
    ce2: np.ndarray = 1.0
    availability: np.ndarray = 1.0

    def __post_init__(self):
        times = conwip._line_times(self.te)
        count = conwip._station_servers(self.servers, times)
        scv = conwip._station_scv(self.ce2, times)
        share = np.broadcast_to(
            positive("availability", self.availability), times.shape
        )
        if np.any(share > 1):
            raise ValueError(
                f"availability must be in (0, 1], got {float(share.max())!r}"
            )
        for name, value in (
            ("te", times),
            ("servers", count),
            ("ce2", scv),
            ("availability", share.astype(float)),
        ):
            object.__setattr__(self, name, value)

    @property
    def clock_te(self):
        """Clock hours one machine needs per unit: ``te / availability``."""
        return self.te / self.availability

    @property
    def bottleneck_rate(self):
        """``rb = min_j m_j / t_j`` (units per hour), Factory Physics ch. 7."""
        return float(np.min(self.servers / self.clock_te))

    @property
    def bottleneck(self):
        """Index of the station with the least capacity ``m_j / t_j`` (first on
        ties): the pacemaker of the line (FP ch. 7)."""
        return int(np.argmax(self.clock_te / self.servers))

    @property
    def raw_process_time(self):
        """``T0 = sum_j t_j`` (hours): one unit alone in the line."""
        return float(self.clock_te.sum())

    @property
    def critical_wip(self):
        """``W0 = rb T0`` (units)."""
        return self.bottleneck_rate * self.raw_process_time

    @property
    def departure_scv(self):
        """SCV of the output at the cap: ``ce2`` of the slowest station.

        A capped line is paced by its bottleneck, which its queue keeps busy;
        the linking equation at ``u -> 1`` gives ``cd2 -> ce2`` there (Factory
        Physics ch. 8). Ties take the largest ``ce2``.
        """
        pace = self.clock_te / self.servers
        return float(self.ce2[pace >= pace.max() * (1 - 1e-12)].max())

    def _exponential(self):
        return bool(np.all(self.ce2 == 1.0))

    def throughput(self, w):
        """``(throughput, cycle_time)`` at integer WIP ``w`` (units/h, hours).

        Exact MVA with load-dependent multi-machine stations when every
        ``ce2`` is 1, else the general-time interpolation of
        :func:`.conwip.mva_approx`.
        """
        if self._exponential():
            return conwip.mva(self.clock_te, w, servers=self.servers)
        return conwip.mva_approx(self.clock_te, self.ce2, w, servers=self.servers)

    def curve(self, w_max):
        """Throughput and cycle time for ``w = 1..w_max`` (DataFrame)."""
        ce2 = None if self._exponential() else self.ce2
        return conwip.throughput_curve(
            self.clock_te, w_max, ce2=ce2, servers=self.servers
        )

    def best_case(self, w):
        """Best-case ``(throughput, cycle_time)`` at WIP ``w`` (FP ch. 7)."""
        return conwip.best_case(w, self.bottleneck_rate, self.raw_process_time)

    def practical_worst_case(self, w):
        """Practical-worst-case ``(throughput, cycle_time)`` at WIP ``w``."""
        return conwip.practical_worst_case(
            w, self.bottleneck_rate, self.raw_process_time
        )

    def worst_case(self, w):
        """Worst-case ``(throughput, cycle_time)`` at WIP ``w`` (FP ch. 7)."""
        return conwip.worst_case(w, self.bottleneck_rate, self.raw_process_time)

    def min_cap(self, demand_rate, margin=0.95, largest_order_units=1.0):
        """Least WIP cap whose throughput covers the demand with a margin.

        ``max(min{w : TH(w) >= rate / margin}, ceil(largest order))``: the
        line at its cap must outrun the orders (or the virtual queue never
        empties), and an order larger than the cap would only enter alone.
        Independent of any order or setup cost.

        Raises
        ------
        ValueError
            If ``demand_rate / margin`` is not below ``rb``.
        """
        rate = float(positive("demand_rate", demand_rate))
        share = float(positive("margin", margin))
        largest = float(nonnegative("largest_order_units", largest_order_units))
        ce2 = None if self._exponential() else self.ce2
        level = conwip.min_wip(
            self.clock_te, rate / share, ce2=ce2, servers=self.servers
        )
        return int(max(level, np.ceil(largest - 1e-9), 1))

    def simulated_curve(self, w_max, n_completions=5000, seed=0):
        """Throughput at ``w = 1..w_max`` from a closed-line simulation.

        :func:`.simulation.closed_line_curve` of this line (clock times): the
        calibration of :meth:`virtual_queue_time` where the two-moment flow
        model is not accurate enough (DataFrame ``w``, ``throughput``,
        ``throughput_half_width``, ``cycle_time``). Seeded and reproducible;
        about 0.1 s per level with the default effort.
        """
        return simulation.closed_line_curve(
            self.clock_te,
            w_max,
            self.ce2,
            self.servers,
            n_completions=n_completions,
            seed=seed,
        )

    def virtual_queue_time(self, arrival_rate, cap, ca2=1.0, throughputs=None):
        """Mean and variance of the virtual-queue wait at cap ``cap`` (hours).

        :func:`.leadtime.virtual_queue_time` with the loop's throughputs
        ``TH(1..cap)`` and output SCV :attr:`departure_scv`. ``throughputs``
        replaces the flow model's ``TH(1..cap)`` (units per hour, ``cap``
        values), e.g. :meth:`simulated_curve`: the wait grows like
        ``1 / (1 - r_a / TH(cap))``, so near saturation a few per cent of
        throughput error become tens of per cent of wait.
        """
        if throughputs is None:
            table = self.curve(cap)["throughput"].to_numpy()
        else:
            table = np.atleast_1d(positive("throughputs", throughputs))
            if table.shape != (int(cap),):
                raise ValueError(
                    f"throughputs must hold TH(1..cap), {int(cap)} values, got "
                    f"shape {table.shape}"
                )
        return leadtime.virtual_queue_time(
            arrival_rate,
            float(table[-1]),
            ca2,
            self.departure_scv,
            below_cap=table[:-1],
        )

    def lead_time(self, arrival_rate, cap, ca2=1.0, service=0.9):
        """Planned lead time (virtual queue + line), :class:`.leadtime.LeadTime`.

        Steady state at the arrival rate: :func:`.leadtime.flow_lead_time`.
        """
        return leadtime.flow_lead_time(
            arrival_rate,
            self.clock_te,
            self.ce2,
            cap,
            ca2=ca2,
            service=service,
            cd2=self.departure_scv,
            servers=self.servers,
        )

    def quote(
        self, units_ahead, order_units, cap, service=0.9, throughput=None, cd2=None
    ):
        """Due-date quote for an order behind ``units_ahead`` (hours).

        The time to produce ``units_ahead + order_units`` units at the line's
        throughput (gamma / Erlang, :func:`.duedate.quote_lead_time`); the
        throughput and output SCV default to the model's at ``cap`` (pass the
        measured ones when known).
        """
        rate, scv = self._pace(cap, throughput, cd2)
        return duedate.quote_lead_time(
            units_ahead, rate, scv, service, order_units=order_units
        )

    def makeup_threshold(self, lead_time, cap, service=0.9, throughput=None, cd2=None):
        """Longest virtual queue (units) a quoted ``lead_time`` still covers."""
        rate, scv = self._pace(cap, throughput, cd2)
        return duedate.makeup_threshold(lead_time, cap, rate, scv, service)

    def makeup_hours(self, queue_units, threshold, cap, throughput=None):
        """Make-up hours that bring the queue back to its threshold."""
        rate, _ = self._pace(cap, throughput, None)
        return duedate.makeup_hours(queue_units, threshold, rate)

    def _pace(self, cap, throughput, cd2):
        if throughput is None:
            throughput = float(self.throughput(int(cap))[0])
        return throughput, self.departure_scv if cd2 is None else cd2

    @staticmethod
    def equivalent_units(work_hours, standard_work_hours):
        """Equivalent WIP units of orders: :func:`.conwip.equivalent_wip_units`."""
        return conwip.equivalent_wip_units(work_hours, standard_work_hours)


def throughput_moments(units_by_day, hours_by_day):
    """Throughput and output SCV of a flow from its daily completions.

    Brownian output model: a day with ``h_d`` working hours yields a mean
    ``mu h_d`` and a variance ``c_d^2 mu h_d`` of units. Moment estimators over
    the ``D`` days of the window:

    .. math::

        \\mu = \\frac{\\sum_d U_d}{\\sum_d h_d}, \\qquad
        c_d^2 = \\frac{\\sum_d (U_d - \\mu h_d)^2 / (D - 1)}{\\sum_d U_d / D}

    with ``c_d^2 = 1`` (Poisson output) when ``D < 2``.

    Parameters
    ----------
    units_by_day : array_like
        Equivalent units completed per day (days with working time or output),
        >= 0.
    hours_by_day : array_like
        Working hours of the same days, >= 0, same shape.

    Returns
    -------
    throughput, cd2 : float
        Units per working hour and the SCV of the output (0 and 1 when nothing
        was completed or no hour worked).

    Raises
    ------
    ValueError
        On NaN, negative values or mismatched shapes.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., ch. 15 (output of
    a CONWIP line as Brownian motion; estimating its drift and variance).
    """
    units = np.atleast_1d(nonnegative("units_by_day", units_by_day))
    hours = np.atleast_1d(nonnegative("hours_by_day", hours_by_day))
    if units.shape != hours.shape or units.ndim != 1:
        raise ValueError(
            "units_by_day and hours_by_day must be one-dimensional and of the same "
            f"length, got shapes {units.shape} and {hours.shape}"
        )
    total_units, total_hours = float(units.sum()), float(hours.sum())
    if total_units <= 0 or total_hours <= 0:
        return 0.0, 1.0
    rate = total_units / total_hours
    days = units.size
    if days < 2:
        return rate, 1.0
    spread = float(((units - rate * hours) ** 2).sum() / (days - 1))
    return rate, spread / (total_units / days)


def assign_flow(item, flow, minutes):
    """The flow each item belongs to: where its work spends the most time.

    An item (a manufacturing order, a product, a bill of materials) belongs to
    the CONWIP loop whose stations hold the largest share of its expected
    work, ties going to the lowest flow key: the loop that paces it. Rows
    without a flow (work outside every loop) are ignored; an item with no row
    at a loop belongs to none and is absent from the result.

    Parameters
    ----------
    item : array_like
        Item key of each row of work (any hashable, sortable type).
    flow : array_like
        Flow key of the station of each row (ids or names, one sortable type;
        NaN or None: no flow).
    minutes : array_like
        Expected time of each row, >= 0 (any time unit).

    Returns
    -------
    pandas.Series
        Flow key by item (index sorted), for the items with work in a flow.

    Raises
    ------
    ValueError
        On negative or NaN ``minutes`` or inputs of different lengths.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., Waveland, 2008,
    ch. 10 (a CONWIP loop covers the routing segment that holds its
    bottleneck; each job is counted in one loop).
    """
    times = np.atleast_1d(nonnegative("minutes", minutes))
    keys = np.atleast_1d(np.asarray(item, dtype=object))
    flows = np.atleast_1d(np.asarray(flow, dtype=object))
    if not keys.size == flows.size == times.size:
        raise ValueError(
            "item, flow and minutes must have the same length, got "
            f"{keys.size}, {flows.size} and {times.size}"
        )
    frame = pd.DataFrame(
        {
            "item": keys,
            "flow": flows,
            "minutes": times,
        }
    )
    chosen = (
        frame[pd.notna(frame["flow"])]
        .groupby(["item", "flow"], as_index=False)["minutes"]
        .sum()
        .sort_values(["item", "minutes", "flow"], ascending=[True, False, True])
        .drop_duplicates("item")
        .set_index("item")["flow"]
    )
    chosen.index.name = "item"
    return chosen.infer_objects().sort_index()


def lead_time_now(
    queue_units,
    wip_units,
    order_units,
    throughput,
    cd2=1.0,
    service=0.9,
    makeup_units=0.0,
):
    """Lead time of an order behind a flow's current work, by part.

    The order is done when the queued work ahead of it, the WIP in the line
    and its own work have left the line. Make-up work not yet done takes its
    share first from the queue, then from the WIP:

    .. math::

        Q' = (Q - M)^+, \\quad W' = (W - (M - Q)^+)^+, \\quad
        n = Q' + W' + u

        E[T] = \frac{Q'}{\\mu} + \frac{W'}{\\mu} + \frac{u}{\\mu}, \\qquad
        \\operatorname{Var}[T] = \frac{n\\, c_d^2}{\\mu^2}

    (Brownian output of a CONWIP line, Factory Physics ch. 15). The three
    means are the virtual-queue wait, the wait behind the WIP at the stations
    and the order's own work at the line's pace; the quantile is
    :func:`.duedate.quote_lead_time` of ``Q' + W'`` ahead (gamma, exact
    Erlang for ``cd2 = 1`` and whole ``n``), so a planned lead time and a
    quote built from the same state are the same number. When the line
    receives more than it delivers, ``Q`` is the backlog and ``Q' / mu`` the
    time to clear it at the line's rate.

    Parameters
    ----------
    queue_units, wip_units : float or array_like
        Equivalent units queued ahead and in the line, >= 0.
    order_units : float or array_like
        The order's own equivalent units, > 0.
    throughput : float or array_like
        Line throughput ``mu`` at its cap (units per hour), > 0.
    cd2 : float or array_like, default 1.0
        SCV of the line's output, >= 0.
    service : float or array_like, default 0.9
        Probability for the quantile, in ``[0.5, 1)``.
    makeup_units : float or array_like, default 0
        Work the authorised make-up time not yet elapsed will do, >= 0.

    Returns
    -------
    dict of numpy.ndarray
        ``virtual_queue``, ``line_queue``, ``own`` (mean hours), ``mean``,
        ``variance`` (hours squared) and ``quantile`` (hours).

    Raises
    ------
    ValueError
        On NaN or negative inputs, ``throughput <= 0``, ``order_units <= 0``
        or ``service`` outside ``[0.5, 1)``.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., Waveland, 2008,
    ch. 14 (make-up time) and ch. 15 (due-date quoting with the output of a
    CONWIP line as Brownian motion).
    """
    queue = nonnegative("queue_units", queue_units)
    wip = nonnegative("wip_units", wip_units)
    own = positive("order_units", order_units)
    rate = positive("throughput", throughput)
    scv = nonnegative("cd2", cd2)
    level = probability("service", service)
    makeup = nonnegative("makeup_units", makeup_units)
    queue_left = np.maximum(queue - makeup, 0.0)
    wip_left = np.maximum(wip - np.maximum(makeup - queue, 0.0), 0.0)
    units = queue_left + wip_left + own
    return {
        "virtual_queue": queue_left / rate,
        "line_queue": wip_left / rate,
        "own": own / rate,
        "mean": units / rate,
        "variance": units * scv / rate**2,
        "quantile": np.asarray(
            duedate.quote_lead_time(
                queue_left + wip_left, rate, scv, level, order_units=own
            ),
            dtype=float,
        ),
    }
