# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_drs_optimization import WEEKS, DrsOptimizationCase


@tagged("post_install", "-at_install")
class TestDrsOptimizationReview(DrsOptimizationCase):
    """Demand models, floors and the planner's review of a run, on the
    optimisation tests' plant plus ``rare``: an intermittent product (one to
    three units in 4 of 16 weeks, no demand in the others) at workcenter C."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.products["rare"], cls.boms["rare"] = cls._add_product(
            "rare", [(cls.wc_c, 30)]
        )
        cls.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": cls.products["rare"].id,
                "warehouse_id": cls.warehouse.id,
                "location_id": cls.warehouse.lot_stock_id.id,
                "product_min_qty": 1.0,
                "product_max_qty": 2.0,
                "qty_multiple": 1.0,
            }
        )
        rare = [0] * WEEKS
        rare[1], rare[6], rare[9], rare[14] = 3, 1, 2, 1
        cls._add_demand({cls.products["rare"]: rare})

    def _review(self, run, key):
        row = run.product_review_ids.filtered(
            lambda row: row.product_id == self.products[key]
        )
        self.assertEqual(len(row), 1)
        return row

    def test_intermittent_demand_gets_whole_reorder_points_meeting_the_floor(self):
        run = self._run(service_level=0.9, service_floor=0.97)
        rare = self._line(run, "rare", "reorder_rule")
        self.assertIn(rare.demand_model, ("poisson", "negbin"))
        self.assertIn("Intermittent", rare.model_reason)
        self.assertIn("75%", rare.model_reason)
        self.assertAlmostEqual(rare.service_floor, 0.97)
        self.assertGreaterEqual(rare.fill_rate, 0.97 - 1e-9)
        rules = run.line_ids.filtered(
            lambda line: line.kind == "orderpoint" and line.state == "proposed"
        )
        self.assertGreaterEqual(len(rules.product_id), 5)
        for line in rules:
            label = line.product_id.name
            for value in (line.new_value, line.new_max_qty, line.new_multiple):
                self.assertGreaterEqual(value, 0.0, label)
                self.assertEqual(value, round(value), label)
            self.assertGreaterEqual(line.fill_rate, 0.97 - 1e-9, label)
        row = self._review(run, "rare")
        self.assertEqual(
            (row.old_min, row.new_min, row.old_max, row.new_max, row.new_lot),
            (1.0, rare.new_value, 2.0, rare.new_max_qty, rare.new_multiple),
        )
        self.assertEqual(row.flow_id, self.flow_nb)
        self.assertEqual(row.demand_model, rare.demand_model)
        # stored to two decimals, as shown
        self.assertAlmostEqual(row.demand_mean, 7.0 / WEEKS, delta=0.005)

    def test_product_target_overrides_the_run_and_its_floor(self):
        self.products["long"].drs_fill_rate_target = 0.8
        run = self._run(service_level=0.9, service_floor=0.97)
        line = self._line(run, "long", "reorder_rule")
        self.assertAlmostEqual(line.service_floor, 0.8)
        self.assertGreaterEqual(line.fill_rate, 0.8 - 1e-9)
        self.assertLess(line.fill_rate, 0.97)
        with self.assertRaises(UserError):
            self.products["long"].drs_fill_rate_target = 1.2

    def test_normal_model_when_chosen(self):
        run = self._run(demand_distribution="normal")
        line = self._line(run, "rare", "reorder_rule")
        self.assertEqual(line.demand_model, "normal")
        self.assertIn("parameters", line.model_reason)

    def test_large_changes_are_flagged_and_not_selected(self):
        run = self._run(review_threshold=0.5)
        short = run.line_ids.filtered(
            lambda line: (
                line.product_id == self.products["short"] and line.kind == "orderpoint"
            )
        )
        # min 1 / max 2 / multiple 1 today: the proposal more than doubles them
        self.assertTrue(all(short.mapped("flagged")))
        self.assertFalse(any(short.mapped("selected")))
        self.assertIn("more than 50%", short[0].flag_reason)
        self.assertTrue(self._review(run, "short").flagged)
        self.assertGreater(run.flagged_count, 0)
        loose = self._run(review_threshold=1000.0)
        rules = loose.line_ids.filtered(
            lambda line: line.kind == "orderpoint" and line.state == "proposed"
        )
        self.assertTrue(rules)
        self.assertFalse(any(rules.mapped("flagged")))
        self.assertTrue(all(rules.mapped("selected")))

    def test_selecting_a_product_selects_its_lines(self):
        run = self._run(review_threshold=0.5)
        row = self._review(run, "short")
        self.assertFalse(row.selected)
        row.action_select()
        lines = run.line_ids.filtered(
            lambda line: (
                line.product_id == self.products["short"] and line.state == "proposed"
            )
        )
        self.assertTrue(all(lines.mapped("selected")))
        row.invalidate_recordset()
        self.assertTrue(row.selected)
        row.action_unselect()
        self.assertFalse(any(lines.mapped("selected")))

    def test_cap_increase_that_releases_orders_is_flagged(self):
        self.flow_main.wip_cap = 1.0
        orders = self._create_mo("short") | self._create_mo("short")
        orders |= self._create_mo("short")
        self.assertEqual(
            orders.mapped("drs_state").count("queued"), 2, orders.mapped("drs_state")
        )
        run = self._run(review_threshold=1000.0)
        cap = run.wip_cap_line_ids.filtered(lambda line: line.flow_id == self.flow_main)
        self.assertGreater(cap.new_value, 1.0)
        expected = self.flow_main._drs_releasable_counts(
            {self.flow_main.id: cap.new_value}
        )[self.flow_main.id]
        self.assertGreater(expected, 0)
        self.assertEqual(cap.orders_released, expected)
        self.assertTrue(cap.flagged)
        self.assertFalse(cap.selected)
        self.assertIn("releases", cap.flag_reason)
        wizard = self.env["mrp.drs.optimization.apply.wizard"].browse(
            run.action_review_apply_all()["res_id"]
        )
        self.assertEqual(wizard.released_count, expected)
        self.assertEqual(
            self.env["mrp.drs.optimization.apply.wizard"]
            .browse(run.action_review_apply()["res_id"])
            .released_count,
            0,
        )

    def test_apply_summary_counts_what_changes(self):
        run = self._run(review_threshold=1000.0)
        lines = run.line_ids.filtered(lambda line: line.state == "proposed")
        wizard = self.env["mrp.drs.optimization.apply.wizard"].browse(
            run.action_review_apply_all()["res_id"]
        )
        rules = lines.filtered(
            lambda line: line.kind == "orderpoint" and not line.create_orderpoint
        )
        self.assertEqual(wizard.orderpoint_count, len(rules.orderpoint_id))
        self.assertEqual(len(rules), len(rules.orderpoint_id))
        # lead times of their own and those carried by reorder-rule lines
        self.assertEqual(wizard.bom_count, len(lines.bom_id))
        self.assertGreater(wizard.bom_count, 0)
        self.assertEqual(
            wizard.flow_count, len(lines.filtered(lambda line: line.kind == "wip_cap"))
        )
        self.assertEqual(wizard.line_count, len(lines))
        self.assertGreater(wizard.orderpoint_count, 0)
        wizard.action_confirm()
        self.assertEqual(run.state, "applied")
        self.assertEqual(set(lines.mapped("state")), {"applied"})

    def test_run_that_optimises_nothing_offers_no_apply(self):
        empty = self.env["product.category"].create({"name": "DRS nothing"})
        self.products["outside"].categ_id = empty
        run = self._run(scope="categories", categ_ids=[Command.set(empty.ids)])
        self.assertEqual(run.proposed_count, 0)
        self.assertFalse(run.wip_cap_line_ids)
        self.assertEqual(set(run.line_ids.mapped("state")), {"skipped"})
        with self.assertRaisesText(UserError, "optimised nothing"):
            run.action_review_apply_all()

    def test_lead_time_line_says_when_drs_plans_with_its_own(self):
        self.boms["short"].write(
            {"drs_lead_time_status": "ok", "drs_lead_time_days": 2.0}
        )
        run = self._run()
        line = self._lead(run, "short")[0]
        self.assertIn("own planned lead time", line.reason)
        self.assertEqual(line.selected, not line.flagged)
        other = self._lead(run, "long")[0]
        self.assertFalse(other.reason)

    def test_charts_are_drawn_on_the_plan_basis(self):
        run = self._run()
        self.assertTrue(run.frontier_chart)
        self.assertTrue(run.order_frequency_chart)
