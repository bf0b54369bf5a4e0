# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Summary of what applying an optimisation run changes, shown before it is
applied: reorder rules changed and created, bills of materials, operations,
WIP caps, and the queued orders a larger cap releases at once."""

from odoo import api, fields, models

_RULE_FIELDS = ("product_min_qty", "product_max_qty", "qty_multiple")


class MrpDrsOptimizationApplyWizard(models.TransientModel):
    _name = "mrp.drs.optimization.apply.wizard"
    _description = "Apply a DRS optimisation run: effect summary"

    run_id = fields.Many2one("mrp.drs.optimization.run", required=True, readonly=True)
    apply_all = fields.Boolean(
        "Apply every proposal",
        readonly=True,
        help="Every proposed value, flagged ones included; otherwise the selected "
        "ones only.",
    )
    line_count = fields.Integer("Values changed", compute="_compute_summary")
    orderpoint_count = fields.Integer(
        "Reorder rules changed", compute="_compute_summary"
    )
    orderpoint_created_count = fields.Integer(
        "Reorder rules created", compute="_compute_summary"
    )
    bom_count = fields.Integer(
        "Bills of materials (lead time)", compute="_compute_summary"
    )
    operation_count = fields.Integer(
        "Operations moved to another workcenter", compute="_compute_summary"
    )
    flow_count = fields.Integer("WIP caps changed", compute="_compute_summary")
    released_count = fields.Integer(
        "Orders released at once",
        compute="_compute_summary",
        help="Queued manufacturing orders the new WIP caps release as soon as they "
        "are applied, counted now.",
    )
    flagged_count = fields.Integer(
        "Flagged proposals included", compute="_compute_summary"
    )

    def _lines(self):
        self.ensure_one()
        domain = [("run_id", "=", self.run_id.id), ("state", "=", "proposed")]
        if not self.apply_all:
            domain.append(("selected", "=", True))
        return self.env["mrp.drs.optimization.line"].search(domain)

    @api.depends("run_id", "apply_all")
    def _compute_summary(self):
        for wizard in self:
            lines = wizard._lines()
            rules = lines.filtered(lambda line: line.field_name in _RULE_FIELDS)
            created = rules.filtered("create_orderpoint")
            caps = lines.filtered(lambda line: line.field_name == "wip_cap")
            new_caps = {
                line.flow_id.id: line.new_value
                for line in caps
                if line.new_value > line.flow_id.wip_cap
            }
            flows = caps.flow_id.sudo().browse(list(new_caps))
            released = flows._drs_releasable_counts(new_caps) if flows else {}
            wizard.line_count = len(lines)
            wizard.orderpoint_count = len((rules - created).orderpoint_id)
            wizard.orderpoint_created_count = len(created.product_id)
            wizard.bom_count = len(
                lines.filtered(lambda line: line.field_name == "produce_delay").bom_id
            )
            wizard.operation_count = len(
                lines.filtered(lambda line: line.field_name == "workcenter_id")
            )
            wizard.flow_count = len(caps)
            wizard.released_count = sum(released.values())
            wizard.flagged_count = len(lines.filtered("flagged"))

    def action_confirm(self):
        self.ensure_one()
        if self.apply_all:
            return self.run_id.action_apply()
        return self.run_id.action_apply_selected()
