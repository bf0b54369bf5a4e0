# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import importlib.util
import math
import threading
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pandas as pd

from odoo import Command, fields
from odoo.api import Environment
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.sql_db import Cursor
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.mrp_drs.engine import charts as engine_charts
from odoo.addons.mrp_drs.engine import optimize
from odoo.addons.mrp_drs.models import mrp_drs_optimization_extract as extract

from .common import DrsCommon

#: weeks of demand history created by the tests
WEEKS = 16


class DrsOptimizationCase(DrsCommon):
    """Optimisation runs on the common plant plus demand history.

    Additions to the common plant: setups of 2 h at A and B (1 h at C) costing
    10 an hour, a unit cost of 50 (0 for ``outside``), ``erratic`` (same routing
    as ``short``), ``idle`` (no history) and ``gear2`` (no reorder rule, with
    the manufacture route), a test category, reorder rules (min 1, max 2,
    multiple 1) and 16 weeks of deliveries:

    ======== ===================== =========
    product  units per week        unit cost
    ======== ===================== =========
    short    5 every week           50
    erratic  10, 0, 10, 0, ...      50
    long     3                      50
    mixed    4                      50
    gear     2                      50
    gear2    2                      50
    outside  2                      0
    noop     2                      50
    idle     none                   50
    ======== ===================== =========
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.category = cls.env["product.category"].create({"name": "DRS opt test"})
        (cls.wc_a | cls.wc_b).write({"time_start": 120.0, "costs_hour": 10.0})
        (cls.wc_c | cls.wc_out).write({"time_start": 60.0, "costs_hour": 10.0})
        for key, routing in (
            ("erratic", [(cls.wc_a, 60)]),
            ("idle", [(cls.wc_c, 60)]),
            ("gear2", [(cls.wc_c, 60)]),
        ):
            cls.products[key], cls.boms[key] = cls._add_product(key, routing)
        cls.products["gear2"].route_ids = [
            Command.link(cls.env.ref("mrp.route_warehouse0_manufacture").id)
        ]
        # a run optimises the company's whole plant: keep it to the test plant
        # (the demo plant loads its own workcenters above some ceilings tested)
        cls.env["mrp.bom"].search(
            [("id", "not in", [bom.id for bom in cls.boms.values()])]
        ).active = False
        for key, product in cls.products.items():
            product.write(
                {
                    "categ_id": cls.category.id,
                    "standard_price": 0.0 if key == "outside" else 50.0,
                }
            )
        cls.component.categ_id = cls.category
        cls.orderpoints = cls.env["stock.warehouse.orderpoint"].create(
            [
                {
                    "product_id": cls.products[key].id,
                    "warehouse_id": cls.warehouse.id,
                    "location_id": cls.warehouse.lot_stock_id.id,
                    "product_min_qty": 1.0,
                    "product_max_qty": 2.0,
                    "qty_multiple": 1.0,
                }
                for key in ("short", "erratic", "long", "mixed", "gear", "idle")
            ]
        )
        weekly = {
            "short": [5] * WEEKS,
            "erratic": [10, 0] * (WEEKS // 2),
            "long": [3] * WEEKS,
            "mixed": [4] * WEEKS,
            "gear": [2] * WEEKS,
            "gear2": [2] * WEEKS,
            "outside": [2] * WEEKS,
            "noop": [2] * WEEKS,
        }
        cls._add_demand(
            {cls.products[key]: quantities for key, quantities in weekly.items()}
        )
        cls.drs_user = new_test_user(
            cls.env, "drs_opt_user", groups="base.group_user,mrp_drs.group_drs_user"
        )
        cls.planner = new_test_user(
            cls.env,
            "drs_opt_planner",
            groups="base.group_user,mrp_drs.group_drs_planner",
        )

    @classmethod
    def _add_product(cls, key, routing):
        """A product with a BoM of ``routing`` ([(workcenter, minutes)]); returns
        the product and the BoM."""
        product = cls.env["product.product"].create(
            {
                "name": f"DRS test {key}",
                "type": "consu",
                "is_storable": True,
                "categ_id": cls.category.id,
                "standard_price": 50.0,
            }
        )
        bom = cls.env["mrp.bom"].create(
            {
                "product_tmpl_id": product.product_tmpl_id.id,
                "product_id": product.id,
                "product_qty": 1.0,
                "bom_line_ids": [
                    Command.create({"product_id": cls.component.id, "product_qty": 1})
                ],
                "operation_ids": [
                    Command.create(
                        {
                            "name": f"{key} at {workcenter.name}",
                            "workcenter_id": workcenter.id,
                            "time_cycle_manual": minutes,
                        }
                    )
                    for workcenter, minutes in routing
                ],
            }
        )
        return product, bom

    @classmethod
    def _add_demand(cls, weekly):
        cls._deliver_weekly(cls.warehouse, weekly)

    def _run(self, **values):
        run = self.env["mrp.drs.optimization.run"].create(
            {
                "scope": "flows",
                "flow_ids": [Command.set((self.flow_main | self.flow_nb).ids)],
                "history_days": 7 * WEEKS,
                "horizon_days": 28,
                "period_days": 7,
                **values,
            }
        )
        run._execute()
        self.assertEqual(run.state, "done", run.error_message)
        return run

    def _line(self, run, key, field_name):
        lines = run.line_ids.filtered(
            lambda line: (
                line.product_id == self.products[key] and line.field_name == field_name
            )
        )
        self.assertEqual(len(lines), 1, f"{key} {field_name}: {lines.mapped('reason')}")
        return lines

    def _lead(self, run, key):
        """The line that proposes the lead time of product ``key``'s bill of
        materials (its reorder rule's line, or a lead-time line of its own)
        and its current and proposed days."""
        lines = run.line_ids.filtered(
            lambda line: (
                line.product_id == self.products[key]
                and (
                    line.field_name == "produce_delay"
                    or (line.field_name == "reorder_rule" and line.bom_id)
                )
            )
        )
        self.assertEqual(len(lines), 1, f"{key} lead time: {lines.mapped('kind')}")
        if lines.field_name == "produce_delay":
            return lines, lines.old_value, lines.new_value
        return lines, lines.old_lead_days, lines.new_lead_days

    def _snapshot(self):
        operations = self.env["mrp.routing.workcenter"].search(
            [("bom_id", "in", [bom.id for bom in self.boms.values()])]
        )
        rules = self.env["stock.warehouse.orderpoint"].search(
            [("product_id", "in", [p.id for p in self.products.values()])]
        )
        return {
            "rules": {
                rule.product_id.id: (
                    rule.product_min_qty,
                    rule.product_max_qty,
                    rule.qty_multiple,
                )
                for rule in rules
            },
            "delays": {bom.id: bom.produce_delay for bom in self.boms.values()},
            "caps": (self.flow_main.wip_cap, self.flow_nb.wip_cap),
            "loops": (self.flow_main.loop_type, self.flow_nb.loop_type),
            "workcenters": {op.id: op.workcenter_id.id for op in operations},
        }

    def _add_fast_alternative(self):
        """A workcenter twice as fast as B, declared B's alternative."""
        fast = self.env["mrp.workcenter"].create(
            {
                "name": "DRS test B fast",
                "resource_calendar_id": self.wc_b.resource_calendar_id.id,
                "time_efficiency": 200.0,
                "time_start": 120.0,
                "costs_hour": 10.0,
            }
        )
        self.wc_b.alternative_workcenter_ids = [Command.link(fast.id)]
        return fast


@tagged("post_install", "-at_install")
class TestDrsOptimization(DrsOptimizationCase):
    def test_run_proposes_the_engine_values(self):
        run = self._run()
        data = run._extract_plant()
        result = optimize.optimize_plant(
            data["plant"], service=0.95, max_utilization=0.85, lead_time_service=0.95
        )
        item = result.items.loc[str(self.products["short"].id)]
        self.assertTrue(item["feasible"])
        rule = self._line(run, "short", "reorder_rule")
        self.assertEqual(rule.new_multiple, math.ceil(item["lot_size"] - 1e-9))
        self.assertEqual(rule.new_value, max(math.ceil(item["reorder_point"]), 0))
        self.assertEqual(rule.new_max_qty, rule.new_value + rule.new_multiple)
        self.assertEqual(
            (rule.old_value, rule.old_max_qty, rule.old_multiple), (1.0, 2.0, 1.0)
        )
        self.assertGreaterEqual(rule.fill_rate, 0.95 - 1e-6)
        # the lead time changes with the reorder rule: one line, applied together
        delay, old_days, new_days = self._lead(run, "short")
        self.assertEqual(delay, rule)
        self.assertEqual(delay.bom_id, self.boms["short"])
        self.assertEqual(old_days, self.boms["short"].produce_delay)
        self.assertEqual(
            new_days,
            math.ceil(item["planned_lead_time_quantile"] / run.period_hours * 7),
        )
        self.assertFalse(
            run.line_ids.filtered(lambda line: line.field_name == "produce_delay"),
            "every product whose lead time changes has a reorder rule that changes",
        )
        self.assertAlmostEqual(run.period_hours, 40.0, delta=8.0)
        self.assertLessEqual(run.max_utilization_result, 0.85 + 1e-6)
        self.assertGreaterEqual(run.fill_rate, 0.95 - 1e-6)
        caps = run.line_ids.filtered(lambda line: line.kind == "wip_cap")
        self.assertEqual(caps.flow_id, self.flow_main | self.flow_nb)
        self.assertTrue(all(line.new_value > 0 for line in caps))
        self.assertTrue(run.frontier_chart)

    def test_demand_statistics_count_zero_periods(self):
        run = self._run()
        erratic = self._line(run, "erratic", "reorder_rule")
        # 8 weeks of 10 and 8 weeks of nothing: mean 5, sample variance
        # 16 * 25 / 15 (every week deviates by 5 from the mean)
        self.assertAlmostEqual(erratic.demand_mean, 5.0)
        self.assertAlmostEqual(erratic.demand_std, math.sqrt(16 * 25 / 15), places=2)
        short = self._line(run, "short", "reorder_rule")
        self.assertAlmostEqual(short.demand_mean, 5.0)
        self.assertAlmostEqual(short.demand_std, 0.0)

    def test_demand_statistics_do_not_depend_on_the_summing_blocks(self):
        """The demand table is summed in blocks of products: one product per
        block gives the same statistics as all products in one."""
        run = self._run()
        columns = ["demand_mean", "demand_std", "zero_share"]
        whole = run._extract_plant()["products"][columns]
        with patch.object(extract, "DEMAND_CELLS", 1):
            blocks = run._extract_plant()["products"][columns]
        self.assertGreater(len(whole), 5)
        self.assertGreater(whole["demand_mean"].gt(0).sum(), 3)
        np.testing.assert_allclose(blocks.to_numpy(), whole.to_numpy(), rtol=1e-12)

    def test_more_variable_demand_gets_more_safety_stock(self):
        run = self._run()
        steady = self._line(run, "short", "reorder_rule")
        erratic = self._line(run, "erratic", "reorder_rule")
        self.assertGreater(erratic.safety_stock, steady.safety_stock + 1.0)
        self.assertGreater(erratic.new_value, steady.new_value)

    def test_tighter_utilization_ceiling_gives_larger_lots(self):
        loose = self._run(max_utilization=0.85)
        tight = self._run(max_utilization=0.40)
        larger = 0
        for key in ("short", "erratic", "long", "mixed", "gear"):
            lot_loose = self._line(loose, key, "reorder_rule").new_multiple
            lot_tight = self._line(tight, key, "reorder_rule").new_multiple
            self.assertGreaterEqual(lot_tight, lot_loose, key)
            larger += lot_tight > lot_loose
        self.assertGreater(larger, 0)
        self.assertLessEqual(tight.max_utilization_result, 0.40 + 1e-6)

    def test_cost_per_order_gives_larger_lots(self):
        cheap = self._run()
        dear = self._run(order_cost=200.0)
        for key in ("short", "long", "gear"):
            self.assertGreater(
                self._line(dear, key, "reorder_rule").new_multiple,
                self._line(cheap, key, "reorder_rule").new_multiple,
                key,
            )

    def test_apply_writes_the_proposed_values(self):
        run = self._run()
        proposed = run.line_ids.filtered(lambda line: line.state == "proposed")
        # Apply all takes the flagged (unselected) proposals too
        self.assertFalse(all(proposed.mapped("selected")))
        run.action_apply()
        self.assertEqual(run.state, "applied")
        self.assertTrue(all(proposed.mapped("selected")))
        rule = self.orderpoints.filtered(
            lambda op: op.product_id == self.products["short"]
        )
        line = self._line(run, "short", "reorder_rule")
        self.assertEqual(
            (rule.product_min_qty, rule.product_max_qty, rule.qty_multiple),
            (line.new_value, line.new_max_qty, line.new_multiple),
        )
        self.assertEqual(self.boms["short"].produce_delay, self._lead(run, "short")[2])
        self.assertEqual(line.old_lead_days, self._lead(run, "short")[1])
        cap = run.line_ids.filtered(lambda line: line.flow_id == self.flow_main)
        self.assertEqual(self.flow_main.wip_cap, cap.new_value)
        self.assertEqual(cap.old_value, 4.0)
        self.assertEqual(set(proposed.mapped("state")), {"applied"})
        self.assertFalse(run.line_ids.filtered(lambda line: line.state == "proposed"))

    def test_apply_selected_changes_only_the_selected_lines(self):
        run = self._run(review_threshold=1000.0)
        proposed = run.line_ids.filtered(lambda line: line.state == "proposed")
        keep = self._line(run, "long", "reorder_rule")
        self.assertTrue(keep.bom_id, "the rule's line carries the BoM's lead time")
        (proposed - keep).action_unselect()
        before = self._snapshot()
        run.action_apply_selected()
        after = self._snapshot()
        long_rule = self.products["long"].id
        self.assertEqual(
            after["rules"][long_rule],
            (keep.new_value, keep.new_max_qty, keep.new_multiple),
        )
        self.assertEqual(
            {k: v for k, v in after["rules"].items() if k != long_rule},
            {k: v for k, v in before["rules"].items() if k != long_rule},
        )
        self.assertEqual(after["caps"], before["caps"])
        self.assertEqual(self.boms["long"].produce_delay, keep.new_lead_days)
        self.assertEqual(
            {k: v for k, v in after["delays"].items() if k != self.boms["long"].id},
            {k: v for k, v in before["delays"].items() if k != self.boms["long"].id},
        )
        self.assertEqual(keep.state, "applied")
        self.assertEqual(set((proposed - keep).mapped("state")), {"proposed"})

    def test_bulk_insert_writes_what_the_orm_would(self):
        """The set-wise insert of proposal lines: defaults, ORM rounding of
        the floats, NULL for empty values, the creating user; a chunk whose
        columns are all the same on every line (here one line) and one whose
        columns vary read back alike."""
        run = self._run()
        for rows in (1, 3):
            frame = pd.DataFrame(
                {
                    "run_id": [run.id] * rows,
                    "kind": ["wip_cap"] * rows,
                    "field_name": ["wip_cap"] * rows,
                    "flow_id": [self.flow_main.id] * rows,
                    "old_value": [2.675, -1.005, 4.0][:rows],
                    "new_value": [np.nan, 3.5, 3.5][:rows],
                    "reason": [None, "b", "c"][:rows],
                    "operation_id": [np.nan] * rows,
                }
            )
            lines = run._insert_lines(frame)
            self.assertEqual(len(lines), rows)
            lines = lines.sorted("id")
            self.assertEqual(lines.mapped("old_value"), [2.68, -1.01, 4.0][:rows])
            self.assertEqual(lines.mapped("new_value"), [0.0, 3.5, 3.5][:rows])
            self.assertEqual(lines.mapped("reason"), [False, "b", "c"][:rows])
            self.assertEqual(set(lines.mapped("state")), {"proposed"})
            self.assertTrue(all(lines.mapped("selected")))
            self.assertFalse(lines.operation_id)
            self.assertEqual(lines.create_uid, self.env.user)
            self.env.cr.execute(
                "SELECT COUNT(*) FROM mrp_drs_optimization_line "
                "WHERE id = ANY(%s) AND new_value IS NULL",
                [lines.ids],
            )
            self.assertEqual(self.env.cr.fetchone()[0], 1)

    def test_lead_time_without_a_rule_change_is_a_line_of_its_own(self):
        """A product whose reorder rule already has the proposed values gets
        a lead-time line of its own, which carries the product's figures; the
        revert restores its bill of materials."""
        first = self._run()
        line = self._line(first, "long", "reorder_rule")
        rule = self.orderpoints.filtered(
            lambda op: op.product_id == self.products["long"]
        )
        rule.write(
            {
                "product_min_qty": line.new_value,
                "product_max_qty": line.new_max_qty,
                "qty_multiple": line.new_multiple,
            }
        )
        before = self.boms["long"].produce_delay
        run = self._run()
        self.assertFalse(
            run.line_ids.filtered(
                lambda line: (
                    line.product_id == self.products["long"]
                    and line.kind == "orderpoint"
                )
            )
        )
        lead, old_days, new_days = self._lead(run, "long")
        self.assertEqual(lead.kind, "lead_time")
        self.assertEqual((old_days, new_days), (before, line.new_lead_days))
        self.assertTrue(lead.demand_model, "the product's figures are on its line")
        self.assertEqual(lead.selected, not lead.flagged)
        run.action_apply()
        self.assertEqual(self.boms["long"].produce_delay, new_days)
        run.action_revert()
        self.assertEqual(self.boms["long"].produce_delay, before)

    def test_revert_restores_the_previous_values_exactly(self):
        fast = self._add_fast_alternative()
        self.flow_main.wip_cap = 4.37
        self.orderpoints[0].write(
            {"product_min_qty": 1.25, "product_max_qty": 7.5, "qty_multiple": 0.5}
        )
        self.boms["short"].produce_delay = 3
        before = self._snapshot()
        run = self._run()
        moved = run.line_ids.filtered(lambda line: line.kind == "assignment")
        self.assertEqual(moved.new_workcenter_id, fast)
        created = self._line(run, "gear2", "reorder_rule")
        self.assertTrue(created.create_orderpoint)
        run.action_apply()
        self.assertNotEqual(self._snapshot(), before)
        self.assertEqual(moved.operation_id.workcenter_id, fast)
        self.assertTrue(created.orderpoint_id)
        run.action_revert()
        self.assertEqual(run.state, "reverted")
        self.assertEqual(self._snapshot(), before)
        self.assertFalse(created.orderpoint_id)
        self.assertFalse(
            self.env["stock.warehouse.orderpoint"].search(
                [("product_id", "=", self.products["gear2"].id)]
            )
        )

    def test_failure_mid_apply_leaves_the_database_unchanged(self):
        run = self._run()
        before = self._snapshot()
        old_values = {line.id: line.old_value for line in run.line_ids}
        Flow = type(self.env["mrp.drs.flow"])
        write = Flow.write

        def failing_write(records, vals):
            if "wip_cap" in vals:
                raise UserError(self.env._("injected failure"))
            return write(records, vals)

        with patch.object(Flow, "write", failing_write):
            with self.assertRaisesText(UserError, "injected failure"):
                run.action_apply()
        self.assertEqual(self._snapshot(), before)
        self.assertEqual(run.state, "done")
        self.assertEqual(set(run.line_ids.mapped("state")) - {"skipped"}, {"proposed"})
        self.assertEqual({line.id: line.old_value for line in run.line_ids}, old_values)
        self.assertFalse(
            self.env["stock.warehouse.orderpoint"].search(
                [("product_id", "=", self.products["gear2"].id)]
            )
        )

    def test_a_reorder_rule_is_one_proposal(self):
        """Min, max and multiple of a rule are proposed, selected and applied
        together: unselecting the rule keeps all three."""
        run = self._run(review_threshold=1000.0)
        rule = self._line(run, "short", "reorder_rule")
        self.assertEqual(rule.kind, "orderpoint")
        rule.action_unselect()
        before = self._snapshot()
        run.action_apply_selected()
        after = self._snapshot()
        short = self.products["short"].id
        self.assertEqual(after["rules"][short], before["rules"][short])
        self.assertEqual(rule.state, "proposed")
        others = (
            run.line_ids.filtered(
                lambda line: line.kind == "orderpoint" and line.state != "skipped"
            )
            - rule
        )
        self.assertTrue(others)
        self.assertEqual(set(others.mapped("state")), {"applied"})

    def test_min_above_max_is_refused(self):
        """The apply's guard: a rule whose min would exceed its max is refused
        and nothing is written (a proposal cannot be built so; this one is
        altered in the database)."""
        run = self._run(review_threshold=1000.0)
        rule = self._line(run, "short", "reorder_rule")
        rule.sudo().write({"new_max_qty": rule.new_value - 1.0})
        before = self._snapshot()
        with self.assertRaisesText(UserError, "minimum quantity would exceed"):
            run.action_apply_selected()
        self.assertEqual(self._snapshot(), before)

    def test_bad_products_are_listed_with_reasons(self):
        hog, _bom = self._add_product("hog", [(self.wc_out, 60)])
        self._add_demand({hog: [50] * WEEKS})
        run = self._run(scope="categories", categ_ids=[Command.set(self.category.ids)])
        reasons = {
            key: self._line(run, key, "reorder_rule")
            for key in ("noop", "idle", "outside")
        }
        reasons["hog"] = run.line_ids.filtered(lambda line: line.product_id == hog)
        self.assertIn("no operation", reasons["noop"].reason)
        self.assertIn("no demand", reasons["idle"].reason)
        self.assertIn("no holding cost", reasons["outside"].reason)
        # 50 units of 1 h a week on a 40-hour calendar (125 %, less in a week
        # with a public holiday)
        self.assertRegex(
            reasons["hog"].reason, r"^DRS test OUT is loaded 1\d\d% without setups"
        )
        for line in reasons.values():
            self.assertEqual(line.state, "skipped")
            self.assertFalse(line.selected)
        component = run.line_ids.filtered(
            lambda line: line.product_id == self.component
        )
        self.assertEqual(component.state, "skipped")
        self.assertIn("no bill of materials", component.reason)
        self.assertEqual(self._line(run, "short", "reorder_rule").state, "proposed")
        self.assertEqual(self._line(run, "gear", "reorder_rule").state, "proposed")

    def test_interrupted_run_is_marked_failed_by_the_cron(self):
        run = self.env["mrp.drs.optimization.run"].create({"history_days": 70})
        run.write({"state": "running"})
        run.flush_recordset()
        self.env.cr.execute(
            SQL(
                "UPDATE mrp_drs_optimization_run SET write_date = %s WHERE id = %s",
                fields.Datetime.now() - timedelta(hours=3),
                run.id,
            )
        )
        run.invalidate_recordset()
        self.env["mrp.drs.optimization.run"]._cron_run_queued()
        self.assertEqual(run.state, "failed")
        self.assertIn("interrupted", run.error_message)

    def test_invalid_parameters_are_refused(self):
        with self.assertRaisesText(ValidationError, "target fill rate"):
            self.env["mrp.drs.optimize.wizard"].create({"service_level": 1.5})
        with self.assertRaisesText(ValidationError, "at least one period"):
            self.env["mrp.drs.optimize.wizard"].create(
                {"history_days": 3, "period_days": 7}
            )

    def test_large_scope_runs_in_the_background_through_the_cron(self):
        self.env["ir.config_parameter"].set_param(
            "mrp_drs.optimization_inline_limit", "0"
        )
        cron = self.env.ref("mrp_drs.ir_cron_mrp_drs_optimization_run")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        wizard = self.env["mrp.drs.optimize.wizard"].create(
            {
                "scope": "flows",
                "flow_ids": [Command.set(self.flow_main.ids)],
                "history_days": 7 * WEEKS,
            }
        )
        self.assertTrue(wizard.runs_in_background)
        action = wizard.action_run()
        run = self.env["mrp.drs.optimization.run"].browse(action["res_id"])
        self.assertEqual(run.state, "queued")
        self.assertFalse(run.line_ids)
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            triggers + 1,
        )
        self.env["mrp.drs.optimization.run"]._cron_run_queued()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.progress, 100.0)
        self.assertTrue(self._line(run, "short", "reorder_rule"))

    def test_small_scope_runs_inline(self):
        wizard = self.env["mrp.drs.optimize.wizard"].create(
            {"history_days": 7 * WEEKS, "scope": "all"}
        )
        self.assertFalse(wizard.runs_in_background)
        run = self.env["mrp.drs.optimization.run"].browse(wizard.action_run()["res_id"])
        self.assertEqual(run.state, "done")

    def test_wizard_takes_the_parameters_of_a_profile(self):
        profile = self.env["mrp.drs.optimization.profile"].create(
            {
                "name": "Tight",
                "scope": "flows",
                "flow_ids": [Command.set(self.flow_nb.ids)],
                "service_level": 0.9,
                "max_utilization": 0.7,
                "holding_rate": 0.3,
                "period_days": 14,
                "history_days": 140,
            }
        )
        wizard = (
            self.env["mrp.drs.optimize.wizard"]
            .with_context(default_profile_id=profile.id)
            .create({})
        )
        self.assertEqual(
            (wizard.scope, wizard.flow_ids, wizard.period_days, wizard.history_days),
            ("flows", self.flow_nb, 14, 140),
        )
        self.assertEqual(
            (wizard.service_level, wizard.max_utilization, wizard.holding_rate),
            (0.9, 0.7, 0.3),
        )
        run = self.env["mrp.drs.optimization.run"].browse(wizard.action_run()["res_id"])
        self.assertEqual((run.profile_id, run.max_utilization), (profile, 0.7))

    def test_due_profile_runs_and_applies_automatically(self):
        profile = self.env["mrp.drs.optimization.profile"].create(
            {
                "name": "Weekly",
                "scope": "flows",
                "flow_ids": [Command.set((self.flow_main | self.flow_nb).ids)],
                "history_days": 7 * WEEKS,
                "scheduled": True,
                "auto_apply": True,
                "next_run": fields.Datetime.now() - timedelta(hours=1),
            }
        )
        review = profile.copy({"name": "Review only", "auto_apply": False})
        self.env["mrp.drs.optimization.profile"]._cron_run_due_profiles()
        self.assertEqual(profile.last_run_id.state, "applied")
        self.assertEqual(review.last_run_id.state, "done")
        self.assertGreater(profile.next_run, fields.Datetime.now())
        self.assertEqual(
            self.flow_main.wip_cap,
            profile.last_run_id.line_ids.filtered(
                lambda line: line.flow_id == self.flow_main
            ).new_value,
        )

    def test_planner_runs_applies_and_reverts(self):
        """A DRS planner (not a stock or manufacturing manager) does it all."""
        before = self._snapshot()
        Wizard = self.env["mrp.drs.optimize.wizard"].with_user(self.planner)
        values = {
            "scope": "flows",
            "flow_ids": [Command.set((self.flow_main | self.flow_nb).ids)],
            "history_days": 7 * WEEKS,
        }
        run = self.env["mrp.drs.optimization.run"].browse(
            Wizard.create(values).action_run()["res_id"]
        )
        self.assertEqual(run.state, "done")
        self.assertEqual(run.user_id, self.planner)
        run.with_user(self.planner).action_apply()
        self.assertNotEqual(self._snapshot(), before)
        run.with_user(self.planner).action_revert()
        self.assertEqual(self._snapshot(), before)
        self.env["ir.config_parameter"].set_param(
            "mrp_drs.optimization_inline_limit", "0"
        )
        queued = self.env["mrp.drs.optimization.run"].browse(
            Wizard.create(values).action_run()["res_id"]
        )
        self.assertEqual(queued.state, "queued")

    def test_drs_user_cannot_apply_or_revert(self):
        run = self._run()
        before = self._snapshot()
        mine = run.with_user(self.drs_user)
        self.assertEqual(mine.state, "done")
        self.assertTrue(mine.line_ids)
        with self.assertRaises(AccessError):
            mine.action_apply()
        with self.assertRaises(AccessError):
            mine.action_apply_selected()
        with self.assertRaises(AccessError):
            mine.line_ids[:1].action_unselect()
        self.assertEqual(self._snapshot(), before)
        run.action_apply()
        with self.assertRaises(AccessError):
            mine.action_revert()
        self.assertEqual(run.state, "applied")

    def test_assignment_moves_operation_to_faster_alternative(self):
        fast = self._add_fast_alternative()
        run = self._run()
        line = run.line_ids.filtered(lambda line: line.kind == "assignment")
        self.assertEqual(line.old_workcenter_id, self.wc_b)
        self.assertEqual(line.new_workcenter_id, fast)
        # A (about 40 %) is the busiest workcenter whatever the split; under that
        # bound the assignment adds the least utilisation by making it all on
        # the faster one (3 h instead of 6 h a week)
        self.assertTrue(np.isclose(line.new_value, 1.0))

    def _cap_lines(self, run):
        lines = run.line_ids.filtered(lambda line: line.kind == "wip_cap")
        self.assertEqual(lines.flow_id, self.flow_main | self.flow_nb)
        return {line.flow_id: line for line in lines}

    def test_wip_cap_is_the_same_order_count_whatever_the_cost_per_order(self):
        """Factory Physics ch. 10: the CONWIP level is the least WIP that reaches
        the needed throughput, a number of orders; the cost per order changes
        the lot sizes (so the hours an order holds), not that count. Every cap
        holds at least the run hours of the largest proposed lot of its flow."""
        flows = self.flow_main | self.flow_nb
        flow_of = {
            product_id: flow_id
            for flow_id, hours in flows._get_product_work_hours().items()
            for product_id in hours
        }
        run_hours = {  # per unit, at each flow's workcenters (class docstring)
            self.flow_main: {"short": 1.0, "erratic": 1.0, "long": 3.0, "mixed": 0.5},
            self.flow_nb: {"mixed": 1.5, "gear": 1.0, "gear2": 1.0},
        }
        runs = {cost: self._run(order_cost=cost) for cost in (0.0, 50.0)}
        counts = {}
        for cost, run in runs.items():
            caps = self._cap_lines(run)
            counts[cost] = {flow: line.cap_orders for flow, line in caps.items()}
            for line in run.line_ids.filtered(
                lambda line: (
                    line.field_name == "reorder_rule" and line.state != "skipped"
                )
            ):
                flow = flows.browse(flow_of.get(line.product_id.id))
                if not flow:
                    continue
                key = next(k for k, p in self.products.items() if p == line.product_id)
                order_units = line.new_multiple * run_hours[flow][key]
                order_units /= flow.standard_work_hours
                self.assertGreaterEqual(
                    caps[flow].new_value, order_units - 1e-6, (cost, key)
                )
        self.assertEqual(counts[0.0], counts[50.0])
        self.assertTrue(all(count >= 1 for count in counts[0.0].values()))

    def test_wip_cap_admits_the_largest_open_order(self):
        self._create_mo("long", qty=20.0)  # 60 equivalent units on the main flow
        caps = self._cap_lines(self._run())
        self.assertGreaterEqual(caps[self.flow_main].new_value, 60.0)

    def test_run_proposes_loop_types_and_a_non_bottleneck_cap_holds_stock(self):
        """The loop type comes from utilisation (the flow holding the most
        utilised workcenter paces the plant); a non-bottleneck loop's release
        rule counts finished stock, so its cap adds the expected stock."""
        run = self._run()
        result = optimize.optimize_plant(
            run._extract_plant()["plant"],
            service=0.95,
            max_utilization=0.85,
            lead_time_service=0.95,
        )
        caps = self._cap_lines(run)
        types = set()
        for flow, line in caps.items():
            row = result.flows.loc[str(flow.id)]
            self.assertEqual(line.new_loop_type, row["loop_type"])
            self.assertEqual(line.cap_orders, row["min_cap_units"])
            types.add(line.new_loop_type)
            if line.new_loop_type == "non_bottleneck":
                self.assertGreater(row["finished_stock_units"], 0.0)
                self.assertGreater(row["wip_cap"], row["min_cap_units"])
                self.assertIn("finished stock", line.reason)
        self.assertEqual(types, {"bottleneck", "non_bottleneck"})
        run.action_apply()
        for flow, line in caps.items():
            self.assertEqual(flow.loop_type, line.new_loop_type)
            self.assertEqual(flow.wip_cap, line.new_value)
            self.assertTrue(line.old_loop_type)

    def test_cap_line_says_how_many_queued_orders_it_releases(self):
        """Four equal orders on the main flow (cap 4 units, an order holds its
        setup and run hours, 3 units): one in process, three queued. A cap two
        orders above the WIP lets two in at once under the release rule, a cap
        at the WIP none, a large cap all three."""
        orders = self.env["mrp.production"]
        for _ in range(4):
            orders |= self._create_mo("short")
        size = orders[0].drs_wip_units
        self.assertEqual(orders.mapped("drs_state").count("queued"), 3)
        wip = size * orders.mapped("drs_state").count("released")
        line = self._cap_lines(self._run())[self.flow_main]
        for cap, expected in ((wip + 2 * size, 2), (wip, 0), (wip + 50 * size, 3)):
            self.env.cr.execute(
                SQL(
                    "UPDATE mrp_drs_optimization_line SET new_value = %s, "
                    "new_loop_type = 'bottleneck', state = 'proposed' WHERE id = %s",
                    cap,
                    line.id,
                )
            )
            line.invalidate_recordset()
            self.assertEqual(line.release_count, expected, cap)

    def test_risk_check_simulates_each_flow_with_confidence_intervals(self):
        run = self._run()
        checks = run.flow_check_ids
        self.assertEqual(checks.flow_id, self.flow_main | self.flow_nb)
        caps = self._cap_lines(run)
        for check in checks:
            self.assertEqual(check.cap_orders, caps[check.flow_id].cap_orders)
            self.assertGreater(check.replications, 1)
            for name in (
                "simulated_cap_throughput",
                "simulated_throughput",
                "simulated_wip",
                "simulated_flow_time",
                "simulated_service",
            ):
                self.assertGreater(check[name], 0.0, name)
                # zero when every replication agrees (e.g. a line always full)
                self.assertGreaterEqual(check[f"{name}_half_width"], 0.0, name)
            self.assertGreater(check.simulated_flow_time_half_width, 0.0)
            self.assertTrue(0.0 <= check.simulated_service <= 100.0)
            worst = max(abs(check.throughput_deviation), abs(check.lead_time_deviation))
            self.assertEqual(check.flagged, worst > 15.0)
        self.assertEqual(run.flow_check_flagged_count, len(checks.filtered("flagged")))

    def test_risk_check_flags_flows_beyond_the_tolerance(self):
        with patch(
            "odoo.addons.mrp_drs.models.mrp_drs_optimization_risk.RISK_TOLERANCE",
            1e-9,
        ):
            run = self._run()
        self.assertEqual(len(run.flow_check_ids), 2)
        self.assertEqual(run.flow_check_flagged_count, 2)

    def test_charts_and_risk_check_run_beside_the_insert_without_the_orm(self):
        """The flow charts, the run's charts and the risk check are drawn in a
        worker thread while the lines are inserted: that thread runs no query
        and opens no model, and each flow's chart lands on its own line."""
        workers, orm_threads, drawn = set(), set(), {}
        draw_flow, check = engine_charts.flow_chart, optimize.risk_check
        execute, model = Cursor.execute, Environment.__getitem__

        def flow_chart(name, row, curve, path, **options):
            workers.add(threading.get_ident())
            draw_flow(name, row, curve, path, **options)
            drawn[name] = Path(path).read_bytes()

        def risk_check(*args, **options):
            workers.add(threading.get_ident())
            return check(*args, **options)

        def query(cursor, *args, **options):
            orm_threads.add(threading.get_ident())
            return execute(cursor, *args, **options)

        def get_model(env, name):
            orm_threads.add(threading.get_ident())
            return model(env, name)

        with (
            patch.object(engine_charts, "flow_chart", flow_chart),
            patch.object(optimize, "risk_check", risk_check),
            patch.object(Cursor, "execute", query),
            patch.object(Environment, "__getitem__", get_model),
        ):
            run = self._run()
        self.assertTrue(workers)
        self.assertNotIn(threading.get_ident(), workers)
        self.assertFalse(workers & orm_threads)
        self.assertEqual(run.flow_check_ids.flow_id, self.flow_main | self.flow_nb)
        caps = self._cap_lines(run)
        self.assertEqual(set(drawn), {flow.name for flow in caps})
        for flow, line in caps.items():
            self.assertEqual(base64.b64decode(line.chart), drawn[flow.name])

    def test_risk_check_is_read_only_for_planners_and_users(self):
        run = self._run()
        check = run.flow_check_ids[:1]
        for user in (self.drs_user, self.planner):
            self.assertTrue(check.with_user(user).read(["simulated_flow_time"]))
            with self.assertRaises(AccessError):
                check.with_user(user).write({"flagged": True})
            with self.assertRaises(AccessError):
                self.env["mrp.drs.optimization.flow.check"].with_user(user).create(
                    {"run_id": run.id}
                )


