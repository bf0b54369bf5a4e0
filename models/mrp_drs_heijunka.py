# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Heijunka plan of a DRS flow: takt time and levelled production quotas.

For each flow the plan covers ``heijunka_horizon`` periods (days or weeks of
the flow, ``mrp.drs.flow._drs_period_date``) from the start of the current
one. One ``mrp.drs.heijunka.period`` per flow and period holds the available
time of the pacemaker workcenter, the takt time and the totals; one
``mrp.drs.heijunka.slot`` per period and product holds the product's demand,
quota and actual output -- the cells of the heijunka box.

- **Demand** of a product in a period: the quantity (product unit) of the
  flow's manufacturing orders that are queued or released and still open, or
  done since the start of the current period, whose need date (deadline, else
  scheduled end) falls in the period. Overdue orders count in the first period;
  orders needed after the horizon are left out. Forecasts are not read: the
  virtual queue is the demand the flow has to level.
- **Available time**: working hours of the pacemaker workcenter's calendar in
  the period (attendances minus leaves, the workcenter's own leaves included)
  times its time efficiency. The pacemaker is the flow's ``Pacemaker
  workcenter`` when set, else the bottleneck of the flow's line
  (``mrp.drs.flow._drs_flow_lines``: the largest share of the flow's work).
- **Takt time** of a period: available minutes / units due in the period
  (0 when nothing is due), ``engine.heijunka.takt_time``.
- **Quota**: each product's demand over the horizon, rounded up to whole
  units, spread over the periods in proportion to their available time by
  ``engine.heijunka.production_quota`` (largest remainder): a product's quotas
  add up to its horizon demand and every period gets the same mix at the same
  pace (Monden's levelling of the monthly plan into daily quotas).
- **Actual** output: produced quantity of the flow's orders marked done in the
  period, one SQL aggregate.

Periods that have not ended are recomputed by every run (the daily cron or the
flow's button); periods that ended keep their demand and quota, and only their
actual output is refreshed (for 35 days after their end).
"""

from bisect import bisect_right
from collections import defaultdict
from datetime import timedelta

import numpy as np
import pytz

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.mrp_drs.engine import heijunka

from .mrp_drs_flow import OPEN_STATES, run_isolated

#: tolerance when rounding demand up to whole units
UNIT_TOLERANCE = 1e-6

#: slots of the levelled mix shown in a period's summary
MIX_SHOWN = 40

#: periods that ended less than this long ago get their actual output refreshed
ACTUAL_REFRESH = timedelta(days=35)

#: length of a heijunka period of each type
PERIOD_LENGTH = {"day": timedelta(days=1), "week": timedelta(weeks=1)}


class MrpDrsHeijunkaPeriod(models.Model):
    _name = "mrp.drs.heijunka.period"
    _description = "DRS heijunka period (takt time and quotas of a flow)"
    _order = "flow_id, datetime_start"
    _check_company_auto = True

    name = fields.Char("Period", required=True, readonly=True)
    flow_id = fields.Many2one(
        "mrp.drs.flow",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(
        related="flow_id.company_id", store=True, index=True, readonly=True
    )
    period_type = fields.Selection(
        [("day", "Day"), ("week", "Week")], required=True, readonly=True
    )
    date_start = fields.Date("First day", required=True, readonly=True)
    date_stop = fields.Date("Last day", required=True, readonly=True)
    datetime_start = fields.Datetime("Starts at", required=True, readonly=True)
    datetime_stop = fields.Datetime(
        "Ends at", required=True, readonly=True, help="Exclusive end of the period."
    )
    workcenter_id = fields.Many2one(
        "mrp.workcenter",
        "Pacemaker workcenter",
        readonly=True,
        check_company=True,
        help="Workcenter whose working time sets the flow's available time.",
    )
    available_hours = fields.Float(
        "Available time (h)",
        readonly=True,
        digits="DRS Duration",
        help="Working hours of the pacemaker workcenter in the period, leaves "
        "deducted, times its time efficiency.",
    )
    slot_ids = fields.One2many("mrp.drs.heijunka.slot", "period_id", "Products")
    demand_qty = fields.Float(
        "Demand (units)",
        compute="_compute_totals",
        store=True,
        digits="Product Unit of Measure",
        help="Quantity of the flow's orders needed in the period.",
    )
    quota_qty = fields.Integer(
        "Quota (units)",
        compute="_compute_totals",
        store=True,
        help="Levelled production quota of the period: whole units.",
    )
    actual_qty = fields.Float(
        "Actual output (units)",
        compute="_compute_totals",
        store=True,
        digits="Product Unit of Measure",
        help="Quantity of the flow's orders marked done in the period.",
    )
    output_gap = fields.Float(
        "Actual - quota (units)",
        compute="_compute_totals",
        store=True,
        digits="Product Unit of Measure",
    )
    takt_time = fields.Float(
        "Takt time (min/unit)",
        compute="_compute_takt_time",
        store=True,
        digits="DRS Duration",
        help="Available minutes divided by the units due in the period; 0 when "
        "nothing is due.",
    )
    levelled_mix = fields.Char(
        "Levelled mix",
        readonly=True,
        help="Goal-chasing mixed-model sequence of the period's quota (product "
        "reference, or name, of each unit in production order).",
    )

    _sql_constraints = [
        (
            "flow_period_unique",
            "UNIQUE(flow_id, datetime_start)",
            "A flow has one heijunka period per start.",
        ),
    ]

    @api.depends("flow_id.name", "name")
    def _compute_display_name(self):
        for period in self:
            period.display_name = f"{period.flow_id.name} · {period.name}"

    @api.depends("slot_ids.demand_qty", "slot_ids.quota_qty", "slot_ids.actual_qty")
    def _compute_totals(self):
        for period in self:
            slots = period.slot_ids
            period.demand_qty = sum(slots.mapped("demand_qty"))
            period.quota_qty = sum(slots.mapped("quota_qty"))
            period.actual_qty = sum(slots.mapped("actual_qty"))
            period.output_gap = period.actual_qty - period.quota_qty

    @api.depends("available_hours", "demand_qty")
    def _compute_takt_time(self):
        periods = self.filtered(lambda period: period.demand_qty > 0)
        (self - periods).takt_time = 0.0
        if not periods:
            return
        takt = heijunka.takt_time(
            60.0 * np.array(periods.mapped("available_hours")),
            np.array(periods.mapped("demand_qty")),
        )
        for period, minutes in zip(periods, np.atleast_1d(takt), strict=True):
            period.takt_time = float(minutes)

    @api.model
    def _compute_for_flows(self, flows):
        """Recompute the heijunka plan of ``flows``: the periods that have not
        ended are replaced, the actual output of all their periods refreshed.

        Set-wise pipeline of small overridable steps: period bounds, available
        hours (one calendar query per distinct calendar), demand (one SQL
        query), quotas (engine), then one ``create`` and one actual-output
        aggregate.
        """
        flows = flows.filtered("active")
        if not flows:
            return self
        now = fields.Datetime.now()
        bounds = {flow.id: flow_period_bounds(flow, now) for flow in flows}
        # the current period counts only the working time left in it
        remaining = {
            flow_id: [(rows[0][0], max(rows[0][1], now), rows[0][2]), *rows[1:]]
            for flow_id, rows in bounds.items()
        }
        pacemakers, hours = self._calc_available_hours(flows, remaining, now)
        demand = self._calc_demand(flows, bounds)
        products = self.env["product.product"].browse(
            {pid for rows in demand.values() for pid in rows}
        )
        labels = {
            product.id: product.default_code or product.name for product in products
        }
        vals_list, warnings = [], {}
        for flow in flows:
            flow_vals, warning = self._prepare_periods(
                flow,
                bounds[flow.id],
                pacemakers.get(flow.id),
                hours.get(flow.id),
                demand.get(flow.id, {}),
                labels,
            )
            vals_list += flow_vals
            warnings[flow.id] = warning
        horizon_starts = {flow.id: bounds[flow.id][0][1] for flow in flows}
        self.search(
            [
                ("flow_id", "in", flows.ids),
                ("datetime_stop", ">", min(horizon_starts.values())),
            ]
        ).filtered(
            lambda period: period.datetime_stop > horizon_starts[period.flow_id.id]
        ).unlink()
        periods = self.create(vals_list)
        for warning in set(warnings.values()):
            flows.filtered(lambda flow, w=warning: warnings[flow.id] == w).write(
                {"heijunka_warning": warning or False, "heijunka_date": now}
            )
        self._refresh_actual(flows, now - ACTUAL_REFRESH)
        return periods

    @api.model
    def _calc_available_hours(self, flows, bounds, now=None):
        """Pacemaker workcenter and its available hours per period, per flow.

        The pacemaker is the flow's own when set, else the bottleneck of its
        line (``mrp.drs.flow._drs_flow_lines``).

        Working intervals are read once per distinct calendar, for all the
        flows' workcenters on it, over the union of the flows' horizons.

        :return: ``({flow_id: workcenter}, {flow_id: numpy array of hours})``
        """
        workcenters = flows.workcenter_ids
        start = min(rows[0][1] for rows in bounds.values())
        stop = max(rows[-1][2] for rows in bounds.values())
        start_utc, stop_utc = pytz.utc.localize(start), pytz.utc.localize(stop)
        intervals = {}
        for calendar in workcenters.resource_calendar_id:
            on_calendar = workcenters.filtered(
                lambda wc, calendar=calendar: wc.resource_calendar_id == calendar
            )
            by_resource = calendar._work_intervals_batch(
                start_utc, stop_utc, resources=on_calendar.resource_id
            )
            for workcenter in on_calendar:
                intervals[workcenter.id] = np.array(
                    [
                        (begin.timestamp(), end.timestamp())
                        for begin, end, _meta in by_resource[workcenter.resource_id.id]
                    ]
                ).reshape(-1, 2)
        lines = flows._drs_flow_lines(now or fields.Datetime.now())
        pacemakers, hours = {}, {}
        for flow in flows:
            edges = np.array(
                [pytz.utc.localize(row[1]).timestamp() for row in bounds[flow.id]]
                + [pytz.utc.localize(bounds[flow.id][-1][2]).timestamp()]
            )
            by_workcenter = {
                workcenter: _overlap_hours(intervals.get(workcenter.id), edges)
                * workcenter.time_efficiency
                / 100.0
                for workcenter in flow.workcenter_ids
            }
            pacemaker = flow.heijunka_workcenter_id or self.env[
                "mrp.workcenter"
            ].browse(lines[flow.id].bottleneck if flow.id in lines else [])
            pacemakers[flow.id] = pacemaker
            hours[flow.id] = by_workcenter.get(
                pacemaker, np.zeros(len(bounds[flow.id]))
            )
        return pacemakers, hours

    @api.model
    def _calc_demand(self, flows, bounds):
        """Units of each product needed in each period: ``{flow_id: {product_id:
        numpy array over periods}}``, read in one query."""
        self.env["mrp.production"].flush_model(
            [
                "drs_flow_id",
                "drs_state",
                "state",
                "product_id",
                "product_uom_qty",
                "date_deadline",
                "date_finished",
                "date_start",
            ]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT drs_flow_id, product_id,
                       COALESCE(date_deadline, date_finished, date_start),
                       product_uom_qty, state, date_finished
                  FROM mrp_production
                 WHERE drs_flow_id IN %s
                   AND drs_state IS NOT NULL
                   AND (state IN %s OR (state = 'done' AND date_finished >= %s))
                """,
                tuple(flows.ids),
                OPEN_STATES,
                min(rows[0][1] for rows in bounds.values()),
            )
        )
        demand = defaultdict(dict)
        for (
            flow_id,
            product_id,
            need_date,
            qty,
            state,
            done_date,
        ) in self.env.cr.fetchall():
            periods = bounds[flow_id]
            if state == "done" and done_date < periods[0][1]:
                continue
            if need_date >= periods[-1][2]:
                continue
            starts = [row[1] for row in periods]
            index = max(bisect_right(starts, need_date) - 1, 0)
            row = demand[flow_id].setdefault(product_id, np.zeros(len(periods)))
            row[index] += qty
        return demand

    @api.model
    def _prepare_periods(self, flow, bounds, pacemaker, hours, demand, labels):
        """Values of the periods of one flow, their slots included, and the
        warning to show on the flow (empty when all is well)."""
        product_ids = sorted(demand)
        due = (
            np.array([demand[pid] for pid in product_ids])
            if product_ids
            else np.zeros((0, len(bounds)))
        )
        horizon_demand = np.ceil(due.sum(axis=1) - UNIT_TOLERANCE).clip(min=0)
        warning = ""
        if hours is None or not hours.sum() > 0:
            warning = self.env._(
                "No working time at workcenter %(workcenter)s in the horizon: no "
                "quota can be set. Check its working hours and leaves.",
                workcenter=pacemaker.display_name if pacemaker else "-",
            )
            hours = np.zeros(len(bounds)) if hours is None else hours
            quota = np.zeros(due.shape, dtype=np.int64)
        elif horizon_demand.sum() > 0:
            quota = heijunka.production_quota(horizon_demand, hours)
        else:
            quota = np.zeros(due.shape, dtype=np.int64)
        shortfall = heijunka.cumulative_shortfall(due.sum(axis=0), quota.sum(axis=0))
        behind = np.flatnonzero(shortfall > UNIT_TOLERANCE)
        if behind.size:
            late = self.env._(
                "Cumulative quotas fall behind cumulative demand from period "
                "%(period)s (%(units).0f units short at worst): orders due then "
                "will be late unless capacity is added or due dates move.",
                period=period_name(flow.heijunka_period_type, bounds[behind[0]][0]),
                units=float(shortfall.max()),
            )
            warning = f"{warning} {late}".strip()
        vals_list = []
        for index, (date_start, datetime_start, datetime_stop) in enumerate(bounds):
            column = quota[:, index]
            vals_list.append(
                {
                    "name": period_name(flow.heijunka_period_type, date_start),
                    "flow_id": flow.id,
                    "period_type": flow.heijunka_period_type,
                    "date_start": date_start,
                    "date_stop": date_start
                    + PERIOD_LENGTH[flow.heijunka_period_type]
                    - timedelta(days=1),
                    "datetime_start": datetime_start,
                    "datetime_stop": datetime_stop,
                    "workcenter_id": pacemaker.id if pacemaker else False,
                    "available_hours": float(hours[index]),
                    "levelled_mix": _mix_text(column, product_ids, labels),
                    "slot_ids": [
                        fields.Command.create(
                            {
                                "product_id": product_id,
                                "demand_qty": float(due[row, index]),
                                "quota_qty": int(column[row]),
                            }
                        )
                        for row, product_id in enumerate(product_ids)
                        if due[row, index] > 0 or column[row] > 0
                    ],
                }
            )
        return vals_list, warning

    @api.model
    def _refresh_actual(self, flows, since):
        """Set the actual output of the periods of ``flows`` ending after
        ``since`` from one SQL aggregate over their done orders (produced
        quantity in the product's unit), adding slots for products made without
        a quota. Older periods keep their figures, so the run stays bounded."""
        self.flush_model()
        self.env["mrp.drs.heijunka.slot"].flush_model()
        self.env["mrp.production"].flush_model(
            ["drs_flow_id", "state", "date_finished", "qty_producing", "product_qty"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT hp.id, p.product_id,
                       SUM(p.qty_producing * p.product_uom_qty
                           / NULLIF(p.product_qty, 0))
                  FROM mrp_drs_heijunka_period hp
                  JOIN mrp_production p
                    ON p.drs_flow_id = hp.flow_id
                   AND p.state = 'done'
                   AND p.date_finished >= hp.datetime_start
                   AND p.date_finished < hp.datetime_stop
                 WHERE hp.flow_id IN %s
                   AND hp.datetime_stop > %s
                 GROUP BY hp.id, p.product_id
                """,
                tuple(flows.ids),
                since,
            )
        )
        actual = {
            (period_id, product_id): qty or 0.0
            for period_id, product_id, qty in self.env.cr.fetchall()
        }
        Slot = self.env["mrp.drs.heijunka.slot"]
        slots = Slot.search(
            [("flow_id", "in", flows.ids), ("period_id.datetime_stop", ">", since)]
        )
        by_value = defaultdict(list)
        for slot in slots:
            qty = actual.pop((slot.period_id.id, slot.product_id.id), 0.0)
            if slot.actual_qty != qty:
                by_value[qty].append(slot.id)
        for qty, slot_ids in by_value.items():
            Slot.browse(slot_ids).write({"actual_qty": qty})
        if actual:
            Slot.create(
                [
                    {
                        "period_id": period_id,
                        "product_id": product_id,
                        "actual_qty": qty,
                    }
                    for (period_id, product_id), qty in actual.items()
                ]
            )

    @api.model
    def _cron_compute_heijunka(self):
        """Recompute the heijunka plans of all active flows, company by company."""
        flows = self.env["mrp.drs.flow"].sudo().search([("active", "=", True)])
        for company, company_flows in flows.grouped("company_id").items():
            run_isolated(
                company_flows.with_company(company), "_drs_compute_heijunka_plan"
            )
        return True


class MrpDrsHeijunkaSlot(models.Model):
    _name = "mrp.drs.heijunka.slot"
    _description = "DRS heijunka slot (quota of a product in a period)"
    _order = "period_start, product_id"
    _check_company_auto = True

    period_id = fields.Many2one(
        "mrp.drs.heijunka.period",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    flow_id = fields.Many2one(
        related="period_id.flow_id", store=True, index=True, readonly=True
    )
    company_id = fields.Many2one(
        related="period_id.company_id", store=True, index=True, readonly=True
    )
    period_start = fields.Date(
        "First day", related="period_id.date_start", store=True, readonly=True
    )
    product_id = fields.Many2one(
        "product.product", required=True, readonly=True, index=True
    )
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    demand_qty = fields.Float(
        "Demand (units)", readonly=True, digits="Product Unit of Measure"
    )
    quota_qty = fields.Integer("Quota (units)", readonly=True)
    actual_qty = fields.Float(
        "Actual output (units)", readonly=True, digits="Product Unit of Measure"
    )


def _overlap_hours(intervals, edges):
    """Hours of ``intervals`` (array of [start, end] epoch seconds) falling in
    each period between consecutive ``edges`` (epoch seconds)."""
    if intervals is None or not len(intervals):
        return np.zeros(len(edges) - 1)
    begin = np.maximum(intervals[:, :1], edges[None, :-1])
    end = np.minimum(intervals[:, 1:], edges[None, 1:])
    return (end - begin).clip(min=0).sum(axis=0) / 3600.0


def _mix_text(quota, product_ids, labels):
    """The levelled mixed-model sequence of one period's quota as text."""
    total = int(quota.sum())
    if not total:
        return False
    sequence = heijunka.levelled_sequence(quota)
    shown = " · ".join(labels[product_ids[index]] for index in sequence[:MIX_SHOWN])
    if total > MIX_SHOWN:
        shown += f" · ... (+{total - MIX_SHOWN})"
    return shown


def flow_period_bounds(flow, now):
    """``[(first day, start, stop)]`` of the flow's horizon: its periods from
    the one holding ``now``, bounded by midnights of the flow's days (its time
    zone, ``mrp.drs.flow._drs_timezone``) given as naive UTC datetimes."""
    today = flow._drs_period_date(now)
    first_day = today
    if flow.heijunka_period_type == "week":
        first_day -= timedelta(days=today.weekday())
    length = PERIOD_LENGTH[flow.heijunka_period_type]
    periods = max(flow.heijunka_horizon, 1)
    days = [first_day + index * length for index in range(periods + 1)]
    midnights = [flow._drs_period_bounds(day)[0] for day in days]
    return [
        (days[index], midnights[index], midnights[index + 1])
        for index in range(periods)
    ]


def period_name(period_type, first_day):
    """ISO week (``2026-W03``) or day (``2026-01-12``) naming a period."""
    if period_type == "week":
        year, week, _weekday = first_day.isocalendar()
        return f"{year}-W{week:02d}"
    return first_day.isoformat()
