# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Load-based planned lead times: workcenters, bills of materials and
Odoo's planning (stock rules, reordering rules, manufacturing orders)."""

import math
import statistics
from datetime import datetime, timedelta

import pandas as pd

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.mrp_drs.engine import flowline, leadtime

from .common import DrsCommon


@tagged("post_install", "-at_install")
class TestDrsLeadTime(DrsCommon):
    """The plant of ``DrsCommon``: wc_a and wc_b in flow main (cap 4), wc_c in
    flow nb (cap 3), wc_out in no flow; standard 40 h/week calendar."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env.ref("stock.warehouse0")
        route = cls.env.ref("mrp.route_warehouse0_manufacture")
        for key in ("short", "long", "outside"):
            cls.products[key].route_ids = [Command.link(route.id)]
        cls.boms["outside"].produce_delay = 3
        cls.boms["long"].produce_delay = 2
        cls.company = cls.env.company
        cls.company.drs_service_level = 0.9
        cls.company.drs_lead_time_horizon = 14
        cls.company.drs_lead_time_history = 90
        cls.need_date = fields.Datetime.now().replace(microsecond=0) + timedelta(
            days=30
        )
        # station load is the work of released orders (queued ones are the
        # flows' virtual-queue load): caps high enough to release all the
        # orders these tests create
        cls.flow_main.wip_cap = cls.flow_nb.wip_cap = 1000.0

    def _compute(self):
        self.now = fields.Datetime.now()
        return self.env["mrp.workcenter"].sudo()._drs_compute_lead_times(now=self.now)

    def _add_load(self, key, count, qty=1.0):
        return self.Production.concat(
            *(self._create_mo(key, qty=qty) for _index in range(count))
        )

    def _procure(self, key, origin):
        product = self.products[key]
        Group = self.env["procurement.group"]
        Group.run(
            [
                Group.Procurement(
                    product,
                    1.0,
                    product.uom_id,
                    self.warehouse.lot_stock_id,
                    origin,
                    origin,
                    self.env.company,
                    {"warehouse_id": self.warehouse, "date_planned": self.need_date},
                )
            ]
        )
        return self.Production.search(
            [("product_id", "=", product.id), ("origin", "=", origin)]
        )

    def _manufacture_lead_days(self, key):
        product = self.products[key]
        rules = product._get_rules_from_location(self.warehouse.lot_stock_id)
        return rules._get_lead_days(product)

    def _expected_workcenter_frame(self, workcenters):
        """Engine input rebuilt with the ORM from the open work orders (no history
        of finished work orders: ce2 = 1)."""
        rows = []
        for workcenter in workcenters:
            workorders = self.env["mrp.workorder"].search(
                [
                    ("workcenter_id", "=", workcenter.id),
                    ("state", "not in", ("done", "cancel")),
                    ("production_id.state", "in", ("confirmed", "progress")),
                ]
            )
            hours = [
                minutes / 60.0 for minutes in workorders.mapped("duration_expected")
            ]
            capacity = workcenter.resource_calendar_id.get_work_hours_count(
                self.now, self.now + timedelta(days=14)
            )
            rows.append(
                {
                    "load_hours": sum(hours),
                    "capacity_hours": capacity,
                    "te": statistics.fmean(hours),
                    "ca2": 1.0,
                    "ce2": 1.0,
                    "servers": 1,
                }
            )
        return pd.DataFrame(rows, index=workcenters.ids)

    def test_adding_load_lengthens_workcenter_lead_time(self):
        self._add_load("short", 2)
        self._compute()
        before, utilization_before = self.wc_a.drs_lead_time, self.wc_a.drs_utilization
        self._add_load("short", 20)
        self._compute()
        self.assertEqual(self.wc_a.drs_lead_time_status, "ok")
        self.assertAlmostEqual(self.wc_a.drs_load_hours, 22.0, places=6)
        self.assertGreater(self.wc_a.drs_utilization, utilization_before)
        self.assertGreater(self.wc_a.drs_lead_time, before)

    def test_removing_load_shortens_workcenter_lead_time(self):
        productions = self._add_load("short", 20)
        self._compute()
        before = self.wc_a.drs_lead_time
        productions[:15].action_cancel()
        self._compute()
        self.assertAlmostEqual(self.wc_a.drs_load_hours, 5.0, places=6)
        self.assertLess(self.wc_a.drs_lead_time, before)

    def test_workcenter_values_equal_engine_on_same_inputs(self):
        self._add_load("short", 6)
        self._add_load("mixed", 4)
        self._compute()
        workcenters = self.wc_a | self.wc_c
        frame = self._expected_workcenter_frame(workcenters)
        expected = leadtime.workcenter_lead_times(frame, service=0.9)
        for workcenter in workcenters:
            row = expected.loc[workcenter.id]
            self.assertEqual(workcenter.drs_lead_time_status, row["status"])
            self.assertAlmostEqual(workcenter.drs_load_hours, row["load_hours"], 6)
            self.assertAlmostEqual(
                workcenter.drs_capacity_hours, row["capacity_hours"], 6
            )
            self.assertAlmostEqual(workcenter.drs_utilization, row["utilization"], 6)
            self.assertAlmostEqual(workcenter.drs_queue_time, row["queue_time"], 6)
            self.assertAlmostEqual(workcenter.drs_lead_time_mean, row["lead_time"], 6)
            self.assertAlmostEqual(
                workcenter.drs_lead_time, row["lead_time_quantile"], 6
            )
            self.assertTrue(workcenter.drs_process_scv_default)

    def test_variability_from_finished_work_orders(self):
        """ce2 = (1 + scv of real/expected ratios)(1 + scv of the open mix) - 1."""
        finished = self._add_load("gear", 12)
        ratios = [0.5, 0.8, 1.0, 1.2, 1.5, 0.9, 1.1, 1.3, 0.7, 1.0, 2.0, 0.6]
        workorders = finished.workorder_ids
        self.env.flush_all()
        for workorder, ratio in zip(workorders, ratios, strict=True):
            self.env.cr.execute(
                SQL(
                    """UPDATE mrp_workorder SET state = 'done', duration = %s,
                       date_finished = %s WHERE id = %s""",
                    ratio * workorder.duration_expected,
                    fields.Datetime.now() - timedelta(days=1),
                    workorder.id,
                )
            )
        self.env.invalidate_all()
        self._add_load("gear", 2)
        self._add_load("mixed", 2)
        self._compute()
        scv_ratio = statistics.variance(ratios) / statistics.fmean(ratios) ** 2
        open_hours = [1.0, 1.0, 1.5, 1.5]  # gear 60 min x 2, mixed 90 min x 2 at wc_c
        scv_mix = statistics.pvariance(open_hours) / statistics.fmean(open_hours) ** 2
        self.assertFalse(self.wc_c.drs_process_scv_default)
        self.assertAlmostEqual(
            self.wc_c.drs_process_scv, (1 + scv_ratio) * (1 + scv_mix) - 1, places=6
        )
        self.assertAlmostEqual(self.wc_c.drs_process_hours, 1.25, places=6)

    def test_higher_service_level_gives_longer_lead_time(self):
        self._add_load("short", 5)
        self.company.drs_service_level = 0.8
        self._compute()
        low, mean = self.wc_a.drs_lead_time, self.wc_a.drs_lead_time_mean
        self.company.drs_service_level = 0.95
        self._compute()
        self.assertGreater(self.wc_a.drs_lead_time, low)
        # the service level moves the quantile only, not the mean
        self.assertAlmostEqual(self.wc_a.drs_lead_time_mean, mean, places=6)
        # typed in percent in the settings: the refusal speaks percent too
        with self.assertRaisesText(ValidationError, "below 100 % (got 100 %)"):
            self.company.drs_service_level = 1.0

    def test_bom_lead_time_equals_engine_route_on_same_inputs(self):
        """Working hours: the flow part of engine flowline.lead_time_now for the
        BoM's 3 equivalent units behind flow main's WIP and queue, at the
        throughput quotes use (practical worst case at the cap, no history)."""
        self._add_load("short", 3)
        self._add_load("long", 2)
        self._compute()
        flow = self.flow_main
        model = flow._drs_flow_lines(self.now)[flow.id]
        throughput, _ct = model.line.practical_worst_case(flow.wip_cap)
        expected = flowline.lead_time_now(
            flow.queue_units, flow.wip, 3.0, throughput, 1.0, 0.9
        )
        bom = self.boms["long"]
        self.assertEqual(bom.drs_lead_time_status, "ok")
        self.assertEqual(bom.drs_flow_id, flow)
        self.assertAlmostEqual(flow.wip, 9.0)  # 3 short + 2 long, all released
        self.assertAlmostEqual(
            bom.drs_lead_time_hours, float(expected["quantile"]), places=6
        )
        self.assertAlmostEqual(
            bom.drs_virtual_queue_hours, float(expected["virtual_queue"]), 6
        )
        self.assertAlmostEqual(
            bom.drs_station_queue_hours, float(expected["line_queue"]), 6
        )
        self.assertAlmostEqual(bom.drs_process_hours, float(expected["own"]), 6)
        self.assertAlmostEqual(bom.drs_lead_time_service, 90.0)
        template = self.products["long"].product_tmpl_id
        self.assertEqual(template.drs_lead_time_bom_id, bom)
        self.assertAlmostEqual(template.drs_lead_time_days, bom.drs_lead_time_days, 6)
        self.assertEqual(template.drs_fixed_lead_time_days, 2)
        # calendar days: longer than the working hours read as days of 24 h
        self.assertGreater(bom.drs_lead_time_days * 24.0, bom.drs_lead_time_hours)

    def test_bom_outside_drs_has_no_planned_lead_time(self):
        self._add_load("outside", 3)
        self._compute()
        self.assertFalse(self.boms["outside"].drs_lead_time_status)
        self.assertFalse(self.products["outside"].product_tmpl_id.drs_lead_time_status)
        self.assertEqual(self.wc_out.drs_lead_time_status, "ok")

    def test_bom_leaving_flow_loses_planned_lead_time(self):
        self._add_load("gear", 2)
        self._compute()
        self.assertEqual(self.boms["gear"].drs_lead_time_status, "ok")
        self.flow_nb.active = False
        self._compute()
        self.assertFalse(self.boms["gear"].drs_lead_time_status)
        self.assertFalse(self.boms["gear"].drs_lead_time_days)
        self.assertFalse(self.products["gear"].product_tmpl_id.drs_lead_time_bom_id)

    def test_added_load_moves_planned_start_of_new_order_earlier(self):
        self._add_load("short", 2)
        self._compute()
        bom = self.boms["short"]
        light_days = bom.drs_lead_time_days
        first = self._procure("short", "DRS lead time 1")
        self.assertEqual(len(first), 1)
        self.assertAlmostEqual(
            (self.need_date - first.date_start).total_seconds(),
            light_days * 86400.0,
            delta=1.0,
        )
        self.assertEqual(first.date_deadline, self.need_date)
        self._add_load("short", 30)
        self._compute()
        self.assertGreater(bom.drs_lead_time_days, light_days)
        second = self._procure("short", "DRS lead time 2")
        self.assertLess(second.date_start, first.date_start)

    def test_removed_load_moves_planned_start_later(self):
        productions = self._add_load("short", 30)
        self._compute()
        first = self._procure("short", "DRS lead time 1")
        productions.action_cancel()
        self._compute()
        second = self._procure("short", "DRS lead time 2")
        self.assertGreater(second.date_start, first.date_start)

    def test_rule_lead_days_and_orderpoint_use_drs_lead_time(self):
        self._add_load("short", 10)
        self._compute()
        days = math.ceil(self.boms["short"].drs_lead_time_days)
        delays, description = self._manufacture_lead_days("short")
        self.assertEqual(delays["manufacture_delay"], days)
        self.assertEqual(delays["total_delay"], days)
        self.assertIn(("DRS Planned Lead Time", f"+ {days} day(s)"), description)
        orderpoint = self.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": self.products["short"].id,
                "warehouse_id": self.warehouse.id,
                "location_id": self.warehouse.lot_stock_id.id,
                "product_min_qty": 1.0,
                "product_max_qty": 5.0,
            }
        )
        self.assertEqual(
            orderpoint.lead_days_date, fields.Date.today() + timedelta(days=days)
        )

    def test_products_outside_drs_keep_stock_lead_times(self):
        self._add_load("outside", 3)
        self._compute()
        delays, description = self._manufacture_lead_days("outside")
        self.assertEqual(delays["manufacture_delay"], 3)
        self.assertIn(("Manufacturing Lead Time", "+ 3 day(s)"), description)
        production = self._procure("outside", "Outside DRS")
        self.assertEqual(production.date_start, self.need_date - timedelta(days=3))

    def test_new_order_finishes_after_planned_lead_time(self):
        self._add_load("short", 3)
        self._compute()
        production = self._create_mo("short", confirm=False)
        self.assertAlmostEqual(
            (production.date_finished - production.date_start).total_seconds(),
            self.boms["short"].drs_lead_time_days * 86400.0,
            delta=1.0,
        )

    def test_no_capacity_keeps_fixed_lead_time_and_others_computed(self):
        empty = self.env["resource.calendar"].create(
            {"name": "DRS test empty calendar", "attendance_ids": [Command.clear()]}
        )
        self.wc_b.resource_calendar_id = empty
        self._add_load("short", 3)
        self._add_load("long", 1)
        self.env["mrp.workcenter"]._cron_compute_drs_lead_times()
        self.assertEqual(self.wc_b.drs_lead_time_status, "no_capacity")
        self.assertFalse(self.wc_b.drs_lead_time)
        self.assertEqual(self.wc_a.drs_lead_time_status, "ok")
        self.assertEqual(self.boms["long"].drs_lead_time_status, "workcenter")
        self.assertEqual(self.boms["short"].drs_lead_time_status, "ok")
        delays, _description = self._manufacture_lead_days("long")
        self.assertEqual(delays["manufacture_delay"], 2)
        production = self._procure("long", "No capacity")
        self.assertEqual(production.date_start, self.need_date - timedelta(days=2))

    def test_workcenter_without_calendar_is_flagged(self):
        self.wc_out.resource_calendar_id = False
        self._add_load("outside", 1)
        self._compute()
        self.assertEqual(self.wc_out.drs_lead_time_status, "no_capacity")

    def test_overload_keeps_fixed_lead_time_and_cron_continues(self):
        """An overloaded workcenter outside a BoM's flow still has no finite
        queue time: that BoM keeps its fixed lead time. BoMs whose work is in
        an overloaded flow get the time to clear it instead (red status)."""
        self._add_load("short", 1, qty=200.0)  # 200 h at wc_a, about 80 h of capacity
        self._add_load("gear", 2)
        self.boms["mixed"].produce_delay = 2
        self.assertTrue(self.env["mrp.workcenter"]._cron_compute_drs_lead_times())
        self.assertEqual(self.wc_a.drs_lead_time_status, "overloaded")
        self.assertGreater(self.wc_a.drs_utilization, 1.0)
        self.assertFalse(self.wc_a.drs_lead_time)
        self.assertEqual(self.wc_c.drs_lead_time_status, "ok")
        self.assertEqual(self.boms["gear"].drs_lead_time_status, "ok")
        # mixed is made in flow nb; its 30 min at wc_a wait at an overloaded station
        self.assertEqual(self.boms["mixed"].drs_flow_id, self.flow_nb)
        self.assertEqual(self.boms["mixed"].drs_lead_time_status, "workcenter")
        self.assertFalse(self.products["mixed"].product_tmpl_id.drs_lead_time_days)
        self.assertIsNone(self.boms["mixed"]._drs_planned_lead_days())
        # long is made in flow main, fed 200 units in its window: a backlog
        long_bom = self.boms["long"]
        self.assertEqual(long_bom.drs_lead_time_status, "backlog")
        self.assertGreater(long_bom.drs_lead_time_hours, 200.0 / 1.0)
        delays, _description = self._manufacture_lead_days("long")
        self.assertEqual(delays["total_delay"], math.ceil(long_bom.drs_lead_time_days))

    def test_flow_virtual_queue_overload_gets_backlog_lead_time(self):
        """More equivalent units arrive per hour than the line delivers at its
        cap: the BoM's lead time is the time to clear the work (red 'backlog'
        status), never the fixed lead time of 0 days."""
        self._add_load("gear", 2)
        self.env.flush_all()
        # 10,000 units queued in the window: far above what the line delivers
        self.env.cr.execute(
            SQL(
                "UPDATE mrp_production SET drs_wip_units = 5000 WHERE drs_flow_id = %s",
                self.flow_nb.id,
            )
        )
        self.env.invalidate_all()
        self._compute()
        bom = self.boms["gear"]
        self.assertEqual(self.wc_c.drs_lead_time_status, "ok")
        self.assertEqual(bom.drs_lead_time_status, "backlog")
        throughput = self.flow_nb._drs_state_now(self.now)[self.flow_nb.id][
            "throughput"
        ]
        self.assertGreater(bom.drs_lead_time_hours, 10000.0 / throughput)
        self.assertGreater(bom._drs_planned_lead_days(), 10000.0 / throughput / 24.0)

    def test_history_row_per_workcenter_and_recomputation(self):
        self._add_load("short", 1, qty=200.0)
        self._compute()
        self._compute()
        History = self.env["mrp.drs.lead.time.history"]
        rows = History.search([("workcenter_id", "=", self.wc_a.id)])
        self.assertEqual(len(rows), 2)
        self.assertEqual(self.wc_a.drs_lead_time_history_count, 2)
        self.assertEqual(set(rows.mapped("status")), {"overloaded"})
        self.assertAlmostEqual(rows[0].utilization, self.wc_a.drs_utilization, 6)
        self.env.cr.execute(
            SQL(
                "SELECT COUNT(*) FROM mrp_drs_lead_time_history "
                "WHERE workcenter_id = %s AND lead_time IS NULL",
                self.wc_a.id,
            )
        )
        self.assertEqual(self.env.cr.fetchone()[0], 2)
        action = self.wc_a.action_view_drs_lead_time_history()
        self.assertEqual(History.search(action["domain"]), rows)

    def test_history_is_thinned_to_one_row_per_day_then_per_week(self):
        """Daily rows for the last ``mrp_drs.history_daily_days`` days, one
        row per ISO week before, the latest of each kept; today untouched."""
        self.env["ir.config_parameter"].sudo().set_param(
            "mrp_drs.history_daily_days", "30"
        )
        History = self.env["mrp.drs.lead.time.history"]
        now = datetime(2026, 6, 17, 15, 0)  # a Wednesday
        stamps = (
            [
                now - timedelta(hours=hours)  # today: 3 rows, all kept
                for hours in (1, 2, 3)
            ]
            + [
                datetime(2026, 6, 10, hour)  # 7 days ago: 4 rows, latest kept
                for hour in (1, 6, 12, 23)
            ]
            + [
                datetime(2026, 3, day, 8)  # Mon 2 - Sun 8 March, one ISO week
                for day in range(2, 9)
            ]
            + [datetime(2026, 3, 9, 8)]
        )  # Monday of the next week
        rows = History.create(
            [
                {
                    "date": stamp,
                    "workcenter_id": workcenter.id,
                    "company_id": workcenter.company_id.id,
                    "status": "ok",
                }
                for stamp, workcenter in [
                    *((stamp, self.wc_a) for stamp in stamps),
                    (stamps[4], self.wc_b),
                ]
            ]
        )
        deleted = History._drs_thin(now)
        kept = rows.exists()
        self.assertEqual(deleted, 3 + 6)
        self.assertEqual(
            sorted(
                kept.filtered(lambda row: row.workcenter_id == self.wc_a).mapped("date")
            ),
            [
                datetime(2026, 3, 8, 8),
                datetime(2026, 3, 9, 8),
                datetime(2026, 6, 10, 23),
                *sorted(stamps[:3]),
            ],
        )
        # another workcenter's row of the same day is its own latest
        self.assertEqual(
            kept.filtered(lambda row: row.workcenter_id == self.wc_b).mapped("date"),
            [stamps[4]],
        )

    def test_query_count_does_not_depend_on_number_of_orders(self):
        def count_queries():
            self.env.flush_all()
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            self._compute()
            return self.env.cr.sql_log_count - start

        products = self.products["short"] | self.products["gear"]
        self._add_load("short", 5)
        self._add_load("gear", 5)
        self._compute()  # warm-up: same code paths in both measures
        few = count_queries()
        self._add_load("short", 45)
        self._add_load("gear", 45)
        many = count_queries()
        self.assertEqual(
            self.env["mrp.production"].search_count(
                [
                    (
                        "product_id",
                        "in",
                        products.ids,
                    )
                ]
            ),
            100,
        )
        self.assertEqual(few, many)

    def test_only_planners_recompute_and_users_read_history(self):
        drs_user = new_test_user(
            self.env, "drs_lt_user", groups="base.group_user,mrp_drs.group_drs_user"
        )
        planner = new_test_user(
            self.env,
            "drs_lt_planner",
            groups="base.group_user,mrp_drs.group_drs_planner",
        )
        with self.assertRaises(AccessError):
            self.wc_a.with_user(drs_user).action_drs_compute_lead_times()
        action = self.wc_a.with_user(planner).action_drs_compute_lead_times()
        self.assertEqual(action["tag"], "display_notification")
        history = self.env["mrp.drs.lead.time.history"].with_user(drs_user)
        rows = history.search([("workcenter_id", "=", self.wc_a.id)])
        self.assertEqual(len(rows), 1)
        with self.assertRaises(AccessError):
            rows.unlink()

    def test_route_minutes_are_mrp_expected_durations(self):
        """The set-wise minutes of the routes equal ``_get_duration_expected``
        of each operation, in the common case (manual cycles, setup and
        cleanup, efficiency, a BoM quantity of several cycles) and in those it
        leaves to the method (a product capacity, a BoM in another unit, a
        cycle time computed from past work orders)."""
        self.wc_a.write(
            {
                "time_start": 7.0,
                "time_stop": 3.5,
                "time_efficiency": 80.0,
                "default_capacity": 3.0,
            }
        )
        self.boms["long"].product_qty = 7.0
        self.boms["short"].product_qty = 2.5
        self.env["mrp.workcenter.capacity"].create(
            {
                "workcenter_id": self.wc_a.id,
                "product_id": self.products["short"].id,
                "capacity": 2.0,
                "time_start": 11.0,
                "time_stop": 0.0,
            }
        )
        self.boms["mixed"].product_uom_id = self.env.ref("uom.product_uom_dozen")
        self.boms["gear"].operation_ids.time_mode = "auto"
        operations = self.boms["short"] | self.boms["long"]
        operations |= self.boms["mixed"] | self.boms["gear"]
        routes = self.env["mrp.bom"]._drs_read_routes()
        routes = routes[routes["bom"].isin(operations.ids)]
        self.assertEqual(set(routes["bom"]), set(operations.ids))
        expected = sorted(
            (
                operation.bom_id.id,
                operation.workcenter_id.id,
                operation._get_duration_expected(
                    operation.bom_id.product_id, operation.bom_id.product_qty
                ),
            )
            for operation in operations.operation_ids
        )
        computed = sorted(
            zip(routes["bom"], routes["workcenter"], routes["minutes"], strict=True)
        )
        self.assertEqual(computed, expected)
        # 7 units in cycles of 3 at wc_a: 3 cycles of 60 min at 80 %, plus setup
        long_at_a = routes[
            (routes["bom"] == self.boms["long"].id)
            & (routes["workcenter"] == self.wc_a.id)
        ]
        self.assertEqual(long_at_a["minutes"].tolist(), [10.5 + 3 * 60 * 100 / 80])

    def test_unchanged_lead_times_are_not_written_again(self):
        self._add_load("long", 2)
        result = self._compute()
        first = self.now
        bom, template = self.boms["long"], self.products["long"].product_tmpl_id
        self.assertEqual(bom.drs_lead_time_date, first)
        later = first + timedelta(hours=1)
        bom_result = self.env["mrp.bom"]._drs_compute_planned_lead_times(result, later)
        self.env["mrp.workcenter"].browse(result.index.tolist())._drs_write_lead_times(
            result, later
        )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT ctid::text FROM product_template WHERE id = %s",
                template.id,
            )
        )
        template_version = self.env.cr.fetchone()[0]
        self.assertEqual(bom.drs_lead_time_date, first)
        self.assertEqual(self.wc_a.drs_lead_time_date, first)
        # a changed figure is written, with its date
        changed = bom_result.copy()
        changed.loc[bom.id, "wait_hours"] += 1.0
        self.env["mrp.bom"]._drs_write_planned_lead_times(changed, later)
        self.assertEqual(bom.drs_lead_time_date, later)
        self.assertEqual(self.boms["short"].drs_lead_time_date, first)
        self.env.cr.execute(
            SQL(
                "SELECT ctid::text FROM product_template WHERE id = %s",
                template.id,
            )
        )
        self.assertEqual(self.env.cr.fetchone()[0], template_version)
