# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, time, timedelta

from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.mrp_drs.engine import duedate

from .common import DrsCommon


def next_monday(days=0, hour=10):
    """A Monday 10:00 UTC in the coming week, plus ``days``: runs at fixed,
    future moments (queue dates are real ones, so ages stay positive)."""
    today = fields.Date.today()
    monday = today + timedelta(days=7 - today.weekday())
    return datetime.combine(monday, time(hour)) + timedelta(days=days)


class DrsRecourseCommon(DrsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.planner = new_test_user(
            cls.env,
            login="drs_recourse_planner",
            groups="mrp_drs.group_drs_planner",
        )
        cls.drs_user = new_test_user(
            cls.env, login="drs_recourse_user", groups="mrp_drs.group_drs_user"
        )
        cls.Shift = cls.env["mrp.drs.makeup.shift"]
        cls.History = cls.env["mrp.drs.flow.history"]

    def _queue_above_threshold(self, threshold=1.0):
        """Fill the main flow (4 units) and queue 2 more units, with a manual
        make-up threshold."""
        self.flow_main.write(
            {"makeup_threshold_auto": False, "makeup_threshold": threshold}
        )
        self._fill_main_flow()
        queued = self._create_mo("short", qty=2.0)
        self.assertEqual(queued.drs_state, "queued")
        self.assertAlmostEqual(self.flow_main.queue_units, 2.0)
        return queued

    def _run(self, days=0, hour=10):
        return self.flow_main._drs_run_recourse(now=next_monday(days, hour))


@tagged("post_install", "-at_install")
class TestDrsMakeup(DrsRecourseCommon):
    def test_queue_above_threshold_authorises_one_shift_per_period(self):
        self._queue_above_threshold()
        first = self._run(0, hour=8)
        self.assertEqual(len(first), 1)
        self.assertEqual(first.flow_id, self.flow_main)
        self.assertEqual(
            first.period_date, self.flow_main._drs_period_date(next_monday())
        )
        self.assertEqual(first.workcenter_ids, self.wc_a | self.wc_b)
        # make-up is sized to the queue (no longer one whole shift): the hours
        # that bring the 2 queued units back to the threshold of 1 at the
        # flow's throughput, within the maximum per period
        needed = duedate.makeup_hours(2.0, 1.0, self.flow_main.throughput)
        self.assertAlmostEqual(first.hours, needed, delta=0.01)
        self.assertGreaterEqual(first.hours, needed)
        self.assertLess(first.hours, self.flow_main.makeup_hours_max)
        self.assertAlmostEqual(
            self.flow_main.makeup_required_hours, needed, delta=0.005
        )
        self.assertAlmostEqual(first.queue_units, 2.0)
        # the shift starts after the day's work in the flow's calendar
        self.assertGreaterEqual(first.date_start, next_monday(0, hour=8))
        self.assertAlmostEqual(
            (first.date_end - first.date_start).total_seconds() / 3600.0, first.hours
        )

    def test_no_second_shift_in_the_same_period(self):
        self._queue_above_threshold()
        self._run(0, hour=8)
        self.assertFalse(self._run(0, hour=15), "one make-up shift per period")
        self.assertEqual(
            self.Shift.search_count([("flow_id", "=", self.flow_main.id)]), 1
        )

    def test_queue_still_above_threshold_next_period_authorises_again(self):
        self._queue_above_threshold()
        self._run(0)
        self.assertEqual(len(self._run(1)), 1)
        self.assertEqual(
            self.Shift.search_count([("flow_id", "=", self.flow_main.id)]), 2
        )

    def test_queue_fallen_back_authorises_nothing(self):
        queued = self._queue_above_threshold()
        self._run(0)
        queued.action_cancel()
        self.assertFalse(self._run(1))
        self.assertEqual(
            self.Shift.search_count([("flow_id", "=", self.flow_main.id)]), 1
        )

    def test_queue_at_threshold_authorises_nothing(self):
        self._queue_above_threshold(threshold=2.0)
        self.assertFalse(self._run(0))

    def test_database_refuses_second_shift_for_a_period(self):
        self._queue_above_threshold()
        shift = self._run(0)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            shift.copy()
            self.env.flush_all()

    def test_makeup_notifies_planners_with_todo_activity(self):
        self._queue_above_threshold()
        self._run(0)
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "mrp.drs.flow"), ("res_id", "=", self.flow_main.id)]
        )
        planner_activity = activities.filtered(lambda a: a.user_id == self.planner)
        self.assertEqual(len(planner_activity), 1)
        self.assertEqual(
            planner_activity.activity_type_id,
            self.env.ref("mail.mail_activity_data_todo"),
        )
        self.assertIn("Make-up shift", planner_activity.summary)
        self.assertNotIn(self.drs_user, activities.user_id, "DRS users are not asked")
        # no new activity while the period's shift exists
        self._run(0, hour=15)
        self.assertEqual(
            self.env["mail.activity"].search_count(
                [("res_model", "=", "mrp.drs.flow"), ("res_id", "=", self.flow_main.id)]
            ),
            len(activities),
        )

    def test_makeup_shift_adds_capacity_at_its_workcenters(self):
        self._queue_above_threshold()
        shift = self._run(0)
        workcenters = self.wc_a | self.wc_b | self.wc_c
        whole = workcenters._drs_makeup_hours(shift.date_start, shift.date_end)
        self.assertEqual(
            whole,
            {self.wc_a.id: shift.hours, self.wc_b.id: shift.hours, self.wc_c.id: 0.0},
        )
        half = workcenters._drs_makeup_hours(
            shift.date_start, shift.date_start + timedelta(hours=shift.hours / 2)
        )
        self.assertAlmostEqual(half[self.wc_a.id], shift.hours / 2)
        shift.state = "cancelled"
        self.assertEqual(
            self.wc_a._drs_makeup_hours(shift.date_start, shift.date_end)[self.wc_a.id],
            0.0,
        )

    def test_unused_makeup_costs_nothing(self):
        self._queue_above_threshold()
        (self.wc_a | self.wc_b).costs_hour = 50.0
        shift = self._run(0)
        self.assertEqual(shift.used_hours, 0.0)
        self.assertEqual(shift.cost, 0.0)
        # the shift is sized to the queue (under 1 h here): use all of it
        shift.used_hours = shift.hours
        self.assertAlmostEqual(shift.cost, shift.hours * (50.0 + 50.0))
        with self.assertRaises(ValidationError):
            shift.used_hours = shift.hours + 1.0

    def test_capacity_throughput_is_practical_worst_case_at_cap(self):
        """Factory Physics ch. 7, practical worst case TH = w / (W0 + w - 1) rb.

        Released orders: short (1 h at A) and long (1 h at A, 2 h at B): A and B
        each take half of the 1 h standard work, so t0 = 1 h, rb = 2 units/h,
        W0 = rb t0 = 2; at the cap w = 4: TH = 4 / 5 x 2 = 1.6 units/h.
        """
        self._fill_main_flow()
        self._run(0)
        self.assertEqual(self.flow_main.throughput_source, "capacity")
        self.assertAlmostEqual(self.flow_main.throughput, 1.6)
        self.assertAlmostEqual(self.flow_main.throughput_cd2, 1.0)

    def test_automatic_threshold_follows_engine(self):
        self._fill_main_flow()
        self._run(0)
        flow = self.flow_main
        expected = duedate.makeup_threshold(
            flow.planned_lead_time,
            flow.wip_cap,
            flow.throughput,
            flow.throughput_cd2,
            flow.quote_service_level / 100.0,
        )
        self.assertGreater(expected, 0)
        self.assertEqual(flow.makeup_threshold, expected)
        flow.planned_lead_time *= 2
        self.assertGreater(flow.makeup_threshold, expected)

    def test_manual_threshold_is_kept(self):
        self._fill_main_flow()
        self.flow_main.write({"makeup_threshold_auto": False, "makeup_threshold": 7.0})
        self._run(0)
        self.assertEqual(self.flow_main.makeup_threshold, 7.0)

    def test_bad_recourse_settings_refused(self):
        with self.assertRaises(ValidationError):
            self.flow_main.quote_service_level = 100.0
        with self.assertRaises(ValidationError):
            self.flow_main.signal_window_days = 0


