# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Throughput-versus-WIP curves of the flows, for the dashboard's graph view.

Community 18 has graph views but no chart widget on forms, so the curves are
rows (flow, case, WIP level) regenerated on demand: the Factory Physics best
case, practical worst case and worst case for the flow's bottleneck rate and
raw process time, and the flow's own curve by mean value analysis, all from
the flow's line (``mrp.drs.flow._drs_flow_lines``; Hopp & Spearman, *Factory
Physics*, ch. 7). A line graph grouped by WIP level and case draws them; the
flow's cap is the WIP level it runs at, marked by the ``cap`` series: the
flow's throughput at the cap, drawn up to the cap and dropping after it. Units
are equivalent WIP units, as in the optimisation run's flow charts.
"""

import math

import numpy as np

from odoo import api, fields, models

from .mrp_drs_flow import WIP_CAP_MAX

#: most WIP levels drawn per curve; above, levels are spread over 1..w_max
CURVE_POINTS = 200

CASES = [
    ("best", "Best case"),
    ("practical_worst", "Practical worst case"),
    ("worst", "Worst case"),
    ("flow", "This flow (MVA)"),
    ("cap", "WIP cap (the flow's throughput there)"),
]


class MrpDrsFlowCurve(models.Model):
    _name = "mrp.drs.flow.curve"
    _description = "DRS flow throughput-versus-WIP curve point"
    _order = "flow_id, case, wip"

    flow_id = fields.Many2one(
        "mrp.drs.flow", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="flow_id.company_id", store=True)
    case = fields.Selection(CASES, required=True)
    wip = fields.Integer("WIP (equivalent units)", required=True, aggregator=None)
    throughput = fields.Float(
        "Throughput (units/h)",
        digits="DRS Rate",
        aggregator="avg",
        help="Equivalent units per working hour.",
    )
    cycle_time = fields.Float(
        "Cycle time (h)", digits="DRS Duration", aggregator="avg", help="Working hours."
    )
    at_cap = fields.Boolean(
        "At the WIP cap", help="The WIP level nearest the flow's cap."
    )

    @api.model
    def _drs_refresh(self, flows, now=None):
        """Replace the curve points of ``flows`` (one delete, one create).

        All flows get the WIP levels ``1..w_max`` with one common ``w_max``
        (twice the largest cap or critical WIP, at least 10, at most twice
        :data:`WIP_CAP_MAX`), so that a graph over several flows has no missing
        points; beyond :data:`CURVE_POINTS` levels, that many spread levels
        (the flows' caps among them) are kept, so that the rows written stay
        bounded whatever the caps. Flows whose line cannot be described (no
        station data) get no curve.
        """
        now = now or fields.Datetime.now()
        models_by_flow = flows._drs_flow_lines(now)
        self.sudo().search([("flow_id", "in", flows.ids)]).unlink()
        if not models_by_flow:
            return self.browse()
        w_max = max(
            [10]
            + [
                math.ceil(
                    2 * min(max(flow.wip_cap, model.line.critical_wip), WIP_CAP_MAX)
                )
                for flow in flows
                if (model := models_by_flow.get(flow.id))
            ]
        )
        levels = np.arange(1, w_max + 1, dtype=float)
        if w_max > CURVE_POINTS:
            caps = [flow._drs_cap_level() for flow in flows]
            levels = np.unique(
                np.concatenate(
                    [np.round(np.linspace(1, w_max, CURVE_POINTS)), caps]
                ).clip(1, w_max)
            )
        rows = levels.astype(int) - 1
        vals_list = []
        for flow in flows:
            model = models_by_flow.get(flow.id)
            if not model:
                continue
            line = model.line
            curve = line.curve(w_max)
            cases = {
                "best": line.best_case(levels),
                "practical_worst": line.practical_worst_case(levels),
                "worst": line.worst_case(levels),
                "flow": (
                    curve["throughput"].to_numpy()[rows],
                    curve["cycle_time"].to_numpy()[rows],
                ),
            }
            cap_level = min(flow._drs_cap_level(), w_max)
            # the levels always hold the cap; the marker runs up to it
            at_cap = int(np.searchsorted(levels, cap_level))
            cases["cap"] = (
                np.full(at_cap + 1, cases["flow"][0][at_cap]),
                np.full(at_cap + 1, cases["flow"][1][at_cap]),
            )
            for case, (throughput, cycle_time) in cases.items():
                vals_list.extend(
                    {
                        "flow_id": flow.id,
                        "case": case,
                        "wip": int(level),
                        "throughput": float(rate),
                        "cycle_time": float(time),
                        "at_cap": int(level) == cap_level,
                    }
                    for level, rate, time in zip(
                        levels[: len(throughput)], throughput, cycle_time, strict=True
                    )
                )
        return self.sudo().create(vals_list)
