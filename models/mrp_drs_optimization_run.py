# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Optimisation runs: DRS planning parameters computed from live Odoo data.

A run reads the company's plant set-wise (:meth:`_extract_plant`), hands it to
the engine (:func:`engine.optimize.optimize_plant`), and records the proposal as
lines (:meth:`_prepare_line_values`): old and new reorder-rule quantities, lot
sizes, manufacturing lead times, workcenter assignments and WIP caps. The
planner applies all or selected lines in one transaction and may revert them.

Data read, and how (all set-wise, one query per kind):

- **demand**: done stock moves from the warehouse's internal locations to
  customer or production locations (sales and consumption by manufacturing
  orders), in the product's unit, summed per product and period of
  ``period_days`` over the last whole periods of the history window; periods
  without moves count as zero. Mean and sample standard deviation per period.
  Returns are not netted.
- **products**: storable, active products of the company with an active
  normal bill of materials (the first by sequence, variant-specific first, as
  ``mrp.bom._bom_find``); consumables are left out.
- **unit cost**: ``standard_price`` of the company (company-dependent jsonb).
- **routing**: the BoM's active operations; run hours per unit of the product
  as Odoo plans them (``mrp.workorder._get_duration_expected``): ``time_cycle /
  capacity / 60 * 100 / time_efficiency``, with ``capacity`` the workcenter's
  capacity for the product (``capacity_ids``) or its default capacity, and
  ``time_cycle`` the manual duration, or for operations computed "based on
  tracked time" the average of their last ``time_mode_batch`` done work orders.
  Setup hours per lot: the workcenter's (or product capacity's) setup plus
  cleanup time. Each alternative workcenter of the operation's workcenter is
  another routing row of the same operation, timed with its own capacity and
  efficiency.
- **setup cost** per lot: the run's cost per manufacturing order plus the setup
  hours x the workcenter's cost per hour, summed over the operations (zero when
  no cost is set: the lot size then follows from capacity and WIP alone).
- **capacity**: working hours of each workcenter's calendar over the capacity
  horizon (global leaves included, resource-specific leaves not), per period;
  one calendar computation per distinct calendar. A workcenter's parallel
  capacity and efficiency are in its run hours, as in Odoo's durations.
- **flows**: active DRS flows of the company; a product belongs to the flow
  where its operations spend most hours, as manufacturing orders do.

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
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from odoo.addons.mrp_drs.engine import inventory, optimize

_logger = logging.getLogger(__name__)

#: ir.config_parameter: largest plant (manufactured products) optimised inline
INLINE_LIMIT_PARAM = "mrp_drs.optimization_inline_limit"
INLINE_LIMIT_DEFAULT = 5000

#: fill-rate targets of the efficient frontier chart
FRONTIER_TARGETS = (0.80, 0.85, 0.90, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995)

#: orderpoint fields a run may change, in the order of the lines
ORDERPOINT_FIELDS = ("product_min_qty", "product_max_qty", "qty_multiple")

#: the engine's reason for an item whose workcenter is overloaded by run time
OVERLOAD_REASON = re.compile(
    r"^(?P<workcenter>\d+): load of (?P<load>[\d.]+%) without setups leaves no "
    r"room under max_utilization (?P<ceiling>[\d.]+%)$"
)

#: a run still 'running' after this many hours without progress was interrupted
STALE_HOURS = 2

#: lines are created in chunks of this size (one ``create`` call each)
LINE_CHUNK = 50_000


def _round_up(values, rounding):
    """Round up to a multiple of ``rounding`` (a product's UoM rounding)."""
    values = np.asarray(values, dtype=float)
    rounding = np.asarray(rounding, dtype=float)
    rounded = np.ceil(values / rounding - 1e-9) * rounding
    return np.round(rounded, 6)


