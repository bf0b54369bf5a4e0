# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import tagged

from .common import DrsCommon


@tagged("post_install", "-at_install")
class TestDrsProcurement(DrsCommon):
    """stock.rule._run_manufacture adds procured quantity to an open, unplanned
    order of the same product and BoM; DRS orders must not grow that way."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env.ref("stock.warehouse0")
        route = cls.env.ref("mrp.route_warehouse0_manufacture")
        for key in ("short", "outside"):
            cls.products[key].route_ids = [Command.link(route.id)]

    def _procure(self, product, qty):
        Group = self.env["procurement.group"]
        Group.run(
            [
                Group.Procurement(
                    product,
                    qty,
                    product.uom_id,
                    self.warehouse.lot_stock_id,
                    "DRS test need",
                    "DRS test",
                    self.env.company,
                    {"warehouse_id": self.warehouse},
                )
            ]
        )
        return self.Production.search(
            [("product_id", "=", product.id), ("origin", "=", "DRS test")], order="id"
        )

    def test_procurement_grows_order_outside_drs(self):
        """Control: stock Odoo behaviour is kept outside DRS."""
        first = self._procure(self.products["outside"], 1.0)
        productions = self._procure(self.products["outside"], 2.0)
        self.assertEqual(productions, first)
        self.assertEqual(first.product_qty, 3.0)

    def test_procurement_does_not_grow_released_order(self):
        first = self._procure(self.products["short"], 1.0)
        self.assertEqual(first.drs_state, "released")
        productions = self._procure(self.products["short"], 2.0)
        self.assertEqual(len(productions), 2)
        self.assertEqual(first.product_qty, 1.0)
        self.assertAlmostEqual(first.drs_wip_units, 1.0)
        new = productions - first
        self.assertEqual(new.product_qty, 2.0)
        self.assertEqual(new.drs_state, "released")
        self.assertLessEqual(self.flow_main.wip, self.flow_main.wip_cap)

    def test_procurement_does_not_grow_queued_order(self):
        self._fill_main_flow()
        first = self._procure(self.products["short"], 1.0)
        self.assertEqual(first.drs_state, "queued")
        productions = self._procure(self.products["short"], 1.0)
        self.assertEqual(len(productions), 2)
        self.assertEqual(first.product_qty, 1.0)
        self.assertEqual((productions - first).drs_state, "queued")
