# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Summary of what applying an optimisation run changes, shown before it is
applied: reorder rules changed and created, bills of materials, operations,
WIP caps, and the queued orders a larger cap releases at once."""

from collections import Counter

from odoo import api, fields, models


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
    line_count = fields.Integer("Records changed", compute="_compute_summary")
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

    def _domain(self):
        self.ensure_one()
        domain = [("run_id", "=", self.run_id.id), ("state", "=", "proposed")]
        if not self.apply_all:
            domain.append(("selected", "=", True))
        return domain

    @api.depends("run_id", "apply_all")
    def _compute_summary(self):
        Line = self.env["mrp.drs.optimization.line"]
        for wizard in self:
            # counted in the database: a run has 100,000s of lines
            per_field, created, flagged, carried = Counter(), 0, 0, 0
            for field_name, create, flag, number, leads in Line._read_group(
                wizard._domain(),
                ["field_name", "create_orderpoint", "flagged"],
                ["__count", "new_lead_days:count"],
            ):
                per_field[field_name] += number
                created += number if field_name == "reorder_rule" and create else 0
                flagged += number if flag else 0
                # lead times carried by reorder-rule lines
                carried += leads if field_name == "reorder_rule" else 0
            caps = Line.search([*wizard._domain(), ("field_name", "=", "wip_cap")])
            new_caps = {
                line.flow_id.id: line.new_value
                for line in caps
                if line.new_value > line.flow_id.wip_cap
            }
            flows = caps.flow_id.sudo().browse(list(new_caps))
            released = flows._drs_releasable_counts(new_caps) if flows else {}
            wizard.line_count = sum(per_field.values())
            wizard.orderpoint_count = per_field["reorder_rule"] - created
            wizard.orderpoint_created_count = created
            wizard.bom_count = per_field["produce_delay"] + carried
            wizard.operation_count = per_field["workcenter_id"]
            wizard.flow_count = len(caps)
            wizard.released_count = sum(released.values())
            wizard.flagged_count = flagged

    def action_confirm(self):
        self.ensure_one()
        if self.apply_all:
            return self.run_id.action_apply()
        return self.run_id.action_apply_selected()
