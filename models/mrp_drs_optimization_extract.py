# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reading a company's plant for an optimisation run.

Data read, and how (all set-wise, one query per kind):

- **demand**: done stock moves from the warehouse's internal locations to
  customer or production locations (sales and consumption by manufacturing
  orders), in the product's unit, summed per product and period of
  ``period_days`` over the last whole periods of the history window; periods
  without moves count as zero. Mean and sample standard deviation per period,
  and the share of periods without demand. Returns are not netted.
- **service**: the product's own "DRS fill-rate target" (kept exactly when
  set); products in a unit of the "Unit" category count whole units (their
  lot sizes and reorder points are whole, and discrete demand models apply).
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

"""

import io
from datetime import timedelta

import numpy as np
import pandas as pd

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.mrp_drs.engine import optimize

from .sql_arrays import sql_array

#: cells (products x periods) of the demand table summed at once: 64 MB of
#: floats; a year of weekly periods takes 150,000 products in one block
DEMAND_CELLS = 8_000_000


class MrpDrsOptimizationRun(models.Model):
    _inherit = "mrp.drs.optimization.run"

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
        demand = self._extract_demand(products)
        routing = self._extract_routing(products)
        centers, period_hours = self._extract_workcenters(routing)
        flows, flow_rows = self._extract_flows(centers)
        products = products.join(demand)
        products[["demand_mean", "demand_std"]] = products[
            ["demand_mean", "demand_std"]
        ].fillna(0.0)
        products["zero_share"] = products["zero_share"].fillna(1.0)
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
                "zero_share": products["zero_share"].to_numpy(),
                "service_target": products["fill_rate_target"]
                .where(products["fill_rate_target"] > 0)
                .to_numpy(dtype=float),
                "whole_units": products["whole_units"].to_numpy(),
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
                       (pp.standard_price ->> %(company_key)s)::float,
                       u.factor::float,
                       COALESCE(pt.drs_fill_rate_target, 0),
                       u.category_id = %(unit_category)s,
                       b.drs_lead_time_status IN ('ok', 'backlog')
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
                "uom_factor",
                "fill_rate_target",
                "whole_units",
                "drs_lead_time_active",
            ],
        ).set_index("product_id")
        frame["fill_rate_target"] = frame["fill_rate_target"].astype(float)
        frame[["whole_units", "drs_lead_time_active"]] = (
            frame[["whole_units", "drs_lead_time_active"]].fillna(False).astype(bool)
        )
        frame["unit_cost"] = frame["unit_cost"].astype(float).fillna(float(fallback))
        frame["rounding"] = (
            frame["rounding"].astype(float).where(frame["rounding"] > 0, 0.01)
        )
        return frame

    def _history_bounds(self):
        periods = max(self.history_days // self.period_days, 1)
        end = self.date_start or fields.Datetime.now()
        return periods, end - timedelta(days=periods * self.period_days), end

    def _extract_demand(self, products):
        """Mean and standard deviation of demand per period, zero periods
        counted, and the share of periods without demand (intermittent items:
        the engine picks a demand model from the three).

        Demand is the done moves out of the warehouse's internal locations into
        customer or production locations, in the product's unit of measure.

        The moves (millions in a year of a large plant) are streamed with one
        ``COPY`` and summed per product and period here: grouping them in SQL
        first gives about as many groups as moves, which PostgreSQL sorts or
        hashes to disk.
        """
        periods, start, end = self._history_bounds()
        self.env["stock.move"].flush_model(
            ["product_id", "product_uom", "date", "quantity", "state", "company_id"]
        )
        query = SQL(
            """
            SELECT m.product_id, m.product_uom,
                   FLOOR(EXTRACT(EPOCH FROM (%(end)s - m.date)) / %(seconds)s)::int,
                   m.quantity
              FROM stock_move m
             WHERE m.state = 'done'
               AND m.company_id = %(company)s
               AND m.date >= %(start)s AND m.date < %(end)s
               AND m.location_id IN (
                   SELECT id FROM stock_location
                    WHERE usage = 'internal' AND warehouse_id = %(warehouse)s)
               AND m.location_dest_id IN (
                   SELECT id FROM stock_location
                    WHERE usage IN ('customer', 'production'))
            """,
            end=end,
            start=start,
            seconds=self.period_days * 86400.0,
            company=self.company_id.id,
            warehouse=self.warehouse_id.id,
        )
        moves = self._copy_rows(query, ["product_id", "uom_id", "bucket", "qty"])
        self.env.cr.execute(SQL("SELECT id, factor::float FROM uom_uom"))
        move_factor = dict(self.env.cr.fetchall())
        ids = products.index.to_numpy()
        position = products.index.get_indexer(moves["product_id"].to_numpy())
        known = position >= 0
        position, moves = position[known], moves[known]
        qty = (
            moves["qty"].to_numpy(dtype=float)
            / moves["uom_id"].map(move_factor).to_numpy(dtype=float)
            * products["uom_factor"].to_numpy(dtype=float)[position]
        )
        bucket = np.clip(moves["bucket"].to_numpy(dtype=np.int64), 0, periods - 1)
        total = np.zeros(len(ids))
        squares = np.zeros(len(ids))
        demanded = np.zeros(len(ids))
        # one cell per product and period (a dense table: no sort, no hash),
        # in blocks of products of at most DEMAND_CELLS cells
        block = max(DEMAND_CELLS // periods, 1)
        for first in range(0, len(ids), block):
            size = min(block, len(ids) - first)
            mine = (position >= first) & (position < first + size)
            per_period = np.bincount(
                (position[mine] - first) * periods + bucket[mine],
                qty[mine],
                size * periods,
            ).reshape(size, periods)
            total[first : first + size] = per_period.sum(axis=1)
            squares[first : first + size] = (per_period**2).sum(axis=1)
            demanded[first : first + size] = (per_period > 0).sum(axis=1)
        mean = total / periods
        if periods > 1:
            variance = np.maximum(squares - periods * mean**2, 0.0) / (periods - 1)
        else:
            variance = np.zeros_like(mean)
        return pd.DataFrame(
            {
                "demand_mean": mean,
                "demand_std": np.sqrt(variance),
                "zero_share": 1.0 - np.minimum(demanded, periods) / periods,
            },
            index=pd.Index(ids, name="product_id"),
        )

    def _copy_rows(self, query, columns):
        """Rows of ``query`` as a DataFrame, streamed with ``COPY ... TO STDOUT``
        (CSV parsed by pandas) rather than fetched as Python tuples; bytes, a
        quarter of the memory of the same text in a ``StringIO``."""
        cr = self.env.cr
        buffer = io.BytesIO()
        cr.copy_expert(
            b"COPY ("
            + cr.mogrify(query.code, query.params)
            + b") TO STDOUT (FORMAT csv)",
            buffer,
        )
        if not buffer.tell():
            return pd.DataFrame({name: [] for name in columns})
        buffer.seek(0)
        return pd.read_csv(buffer, header=None, names=columns, low_memory=False)

    def _extract_routing(self, products):
        """Routing rows: one per operation and eligible workcenter (primary and
        alternatives), with run hours per unit and setup hours per lot."""
        rows = self._copy_rows(
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
                products=sql_array(products.index, "int"),
                boms=sql_array(products["bom_id"], "int"),
                company=self.company_id.id,
            ),
            [
                "product_id",
                "operation_id",
                "step",
                "workcenter_id",
                "is_primary",
                "run_hours",
                "setup_hours",
                "costs_hour",
            ],
        )
        rows["is_primary"] = rows["is_primary"].map({"t": True, "f": False})
        return rows.astype(
            {
                "product_id": int,
                "operation_id": int,
                "step": int,
                "workcenter_id": int,
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
                "loop_type": flows.mapped("loop_type"),
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
        plus one BoM's quantity of run time, at the primary workcenters), by
        ``mrp.drs.flow._drs_flow_of``, the rule that assigns orders."""
        primary = routing[routing["is_primary"]]
        flow_of = self.env["mrp.drs.flow"]._drs_flow_of(
            primary["product_id"].tolist(),
            primary["workcenter_id"].tolist(),
            (primary["setup_hours"] + primary["run_hours"]).tolist(),
            dict(zip(flow_rows["workcenter_id"], flow_rows["flow_id"], strict=True)),
        )
        return pd.Series(flow_of, dtype=float).reindex(products.index)

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