@tagged("post_install", "-at_install")
class TestDrsOptimizationMigration(DrsOptimizationCase):
    """18.0.1.1.0 merges the three lines of a reorder rule (min, max, and the
    multiple of kind 'lot_size') of older runs into one."""

    @staticmethod
    def _migration():
        path = Path(__file__).parents[1] / "migrations/18.0.1.1.0/post-migrate.py"
        spec = importlib.util.spec_from_file_location("mrp_drs_post_migrate", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def _rules(self, run):
        run.line_ids.invalidate_recordset()
        return {
            line.product_id.id: (
                line.state,
                line.selected,
                line.old_value,
                line.new_value,
                line.old_max_qty,
                line.new_max_qty,
                line.old_multiple,
                line.new_multiple,
            )
            for line in run.line_ids
            if line.field_name == "reorder_rule"
        }

    def _split(self, run):
        """Rewrite ``run``'s reorder-rule lines as 18.0.1.0.0 wrote them."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO mrp_drs_optimization_line
                       (run_id, kind, state, selected, field_name, product_id,
                        orderpoint_id, old_value, new_value, create_orderpoint,
                        orderpoint_created)
                SELECT run_id, v.kind_, state, selected, field, product_id,
                       orderpoint_id, old, new, create_orderpoint,
                       orderpoint_created
                  FROM mrp_drs_optimization_line,
                       LATERAL (VALUES ('orderpoint', 'product_max_qty',
                                        old_max_qty, new_max_qty),
                                       ('lot_size', 'qty_multiple',
                                        old_multiple, new_multiple))
                       AS v(kind_, field, old, new)
                 WHERE run_id = %s AND field_name = 'reorder_rule'
                   AND state != 'skipped'
                """,
                run.id,
            )
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE mrp_drs_optimization_line
                   SET field_name = 'product_min_qty', old_max_qty = NULL,
                       new_max_qty = NULL, old_multiple = NULL, new_multiple = NULL
                 WHERE run_id = %s AND field_name = 'reorder_rule'
                """,
                run.id,
            )
        )
        self.env.invalidate_all()

    def test_a_proposed_run_keeps_its_proposals(self):
        run = self._run(review_threshold=1000.0)
        before = self._rules(run)
        self._split(run)
        self.assertFalse(self._rules(run))
        self.assertEqual(
            self._migration().merge_reorder_rule_lines(self.env.cr), len(before)
        )
        self.env.invalidate_all()
        self.assertEqual(self._rules(run), before)

    def test_a_value_without_a_line_stays_as_it_is(self):
        run = self._run(review_threshold=1000.0)
        short = self.products["short"]
        self._split(run)
        self.env.cr.execute(
            SQL(
                "DELETE FROM mrp_drs_optimization_line WHERE run_id = %s "
                "AND product_id = %s AND field_name = 'product_max_qty'",
                run.id,
                short.id,
            )
        )
        self._migration().merge_reorder_rule_lines(self.env.cr)
        self.env.invalidate_all()
        rule = self.orderpoints.filtered(lambda op: op.product_id == short)
        line = self._line(run, "short", "reorder_rule")
        self.assertEqual(
            (line.old_max_qty, line.new_max_qty),
            (rule.product_max_qty, rule.product_max_qty),
        )

    def test_an_applied_run_still_reverts_exactly(self):
        before = self._snapshot()
        run = self._run(review_threshold=1000.0)
        run.action_apply()
        self.assertNotEqual(self._snapshot()["rules"], before["rules"])
        self._split(run)
        self._migration().merge_reorder_rule_lines(self.env.cr)
        self.env.invalidate_all()
        rules = run.line_ids.filtered(lambda line: line.kind == "orderpoint")
        self.assertEqual(set(rules.mapped("field_name")), {"reorder_rule"})
        run.action_revert()
        self.assertEqual(self._snapshot(), before)
