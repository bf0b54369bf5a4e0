# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
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
