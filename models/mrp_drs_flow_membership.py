# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Which orders and products belong to a DRS flow, and their work there:
the one rule (:func:`engine.flowline.assign_flow`, most expected time) and
the hours per unit and stock of the flow's products in equivalent units."""

from collections import defaultdict

from odoo import api, models

from odoo.addons.mrp_drs.engine import conwip, flowline

from .mrp_drs_flow import OPEN_STATES


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

    def _get_product_work_hours(self):
        """Hours per unit of each product at the workcenters of its flow.

        A product's work is that of its first bill of materials (by sequence)
        with operations at a flow; its flow is :meth:`_drs_flow_of` of those
        operations. Returns ``{flow_id: {product_id: hours per unit of the
        product's unit of measure}}``.
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
        operations = (
            self.env["mrp.routing.workcenter"]
            .sudo()
            .search(
                [
                    ("workcenter_id", "in", list(flow_by_workcenter)),
                    ("bom_id.active", "=", True),
                    ("bom_id.type", "=", "normal"),
                ]
            )
        )
        # product -> its first BoM touching a flow (lowest sequence, then id)
        bom_by_product = {}
        for bom in operations.bom_id.sorted(lambda bom: (bom.sequence, bom.id)):
            products = bom.product_id or bom.product_tmpl_id.product_variant_ids
            for product in products:
                bom_by_product.setdefault(product, bom)
        rows = [
            (
                product.id,
                operation.workcenter_id.id,
                operation._get_duration_expected(product, bom.product_qty),
            )
            for product, bom in bom_by_product.items()
            for operation in bom.operation_ids
        ]
        flow_of = (
            self._drs_flow_of(*zip(*rows, strict=True), flow_by_workcenter)
            if rows
            else {}
        )
        minutes = defaultdict(float)
        for product_id, workcenter_id, duration in rows:
            if flow_by_workcenter.get(workcenter_id) == flow_of.get(product_id):
                minutes[product_id] += duration
        hours = defaultdict(dict)
        for product, bom in bom_by_product.items():
            flow_id = flow_of.get(product.id)
            bom_qty = bom.product_uom_id._compute_quantity(
                bom.product_qty, product.uom_id
            )
            if flow_id in self.ids and bom_qty > 0:
                hours[flow_id][product.id] = minutes[product.id] / 60.0 / bom_qty
        return hours

    def _get_stock_units(self):
        """On-hand stock of each flow's products in equivalent WIP units:
        ``{flow_id: units}`` (quantity x hours per unit / standard work content)."""
        hours_by_flow = self._get_product_work_hours()
        product_ids = {pid for hours in hours_by_flow.values() for pid in hours}
        if not product_ids:
            return {}
        rows = (
            self.env["stock.quant"]
            .sudo()
            ._read_group(
                [
                    ("product_id", "in", list(product_ids)),
                    ("location_id.usage", "=", "internal"),
                    ("company_id", "in", self.company_id.ids),
                ],
                ["product_id", "company_id"],
                ["quantity:sum"],
            )
        )
        on_hand = {(product.id, company.id): qty for product, company, qty in rows}
        units = {}
        for flow in self.sudo():
            hours = hours_by_flow.get(flow.id, {})
            work_hours = sum(
                max(on_hand.get((pid, flow.company_id.id), 0.0), 0.0) * per_unit
                for pid, per_unit in hours.items()
            )
            units[flow.id] = conwip.equivalent_wip_units(
                work_hours, flow.standard_work_hours
            )
        return units
