# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import DrsPlantMixin

#: weeks of deliveries created for the tour
WEEKS = 16


@tagged("post_install", "-at_install")
class TestDrsOptimizationTour(DrsPlantMixin, HttpCase):
    """Browser test (headless Chromium) of a planner reviewing an optimisation:
    run a profile on a plant with demand history, read the review per product
    and per flow, apply with the effect summary, revert.

    Demand: ``short`` 5 units every week (steadier than Poisson: the Poisson
    model), ``long`` 3 units one week in four (intermittent: negative
    binomial). Both have a reorder rule (min 1, max 2, multiple 1) that the
    run changes, and a BoM without manufacturing lead time.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        plant = cls._build_plant(cls.env, prefix="DRS optour")
        cls.products, cls.boms = plant["products"], plant["boms"]
        cls.flow = plant["flows"][0]
        cls.env.ref("base.user_admin").groups_id |= cls.env.ref(
            "mrp_drs.group_drs_planner"
        ) | cls.env.ref("mrp.group_mrp_routings")
        (plant["workcenters"]).write({"time_start": 60.0, "costs_hour": 10.0})
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        for key in ("short", "long"):
            cls.products[key].standard_price = 50.0
        cls.rules = cls.env["stock.warehouse.orderpoint"].create(
            [
                {
                    "product_id": cls.products[key].id,
                    "warehouse_id": warehouse.id,
                    "location_id": warehouse.lot_stock_id.id,
                    "product_min_qty": 1.0,
                    "product_max_qty": 2.0,
                    "qty_multiple": 1.0,
                }
                for key in ("short", "long")
            ]
        )
        weekly = {
            cls.products["short"]: [5] * WEEKS,
            cls.products["long"]: [3, 0, 0, 0] * (WEEKS // 4),
        }
        cls._deliver_weekly(warehouse, weekly)
        cls.profile = cls.env["mrp.drs.optimization.profile"].create(
            {
                "name": "DRS optour profile",
                "warehouse_id": warehouse.id,
                "scope": "flows",
                "flow_ids": [Command.set(cls.flow.ids)],
                "history_days": 7 * WEEKS,
                "horizon_days": 28,
                "period_days": 7,
                "review_threshold": 10.0,
            }
        )

    def _rules(self):
        return [
            (rule.product_min_qty, rule.product_max_qty, rule.qty_multiple)
            for rule in self.rules
        ]

    def test_review_apply_and_revert_tour(self):
        before = self._rules()
        self.start_tour("/web", "mrp_drs_optimization_tour", login="admin", timeout=240)
        run = self.env["mrp.drs.optimization.run"].search(
            [("profile_id", "=", self.profile.id)]
        )
        self.assertEqual(len(run), 1, "the tour ran the profile once")
        self.assertEqual(run.state, "reverted")
        self.assertEqual(self._rules(), before)
        self.assertEqual(
            set(run.line_ids.filtered("orderpoint_id").mapped("state")), {"reverted"}
        )
        self.assertEqual(self.boms["short"].produce_delay, 0)
