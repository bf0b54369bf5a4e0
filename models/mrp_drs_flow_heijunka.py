# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Heijunka on a DRS flow: the levelled plan (takt time, quotas) and the
levelled mixed-model release of the virtual queue (Monden's goal chasing,
:func:`engine.heijunka.levelled_sequence`)."""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from odoo.addons.mrp_drs.engine import heijunka

from .mrp_drs_flow import OPEN_STATES

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


class MrpDrsFlow(models.Model):
    _inherit = "mrp.drs.flow"

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
        digits="DRS Duration",
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

    def action_compute_heijunka(self):
        """Button: recompute the heijunka plan (takt time, quotas) now."""
        self._drs_check_planner()
        self.check_access("write")
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
        """Button: planned vs actual output of this flow by period."""
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "mrp_drs.mrp_drs_heijunka_output_action"
        )
        action["domain"] = [("flow_id", "=", self.id)]
        return action

    def _drs_compute_heijunka_plan(self):
        """The heijunka plan of these flows (for :func:`run_isolated`)."""
        return self.env["mrp.drs.heijunka.period"]._compute_for_flows(self)

    def _drs_queue_candidates(self):
        """The levelled sequence of the queue when ``levelled_release`` is set."""
        if self.levelled_release:
            return self._drs_levelled_candidates()
        return super()._drs_queue_candidates()

    def _drs_levelled_candidates(self):
        """Queued orders of this flow in levelled order, see
        :func:`engine.heijunka.levelled_release_order`; read in two queries."""
        self.ensure_one()
        self.env["mrp.production"].flush_model(LEVELLED_QUEUE_FIELDS)
        self.flush_recordset(["release_order"])
        queued = self._drs_read_queue(
            SQL(
                """
                p.id, COALESCE(p.drs_wip_units, 0), p.product_id,
                -- an absurd deadline (year 1) must not give a date before
                -- year 1, which Python cannot read
                CASE WHEN p.date_deadline IS NOT NULL THEN GREATEST(
                    p.date_deadline
                        - COALESCE(p.date_finished - p.date_start, interval '0'),
                    timestamp '0001-01-01'
                ) END
                """
            )
        )
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
        return heijunka.levelled_release_order(
            queued, in_process, fields.Datetime.now()
        )