@tagged("post_install", "-at_install")
class TestDrsSignals(DrsRecourseCommon):
    def test_reoptimize_after_more_triggers_than_tolerated(self):
        self.flow_main.write({"signal_window_days": 5, "makeup_trigger_limit": 2})
        self._queue_above_threshold()
        for day in (0, 1):
            self._run(day)
            # above its threshold a flow is never "OK": make-up covers it
            self.assertEqual(self.flow_main.capacity_signal, "makeup")
        self.assertEqual(self.flow_main.signal_trigger_count, 2)
        self._run(2)
        self.assertEqual(self.flow_main.signal_trigger_count, 3)
        self.assertEqual(self.flow_main.capacity_signal, "reoptimize")

    def test_triggers_leave_the_window(self):
        self.flow_main.write({"signal_window_days": 2, "makeup_trigger_limit": 0})
        queued = self._queue_above_threshold()
        self._run(0)
        self.assertEqual(self.flow_main.capacity_signal, "reoptimize")
        queued.action_cancel()
        self._run(1)  # day 0 still in the 2-day window
        self.assertEqual(self.flow_main.capacity_signal, "reoptimize")
        self._run(2)
        self.assertEqual(self.flow_main.signal_trigger_count, 0)
        self.assertNotEqual(self.flow_main.capacity_signal, "reoptimize")

    def test_excess_when_queue_stays_empty(self):
        self.flow_main.write({"signal_window_days": 4, "excess_empty_share": 50.0})
        self._fill_main_flow()  # at the cap, nothing queued
        self._run(0)
        self.assertEqual(self.flow_main.signal_empty_count, 1)
        self.assertEqual(self.flow_main.capacity_signal, "ok")
        self._run(1)
        self.assertEqual(self.flow_main.signal_empty_count, 2)
        self.assertEqual(self.flow_main.capacity_signal, "excess")


