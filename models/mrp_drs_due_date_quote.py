# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Due-date quotes from the work ahead in a DRS flow.

Under CONWIP the output of a flow is close to a Brownian motion with the flow's
throughput as drift (Hopp & Spearman, *Factory Physics*, ch. 15): an order is
done when the work ahead of it (WIP in the loop plus the queued work before
it) and its own work have left the line. The quote is the ``service``
quantile of that time (engine ``flowline.lead_time_now``: gamma, exact Erlang
for Poisson output), in working hours, turned into a date with the flow's
calendar. The BoM's planned lead time is the same computation for one BoM lot
behind the flow's whole queue, so the two agree but for the queue's change
since the BoM's last recompute. Work is counted in equivalent
units; make-up time already authorised and not yet elapsed takes its share of
the work ahead. Each quote is stored with its basis.
"""

import math
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

#: longest lead time quoted (working hours): ten years around the clock
QUOTE_HOURS_MAX = 87_600.0


#: system parameter: days a due-date quote is kept (then purged by the
#: lead-time cron)
QUOTE_KEEP_DAYS_PARAM = "mrp_drs.quote_keep_days"
QUOTE_KEEP_DAYS = 90


def quote_keep_days(env):
    """Days quotes are kept (system parameter ``mrp_drs.quote_keep_days``,
    default 90, at least 1)."""
    value = env["ir.config_parameter"].sudo().get_param(QUOTE_KEEP_DAYS_PARAM, "")
    try:
        return max(int(value), 1)
    except ValueError:
        return QUOTE_KEEP_DAYS


class MrpDrsDueDateQuote(models.Model):
    _name = "mrp.drs.due.date.quote"
    _description = "DRS due-date quote"
    _order = "quote_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        required=True, readonly=True, copy=False, default=lambda self: self.env._("New")
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    flow_id = fields.Many2one(
        "mrp.drs.flow", required=True, index=True, check_company=True
    )
    product_id = fields.Many2one("product.product", required=True, check_company=True)
    product_qty = fields.Float(
        "Quantity", digits="Product Unit of Measure", required=True
    )
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    service_level = fields.Float(
        "Service level (%)",
        digits="DRS Percent",
        help="Probability of meeting the quoted date.",
    )
    production_id = fields.Many2one(
        "mrp.production",
        "Manufacturing order",
        index="btree_not_null",
        check_company=True,
        ondelete="set null",
    )
    origin = fields.Char("Quoted from", readonly=True)
    origin_model = fields.Char(readonly=True)
    origin_id = fields.Many2oneReference(
        "Source record", model_field="origin_model", readonly=True
    )
    quote_date = fields.Datetime("Quoted on", required=True, readonly=True)
    order_units = fields.Float(
        "Order work (equivalent units)",
        digits="DRS Equivalent Units",
        readonly=True,
        help="The quoted quantity's hours at the flow's workcenters divided by "
        "the flow's standard work content.",
    )
    wip_units = fields.Float(
        "WIP ahead (equivalent units)", digits="DRS Equivalent Units", readonly=True
    )
    queue_units = fields.Float(
        "Queued work ahead (equivalent units)",
        digits="DRS Equivalent Units",
        readonly=True,
    )
    makeup_units = fields.Float(
        "Make-up work (equivalent units)",
        digits="DRS Equivalent Units",
        readonly=True,
        help="Work the authorised make-up time not yet elapsed will do, at the "
        "flow's throughput; it is taken off the work ahead.",
    )
    jobs_ahead = fields.Float(
        "Work ahead (equivalent units)",
        digits="DRS Equivalent Units",
        readonly=True,
        help="WIP plus queued work ahead, less make-up work, never negative.",
    )
    throughput = fields.Float(
        "Throughput (units/h)",
        digits="DRS Rate",
        readonly=True,
        help="Equivalent units per working hour.",
    )
    cd2 = fields.Float(
        "Output variability (SCV)",
        digits="DRS Variability",
        readonly=True,
        help="Squared coefficient of variation of the flow's output.",
    )
    throughput_source = fields.Selection(
        [
            ("history", "Completed orders"),
            ("capacity", "Capacity (practical worst case at the cap)"),
        ],
        "Throughput from",
        readonly=True,
    )
    virtual_queue_hours = fields.Float(
        "Virtual-queue wait (working h)",
        digits="DRS Duration",
        readonly=True,
        help="Mean time for the queued work ahead (less make-up work) to leave "
        "the line at its throughput.",
    )
    line_queue_hours = fields.Float(
        "Queue at stations (working h)",
        digits="DRS Duration",
        readonly=True,
        help="Mean time for the WIP ahead, already in the line, to leave it.",
    )
    own_hours = fields.Float(
        "Own work (working h)",
        digits="DRS Duration",
        readonly=True,
        help="Mean time the line takes for the order's own equivalent units.",
    )
    quoted_hours = fields.Float(
        "Quoted lead time (working h)",
        digits="DRS Duration",
        readonly=True,
        help="A quote for this order now: the service-level quantile of the time "
        "the work ahead and the order take to leave the line (gamma; exact "
        "Erlang for Poisson output), engine flowline.lead_time_now. The BoM's "
        "planned lead time is the same figure for one BoM lot behind the queue "
        "of its last recompute.",
    )
    quoted_date = fields.Datetime("Quoted date", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", self.env._("New")) == self.env._("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code(
                    "mrp.drs.due.date.quote"
                ) or self.env._("New")
        return super().create(vals_list)

    def action_open_origin(self):
        """Open the record the quote was made from (order or quotation line)."""
        self.ensure_one()
        model = "mrp.production" if self.production_id else self.origin_model
        res_id = self.production_id.id or self.origin_id
        if not model or not res_id or model not in self.env:
            raise UserError(self.env._("This quote has no source record to open."))
        return {
            "type": "ir.actions.act_window",
            "res_model": model,
            "res_id": res_id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    @api.model
    def _drs_flow_and_units(self, product, quantity, production=None):
        """Flow of the quoted work and its equivalent units: ``(flow, units)``.

        A manufacturing order brings its own flow and units (its work orders at
        the flow's workcenters); otherwise the product's first bill of
        materials decides, as when an order is assigned to a flow.
        """
        if production and production.drs_flow_id:
            flow = production.drs_flow_id.sudo()
            units = production.drs_wip_units or production._drs_compute_wip_units().get(
                production.id, 0.0
            )
            if units > 0:
                return flow, units
        company = production.company_id if production else self.env.company
        flows = (
            self.env["mrp.drs.flow"].sudo().search([("company_id", "=", company.id)])
        )
        for flow_id, hours in flows._get_product_work_hours().items():
            if product.id in hours:
                flow = flows.browse(flow_id)
                return flow, quantity * hours[product.id] / flow.standard_work_hours
        raise UserError(
            self.env._(
                "%(product)s is not made in a DRS flow of %(company)s: its bill of "
                "materials has no operation at a flow's workcenters, so no due "
                "date can be quoted from a flow.",
                product=product.display_name,
                company=company.display_name,
            )
        )

    @api.model
    def _drs_prepare_quote(
        self, product, quantity, service_level=None, production=None, now=None
    ):
        """Values of a quote for ``quantity`` of ``product`` (in its unit).

        ``service_level`` in percent (default: the flow's); ``production`` the
        order quoted, if any: its own position in the queue then sets the work
        ahead. Raises ``UserError`` when nothing can be quoted.
        """
        now = now or fields.Datetime.now()
        if not math.isfinite(quantity) or quantity <= 0:
            raise UserError(
                self.env._(
                    "Quote a positive quantity of %(product)s (got %(qty)s).",
                    product=product.display_name,
                    qty=quantity,
                )
            )
        flow, order_units = self._drs_flow_and_units(product, quantity, production)
        service = flow.quote_service_level if service_level is None else service_level
        if not 50.0 <= service < 100.0:
            raise UserError(
                self.env._(
                    "The service level of a quote must be at least 50 %% and below "
                    "100 %% (got %(service)s %%).",
                    service=service,
                )
            )
        state = flow._drs_state_now(now)[flow.id]
        throughput = state["throughput"]
        if throughput <= 0:
            raise UserError(
                self.env._(
                    "Flow %(flow)s has no throughput yet: it has no completed "
                    "order in its window and no working time or station data to "
                    "estimate one from. Check its workcenters' calendars.",
                    flow=flow.display_name,
                )
            )
        wip_units, queue_units = flow._drs_work_ahead(production)
        makeup_units = state["makeup_units"]
        jobs_ahead = max(wip_units + queue_units - makeup_units, 0.0)
        try:
            parts = flow._drs_lead_time_now(
                state, order_units, service / 100.0, queue=queue_units, wip=wip_units
            )
        except ValueError as error:
            raise UserError(
                self.env._(
                    "No due date can be quoted from flow %(flow)s: %(error)s",
                    flow=flow.display_name,
                    error=str(error),
                )
            ) from error
        quoted_hours = float(parts["quantile"])
        if not quoted_hours <= QUOTE_HOURS_MAX:
            raise UserError(
                self.env._(
                    "%(qty)s of %(product)s would take %(hours).0f working hours "
                    "in flow %(flow)s, more than the %(max).0f h (ten years) a "
                    "quote covers: quote a smaller quantity.",
                    qty=quantity,
                    product=product.display_name,
                    hours=quoted_hours,
                    flow=flow.display_name,
                    max=QUOTE_HOURS_MAX,
                )
            )
        return {
            "company_id": flow.company_id.id,
            "flow_id": flow.id,
            "product_id": product.id,
            "product_qty": quantity,
            "service_level": service,
            "production_id": production.id if production else False,
            "quote_date": now,
            "order_units": order_units,
            "wip_units": wip_units,
            "queue_units": queue_units,
            "makeup_units": makeup_units,
            "jobs_ahead": jobs_ahead,
            "throughput": throughput,
            "cd2": state["cd2"],
            "throughput_source": state["source"],
            "virtual_queue_hours": float(parts["virtual_queue"]),
            "line_queue_hours": float(parts["line_queue"]),
            "own_hours": float(parts["own"]),
            "quoted_hours": quoted_hours,
            "quoted_date": flow._drs_plan_hours(quoted_hours, now),
        }

    @api.model
    def _drs_purge(self, now=None):
        """Delete the quotes older than :func:`quote_keep_days` (a quote is a
        promise of its day: past its date it only fills the table); one
        ``DELETE``, run by the lead-time cron. Returns the number deleted."""
        now = now or fields.Datetime.now()
        self.flush_model(["quote_date"])
        self.env.cr.execute(
            SQL(
                "DELETE FROM mrp_drs_due_date_quote WHERE quote_date < %s",
                now - timedelta(days=quote_keep_days(self.env)),
            )
        )
        deleted = self.env.cr.rowcount
        self.invalidate_model()
        return deleted
