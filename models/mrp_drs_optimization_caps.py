# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The flow part of an optimisation run's proposal: one WIP-cap line per
flow (the engine's cap in orders as equivalent units, its loop type, the
orders a cap increase would release), with the reason in a planner's words."""

import logging

import pandas as pd

from odoo import models
from odoo.tools import SQL

from .mrp_drs_flow import OPEN_STATES
from .mrp_drs_optimization_proposal import _ceil_cents

_logger = logging.getLogger(__name__)


class MrpDrsOptimizationRun(models.Model):
    _inherit = "mrp.drs.optimization.run"

    def _flow_lot_hours(self, data, result, proposal):
        """Work hours of a lot at each flow's workcenters: per flow, ``mean``
        (the flow's average lot) and ``largest`` (its largest proposed lot).

        Converts the engine's cap (lots of the flow's average routing) into the
        flow's equivalent units (hours / standard work content), the unit in
        which manufacturing orders count against the cap.
        """
        products = data["products"]
        if result.assignment.empty:
            return pd.DataFrame(columns=["mean", "largest"], dtype=float)
        rows = self._assignment_shares(data, result, ["run_hours", "setup_hours"])
        flow_of_center = dict(
            zip(
                data["flow_rows"]["workcenter_id"],
                data["flow_rows"]["flow_id"],
                strict=True,
            )
        )
        lot = proposal["lot"]
        rows = rows.assign(
            flow=rows["product_id"].map(products["flow_id"]),
            center_flow=rows["workcenter_id"].map(flow_of_center),
            lot=rows["product_id"].map(lot),
            demand=rows["product_id"].map(products["demand_mean"]),
        )
        rows = rows[(rows["flow"] == rows["center_flow"]) & rows["lot"].notna()]
        rows = rows.assign(
            hours=rows["demand"]
            * rows["share"]
            / rows["lot"]
            * (rows["setup_hours"] + rows["lot"] * rows["run_hours"])
        )
        hours = rows.groupby("flow")["hours"].sum()
        items = products.assign(lots=products["demand_mean"] / lot)
        items = items[items["flow_id"].notna() & lot.notna()]
        lots = items.groupby("flow_id")["lots"].sum()
        # one lot of a product: its setups and lot x run hours at the flow
        per_lot = rows.assign(
            one=rows["share"] * (rows["setup_hours"] + rows["lot"] * rows["run_hours"])
        )
        largest = per_lot.groupby(["flow", "product_id"])["one"].sum()
        return pd.DataFrame(
            {"mean": hours / lots, "largest": largest.groupby(level=0).max()}
        ).dropna()

    def _wip_cap_lines(self, data, result, proposal):
        """One line per flow in scope: the engine's cap and loop type.

        The engine's ``wip_cap`` counts orders (lots of the flow's average
        routing): the least number whose flow-model throughput covers the
        demand with a margin, never below the largest lot, independent of any
        cost; a non-bottleneck loop adds its expected finished stock. In the
        flow's equivalent units it is that count times the hours of an average
        proposed lot over the standard work content, and never below one lot
        of its largest proposed lot nor the largest order open now (else it
        could only enter alone).

        Returns the lines' values and, for the lines of flows the engine
        capped, what their chart is drawn from (:func:`.flow_chart`, drawn
        later beside the insert of the other lines): ``{position in the
        lines: (flow name, key of result.flows, units per lot)}``.
        """
        flows, products = data["flows"], data["products"]
        if self.scope == "flows":
            flows = flows[flows.index.isin(self.flow_ids.ids)]
        elif self.scope == "categories":
            scoped = products.loc[products["in_scope"], "flow_id"].dropna()
            flows = flows[flows.index.isin(scoped.astype(int))]
        table = result.flows
        lot_hours = self._flow_lot_hours(data, result, proposal)
        largest_open = self._largest_open_orders(flows.index.tolist())
        lines, charts = [], {}
        for flow_id, flow in flows.iterrows():
            key = str(flow_id)
            row = table.loc[key] if key in table.index else None
            cap = row["wip_cap"] if row is not None else pd.NA
            if row is None or pd.isna(cap) or flow_id not in lot_hours.index:
                status = row["status"] if row is not None else "no_load"
                lines.append(
                    {
                        "run_id": self.id,
                        "kind": "wip_cap",
                        "field_name": "wip_cap",
                        "flow_id": int(flow_id),
                        "old_value": float(flow["wip_cap"]),
                        "old_loop_type": flow["loop_type"],
                        "state": "skipped",
                        "selected": False,
                        "reason": self._flow_reason(status),
                    }
                )
                continue
            hours_per_lot = float(lot_hours.loc[flow_id, "mean"])
            standard = flow["standard_work_hours"]
            units = _ceil_cents(
                max(
                    int(cap) * hours_per_lot,
                    float(lot_hours.loc[flow_id, "largest"]),
                )
                / standard
            )
            units = max(units, largest_open.get(int(flow_id), 0.0), 0.01)
            loop_type = row["loop_type"]
            changed = (
                abs(units - flow["wip_cap"]) > 0.005 or loop_type != flow["loop_type"]
            )
            # in equivalent units, as the flow's own curve in Odoo
            charts[len(lines)] = (flow["name"], key, hours_per_lot / standard)
            lines.append(
                {
                    "run_id": self.id,
                    "kind": "wip_cap",
                    "field_name": "wip_cap",
                    "flow_id": int(flow_id),
                    "old_value": float(flow["wip_cap"]),
                    "new_value": units,
                    "difference": units - float(flow["wip_cap"]),
                    "old_loop_type": flow["loop_type"],
                    "new_loop_type": loop_type,
                    "cap_orders": int(row["min_cap_units"]),
                    "state": "proposed" if changed else "unchanged",
                    "reason": self._wip_cap_reason(row, hours_per_lot),
                }
            )
        released = self._released_by_caps(lines)
        for line in lines:
            if line["state"] != "skipped":
                line.update(self._cap_flags(line, released.get(line["flow_id"], 0)))
        return lines, charts

    def _released_by_caps(self, lines):
        """Queued orders each raised cap of ``lines`` would release at once:
        ``{flow_id: count}``, in one ``_drs_releasable_counts`` for all the
        flows (each call reads the stock of its flows' products)."""
        raised = [
            line
            for line in lines
            if line["state"] == "proposed" and line["new_value"] > line["old_value"]
        ]
        if not raised:
            return {}
        return (
            self.env["mrp.drs.flow"]
            .sudo()
            .browse([line["flow_id"] for line in raised])
            ._drs_releasable_counts(
                {line["flow_id"]: line["new_value"] for line in raised},
                {line["flow_id"]: line["new_loop_type"] for line in raised},
            )
        )

    def _cap_flags(self, line, released):
        """Review flag, selection and orders released of a WIP-cap ``line``
        (values with a new cap) that releases ``released`` queued orders."""
        changed = line["state"] == "proposed"
        units, old_cap = line["new_value"], line["old_value"]
        big = changed and abs(units - old_cap) > self.review_threshold * max(
            old_cap, 0.01
        )
        flag_reasons = []
        if released:
            flag_reasons.append(
                self.env._("releases %(count)s queued order(s) at once", count=released)
            )
        if big:
            # formatted outside the translated call: an f-string with a
            # format spec inside it stops Odoo's term extractor
            threshold = format(self.review_threshold, ".0%")
            flag_reasons.append(
                self.env._(
                    "changes the cap by more than %(threshold)s",
                    threshold=threshold,
                )
            )
        return {
            "selected": changed and not flag_reasons,
            "flagged": bool(flag_reasons),
            "flag_reason": "; ".join(flag_reasons),
            "orders_released": int(released),
        }

    def _wip_cap_reason(self, row, hours_per_lot):
        reason = self.env._(
            "%(orders)s order(s) in the line of %(hours).2f h on average "
            "(throughput at the cap %(rate).3f lots/h for %(target).3f lots/h "
            "needed; status %(status)s)",
            orders=int(row["min_cap_units"]),
            hours=hours_per_lot,
            rate=float(row["throughput_at_cap"]),
            target=float(row["target_throughput"]),
            status=row["status"],
        )
        if row["loop_type"] == "non_bottleneck":
            reason += self.env._(
                "; non-bottleneck loop: plus %(stock)s lot(s) of expected finished "
                "stock, which its release rule counts",
                stock=int(row["wip_cap"]) - int(row["min_cap_units"]),
            )
        return reason

    def _largest_open_orders(self, flow_ids):
        """Largest open order (queued or released) of each flow, in equivalent
        units: ``{flow_id: units}``."""
        if not flow_ids:
            return {}
        self.env["mrp.production"].flush_model(
            ["drs_flow_id", "drs_state", "drs_wip_units", "state"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT drs_flow_id, MAX(drs_wip_units)
                  FROM mrp_production
                 WHERE drs_flow_id = ANY(%s)
                   AND drs_state IN ('queued', 'released')
                   AND state IN %s
                 GROUP BY drs_flow_id
                """,
                [int(flow_id) for flow_id in flow_ids],
                OPEN_STATES,
            )
        )
        rows = self.env.cr.fetchall()
        return {flow_id: float(units or 0.0) for flow_id, units in rows}

    def _flow_reason(self, status):
        return {
            "overloaded": self.env._(
                "overloaded: the flow's load exceeds its bottleneck's capacity"
            ),
            "no_load": self.env._("no optimised product runs through this flow"),
        }.get(status, self.env._("no WIP cap found (status %(status)s)", status=status))
