# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Wizard quoting a due date for a quantity of a product from its DRS flow.

Opened from the menu, a flow, a manufacturing order, or (when Sales is
installed) a quotation line. mrp_drs depends on mrp only: the action for
quotation lines is defined unbound in XML, and ``_register_hook`` binds it to
``sale.order.line`` once that model exists in the registry (Sales installed
before or after this addon). If Sales is uninstalled, Odoo deletes the bound
action with the model (``ondelete='cascade'``); updating mrp_drs brings it back.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

SALE_LINE_MODEL = "sale.order.line"
SALE_LINE_ACTION = "mrp_drs.mrp_drs_quote_wizard_action_sale_line"


class MrpDrsQuoteWizard(models.TransientModel):
    _name = "mrp.drs.quote.wizard"
    _description = "Quote a due date from a DRS flow"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    product_id = fields.Many2one(
        "product.product",
        required=True,
        check_company=True,
        domain="[('bom_ids', '!=', False)]",
    )
    product_qty = fields.Float(
        "Quantity", digits="Product Unit of Measure", required=True, default=1.0
    )
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    service_level = fields.Float(
        "Service level (%)",
        digits="DRS Percent",
        compute="_compute_service_level",
        store=True,
        readonly=False,
        help="Probability of meeting the quoted date; the flow's by default.",
    )
    production_id = fields.Many2one(
        "mrp.production", "Manufacturing order", check_company=True
    )
    origin = fields.Char("Quoted from")
    origin_model = fields.Char()
    origin_id = fields.Many2oneReference(model_field="origin_model")
    # preview of the quote, recomputed as the planner edits
    flow_id = fields.Many2one("mrp.drs.flow", compute="_compute_preview")
    order_units = fields.Float(
        "Order work (equivalent units)",
        digits="DRS Equivalent Units",
        compute="_compute_preview",
    )
    jobs_ahead = fields.Float(
        "Work ahead (equivalent units)",
        digits="DRS Equivalent Units",
        compute="_compute_preview",
    )
    throughput = fields.Float(
        "Throughput (units/h)", digits="DRS Rate", compute="_compute_preview"
    )
    virtual_queue_hours = fields.Float(
        "Virtual-queue wait (working h)",
        digits="DRS Duration",
        compute="_compute_preview",
    )
    line_queue_hours = fields.Float(
        "Queue at stations (working h)",
        digits="DRS Duration",
        compute="_compute_preview",
    )
    own_hours = fields.Float(
        "Own work (working h)", digits="DRS Duration", compute="_compute_preview"
    )
    quoted_hours = fields.Float(
        "Quoted lead time (working h)",
        digits="DRS Duration",
        compute="_compute_preview",
    )
    quoted_date = fields.Datetime("Quoted date", compute="_compute_preview")
    quote_warning = fields.Char(compute="_compute_preview")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        model, record_id = context.get("active_model"), context.get("active_id")
        if model == "mrp.production" and record_id and not values.get("production_id"):
            values["production_id"] = record_id
        production = self.env["mrp.production"].browse(values.get("production_id"))
        if production:
            values.update(
                product_id=production.product_id.id,
                product_qty=production.product_uom_id._compute_quantity(
                    production.product_qty, production.product_id.uom_id
                ),
                company_id=production.company_id.id,
                origin=production.name,
            )
        elif model == SALE_LINE_MODEL and record_id and SALE_LINE_MODEL in self.env:
            line = self.env[SALE_LINE_MODEL].browse(record_id)
            values.update(
                product_id=line.product_id.id,
                product_qty=line.product_uom._compute_quantity(
                    line.product_uom_qty, line.product_id.uom_id
                ),
                company_id=line.company_id.id,
                origin=f"{line.order_id.name} - {line.product_id.display_name}",
                origin_model=SALE_LINE_MODEL,
                origin_id=line.id,
            )
        return values

    @api.depends("product_id", "production_id")
    def _compute_service_level(self):
        Quote = self.env["mrp.drs.due.date.quote"]
        for wizard in self:
            try:
                flow, _units = Quote._drs_flow_and_units(
                    wizard.product_id, 1.0, wizard.production_id
                )
            except UserError:
                flow = None
            wizard.service_level = flow.quote_service_level if flow else 90.0

    @api.depends("product_id", "product_qty", "service_level", "production_id")
    def _compute_preview(self):
        Quote = self.env["mrp.drs.due.date.quote"]
        for wizard in self:
            values, warning = {}, False
            if wizard.product_id:
                try:
                    values = Quote._drs_prepare_quote(**wizard._drs_quote_arguments())
                except UserError as error:
                    warning = str(error)
            wizard.update(
                {
                    "flow_id": values.get("flow_id", False),
                    "order_units": values.get("order_units", 0.0),
                    "jobs_ahead": values.get("jobs_ahead", 0.0),
                    "throughput": values.get("throughput", 0.0),
                    "virtual_queue_hours": values.get("virtual_queue_hours", 0.0),
                    "line_queue_hours": values.get("line_queue_hours", 0.0),
                    "own_hours": values.get("own_hours", 0.0),
                    "quoted_hours": values.get("quoted_hours", 0.0),
                    "quoted_date": values.get("quoted_date", False),
                    "quote_warning": warning,
                }
            )

    def _drs_quote_arguments(self):
        self.ensure_one()
        return {
            "product": self.product_id,
            "quantity": self.product_qty,
            "service_level": self.service_level,
            "production": self.production_id or None,
        }

    def action_create_quote(self):
        """Record the quote with its basis and open it."""
        self.ensure_one()
        values = self.env["mrp.drs.due.date.quote"]._drs_prepare_quote(
            **self._drs_quote_arguments()
        )
        values.update(
            origin=self.origin or False,
            origin_model=self.origin_model or False,
            origin_id=self.origin_id or False,
        )
        # quotes are computed, never typed: the figures above come from the
        # flow, so the record is written in superuser mode (no group may create
        # or edit quotes directly)
        quote = self.env["mrp.drs.due.date.quote"].sudo().create(values)
        return {
            "type": "ir.actions.act_window",
            "res_model": quote._name,
            "res_id": quote.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def _register_hook(self):
        super()._register_hook()
        self._drs_bind_sale_line_action()

    @api.model
    def _drs_bind_sale_line_action(self):
        """Bind the quotation-line action to ``sale.order.line`` when Sales is
        installed; a no-op otherwise or when already bound."""
        if SALE_LINE_MODEL not in self.env:
            return False
        action = self.env.ref(SALE_LINE_ACTION, raise_if_not_found=False)
        if not action or action.binding_model_id:
            return False
        action.sudo().binding_model_id = self.env["ir.model"]._get_id(SALE_LINE_MODEL)
        return True