class MrpDrsOptimizationRun(models.Model):
    _name = "mrp.drs.optimization.run"
    _description = "DRS parameter optimisation run"
    _inherit = ["mrp.drs.optimization.params", "mail.thread"]
    _order = "id desc"

    name = fields.Char(required=True, default=lambda self: self._default_name())
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("queued", "Queued"),
            ("running", "Running"),
            ("done", "To review"),
            ("failed", "Failed"),
            ("applied", "Applied"),
            ("reverted", "Reverted"),
        ],
        required=True,
        default="draft",
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    user_id = fields.Many2one(
        "res.users", "Requested by", default=lambda self: self.env.user, readonly=True
    )
    profile_id = fields.Many2one(
        "mrp.drs.optimization.profile",
        readonly=True,
        check_company=True,
        ondelete="set null",
    )
    auto_apply = fields.Boolean(
        readonly=True, help="Apply all proposed lines as soon as the run is done."
    )
    progress = fields.Float("Progress (%)", readonly=True, copy=False)
    progress_message = fields.Char("Step", readonly=True, copy=False)
    error_message = fields.Text("Error", readonly=True, copy=False)
    date_start = fields.Datetime("Started on", readonly=True, copy=False)
    date_done = fields.Datetime("Finished on", readonly=True, copy=False)
    date_applied = fields.Datetime("Applied on", readonly=True, copy=False)
    extraction_seconds = fields.Float(
        "Data extraction (s)", readonly=True, copy=False, digits=(16, 2)
    )
    optimization_seconds = fields.Float(
        "Optimisation (s)", readonly=True, copy=False, digits=(16, 2)
    )
    # inputs summary
    product_count = fields.Integer(
        "Manufactured products", readonly=True, copy=False, help="Items optimised."
    )
    scope_product_count = fields.Integer("Products in scope", readonly=True, copy=False)
    routing_row_count = fields.Integer(
        "Routing rows",
        readonly=True,
        copy=False,
        help="Operations x eligible workcenters (alternatives included).",
    )
    workcenter_count = fields.Integer("Workcenters", readonly=True, copy=False)
    flow_count = fields.Integer("Flows in the plant", readonly=True, copy=False)
    period_count = fields.Integer("Demand periods", readonly=True, copy=False)
    period_hours = fields.Float(
        "Working hours per period (h)", readonly=True, copy=False, digits=(16, 2)
    )
    # expected effect
    currency_id = fields.Many2one(related="company_id.currency_id")
    feasible_count = fields.Integer("Optimised products", readonly=True, copy=False)
    infeasible_count = fields.Integer(
        "Products with a problem", readonly=True, copy=False
    )
    inventory_investment = fields.Monetary(
        "Expected inventory investment", readonly=True, copy=False
    )
    current_inventory_investment = fields.Monetary(
        "Inventory investment of the current rules",
        readonly=True,
        copy=False,
        help="Current reorder rules of the same products, under the same demand and "
        "planned lead times.",
    )
    fill_rate = fields.Float(
        "Expected fill rate (%)",
        readonly=True,
        copy=False,
        digits=(16, 4),
        help="Demand-weighted over the optimised products.",
    )
    current_fill_rate = fields.Float(
        "Fill rate of the current rules (%)",
        readonly=True,
        copy=False,
        digits=(16, 4),
        help="Current reorder rules of the optimised products that have one, under "
        "the same demand and planned lead times.",
    )
    wip_units = fields.Float(
        "Expected WIP (units)", readonly=True, copy=False, digits=(16, 2)
    )
    wip_investment = fields.Monetary("Expected WIP value", readonly=True, copy=False)
    max_utilization_result = fields.Float(
        "Highest workcenter utilisation (%)", readonly=True, copy=False, digits=(16, 4)
    )
    frontier_chart = fields.Binary(
        "Efficient frontier", attachment=True, readonly=True, copy=False
    )
    line_ids = fields.One2many("mrp.drs.optimization.line", "run_id", "Proposals")
    wip_cap_line_ids = fields.One2many(
        "mrp.drs.optimization.line",
        "run_id",
        "WIP caps",
        domain=[("kind", "=", "wip_cap")],
        readonly=True,
    )
    line_count = fields.Integer("Number of lines", compute="_compute_line_counts")
    problem_count = fields.Integer("Problems", compute="_compute_line_counts")
    selected_count = fields.Integer("Selected", compute="_compute_line_counts")

    # ------------------------------------------------------------------ defaults
    def _default_name(self):
        now = fields.Datetime.context_timestamp(self, fields.Datetime.now())
        return self.env._("Optimisation %(date)s", date=now.strftime("%Y-%m-%d %H:%M"))

    # ------------------------------------------------------------------ computes
    def _compute_line_counts(self):
        counts = {
            (run.id, state, selected): count
            for run, state, selected, count in self.env[
                "mrp.drs.optimization.line"
            ]._read_group(
                [("run_id", "in", self.ids)],
                ["run_id", "state", "selected"],
                ["__count"],
            )
        }
        for run in self:
            mine = {key[1:]: count for key, count in counts.items() if key[0] == run.id}
            run.line_count = sum(mine.values())
            run.problem_count = sum(
                count
                for (state, _selected), count in mine.items()
                if state == "skipped"
            )
            run.selected_count = mine.get(("proposed", True), 0)

    # ------------------------------------------------------------------- actions
    def action_apply(self):
        """Apply every proposed line (one transaction)."""
        self._check_planner()
        for run in self:
            run._check_state("done")
        self.env["mrp.drs.optimization.line"].search(
            [
                ("run_id", "in", self.ids),
                ("state", "=", "proposed"),
                ("selected", "=", False),
            ]
        ).write({"selected": True})
        return self._apply_selected()

    def action_apply_selected(self):
        """Apply the selected proposed lines (one transaction)."""
        self._check_planner()
        for run in self:
            run._check_state("done")
        return self._apply_selected()

    def action_revert(self):
        """Restore the values the applied lines replaced (one transaction)."""
        self._check_planner()
        for run in self:
            run._check_state("applied")
            lines = self.env["mrp.drs.optimization.line"].search(
                [("run_id", "=", run.id), ("state", "=", "applied")]
            )
            with self.env.cr.savepoint():
                lines._revert()
                run.write({"state": "reverted"})
            run.message_post(
                body=self.env._(
                    "%(count)s applied value(s) restored.", count=len(lines)
                )
            )
        return True

    def action_queue(self):
        """Run in the background: queue the run and wake up its cron."""
        self._check_planner()
        for run in self:
            if run.state not in ("draft", "failed"):
                raise UserError(
                    self.env._(
                        "Run %(run)s has already been computed.", run=run.display_name
                    )
                )
        self.write({"state": "queued", "progress": 0.0, "progress_message": False})
        self.env.ref("mrp_drs.ir_cron_mrp_drs_optimization_run")._trigger()
        return True

    def action_view_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "mrp_drs.mrp_drs_optimization_line_action"
        )
        action["domain"] = [("run_id", "=", self.id)]
        action["context"] = {"default_run_id": self.id}
        return action

    def action_view_problems(self):
        action = self.action_view_lines()
        action["context"] = {"search_default_skipped": 1}
        return action

    # ---------------------------------------------------------- business methods
    def _check_planner(self):
        if not self.env.is_superuser() and not self.env.user.has_group(
            "mrp_drs.group_drs_planner"
        ):
            raise AccessError(
                self.env._("Only DRS planners can apply or revert optimisation runs.")
            )

    def _check_state(self, state):
        if self.state != state:
            labels = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                self.env._(
                    "Run %(run)s is %(state)s; this needs a run that is %(wanted)s.",
                    run=self.display_name,
                    state=labels[self.state],
                    wanted=labels[state],
                )
            )

    @api.model
    def _inline_limit(self):
        value = self.env["ir.config_parameter"].sudo().get_param(INLINE_LIMIT_PARAM, "")
        try:
            return int(value) if value else INLINE_LIMIT_DEFAULT
        except ValueError:
            _logger.warning("%s is not an integer: %r", INLINE_LIMIT_PARAM, value)
            return INLINE_LIMIT_DEFAULT

    @api.model
    def _count_plant_products(self, company):
        """Manufactured storable products of ``company`` (the size of a run)."""
        self.env.cr.execute(
            SQL(
                """
                SELECT COUNT(DISTINCT pp.id)
                  FROM mrp_bom b
                  JOIN product_product pp
                    ON pp.id = b.product_id
                    OR (b.product_id IS NULL AND pp.product_tmpl_id = b.product_tmpl_id)
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 WHERE b.active AND b.type = 'normal' AND pp.active AND pt.is_storable
                   AND (b.company_id = %(company)s OR b.company_id IS NULL)
                """,
                company=company.id,
            )
        )
        return self.env.cr.fetchone()[0]

    def _start(self):
        """Run inline if the plant is small, else queue it for the cron.
        Returns True when the run was computed inline."""
        self.ensure_one()
        if self._count_plant_products(self.company_id) <= self._inline_limit():
            self._execute()
            return True
        self.action_queue()
        return False

    def _set_progress(self, percent, message):
        self.write({"progress": percent, "progress_message": message})
        if self.env.context.get("drs_commit_progress"):
            # cron only: let the planner see the progress; nothing written so
            # far needs to be undone if a later step fails
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _execute(self):
        """Extract, optimise and record the proposal of this run.

        Bad input (an empty plant, parameters the engine refuses, no LP
        solution) marks the run failed with the reason instead of raising; the
        lines and results are written in one savepoint, so a run is either
        complete or has none.
        """
        self.ensure_one()
        self.write(
            {
                "state": "running",
                "date_start": fields.Datetime.now(),
                "error_message": False,
            }
        )
        try:
            self._set_progress(5.0, self.env._("Reading demand, routings, capacity"))
            started = time.perf_counter()
            data = self._extract_plant()
            extraction = time.perf_counter() - started
            self._set_progress(40.0, self.env._("Optimising"))
            started = time.perf_counter()
            result = optimize.optimize_plant(
                data["plant"],
                service=self.service_level,
                max_utilization=self.max_utilization,
                lead_time_service=self.service_level,
            )
            optimization = time.perf_counter() - started
            self._set_progress(70.0, self.env._("Writing the proposal"))
            with self.env.cr.savepoint():
                self._store_result(data, result)
                self.write(
                    {
                        "extraction_seconds": extraction,
                        "optimization_seconds": optimization,
                    }
                )
        except (UserError, ValueError, RuntimeError) as error:
            # ValueError: parameters or a plant the engine refuses; RuntimeError:
            # the engine's LP solver found no solution
            self.write(
                {
                    "state": "failed",
                    "error_message": str(error),
                    "progress": 100.0,
                    "progress_message": False,
                    "date_done": fields.Datetime.now(),
                }
            )
            self.message_post(
                body=self.env._("Optimisation failed: %(error)s", error=str(error))
            )
            return False
        if self.auto_apply:
            self._auto_apply()
        return True

    def _auto_apply(self):
        """Apply all proposals of a profile run; a refusal is logged, not raised."""
        try:
            self.action_apply()
        except (UserError, AccessError) as error:
            self.message_post(
                body=self.env._(
                    "Automatic apply refused, the run waits for review: %(error)s",
                    error=str(error),
                )
            )

    def _apply_selected(self):
        for run in self:
            lines = self.env["mrp.drs.optimization.line"].search(
                [
                    ("run_id", "=", run.id),
                    ("state", "=", "proposed"),
                    ("selected", "=", True),
                ]
            )
            if not lines:
                raise UserError(
                    self.env._(
                        "Run %(run)s has no selected proposal to apply.",
                        run=run.display_name,
                    )
                )
            with self.env.cr.savepoint():
                lines._apply(run)
                run.write({"state": "applied", "date_applied": fields.Datetime.now()})
            run.message_post(
                body=self.env._("%(count)s proposal(s) applied.", count=len(lines))
            )
        return True

    # ---------------------------------------------------------------- extraction
    def _extract_plant(self):
        """Read the company's plant and build the engine's :class:`Plant`.

        Returns a dict: ``plant`` (engine input), ``products`` (DataFrame indexed
        by product id: bom_id, produce_delay, rounding, orderpoint and its
        quantities, in_scope, flow_id, can_manufacture), ``routing`` (the routing
        rows with operation and workcenter ids), ``flows`` (DataFrame indexed by
        flow id), ``no_bom`` (product ids in scope without a bill of materials),
        ``period_hours``.
        """
        products = self._extract_products()
        if products.empty:
            raise UserError(
                self.env._(
                    "Company %(company)s has no storable product with a bill of "
                    "materials to optimise.",
                    company=self.company_id.display_name,
                )
            )
        demand = self._extract_demand(products.index.to_numpy())
        routing = self._extract_routing(products)
        centers, period_hours = self._extract_workcenters(routing)
        flows, flow_rows = self._extract_flows(centers)
        products = products.join(demand)
        products[["demand_mean", "demand_std"]] = products[
            ["demand_mean", "demand_std"]
        ].fillna(0.0)
        products["flow_id"] = self._product_flows(products, routing, flow_rows)
        products = products.join(self._extract_orderpoints(products.index.to_numpy()))
        products["can_manufacture"] = products.index.isin(
            self._manufacturable(products.index.to_numpy())
        )
        products["in_scope"], no_bom = self._scope(products)
        setup_cost = (
            routing[routing["is_primary"]]
            .assign(cost=lambda rows: rows["setup_hours"] * rows["costs_hour"])
            .groupby("product_id")["cost"]
            .sum()
        )
        holding = self.holding_rate * self.period_days / 365.0
        items = pd.DataFrame(
            {
                "sku": products.index.astype(str),
                "demand_mean": products["demand_mean"].to_numpy(),
                "demand_std": products["demand_std"].to_numpy(),
                "unit_cost": products["unit_cost"].to_numpy(),
                "setup_cost": setup_cost.reindex(products.index).fillna(0.0).to_numpy()
                + self.order_cost,
                "holding_rate": holding,
                "flow": products["flow_id"]
                .map(lambda flow: None if pd.isna(flow) else str(int(flow)))
                .to_numpy(),
            }
        )
        plant = optimize.Plant(
            items=items,
            routing=pd.DataFrame(
                {
                    "sku": routing["product_id"].astype(str).to_numpy(),
                    "operation": routing["step"].to_numpy(),
                    "workcenter": routing["workcenter_id"].astype(str).to_numpy(),
                    "run_hours": routing["run_hours"].to_numpy(),
                    "setup_hours": routing["setup_hours"].to_numpy(),
                }
            ),
            workcenters=pd.DataFrame(
                {
                    "workcenter": centers.index.astype(str),
                    "capacity_hours": centers["capacity_hours"].to_numpy(),
                }
            ),
            flows=flow_rows.assign(
                flow=flow_rows["flow_id"].astype(str),
                workcenter=flow_rows["workcenter_id"].astype(str),
            )[["flow", "workcenter"]],
            period_hours=period_hours,
            period_days=float(self.period_days),
        )
        return {
            "plant": plant,
            "products": products,
            "routing": routing,
            "centers": centers,
            "flows": flows,
            "flow_rows": flow_rows,
            "no_bom": no_bom,
            "period_hours": period_hours,
        }

    def _extract_products(self):
        """Storable products with their bill of materials, unit and unit cost."""
        company = self.company_id
        fallback = (
            self.env["product.product"]
            ._fields["standard_price"]
            .get_company_dependent_fallback(
                self.env["product.product"].with_company(company)
            )
        )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH candidate AS (
                    SELECT pp.id AS product_id, b.id AS bom_id, b.sequence,
                           0 AS generic
                      FROM mrp_bom b
                      JOIN product_product pp ON pp.id = b.product_id
                     WHERE b.active AND b.type = 'normal'
                       AND (b.company_id = %(company)s OR b.company_id IS NULL)
                    UNION ALL
                    SELECT pp.id, b.id, b.sequence, 1
                      FROM mrp_bom b
                      JOIN product_product pp ON pp.product_tmpl_id = b.product_tmpl_id
                     WHERE b.active AND b.type = 'normal' AND b.product_id IS NULL
                       AND (b.company_id = %(company)s OR b.company_id IS NULL)
                ), chosen AS (
                    SELECT DISTINCT ON (product_id) product_id, bom_id
                      FROM candidate
                     ORDER BY product_id, sequence, generic, bom_id
                )
                SELECT c.product_id, c.bom_id, COALESCE(b.produce_delay, 0),
                       CASE WHEN u.category_id = %(unit_category)s
                            THEN GREATEST(u.rounding, 1.0)
                            ELSE u.rounding END,
                       pt.categ_id,
                       (pp.standard_price ->> %(company_key)s)::float
                  FROM chosen c
                  JOIN mrp_bom b ON b.id = c.bom_id
                  JOIN product_product pp ON pp.id = c.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  JOIN uom_uom u ON u.id = pt.uom_id
                 WHERE pp.active AND pt.is_storable
                   AND (pt.company_id = %(company)s OR pt.company_id IS NULL)
                 ORDER BY c.product_id
                """,
                company=company.id,
                company_key=str(company.id),
                unit_category=self.env.ref("uom.product_uom_categ_unit").id,
            )
        )
        frame = pd.DataFrame(
            self.env.cr.fetchall(),
            columns=[
                "product_id",
                "bom_id",
                "produce_delay",
                "rounding",
                "categ_id",
                "unit_cost",
            ],
        ).set_index("product_id")
        frame["unit_cost"] = frame["unit_cost"].astype(float).fillna(float(fallback))
        frame["rounding"] = (
            frame["rounding"].astype(float).where(frame["rounding"] > 0, 0.01)
        )
        return frame

    def _history_bounds(self):
        periods = max(self.history_days // self.period_days, 1)
        end = self.date_start or fields.Datetime.now()
        return periods, end - timedelta(days=periods * self.period_days), end

    def _extract_demand(self, product_ids):
        """Mean and standard deviation of demand per period, zero periods counted.

        Demand is the done moves out of the warehouse's internal locations into
        customer or production locations, in the product's unit of measure.
        """
        periods, start, end = self._history_bounds()
        self.env.cr.execute(
            SQL(
                """
                SELECT product_id, SUM(qty), SUM(qty * qty)
                  FROM (
                    SELECT m.product_id,
                           FLOOR(EXTRACT(EPOCH FROM (%(end)s - m.date))
                                 / %(seconds)s) AS bucket,
                           SUM(m.quantity / mu.factor * pu.factor) AS qty
                      FROM stock_move m
                      JOIN stock_location src ON src.id = m.location_id
                      JOIN stock_location dst ON dst.id = m.location_dest_id
                      JOIN uom_uom mu ON mu.id = m.product_uom
                      JOIN product_product pp ON pp.id = m.product_id
                      JOIN product_template pt ON pt.id = pp.product_tmpl_id
                      JOIN uom_uom pu ON pu.id = pt.uom_id
                     WHERE m.state = 'done'
                       AND m.company_id = %(company)s
                       AND m.date >= %(start)s AND m.date < %(end)s
                       AND src.usage = 'internal' AND src.warehouse_id = %(warehouse)s
                       AND dst.usage IN ('customer', 'production')
                     GROUP BY 1, 2
                  ) buckets
                 GROUP BY product_id
                """,
                end=end,
                start=start,
                seconds=self.period_days * 86400.0,
                company=self.company_id.id,
                warehouse=self.warehouse_id.id,
            )
        )
        rows = np.array(self.env.cr.fetchall(), dtype=float).reshape(-1, 3)
        total, squares = rows[:, 1], rows[:, 2]
        mean = total / periods
        if periods > 1:
            variance = np.maximum(squares - periods * mean**2, 0.0) / (periods - 1)
        else:
            variance = np.zeros_like(mean)
        frame = pd.DataFrame(
            {"demand_mean": mean, "demand_std": np.sqrt(variance)},
            index=pd.Index(rows[:, 0].astype(int), name="product_id"),
        )
        return frame[frame.index.isin(product_ids)]

    def _extract_routing(self, products):
        """Routing rows: one per operation and eligible workcenter (primary and
        alternatives), with run hours per unit and setup hours per lot."""
        self.env.cr.execute(
            SQL(
                """
                WITH chosen AS (
                    SELECT * FROM unnest(%(products)s::int[], %(boms)s::int[])
                           AS c(product_id, bom_id)
                ), ops AS (
                    SELECT c.product_id, o.id AS operation_id, o.workcenter_id,
                           o.time_mode, o.time_cycle_manual,
                           COALESCE(NULLIF(o.time_mode_batch, 0), 10) AS batch,
                           ROW_NUMBER() OVER (PARTITION BY c.product_id
                                              ORDER BY o.sequence, o.id) AS step
                      FROM chosen c
                      JOIN mrp_routing_workcenter o
                        ON o.bom_id = c.bom_id AND o.active
                ), tracked AS (
                    SELECT DISTINCT operation_id, batch
                      FROM ops
                     WHERE time_mode = 'auto'
                ), history AS (
                    SELECT operation_id, SUM(duration) / NULLIF(SUM(cycles), 0) AS cycle
                      FROM (
                        SELECT wo.operation_id, wo.duration, t.batch,
                               CEIL(wo.qty_produced / COALESCE(
                                   NULLIF(cap.capacity, 0),
                                   NULLIF(wc.default_capacity, 0), 1)) AS cycles,
                               ROW_NUMBER() OVER (
                                   PARTITION BY wo.operation_id
                                   ORDER BY wo.date_finished DESC NULLS LAST, wo.id DESC
                               ) AS rank
                          FROM tracked t
                          JOIN mrp_workorder wo ON wo.operation_id = t.operation_id
                          JOIN mrp_workcenter wc ON wc.id = wo.workcenter_id
                          LEFT JOIN mrp_workcenter_capacity cap
                            ON cap.workcenter_id = wo.workcenter_id
                           AND cap.product_id = wo.product_id
                         WHERE wo.state = 'done' AND wo.qty_produced > 0
                      ) recent
                     WHERE rank <= batch
                     GROUP BY operation_id
                ), timed AS (
                    SELECT ops.product_id, ops.operation_id, ops.step,
                           ops.workcenter_id,
                           CASE WHEN ops.time_mode = 'auto'
                                THEN COALESCE(h.cycle, ops.time_cycle_manual)
                                ELSE ops.time_cycle_manual END AS time_cycle
                      FROM ops LEFT JOIN history h ON h.operation_id = ops.operation_id
                ), eligible AS (
                    SELECT product_id, operation_id, step, workcenter_id,
                           workcenter_id AS primary_id, time_cycle
                      FROM timed
                    UNION ALL
                    SELECT t.product_id, t.operation_id, t.step,
                           alt.alternative_workcenter_id, t.workcenter_id, t.time_cycle
                      FROM timed t
                      JOIN mrp_workcenter_alternative_rel alt
                        ON alt.workcenter_id = t.workcenter_id
                )
                SELECT e.product_id, e.operation_id, e.step, e.workcenter_id,
                       e.workcenter_id = e.primary_id,
                       COALESCE(e.time_cycle, 0)
                         / COALESCE(NULLIF(cap.capacity, 0),
                                    NULLIF(wc.default_capacity, 0), 1)
                         / 60.0 * 100.0
                         / COALESCE(NULLIF(wc.time_efficiency, 0), 100.0),
                       CASE WHEN cap.id IS NOT NULL
                            THEN COALESCE(cap.time_start, 0)
                                 + COALESCE(cap.time_stop, 0)
                            ELSE COALESCE(wc.time_start, 0)
                                 + COALESCE(wc.time_stop, 0)
                       END / 60.0,
                       COALESCE(wc.costs_hour, 0)
                  FROM eligible e
                  JOIN mrp_workcenter wc
                    ON wc.id = e.workcenter_id AND wc.active
                   AND (wc.company_id = %(company)s OR wc.company_id IS NULL)
                  LEFT JOIN mrp_workcenter_capacity cap
                    ON cap.workcenter_id = e.workcenter_id
                   AND cap.product_id = e.product_id
                 ORDER BY e.product_id, e.step, e.workcenter_id
                """,
                products=products.index.tolist(),
                boms=products["bom_id"].tolist(),
                company=self.company_id.id,
            )
        )
        return pd.DataFrame(
            self.env.cr.fetchall(),
            columns=[
                "product_id",
                "operation_id",
                "step",
                "workcenter_id",
                "is_primary",
                "run_hours",
                "setup_hours",
                "costs_hour",
            ],
        ).astype(
            {
                "run_hours": float,
                "setup_hours": float,
                "costs_hour": float,
                "is_primary": bool,
            }
        )

    def _extract_workcenters(self, routing):
        """Capacity per period of the routing's workcenters, from their calendars.

        Returns the frame (indexed by workcenter id: calendar_id, capacity_hours)
        and the working hours of a period of the company's calendar (the engine's
        clock; the largest workcenter capacity when the company has none).
        """
        ids = sorted(set(routing["workcenter_id"].tolist()))
        centers = pd.DataFrame(
            self.env["mrp.workcenter"]
            .sudo()
            .search_read([("id", "in", ids)], ["name", "resource_calendar_id"]),
            columns=["id", "name", "resource_calendar_id"],
        )
        centers["calendar_id"] = [
            value[0] if value else 0 for value in centers["resource_calendar_id"]
        ]
        centers = centers.set_index("id").drop(columns="resource_calendar_id")
        company_calendar = self.company_id.resource_calendar_id
        hours = self._calendar_hours(
            set(centers["calendar_id"]) | {company_calendar.id}
        )
        centers["capacity_hours"] = centers["calendar_id"].map(hours).fillna(0.0)
        period_hours = hours.get(company_calendar.id, 0.0)
        if period_hours <= 0:
            period_hours = float(centers["capacity_hours"].max() or 0.0)
        if period_hours <= 0:
            raise UserError(
                self.env._(
                    "No working calendar gives working hours in the next %(days)s "
                    "days: the workcenters have no capacity.",
                    days=self.horizon_days,
                )
            )
        return centers, period_hours

    def _calendar_hours(self, calendar_ids):
        """Working hours per period of each calendar over the capacity horizon."""
        periods = max(self.horizon_days // self.period_days, 1)
        start = fields.Datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
        end = start + timedelta(days=periods * self.period_days)
        hours = {}
        for calendar in (
            self.env["resource.calendar"]
            .sudo()
            .browse(sorted(c for c in calendar_ids if c))
        ):
            hours[calendar.id] = calendar.get_work_hours_count(start, end) / periods
        return hours

    def _extract_flows(self, centers):
        """Active flows of the company and their workcenters present in the plant."""
        flows = (
            self.env["mrp.drs.flow"]
            .sudo()
            .search([("company_id", "=", self.company_id.id), ("active", "=", True)])
        )
        frame = pd.DataFrame(
            {
                "name": flows.mapped("display_name"),
                "wip_cap": flows.mapped("wip_cap"),
                "standard_work_hours": flows.mapped("standard_work_hours"),
            },
            index=pd.Index(flows.ids, name="flow_id", dtype=int),
        )
        rows = pd.DataFrame(
            [
                (flow.id, workcenter.id)
                for flow in flows
                for workcenter in flow.workcenter_ids.sorted("id")
                if workcenter.id in centers.index
            ],
            columns=["flow_id", "workcenter_id"],
        )
        return frame, rows

    def _product_flows(self, products, routing, flow_rows):
        """Flow of each product: where its operations spend most hours (setup
        plus one BoM's quantity of run time, at the primary workcenters), as
        ``mrp.production.drs_flow_id`` assigns orders."""
        primary = routing[routing["is_primary"]]
        flow_of = dict(
            zip(flow_rows["workcenter_id"], flow_rows["flow_id"], strict=True)
        )
        flow = primary["workcenter_id"].map(flow_of)
        hours = (
            primary.assign(
                flow=flow, hours=primary["setup_hours"] + primary["run_hours"]
            )
            .dropna(subset=["flow"])
            .groupby(["product_id", "flow"])["hours"]
            .sum()
            .reset_index()
            .sort_values(["product_id", "hours", "flow"], ascending=[True, False, True])
            .drop_duplicates("product_id")
            .set_index("product_id")["flow"]
        )
        return hours.reindex(products.index)

    def _extract_orderpoints(self, product_ids):
        """Each product's reorder rule in the warehouse (at its stock location
        first, then the oldest) and its quantities."""
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (o.product_id) o.product_id, o.id,
                       o.product_min_qty, o.product_max_qty, o.qty_multiple
                  FROM stock_warehouse_orderpoint o
                  JOIN stock_warehouse w ON w.id = o.warehouse_id
                 WHERE o.active AND o.company_id = %(company)s
                   AND o.warehouse_id = %(warehouse)s
                 ORDER BY o.product_id, o.location_id = w.lot_stock_id DESC, o.id
                """,
                company=self.company_id.id,
                warehouse=self.warehouse_id.id,
            )
        )
        frame = pd.DataFrame(
            self.env.cr.fetchall(),
            columns=["product_id", "orderpoint_id", "min_qty", "max_qty", "multiple"],
        ).set_index("product_id")
        return frame[frame.index.isin(product_ids)].astype(float)

    def _manufacturable(self, product_ids):
        """Products with an active manufacture route (on the product or its
        category or a parent category)."""
        self.env.cr.execute(
            SQL(
                """
                WITH manufacture AS (
                    SELECT DISTINCT r.route_id
                      FROM stock_rule r
                      JOIN stock_route route ON route.id = r.route_id AND route.active
                     WHERE r.active AND r.action = 'manufacture'
                       AND (r.company_id = %(company)s OR r.company_id IS NULL)
                )
                SELECT pp.id
                  FROM product_product pp
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  JOIN product_category categ ON categ.id = pt.categ_id
                 WHERE pp.id = ANY(%(products)s)
                   AND (EXISTS (SELECT 1 FROM stock_route_product rp
                                  JOIN manufacture m ON m.route_id = rp.route_id
                                 WHERE rp.product_id = pt.id)
                        OR EXISTS (SELECT 1 FROM stock_route_categ rc
                                     JOIN manufacture m ON m.route_id = rc.route_id
                                     JOIN product_category parent
                                       ON parent.id = rc.categ_id
                                    WHERE starts_with(categ.parent_path,
                                                      parent.parent_path)))
                """,
                company=self.company_id.id,
                products=[int(pid) for pid in product_ids],
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _scope(self, products):
        """Which plant products get proposals, and the product ids in scope that
        have no bill of materials (categories scope only)."""
        if self.scope == "flows":
            return products["flow_id"].isin(self.flow_ids.ids).to_numpy(), []
        if self.scope == "categories":
            categories = self.env["product.category"].search(
                [("id", "child_of", self.categ_ids.ids)]
            )
            in_scope = products["categ_id"].isin(categories.ids).to_numpy()
            storable = self.env["product.product"].search(
                [
                    ("categ_id", "in", categories.ids),
                    ("is_storable", "=", True),
                    ("company_id", "in", [self.company_id.id, False]),
                ]
            )
            return in_scope, sorted(set(storable.ids) - set(products.index))
        return np.ones(len(products), dtype=bool), []

    # ------------------------------------------------------------------- results
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
        """Mean work hours of a lot of each flow at the flow's workcenters.

        Converts the engine's cap (lots of the flow's average routing) into the
        flow's equivalent units (hours / standard work content), the unit in
        which manufacturing orders count against the cap.
        """
        products = data["products"]
        if result.assignment.empty:
            return pd.Series(dtype=float)
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
        return (hours / lots).dropna()

    def _wip_cap_lines(self, data, result, proposal):
        flows, products = data["flows"], data["products"]
        if self.scope == "flows":
            flows = flows[flows.index.isin(self.flow_ids.ids)]
        elif self.scope == "categories":
            scoped = products.loc[products["in_scope"], "flow_id"].dropna()
            flows = flows[flows.index.isin(scoped.astype(int))]
        table = result.flows
        lot_hours = self._flow_lot_hours(data, result, proposal)
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
                        "state": "skipped",
                        "selected": False,
                        "reason": self._flow_reason(status),
                    }
                )
                continue
            hours_per_lot = float(lot_hours[flow_id])
            units = (
                math.ceil(
                    int(cap) * hours_per_lot / flow["standard_work_hours"] * 100 - 1e-6
                )
                / 100.0
            )
            units = max(units, 0.01)
            changed = abs(units - flow["wip_cap"]) > 0.005
            lines.append(
                {
                    "run_id": self.id,
                    "kind": "wip_cap",
                    "field_name": "wip_cap",
                    "flow_id": int(flow_id),
                    "old_value": float(flow["wip_cap"]),
                    "new_value": units,
                    "difference": units - float(flow["wip_cap"]),
                    "state": "proposed" if changed else "unchanged",
                    "selected": changed,
                    "reason": self.env._(
                        "%(lots)s lot(s) of %(hours).2f h on average "
                        "(throughput at the cap %(rate).3f lots/h for %(target).3f "
                        "lots/h needed; status %(status)s)",
                        lots=int(cap),
                        hours=hours_per_lot,
                        rate=float(row["throughput_at_cap"]),
                        target=float(row["target_throughput"]),
                        status=row["status"],
                    ),
                    "chart": self._flow_chart(flow["name"], row, result),
                }
            )
        return lines

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

    # -------------------------------------------------------------------- charts
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

    @api.model
    def _fail_interrupted_runs(self):
        """Runs left 'running' for hours were interrupted (server restart, or an
        unexpected error after a progress commit): mark them failed."""
        stale = self.sudo().search(
            [
                ("state", "=", "running"),
                (
                    "write_date",
                    "<",
                    fields.Datetime.now() - timedelta(hours=STALE_HOURS),
                ),
            ]
        )
        if stale:
            stale.write(
                {
                    "state": "failed",
                    "error_message": self.env._(
                        "The computation was interrupted; run it again."
                    ),
                    "progress_message": False,
                }
            )

    # -------------------------------------------------------------- cron entries
    @api.model
    def _cron_run_queued(self, commit_progress=False):
        """Compute the oldest queued run; the cron runs again while some remain.

        With ``commit_progress`` (the scheduled action) each step is committed so
        that planners see the progress of the run.
        """
        self._fail_interrupted_runs()
        queued = self.sudo().search([("state", "=", "queued")], order="id")
        if not queued:
            return True
        run = queued[0]
        run.with_company(run.company_id).with_context(
            drs_commit_progress=commit_progress
        )._execute()
        self.env["ir.cron"]._notify_progress(done=1, remaining=len(queued) - 1)
        return True


def _finite(value):
    return float(value) if value is not None and np.isfinite(value) else 0.0


def _finite_array(series):
    values = np.asarray(series, dtype=float)
    return np.where(np.isfinite(values), values, 0.0)


def _id(value):
    return int(value) if value is not None and not pd.isna(value) else False
