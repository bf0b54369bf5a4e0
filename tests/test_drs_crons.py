# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One bad record never stops a cron: each scheduled action of the addon runs
with one poisoned record among good ones, and the good ones are processed."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, mute_logger

from .common import DrsCommon


@tagged("post_install", "-at_install")
class TestDrsCrons(DrsCommon):
    def _sql_set(self, records, **values):
        """Write ``values`` behind the ORM's back, as data from before a
        constraint (or a restore) would be."""
        records.flush_recordset()
        for name, value in values.items():
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET %s = %s WHERE id IN %s",
                    SQL.identifier(records._table),
                    SQL.identifier(name),
                    value,
                    tuple(records.ids),
                )
            )
        records.invalidate_recordset()

    def test_release_cron_and_queue_survive_a_deadline_in_year_one(self):
        self.flow_main.levelled_release = True
        self._fill_main_flow()
        poisoned = self._create_mo("short")
        self._sql_set(poisoned, date_deadline="0001-01-01 00:00:00")
        self._create_mo("gear") | self._create_mo("gear") | self._create_mo("gear")
        waiting = self._create_mo("gear")
        self.assertEqual(waiting.drs_state, "queued")
        self._set_cap_without_release(self.flow_nb, 4.0)
        self._set_cap_without_release(self.flow_main, 5.0)
        self.env["mrp.drs.flow"]._cron_release_from_queue()
        self.assertEqual(waiting.drs_state, "released")
        # the levelled flow itself still releases: the order at its latest
        # start (long ago) goes first
        self.assertEqual(poisoned.drs_state, "released")
        queued = self._create_mo("short")
        queued.invalidate_recordset(["drs_queue_position"])
        self.assertEqual(queued.drs_queue_position, 1)
        self.flow_main.action_release_now()

    def test_recourse_cron_goes_on_past_an_absurd_flow(self):
        self._fill_main_flow()
        self._create_mo("short")
        self.flow_main.write({"makeup_threshold_auto": False, "makeup_threshold": 0.0})
        # a make-up shift of 1e9 h ends after year 9999
        self._sql_set(self.flow_main, makeup_hours_per_shift=1e9)
        with mute_logger("odoo.addons.mrp_drs.models.mrp_drs_flow"):
            self.env["mrp.drs.flow"]._cron_drs_recourse()
        self.assertTrue(self.flow_nb.recourse_date)
        self.assertFalse(self.flow_main.recourse_date)
        self.assertFalse(
            self.env["mrp.drs.makeup.shift"].search(
                [("flow_id", "=", self.flow_main.id)]
            )
        )

    def test_heijunka_cron_goes_on_past_an_absurd_horizon(self):
        # weekly periods over ten million weeks run past year 9999
        self._sql_set(
            self.flow_main, heijunka_horizon=10_000_000, heijunka_period_type="week"
        )
        with mute_logger("odoo.addons.mrp_drs.models.mrp_drs_flow"):
            self.env["mrp.drs.heijunka.period"]._cron_compute_heijunka()
        self.assertTrue(self.flow_nb.heijunka_date)
        self.assertFalse(self.flow_main.heijunka_date)

    def test_lead_time_cron_goes_on_past_an_absurd_flow(self):
        self._create_mo("gear")
        self._create_mo("short")
        # no standard work content: the flow's virtual queue has no wait
        self._sql_set(self.flow_main, standard_work_hours=0.0)
        with mute_logger(
            "odoo.addons.mrp_drs.models.mrp_bom",
            "odoo.addons.mrp_drs.models.mrp_workcenter",
        ):
            self.env["mrp.workcenter"]._cron_compute_drs_lead_times()
        self.assertTrue(self.wc_c.drs_lead_time_date)
        self.assertEqual(self.boms["gear"].drs_lead_time_status, "ok")
        self.assertEqual(self.boms["short"].drs_lead_time_status, "flow")

    def test_lead_time_cron_without_flows_only_purges(self):
        self._create_mo("outside")
        self.env.flush_all()
        self.env.cr.execute("UPDATE mrp_drs_flow SET active = FALSE")
        self.env.invalidate_all()
        History = self.env["mrp.drs.lead.time.history"]
        rows_before = History.search_count([])
        self.env["mrp.workcenter"]._cron_compute_drs_lead_times()
        self.assertFalse(self.wc_out.drs_lead_time_date)
        self.assertEqual(History.search_count([]), rows_before)

    def test_lead_time_cron_purges_old_quotes(self):
        Quote = self.env["mrp.drs.due.date.quote"].sudo()
        product = self.products["short"]
        now = fields.Datetime.now()
        old, recent = (
            Quote.create(Quote._drs_prepare_quote(product, 1.0)) for _index in (1, 2)
        )
        self.env["ir.config_parameter"].sudo().set_param(
            "mrp_drs.quote_keep_days", "30"
        )
        self._sql_set(old, quote_date=now - timedelta(days=31))
        self._sql_set(recent, quote_date=now - timedelta(days=29))
        self.env["mrp.workcenter"]._cron_compute_drs_lead_times()
        self.assertFalse(old.exists())
        self.assertTrue(recent.exists())

    def test_profiles_cron_goes_on_past_an_absurd_interval(self):
        Profile = self.env["mrp.drs.optimization.profile"]
        good, bad = Profile.create(
            [
                {
                    "name": name,
                    "scheduled": True,
                    "interval_type": "days",
                    "next_run": fields.Datetime.now() - timedelta(hours=1),
                }
                for name in ("Good", "Bad")
            ]
        )
        self._sql_set(bad, interval_number=2_000_000_000)
        with mute_logger("odoo.addons.mrp_drs.models.mrp_drs_optimization_profile"):
            Profile._cron_run_due_profiles()
        self.assertEqual(good.run_count, 1)
        self.assertGreater(good.next_run, fields.Datetime.now())
        self.assertEqual(bad.run_count, 0)
        self.assertIn("Periodic run failed", bad.message_ids[0].body)
        with self.assertRaises(ValidationError):
            good.interval_number = 2_000_000_000

    def test_interrupted_run_is_failed_at_once(self):
        run = self.env["mrp.drs.optimization.run"].create({"name": "Killed"})
        # a worker committed 'running' at 5 %, then died
        run.write({"state": "running", "progress": 5.0})
        with mute_logger("odoo.addons.mrp_drs.models.mrp_drs_optimization_run"):
            self.env["mrp.drs.optimization.run"]._cron_run_queued()
        self.assertEqual(run.state, "failed")
        self.assertIn("interrupted", run.error_message)

    def test_queued_run_that_crashes_is_failed_and_the_queue_goes_on(self):
        Run = self.env["mrp.drs.optimization.run"]
        bad, good = Run.create([{"name": "Bad"}, {"name": "Good"}])
        (bad | good).write({"state": "queued"})
        # a crash no validation foresaw: a period longer than the int range
        self._sql_set(bad, history_days=2**31 - 1, period_days=2**31 - 1)
        with mute_logger("odoo.addons.mrp_drs.models.mrp_drs_optimization_run"):
            Run._cron_run_queued()
            Run._cron_run_queued()
        self.assertEqual(bad.state, "failed")
        self.assertNotIn(good.state, ("queued", "running"))


