# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Make-up shifts: recourse capacity authorised when a virtual queue is too long.

When the virtual queue of a flow holds more work than its make-up threshold, the
flow cannot keep its planned lead time at its quote service level (Hopp &
Spearman, *Factory Physics*, ch. 14-15): the DRS run authorises one make-up
shift for the period (a day in the flow's calendar), on all the flow's
workcenters, right after the period's last working interval. The shift is a
record of extra working time, not a change of the resource calendar: the DRS
capacity computations add its hours (``mrp.workcenter._drs_makeup_hours``) and
due-date quotes count the work it will do. Authorised hours cost nothing until
work is done in them: ``used_hours`` (entered by the planner, 0 by default)
times the workcenters' hourly costs.
"""

from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

#: longest make-up shift (h): at most one shift per day
MAKEUP_SHIFT_HOURS_MAX = 24.0

#: what a planner records on a shift; the rest is the DRS run's decision
PLANNER_SHIFT_FIELDS = frozenset({"used_hours", "state"})


class MrpDrsMakeupShift(models.Model):
    _name = "mrp.drs.makeup.shift"
    _description = "DRS make-up shift"
    _order = "period_date desc, flow_id, id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    flow_id = fields.Many2one(
        "mrp.drs.flow",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    period_date = fields.Date(
        "Period",
        required=True,
        readonly=True,
        help="Day (in the timezone of the flow's calendar) for which the shift is "
        "authorised; one shift per flow and period.",
    )
    state = fields.Selection(
        [("authorised", "Authorised"), ("cancelled", "Cancelled")],
        default="authorised",
        required=True,
        help="A cancelled shift adds no capacity, and its period gets no new shift.",
    )
    workcenter_ids = fields.Many2many(
        "mrp.workcenter",
        "mrp_drs_makeup_shift_workcenter_rel",
        "shift_id",
        "workcenter_id",
        "Workcenters",
        readonly=True,
        check_company=True,
        help="The flow's workcenters when the shift was authorised; each gets the "
        "shift's hours.",
    )
    date_start = fields.Datetime("Start", required=True)
    date_end = fields.Datetime("End", required=True)
    hours = fields.Float(
        "Authorised hours (h)",
        digits="DRS Duration",
        readonly=True,
        help="Extra working hours added at each of the shift's workcenters.",
    )
    required_hours = fields.Float(
        "Needed hours (h)",
        digits="DRS Duration",
        readonly=True,
        help="Hours at the flow's throughput that bring the queue back to the "
        "threshold when the shift was authorised (engine makeup_hours).",
    )
    queue_units = fields.Float(
        "Queue at trigger (equivalent units)",
        digits="DRS Equivalent Units",
        readonly=True,
    )
    makeup_threshold = fields.Float(
        "Threshold (equivalent units)", digits="DRS Equivalent Units", readonly=True
    )
    throughput = fields.Float(
        "Throughput (units/h)",
        digits="DRS Rate",
        readonly=True,
        help="Equivalent units per working hour when the shift was authorised.",
    )
    used_hours = fields.Float(
        "Used hours (h)",
        digits="DRS Duration",
        help="Hours actually worked in the shift, entered by the planner. Unused "
        "make-up time costs nothing.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    cost = fields.Monetary(
        compute="_compute_cost",
        store=True,
        help="Used hours times the sum of the workcenters' hourly costs.",
    )

    _sql_constraints = [
        (
            "flow_period_uniq",
            "unique(flow_id, period_date)",
            "A flow gets at most one make-up shift per period.",
        ),
        (
            "hours_positive",
            "CHECK(hours >= 0 AND used_hours >= 0 AND date_end >= date_start)",
            "Make-up hours cannot be negative and a shift cannot end before it starts.",
        ),
        (
            "hours_within_day",
            "CHECK(hours <= 24 AND date_end <= date_start + interval '24 hours')",
            "A make-up shift lasts at most 24 h (one shift per day).",
        ),
    ]

    @api.depends("flow_id.name", "period_date")
    def _compute_name(self):
        for shift in self:
            shift.name = f"{shift.flow_id.name or ''} {shift.period_date or ''}".strip()

    @api.depends("used_hours", "workcenter_ids.costs_hour")
    def _compute_cost(self):
        for shift in self:
            shift.cost = shift.used_hours * sum(
                shift.workcenter_ids.mapped("costs_hour")
            )

    @api.constrains("used_hours", "hours")
    def _check_used_hours(self):
        for shift in self:
            if shift.used_hours > shift.hours + 1e-6:
                raise ValidationError(
                    self.env._(
                        "Make-up shift %(shift)s: %(used).2f h used but only "
                        "%(hours).2f h were authorised.",
                        shift=shift.display_name,
                        used=shift.used_hours,
                        hours=shift.hours,
                    )
                )

    def write(self, vals):
        # the shift's hours and window are the DRS run's: a planner records
        # the hours used (at most those authorised) or cancels the shift
        if not self.env.su and set(vals) - PLANNER_SHIFT_FIELDS:
            raise AccessError(
                self.env._(
                    "A make-up shift's hours and window are set by the DRS run; "
                    "record the hours used or cancel the shift."
                )
            )
        return super().write(vals)

    @api.model
    def _drs_hours_by_flow(self, flows, date_from, date_to):
        """Authorised make-up hours of ``flows`` inside ``[date_from, date_to)``:
        ``{flow_id: hours}``, each shift counted for its overlap with the
        interval (one query)."""
        if not flows:
            return {}
        self.flush_model(["flow_id", "state", "date_start", "date_end"])
        self.env.cr.execute(
            SQL(
                """
                SELECT flow_id,
                       SUM(EXTRACT(EPOCH FROM LEAST(date_end, %(to)s)
                                              - GREATEST(date_start, %(from)s)))
                           / 3600.0
                  FROM mrp_drs_makeup_shift
                 WHERE flow_id IN %(flows)s
                   AND state = 'authorised'
                   AND date_end > %(from)s
                   AND date_start < %(to)s
                 GROUP BY flow_id
                """,
                flows=tuple(flows.ids),
                **{"from": date_from, "to": date_to},
            )
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _drs_shift_window(self, flow, period_date, hours, now):
        """``(start, end)`` of a make-up shift of ``hours`` on ``period_date``:
        right after the period's last working interval in the flow's calendar,
        never before ``now`` (naive UTC datetimes)."""
        start = now
        calendar = flow._drs_reference_calendar()
        if calendar:
            day_start, day_end = flow._drs_period_bounds(period_date)
            intervals = calendar._work_intervals_batch(
                day_start.replace(tzinfo=pytz.utc), day_end.replace(tzinfo=pytz.utc)
            )[False]
            ends = [stop for _start, stop, _meta in intervals]
            if ends:
                last_end = max(ends).astimezone(pytz.utc).replace(tzinfo=None)
                start = max(last_end, now)
        return start, start + timedelta(hours=hours)

    @api.model
    def _drs_authorise(self, flows, now, queue_units):
        """Authorise make-up time per flow of ``flows`` for the period of
        ``now``, unless the flow already has some for that period, and ask the
        flow's company's DRS planners to staff it with a To-Do activity. Its
        hours cover the queue above the threshold, up to the flow's maximum
        make-up per period (``_drs_authorised_makeup_hours``).

        ``queue_units`` maps flow ids to the queued equivalent units that
        triggered the shift. Returns the new shifts.
        """
        if not flows:
            return self.browse()
        periods = {flow.id: flow._drs_period_date(now) for flow in flows}
        existing = self.sudo().search_fetch(
            [
                ("flow_id", "in", flows.ids),
                ("period_date", "in", list(periods.values())),
            ],
            ["flow_id", "period_date"],
        )
        taken = {(shift.flow_id.id, shift.period_date) for shift in existing}
        vals_list = []
        for flow in flows:
            period = periods[flow.id]
            queued = queue_units.get(flow.id, 0.0)
            hours = flow._drs_authorised_makeup_hours(queued)
            if (flow.id, period) in taken or hours <= 0:
                continue
            start, end = self._drs_shift_window(flow, period, hours, now)
            vals_list.append(
                {
                    "flow_id": flow.id,
                    "company_id": flow.company_id.id,
                    "period_date": period,
                    "workcenter_ids": [fields.Command.set(flow.workcenter_ids.ids)],
                    "date_start": start,
                    "date_end": end,
                    "hours": hours,
                    "required_hours": flow._drs_required_makeup_hours(queued),
                    "queue_units": queued,
                    "makeup_threshold": flow.makeup_threshold,
                    "throughput": flow.throughput,
                }
            )
        shifts = self.sudo().create(vals_list)
        shifts._drs_notify_planners()
        return shifts

    def _drs_notify_planners(self):
        """One To-Do activity on the flow per active internal DRS planner of the
        flow's company, created in one batch."""
        if not self:
            return
        group = self.env.ref("mrp_drs.group_drs_planner")
        planners = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("groups_id", "in", group.id),
                    ("share", "=", False),
                    ("company_ids", "in", self.company_id.ids),
                ]
            )
        )
        todo = self.env.ref("mail.mail_activity_data_todo")
        flow_model = self.env["ir.model"]._get_id("mrp.drs.flow")
        vals_list = []
        for shift in self:
            summary = self.env._(
                "Make-up shift: %(hours).1f h on %(date)s",
                hours=shift.hours,
                date=shift.period_date,
            )
            note = self.env._(
                "The virtual queue of flow %(flow)s holds %(queue).2f equivalent "
                "units, above its make-up threshold of %(threshold).2f. A make-up "
                "shift of %(hours).1f h is authorised at %(workcenters)s from "
                "%(start)s to %(end)s (UTC); about %(needed).1f h are needed to "
                "bring the queue back to the threshold. Record the hours used on "
                "the shift.",
                flow=shift.flow_id.display_name,
                queue=shift.queue_units,
                threshold=shift.makeup_threshold,
                hours=shift.hours,
                workcenters=", ".join(shift.workcenter_ids.mapped("display_name")),
                start=shift.date_start,
                end=shift.date_end,
                needed=shift.required_hours,
            )
            vals_list.extend(
                {
                    "res_model_id": flow_model,
                    "res_id": shift.flow_id.id,
                    "activity_type_id": todo.id,
                    "summary": summary,
                    "note": note,
                    "date_deadline": shift.period_date,
                    "user_id": planner.id,
                    "automated": True,
                }
                for planner in planners
                if shift.company_id in planner.company_ids
            )
        self.env["mail.activity"].sudo().create(vals_list)
