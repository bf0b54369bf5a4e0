# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Proposal lines of an optimisation run: one changed record each.

A reorder rule is one line: its minimum, maximum and multiple, and the
manufacturing lead time of the product's bill of materials when that changes
too, are applied together or not at all (the reorder point covers the demand
over that lead time). A lead time without a reorder rule to change, an
operation's workcenter and a flow's WIP cap are one line each. A product's own
figures (demand, demand model, expected service and stock, flow) are stored
once, on its first line (the reorder rule's, else the lead time's).

Applying and reverting work set-wise on the lines of a run: the current values
of the targets are read (and locked) in one query per kind, stored on the lines
as their old values, then the new values are written in batches. The caller
(:class:`MrpDrsOptimizationRun`) wraps the whole in a savepoint, so a failure
anywhere leaves every target and every line as it was.
"""

import numpy as np

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .mrp_drs_flow import OPEN_STATES
from .sql_arrays import sql_array

#: batch size of the UPDATE statements of the reorder rules
UPDATE_CHUNK = 100_000
#: free space left on each page of the lines' table (percent): applying and
#: reverting rewrite every line of a run, and a new row version that fits on
#: its page without a change of indexed column (state is not indexed; lines are
#: found by run) is a heap-only update, with no index entries to add
LINE_FILLFACTOR = 50


#: the reorder rule's fields a line changes, in the order of its values
#: (min, max, multiple)
ORDERPOINT_FIELDS = ("product_min_qty", "product_max_qty", "qty_multiple")
#: numeric columns of the lines read by :meth:`MrpDrsOptimizationLine._rows`,
#: in the order of its SELECT
_VALUES = (
    "old_value",
    "new_value",
    "old_max_qty",
    "new_max_qty",
    "old_multiple",
    "new_multiple",
    "old_lead_days",
    "new_lead_days",
)
#: what the apply stores on the lines, by the kind of its SQL array: the
#: values the targets had (NaN / None where the line keeps its own), and the
#: reorder rule an apply created
_STORED = {
    "stored_old": "float",
    "stored_old_max_qty": "float",
    "stored_old_multiple": "float",
    "stored_old_lead_days": "float",
    "stored_old_workcenter": "int",
    "stored_old_loop_type": "text",
    "stored_orderpoint": "int",
}

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
            ("reorder_rule", "Reorder rule: min, max, multiple, lead time"),
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
    old_max_qty = fields.Float(
        "Current max", readonly=True, digits="DRS Proposed Value"
    )
    new_max_qty = fields.Float(
        "Proposed max",
        readonly=True,
        digits="DRS Proposed Value",
        help="Reorder point plus one lot: Odoo orders up to this quantity in "
        "multiples of the lot size.",
    )
    old_multiple = fields.Float(
        "Current multiple", readonly=True, digits="DRS Proposed Value"
    )
    new_multiple = fields.Float(
        "Proposed multiple (lot size)", readonly=True, digits="DRS Proposed Value"
    )
    old_lead_days = fields.Float(
        "Current lead time (days)",
        readonly=True,
        digits="DRS Days",
        help="Manufacturing lead time of the product's bill of materials, changed "
        "with its reorder rule.",
    )
    new_lead_days = fields.Float(
        "Proposed lead time (days)",
        readonly=True,
        digits="DRS Days",
        help="The run's planned lead time of the product in whole days, which its "
        "proposed reorder point covers; written on the bill of materials with "
        "the reorder rule.",
    )
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

    # Proposals are the optimiser's output (see ``mrp.drs.optimization.run``):
    # created and written in superuser mode by the addon only; a planner may
    # only (un)select them.
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
                    "SELECT %s, %s FROM %s WHERE %s = ANY(%s::int4[])",
                    SQL(record),
                    SQL(owner),
                    SQL(tables),
                    SQL(record),
                    sql_array(distinct, "int"),
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
        """One sentence counting what the lines change by kind, for the run's
        chatter: lead times count the reorder-rule lines that carry one too."""
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        counts = rows["kind"].value_counts()
        leads = int(rows["new_lead_days"].notna().sum())
        if leads:
            counts["lead_time"] = leads
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
        """The lines as a DataFrame, streamed in one ``COPY``; the lead time
        of a bill of materials in ``old_lead_days`` / ``new_lead_days``
        whichever line carries it (a reorder rule's or a lead time's own)."""
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
            *_VALUES,
            "old_workcenter_id",
            "new_workcenter_id",
            "old_loop_type",
            "new_loop_type",
            "create_orderpoint",
            "orderpoint_created",
        ]
        rows = self.env["mrp.drs.optimization.run"]._copy_rows(
            SQL(
                """
                SELECT id, run_id, kind, field_name, product_id, orderpoint_id,
                       bom_id, operation_id, flow_id, old_value::float8,
                       new_value::float8, old_max_qty::float8, new_max_qty::float8,
                       old_multiple::float8, new_multiple::float8,
                       CASE WHEN field_name = 'produce_delay' THEN old_value
                            ELSE old_lead_days END::float8,
                       CASE WHEN field_name = 'produce_delay' THEN new_value
                            ELSE new_lead_days END::float8,
                       old_workcenter_id, new_workcenter_id,
                       old_loop_type, new_loop_type,
                       COALESCE(create_orderpoint, FALSE),
                       COALESCE(orderpoint_created, FALSE)
                  FROM mrp_drs_optimization_line
                 WHERE id = ANY(%s::int4[])
                 ORDER BY id
                """,
                sql_array(self.ids, "int"),
            ),
            columns,
        )
        for column in ("create_orderpoint", "orderpoint_created"):
            rows[column] = rows[column].map({"t": True, "f": False}).astype(bool)
        for column in ("kind", "field_name", "old_loop_type", "new_loop_type"):
            rows[column] = rows[column].astype(object)
        for column in _VALUES:
            rows[column] = rows[column].astype(float)
        return rows

    def _apply(self, run):
        """Write the new values of these lines of ``run``; store on the lines
        the values they replace; return the chatter summary.

        Set-wise, one locking read and one ``UPDATE ... FROM unnest(...)`` per
        target table, after :meth:`_check_targets`:

        - Reorder rules: SQL (their ``write`` only guards company and snooze
          changes, not touched here; the min <= max constraint is checked
          first); missing rules are created in one ``create``.
        - Bills of materials (lead-time lines and reorder-rule lines carrying
          their lead time): SQL (``produce_delay`` is neither tracked nor an
          input of a stored computed field), caches invalidated.
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
            "reorder_rule": "orderpoint_id",
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
        # a reorder rule's line that carries its bill of materials' lead time
        missing |= (
            rows["new_lead_days"].notna().to_numpy() & rows["bom_id"].isna().to_numpy()
        )
        if missing.any():
            raise UserError(
                self.env._(
                    "%(count)s record(s) changed by this run were deleted since it "
                    "was computed: run the optimisation again.",
                    count=int(missing.sum()),
                )
            )
        for column, kind in _STORED.items():
            rows[column] = None if kind == "text" else np.nan
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
            (rows["field_name"] == "reorder_rule") & rows["orderpoint_id"].notna()
        ]
        created = rules[rules["orderpoint_created"]]
        if not created.empty:
            self.env["stock.warehouse.orderpoint"].sudo().browse(
                sorted(set(created["orderpoint_id"].astype(int)))
            ).unlink()
        kept = rules[~rules["orderpoint_created"]]
        self._write_orderpoints(
            kept["orderpoint_id"].astype(int),
            kept[["old_value", "old_max_qty", "old_multiple"]].to_numpy(),
            self.env._("revert"),
        )
        boms = rows[rows["new_lead_days"].notna() & rows["bom_id"].notna()]
        self._lock("mrp_bom", "produce_delay", boms["bom_id"])
        self._set_boms(boms["bom_id"], boms["old_lead_days"])
        operations = rows[
            (rows["field_name"] == "workcenter_id")
            & rows["operation_id"].notna()
            & rows["old_workcenter_id"].notna()
        ]
        self._set_operation_workcenters(
            operations["operation_id"], operations["old_workcenter_id"]
        )
        flows = rows[(rows["field_name"] == "wip_cap") & rows["flow_id"].notna()]
        self._write_flows(flows["flow_id"], flows["old_value"], flows["old_loop_type"])
        self._set_state("reverted")
        return self._summary(rows, reverted=True), self._revert_note(rows, run)

    def _set_state(self, state, rows=None):
        """Set the state of these lines and, for ``rows`` with stored values
        (the ``stored_*`` columns), the values they replaced and the
        difference; one ``UPDATE`` (no field depends on these). Applied lines
        are selected ones.

        One statement per line row in the transaction (the apply's steps
        store what they read in ``rows`` and write nothing on the lines):
        PostgreSQL checks every foreign key of a row that the same transaction
        already updated, which on 100,000s of lines costs more than the update
        itself."""
        self.flush_model()
        stored = rows is not None and bool(rows[list(_STORED)].notna().any().any())
        if not stored:
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE mrp_drs_optimization_line
                       SET state = %s, selected = selected OR %s, write_uid = %s,
                           write_date = %s
                     WHERE id = ANY(%s::int4[])
                    """,
                    state,
                    state == "applied",
                    self.env.uid,
                    self.env.cr.now(),
                    sql_array(self.ids, "int"),
                )
            )
        else:
            # lines without a stored value keep theirs (NULL: no change)
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE mrp_drs_optimization_line l
                       SET state = %s, selected = l.selected OR %s, write_uid = %s,
                           write_date = %s,
                           old_value = COALESCE(v.old_value, l.old_value),
                           difference = COALESCE(l.new_value - v.old_value,
                                                 l.difference),
                           old_max_qty = COALESCE(v.old_max_qty, l.old_max_qty),
                           old_multiple = COALESCE(v.old_multiple, l.old_multiple),
                           old_lead_days = COALESCE(v.old_lead_days, l.old_lead_days),
                           old_workcenter_id = COALESCE(v.old_workcenter_id,
                                                        l.old_workcenter_id),
                           old_loop_type = COALESCE(v.old_loop_type,
                                                    l.old_loop_type),
                           orderpoint_id = COALESCE(v.orderpoint_id,
                                                    l.orderpoint_id),
                           orderpoint_created = v.orderpoint_id IS NOT NULL
                               OR COALESCE(l.orderpoint_created, FALSE)
                      FROM unnest(%s::int[], %s::float8[], %s::float8[],
                                  %s::float8[], %s::float8[], %s::int[],
                                  %s::varchar[], %s::int[])
                           AS v(id, old_value, old_max_qty, old_multiple,
                                old_lead_days, old_workcenter_id, old_loop_type,
                                orderpoint_id)
                     WHERE l.id = v.id
                    """,
                    state,
                    state == "applied",
                    self.env.uid,
                    self.env.cr.now(),
                    sql_array(rows["id"], "int"),
                    *(
                        sql_array(rows[column], kind)
                        for column, kind in _STORED.items()
                    ),
                )
            )
        self.invalidate_recordset(
            [
                "state",
                "selected",
                "write_uid",
                "write_date",
                "old_value",
                "difference",
                "old_max_qty",
                "old_multiple",
                "old_lead_days",
                "old_workcenter_id",
                "old_loop_type",
                "orderpoint_id",
                "orderpoint_created",
            ]
        )
