# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, time, timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import DrsCommon


@tagged("post_install", "-at_install")
class TestDrsHeijunka(DrsCommon):
    """Takt time, levelled quotas and levelled release of the main flow.

    Products A, B and C each take 60 min at ``wc_a``: one equivalent WIP unit per
    piece in the main flow (cap 4 units).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in ("A", "B", "C"):
            product = cls.env["product.product"].create(
                {
                    "name": f"DRS test model {code}",
                    "default_code": code,
                    "type": "consu",
                    "is_storable": True,
                }
            )
            cls.products[code] = product
            cls.boms[code] = cls.env["mrp.bom"].create(
                {
                    "product_tmpl_id": product.product_tmpl_id.id,
                    "product_id": product.id,
                    "product_qty": 1.0,
                    "consumption": "flexible",
                    "bom_line_ids": [
                        Command.create(
                            {"product_id": cls.component.id, "product_qty": 1}
                        )
                    ],
                    "operation_ids": [
                        Command.create(
                            {
                                "name": f"{code} at {cls.wc_a.name}",
                                "workcenter_id": cls.wc_a.id,
                                "time_mode": "manual",
                                "time_cycle_manual": 60,
                            }
                        )
                    ],
                }
            )
        cls.Period = cls.env["mrp.drs.heijunka.period"]

    def _queue_mixed_orders(self, release_order="date_deadline"):
        """Queue 6 A, 3 B and 3 C (one piece each) behind a closed cap; the
        queue order (earliest need date) is A x 6, B x 3, C x 3."""
        self.flow_main.release_order = release_order
        self._set_cap_without_release(self.flow_main, 0.0)  # nothing fits
        orders = self.Production
        for day, code in enumerate("AAAAAABBBCCC", start=10):
            orders |= self._create_mo(code, deadline_days=day, confirm=False)
        orders.action_confirm()
        self.assertEqual(set(orders.mapped("drs_state")), {"queued"})
        return orders

    def _release_with_cap(self, cap):
        self._set_cap_without_release(self.flow_main, cap)
        return self.flow_main._release_from_queue()

    @staticmethod
    def _codes(productions):
        return "".join(production.product_id.default_code for production in productions)

    def _use_daily_calendar(self):
        """Put ``wc_a`` on a UTC calendar of 8 h every day and make it the main
        flow's pacemaker, with daily heijunka periods over 3 days. Tomorrow a
        leave takes 4 h off, so the available hours are 8, 4, 8."""
        calendar = self.env["resource.calendar"].create(
            {
                "name": "DRS test every day 8-16 UTC",
                "tz": "UTC",
                "attendance_ids": [
                    Command.create(
                        {
                            "name": f"Day {day}",
                            "dayofweek": str(day),
                            "hour_from": 8.0,
                            "hour_to": 16.0,
                            "day_period": "morning",
                        }
                    )
                    for day in range(7)
                ],
            }
        )
        self.wc_a.write(
            {"resource_calendar_id": calendar.id, "tz": "UTC", "time_efficiency": 100}
        )
        today = self._today_utc()
        self.env["resource.calendar.leaves"].create(
            {
                "name": "DRS test half-day stop",
                "calendar_id": calendar.id,
                "date_from": datetime.combine(today + timedelta(days=1), time(8)),
                "date_to": datetime.combine(today + timedelta(days=1), time(12)),
            }
        )
        self.flow_main.write(
            {
                "heijunka_period_type": "day",
                "heijunka_horizon": 3,
                "heijunka_workcenter_id": self.wc_a.id,
            }
        )
        return calendar

    @staticmethod
    def _today_utc():
        return fields.Datetime.now().date()

    def _create_due(self, code, qty, day):
        """Confirm an order of ``qty`` pieces needed at noon (UTC) of ``day``
        days from today."""
        deadline = datetime.combine(self._today_utc() + timedelta(days=day), time(12))
        return self._create_mo(code, qty=qty, date_deadline=deadline)

    def _plan_demand(self):
        """A: 3 due today, 4 due in 2 days; B: 5 due tomorrow."""
        self._use_daily_calendar()
        orders = (
            self._create_due("A", 3, 0)
            | self._create_due("B", 5, 1)
            | self._create_due("A", 4, 2)
        )
        self.flow_main.action_compute_heijunka()
        periods = self.flow_main.heijunka_period_ids.sorted("datetime_start")
        self.assertEqual(len(periods), 3)
        return orders, periods

    @staticmethod
    def _quota(period, product):
        return sum(
            period.slot_ids.filtered(lambda slot: slot.product_id == product).mapped(
                "quota_qty"
            )
        )

    def test_levelled_release_alternates_products_in_demand_proportions(self):
        self.flow_main.levelled_release = True
        self._queue_mixed_orders()
        released = self._release_with_cap(12.0)
        # Goal chasing on 6 A, 3 B, 3 C (Monden): slot k takes the product with
        # the largest lag k*q/12 - made. k=1: A (.50 vs .25, .25); k=2: B (A 0,
        # B .50, C .50, tie to B); k=3: C (.75); k=4: A (1.0); k=5: A (.50 vs
        # .25); then the pattern repeats every 4 slots.
        self.assertEqual(self._codes(released), "ABCAABCAABCA")

    def test_levelled_release_stops_at_cap_and_continues_the_sequence(self):
        self.flow_main.levelled_release = True
        self._queue_mixed_orders()
        first = self._release_with_cap(5.0)
        self.assertEqual(self._codes(first), "ABCAA")
        self.assertAlmostEqual(self.flow_main.wip, 5.0)
        self.assertEqual(self.flow_main.queue_count, 7)
        # one A leaves the loop: the chase goes on from the loop's content
        # (A 2, B 1, C 1 in process) and releases the 6th slot, B
        done = first[0]
        done.workorder_ids.button_start()
        done.button_mark_done()
        self.assertEqual(done.state, "done")
        next_order = self.Production.search(
            [
                ("drs_flow_id", "=", self.flow_main.id),
                ("drs_state", "=", "released"),
                ("id", "not in", first.ids),
            ]
        )
        self.assertEqual(self._codes(next_order), "B")
        self.assertAlmostEqual(self.flow_main.wip, 5.0)

    def test_levelled_release_takes_order_at_latest_start_first(self):
        self.flow_main.levelled_release = True
        orders = self._queue_mixed_orders(release_order="fifo")
        # last in FIFO order and of the smallest product family, but its
        # deadline in 10 min is before its 60 min of work could end
        urgent = self._create_mo(
            "C", date_deadline=fields.Datetime.now() + timedelta(minutes=10)
        )
        self.assertEqual(urgent.drs_state, "queued")
        released = self._release_with_cap(2.0)
        self.assertEqual(released[0], urgent)
        self.assertEqual(self._codes(released), "CA")
        self.assertEqual(released[1], orders[0])

    def test_queue_position_follows_levelled_sequence(self):
        self.flow_main.levelled_release = True
        orders = self._queue_mixed_orders()
        first_b, first_c = orders[6], orders[9]
        self.assertEqual(orders[0].drs_queue_position, 1)
        self.assertEqual(first_b.drs_queue_position, 2)
        self.assertEqual(first_c.drs_queue_position, 3)
        self.assertEqual(orders[1].drs_queue_position, 4)

    def test_flow_without_levelling_keeps_strict_queue_order(self):
        self.assertFalse(self.flow_main.levelled_release)
        orders = self._queue_mixed_orders()
        released = self._release_with_cap(12.0)
        self.assertEqual(self._codes(released), "AAAAAABBBCCC")
        self.assertEqual(released, orders)

    @freeze_time("2030-01-07 06:00:00")  # before the day's 8 working hours
    def test_takt_time_is_available_time_over_demand(self):
        _orders, periods = self._plan_demand()
        self.assertEqual(periods.mapped("available_hours"), [8.0, 4.0, 8.0])
        self.assertEqual(periods.mapped("demand_qty"), [3.0, 5.0, 4.0])
        # 8 h * 60 / 3 = 160; 4 h * 60 / 5 = 48; 8 h * 60 / 4 = 120 min per unit
        for period, takt in zip(periods, [160.0, 48.0, 120.0], strict=True):
            self.assertAlmostEqual(period.takt_time, takt)
        # whole horizon: 20 h * 60 / 12 units
        self.assertAlmostEqual(self.flow_main.heijunka_takt_time, 100.0)

    @freeze_time("2030-01-07 12:00:00")
    def test_current_period_counts_the_working_time_left(self):
        _orders, periods = self._plan_demand()
        # at noon, 4 of today's 8 working hours (8-16 UTC) are left
        self.assertEqual(periods.mapped("available_hours"), [4.0, 4.0, 8.0])

    @freeze_time("2030-01-07 06:00:00")
    def test_warns_when_cumulative_quotas_fall_behind_demand(self):
        _orders, periods = self._plan_demand()
        # quotas 5, 2, 5 against demand 3, 5, 4: 7 made by tomorrow for 8 due
        self.assertEqual(periods.mapped("quota_qty"), [5, 2, 5])
        self.assertIn(
            "Cumulative quotas fall behind cumulative demand from period 2030-01-08 "
            "(1 units short at worst)",
            self.flow_main.heijunka_warning,
        )

    @freeze_time("2030-01-07 06:00:00")
    def test_periods_are_named_by_flow_and_drawn_quota_beside_output(self):
        _orders, periods = self._plan_demand()
        self.assertEqual(periods[0].display_name, "DRS test main · 2030-01-07")
        rows = self.env["mrp.drs.heijunka.output"].search(
            [("period_id", "=", periods[0].id)]
        )
        self.assertEqual(
            {(row.kind, row.qty) for row in rows}, {("quota", 5.0), ("actual", 0.0)}
        )
        self.assertEqual(
            set(rows.mapped("period_label")), {"DRS test main · 2030-01-07"}
        )

    @freeze_time("2030-01-07 06:00:00")  # before the day's 8 working hours
    def test_quotas_add_up_to_demand_in_proportion_to_available_time(self):
        _orders, periods = self._plan_demand()
        product_a, product_b = self.products["A"], self.products["B"]
        # A: 7 units x (8, 4, 8) / 20 h = 2.8, 1.4, 2.8 -> floors 2, 1, 2 and the
        # 2 missing units go to the largest remainders (.8, .8): 3, 1, 3.
        # B: 5 units -> exactly 2, 1, 2.
        self.assertEqual([self._quota(p, product_a) for p in periods], [3, 1, 3])
        self.assertEqual([self._quota(p, product_b) for p in periods], [2, 1, 2])
        self.assertEqual(periods.mapped("quota_qty"), [5, 2, 5])
        self.assertEqual(sum(periods.mapped("quota_qty")), 12)
        self.assertEqual(sum(periods.mapped("demand_qty")), 12.0)
        self.assertEqual(self.flow_main.heijunka_quota_qty, 5)
        # the first period's mix, goal chasing on A 3, B 2
        self.assertEqual(periods[0].levelled_mix, "A · B · A · B · A")

    @freeze_time("2030-01-07 06:00:00")  # before the day's 8 working hours
    def test_actual_output_counts_orders_done_in_the_period(self):
        orders, periods = self._plan_demand()
        first = orders[0]
        self.assertEqual(first.drs_state, "released")
        first.workorder_ids.button_start()
        first.button_mark_done()
        self.assertEqual(first.state, "done")
        self.flow_main.action_compute_heijunka()
        periods = self.flow_main.heijunka_period_ids.sorted("datetime_start")
        self.assertEqual(periods.mapped("actual_qty"), [3.0, 0.0, 0.0])
        # a done order still counts in the demand of its period
        self.assertEqual(periods[0].demand_qty, 3.0)
        self.assertAlmostEqual(periods[0].output_gap, -2.0)
        self.assertAlmostEqual(self.flow_main.heijunka_actual_qty, 3.0)

    @freeze_time("2030-01-07 06:00:00")  # before the day's 8 working hours
    def test_recompute_replaces_current_periods(self):
        _orders, periods = self._plan_demand()
        self._create_due("C", 2, 1)
        self.flow_main.action_compute_heijunka()
        self.assertFalse(periods.exists())
        new_periods = self.flow_main.heijunka_period_ids
        self.assertEqual(len(new_periods), 3)
        self.assertEqual(sum(new_periods.mapped("quota_qty")), 14)

    def test_heijunka_periods_are_the_days_of_the_flow(self):
        """Heijunka periods, make-up history and throughput share one rule for
        the flow's days: the time zone of its reference calendar, whatever the
        pacemaker's resource or the user says."""
        calendar = self._use_daily_calendar()
        calendar.tz = "Pacific/Auckland"
        self.wc_a.tz = "America/Los_Angeles"
        self.env.user.tz = "Europe/Brussels"
        self.flow_main.action_compute_heijunka()
        first = self.flow_main.heijunka_period_ids.sorted("datetime_start")[:1]
        day = self.flow_main._drs_period_date(fields.Datetime.now())
        self.assertEqual(first.date_start, day)
        self.assertEqual(
            (first.datetime_start, first.datetime_stop),
            self.flow_main._drs_period_bounds(day),
        )

    def test_pacemaker_defaults_to_most_loaded_workcenter(self):
        self.flow_main.heijunka_workcenter_id = False
        self._create_mo("long")  # 60 min at wc_a, 120 min at wc_b
        self.flow_main.action_compute_heijunka()
        self.assertEqual(
            set(self.flow_main.heijunka_period_ids.mapped("workcenter_id")),
            {self.wc_b},
        )

    @freeze_time("2030-01-07 06:00:00")  # before the day's 8 working hours
    def test_no_working_time_gives_warning_and_no_quota(self):
        calendar = self._use_daily_calendar()
        today = datetime.combine(self._today_utc(), time.min)
        self.env["resource.calendar.leaves"].create(
            {
                "name": "DRS test shutdown",
                "calendar_id": calendar.id,
                "date_from": today,
                "date_to": today + timedelta(days=3),
            }
        )
        self._create_due("A", 2, 0)
        self.flow_main.action_compute_heijunka()
        periods = self.flow_main.heijunka_period_ids
        self.assertEqual(sum(periods.mapped("quota_qty")), 0)
        self.assertEqual(sum(periods.mapped("demand_qty")), 2.0)
        self.assertIn("No working time", self.flow_main.heijunka_warning)

    def test_cron_plans_every_active_flow(self):
        self.Period.search([]).unlink()
        self.Period._cron_compute_heijunka()
        self.assertEqual(
            len(self.flow_main.heijunka_period_ids), self.flow_main.heijunka_horizon
        )
        self.assertEqual(
            len(self.flow_nb.heijunka_period_ids), self.flow_nb.heijunka_horizon
        )

    def test_pacemaker_outside_flow_is_refused(self):
        with self.assertRaises(ValidationError):
            self.flow_main.heijunka_workcenter_id = self.wc_c

    def test_planner_computes_heijunka_and_user_reads_it(self):
        planner = new_test_user(
            self.env,
            "drs_hj_planner",
            groups="base.group_user,mrp_drs.group_drs_planner",
        )
        user = new_test_user(
            self.env, "drs_hj_user", groups="base.group_user,mrp_drs.group_drs_user"
        )
        self._create_mo("A", deadline_days=1)
        self.flow_main.with_user(planner).action_compute_heijunka()
        flow = self.flow_main.with_user(user)
        self.assertEqual(flow.heijunka_period_ids.mapped("period_type"), ["week"] * 4)
        self.assertEqual(sum(flow.heijunka_period_ids.slot_ids.mapped("quota_qty")), 1)
        with self.assertRaises(AccessError):
            flow.action_compute_heijunka()
