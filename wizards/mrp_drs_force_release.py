# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class MrpDrsForceRelease(models.TransientModel):
    _name = "mrp.drs.force.release"
    _description = "Force the release of manufacturing orders from the DRS queue"

    production_ids = fields.Many2many(
        "mrp.production",
        string="Manufacturing orders",
        required=True,
        readonly=True,
    )
    reason = fields.Text(
        required=True,
        help="Why these orders skip the virtual queue; logged in the chatter of the "
        "orders and of their flow.",
    )
    flow_summary = fields.Text("Flows", compute="_compute_flow_summary")

    @api.depends("production_ids")
    def _compute_flow_summary(self):
        for wizard in self:
            flows = wizard.production_ids._origin.drs_flow_id.sudo()
            status = flows._get_wip_status()
            lines = [
                self.env._(
                    "%(flow)s: WIP %(wip).2f of cap %(cap).2f equivalent units, "
                    "%(queued)s order(s) queued",
                    flow=flow.display_name,
                    wip=status[flow.id]["wip"],
                    cap=flow.wip_cap,
                    queued=status[flow.id]["queue_count"],
                )
                for flow in flows
            ]
            wizard.flow_summary = "\n".join(lines)

    def action_force_release(self):
        self.ensure_one()
        self.production_ids.action_drs_force_release(self.reason)
        return {"type": "ir.actions.act_window_close"}