@tagged("post_install", "-at_install")
class TestDrsBounds(DrsCommon):
    """Numbers are bounded by their meaning, with the unit in the message."""

    def test_wip_cap_is_bounded_and_the_curve_stays_small(self):
        with self.assertRaisesText(ValidationError, "equivalent units"):
            self.flow_main.wip_cap = 1_000_000
        # a cap from before the bound: the curve a read-only user opens
        # stays a bounded number of rows
        self.flow_main.flush_recordset()
        self._set_cap_without_release(self.flow_main, 2_000.0)
        drs_user = new_test_user(
            self.env, "drs_curve_user", groups="base.group_user,mrp_drs.group_drs_user"
        )
        self.flow_main.with_user(drs_user).action_view_throughput_curve()
        points = self.env["mrp.drs.flow.curve"].search(
            [("flow_id", "=", self.flow_main.id)]
        )
        # four curves and the cap marker, each at most 201 levels
        self.assertLessEqual(len(points), 5 * 201)
        self.assertIn(2000, points.filtered("at_cap").mapped("wip"))

    def test_numeric_settings_are_bounded(self):
        for values, unit in (
            ({"planned_lead_time": 1e20}, "working h"),
            ({"makeup_hours_per_shift": 1e9}, "h"),
            ({"standard_work_hours": 1e9}, "h"),
            ({"makeup_trigger_limit": 1000}, "366"),
        ):
            with self.assertRaisesText(ValidationError, unit):
                self.flow_main.write(values)
        wizard = self.env["mrp.drs.optimize.wizard"]
        for values in (
            {"history_days": 10**6},
            {"horizon_days": 10**6},
            {"period_days": 10**6, "history_days": 10**6, "horizon_days": 10**6},
        ):
            with self.assertRaisesText(ValidationError, "days"):
                wizard.create(values)

    def test_quotes_grow_with_quantity_and_refuse_absurd_ones(self):
        Quote = self.env["mrp.drs.due.date.quote"]
        product = self.products["short"]
        dates = [
            Quote._drs_prepare_quote(product, qty)["quoted_date"]
            for qty in (6_000, 10_000, 12_000, 14_000)
        ]
        self.assertEqual(dates, sorted(dates))
        self.assertLess(dates[2], dates[3])
        for qty in (1e12, float("inf")):
            with self.assertRaises(UserError):
                Quote._drs_prepare_quote(product, qty)
