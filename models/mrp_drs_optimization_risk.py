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


def simulate_flows(result, flow_ids):
    """The risk check (:func:`engine.optimize.risk_check`) of the flows
    ``flow_ids`` (those with a WIP-cap proposal): a DataFrame by flow, or None
    without flows. Engine work only, on plain values: the run does it in a
    worker thread while the proposal lines are inserted."""
    if not flow_ids:
        return None
    return optimize.risk_check(
        result,
        [str(flow_id) for flow_id in flow_ids],
        max_flows=RISK_MAX_FLOWS,
        tolerance=RISK_TOLERANCE,
    )


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

    def _create_flow_checks(self, table):
        """Store one check per flow of ``table``, the simulated flows of
        :func:`simulate_flows` (None when no flow was simulated)."""
        self.ensure_one()
        if table is None:
            return
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
