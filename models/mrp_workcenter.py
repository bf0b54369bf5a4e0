# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class MrpWorkcenter(models.Model):
    _inherit = "mrp.workcenter"

    drs_flow_ids = fields.Many2many(
        "mrp.drs.flow",
        "mrp_drs_flow_workcenter_rel",
        "workcenter_id",
        "flow_id",
        string="DRS flows",
        readonly=True,
    )
    drs_flow_id = fields.Many2one(
        "mrp.drs.flow",
        string="DRS flow",
        compute="_compute_drs_flow_id",
        store=True,
        index=True,
        help="CONWIP loop (DRS flow) this workcenter belongs to; set on the flow.",
    )

    @api.depends("drs_flow_ids", "drs_flow_ids.active")
    def _compute_drs_flow_id(self):
        for workcenter in self:
            # inactive flows are filtered out of the many2many when it is read
            workcenter.drs_flow_id = workcenter.drs_flow_ids[:1]
