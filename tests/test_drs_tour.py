# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import DrsPlantMixin


@tagged("post_install", "-at_install")
class TestDrsTour(DrsPlantMixin, HttpCase):
    """Browser test (headless Chromium): the dashboard, the virtual queue, a flow
    and its throughput curve, and a due-date quote through the wizard."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        plant = cls._build_plant(cls.env, prefix="DRS tour")
        cls.flow = plant["flows"][0]
        cls.env.ref("base.user_admin").groups_id |= cls.env.ref(
            "mrp_drs.group_drs_planner"
        )
        productions = cls.env["mrp.production"].create(
            [
                {
                    "product_id": plant["products"][key].id,
                    "bom_id": plant["boms"][key].id,
                    "product_qty": qty,
                }
                for key, qty in (("long", 1.0), ("short", 1.0), ("short", 2.0))
            ]
        )
        # the first two orders fill the flow (cap 4 units): the last one waits
        # in the virtual queue
        productions[:2].action_confirm()
        productions[2].action_confirm()
        cls.queued = productions[2]
        cls.flow._drs_run_recourse()

    def test_dashboard_queue_flow_and_quote_tour(self):
        self.assertEqual(self.queued.drs_state, "queued")
        self.start_tour("/web", "mrp_drs_dashboard_tour", login="admin", timeout=180)
        quote = self.env["mrp.drs.due.date.quote"].search(
            [("flow_id", "=", self.flow.id)]
        )
        self.assertEqual(len(quote), 1, "the tour recorded one quote")
        self.assertAlmostEqual(quote.product_qty, 3.0)
        self.assertGreater(quote.quoted_date, quote.quote_date)


@tagged("post_install", "-at_install")
class TestDrsPlannerTour(DrsPlantMixin, HttpCase):
    """Browser test of the planner's first journey: a confirmed order queues
    with its position and expected release, is released, an order of the line
    is marked done and the next queued order is released."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        plant = cls._build_plant(cls.env, prefix="DRS journey")
        cls.flow = plant["flows"][0]
        admin = cls.env.ref("base.user_admin")
        admin.groups_id |= cls.env.ref("mrp_drs.group_drs_planner") | cls.env.ref(
            "mrp.group_mrp_routings"
        )
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.env["stock.quant"]._update_available_quantity(
            plant["component"], warehouse.lot_stock_id, 10.0
        )
        now = fields.Datetime.now()
        productions = cls.env["mrp.production"].create(
            [
                {
                    "product_id": plant["products"][key].id,
                    "bom_id": plant["boms"][key].id,
                    "product_qty": 1.0,
                    "date_deadline": now + timedelta(days=days),
                }
                for key, days in (("long", 1), ("long", 2), ("short", 5))
            ]
        )
        cls.on_line, cls.waiting, cls.new_order = productions
        # 3 of the cap's 4 units on the line; the second long order waits
        (cls.on_line | cls.waiting).action_confirm()

    def test_planner_journey_tour(self):
        self.assertEqual(self.on_line.drs_state, "released")
        self.assertEqual(self.waiting.drs_state, "queued")
        self.start_tour(
            f"/web#model=mrp.production&id={self.new_order.id}&view_type=form",
            "mrp_drs_planner_tour",
            login="admin",
            timeout=180,
        )
        self.assertEqual(self.new_order.drs_state, "released")
        self.assertEqual(self.on_line.state, "done")
        self.assertEqual(self.waiting.drs_state, "released")
