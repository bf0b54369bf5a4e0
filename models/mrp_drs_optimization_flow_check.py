# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Risk check of an optimisation run: the proposed policy of one flow simulated.

The engine (:func:`engine.optimize.risk_check`) simulates CONWIP with the
proposed cap, the virtual queue and make-up time on each flow and compares it
with the flow model; a row is written per run and flow by the optimiser only.
"""

from odoo import fields, models


class MrpDrsOptimizationFlowCheck(models.Model):
    _name = "mrp.drs.optimization.flow.check"
    _description = "DRS optimisation risk check of a flow"
    _order = "run_id, flagged desc, flow_id, id"

    run_id = fields.Many2one(
        "mrp.drs.optimization.run",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    company_id = fields.Many2one(related="run_id.company_id", store=True, index=True)
    flow_id = fields.Many2one("mrp.drs.flow", readonly=True, ondelete="cascade")
    cap_orders = fields.Integer("Cap simulated (orders)", readonly=True)
    arrival_rate = fields.Float("Demand (orders/h)", readonly=True, digits="DRS Rate")
    quoted_lead_time = fields.Float(
        "Quote (h)", readonly=True, digits="DRS Coarse Duration"
    )
    makeup_threshold = fields.Integer(
        "Make-up above cap + (orders)",
        readonly=True,
        help="Make-up time is on while more orders than the cap plus this many "
        "are in the flow (queue and line).",
    )
    analytic_throughput = fields.Float(
        "Throughput at cap, model (orders/h)", readonly=True, digits="DRS Rate"
    )
    simulated_cap_throughput = fields.Float(
        "Throughput at cap, simulated (orders/h)", readonly=True, digits="DRS Rate"
    )
    simulated_cap_throughput_half_width = fields.Float(
        "± (orders/h)", readonly=True, digits="DRS Rate"
    )
    simulated_throughput = fields.Float(
        "Output, simulated (orders/h)", readonly=True, digits="DRS Rate"
    )
    simulated_throughput_half_width = fields.Float(
        "Output ± (orders/h)", readonly=True, digits="DRS Rate"
    )
    simulated_wip = fields.Float(
        "WIP in line, simulated (orders)", readonly=True, digits="DRS Equivalent Units"
    )
    simulated_wip_half_width = fields.Float(
        "WIP ± (orders)", readonly=True, digits="DRS Equivalent Units"
    )
    analytic_lead_time = fields.Float(
        "Lead time, model (h)",
        readonly=True,
        digits="DRS Coarse Duration",
        help="Mean lead time of the flow model at the cap: virtual queue plus line.",
    )
    simulated_flow_time = fields.Float(
        "Flow time, simulated (h)",
        readonly=True,
        digits="DRS Coarse Duration",
        help="Mean time from arrival to done, virtual queue and make-up included.",
    )
    simulated_flow_time_half_width = fields.Float(
        "Flow time ± (h)", readonly=True, digits="DRS Coarse Duration"
    )
    simulated_service = fields.Float(
        "On time, simulated (%)", readonly=True, digits="DRS Percent"
    )
    simulated_service_half_width = fields.Float(
        "On time ± (%)", readonly=True, digits="DRS Percent"
    )
    throughput_deviation = fields.Float(
        "Throughput deviation (%)", readonly=True, digits="DRS Percent"
    )
    lead_time_deviation = fields.Float(
        "Lead-time deviation (%)", readonly=True, digits="DRS Percent"
    )
    flagged = fields.Boolean(
        "Model and simulation differ",
        readonly=True,
        help="Throughput at the cap or mean lead time differ by more than the "
        "tolerance (15 %) between the flow model and the simulation: check the "
        "flow's data before applying its cap.",
    )
    replications = fields.Integer("Simulated runs", readonly=True)
