# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""How applying and reverting a run writes its targets, set-wise: one locking
read and one ``UPDATE`` per target table (reorder rules, bills of materials,
operations), flows through ``write`` (tracked; a larger cap releases orders).
The rights and company checks come first, in ``_check_targets``."""

import numpy as np
import pandas as pd

from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .mrp_drs_optimization_line import ORDERPOINT_FIELDS, UPDATE_CHUNK
from .sql_arrays import sql_array


class MrpDrsOptimizationLine(models.Model):
    _inherit = "mrp.drs.optimization.line"

    def _apply_orderpoints(self, rows, run):
        rules = rows[rows["field_name"] == "reorder_rule"]
        existing = rules[rules["orderpoint_id"].notna()]
        if not existing.empty:
            rule_ids = existing["orderpoint_id"].astype(int)
            current = self._lock_orderpoints(rule_ids)
            old = current.reindex(rule_ids.to_numpy()).to_numpy(dtype=float)
            if np.isnan(old).any():
                raise UserError(
                    self.env._(
                        "Some reorder rules of this run were deleted since it was "
                        "computed: run the optimisation again."
                    )
                )
            rows.loc[existing.index, "stored_old"] = old[:, 0]
            rows.loc[existing.index, "stored_old_max_qty"] = old[:, 1]
            rows.loc[existing.index, "stored_old_multiple"] = old[:, 2]
            self._write_orderpoints(
                rule_ids,
                existing[["new_value", "new_max_qty", "new_multiple"]].to_numpy(),
                self.env._("apply"),
                current,
            )
        missing = rules[rules["orderpoint_id"].isna()]
        if not missing.empty:
            rows.loc[missing.index, "stored_orderpoint"] = self._create_orderpoints(
                missing, run
            ).ids
            # a created rule replaced nothing
            rows.loc[
                missing.index,
                ["stored_old", "stored_old_max_qty", "stored_old_multiple"],
            ] = 0.0

    def _lock_orderpoints(self, orderpoint_ids):
        self.env["stock.warehouse.orderpoint"].flush_model(list(ORDERPOINT_FIELDS))
        self.env.cr.execute(
            SQL(
                """
                SELECT id, product_min_qty, product_max_qty, qty_multiple
                  FROM stock_warehouse_orderpoint
                 WHERE id = ANY(%s::int4[])
                   FOR NO KEY UPDATE
                """,
                sql_array(sorted(set(orderpoint_ids.tolist())), "int"),
            )
        )
        return pd.DataFrame(
            self.env.cr.fetchall(), columns=["id", *ORDERPOINT_FIELDS]
        ).set_index("id")

    def _write_orderpoints(self, orderpoint_ids, values, action, current=None):
        """Set the minimum, maximum and multiple (the columns of ``values``) of
        the reorder rules ``orderpoint_ids``; refuses min > max.

        ``current`` are the locked rows when the caller has read them already.
        The cache of reorder rules is invalidated rather than ``modified``: the
        only stored fields computed from these are min and max themselves, whose
        computes would turn a zero min into the max.
        """
        if len(orderpoint_ids) == 0:
            return
        if current is None:
            current = self._lock_orderpoints(orderpoint_ids)
        final = pd.DataFrame(
            values, index=np.asarray(orderpoint_ids), columns=list(ORDERPOINT_FIELDS)
        )
        final = final[~final.index.duplicated(keep="last")]
        wrong = final[final["product_min_qty"] > final["product_max_qty"] + 1e-9]
        if not wrong.empty:
            rules = self.env["stock.warehouse.orderpoint"].browse(
                wrong.index[:5].tolist()
            )
            raise UserError(
                self.env._(
                    "Cannot %(action)s: the minimum quantity would exceed the maximum "
                    "on %(count)s reorder rule(s), e.g. %(rules)s.",
                    action=action,
                    count=len(wrong),
                    rules=", ".join(rules.sudo().mapped("display_name")),
                )
            )
        # only the rules whose values change get a new row version
        changed = final[(final != current.reindex(final.index)).any(axis=1)]
        now = self.env.cr.now()
        for start in range(0, len(changed), UPDATE_CHUNK):
            chunk = changed.iloc[start : start + UPDATE_CHUNK]
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE stock_warehouse_orderpoint o
                       SET product_min_qty = v.min_qty,
                           product_max_qty = v.max_qty,
                           qty_multiple = v.multiple,
                           write_uid = %s,
                           write_date = %s
                      FROM unnest(%s::int[], %s::float8[], %s::float8[], %s::float8[])
                           AS v(id, min_qty, max_qty, multiple)
                     WHERE o.id = v.id
                    """,
                    self.env.uid,
                    now,
                    sql_array(chunk.index, "int"),
                    sql_array(chunk["product_min_qty"], "float"),
                    sql_array(chunk["product_max_qty"], "float"),
                    sql_array(chunk["qty_multiple"], "float"),
                )
            )
        self.env["stock.warehouse.orderpoint"].invalidate_model()

    def _create_orderpoints(self, rows, run):
        """Create the reorder rules of ``rows`` (lines of products without one);
        returns them, in the order of the rows."""
        products = sorted(set(rows["product_id"].astype(int)))
        Orderpoint = self.env["stock.warehouse.orderpoint"].sudo()
        existing = Orderpoint.search(
            [
                ("product_id", "in", products),
                ("warehouse_id", "=", run.warehouse_id.id),
                ("company_id", "=", run.company_id.id),
            ],
            limit=1,
        )
        if existing:
            raise UserError(
                self.env._(
                    "A reorder rule for %(product)s was created since the run: run "
                    "the optimisation again.",
                    product=existing.product_id.display_name,
                )
            )
        return Orderpoint.create(
            [
                {
                    "product_id": int(product_id),
                    "warehouse_id": run.warehouse_id.id,
                    "location_id": run.warehouse_id.lot_stock_id.id,
                    "company_id": run.company_id.id,
                    "trigger": "auto",
                    "product_min_qty": float(minimum),
                    "product_max_qty": float(maximum),
                    "qty_multiple": float(multiple),
                }
                for product_id, minimum, maximum, multiple in zip(
                    rows["product_id"],
                    rows["new_value"],
                    rows["new_max_qty"],
                    rows["new_multiple"],
                    strict=True,
                )
            ]
        )

    def _lock(self, table, column, record_ids):
        """``{id: column}`` of these records, locked against concurrent
        writes until the end of the transaction; one query."""
        distinct = sorted(set(record_ids.astype(int).tolist()))
        if not distinct:
            return {}
        self.env.cr.execute(
            SQL(
                "SELECT id, %s FROM %s WHERE id = ANY(%s::int4[]) FOR NO KEY UPDATE",
                SQL.identifier(column),
                SQL.identifier(table),
                sql_array(distinct, "int"),
            )
        )
        return dict(self.env.cr.fetchall())

    def _apply_boms(self, rows):
        """Lead times of bills of materials, from their own lines and from the
        reorder-rule lines that carry them; the replaced value is stored in the
        line's ``old_value`` or ``old_lead_days`` respectively."""
        boms = rows[rows["new_lead_days"].notna()]
        if boms.empty:
            return
        self.env["mrp.bom"].flush_model(["produce_delay"])
        current = self._lock("mrp_bom", "produce_delay", boms["bom_id"])
        old = boms["bom_id"].astype(int).map(current)
        own = (boms["field_name"] == "produce_delay").to_numpy()
        rows.loc[boms.index[own], "stored_old"] = old[own]
        rows.loc[boms.index[~own], "stored_old_lead_days"] = old[~own]
        self._set_boms(boms["bom_id"], boms["new_lead_days"])

    def _set_boms(self, bom_ids, days):
        """Set the manufacturing lead time (whole days) of these bills of
        materials, where it changes; one query."""
        if len(bom_ids) == 0:
            return
        Bom = self.env["mrp.bom"].sudo()
        Bom.flush_model(["produce_delay"])
        ids = bom_ids.astype(int).tolist()
        self.env.cr.execute(
            SQL(
                """
                UPDATE mrp_bom b
                   SET produce_delay = v.days, write_uid = %s, write_date = %s
                  FROM unnest(%s::int[], %s::int[]) AS v(id, days)
                 WHERE b.id = v.id AND b.produce_delay IS DISTINCT FROM v.days
                """,
                self.env.uid,
                self.env.cr.now(),
                sql_array(ids, "int"),
                sql_array(days.round().astype(int), "int"),
            )
        )
        boms = Bom.browse(ids)
        boms.invalidate_recordset(["produce_delay", "write_uid", "write_date"])
        boms.modified(["produce_delay"])

    def _apply_operations(self, rows):
        operations = rows[rows["field_name"] == "workcenter_id"]
        if operations.empty:
            return
        self.env["mrp.routing.workcenter"].flush_model(["workcenter_id"])
        current = self._lock(
            "mrp_routing_workcenter", "workcenter_id", operations["operation_id"]
        )
        rows.loc[operations.index, "stored_old_workcenter"] = (
            operations["operation_id"].astype(int).map(current)
        )
        self._set_operation_workcenters(
            operations["operation_id"], operations["new_workcenter_id"]
        )

    def _set_operation_workcenters(self, operation_ids, workcenter_ids):
        """Move operations to workcenters (SQL, see :meth:`_apply`) and flag the
        open orders of their bills of materials as using an outdated BoM, as
        ``mrp.routing.workcenter.write`` does."""
        if len(operation_ids) == 0:
            return
        ids = [int(value) for value in operation_ids]
        Operation = self.env["mrp.routing.workcenter"].sudo()
        Operation.flush_model(["workcenter_id"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE mrp_routing_workcenter o
                   SET workcenter_id = v.workcenter_id, write_uid = %s,
                       write_date = %s
                  FROM unnest(%s::int[], %s::int[]) AS v(id, workcenter_id)
                 WHERE o.id = v.id
                """,
                self.env.uid,
                self.env.cr.now(),
                sql_array(ids, "int"),
                sql_array([int(value) for value in workcenter_ids], "int"),
            )
        )
        operations = Operation.browse(ids)
        operations.invalidate_recordset(["workcenter_id", "write_uid", "write_date"])
        operations.modified(["workcenter_id"])
        productions = (
            self.env["mrp.production"]
            .sudo()
            .search(
                [
                    ("bom_id", "in", operations.bom_id.ids),
                    ("state", "in", ("draft", "confirmed")),
                ]
            )
        )
        if productions:
            productions.is_outdated_bom = True

    def _apply_flows(self, rows):
        flows = rows[rows["field_name"] == "wip_cap"]
        if flows.empty:
            return
        records = (
            self.env["mrp.drs.flow"]
            .sudo()
            .browse(sorted(set(flows["flow_id"].astype(int).tolist())))
        )
        current = dict(zip(records.ids, records.mapped("wip_cap"), strict=True))
        rows.loc[flows.index, "stored_old"] = flows["flow_id"].astype(int).map(current)
        # the loop type the apply replaces, for the revert
        loop_of = dict(zip(records.ids, records.mapped("loop_type"), strict=True))
        rows.loc[flows.index, "stored_old_loop_type"] = (
            flows["flow_id"].astype(int).map(loop_of)
        )
        self._write_flows(flows["flow_id"], flows["new_value"], flows["new_loop_type"])

    def _write_flows(self, flow_ids, caps, loop_types):
        """Set the WIP caps (and loop types, when the line has one) of these
        flows through ``write`` (tracked in their chatter; a larger cap
        releases orders at once)."""
        Flow = self.env["mrp.drs.flow"].sudo()
        for flow_id, cap, loop_type in zip(flow_ids, caps, loop_types, strict=True):
            values = {"wip_cap": float(cap)}
            if isinstance(loop_type, str) and loop_type:
                values["loop_type"] = loop_type
            Flow.browse(int(flow_id)).write(values)
