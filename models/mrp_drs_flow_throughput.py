# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Throughput of a DRS flow: measured from the orders it completed, or
estimated from its line model (stations, shares of work, variability) before
it has history; its throughput-versus-WIP curves."""

from collections import defaultdict, namedtuple
from datetime import timedelta

import numpy as np
import pytz

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.mrp_drs.engine import flowline

from .mrp_drs_flow import OPEN_STATES

#: orders a flow must have completed in its window before its throughput is
MIN_COMPLETIONS = 5


def _work_hours_by_day(calendar, start, end):
    """Working hours of ``calendar`` (global leaves excluded) between the naive
    UTC datetimes ``start`` and ``end``, by day in the calendar's timezone:
    ``{date: hours}`` (empty without a calendar)."""
    if not calendar:
        return {}
    intervals = calendar._work_intervals_batch(
        pytz.utc.localize(start), pytz.utc.localize(end)
    )[False]
    hours = defaultdict(float)
    for interval_start, interval_stop, _meta in intervals:
        hours[interval_start.date()] += (
            interval_stop - interval_start
        ).total_seconds() / 3600.0
    return dict(hours)


#: a flow as the engine's line: ``line`` (engine ``flowline.FlowLine``), the
#: ``workcenter_ids`` of its stations in the line's order, and the id of its
#: ``bottleneck`` workcenter
FlowModel = namedtuple("FlowModel", ["line", "workcenter_ids", "bottleneck"])


def _duration_scv(row):
    """SCV of actual / expected work-order duration from a ``(minutes, mean,
    variance)`` row of :meth:`MrpDrsFlow._drs_flow_lines`; 1 (exponential)
    without two done work orders."""
    if not row or not row[1] or row[2] is None:
        return 1.0
    return row[2] / row[1] ** 2


class MrpDrsFlow(models.Model):
    _inherit = "mrp.drs.flow"

    throughput = fields.Float(
        "Throughput (units/h)",
        digits="DRS Rate",
        readonly=True,
        copy=False,
        help="Equivalent units per working hour: work of the orders completed in "
        "the window divided by the working hours of the flow's calendar in it; "
        "before any completion, the practical worst case at the cap. Updated by "
        "each DRS run.",
    )
    throughput_cd2 = fields.Float(
        "Output variability (SCV)",
        default=1.0,
        digits="DRS Variability",
        readonly=True,
        copy=False,
        help="Squared coefficient of variation of the flow's output, estimated "
        "from the dispersion of its daily output (1 without history).",
    )
    throughput_source = fields.Selection(
        [
            ("history", "Completed orders"),
            ("capacity", "Capacity (practical worst case at the cap)"),
            ("none", "Not available"),
        ],
        "Throughput from",
        readonly=True,
        copy=False,
    )

    def action_view_throughput_curve(self):
        """Button: recompute this flow's throughput-versus-WIP curves and show
        them against its best, practical worst and worst cases."""
        self.ensure_one()
        self.env["mrp.drs.flow.curve"]._drs_refresh(self)
        action = self._drs_action_for("mrp_drs.mrp_drs_flow_curve_action")
        action["name"] = action["display_name"] = self.env._(
            "Throughput vs WIP: %(flow)s", flow=self.display_name
        )
        return action

    @api.model
    def action_open_throughput_curves(self):
        """Menu: recompute the curves of all active flows and show them."""
        flows = self.search([("active", "=", True)])
        self.env["mrp.drs.flow.curve"]._drs_refresh(flows)
        return self.env["ir.actions.actions"]._for_xml_id(
            "mrp_drs.mrp_drs_flow_curve_action"
        )

    def _drs_flow_lines(self, now):
        """Each flow as the engine's CONWIP line (``flowline.FlowLine``), per
        equivalent unit. The one extraction every DRS feature uses.

        A workcenter's share of the work is its share of the expected minutes of
        the flow's open orders and of those done in the signal window (equal
        shares without any order); times the standard work content it gives
        the effective hours per unit ``t_j``. Odoo 18's expected durations
        already contain the workcenter's time efficiency and its capacity
        (``default_capacity`` is a batch size: cycles = quantity / capacity,
        and Odoo plans one work order at a time per workcenter), so ``t_j`` is
        not divided again and each station is one server. Process variability
        ``ce2`` per station is the squared coefficient of variation of actual /
        expected duration of its done work orders (1 with fewer than two).
        Workcenters without a share of the work are left out. One query.

        :return: ``{flow_id: FlowModel(line, workcenter_ids, bottleneck)}``
        """
        flows = self.filtered("workcenter_ids")
        if not flows:
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT p.drs_flow_id, w.workcenter_id, SUM(w.duration_expected),
                       AVG(w.duration / w.duration_expected)
                           FILTER (WHERE w.state = 'done' AND w.duration > 0
                                   AND w.duration_expected > 0),
                       VAR_SAMP(w.duration / w.duration_expected)
                           FILTER (WHERE w.state = 'done' AND w.duration > 0
                                   AND w.duration_expected > 0)
                  FROM mrp_workorder w
                  JOIN mrp_production p ON p.id = w.production_id
                  JOIN mrp_drs_flow f ON f.id = p.drs_flow_id
                  JOIN mrp_drs_flow_workcenter_rel r
                    ON r.flow_id = f.id AND r.workcenter_id = w.workcenter_id
                 WHERE f.id IN %(flows)s
                   AND p.drs_state IS NOT NULL
                   AND w.state != 'cancel'
                   AND (p.state IN %(open)s
                        OR (p.state = 'done'
                            AND p.date_finished
                                > %(now)s - f.signal_window_days * INTERVAL '1 day'))
                 GROUP BY p.drs_flow_id, w.workcenter_id
                """,
                flows=tuple(flows.ids),
                open=OPEN_STATES,
                now=now,
            )
        )
        observed = {
            (flow_id, workcenter_id): (minutes, mean, variance)
            for flow_id, workcenter_id, minutes, mean, variance in (
                self.env.cr.fetchall()
            )
        }
        models = {}
        for flow in flows:
            workcenter_ids = flow.workcenter_ids.sorted("id").ids
            minutes = np.array(
                [
                    observed.get((flow.id, wc_id), (0.0,))[0] or 0.0
                    for wc_id in workcenter_ids
                ]
            )
            if minutes.sum() <= 0:
                minutes = np.ones(len(workcenter_ids))
            busy = minutes > 0
            stations = [
                wc_id for wc_id, used in zip(workcenter_ids, busy, strict=True) if used
            ]
            line = flowline.FlowLine(
                te=minutes[busy] / minutes.sum() * flow.standard_work_hours,
                servers=1,
                ce2=np.array(
                    [
                        _duration_scv(observed.get((flow.id, wc_id)))
                        for wc_id in stations
                    ]
                ),
            )
            models[flow.id] = FlowModel(line, stations, stations[line.bottleneck])
        return models

    def _drs_estimate_throughput(self, now):
        """Throughput and output variability of each flow over its window.

        Engine ``flowline.throughput_moments`` of the equivalent units done
        each day of the last ``signal_window_days`` days and the working hours
        of the flow's calendar on those days (Brownian output model). With fewer than
        ``MIN_COMPLETIONS`` orders done in the window (too few to measure):
        the practical worst case at the cap (Factory Physics ch. 7) of the
        flow's line (:meth:`_drs_flow_lines`), ``cd2 = 1``, source
        ``capacity``; without working time or stations: 0, source ``none``.

        :return: ``{flow_id: (throughput, cd2, source, warning or None)}``
        """
        if not self:
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT p.drs_flow_id, date_trunc('hour', p.date_finished),
                       SUM(COALESCE(p.drs_wip_units, 0)), COUNT(*)
                  FROM mrp_production p
                  JOIN mrp_drs_flow f ON f.id = p.drs_flow_id
                 WHERE f.id IN %(flows)s
                   AND p.state = 'done'
                   AND p.drs_state IS NOT NULL
                   AND p.date_finished <= %(now)s
                   AND p.date_finished
                       > %(now)s - f.signal_window_days * INTERVAL '1 day'
                 GROUP BY 1, 2
                """,
                flows=tuple(self.ids),
                now=now,
            )
        )
        done_by_hour = defaultdict(list)
        done_count = defaultdict(int)
        for flow_id, hour, units, count in self.env.cr.fetchall():
            done_by_hour[flow_id].append((hour, units))
            done_count[flow_id] += count
        lines = None
        estimates = {}
        hours_cache = {}
        for flow in self:
            calendar = flow._drs_reference_calendar()
            start = now - timedelta(days=flow.signal_window_days)
            key = (calendar.id, start)
            if key not in hours_cache:
                hours_cache[key] = _work_hours_by_day(calendar, start, now)
            hours_by_day = hours_cache[key]
            tz = flow._drs_timezone()
            units_by_day = defaultdict(float)
            for hour, units in done_by_hour.get(flow.id, []):
                day = pytz.utc.localize(hour).astimezone(tz).date()
                units_by_day[day] += units
            days = sorted(set(hours_by_day) | set(units_by_day))
            rate, cd2 = flowline.throughput_moments(
                [units_by_day.get(day, 0.0) for day in days],
                [hours_by_day.get(day, 0.0) for day in days],
            )
            if done_count[flow.id] >= MIN_COMPLETIONS and rate > 0:
                estimates[flow.id] = (rate, cd2, "history", None)
                continue
            if lines is None:
                lines = self._drs_flow_lines(now)
            model = lines.get(flow.id)
            if not model:
                estimates[flow.id] = (
                    0.0,
                    1.0,
                    "none",
                    self.env._("no workcenter to estimate a throughput from"),
                )
                continue
            rate, _cycle_time = model.line.practical_worst_case(max(flow.wip_cap, 1.0))
            estimates[flow.id] = (float(rate), 1.0, "capacity", None)
        return estimates

    def _drs_arrival_rates(self, now):
        """Equivalent units queued per working hour over each flow's signal
        window (orders queued in it, cancelled ones left out), the rate the
        flow must deliver: ``{flow_id: units per working hour}`` (0 without
        working time). One query."""
        if not self:
            return {}
        self.env["mrp.production"].flush_model(
            ["drs_flow_id", "drs_queue_date", "drs_wip_units", "state"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT p.drs_flow_id, SUM(COALESCE(p.drs_wip_units, 0))
                  FROM mrp_production p
                  JOIN mrp_drs_flow f ON f.id = p.drs_flow_id
                 WHERE f.id IN %(flows)s
                   AND p.state != 'cancel'
                   AND p.drs_queue_date <= %(now)s
                   AND p.drs_queue_date
                       > %(now)s - f.signal_window_days * INTERVAL '1 day'
                 GROUP BY p.drs_flow_id
                """,
                flows=tuple(self.ids),
                now=now,
            )
        )
        queued = dict(self.env.cr.fetchall())
        hours_cache, rates = {}, {}
        for flow in self:
            calendar = flow._drs_reference_calendar()
            start = now - timedelta(days=flow.signal_window_days)
            key = (calendar.id, start)
            if key not in hours_cache:
                hours_cache[key] = sum(
                    _work_hours_by_day(calendar, start, now).values()
                )
            hours = hours_cache[key]
            rates[flow.id] = queued.get(flow.id, 0.0) / hours if hours > 0 else 0.0
        return rates

    def _drs_completed_units(self, bounds):
        """Equivalent units done in each flow's period: ``bounds`` maps flow ids
        to naive UTC ``(start, end)``; returns ``{flow_id: units}``."""
        if not bounds:
            return {}
        periods = SQL(", ").join(
            SQL("(%s, %s::timestamp, %s::timestamp)", flow_id, start, end)
            for flow_id, (start, end) in bounds.items()
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT b.flow_id, SUM(COALESCE(p.drs_wip_units, 0))
                  FROM (VALUES %s) AS b (flow_id, date_from, date_to)
                  JOIN mrp_production p
                    ON p.drs_flow_id = b.flow_id
                   AND p.state = 'done'
                   AND p.drs_state IS NOT NULL
                   AND p.date_finished >= b.date_from
                   AND p.date_finished < b.date_to
                 GROUP BY b.flow_id
                """,
                periods,
            )
        )
        return dict(self.env.cr.fetchall())
