# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The proposal of an optimisation run: the engine's result turned into
proposal lines (reorder rules, lot sizes, lead times, operation assignments,
WIP caps), the run's expected totals against today's policy, and its charts.

Lot sizes and reorder points are rounded up to the rounding of the product's
unit of measure, and to whole units for units of the "Unit" category (pieces,
dozens). Negative reorder points (possible in a (Q, r) policy when lots are
large) are raised to zero.
"""

import base64
import logging
import math
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.mrp_drs.engine import inventory

from .mrp_drs_flow import OPEN_STATES

_logger = logging.getLogger(__name__)

#: fill-rate targets of the efficient frontier chart
FRONTIER_TARGETS = (0.80, 0.85, 0.90, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995)

#: orderpoint fields a run may change, in the order of the lines
ORDERPOINT_FIELDS = ("product_min_qty", "product_max_qty", "qty_multiple")

#: the engine's reason for an item whose workcenter is overloaded by run time
OVERLOAD_REASON = re.compile(
    r"^(?P<workcenter>\d+): load of (?P<load>[\d.]+%) without setups leaves no "
    r"room under max_utilization (?P<ceiling>[\d.]+%)$"
)

#: lines are created in chunks of this size (one ``create`` call each)
LINE_CHUNK = 50_000


def _round_up(values, rounding):
    """Round up to a multiple of ``rounding`` (a product's UoM rounding)."""
    values = np.asarray(values, dtype=float)
    rounding = np.asarray(rounding, dtype=float)
    rounded = np.ceil(values / rounding - 1e-9) * rounding
    return np.round(rounded, 6)


def _ceil_cents(value):
    """Round up to hundredths (equivalent units shown with two decimals)."""
    return math.ceil(value * 100 - 1e-6) / 100.0


def _finite(value):
    return float(value) if value is not None and np.isfinite(value) else 0.0


def _finite_array(series):
    values = np.asarray(series, dtype=float)
    return np.where(np.isfinite(values), values, 0.0)


def _id(value):
    return int(value) if value is not None and not pd.isna(value) else False


class MrpDrsOptimizationRun(models.Model):
    _inherit = "mrp.drs.optimization.run"

    def _store_result(self, data, result):
        """Write the proposal lines, the charts and the expected totals."""
        values = self._prepare_line_values(data, result)
        Line = self.env["mrp.drs.optimization.line"]
        for start in range(0, len(values), LINE_CHUNK):
            Line.create(values[start : start + LINE_CHUNK])
            Line.invalidate_model()
        products, summary = data["products"], result.summary
        current = self._current_policy(data, result)
        self.write(
            {
                "state": "done",
                "progress": 100.0,
                "progress_message": False,
                "date_done": fields.Datetime.now(),
                "product_count": len(products),
                "scope_product_count": int(products["in_scope"].sum())
                + len(data["no_bom"]),
                "routing_row_count": len(data["routing"]),
                "workcenter_count": len(data["centers"]),
                "flow_count": len(data["flows"]),
                "period_count": self._history_bounds()[0],
                "period_hours": data["period_hours"],
                "feasible_count": summary["feasible_items"],
                "infeasible_count": summary["infeasible_items"],
                "inventory_investment": summary["inventory_investment"],
                "fill_rate": _finite(summary["fill_rate"]),
                "wip_units": summary["expected_wip_units"],
                "wip_investment": summary["wip_investment"],
                "max_utilization_result": _finite(summary["max_utilization"]),
                **current,
                "frontier_chart": self._frontier_chart(result),
            }
        )

    def _proposed_quantities(self, data, result):
        """Per product: rounded lot size, reorder point and lead-time days."""
        products = data["products"]
        items = result.items.reindex(products.index.astype(str))
        rounding = products["rounding"].to_numpy()
        lot = items["lot_size"].to_numpy(dtype=float)
        reorder = np.maximum(items["reorder_point"].to_numpy(dtype=float), 0.0)
        feasible = items["feasible"].fillna(False).to_numpy(dtype=bool)
        feasible = feasible & np.isfinite(lot) & np.isfinite(reorder)
        lot = np.where(
            feasible, _round_up(np.where(feasible, lot, 1), rounding), np.nan
        )
        reorder = np.where(
            feasible, _round_up(np.where(feasible, reorder, 0), rounding), np.nan
        )
        quantile = items["planned_lead_time_quantile"].to_numpy(dtype=float)
        days = np.ceil(quantile / data["period_hours"] * self.period_days - 1e-9)
        return pd.DataFrame(
            {
                "feasible": feasible,
                "reason": items["reason"]
                .fillna("")
                .map(lambda text: self._item_reason(text, data["centers"]["name"]))
                .to_numpy(),
                "lot": lot,
                "reorder": reorder,
                "lead_days": np.where(feasible & np.isfinite(days), days, np.nan),
                "lead_hours": quantile,
                "safety_stock": items["safety_stock"].to_numpy(dtype=float),
                "days_of_supply": items["days_of_supply"].to_numpy(dtype=float),
                "fill_rate": items["fill_rate"].to_numpy(dtype=float),
            },
            index=products.index,
        )

    def _prepare_line_values(self, data, result):
        """Line values (list of dicts) of the proposal: reorder rules, lot sizes
        and lead times of the products in scope, operation assignments, WIP
        caps, and one line per product that could not be optimised."""
        products = data["products"]
        proposal = self._proposed_quantities(data, result)
        scoped = products["in_scope"].to_numpy()
        values = []
        values += self._product_lines(products[scoped], proposal[scoped])
        values += [
            {
                "run_id": self.id,
                "kind": "orderpoint",
                "product_id": product_id,
                "state": "skipped",
                "selected": False,
                "reason": self.env._("no bill of materials: not manufactured"),
            }
            for product_id in data["no_bom"]
        ]
        values += self._assignment_lines(data, result)
        values += self._wip_cap_lines(data, result, proposal)
        return values

    def _product_lines(self, products, proposal):
        """Lines of the products in scope: one 'skipped' line per product that
        was not optimised (with the engine's reason) or has no reorder rule to
        change; else the changed reorder-rule quantities and lead time.

        A reorder rule becomes an (r, nQ) policy: ``min = r``, ``max = r + Q``,
        ``multiple = Q``. When forecast stock falls below min, Odoo 18 orders up
        to max rounded *down* to a multiple of Q (max > 0), i.e. the smallest
        number of lots of Q that brings the stock position back above r.
        """
        run_id = self.id
        bad = ~proposal["feasible"].to_numpy()
        has_rule = products["orderpoint_id"].notna().to_numpy()
        create = (
            ~has_rule & products["can_manufacture"].to_numpy() & self.create_orderpoints
        )
        no_rule = ~bad & ~has_rule & ~create
        ok = ~bad & (has_rule | create)
        orderpoint_ids = [_id(value) for value in products["orderpoint_id"]]
        frame = pd.DataFrame(
            {
                "run_id": run_id,
                "product_id": products.index.to_numpy(),
                "orderpoint_id": pd.Series(orderpoint_ids, dtype=object).to_numpy(),
            }
        )
        skipped = frame[bad | no_rule].assign(
            kind="orderpoint",
            field_name="product_min_qty",
            old_value=products["min_qty"].fillna(0.0).to_numpy()[bad | no_rule],
            state="skipped",
            selected=False,
            reason=np.where(
                bad,
                proposal["reason"].replace("", self.env._("not optimised")),
                self.env._(
                    "no reorder rule in the warehouse and none created (no "
                    "manufacture route, or creation not requested)"
                ),
            )[bad | no_rule],
        )
        lines = skipped.to_dict("records")
        quantities = {
            "product_min_qty": (products["min_qty"], proposal["reorder"]),
            "product_max_qty": (
                products["max_qty"],
                proposal["reorder"] + proposal["lot"],
            ),
            "qty_multiple": (products["multiple"], proposal["lot"]),
        }
        rounding = products["rounding"].to_numpy()
        for field_name, (old, new) in quantities.items():
            old, new = old.fillna(0.0).to_numpy(), new.to_numpy()
            changed = ok & (create | (np.abs(new - old) > rounding / 2))
            part = frame[changed].assign(
                kind="lot_size" if field_name == "qty_multiple" else "orderpoint",
                field_name=field_name,
                create_orderpoint=create[changed],
                old_value=old[changed],
                new_value=new[changed],
                difference=(new - old)[changed],
            )
            if field_name == "product_min_qty":
                part = part.assign(
                    demand_mean=products["demand_mean"].to_numpy()[changed],
                    demand_std=products["demand_std"].to_numpy()[changed],
                    safety_stock=_finite_array(proposal["safety_stock"])[changed],
                    days_of_supply=_finite_array(proposal["days_of_supply"])[changed],
                    fill_rate=_finite_array(proposal["fill_rate"])[changed],
                    lead_time_hours=_finite_array(proposal["lead_hours"])[changed],
                )
            lines += part.to_dict("records")
        # manufacturing lead time of the bill of materials: one line per BoM;
        # a BoM shared by variants takes the longest lead time of its products
        lead = pd.DataFrame(
            {
                "product_id": products.index.to_numpy(),
                "bom_id": products["bom_id"].to_numpy(),
                "old_value": products["produce_delay"].to_numpy(dtype=float),
                "new_value": proposal["lead_days"].to_numpy(),
                "lead_time_hours": proposal["lead_hours"].to_numpy(),
            }
        )[~bad]
        lead = lead[np.isfinite(lead["new_value"].to_numpy())]
        lead = lead.sort_values(
            ["bom_id", "new_value", "product_id"], ascending=[True, False, True]
        ).drop_duplicates("bom_id")
        lead = lead[lead["new_value"] != lead["old_value"]]
        lines += lead.assign(
            run_id=run_id,
            kind="lead_time",
            field_name="produce_delay",
            difference=lead["new_value"] - lead["old_value"],
        ).to_dict("records")
        return lines

    @api.model
    def _assignment_shares(self, data, result, routing_columns):
        """The engine's workcenter shares (result.assignment) as Odoo ids, one row
        per product, step and workcenter, joined to ``routing_columns`` of the
        extracted routing."""
        shares = result.assignment
        key = ["product_id", "step", "workcenter_id"]
        return pd.DataFrame(
            {
                "product_id": shares["sku"].astype(int).to_numpy(),
                "step": shares["operation"].astype(int).to_numpy(),
                "workcenter_id": shares["workcenter"].astype(int).to_numpy(),
                "share": shares["share"].to_numpy(dtype=float),
            }
        ).merge(data["routing"][key + routing_columns], on=key)

    def _assignment_lines(self, data, result):
        """Operations whose majority of demand moves to an alternative workcenter.

        The engine splits an operation's demand among its eligible workcenters to
        minimise the largest utilisation; Odoo has one workcenter per operation
        (planning may still pick an alternative), so the operation moves to the
        workcenter with the largest demand-weighted share.
        """
        routing, products = data["routing"], data["products"]
        if result.assignment.empty:
            return []
        frame = self._assignment_shares(data, result, ["operation_id"])
        options = frame.groupby("operation_id")["workcenter_id"].transform("nunique")
        frame = frame[(options > 1).to_numpy()]
        frame = frame[
            frame["product_id"].map(products["in_scope"]).to_numpy(dtype=bool)
        ]
        if frame.empty:
            return []
        demand = frame["product_id"].map(products["demand_mean"]).to_numpy()
        frame = frame.assign(weighted=frame["share"] * np.maximum(demand, 1e-12))
        per_center = frame.groupby(["operation_id", "workcenter_id"])["weighted"].sum()
        total = per_center.groupby(level=0).transform("sum")
        share = (per_center / total).rename("share").reset_index()
        best = share.sort_values(
            ["operation_id", "share", "workcenter_id"], ascending=[True, False, True]
        ).drop_duplicates("operation_id")
        current = routing[routing["is_primary"]].drop_duplicates("operation_id")
        current = current.set_index("operation_id")["workcenter_id"]
        best = best.assign(current=best["operation_id"].map(current))
        moved = best[
            best["current"].notna() & (best["current"] != best["workcenter_id"])
        ]
        product_of = frame.drop_duplicates("operation_id").set_index("operation_id")[
            "product_id"
        ]
        return [
            {
                "run_id": self.id,
                "kind": "assignment",
                "field_name": "workcenter_id",
                "operation_id": int(operation_id),
                "product_id": int(product_of[operation_id]),
                "old_workcenter_id": int(old),
                "new_workcenter_id": int(new),
                "old_value": 1.0,
                "new_value": float(value),
                "difference": float(value) - 1.0,
            }
            for operation_id, new, value, old in zip(
                moved["operation_id"],
                moved["workcenter_id"],
                moved["share"],
                moved["current"],
                strict=True,
            )
        ]

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
        lines = []
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
                    "selected": changed,
                    "reason": self._wip_cap_reason(row, hours_per_lot),
                    "chart": self._flow_chart(flow["name"], row, result),
                }
            )
        return lines

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

    def _item_reason(self, reason, center_names):
        """The engine's reason for an item, in the planner's words (workcenters
        by name)."""
        if not reason:
            return ""
        overloaded = OVERLOAD_REASON.match(reason)
        if overloaded:
            key = int(overloaded["workcenter"])
            return self.env._(
                "%(workcenter)s is loaded %(load)s without setups, no room under "
                "the %(ceiling)s utilisation ceiling",
                workcenter=center_names.get(key, key),
                load=overloaded["load"],
                ceiling=overloaded["ceiling"],
            )
        known = {
            "no routing": self.env._("no operation in its bill of materials"),
            "no demand": self.env._(
                "no demand in the history window (no done delivery or consumption)"
            ),
            "no workcenter with capacity for an operation": self.env._(
                "an operation has no workcenter with working hours in the horizon"
            ),
        }
        if reason.startswith("no holding cost"):
            return self.env._("no holding cost: the product has no cost")
        return known.get(reason, reason)

    def _flow_reason(self, status):
        return {
            "overloaded": self.env._(
                "overloaded: the flow's load exceeds its bottleneck's capacity"
            ),
            "no_load": self.env._("no optimised product runs through this flow"),
        }.get(status, self.env._("no WIP cap found (status %(status)s)", status=status))

    def _current_policy(self, data, result):
        """Fill rate and inventory of today's reorder rules, same demand and lead
        times: ``Q = max(max - min, multiple)``, ``r = min`` (Odoo orders up to
        max in multiples, i.e. an (r, nQ) policy)."""
        products = data["products"]
        items = result.items.reindex(products.index.astype(str))
        usable = (
            items["feasible"].fillna(False).to_numpy(dtype=bool)
            & products["orderpoint_id"].notna().to_numpy()
        )
        if not usable.any():
            return {"current_fill_rate": 0.0, "current_inventory_investment": 0.0}
        rounding = products["rounding"].to_numpy()[usable]
        q = np.maximum.reduce(
            [
                (products["max_qty"] - products["min_qty"]).to_numpy()[usable],
                products["multiple"].to_numpy()[usable],
                rounding,
            ]
        )
        r = products["min_qty"].to_numpy()[usable]
        mean = items["lead_time_demand_mean"].to_numpy(dtype=float)[usable]
        std = items["lead_time_demand_std"].to_numpy(dtype=float)[usable]
        demand = products["demand_mean"].to_numpy()[usable]
        fill = inventory.fill_rate(q, r, mean, std)
        stock = np.maximum(inventory.inventory_level(q, r, mean, std), 0.0)
        return {
            "current_fill_rate": float(np.dot(demand, fill) / demand.sum()),
            "current_inventory_investment": float(
                np.dot(stock, products["unit_cost"].to_numpy()[usable])
            ),
        }

    def _render(self, draw):
        """PNG (base64) drawn by ``draw(path)`` with engine.charts, or False when
        matplotlib is missing or the chart cannot be drawn."""
        try:
            from odoo.addons.mrp_drs.engine import charts  # noqa: PLC0415
        except ImportError:  # pragma: no cover - matplotlib is a requirement
            return False
        with tempfile.TemporaryDirectory(prefix="mrp_drs_") as folder:
            path = Path(folder) / "chart.png"
            try:
                draw(charts, path)
            except (ImportError, ValueError, KeyError) as error:
                _logger.info("DRS chart not drawn: %s", error)
                return False
            return base64.b64encode(path.read_bytes())

    def _frontier_chart(self, result):
        items = result.items[result.items["feasible"]]
        if items.empty or items["demand_mean"].sum() <= 0:
            return False

        def draw(charts, path):
            frontier = inventory.efficient_frontier(
                items["lot_size"].to_numpy(dtype=float),
                items["lead_time_demand_mean"].to_numpy(dtype=float),
                items["lead_time_demand_std"].to_numpy(dtype=float),
                items["unit_cost"].to_numpy(dtype=float),
                items["demand_mean"].to_numpy(dtype=float),
                np.array(FRONTIER_TARGETS),
            )
            charts.efficient_frontier_chart(
                frontier,
                (result.summary["fill_rate"], result.summary["inventory_investment"]),
                path,
            )

        return self._render(draw)

    def _flow_chart(self, name, row, result):
        curve = result.curves[result.curves["flow"] == row.name]
        if curve.empty:
            return False
        return self._render(
            lambda charts, path: charts.flow_chart(name, row, curve, path)
        )
