# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The risk check step of an optimisation run: before a planner sees the
proposal, each proposed flow policy is simulated by the engine
(:func:`engine.optimize.risk_check`) and stored next to the flow model's
figures (``mrp.drs.optimization.flow.check``)."""

from odoo import api, fields, models

from odoo.addons.mrp_drs.engine import optimize

#: flows simulated per run at most (bounded run time: ~0.1-0.5 s per flow)
RISK_MAX_FLOWS = 20

#: relative difference between flow model and simulation that flags a flow
RISK_TOLERANCE = 0.15

#: risk-check columns stored as whole numbers or flags, not as measures
_COUNTS = ("wip_cap", "makeup_threshold", "flagged", "replications")


class MrpDrsOptimizationRun(models.Model):
    _inherit = "mrp.drs.optimization.run"

    flow_check_ids = fields.One2many(
        "mrp.drs.optimization.flow.check", "run_id", "Risk check", readonly=True
    )
    flow_check_flagged_count = fields.Integer(
        "Flows flagged by the risk check", compute="_compute_flow_check_flagged_count"
    )

    @api.depends("flow_check_ids.flagged")
    def _compute_flow_check_flagged_count(self):
        for run in self:
            run.flow_check_flagged_count = len(run.flow_check_ids.filtered("flagged"))

    def _store_flow_checks(self, result):
        """Simulate the proposed policy of the run's flows (those with a WIP-cap
        proposal) and store one check per flow."""
        self.ensure_one()
        caps = self.env["mrp.drs.optimization.line"].search(
            [
                ("run_id", "=", self.id),
                ("kind", "=", "wip_cap"),
                ("state", "!=", "skipped"),
            ]
        )
        if not caps.flow_id:
            return
        table = optimize.risk_check(
            result,
            [str(flow_id) for flow_id in caps.flow_id.ids],
            max_flows=RISK_MAX_FLOWS,
            tolerance=RISK_TOLERANCE,
        )
        percent = (
            "simulated_service",
            "simulated_service_half_width",
            "throughput_deviation",
            "lead_time_deviation",
        )
        values = []
        for flow, row in table.iterrows():
            record = {
                name: float(row[name]) * (100.0 if name in percent else 1.0)
                for name in optimize.RISK_COLUMNS
                if name not in _COUNTS
            }
            values.append(
                {
                    **record,
                    "run_id": self.id,
                    "flow_id": int(flow),
                    "cap_orders": int(row["wip_cap"]),
                    "makeup_threshold": int(row["makeup_threshold"]),
                    "flagged": bool(row["flagged"]),
                    "replications": int(row["replications"]),
                }
            )
        self.env["mrp.drs.optimization.flow.check"].sudo().create(values)
