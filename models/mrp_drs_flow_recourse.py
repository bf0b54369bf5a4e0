# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Recourse capacity of a DRS flow (Factory Physics ch. 15): the make-up
threshold, authorised make-up shifts, the capacity signals (re-optimise /
excess capacity) and the work ahead that due-date quotes wait behind."""

import logging
from collections import defaultdict
from datetime import timedelta

import numpy as np

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, float_compare, float_round

from odoo.addons.mrp_drs.engine import duedate, flowline

from .drs_client_action import notify_and_reload
from .mrp_drs_flow import OPEN_STATES, UNITS_DIGITS, run_isolated
from .mrp_drs_makeup_shift import MAKEUP_SHIFT_HOURS_MAX

_logger = logging.getLogger(__name__)

#: longest planned lead time of a flow (working hours): about five years of
#: one-shift working time
PLANNED_LEAD_TIME_MAX = 10_000.0

#: make-up shifts are near-term recourse: count those ending within this horizon
MAKEUP_HORIZON = timedelta(days=366)


class MrpDrsFlow(models.Model):
    _inherit = "mrp.drs.flow"

    planned_lead_time = fields.Float(
        "Planned lead time (working h)",
        default=40.0,
        digits="DRS Duration",
        tracking=True,
        help="Lead time the flow promises, virtual queue included, in working "
        "hours of its calendar. The make-up threshold is the longest queue for "
        "which quotes still meet it at the quote service level.",
    )
    quote_service_level = fields.Float(
        "Quote service level (%)",
        default=90.0,
        digits="DRS Percent",
        tracking=True,
        help="Probability that a quoted due date is met; also used for the "
        "make-up threshold. At least 50 % and below 100 %.",
    )
    makeup_threshold_auto = fields.Boolean(
        "Compute make-up threshold",
        default=True,
        help="Compute the threshold from the planned lead time, the cap, the "
        "throughput and its variability; clear to set it by hand.",
    )
    makeup_threshold = fields.Float(
        "Make-up threshold (equivalent units)",
        compute="_compute_makeup_threshold",
        store=True,
        readonly=False,
        digits="DRS Equivalent Units",
        tracking=True,
        help="Queued work above which a make-up shift is authorised, in the "
        "equivalent units the virtual queue counts: the largest queue whose "
        "quoted lead time (with the WIP at its cap) still fits the planned lead "
        "time (engine duedate.makeup_threshold).",
    )
    makeup_hours_per_shift = fields.Float(
        "Make-up shift (h)",
        default=4.0,
        digits="DRS Duration",
        help="Working hours of one make-up shift at each of the flow's "
        "workcenters. 0 disables make-up time.",
    )
    makeup_shifts_max = fields.Integer(
        "Make-up shifts per period (max)",
        default=1,
        help="Most make-up shifts the flow may work in one period (day). The "
        "make-up authorised for a period covers the queue above the threshold "
        "up to this many shifts.",
    )
    makeup_hours_max = fields.Float(
        "Maximum make-up per period (h)",
        compute="_compute_makeup_hours_max",
        digits="DRS Duration",
        help="Shifts per period x hours per shift.",
    )
    signal_window_days = fields.Integer(
        "Signal window (days)",
        default=20,
        help="Days over which make-up triggers and empty queues are counted, and "
        "over which the throughput is measured.",
    )
    makeup_trigger_limit = fields.Integer(
        "Make-up days tolerated",
        default=5,
        help="More days with the queue above the threshold in the window flag the "
        "flow 'Re-optimise capacity'.",
    )
    excess_empty_share = fields.Float(
        "Empty-queue days for excess (%)",
        default=50.0,
        digits="DRS Percent",
        help="From this share of the window's days with an empty queue, the flow "
        "is flagged 'Excess capacity'.",
    )
    capacity_signal = fields.Selection(
        [
            ("ok", "OK"),
            ("makeup", "Make-up authorised"),
            ("insufficient", "Make-up insufficient: re-optimise capacity"),
            ("reoptimize", "Re-optimise capacity"),
            ("excess", "Excess capacity"),
        ],
        "Capacity signal",
        default="ok",
        readonly=True,
        copy=False,
        tracking=True,
        help="OK: the queue is within the make-up threshold. Make-up authorised: "
        "the queue is above it and the make-up authorised for the period covers "
        "the excess. Make-up insufficient: even the maximum make-up per period "
        "leaves queued work above the threshold; quotes move out, re-optimise. "
        "Re-optimise: the queue went above the threshold on more days of the "
        "window than tolerated, or the flow receives more work than it "
        "delivers. Excess: the queue stayed empty on enough days of the window.",
    )
    makeup_required_hours = fields.Float(
        "Make-up needed (h)",
        digits="DRS Duration",
        readonly=True,
        copy=False,
        help="Hours at the flow's throughput that bring the queue of the last "
        "DRS run back to the make-up threshold.",
    )
    arrival_rate = fields.Float(
        "Work arriving (units/h)",
        digits="DRS Rate",
        readonly=True,
        copy=False,
        help="Equivalent units queued per working hour over the signal window, "
        "at the last DRS run. At or above the throughput the flow cannot keep "
        "up: re-optimise.",
    )
    signal_trigger_count = fields.Integer(
        "Make-up days in window", readonly=True, copy=False
    )
    signal_empty_count = fields.Integer(
        "Empty-queue days in window", readonly=True, copy=False
    )
    recourse_date = fields.Datetime("Last DRS run", readonly=True, copy=False)
    recourse_warning = fields.Char("DRS run warning", readonly=True, copy=False)
    makeup_shift_count = fields.Integer(
        "Make-up shifts", compute="_compute_recourse_counts"
    )
    due_date_quote_count = fields.Integer(
        "Due-date quotes", compute="_compute_recourse_counts"
    )

    @api.depends(
        "makeup_threshold_auto",
        "planned_lead_time",
        "wip_cap",
        "throughput",
        "throughput_cd2",
        "quote_service_level",
    )
    def _compute_makeup_threshold(self):
        flows = self.filtered(
            lambda flow: (
                flow.makeup_threshold_auto
                and flow.throughput > 0
                and flow.planned_lead_time >= 0
                and flow.wip_cap > 0
                and 50.0 <= flow.quote_service_level < 100.0
            )
        )
        (self - flows).filtered("makeup_threshold_auto").makeup_threshold = 0.0
        if not flows:
            return
        thresholds = duedate.makeup_threshold(
            np.array(flows.mapped("planned_lead_time")),
            np.array(flows.mapped("wip_cap")),
            np.array(flows.mapped("throughput")),
            np.array(flows.mapped("throughput_cd2")),
            np.array(flows.mapped("quote_service_level")) / 100.0,
        )
        for flow, threshold in zip(flows, np.atleast_1d(thresholds), strict=True):
            flow.makeup_threshold = float(threshold)

    lead_time_now_hours = fields.Float(
        "Quoted lead time (working h)",
        compute="_compute_lead_time_now",
        digits="DRS Duration",
        help="Due-date quote now for one equivalent unit behind the whole queue "
        "and WIP, less authorised make-up, at the quote service level.",
    )
    lead_time_now_queue_hours = fields.Float(
        "Virtual-queue wait (working h)",
        compute="_compute_lead_time_now",
        digits="DRS Duration",
    )
    lead_time_now_line_hours = fields.Float(
        "Queue at stations (working h)",
        compute="_compute_lead_time_now",
        digits="DRS Duration",
    )
    lead_time_now_own_hours = fields.Float(
        "Own work (working h)", compute="_compute_lead_time_now", digits="DRS Duration"
    )

    def _compute_lead_time_now(self):
        flows = self.filtered(
            lambda flow: (
                isinstance(flow.id, int) and 50.0 <= flow.quote_service_level < 100.0
            )
        )
        state = flows._drs_state_now(fields.Datetime.now()) if flows else {}
        for flow in self:
            row = state.get(flow.id)
            if not row or row["throughput"] <= 0:
                flow.update(
                    dict.fromkeys(
                        [
                            "lead_time_now_hours",
                            "lead_time_now_queue_hours",
                            "lead_time_now_line_hours",
                            "lead_time_now_own_hours",
                        ],
                        0.0,
                    )
                )
                continue
            parts = flow._drs_lead_time_now(row, 1.0, flow.quote_service_level / 100.0)
            flow.lead_time_now_hours = float(parts["quantile"])
            flow.lead_time_now_queue_hours = float(parts["virtual_queue"])
            flow.lead_time_now_line_hours = float(parts["line_queue"])
            flow.lead_time_now_own_hours = float(parts["own"])

    @api.depends("makeup_shifts_max", "makeup_hours_per_shift")
    def _compute_makeup_hours_max(self):
        for flow in self:
            flow.makeup_hours_max = flow.makeup_shifts_max * flow.makeup_hours_per_shift

    def _compute_recourse_counts(self):
        counts = {}
        for model, field in (
            ("mrp.drs.makeup.shift", "makeup_shift_count"),
            ("mrp.drs.due.date.quote", "due_date_quote_count"),
        ):
            rows = self.env[model]._read_group(
                [("flow_id", "in", self.ids)], ["flow_id"], ["__count"]
            )
            counts[field] = {flow.id: count for flow, count in rows}
        for flow in self:
            flow.makeup_shift_count = counts["makeup_shift_count"].get(flow.id, 0)
            flow.due_date_quote_count = counts["due_date_quote_count"].get(flow.id, 0)

    @api.constrains(
        "planned_lead_time",
        "quote_service_level",
        "makeup_threshold",
        "makeup_hours_per_shift",
        "makeup_shifts_max",
        "signal_window_days",
        "makeup_trigger_limit",
        "excess_empty_share",
    )
    def _check_recourse_settings(self):
        for flow in self:
            problems = []
            if not 0 <= flow.planned_lead_time <= PLANNED_LEAD_TIME_MAX:
                problems.append(
                    self.env._(
                        "the planned lead time is not between 0 and %(max)s working h",
                        max=int(PLANNED_LEAD_TIME_MAX),
                    )
                )
            if not 50.0 <= flow.quote_service_level < 100.0:
                problems.append(
                    self.env._("the quote service level is not in [50 %, 100 %)")
                )
            if flow.makeup_threshold < 0:
                problems.append(self.env._("the make-up threshold is negative"))
            if not 0 <= flow.makeup_hours_per_shift <= MAKEUP_SHIFT_HOURS_MAX:
                problems.append(
                    self.env._(
                        "the make-up shift is not between 0 and %(max)s h",
                        max=int(MAKEUP_SHIFT_HOURS_MAX),
                    )
                )
            if flow.makeup_shifts_max < 0:
                problems.append(
                    self.env._("the make-up shifts per period are negative")
                )
            if not 1 <= flow.signal_window_days <= 366:
                problems.append(
                    self.env._("the signal window is not between 1 and 366 days")
                )
            if not 0 <= flow.makeup_trigger_limit <= 366:
                problems.append(
                    self.env._("the tolerated make-up days are not between 0 and 366")
                )
            if not 0.0 < flow.excess_empty_share <= 100.0:
                problems.append(
                    self.env._("the empty-queue share is not in (0 %, 100 %]")
                )
            if problems:
                raise ValidationError(
                    self.env._(
                        "Flow %(flow)s: %(problems)s.",
                        flow=flow.display_name,
                        problems="; ".join(problems),
                    )
                )

    def action_run_recourse(self):
        """Button: measure throughput, check the queue against the make-up
        threshold, record the period's history and update the signals now."""
        self._drs_check_planner()
        self.check_access("write")
        shifts = self._drs_run_recourse()
        return notify_and_reload(
            self.env._("%(count)s make-up shift(s) authorised.", count=len(shifts)),
            "warning" if shifts else "info",
        )

    def action_view_history(self):
        return self._drs_action_for("mrp_drs.mrp_drs_flow_history_action")

    def action_open_quote_wizard(self):
        """Button: quote a due date for a product made in this flow."""
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "mrp_drs.mrp_drs_quote_wizard_action"
        )
        action["context"] = {"default_company_id": self.company_id.id}
        return action

    def action_view_makeup_shifts(self):
        return self._drs_action_for("mrp_drs.mrp_drs_makeup_shift_action")

    def action_view_due_date_quotes(self):
        return self._drs_action_for("mrp_drs.mrp_drs_due_date_quote_action")

    def _drs_required_makeup_hours(self, queue_units):
        """Hours at the flow's throughput that bring ``queue_units`` back to the
        make-up threshold (engine duedate.makeup_hours); 0 without throughput."""
        self.ensure_one()
        if self.throughput <= 0:
            return 0.0
        return duedate.makeup_hours(queue_units, self.makeup_threshold, self.throughput)

    def _drs_authorised_makeup_hours(self, queue_units):
        """Make-up hours to authorise for a period: those needed, up to the
        flow's maximum per period, rounded up to the shift's precision
        (hundredths of an hour) so that its window and its hours agree."""
        self.ensure_one()
        hours = min(self._drs_required_makeup_hours(queue_units), self.makeup_hours_max)
        return float_round(hours, precision_digits=2, rounding_method="UP")

    def _drs_work_ahead(self, production=None):
        """``(wip_units, queue_units)`` ahead of a new order, or of ``production``.

        A new order waits behind the WIP and the whole queue; a queued order
        behind the WIP and the queued orders the release walks before it
        (``_drs_queue_candidates``); a released order behind the rest of the
        WIP only.
        """
        self.ensure_one()
        status = self._get_wip_status()[self.id]
        wip, queue = status["wip"], status["queue_units"]
        if production and production.drs_flow_id == self:
            if production.drs_state == "released":
                return max(wip - production.drs_wip_units, 0.0), 0.0
            if production.drs_state == "queued":
                ahead = 0.0
                for production_id, units in self._drs_queue_candidates():
                    if production_id == production.id:
                        break
                    ahead += units
                return wip, ahead
        return wip, queue

    def _drs_state_now(self, now):
        """What a new order of each flow waits behind now, read set-wise:
        ``{flow_id: {"wip", "queue", "makeup_units" (equivalent units),
        "throughput" (units per working hour), "cd2", "source"}}``. Make-up
        units are the work the authorised make-up hours not yet elapsed do at
        the throughput. The throughput is the last DRS run's, estimated now
        for flows that never had one."""
        if not self:
            return {}
        status = self._get_wip_status()
        makeup = self.env["mrp.drs.makeup.shift"]._drs_hours_by_flow(
            self, now, now + MAKEUP_HORIZON
        )
        unmeasured = self.filtered(lambda flow: flow.throughput <= 0)
        estimates = unmeasured._drs_estimate_throughput(now) if unmeasured else {}
        state = {}
        for flow in self:
            if flow in unmeasured:
                rate, cd2, source = estimates[flow.id][:3]
            else:
                rate, cd2, source = (
                    flow.throughput,
                    flow.throughput_cd2,
                    flow.throughput_source,
                )
            state[flow.id] = {
                "wip": status[flow.id]["wip"],
                "queue": status[flow.id]["queue_units"],
                "makeup_units": rate * makeup.get(flow.id, 0.0),
                "throughput": rate,
                "cd2": cd2,
                "source": source,
            }
        return state

    def _drs_state_now_isolated(self, now):
        """:meth:`_drs_state_now` of these flows, set-wise; if that fails, flow
        by flow: a flow whose state cannot be read (absurd settings) is logged
        and left out, so that the others' lead times are still computed."""
        try:
            return self._drs_state_now(now)
        except (ValueError, ArithmeticError):
            if len(self) == 1:
                raise
        state = {}
        for flow in self:
            try:
                state.update(flow._drs_state_now(now))
            except (ValueError, ArithmeticError) as error:
                _logger.warning("DRS flow id %s: no state now: %s", flow.id, error)
        return state

    @api.model
    def _drs_lead_time_now(self, state, order_units, service, queue=None, wip=None):
        """Lead time by part of orders of ``order_units`` behind a flow state of
        :meth:`_drs_state_now` (engine ``flowline.lead_time_now``), in working
        hours; ``queue`` / ``wip`` override the work ahead (an order's own
        place in the queue). Arrays in, arrays out."""
        return flowline.lead_time_now(
            state["queue"] if queue is None else queue,
            state["wip"] if wip is None else wip,
            order_units,
            state["throughput"],
            state["cd2"],
            service,
            state["makeup_units"],
        )

    def _drs_queue_ages(self, now):
        """``{flow_id: (oldest, mean)}`` hours queued orders have waited."""
        self.env.cr.execute(
            SQL(
                """
                SELECT drs_flow_id,
                       MAX(EXTRACT(EPOCH FROM (%(now)s - drs_queue_date))) / 3600.0,
                       AVG(EXTRACT(EPOCH FROM (%(now)s - drs_queue_date))) / 3600.0
                  FROM mrp_production
                 WHERE drs_flow_id IN %(flows)s
                   AND drs_state = 'queued'
                   AND state IN %(open)s
                   AND drs_queue_date IS NOT NULL
                 GROUP BY drs_flow_id
                """,
                now=now,
                flows=tuple(self.ids),
                open=OPEN_STATES,
            )
        )
        return {
            flow_id: (max(oldest, 0.0), max(mean, 0.0))
            for flow_id, oldest, mean in self.env.cr.fetchall()
        }

    def _drs_run_recourse(self, now=None):
        """One DRS run over these flows at ``now`` (naive UTC, default now).

        Measures each flow's throughput (which recomputes automatic make-up
        thresholds), authorises a make-up shift for the period of every flow
        whose queued work is above its threshold and has none yet (planners get
        a To-Do activity), records the period's history row (upsert) and
        updates the capacity signals. Flows without throughput get a warning
        and no make-up. Data are read set-wise; writes are per flow (a handful
        of flows).

        :return: the make-up shifts authorised by this run
        """
        now = now or fields.Datetime.now()
        flows = self.filtered("active")
        Shift = self.env["mrp.drs.makeup.shift"]
        if not flows:
            return Shift
        estimates = flows._drs_estimate_throughput(now)
        arrival = flows._drs_arrival_rates(now)
        for flow in flows:
            rate, cd2, source, warning = estimates[flow.id]
            flow.write(
                {
                    "throughput": rate,
                    "throughput_cd2": cd2,
                    "throughput_source": source,
                    "arrival_rate": arrival.get(flow.id, 0.0),
                    "recourse_date": now,
                    "recourse_warning": warning or False,
                }
            )
        status = flows._get_wip_status()
        queue = {flow.id: status[flow.id]["queue_units"] for flow in flows}
        for flow in flows:
            required = flow._drs_required_makeup_hours(queue[flow.id])
            if float_compare(flow.makeup_required_hours, required, 6):
                flow.makeup_required_hours = required
        triggered = flows.filtered(
            lambda flow: (
                flow.throughput > 0
                and float_compare(
                    queue[flow.id], flow.makeup_threshold, precision_digits=UNITS_DIGITS
                )
                > 0
            )
        )
        shifts = Shift._drs_authorise(triggered, now, queue)
        periods = {flow.id: flow._drs_period_date(now) for flow in flows}
        bounds = {flow.id: flow._drs_period_bounds(periods[flow.id]) for flow in flows}
        completed = flows._drs_completed_units(bounds)
        ages = flows._drs_queue_ages(now)
        makeup = defaultdict(float)
        for shift in Shift.sudo().search_fetch(
            [
                ("flow_id", "in", flows.ids),
                ("state", "=", "authorised"),
                ("period_date", "in", list(set(periods.values()))),
            ],
            ["flow_id", "period_date", "hours"],
        ):
            if shift.period_date == periods[shift.flow_id.id]:
                makeup[shift.flow_id.id] += shift.hours
        self.env["mrp.drs.flow.history"]._drs_upsert(
            [
                {
                    "flow_id": flow.id,
                    "company_id": flow.company_id.id,
                    "period_date": periods[flow.id],
                    "queue_count": status[flow.id]["queue_count"],
                    "queue_units": queue[flow.id],
                    "queue_age_max": ages.get(flow.id, (0.0, 0.0))[0],
                    "queue_age_avg": ages.get(flow.id, (0.0, 0.0))[1],
                    "wip_units": status[flow.id]["wip"],
                    "wip_cap": flow.wip_cap,
                    "wip_ratio": 100.0 * status[flow.id]["wip"] / flow.wip_cap,
                    "throughput": flow.throughput,
                    "completed_units": completed.get(flow.id, 0.0),
                    "makeup_threshold": flow.makeup_threshold,
                    "makeup_triggered": flow in triggered,
                    "makeup_hours": makeup[flow.id],
                }
                for flow in flows
            ]
        )
        flows._drs_update_signals(periods)
        return shifts

    def _drs_update_signals(self, periods):
        """Capacity signal of each flow from its history over the signal window
        ending at its period (``periods``: ``{flow_id: date}``), by the engine's
        ``duedate.capacity_signal``. Days without history count as neither
        triggered nor empty. More than ``makeup_trigger_limit`` triggered days
        flag 're-optimise': the engine's share limit is set half a day above the
        limit so that the count, not a rounded share, decides."""
        if not self:
            return
        earliest = min(
            periods[flow.id] - timedelta(days=flow.signal_window_days - 1)
            for flow in self
        )
        days_by_flow = defaultdict(dict)
        for row in self.env["mrp.drs.flow.history"].search_fetch(
            [("flow_id", "in", self.ids), ("period_date", ">=", earliest)],
            ["flow_id", "period_date", "makeup_triggered", "queue_empty"],
        ):
            days_by_flow[row.flow_id.id][row.period_date] = (
                row.makeup_triggered,
                row.queue_empty,
            )
        for flow in self:
            window = [
                periods[flow.id] - timedelta(days=offset)
                for offset in range(flow.signal_window_days)
            ]
            days = days_by_flow[flow.id]
            triggered = np.array([days.get(day, (False, False))[0] for day in window])
            empty = np.array([days.get(day, (False, False))[1] for day in window])
            signal = duedate.capacity_signal(
                triggered,
                empty,
                max_trigger_share=min(
                    (flow.makeup_trigger_limit + 0.5) / flow.signal_window_days, 1.0
                ),
                min_empty_share=flow.excess_empty_share / 100.0,
            )
            signal = flow._drs_queue_signal(signal)
            vals = {
                "capacity_signal": signal,
                "signal_trigger_count": int(triggered.sum()),
                "signal_empty_count": int(empty.sum()),
            }
            if any(flow[name] != value for name, value in vals.items()):
                flow.write(vals)

    def _drs_queue_signal(self, history_signal):
        """The capacity signal given the queue of the last run: a queue above
        the threshold is never 'ok': 'makeup' when the maximum make-up per
        period covers the excess, else 'insufficient'; a flow fed at or above
        its throughput, or with more make-up days than tolerated
        (``history_signal``), is 're-optimise'."""
        self.ensure_one()
        overloaded = 0 < self.throughput <= self.arrival_rate
        if self.makeup_required_hours > self.makeup_hours_max + 1e-9:
            return "insufficient"
        if overloaded or history_signal == "reoptimize":
            return "reoptimize"
        if self.makeup_required_hours > 0:
            return "makeup"
        return history_signal

    @api.model
    def _cron_drs_recourse(self):
        """Hourly DRS run of all active flows, company by company: throughput,
        make-up shifts, history and capacity signals. A flow without working
        time or stations is flagged (``recourse_warning``), not fatal."""
        flows = self.sudo().search([("active", "=", True)])
        for company, company_flows in flows.grouped("company_id").items():
            run_isolated(company_flows.with_company(company), "_drs_run_recourse")
        return True
