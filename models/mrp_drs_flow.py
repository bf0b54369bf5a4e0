# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""CONWIP loops (DRS flows) and the release of manufacturing orders from their
virtual queue.

A flow is a CONWIP loop over a set of workcenters (Hopp & Spearman, *Factory
Physics*, ch. 10): confirmed manufacturing orders whose routing runs through the
flow wait in its virtual queue and are released, in queue order, while the
work-in-process of the loop stays within its cap. WIP is counted in equivalent
units (Spearman, Woodruff & Hopp 1990): an order's hours at the flow's
workcenters divided by the flow's standard work content, so that orders with
routings of different length share one cap.
"""

from collections import defaultdict
from datetime import datetime, time, timedelta

import numpy as np
import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, float_compare

from odoo.addons.mrp_drs.engine import conwip, duedate, heijunka

#: precision used when comparing equivalent WIP units with the cap
UNITS_DIGITS = 6

#: manufacturing order states in which an order still occupies (or waits for) the line
OPEN_STATES = ("confirmed", "progress", "to_close")

#: orders a flow must have completed in its window before its throughput is
#: measured from them rather than estimated from capacity (issue 6)
MIN_COMPLETIONS = 5


def release_fits(wip, units, cap, in_process):
    """Whether an order of ``units`` equivalent units may enter a loop holding
    ``wip`` units with ``in_process`` released orders under ``cap``.

    It fits if ``wip + units <= cap``. An order larger than the whole cap never
    fits, so it is let in alone: when no order is in process and the loop is
    below its cap.
    """
    if float_compare(wip + units, cap, precision_digits=UNITS_DIGITS) <= 0:
        return True
    return (
        not in_process
        and float_compare(units, cap, precision_digits=UNITS_DIGITS) > 0
        and float_compare(wip, cap, precision_digits=UNITS_DIGITS) < 0
    )


# Heijunka (issue 7)
#: order fields a levelled release reads with SQL
LEVELLED_QUEUE_FIELDS = [
    "drs_flow_id",
    "drs_state",
    "state",
    "product_id",
    "drs_wip_units",
    "priority",
    "date_deadline",
    "date_finished",
    "date_start",
    "drs_queue_date",
]


def levelled_release_order(queued, in_process, now):
    """Order in which a levelled release walks a virtual queue.

    ``queued`` lists ``(production_id, units, product_id, latest_start)`` in queue
    order (``latest_start``: deadline minus the order's scheduled duration, or
    None); ``in_process`` maps product ids to their count of released, open
    orders. One order counts as one unit of its product.

    The engine's goal-chasing sequence (``heijunka.levelled_sequence``) runs over
    in-process + queued orders per product; the in-process ones are due in the
    first slots, so the chase continues from the loop's content instead of
    restarting at every release run. Queued orders whose latest start has come
    are due right after them, in order of latest start: they are released
    first. Within a product, orders keep that urgency, then queue, order. Ties
    between products go to the one first in the queue.

    :return: ``[(production_id, units)]`` in release order
    """
    urgent = sorted(
        (row for row in queued if row[3] is not None and row[3] <= now),
        key=lambda row: row[3],
    )
    urgent_rank = {row[0]: rank for rank, row in enumerate(urgent)}
    by_product = defaultdict(list)
    for row in sorted(queued, key=lambda row: urgent_rank.get(row[0], len(queued))):
        by_product[row[2]].append(row)
    products = list(dict.fromkeys([row[2] for row in queued] + sorted(in_process)))
    prefix = sum(in_process.values())
    quantities = [in_process.get(pid, 0) + len(by_product[pid]) for pid in products]
    # in-process orders are due by the last slot of the prefix, urgent ones after
    latest = [
        [prefix - 1] * in_process.get(pid, 0)
        + [
            prefix + urgent_rank[row[0]]
            for row in by_product[pid]
            if row[0] in urgent_rank
        ]
        for pid in products
    ]
    sequence = heijunka.levelled_sequence(quantities, latest_position=latest)
    made = defaultdict(int)
    order = []
    for index in sequence:
        product_id = products[int(index)]
        position = made[product_id] - in_process.get(product_id, 0)
        made[product_id] += 1
        if position >= 0:
            production_id, units = by_product[product_id][position][:2]
            order.append((production_id, units))
    return order


# Recourse and due dates (issue 6)
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


def _duration_scv(row):
    """SCV of actual / expected work-order duration from a ``(minutes, mean,
    variance)`` row of :meth:`MrpDrsFlow._drs_line_model`; 1 (exponential)
    without two done work orders."""
    if not row or not row[1] or row[2] is None:
        return 1.0
    return row[2] / row[1] ** 2


class MrpDrsFlow(models.Model):
    _name = "mrp.drs.flow"
    _description = "DRS flow (CONWIP loop)"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    workcenter_ids = fields.Many2many(
        "mrp.workcenter",
        "mrp_drs_flow_workcenter_rel",
        "flow_id",
        "workcenter_id",
        string="Workcenters",
        check_company=True,
        help="Workcenters of the loop. A manufacturing order belongs to the flow "
        "in which its operations spend the most expected time.",
    )
    wip_cap = fields.Float(
        "WIP cap (equivalent units)",
        default=10.0,
        digits=(16, 2),
        tracking=True,
        help="Largest work-in-process the loop may hold, in equivalent units. An "
        "order is released from the virtual queue only while the current WIP plus "
        "its own units stays within this cap.",
    )
    loop_type = fields.Selection(
        [("bottleneck", "Bottleneck"), ("non_bottleneck", "Non-bottleneck")],
        required=True,
        default="bottleneck",
        tracking=True,
        help="Bottleneck loops count the WIP of released orders only. Non-bottleneck "
        "loops count that WIP plus the on-hand stock of the flow's products (in "
        "equivalent units), so that they do not build stock ahead of demand.",
    )
    standard_work_hours = fields.Float(
        "Standard work content (h)",
        default=1.0,
        digits=(16, 4),
        tracking=True,
        help="Work content of one equivalent WIP unit, in hours at the flow's "
        "workcenters. An order's WIP units are its expected hours at these "
        "workcenters divided by this value.",
    )
    release_order = fields.Selection(
        [
            ("date_deadline", "Earliest need date"),
            ("date_start", "Earliest scheduled start"),
            ("priority", "Priority, then need date"),
            ("fifo", "Queue date (first in, first out)"),
        ],
        required=True,
        default="date_deadline",
        tracking=True,
        help="Order in which queued manufacturing orders are released. The need "
        "date is the order's deadline, else its scheduled end.",
    )
    release_seq = fields.Integer(
        "Release runs",
        readonly=True,
        copy=False,
        help="Incremented by every release run; the update serialises concurrent "
        "releases of the same flow.",
    )
    last_release_date = fields.Datetime("Last release run", readonly=True, copy=False)
    wip = fields.Float(
        "Current WIP (equivalent units)",
        compute="_compute_wip_status",
        digits=(16, 2),
        help="Equivalent units of released orders not yet done, plus the stock of "
        "the flow's products for non-bottleneck loops.",
    )
    wip_ratio = fields.Float(
        "WIP vs cap (%)", compute="_compute_wip_status", digits=(16, 1)
    )
    released_count = fields.Integer("Released orders", compute="_compute_wip_status")
    queue_count = fields.Integer("Queued orders", compute="_compute_wip_status")
    queue_units = fields.Float(
        "Queued work (equivalent units)",
        compute="_compute_wip_status",
        digits=(16, 2),
    )

    # --- Heijunka (issue 7): plan per period and levelled release ---------------
    heijunka_period_type = fields.Selection(
        [("day", "Day"), ("week", "Week")],
        "Heijunka period",
        required=True,
        default="week",
        help="Length of the periods of the heijunka plan (takt time and quotas).",
    )
    heijunka_horizon = fields.Integer(
        "Heijunka horizon (periods)",
        default=4,
        help="Number of periods, from the current one, over which the demand of "
        "the flow's orders is levelled into quotas.",
    )
    heijunka_workcenter_id = fields.Many2one(
        "mrp.workcenter",
        "Pacemaker workcenter",
        check_company=True,
        domain="[('id', 'in', workcenter_ids)]",
        help="Workcenter whose working time sets the flow's available time and "
        "takt. Empty: the flow's workcenter with the highest load per available "
        "hour.",
    )
    levelled_release = fields.Boolean(
        "Levelled release",
        tracking=True,
        help="Release the virtual queue in a levelled mixed-model sequence "
        "(goal chasing over products, one order = one unit, continuing from the "
        "orders in process) instead of strict queue order. An order whose latest "
        "start (deadline minus its scheduled duration) has come is released "
        "first, earliest latest start first. The WIP cap applies as always.",
    )
    heijunka_period_ids = fields.One2many(
        "mrp.drs.heijunka.period", "flow_id", "Heijunka periods", readonly=True
    )
    heijunka_date = fields.Datetime("Heijunka computed on", readonly=True, copy=False)
    heijunka_warning = fields.Char(readonly=True, copy=False)
    heijunka_takt_time = fields.Float(
        "Takt time (min/unit)",
        compute="_compute_heijunka_figures",
        digits=(16, 2),
        help="Available minutes of the pacemaker over the horizon's current and "
        "coming periods divided by the units needed in them.",
    )
    heijunka_quota_qty = fields.Integer(
        "Quota this period (units)", compute="_compute_heijunka_figures"
    )
    heijunka_actual_qty = fields.Float(
        "Output this period (units)",
        compute="_compute_heijunka_figures",
        digits="Product Unit of Measure",
    )
    # --- end of heijunka fields --------------------------------------------------

    # --- Recourse capacity, signals and due-date quoting (issue 6) -------------
    planned_lead_time = fields.Float(
        "Planned lead time (working h)",
        default=40.0,
        digits=(16, 2),
        tracking=True,
        help="Lead time the flow promises, virtual queue included, in working "
        "hours of its calendar. The make-up threshold is the longest queue for "
        "which quotes still meet it at the quote service level.",
    )
    quote_service_level = fields.Float(
        "Quote service level (%)",
        default=90.0,
        digits=(16, 1),
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
        digits=(16, 2),
        tracking=True,
        help="Queued work above which a make-up shift is authorised, in the "
        "equivalent units the virtual queue counts: the largest queue whose "
        "quoted lead time (with the WIP at its cap) still fits the planned lead "
        "time (engine duedate.makeup_threshold).",
    )
    makeup_hours_per_shift = fields.Float(
        "Make-up shift (h)",
        default=4.0,
        digits=(16, 2),
        help="Extra working hours a make-up shift adds at each of the flow's "
        "workcenters; at most one shift per day. 0 disables make-up time.",
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
        digits=(16, 1),
        help="From this share of the window's days with an empty queue, the flow "
        "is flagged 'Excess capacity'.",
    )
    throughput = fields.Float(
        "Throughput (units/h)",
        digits=(16, 4),
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
        digits=(16, 3),
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
    capacity_signal = fields.Selection(
        [
            ("ok", "OK"),
            ("reoptimize", "Re-optimise capacity"),
            ("excess", "Excess capacity"),
        ],
        "Capacity signal",
        default="ok",
        readonly=True,
        copy=False,
        tracking=True,
        help="Re-optimise: the queue went above the make-up threshold on more "
        "days of the window than tolerated. Excess: the queue stayed empty on "
        "enough days of the window.",
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
    # --- end of recourse fields --------------------------------------------------

    # ------------------------------------------------------------------ computes
    @api.depends("wip_cap", "loop_type", "standard_work_hours", "workcenter_ids")
    def _compute_wip_status(self):
        flows = self.filtered("id")
        status = flows._get_wip_status()
        for flow in self:
            row = status.get(flow.id, {})
            flow.wip = row.get("wip", 0.0)
            flow.released_count = row.get("released_count", 0)
            flow.queue_count = row.get("queue_count", 0)
            flow.queue_units = row.get("queue_units", 0.0)
            flow.wip_ratio = (
                100.0 * flow.wip / flow.wip_cap if flow.wip_cap > 0 else 0.0
            )

    # Heijunka (issue 7)
    def _compute_heijunka_figures(self):
        now = fields.Datetime.now()
        periods = self.env["mrp.drs.heijunka.period"].search_fetch(
            [("flow_id", "in", self.ids), ("datetime_stop", ">", now)],
            [
                "flow_id",
                "datetime_start",
                "available_hours",
                "demand_qty",
                "quota_qty",
                "actual_qty",
            ],
        )
        hours, demand, current = defaultdict(float), defaultdict(float), {}
        for period in periods:
            flow_id = period.flow_id.id
            hours[flow_id] += period.available_hours
            demand[flow_id] += period.demand_qty
            if period.datetime_start <= now:
                current[flow_id] = (period.quota_qty, period.actual_qty)
        for flow in self:
            flow.heijunka_takt_time = (
                heijunka.takt_time(60.0 * hours[flow.id], demand[flow.id])
                if demand[flow.id] > 0
                else 0.0
            )
            flow.heijunka_quota_qty, flow.heijunka_actual_qty = current.get(
                flow.id, (0, 0.0)
            )

    # Recourse and due dates (issue 6)
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

    # --------------------------------------------------------------- constraints
    @api.constrains("wip_cap")
    def _check_wip_cap(self):
        for flow in self:
            if float_compare(flow.wip_cap, 0.0, precision_digits=UNITS_DIGITS) <= 0:
                raise ValidationError(
                    self.env._(
                        "The WIP cap of flow %(flow)s must be positive (got %(cap)s).",
                        flow=flow.display_name,
                        cap=flow.wip_cap,
                    )
                )

    @api.constrains("standard_work_hours")
    def _check_standard_work_hours(self):
        for flow in self:
            if float_compare(flow.standard_work_hours, 0.0, precision_digits=6) <= 0:
                raise ValidationError(
                    self.env._(
                        "The standard work content of flow %(flow)s must be a "
                        "positive number of hours (got %(hours)s).",
                        flow=flow.display_name,
                        hours=flow.standard_work_hours,
                    )
                )

    # "company_id" always has a value at creation, so this also runs for flows
    # created without any workcenter.
    @api.constrains("workcenter_ids", "company_id", "active")
    def _check_workcenters(self):
        for flow in self:
            if not flow.workcenter_ids:
                raise ValidationError(
                    self.env._(
                        "Flow %(flow)s has no workcenter: add the workcenters of "
                        "the loop.",
                        flow=flow.display_name,
                    )
                )
        active_flows = self.filtered("active")
        if not active_flows:
            return
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT mine.flow_id, other.flow_id, mine.workcenter_id
                  FROM mrp_drs_flow_workcenter_rel mine
                  JOIN mrp_drs_flow_workcenter_rel other
                    ON other.workcenter_id = mine.workcenter_id
                   AND other.flow_id != mine.flow_id
                  JOIN mrp_drs_flow other_flow
                    ON other_flow.id = other.flow_id AND other_flow.active
                 WHERE mine.flow_id IN %s
                 ORDER BY mine.flow_id, other.flow_id, mine.workcenter_id
                 LIMIT 1
                """,
                tuple(active_flows.ids),
            )
        )
        clash = self.env.cr.fetchone()
        if clash:
            flow, other, workcenter = (
                self.browse(clash[0]).sudo(),
                self.browse(clash[1]).sudo(),
                self.env["mrp.workcenter"].browse(clash[2]).sudo(),
            )
            raise ValidationError(
                self.env._(
                    "Workcenter %(workcenter)s cannot be in both flows %(flow)s and "
                    "%(other)s: a workcenter belongs to one active flow only.",
                    workcenter=workcenter.display_name,
                    flow=flow.display_name,
                    other=other.display_name,
                )
            )

    # Heijunka (issue 7)
    @api.constrains("heijunka_horizon", "heijunka_workcenter_id", "workcenter_ids")
    def _check_heijunka(self):
        for flow in self:
            if not 1 <= flow.heijunka_horizon <= 366:
                raise ValidationError(
                    self.env._(
                        "The heijunka horizon of flow %(flow)s must be between 1 "
                        "and 366 periods (got %(periods)s).",
                        flow=flow.display_name,
                        periods=flow.heijunka_horizon,
                    )
                )
            pacemaker = flow.heijunka_workcenter_id
            if pacemaker and pacemaker not in flow.workcenter_ids:
                raise ValidationError(
                    self.env._(
                        "The pacemaker %(workcenter)s of flow %(flow)s must be one "
                        "of its workcenters.",
                        workcenter=pacemaker.display_name,
                        flow=flow.display_name,
                    )
                )

    # Recourse and due dates (issue 6)
    @api.constrains(
        "planned_lead_time",
        "quote_service_level",
        "makeup_threshold",
        "makeup_hours_per_shift",
        "signal_window_days",
        "makeup_trigger_limit",
        "excess_empty_share",
    )
    def _check_recourse_settings(self):
        for flow in self:
            problems = []
            if flow.planned_lead_time < 0:
                problems.append(self.env._("the planned lead time is negative"))
            if not 50.0 <= flow.quote_service_level < 100.0:
                problems.append(
                    self.env._("the quote service level is not in [50 %, 100 %)")
                )
            if flow.makeup_threshold < 0 or flow.makeup_hours_per_shift < 0:
                problems.append(
                    self.env._("the make-up threshold or shift hours are negative")
                )
            if not 1 <= flow.signal_window_days <= 366:
                problems.append(
                    self.env._("the signal window is not between 1 and 366 days")
                )
            if flow.makeup_trigger_limit < 0:
                problems.append(self.env._("the tolerated make-up days are negative"))
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

    # ---------------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        flows = super().create(vals_list)
        flows._sync_open_productions(flows.workcenter_ids)
        return flows

    def write(self, vals):
        if vals.get("active") is False:
            self._check_no_queued_orders()
        old_workcenters = (
            self.workcenter_ids if {"workcenter_ids", "active"} & set(vals) else None
        )
        res = super().write(vals)
        if old_workcenters is not None:
            self._sync_open_productions(old_workcenters | self.workcenter_ids)
        if {"wip_cap", "loop_type", "standard_work_hours", "workcenter_ids"} & set(
            vals
        ) or vals.get("active"):
            self.filtered("active")._release_from_queue()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_orders(self):
        productions = (
            self.env["mrp.production"]
            .sudo()
            .search([("drs_flow_id", "in", self.ids)], limit=1)
        )
        if productions:
            raise UserError(
                self.env._(
                    "Flow %(flow)s has manufacturing orders; archive it instead of "
                    "deleting it.",
                    flow=productions.drs_flow_id.display_name,
                )
            )

    # ------------------------------------------------------------------- actions
    def action_compute_standard_work(self):
        """Set the standard work content to the mean hours per unit of the flow's
        products, taken from their bills of materials' operations at the flow's
        workcenters."""
        hours_by_flow = self._get_product_work_hours()
        for flow in self:
            hours = list(hours_by_flow.get(flow.id, {}).values())
            hours = [value for value in hours if value > 0]
            if not hours:
                raise UserError(
                    self.env._(
                        "Flow %(flow)s has no bill of materials with operations "
                        "at its workcenters: the standard work content cannot be "
                        "computed from them.",
                        flow=flow.display_name,
                    )
                )
            flow.standard_work_hours = sum(hours) / len(hours)
        return True

    def action_view_queue(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "mrp_drs.mrp_production_drs_queue_action"
        )
        action["domain"] = [
            ("drs_flow_id", "=", self.id),
            ("drs_state", "=", "queued"),
            ("state", "in", OPEN_STATES),
        ]
        action["context"] = {"search_default_group_by_drs_flow": False}
        return action

    def action_view_released(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "mrp_drs.mrp_production_drs_queue_action"
        )
        action["name"] = self.env._("Released orders")
        action["domain"] = [
            ("drs_flow_id", "=", self.id),
            ("drs_state", "=", "released"),
            ("state", "in", OPEN_STATES),
        ]
        action["context"] = {"search_default_group_by_drs_flow": False}
        return action

    def action_release_now(self):
        """Button: run a release of the virtual queue now."""
        released = self._release_from_queue()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if released else "info",
                "message": self.env._(
                    "%(count)s manufacturing order(s) released.", count=len(released)
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # Heijunka (issue 7)
    def action_compute_heijunka(self):
        """Button: recompute the heijunka plan (takt time, quotas) now."""
        self.env["mrp.drs.heijunka.period"]._compute_for_flows(self)
        return True

    def action_view_heijunka(self):
        """Smart button: the heijunka box (products by period) of this flow."""
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "mrp_drs.mrp_drs_heijunka_slot_action"
        )
        action["domain"] = [("flow_id", "=", self.id)]
        action["context"] = {"search_default_current_horizon": 1}
        return action

    def action_view_heijunka_periods(self):
        """Button: takt time and planned vs actual output of this flow by period."""
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "mrp_drs.mrp_drs_heijunka_period_action"
        )
        action["domain"] = [("flow_id", "=", self.id)]
        return action

    # Recourse and due dates (issue 6)
    def action_run_recourse(self):
        """Button: measure throughput, check the queue against the make-up
        threshold, record the period's history and update the signals now."""
        shifts = self._drs_run_recourse()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if shifts else "info",
                "message": self.env._(
                    "%(count)s make-up shift(s) authorised.", count=len(shifts)
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _drs_action_for(self, xmlid):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(xmlid)
        action["domain"] = [("flow_id", "=", self.id)]
        action["context"] = {"default_flow_id": self.id}
        return action

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

    # ---------------------------------------------------------- business methods
    def _check_no_queued_orders(self):
        status = self._get_wip_status()
        for flow in self:
            queued = status.get(flow.id, {}).get("queue_count", 0)
            if queued:
                raise UserError(
                    self.env._(
                        "Flow %(flow)s still has %(count)s queued manufacturing "
                        "order(s): release or cancel them before archiving it.",
                        flow=flow.display_name,
                        count=queued,
                    )
                )

    def _sync_open_productions(self, workcenters):
        """Re-assign not-yet-queued orders at ``workcenters`` to their flow.

        Draft orders only get their flow recomputed (they queue when confirmed).
        Orders already confirmed when their workcenters join a flow are on the
        floor: they are counted as released WIP of that flow, so that a flow
        created on a busy line does not release new work on top of it.
        """
        if not workcenters:
            return
        Production = self.env["mrp.production"].sudo()
        productions = Production.search(
            [
                ("state", "in", ("draft", *OPEN_STATES)),
                ("drs_state", "=", False),
                ("workorder_ids.workcenter_id", "in", workcenters.ids),
            ]
        )
        if not productions:
            return
        self.env.add_to_compute(Production._fields["drs_flow_id"], productions)
        adopted = productions.filtered(
            lambda production: production.state != "draft" and production.drs_flow_id
        )
        if adopted:
            adopted._drs_set_state("released")
            for flow in adopted.drs_flow_id:
                count = len(
                    adopted.filtered(lambda p, flow=flow: p.drs_flow_id == flow)
                )
                flow.message_post(
                    body=self.env._(
                        "%(count)s manufacturing order(s) already confirmed at the "
                        "flow's workcenters now count as its WIP.",
                        count=count,
                    )
                )

    def _get_wip_status(self):
        """WIP and queue figures of the flows in ``self``, read in one query.

        Returns ``{flow_id: {"wip", "released_units", "released_count",
        "queue_units", "queue_count", "stock_units"}}``; WIP is in equivalent units
        and includes the stock of the flow's products for non-bottleneck loops.
        """
        if not self.ids:
            return {}
        self.env["mrp.production"].flush_model(
            ["drs_flow_id", "drs_state", "drs_wip_units", "state"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT drs_flow_id,
                       COALESCE(SUM(drs_wip_units)
                                FILTER (WHERE drs_state = 'released'), 0),
                       COUNT(*) FILTER (WHERE drs_state = 'released'),
                       COALESCE(SUM(drs_wip_units)
                                FILTER (WHERE drs_state = 'queued'), 0),
                       COUNT(*) FILTER (WHERE drs_state = 'queued')
                  FROM mrp_production
                 WHERE drs_flow_id IN %s
                   AND drs_state IS NOT NULL
                   AND state IN %s
                 GROUP BY drs_flow_id
                """,
                tuple(self.ids),
                OPEN_STATES,
            )
        )
        status = {
            flow_id: {
                "released_units": released_units,
                "released_count": released_count,
                "queue_units": queue_units,
                "queue_count": queue_count,
            }
            for (
                flow_id,
                released_units,
                released_count,
                queue_units,
                queue_count,
            ) in self.env.cr.fetchall()
        }
        stock_units = self.filtered(
            lambda flow: flow.loop_type == "non_bottleneck"
        )._get_stock_units()
        for flow in self:
            row = status.setdefault(
                flow.id,
                {
                    "released_units": 0.0,
                    "released_count": 0,
                    "queue_units": 0.0,
                    "queue_count": 0,
                },
            )
            row["stock_units"] = stock_units.get(flow.id, 0.0)
            row["wip"] = row["released_units"] + row["stock_units"]
        return status

    def _get_product_work_hours(self):
        """Hours per unit of each product at the workcenters of its flow.

        A product belongs to the flow in which the operations of its first bill of
        materials (by sequence) spend the most time, the same rule that assigns a
        manufacturing order to a flow. Returns ``{flow_id: {product_id: hours per
        unit of the product's unit of measure}}``.
        """
        # every active flow of these companies competes for the products
        flows = self.sudo() | self.sudo().search(
            [("company_id", "in", self.company_id.ids)]
        )
        flow_by_workcenter = {
            workcenter.id: flow.id
            for flow in flows
            for workcenter in flow.workcenter_ids
        }
        if not flow_by_workcenter:
            return {}
        operations = (
            self.env["mrp.routing.workcenter"]
            .sudo()
            .search(
                [
                    ("workcenter_id", "in", list(flow_by_workcenter)),
                    ("bom_id.active", "=", True),
                    ("bom_id.type", "=", "normal"),
                ]
            )
        )
        # product -> its first BoM touching a flow (lowest sequence, then id)
        bom_by_product = {}
        for bom in operations.bom_id.sorted(lambda bom: (bom.sequence, bom.id)):
            products = bom.product_id or bom.product_tmpl_id.product_variant_ids
            for product in products:
                bom_by_product.setdefault(product, bom)
        hours = defaultdict(dict)
        for product, bom in bom_by_product.items():
            bom_qty = bom.product_uom_id._compute_quantity(
                bom.product_qty, product.uom_id
            )
            if bom_qty <= 0:
                continue
            minutes_by_flow = defaultdict(float)
            for operation in bom.operation_ids:
                flow_id = flow_by_workcenter.get(operation.workcenter_id.id)
                if flow_id:
                    minutes_by_flow[flow_id] += operation._get_duration_expected(
                        product, bom.product_qty
                    )
            if not minutes_by_flow:
                continue
            flow_id = max(minutes_by_flow, key=lambda f: (minutes_by_flow[f], -f))
            if flow_id in self.ids:
                hours[flow_id][product.id] = minutes_by_flow[flow_id] / 60.0 / bom_qty
        return hours

    def _get_stock_units(self):
        """On-hand stock of each flow's products in equivalent WIP units:
        ``{flow_id: units}`` (quantity x hours per unit / standard work content)."""
        hours_by_flow = self._get_product_work_hours()
        product_ids = {pid for hours in hours_by_flow.values() for pid in hours}
        if not product_ids:
            return {}
        rows = (
            self.env["stock.quant"]
            .sudo()
            ._read_group(
                [
                    ("product_id", "in", list(product_ids)),
                    ("location_id.usage", "=", "internal"),
                    ("company_id", "in", self.company_id.ids),
                ],
                ["product_id", "company_id"],
                ["quantity:sum"],
            )
        )
        on_hand = {(product.id, company.id): qty for product, company, qty in rows}
        units = {}
        for flow in self.sudo():
            hours = hours_by_flow.get(flow.id, {})
            work_hours = sum(
                max(on_hand.get((pid, flow.company_id.id), 0.0), 0.0) * per_unit
                for pid, per_unit in hours.items()
            )
            units[flow.id] = conwip.equivalent_wip_units(
                work_hours, flow.standard_work_hours
            )
        return units

    def _lock_for_release(self):
        """Lock and touch the row of each flow, in id order.

        Odoo runs transactions in REPEATABLE READ: a transaction that only waited
        for a lock would then read WIP from its older snapshot. Updating the row
        makes a concurrent release of the same flow fail with a serialization
        error instead (Odoo retries the request, the cron runs again), so the cap
        cannot be exceeded by two releases computed from the same WIP.
        """
        for flow in self.sorted("id"):
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE mrp_drs_flow
                       SET release_seq = COALESCE(release_seq, 0) + 1,
                           last_release_date = (now() AT TIME ZONE 'UTC')
                     WHERE id = %s
                    """,
                    flow.id,
                )
            )
        self.invalidate_recordset(["release_seq", "last_release_date"])

    @api.model
    def _queue_order_sql(self):
        """ORDER BY terms of the virtual queue; ``p`` is ``mrp_production``, ``f``
        ``mrp_drs_flow``. Ties are broken by queue date, then id."""
        return SQL(
            """
            CASE WHEN f.release_order = 'priority' THEN p.priority END
                DESC NULLS LAST,
            CASE f.release_order
                WHEN 'fifo' THEN p.drs_queue_date
                WHEN 'date_start' THEN p.date_start
                ELSE COALESCE(p.date_deadline, p.date_finished, p.date_start)
            END ASC NULLS LAST,
            p.drs_queue_date ASC NULLS LAST,
            p.id ASC
            """
        )

    # Heijunka (issue 7): the release walks the queue through this hook
    def _drs_queue_candidates(self):
        """Queued orders of this flow in the order the release walks them:
        ``[(production_id, equivalent units)]``. Queue order (``release_order``),
        or the levelled sequence when ``levelled_release`` is set."""
        self.ensure_one()
        if self.levelled_release:
            return self._drs_levelled_candidates()
        self.env.cr.execute(
            SQL(
                """
                SELECT p.id, COALESCE(p.drs_wip_units, 0)
                  FROM mrp_production p
                  JOIN mrp_drs_flow f ON f.id = p.drs_flow_id
                 WHERE p.drs_flow_id = %s
                   AND p.drs_state = 'queued'
                   AND p.state IN %s
                 ORDER BY %s
                """,
                self.id,
                OPEN_STATES,
                self._queue_order_sql(),
            )
        )
        return self.env.cr.fetchall()

    def _drs_levelled_candidates(self):
        """Queued orders of this flow in levelled order, see
        :func:`levelled_release_order`; read in two queries."""
        self.ensure_one()
        self.env["mrp.production"].flush_model(LEVELLED_QUEUE_FIELDS)
        self.flush_recordset(["release_order"])
        self.env.cr.execute(
            SQL(
                """
                SELECT p.id, COALESCE(p.drs_wip_units, 0), p.product_id,
                       p.date_deadline
                           - COALESCE(p.date_finished - p.date_start, interval '0')
                  FROM mrp_production p
                  JOIN mrp_drs_flow f ON f.id = p.drs_flow_id
                 WHERE p.drs_flow_id = %s
                   AND p.drs_state = 'queued'
                   AND p.state IN %s
                 ORDER BY %s
                """,
                self.id,
                OPEN_STATES,
                self._queue_order_sql(),
            )
        )
        queued = self.env.cr.fetchall()
        if not queued:
            return []
        self.env.cr.execute(
            SQL(
                """
                SELECT product_id, COUNT(*)
                  FROM mrp_production
                 WHERE drs_flow_id = %s
                   AND drs_state = 'released'
                   AND state IN %s
                 GROUP BY product_id
                """,
                self.id,
                OPEN_STATES,
            )
        )
        in_process = dict(self.env.cr.fetchall())
        return levelled_release_order(queued, in_process, fields.Datetime.now())

    def _release_from_queue(self):
        """Release queued orders of these flows in queue order while the cap allows.

        For each flow (in id order) the flow row is locked and updated, then the
        current WIP is read with SQL and the queue is walked in its release order
        (``_drs_queue_candidates``: queue order, or the levelled sequence): an
        order is released while WIP + its units <= cap. The walk stops at the
        first order that does not fit, so that large orders are not overtaken
        forever. An order larger than the whole cap is released only when no
        order of the flow is in process and the loop is below its cap; otherwise
        it would block the queue for ever.

        :return: the released ``mrp.production`` records
        """
        Production = self.env["mrp.production"]
        flows = self.filtered("active")
        if not flows:
            return Production
        self.env.flush_all()
        flows._lock_for_release()
        status = flows._get_wip_status()
        to_release = []
        for flow in flows.sorted("id"):
            wip = status[flow.id]["wip"]
            in_process = status[flow.id]["released_count"]
            for production_id, units in flow._drs_queue_candidates():
                if not release_fits(wip, units, flow.wip_cap, in_process):
                    break
                to_release.append(production_id)
                wip += units
                in_process += 1
        released = Production.browse(to_release)
        if released:
            released.sudo()._drs_set_state("released")
        return released

    # Recourse and due dates (issue 6)
    def _drs_reference_calendar(self):
        """Working calendar of the flow: its first workcenter's (by id), else
        the company's."""
        self.ensure_one()
        workcenters = self.workcenter_ids.sorted("id").filtered("resource_calendar_id")
        return (
            workcenters[:1].resource_calendar_id or self.company_id.resource_calendar_id
        )

    def _drs_timezone(self):
        self.ensure_one()
        return pytz.timezone(self._drs_reference_calendar().tz or "UTC")

    def _drs_period_date(self, now):
        """Period (day in the flow calendar's timezone) of the naive UTC ``now``."""
        return pytz.utc.localize(now).astimezone(self._drs_timezone()).date()

    def _drs_period_bounds(self, period_date):
        """Naive UTC ``(start, end)`` of the day ``period_date`` in the flow's
        timezone."""
        tz = self._drs_timezone()
        start = tz.localize(datetime.combine(period_date, time.min))
        end = tz.localize(datetime.combine(period_date + timedelta(days=1), time.min))
        return (
            start.astimezone(pytz.utc).replace(tzinfo=None),
            end.astimezone(pytz.utc).replace(tzinfo=None),
        )

    def _drs_plan_hours(self, hours, now):
        """Date ``hours`` working hours after ``now`` in the flow's calendar
        (global leaves excluded); calendar hours when the calendar has no
        working time."""
        self.ensure_one()
        calendar = self._drs_reference_calendar()
        planned = (
            calendar.plan_hours(hours, now, compute_leaves=True) if calendar else False
        )
        return planned or now + timedelta(hours=hours)

    def _drs_required_makeup_hours(self, queue_units):
        """Hours at the flow's throughput that bring ``queue_units`` back to the
        make-up threshold (engine duedate.makeup_hours); 0 without throughput."""
        self.ensure_one()
        if self.throughput <= 0:
            return 0.0
        return duedate.makeup_hours(queue_units, self.makeup_threshold, self.throughput)

    def _drs_current_throughput(self, now):
        """``(throughput, cd2, source)`` for quotes: the values of the last DRS
        run, estimated now if the flow never had one."""
        self.ensure_one()
        if self.throughput > 0:
            return self.throughput, self.throughput_cd2, self.throughput_source
        return self._drs_estimate_throughput(now)[self.id][:3]

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

    def _drs_line_model(self, now):
        """Each flow as a CONWIP line of single stations, per equivalent unit.

        A workcenter's share of the work is its share of the expected minutes of
        the flow's open orders and of those done in the signal window (equal
        shares without any order); times the standard work content it gives
        the hours per unit ``t_j``. The station time is ``t_j / (efficiency x
        parallel capacity)``; the raw process time ``t0`` sums ``t_j /
        efficiency``; the bottleneck rate is ``1 / max(station time)``. Process
        variability ``ce2`` per station is the squared coefficient of variation
        of actual / expected duration of its done work orders (1 with fewer
        than two). One query.

        :return: ``{flow_id: {"te", "ce2" (arrays), "rb", "t0" (floats)}}``
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
        lines = {}
        for flow in flows:
            workcenters = flow.workcenter_ids.sorted("id")
            minutes = np.array(
                [observed.get((flow.id, wc.id), (0.0,))[0] or 0.0 for wc in workcenters]
            )
            if minutes.sum() <= 0:
                minutes = np.ones(len(workcenters))
            share = minutes / minutes.sum()
            efficiency = np.array(
                [(wc.time_efficiency or 100.0) / 100.0 for wc in workcenters]
            )
            servers = np.array([max(wc.default_capacity, 1.0) for wc in workcenters])
            scv = np.array(
                [_duration_scv(observed.get((flow.id, wc.id))) for wc in workcenters]
            )
            busy = share > 0
            hours = share[busy] * flow.standard_work_hours / efficiency[busy]
            station_time = hours / servers[busy]
            rb = 1.0 / station_time.max()
            lines[flow.id] = {
                "te": station_time,
                "ce2": scv[busy],
                "rb": rb,
                "t0": max(hours.sum(), 1.0 / rb),
            }
        return lines

    def _drs_estimate_throughput(self, now):
        """Throughput and output variability of each flow over its window.

        ``mu = U / H``: equivalent units of the orders done in the last
        ``signal_window_days`` days over the working hours of the flow's
        calendar in them. The Brownian output model gives a day ``d`` with
        ``h_d`` working hours an output of mean ``mu h_d`` and variance
        ``cd2 mu h_d``, so ``cd2`` is estimated by the moments
        ``sum (U_d - mu h_d)^2 / (D - 1)`` over ``U / D`` across the ``D`` days
        with working time or output (1 when ``D < 2``). With fewer than
        ``MIN_COMPLETIONS`` orders done in the window (too few to measure):
        the practical worst case at the cap (Factory Physics ch. 7) of
        :meth:`_drs_line_model`, ``cd2 = 1``, source ``capacity``; without
        working time or stations: 0, source ``none``.

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
            total_units = sum(units_by_day.values())
            total_hours = sum(hours_by_day.values())
            if (
                done_count[flow.id] >= MIN_COMPLETIONS
                and total_units > 0
                and total_hours > 0
            ):
                rate = total_units / total_hours
                days = sorted(set(hours_by_day) | set(units_by_day))
                output = np.array([units_by_day.get(day, 0.0) for day in days])
                expected = rate * np.array([hours_by_day.get(day, 0.0) for day in days])
                cd2 = (
                    float(((output - expected) ** 2).sum() / (len(days) - 1))
                    / (total_units / len(days))
                    if len(days) > 1
                    else 1.0
                )
                estimates[flow.id] = (rate, cd2, "history", None)
                continue
            if lines is None:
                lines = self._drs_line_model(now)
            line = lines.get(flow.id)
            if not line:
                estimates[flow.id] = (
                    0.0,
                    1.0,
                    "none",
                    self.env._("no workcenter to estimate a throughput from"),
                )
                continue
            rate, _cycle_time = conwip.practical_worst_case(
                max(flow.wip_cap, 1.0), line["rb"], line["t0"]
            )
            estimates[flow.id] = (float(rate), 1.0, "capacity", None)
        return estimates

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
        for flow in flows:
            rate, cd2, source, warning = estimates[flow.id]
            flow.write(
                {
                    "throughput": rate,
                    "throughput_cd2": cd2,
                    "throughput_source": source,
                    "recourse_date": now,
                    "recourse_warning": warning or False,
                }
            )
        status = flows._get_wip_status()
        queue = {flow.id: status[flow.id]["queue_units"] for flow in flows}
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
            vals = {
                "capacity_signal": signal,
                "signal_trigger_count": int(triggered.sum()),
                "signal_empty_count": int(empty.sum()),
            }
            if any(flow[name] != value for name, value in vals.items()):
                flow.write(vals)

    # -------------------------------------------------------------- cron entries
    @api.model
    def _cron_release_from_queue(self):
        """Release the virtual queues of all active flows, company by company."""
        flows = self.sudo().search([("active", "=", True)])
        for company in flows.company_id:
            company_flows = flows.filtered(
                lambda flow, company=company: flow.company_id == company
            )
            company_flows.with_company(company)._release_from_queue()
        return True

    # Recourse and due dates (issue 6)
    @api.model
    def _cron_drs_recourse(self):
        """Hourly DRS run of all active flows, company by company: throughput,
        make-up shifts, history and capacity signals. A flow without working
        time or stations is flagged (``recourse_warning``), not fatal."""
        flows = self.sudo().search([("active", "=", True)])
        for company in flows.company_id:
            company_flows = flows.filtered(
                lambda flow, company=company: flow.company_id == company
            )
            company_flows.with_company(company)._drs_run_recourse()
        return True
