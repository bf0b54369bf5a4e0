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
UPDATE_CHUNK = 20_000

#: loop types of a flow (``mrp.drs.flow.loop_type``)
LOOP_TYPES = [("bottleneck", "Bottleneck"), ("non_bottleneck", "Non-bottleneck")]


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
        index=True,
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
    flow_loop_type = fields.Selection(related="flow_id.loop_type", string="Loop type")
    product_flow_id = fields.Many2one(
        "mrp.drs.flow",
        "Product's flow",
        readonly=True,
        ondelete="set null",
        help="Flow of the product's manufacturing orders (where its operations "
        "spend most time).",
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
    old_value = fields.Float("Current", readonly=True, digits="DRS Proposed Value")
    new_value = fields.Float("Proposed", readonly=True, digits="DRS Proposed Value")
    difference = fields.Float("Change", readonly=True, digits="DRS Proposed Value")
    unit = fields.Char(compute="_compute_unit")
    reason = fields.Char("Reason / note", readonly=True)
    demand_mean = fields.Float(
        "Demand (units/period)", readonly=True, digits="Product Unit of Measure"
    )
    demand_std = fields.Float(
        "Demand std. dev. (units/period)",
        readonly=True,
        digits="Product Unit of Measure",
    )
    safety_stock = fields.Float(
        "Safety stock (units)", readonly=True, digits="Product Unit of Measure"
    )
    days_of_supply = fields.Float(
        "Expected stock (days of supply)", readonly=True, digits="DRS Coarse Duration"
    )
    fill_rate = fields.Float(
        "Expected fill rate (%)", readonly=True, digits="DRS Fraction"
    )
    lead_time_hours = fields.Float(
        "Planned lead time (working hours)", readonly=True, digits="DRS Coarse Duration"
    )
    chart = fields.Binary("WIP-throughput chart", attachment=True, readonly=True)
    demand_model = fields.Selection(
        [
            ("normal", "Normal"),
            ("poisson", "Poisson"),
            ("negbin", "Negative binomial"),
        ],
        "Demand model",
        readonly=True,
        help="Distribution of lead-time demand the reorder point is computed with.",
    )
    model_reason = fields.Char("Why this demand model", readonly=True)
    service_floor = fields.Float(
        "Guaranteed fill rate (%)",
        readonly=True,
        digits="DRS Fraction",
        help="Fill rate this product reaches at least: the run's floor, or the "
        "product's own DRS fill-rate target.",
    )
    expected_stock = fields.Float(
        "Expected stock (units)",
        readonly=True,
        digits="DRS Proposed Value",
        help="Average on-hand stock under the proposed reorder rule.",
    )
    flagged = fields.Boolean(
        "To review",
        readonly=True,
        help="Not selected automatically: the change is larger than the run's "
        "threshold, or applying it would release orders at once.",
    )
    flag_reason = fields.Char("Why to review", readonly=True)
    orders_released = fields.Integer(
        "Orders released on apply",
        readonly=True,
        help="Queued orders the new WIP cap would release at once (when the run "
        "was computed; the apply summary counts again).",
    )
    old_loop_type = fields.Selection(LOOP_TYPES, "Current loop type", readonly=True)
    new_loop_type = fields.Selection(
        LOOP_TYPES,
        "Proposed loop type",
        readonly=True,
        help="Bottleneck when the flow holds the plant's most utilised workcenter "
        "or one at or above the bottleneck utilisation; a non-bottleneck loop's "
        "cap also holds its products' expected finished stock.",
    )
    cap_orders = fields.Integer(
        "Cap (orders of average size)",
        readonly=True,
        help="The least number of orders in the line whose throughput covers the "
        "demand with a margin (flow model), never below the largest order; it "
        "does not depend on any cost. The cap in equivalent units is this count "
        "times the proposed average order, plus the finished stock of a "
        "non-bottleneck loop.",
    )
    release_count = fields.Integer(
        "Releases now (orders)",
        compute="_compute_release_count",
        help="Queued orders the flow's release rule would let in at once if this "
        "cap and loop type were applied now, with the flow's current WIP and "
        "queue.",
    )

    @api.depends("field_name", "product_id")
    def _compute_unit(self):
        units = {
            "produce_delay": self.env._("days"),
            "wip_cap": self.env._("equivalent units"),
            "workcenter_id": self.env._("share of demand (0-1)"),
        }
        for line in self:
            line.unit = units.get(line.field_name) or line.product_id.uom_id.name or ""

    @api.depends("kind", "state", "new_value", "new_loop_type", "flow_id")
    def _compute_release_count(self):
        caps = self.filtered(
            lambda line: (
                line.kind == "wip_cap" and line.state == "proposed" and line.flow_id
            )
        )
        (self - caps).release_count = 0
        for flow in caps.flow_id.sudo():
            mine = caps.filtered(lambda line, flow=flow: line.flow_id == flow)
            counts = [
                flow._drs_releasable_counts(
                    {flow.id: line.new_value},
                    {flow.id: line.new_loop_type or flow.loop_type},
                ).get(flow.id, 0)
                for line in mine
            ]
            for line, count in zip(mine, counts, strict=True):
                line.release_count = count

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

    def action_select(self):
        self._check_editable()
        self.write({"selected": True})

    def action_unselect(self):
        self._check_editable()
        self.write({"selected": False})

    def _check_editable(self):
        self.run_id._check_planner()
        self.check_access("write")
        if any(line.state != "proposed" for line in self):
            raise UserError(self.env._("Only proposed lines can be (un)selected."))

    def _check_targets(self, run):
        """Refuse to apply or revert unless every line is ``run``'s and every
        record it changes belongs to ``run``'s company (shared records, without
        company, included): one query per target table, before any write.

        Who may write: applying is a DRS planner's right (see the README), not
        a stock or manufacturing manager's; the values come from the engine
        only (proposals cannot be created or edited by users). What a planner
        may not do is reach another company, so that is what is checked here.
        The message counts the offending lines and names none of their records.
        """
        self.flush_model()
        company = run.company_id.id
        checks = [
            ("mrp_drs_flow", "flow_id", "t.company_id IS DISTINCT FROM %(company)s"),
            (
                "stock_warehouse_orderpoint",
                "orderpoint_id",
                "t.company_id IS DISTINCT FROM %(company)s",
            ),
            ("mrp_bom", "bom_id", "t.company_id != %(company)s"),
            ("mrp_workcenter", "new_workcenter_id", "t.company_id != %(company)s"),
            ("mrp_workcenter", "old_workcenter_id", "t.company_id != %(company)s"),
        ]
        foreign = 0
        for table, column, condition in checks:
            self.env.cr.execute(
                SQL(
                    """
                    SELECT COUNT(*)
                      FROM mrp_drs_optimization_line l
                      JOIN %(table)s t ON t.id = l.%(column)s
                     WHERE l.id = ANY(%(ids)s) AND %(condition)s
                    """,
                    table=SQL.identifier(table),
                    column=SQL.identifier(column),
                    ids=self.ids,
                    condition=SQL(condition, company=company),
                )
            )
            foreign += self.env.cr.fetchone()[0]
        self.env.cr.execute(
            SQL(
                """
                SELECT COUNT(*)
                  FROM mrp_drs_optimization_line l
                  LEFT JOIN mrp_routing_workcenter o ON o.id = l.operation_id
                  LEFT JOIN mrp_bom b ON b.id = o.bom_id
                  LEFT JOIN product_product pp ON pp.id = l.product_id
                  LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 WHERE l.id = ANY(%(ids)s)
                   AND (l.run_id != %(run)s OR b.company_id != %(company)s
                        OR pt.company_id != %(company)s)
                """,
                ids=self.ids,
                run=run.id,
                company=company,
            )
        )
        foreign += self.env.cr.fetchone()[0]
        if foreign:
            raise AccessError(
                self.env._(
                    "%(count)s proposal(s) of run %(run)s change records outside "
                    "its company: nothing was changed.",
                    count=foreign,
                    run=run.display_name,
                )
            )

    def _revert_note(self):
        """What a revert of these lines cannot undo, in words: orders released
        while a raised WIP cap was in force stay released (they are on the
        floor), so the flow's WIP may now stand above its restored cap."""
        raised = self.filtered(
            lambda line: (
                line.field_name == "wip_cap"
                and line.flow_id
                and line.new_value > line.old_value
            )
        )
        if not raised:
            return ""
        flows = raised.flow_id.sudo()
        status = flows._get_wip_status()
        released = dict(
            self.env["mrp.production"]
            .sudo()
            ._read_group(
                [
                    ("drs_flow_id", "in", flows.ids),
                    ("drs_state", "=", "released"),
                    ("state", "in", OPEN_STATES),
                    ("drs_release_date", ">=", self.run_id.date_applied),
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

    def _rows(self):
        """The lines as a DataFrame, read in one query."""
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT id, field_name, product_id, orderpoint_id, bom_id,
                       operation_id, flow_id, old_value, new_value,
                       old_workcenter_id, new_workcenter_id,
                       old_loop_type, new_loop_type,
                       COALESCE(create_orderpoint, FALSE),
                       COALESCE(orderpoint_created, FALSE)
                  FROM mrp_drs_optimization_line
                 WHERE id = ANY(%s)
                 ORDER BY id
                """,
                self.ids,
            )
        )
        return pd.DataFrame(
            self.env.cr.fetchall(),
            columns=[
                "id",
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
                "old_loop_type",
                "new_loop_type",
                "create_orderpoint",
                "orderpoint_created",
            ],
        )

    def _apply(self, run):
        """Write the new values of these lines of ``run``; store the values
        they replace on the lines first.

        - Reorder rules: one locking read, then SQL ``UPDATE`` in batches (their
          ``write`` only guards company and snooze changes, not touched here; the
          min <= max constraint is checked first); missing rules are created in
          one ``create``.
        - Bills of materials: ORM ``write`` once per distinct lead time, without
          mail tracking (the run keeps the history).
        - Operations: SQL ``UPDATE`` of the workcenter (``mrp.routing.workcenter
          .write`` would build one OR-domain per BoM to flag manufacturing orders
          as using an outdated BoM, which does not scale); the draft and
          confirmed orders of their BoMs are flagged in one search instead.
        - Flows: ORM ``write`` of the cap and the proposed loop type, so that a
          larger cap releases orders from the virtual queue at once.
        """
        self._check_targets(run)
        rows = self._rows()
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
        self._apply_orderpoints(rows[rows["field_name"].isin(_ORDERPOINT)], run)
        self._apply_boms(rows[rows["field_name"] == "produce_delay"])
        self._apply_operations(rows[rows["field_name"] == "workcenter_id"])
        self._apply_flows(rows[rows["field_name"] == "wip_cap"])
        self._set_state("applied")

    def _revert(self, run):
        """Restore the values the applied lines replaced; delete the reorder
        rules the apply created."""
        self._check_targets(run)
        rows = self._rows()
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
        self._write_grouped(
            "mrp.bom",
            boms["bom_id"],
            boms["old_value"].round().astype(int),
            "produce_delay",
        )
        operations = rows[
            (rows["field_name"] == "workcenter_id")
            & rows["operation_id"].notna()
            & rows["old_workcenter_id"].notna()
        ]
        self._set_operation_workcenters(
            operations["operation_id"], operations["old_workcenter_id"]
        )
        flows = rows[(rows["field_name"] == "wip_cap") & rows["flow_id"].notna()]
        for flow_id, value, loop_type in zip(
            flows["flow_id"], flows["old_value"], flows["old_loop_type"], strict=True
        ):
            self.env["mrp.drs.flow"].sudo().browse(int(flow_id)).write(
                _flow_values(value, loop_type)
            )
        self._set_state("reverted")

    def _apply_orderpoints(self, rows, run):
        existing = rows[rows["orderpoint_id"].notna()]
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
            self._store_old_values(existing["id"], old)
            self._write_orderpoints(
                existing.assign(value=existing["new_value"]),
                self.env._("apply"),
                current,
            )
        self._create_orderpoints(rows[rows["orderpoint_id"].isna()], run)

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
        now = self.env.cr.now()
        for start in range(0, len(final), UPDATE_CHUNK):
            chunk = final.iloc[start : start + UPDATE_CHUNK]
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

    def _apply_boms(self, rows):
        if rows.empty:
            return
        boms = self.env["mrp.bom"].sudo().browse(rows["bom_id"].astype(int).tolist())
        current = dict(zip(boms.ids, boms.mapped("produce_delay"), strict=True))
        self._store_old_values(
            rows["id"], [current[int(bom)] for bom in rows["bom_id"]]
        )
        self._write_grouped(
            "mrp.bom",
            rows["bom_id"],
            rows["new_value"].round().astype(int),
            "produce_delay",
        )

    def _apply_operations(self, rows):
        if rows.empty:
            return
        self.env["mrp.routing.workcenter"].flush_model(["workcenter_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id, workcenter_id
                  FROM mrp_routing_workcenter
                 WHERE id = ANY(%s)
                   FOR NO KEY UPDATE
                """,
                sorted(set(rows["operation_id"].astype(int))),
            )
        )
        current = dict(self.env.cr.fetchall())
        line_ids = rows["id"].astype(int).tolist()
        self.env.cr.execute(
            SQL(
                """
                UPDATE mrp_drs_optimization_line l
                   SET old_workcenter_id = v.workcenter_id
                  FROM unnest(%s::int[], %s::int[]) AS v(id, workcenter_id)
                 WHERE l.id = v.id
                   AND l.old_workcenter_id IS DISTINCT FROM v.workcenter_id
                """,
                line_ids,
                [current[int(op)] for op in rows["operation_id"]],
            )
        )
        self.browse(line_ids).invalidate_recordset(["old_workcenter_id"])
        self._set_operation_workcenters(rows["operation_id"], rows["new_workcenter_id"])

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
        if rows.empty:
            return
        flows = (
            self.env["mrp.drs.flow"].sudo().browse(rows["flow_id"].astype(int).tolist())
        )
        current = dict(zip(flows.ids, flows.mapped("wip_cap"), strict=True))
        self._store_old_values(
            rows["id"], [current[int(flow)] for flow in rows["flow_id"]]
        )
        loop_of = dict(zip(flows.ids, flows.mapped("loop_type"), strict=True))
        line_ids = rows["id"].astype(int).tolist()
        self.env.cr.execute(
            SQL(
                """
                UPDATE mrp_drs_optimization_line l
                   SET old_loop_type = v.loop_type
                  FROM unnest(%s::int[], %s::varchar[]) AS v(id, loop_type)
                 WHERE l.id = v.id
                """,
                line_ids,
                [loop_of[int(flow)] for flow in rows["flow_id"]],
            )
        )
        self.browse(line_ids).invalidate_recordset(["old_loop_type"])
        for flow_id, value, loop_type in zip(
            rows["flow_id"], rows["new_value"], rows["new_loop_type"], strict=True
        ):
            flows.browse(int(flow_id)).write(_flow_values(value, loop_type))

    def _write_grouped(self, model, record_ids, values, field_name):
        """``write({field_name: value})`` once per distinct value."""
        if len(record_ids) == 0:
            return
        groups = defaultdict(list)
        for record_id, value in zip(record_ids, values, strict=True):
            groups[_plain(value)].append(int(record_id))
        records = self.env[model].sudo().with_context(tracking_disable=True)
        for value, ids in groups.items():
            records.browse(ids).write({field_name: value})

    def _set_state(self, state):
        """Set the state of many lines in one query (no field depends on it)."""
        self.flush_model(["state"])
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
        self.invalidate_recordset(["state", "write_uid", "write_date"])

    def _store_old_values(self, line_ids, values):
        line_ids = [int(line_id) for line_id in line_ids]
        self.env.cr.execute(
            SQL(
                """
                UPDATE mrp_drs_optimization_line l
                   SET old_value = v.value, difference = l.new_value - v.value
                  FROM unnest(%s::int[], %s::float8[]) AS v(id, value)
                 WHERE l.id = v.id AND l.old_value IS DISTINCT FROM v.value
                """,
                line_ids,
                [float(value) for value in values],
            )
        )
        self.browse(line_ids).invalidate_recordset(["old_value", "difference"])


_ORDERPOINT = ("product_min_qty", "product_max_qty", "qty_multiple")


def _flow_values(cap, loop_type):
    """Values written to a flow: the cap, and the loop type when the line has
    one (lines of older runs carry none)."""
    values = {"wip_cap": float(cap)}
    if isinstance(loop_type, str) and loop_type:
        values["loop_type"] = loop_type
    return values


def _plain(value):
    """numpy scalar -> Python scalar (ids and integer days stay integers)."""
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)) and float(value).is_integer():
        return int(value)
    return float(value)
