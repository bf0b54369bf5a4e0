# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Which orders and products belong to a DRS flow, and their work there:
the one rule (:func:`engine.flowline.assign_flow`, most expected time) and
the hours per unit and stock of the flow's products in equivalent units."""

from collections import defaultdict

import numpy as np
import pandas as pd

from odoo import api, models
from odoo.tools import SQL

from odoo.addons.mrp_drs.engine import conwip, flowline

from .mrp_bom import _rounded_up
from .mrp_drs_flow import OPEN_STATES
from .sql_arrays import sql_array


class MrpDrsFlow(models.Model):
    _inherit = "mrp.drs.flow"

    def _sync_open_productions(self, workcenters):
        """Re-assign not-yet-queued orders at ``workcenters`` to their flow.

        Draft orders only get their flow recomputed (they queue when confirmed).
        Orders already confirmed when their workcenters join a flow are on the
        floor: they are counted as released WIP of that flow, so that a flow
        created on a busy line does not release new work on top of it.
        """
        if not workcenters:
            return
        Production = self.env["mrp.production"].sudo()
        productions = Production.search(
            [
                ("state", "in", ("draft", *OPEN_STATES)),
                ("drs_state", "=", False),
                ("workorder_ids.workcenter_id", "in", workcenters.ids),
            ]
        )
        if not productions:
            return
        self.env.add_to_compute(Production._fields["drs_flow_id"], productions)
        adopted = productions.filtered(
            lambda production: production.state != "draft" and production.drs_flow_id
        )
        if adopted:
            adopted._drs_set_state("released")
            for flow in adopted.drs_flow_id:
                count = len(
                    adopted.filtered(lambda p, flow=flow: p.drs_flow_id == flow)
                )
                flow.message_post(
                    body=self.env._(
                        "%(count)s manufacturing order(s) already confirmed at the "
                        "flow's workcenters now count as its WIP.",
                        count=count,
                    )
                )

    @api.model
    def _drs_flow_of(self, items, workcenter_ids, minutes, flow_by_workcenter=None):
        """The flow of each item (order, product, bill of materials): where its
        work spends the most expected time, ties to the lowest flow id
        (engine ``flowline.assign_flow``). The one rule every site uses.

        ``items``, ``workcenter_ids``, ``minutes``: one entry per operation or
        work order; ``flow_by_workcenter`` maps workcenter ids to flow ids
        (default: each workcenter's active flow). Returns ``{item: flow_id}``
        for the items with work in a flow.
        """
        if flow_by_workcenter is None:
            workcenters = self.env["mrp.workcenter"].sudo().browse(set(workcenter_ids))
            flow_by_workcenter = {
                workcenter.id: workcenter.drs_flow_id.id
                for workcenter in workcenters
                if workcenter.drs_flow_id
            }
        if not flow_by_workcenter or not len(items):
            return {}
        flows = [flow_by_workcenter.get(wc_id) for wc_id in workcenter_ids]
        return flowline.assign_flow(list(items), flows, list(minutes)).to_dict()

    def _get_product_work_hours(self, product_ids=None):
        """Hours per unit of each product of these flows (of ``product_ids``,
        default those with a bill of materials operated at these flows'
        workcenters, ``mrp.bom._drs_products_at_flows``) at the workcenters
        of its flow.

        A product's work is that of its first bill of materials (by sequence,
        then id) with operations at a flow: the expected minutes of the BoM
        quantity (``mrp.bom._drs_read_routes``, the minutes the planned lead
        times use) at the workcenters of the BoM's flow
        (:meth:`_drs_flow_of`), divided by the BoM quantity in the product's
        unit. The cost follows these flows' products, not the plant's.
        Set-wise: two queries (three without ``product_ids``) whatever the
        number of products. Returns ``{flow_id: {product_id: hours per unit of
        the product's unit of measure}}``.
        """
        # every active flow of these companies competes for the products
        flows = self.sudo() | self.sudo().search(
            [("company_id", "in", self.company_id.ids)]
        )
        flow_by_workcenter = {
            workcenter.id: flow.id
            for flow in flows
            for workcenter in flow.workcenter_ids
        }
        if not flow_by_workcenter:
            return {}
        if product_ids is None:
            product_ids = self.env["mrp.bom"].sudo()._drs_products_at_flows(self.ids)
        product_ids = sorted(product_ids)
        if not product_ids:
            return {}
        routes = (
            self.env["mrp.bom"]
            .sudo()
            ._drs_read_routes(list(flow_by_workcenter), product_ids)
        )
        if routes.empty:
            return {}
        bom_flow = pd.Series(
            self._drs_flow_of(
                routes["bom"].tolist(),
                routes["workcenter"].tolist(),
                routes["minutes"].tolist(),
                flow_by_workcenter,
            ),
            dtype=float,
        )
        if bom_flow.empty:
            return {}
        in_flow = (
            routes["workcenter"].map(flow_by_workcenter).to_numpy(dtype=float)
            == bom_flow.reindex(routes["bom"]).to_numpy()
        )
        minutes = routes[in_flow].groupby("bom")["minutes"].sum()
        products = self._drs_first_boms(
            bom_flow.index.astype(int).tolist(), product_ids
        )
        if products.empty:
            return {}
        products["flow_id"] = bom_flow.reindex(products["bom_id"]).to_numpy()
        products["minutes"] = minutes.reindex(products["bom_id"]).fillna(0.0).to_numpy()
        quantity = _rounded_up(
            products["bom_qty"].to_numpy(dtype=float)
            / products["bom_factor"].to_numpy(dtype=float)
            * products["factor"].to_numpy(dtype=float),
            products["rounding"].to_numpy(dtype=float),
        )
        products["hours"] = (
            products["minutes"].to_numpy()
            / 60.0
            / np.where(quantity > 0, quantity, np.nan)
        )
        products = products[products["flow_id"].isin(self.ids) & (quantity > 0)]
        hours = defaultdict(dict)
        for flow_id, part in products.groupby("flow_id"):
            hours[int(flow_id)] = dict(
                zip(part["product_id"].tolist(), part["hours"].tolist(), strict=True)
            )
        return hours

    @api.model
    def _drs_first_boms(self, bom_ids, product_ids):
        """Each product of ``product_ids`` and its first bill of materials
        among ``bom_ids`` (lowest sequence, then id; a BoM without variant
        applies to every active variant of its template): DataFrame of
        ``product_id``, ``bom_id``, the BoM quantity ``bom_qty`` with its
        unit's ``bom_factor``, and the product unit's ``factor`` and
        ``rounding``. One query."""
        self.env.cr.execute(
            SQL(
                """
                WITH candidate AS (
                    SELECT b.product_id, b.id AS bom_id, b.sequence, b.product_qty,
                           b.product_uom_id
                      FROM mrp_bom b
                     WHERE b.id = ANY(%(boms)s::int4[]) AND b.product_id IS NOT NULL
                       AND b.product_id = ANY(%(products)s::int4[])
                    UNION ALL
                    SELECT pp.id, b.id, b.sequence, b.product_qty, b.product_uom_id
                      FROM mrp_bom b
                      JOIN product_product pp ON pp.product_tmpl_id = b.product_tmpl_id
                     WHERE b.id = ANY(%(boms)s::int4[]) AND b.product_id IS NULL
                       AND pp.active AND pp.id = ANY(%(products)s::int4[])
                ), chosen AS (
                    SELECT DISTINCT ON (product_id) *
                      FROM candidate
                     ORDER BY product_id, sequence, bom_id
                )
                SELECT c.product_id, c.bom_id, c.product_qty, bu.factor,
                       u.factor, u.rounding
                  FROM chosen c
                  JOIN uom_uom bu ON bu.id = c.product_uom_id
                  JOIN product_product pp ON pp.id = c.product_id
                  JOIN product_template t ON t.id = pp.product_tmpl_id
                  JOIN uom_uom u ON u.id = t.uom_id
                """,
                boms=sql_array(bom_ids, "int"),
                products=sql_array(list(product_ids), "int"),
            )
        )
        return pd.DataFrame(
            self.env.cr.fetchall(),
            columns=[
                "product_id",
                "bom_id",
                "bom_qty",
                "bom_factor",
                "factor",
                "rounding",
            ],
        )

    def _get_stock_units(self):
        """On-hand stock of each flow's products in equivalent WIP units:
        ``{flow_id: units}`` (quantity x hours per unit / standard work
        content). Only the stock of the products with a bill of materials
        operated at these flows (``mrp.bom._drs_products_at_flows``) is read,
        then the work hours of those in stock: the cost follows the flows' own
        products, not the company's stock."""
        flows = self.sudo()
        if not flows:
            return {}
        # the product ids, not a subquery: the quant read is planned on
        # their number, never on a guess of a join's size
        product_ids = self.env["mrp.bom"].sudo()._drs_products_at_flows(flows.ids)
        on_hand = {}
        if product_ids:
            # plain SQL: a grouped read builds a record per product (20,000
            # products in 50 flows: a quarter of a second)
            self.env["stock.quant"].flush_model(
                ["product_id", "location_id", "company_id", "quantity"]
            )
            self.env["stock.location"].flush_model(["usage"])
            self.env.cr.execute(
                SQL(
                    """
                    SELECT q.product_id, q.company_id, SUM(q.quantity)
                      FROM stock_quant q
                      JOIN stock_location l ON l.id = q.location_id
                     WHERE q.product_id = ANY(%s::int4[])
                       AND l.usage = 'internal'
                       AND q.company_id = ANY(%s::int4[])
                     GROUP BY q.product_id, q.company_id
                    HAVING SUM(q.quantity) > 0
                    """,
                    sql_array(sorted(product_ids), "int"),
                    sql_array(flows.company_id.ids, "int"),
                )
            )
            on_hand = {
                (product_id, company_id): quantity
                for product_id, company_id, quantity in self.env.cr.fetchall()
            }
        hours_by_flow = (
            flows._get_product_work_hours({pid for pid, _company in on_hand})
            if on_hand
            else {}
        )
        units = {}
        for flow in flows:
            hours = hours_by_flow.get(flow.id, {})
            work_hours = sum(
                on_hand.get((pid, flow.company_id.id), 0.0) * per_unit
                for pid, per_unit in hours.items()
            )
            units[flow.id] = conwip.equivalent_wip_units(
                work_hours, flow.standard_work_hours
            )
        return units
