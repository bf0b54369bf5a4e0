# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Proposal lines of an optimisation run: one changed value of one record.

Applying and reverting work set-wise on the lines of a run: the current values
of the targets are read (and locked) in one query per kind, stored on the lines
as their old values, then the new values are written in batches. The caller
(:class:`MrpDrsOptimizationRun`) wraps the whole in a savepoint, so a failure
anywhere leaves every target and every line as it was.
"""

from collections import defaultdict

import numpy as np
import pandas as pd

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .mrp_drs_flow import OPEN_STATES

#: batch size of the UPDATE statements of the reorder rules
UPDATE_CHUNK = 100_000
#: free space left on each page of the lines' table (percent): applying and
#: reverting rewrite every line of a run, and a new row version that fits on
#: its page without a change of indexed column (state is not indexed; lines are
#: found by run) is a heap-only update, with no index entries to add
LINE_FILLFACTOR = 50


class MrpDrsOptimizationLine(models.Model):
    _name = "mrp.drs.optimization.line"
    _description = "DRS optimisation proposal"
    _order = "run_id, kind, product_id, field_name, id"
    _check_company_auto = True

    run_id = fields.Many2one(
        "mrp.drs.optimization.run",
        required=True,
        index=True,
        ondelete="cascade",
    )
    run_state = fields.Selection(related="run_id.state", string="Run state")
    company_id = fields.Many2one(related="run_id.company_id")
    kind = fields.Selection(
        [
            ("orderpoint", "Reorder rule"),
            ("lot_size", "Lot size"),
            ("lead_time", "Lead time"),
            ("wip_cap", "WIP cap"),
            ("assignment", "Workcenter assignment"),
        ],
        required=True,
    )
    state = fields.Selection(
        [
            ("proposed", "Proposed"),
            ("applied", "Applied"),
            ("reverted", "Reverted"),
            ("unchanged", "No change"),
            ("skipped", "Not optimised"),
        ],
        required=True,
        default="proposed",
        readonly=True,
    )
    selected = fields.Boolean(default=True)
    field_name = fields.Selection(
        [
            ("product_min_qty", "Min quantity"),
            ("product_max_qty", "Max quantity"),
            ("qty_multiple", "Multiple (lot size)"),
            ("produce_delay", "Manufacturing lead time"),
            ("wip_cap", "WIP cap"),
            ("workcenter_id", "Workcenter"),
        ],
        string="Field",
        readonly=True,
    )
    product_id = fields.Many2one(
        "product.product", readonly=True, index=True, check_company=True
    )
    orderpoint_id = fields.Many2one(
        "stock.warehouse.orderpoint",
        "Reorder rule",
        readonly=True,
        ondelete="set null",
        check_company=True,
    )
    bom_id = fields.Many2one(
        "mrp.bom",
        "Bill of materials",
        readonly=True,
        ondelete="set null",
        check_company=True,
    )
    operation_id = fields.Many2one(
        "mrp.routing.workcenter", readonly=True, ondelete="set null", check_company=True
    )
    flow_id = fields.Many2one(
        "mrp.drs.flow", readonly=True, ondelete="set null", check_company=True
    )
    old_workcenter_id = fields.Many2one(
        "mrp.workcenter",
        "Current workcenter",
        readonly=True,
        ondelete="set null",
        check_company=True,
    )
    new_workcenter_id = fields.Many2one(
        "mrp.workcenter",
        "Proposed workcenter",
        readonly=True,
        ondelete="set null",
        check_company=True,
    )
    create_orderpoint = fields.Boolean(
        "Creates a reorder rule",
        readonly=True,
        help="The product has no reorder rule in the warehouse: applying creates "
        "one, reverting deletes it.",
    )
    orderpoint_created = fields.Boolean(readonly=True)
    old_value = fields.Float("Current", readonly=True, digits=(16, 2))
    new_value = fields.Float("Proposed", readonly=True, digits=(16, 2))
    difference = fields.Float("Change", readonly=True, digits=(16, 2))
    unit = fields.Char(compute="_compute_unit")
    reason = fields.Char("Reason / note", readonly=True)
    demand_mean = fields.Float("Demand (units/period)", readonly=True, digits=(16, 2))
    demand_std = fields.Float(
        "Demand std. dev. (units/period)", readonly=True, digits=(16, 2)
    )
    safety_stock = fields.Float("Safety stock (units)", readonly=True, digits=(16, 2))
    days_of_supply = fields.Float(
        "Expected stock (days of supply)", readonly=True, digits=(16, 1)
    )
    fill_rate = fields.Float("Expected fill rate (%)", readonly=True, digits=(16, 4))
    lead_time_hours = fields.Float(
        "Planned lead time (working hours)", readonly=True, digits=(16, 1)
    )
    chart = fields.Binary("WIP-throughput chart", attachment=True, readonly=True)

    def _auto_init(self):
        result = super()._auto_init()
        self.env.cr.execute(
            SQL(
                "SELECT reloptions FROM pg_class WHERE oid = %s::regclass",
                self._table,
            )
        )
        wanted = f"fillfactor={LINE_FILLFACTOR}"
        if wanted not in (self.env.cr.fetchone()[0] or []):
            self.env.cr.execute(
                SQL(
                    "ALTER TABLE %s SET (fillfactor = %s)",
                    SQL.identifier(self._table),
                    SQL(str(LINE_FILLFACTOR)),
                )
            )
        return result

    @api.depends("field_name", "product_id")
    def _compute_unit(self):
        units = {
            "produce_delay": self.env._("days"),
            "wip_cap": self.env._("equivalent units"),
            "workcenter_id": self.env._("share of demand (0-1)"),
        }
        for line in self:
            line.unit = units.get(line.field_name) or line.product_id.uom_id.name or ""

    # ---------------------------------------------------------------------- CRUD
    # Proposals are the optimiser's output (see ``mrp.drs.optimization.run``):
    # created and written in superuser mode by the addon only; a planner may
    # only (un)select them.
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(
                self.env._(
                    "Optimisation proposals are computed by the optimiser, not entered."
                )
            )
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and set(vals) - {"selected"}:
            raise AccessError(
                self.env._(
                    "Optimisation proposals cannot be edited; only their selection can."
                )
            )
        if not self.env.su and any(line.state != "proposed" for line in self):
            raise UserError(self.env._("Only proposed lines can be (un)selected."))
        return super().write(vals)

    # ------------------------------------------------------------------- actions
    def action_select(self):
        self._check_editable()
        self.write({"selected": True})

    def action_unselect(self):
        self._check_editable()
        self.write({"selected": False})

    # ---------------------------------------------------------- business methods
    def _check_editable(self):
        self.run_id._check_planner()
        self.check_access("write")
        if any(line.state != "proposed" for line in self):
            raise UserError(self.env._("Only proposed lines can be (un)selected."))

    def _check_targets(self, run, rows):
        """Refuse to apply or revert unless every line is ``run``'s and every
        record it changes belongs to ``run``'s company (shared records, without
        company, included): one query per target table, before any write.

        ``rows`` are the lines as read by :meth:`_rows`; each query reads the
        company of the distinct records they point to.

        Who may write: applying is a DRS planner's right (see the README), not
        a stock or manufacturing manager's; the values come from the engine
        only (proposals cannot be created or edited by users). What a planner
        may not do is reach another company, so that is what is checked here.
        The message counts the offending lines and names none of their records.
        """
        company = run.company_id.id
        foreign = ~rows["run_id"].eq(run.id).to_numpy()
        # line column, record id, its company, from: one query per target table;
        # an operation is its BoM's company's, a product its template's.
        # Flows and reorder rules without company are refused too.
        checks = [
            ("flow_id", "t.id", "t.company_id", "mrp_drs_flow t", False),
            (
                "orderpoint_id",
                "t.id",
                "t.company_id",
                "stock_warehouse_orderpoint t",
                False,
            ),
            ("bom_id", "t.id", "t.company_id", "mrp_bom t", True),
            ("new_workcenter_id", "t.id", "t.company_id", "mrp_workcenter t", True),
            ("old_workcenter_id", "t.id", "t.company_id", "mrp_workcenter t", True),
            (
                "operation_id",
                "o.id",
                "b.company_id",
                "mrp_routing_workcenter o JOIN mrp_bom b ON b.id = o.bom_id",
                True,
            ),
            (
                "product_id",
                "p.id",
                "t.company_id",
                "product_product p JOIN product_template t ON t.id = p.product_tmpl_id",
                True,
            ),
        ]
        for column, record, owner, tables, shared in checks:
            target_ids = rows[column]
            present = target_ids.notna().to_numpy()
            distinct = sorted(set(target_ids[present].astype(int).tolist()))
            if not distinct:
                continue
            # the SQL fragments are the constants above
            self.env.cr.execute(
                SQL(
                    "SELECT %s, %s FROM %s WHERE %s = ANY(%s)",
                    SQL(record),
                    SQL(owner),
                    SQL(tables),
                    SQL(record),
                    distinct,
                )
            )
            companies = target_ids.map(dict(self.env.cr.fetchall()))
            allowed = companies.eq(company) | (companies.isna() & shared)
            foreign |= present & ~allowed.to_numpy(dtype=bool)
        if foreign.any():
            raise AccessError(
                self.env._(
                    "%(count)s proposal(s) of run %(run)s change records outside "
                    "its company: nothing was changed.",
                    count=int(foreign.sum()),
                    run=run.display_name,
                )
            )

    def _revert_note(self, rows, run):
        """What a revert of these lines cannot undo, in words: orders released
        while a raised WIP cap was in force stay released (they are on the
        floor), so the flow's WIP may now stand above its restored cap.
        ``rows``: the lines as read by :meth:`_rows`."""
        raised = rows[
            (rows["field_name"] == "wip_cap")
            & rows["flow_id"].notna()
            & (rows["new_value"] > rows["old_value"])
        ]
        if raised.empty:
            return ""
        flows = (
            self.env["mrp.drs.flow"]
            .sudo()
            .browse(sorted(set(raised["flow_id"].astype(int).tolist())))
        )
        status = flows._get_wip_status()
        released = dict(
            self.env["mrp.production"]
            .sudo()
            ._read_group(
                [
                    ("drs_flow_id", "in", flows.ids),
                    ("drs_state", "=", "released"),
                    ("state", "in", OPEN_STATES),
                    ("drs_release_date", ">=", run.date_applied),
                ],
                ["drs_flow_id"],
                ["__count"],
            )
        )
        notes = []
        for flow in flows:
            wip = status[flow.id]["wip"]
            notes.append(
                self.env._(
                    "Flow %(flow)s: %(count)s order(s) released under the raised "
                    "cap stay released; WIP now %(wip).2f equivalent units, "
                    "%(over).2f above the restored cap of %(cap).2f.",
                    flow=flow.display_name,
                    count=released.get(flow, 0),
                    wip=wip,
                    over=max(wip - flow.wip_cap, 0.0),
                    cap=flow.wip_cap,
                )
            )
        return " ".join(notes)

    def _summary(self, rows, reverted=False):
        """One sentence counting the lines by kind, for the run's chatter."""
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        counts = rows["kind"].value_counts()
        parts = ", ".join(
            f"{kinds[kind]}: {int(counts[kind])}" for kind in kinds if kind in counts
        )
        if reverted:
            return self.env._(
                "%(count)s applied value(s) restored (%(parts)s).",
                count=len(rows),
                parts=parts,
            )
        return self.env._(
            "%(count)s proposal(s) applied (%(parts)s).", count=len(rows), parts=parts
        )

    def _rows(self):
        """The lines as a DataFrame, streamed in one ``COPY``."""
        self.flush_model()
        columns = [
            "id",
            "run_id",
            "kind",
            "field_name",
            "product_id",
            "orderpoint_id",
            "bom_id",
            "operation_id",
            "flow_id",
            "old_value",
            "new_value",
            "old_workcenter_id",
            "new_workcenter_id",
            "create_orderpoint",
            "orderpoint_created",
        ]
        rows = self.env["mrp.drs.optimization.run"]._copy_rows(
            SQL(
                """
                SELECT id, run_id, kind, field_name, product_id, orderpoint_id,
                       bom_id, operation_id, flow_id, old_value::float8,
                       new_value::float8, old_workcenter_id, new_workcenter_id,
                       COALESCE(create_orderpoint, FALSE),
                       COALESCE(orderpoint_created, FALSE)
                  FROM mrp_drs_optimization_line
                 WHERE id = ANY(%s)
                 ORDER BY id
                """,
                self.ids,
            ),
            columns,
        )
        for column in ("create_orderpoint", "orderpoint_created"):
            rows[column] = rows[column].map({"t": True, "f": False}).astype(bool)
        for column in ("kind", "field_name"):
            rows[column] = rows[column].astype(object)
        rows["old_value"] = rows["old_value"].astype(float)
        rows["new_value"] = rows["new_value"].astype(float)
        return rows

    def _apply(self, run):
        """Write the new values of these lines of ``run``; store on the lines
        the values they replace; return the chatter summary.

        Set-wise, one locking read and one ``UPDATE ... FROM unnest(...)`` per
        target table, after :meth:`_check_targets`:

        - Reorder rules: SQL (their ``write`` only guards company and snooze
          changes, not touched here; the min <= max constraint is checked
          first); missing rules are created in one ``create``.
        - Bills of materials: SQL (``produce_delay`` is neither tracked nor
          an input of a stored computed field), caches invalidated.
        - Operations: SQL (``mrp.routing.workcenter.write`` would build one
          OR-domain per BoM to flag manufacturing orders as using an outdated
          BoM, which does not scale); the draft and confirmed orders of their
          BoMs are flagged in one search instead.
        - Flows: ORM ``write``, so that the change of cap is tracked in the
          flow's chatter and a larger cap releases orders at once.
        - The lines: state, old values and difference in one ``UPDATE``.
        """
        rows = self._rows()
        self._check_targets(run, rows)
        target = {
            "product_min_qty": "orderpoint_id",
            "product_max_qty": "orderpoint_id",
            "qty_multiple": "orderpoint_id",
            "produce_delay": "bom_id",
            "workcenter_id": "operation_id",
            "wip_cap": "flow_id",
        }
        missing = np.zeros(len(rows), dtype=bool)
        for field_name, column in target.items():
            missing |= (rows["field_name"] == field_name).to_numpy() & rows[
                column
            ].isna().to_numpy()
        missing &= ~rows["create_orderpoint"].to_numpy(dtype=bool)
        if missing.any():
            raise UserError(
                self.env._(
                    "%(count)s record(s) changed by this run were deleted since it "
                    "was computed: run the optimisation again.",
                    count=int(missing.sum()),
                )
            )
        rows["stored_old"] = np.nan
        rows["stored_old_workcenter"] = np.nan
        self._apply_orderpoints(rows, run)
        self._apply_boms(rows)
        self._apply_operations(rows)
        self._apply_flows(rows)
        self._set_state("applied", rows)
        return self._summary(rows)

    def _revert(self, run):
        """Restore the values the applied lines replaced; delete the reorder
        rules the apply created. Returns ``(summary, note)`` for the chatter
        (see :meth:`_revert_note`)."""
        rows = self._rows()
        self._check_targets(run, rows)
        rules = rows[
            rows["field_name"].isin(_ORDERPOINT) & rows["orderpoint_id"].notna()
        ]
        created = rules[rules["orderpoint_created"]]
        if not created.empty:
            self.env["stock.warehouse.orderpoint"].sudo().browse(
                sorted(set(created["orderpoint_id"].astype(int)))
            ).unlink()
        kept = rules[~rules["orderpoint_created"]]
        self._write_orderpoints(
            kept.assign(value=kept["old_value"]), self.env._("revert")
        )
        boms = rows[(rows["field_name"] == "produce_delay") & rows["bom_id"].notna()]
        self._lock("mrp_bom", "produce_delay", boms["bom_id"])
        self._set_boms(boms["bom_id"], boms["old_value"])
        operations = rows[
            (rows["field_name"] == "workcenter_id")
            & rows["operation_id"].notna()
            & rows["old_workcenter_id"].notna()
        ]
        self._set_operation_workcenters(
            operations["operation_id"], operations["old_workcenter_id"]
        )
        flows = rows[(rows["field_name"] == "wip_cap") & rows["flow_id"].notna()]
        self._write_flows(flows["flow_id"], flows["old_value"])
        self._set_state("reverted")
        return self._summary(rows, reverted=True), self._revert_note(rows, run)

    # reorder rules ----------------------------------------------------------
    def _apply_orderpoints(self, rows, run):
        rules = rows[rows["field_name"].isin(_ORDERPOINT)]
        existing = rules[rules["orderpoint_id"].notna()]
        if not existing.empty:
            current = self._lock_orderpoints(existing["orderpoint_id"].astype(int))
            old = (
                current.stack()
                .reindex(
                    pd.MultiIndex.from_arrays(
                        [
                            existing["orderpoint_id"].astype(int),
                            existing["field_name"],
                        ]
                    )
                )
                .to_numpy(dtype=float)
            )
            if np.isnan(old).any():
                raise UserError(
                    self.env._(
                        "Some reorder rules of this run were deleted since it was "
                        "computed: run the optimisation again."
                    )
                )
            rows.loc[existing.index, "stored_old"] = old
            self._write_orderpoints(
                existing.assign(value=existing["new_value"]),
                self.env._("apply"),
                current,
            )
        self._create_orderpoints(rules[rules["orderpoint_id"].isna()], run)

    def _lock_orderpoints(self, orderpoint_ids):
        self.env["stock.warehouse.orderpoint"].flush_model(list(_ORDERPOINT))
        self.env.cr.execute(
            SQL(
                """
                SELECT id, product_min_qty, product_max_qty, qty_multiple
                  FROM stock_warehouse_orderpoint
                 WHERE id = ANY(%s)
                   FOR NO KEY UPDATE
                """,
                sorted(set(orderpoint_ids.tolist())),
            )
        )
        return pd.DataFrame(
            self.env.cr.fetchall(), columns=["id", *_ORDERPOINT]
        ).set_index("id")

    def _write_orderpoints(self, rows, action, current=None):
        """Set ``rows.value`` into ``rows.field_name`` of ``rows.orderpoint_id``
        (fields not in the rows keep their value); refuses min > max.

        ``current`` are the locked rows when the caller has read them already.
        The cache of reorder rules is invalidated rather than ``modified``: the
        only stored fields computed from these are min and max themselves, whose
        computes would turn a zero min into the max.
        """
        if rows.empty:
            return
        if current is None:
            current = self._lock_orderpoints(rows["orderpoint_id"].astype(int))
        final = current.copy()
        for field in _ORDERPOINT:
            part = rows[rows["field_name"] == field]
            final.loc[part["orderpoint_id"].astype(int).to_numpy(), field] = part[
                "value"
            ].to_numpy(dtype=float)
        wrong = final[final["product_min_qty"] > final["product_max_qty"] + 1e-9]
        if not wrong.empty:
            rules = self.env["stock.warehouse.orderpoint"].browse(
                wrong.index[:5].tolist()
            )
            raise UserError(
                self.env._(
                    "Cannot %(action)s: the minimum quantity would exceed the maximum "
                    "on %(count)s reorder rule(s), e.g. %(rules)s. Select the min and "
                    "max lines of a product together.",
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
                    chunk.index.tolist(),
                    chunk["product_min_qty"].tolist(),
                    chunk["product_max_qty"].tolist(),
                    chunk["qty_multiple"].tolist(),
                )
            )
        self.env["stock.warehouse.orderpoint"].invalidate_model()

    def _create_orderpoints(self, rows, run):
        if rows.empty:
            return
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
        values = defaultdict(dict)
        for product_id, field, value in zip(
            rows["product_id"], rows["field_name"], rows["new_value"], strict=True
        ):
            values[int(product_id)][field] = float(value)
        created = Orderpoint.create(
            [
                {
                    "product_id": product_id,
                    "warehouse_id": run.warehouse_id.id,
                    "location_id": run.warehouse_id.lot_stock_id.id,
                    "company_id": run.company_id.id,
                    "trigger": "auto",
                    **fields_,
                }
                for product_id, fields_ in values.items()
            ]
        )
        rule_of = dict(zip(created.mapped("product_id").ids, created.ids, strict=True))
        line_ids = rows["id"].astype(int).tolist()
        self.env.cr.execute(
            SQL(
                """
                UPDATE mrp_drs_optimization_line l
                   SET orderpoint_id = v.orderpoint_id, orderpoint_created = TRUE,
                       old_value = 0
                  FROM unnest(%s::int[], %s::int[]) AS v(id, orderpoint_id)
                 WHERE l.id = v.id
                """,
                line_ids,
                [rule_of[int(product)] for product in rows["product_id"]],
            )
        )
        self.browse(line_ids).invalidate_recordset(
            ["orderpoint_id", "orderpoint_created", "old_value"]
        )

    # other targets ----------------------------------------------------------
    def _lock(self, table, column, record_ids):
        """``{id: column}`` of these records, locked against concurrent
        writes until the end of the transaction; one query."""
        distinct = sorted(set(record_ids.astype(int).tolist()))
        if not distinct:
            return {}
        self.env.cr.execute(
            SQL(
                "SELECT id, %s FROM %s WHERE id = ANY(%s) FOR NO KEY UPDATE",
                SQL.identifier(column),
                SQL.identifier(table),
                distinct,
            )
        )
        return dict(self.env.cr.fetchall())

    def _apply_boms(self, rows):
        boms = rows[rows["field_name"] == "produce_delay"]
        if boms.empty:
            return
        self.env["mrp.bom"].flush_model(["produce_delay"])
        current = self._lock("mrp_bom", "produce_delay", boms["bom_id"])
        rows.loc[boms.index, "stored_old"] = boms["bom_id"].astype(int).map(current)
        self._set_boms(boms["bom_id"], boms["new_value"])

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
                ids,
                days.round().astype(int).tolist(),
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
                ids,
                [int(value) for value in workcenter_ids],
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
        self._write_flows(flows["flow_id"], flows["new_value"])

    def _write_flows(self, flow_ids, caps):
        """Set the WIP caps of these flows through ``write`` (tracked in their
        chatter; a larger cap releases orders at once)."""
        Flow = self.env["mrp.drs.flow"].sudo()
        for flow_id, cap in zip(flow_ids, caps, strict=True):
            Flow.browse(int(flow_id)).write({"wip_cap": float(cap)})

    def _set_state(self, state, rows=None):
        """Set the state of these lines and, for ``rows`` with a ``stored_old``
        (``stored_old_workcenter``), the value (workcenter) they replaced and the
        difference; one ``UPDATE`` (no field depends on these)."""
        self.flush_model()
        stored = rows is not None and bool(
            (rows["stored_old"].notna() | rows["stored_old_workcenter"].notna()).any()
        )
        if not stored:
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE mrp_drs_optimization_line
                       SET state = %s, write_uid = %s, write_date = %s
                     WHERE id = ANY(%s)
                    """,
                    state,
                    self.env.uid,
                    self.env.cr.now(),
                    self.ids,
                )
            )
        else:
            # lines without a stored value keep theirs (NULL: no change)
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE mrp_drs_optimization_line l
                       SET state = %s, write_uid = %s, write_date = %s,
                           old_value = COALESCE(v.old_value, l.old_value),
                           difference = COALESCE(l.new_value - v.old_value,
                                                 l.difference),
                           old_workcenter_id = COALESCE(v.old_workcenter_id,
                                                        l.old_workcenter_id)
                      FROM unnest(%s::int[], %s::float8[], %s::int[])
                           AS v(id, old_value, old_workcenter_id)
                     WHERE l.id = v.id
                    """,
                    state,
                    self.env.uid,
                    self.env.cr.now(),
                    rows["id"].astype(int).tolist(),
                    _nullable_list(rows["stored_old"], float),
                    _nullable_list(rows["stored_old_workcenter"], int),
                )
            )
        self.invalidate_recordset(
            [
                "state",
                "write_uid",
                "write_date",
                "old_value",
                "difference",
                "old_workcenter_id",
            ]
        )


def _nullable_list(values, kind):
    """A Series as a list of SQL parameters of ``kind``, NaN -> None."""
    return [None if pd.isna(value) else kind(value) for value in values]


_ORDERPOINT = ("product_min_qty", "product_max_qty", "qty_multiple")