@tagged("post_install", "-at_install")
class TestDrsHistory(DrsRecourseCommon):
    def test_cron_writes_one_history_row_per_flow_and_period(self):
        self._queue_above_threshold()
        Flow = self.env["mrp.drs.flow"]
        Flow._cron_drs_recourse()
        Flow._cron_drs_recourse()
        rows = self.History.search([("flow_id", "=", self.flow_main.id)])
        self.assertEqual(len(rows), 1)
        self.assertEqual(
            rows.period_date, self.flow_main._drs_period_date(fields.Datetime.now())
        )
        self.assertEqual(rows.sample_count, 2)
        self.assertEqual(rows.queue_count, 1)
        self.assertAlmostEqual(rows.queue_units, 2.0)
        self.assertAlmostEqual(rows.wip_units, 4.0)
        self.assertAlmostEqual(rows.wip_cap, 4.0)
        self.assertAlmostEqual(rows.wip_ratio, 100.0)
        self.assertAlmostEqual(rows.throughput, self.flow_main.throughput)
        self.assertTrue(rows.makeup_triggered)
        # make-up sized to the queue, not a whole shift
        shift = self.Shift.search([("flow_id", "=", self.flow_main.id)])
        self.assertAlmostEqual(rows.makeup_hours, shift.hours)
        self.assertLess(rows.makeup_hours, self.flow_main.makeup_hours_per_shift)
        self.assertEqual(rows.company_id, self.flow_main.company_id)

    def test_new_period_gets_new_row(self):
        self._run(0)
        self._run(1)
        self.assertEqual(
            self.History.search_count([("flow_id", "=", self.flow_main.id)]), 2
        )

    def test_row_keeps_longest_queue_and_trigger_of_period(self):
        queued = self._queue_above_threshold()
        self._run(0, hour=8)
        queued.action_cancel()
        self._run(0, hour=15)
        row = self.History.search([("flow_id", "=", self.flow_main.id)])
        self.assertEqual(len(row), 1)
        self.assertAlmostEqual(row.queue_units, 0.0)
        self.assertAlmostEqual(row.queue_units_max, 2.0)
        self.assertTrue(row.makeup_triggered)
        self.assertFalse(row.queue_empty)

    def test_queue_age_recorded(self):
        queued = self._queue_above_threshold()
        now = next_monday()
        self.flow_main._drs_run_recourse(now=now)
        row = self.History.search([("flow_id", "=", self.flow_main.id)])
        waited = (now - queued.drs_queue_date).total_seconds() / 3600.0
        self.assertAlmostEqual(row.queue_age_max, waited, places=3)
        self.assertAlmostEqual(row.queue_age_avg, waited, places=3)

    def test_completed_work_recorded_in_its_period(self):
        short_order, _long_order = self._fill_main_flow()
        short_order.workorder_ids.button_start()
        short_order.button_mark_done()
        self.assertEqual(short_order.state, "done")
        self.flow_main._drs_run_recourse()
        row = self.History.search([("flow_id", "=", self.flow_main.id)])
        self.assertAlmostEqual(row.completed_units, 1.0)

    def test_database_refuses_duplicate_history_row(self):
        self._run(0)
        row = self.History.search([("flow_id", "=", self.flow_main.id)])
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            row.copy()
            self.env.flush_all()

    def test_throughput_curve_against_factory_physics_cases(self):
        """Factory Physics ch. 7 bounds at w = 1 and at the cap w = 4 for the
        line of test_capacity_throughput_is_practical_worst_case_at_cap
        (rb = 2 units/h, t0 = 1 h): best min(w / t0, rb) = 1 then 2, practical
        worst w / (W0 + w - 1) rb = 1 then 1.6, worst 1 / t0 = 1."""
        self._fill_main_flow()
        self.flow_main.action_view_throughput_curve()
        points = self.env["mrp.drs.flow.curve"].search(
            [("flow_id", "=", self.flow_main.id)]
        )
        value = {(p.case, p.wip): p.throughput for p in points}
        self.assertAlmostEqual(value["best", 1], 1.0)
        self.assertAlmostEqual(value["best", 4], 2.0)
        self.assertAlmostEqual(value["practical_worst", 1], 1.0)
        self.assertAlmostEqual(value["practical_worst", 4], 1.6)
        self.assertAlmostEqual(value["worst", 4], 1.0)
        # a balanced line of exponential stations is the practical worst case
        self.assertAlmostEqual(value["flow", 4], 1.6)
        self.assertEqual(points.filtered("at_cap").mapped("wip"), [4] * 5)
        # the cap marker: the flow's throughput at the cap, drawn up to the cap
        self.assertAlmostEqual(value["cap", 1], value["flow", 4])
        self.assertAlmostEqual(value["cap", 4], value["flow", 4])
        self.assertNotIn(("cap", 5), value)
