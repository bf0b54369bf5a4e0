# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from odoo.addons.mrp_drs.engine import duedate

from .test_drs_recourse import DrsRecourseCommon, next_monday


@tagged("post_install", "-at_install")
class TestDrsQuote(DrsRecourseCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Quote = cls.env["mrp.drs.due.date.quote"]
        cls.now = next_monday()

    def setUp(self):
        super().setUp()
        # the flow's throughput comes from its last DRS run: fix it once so that
        # quotes only move with the work ahead
        self.short_order, self.long_order = self._fill_main_flow()
        self.flow_main._drs_run_recourse(now=self.now)
        self.assertEqual(self.flow_main.throughput_source, "capacity")

    def _quote(self, qty=1.0, **kwargs):
        return self.Quote._drs_prepare_quote(
            self.products["short"], qty, now=self.now, **kwargs
        )

    def test_quote_lengthens_as_queue_grows(self):
        before = self._quote()
        self._create_mo("short", qty=2.0)
        after = self._quote()
        self.assertAlmostEqual(after["queue_units"], before["queue_units"] + 2.0)
        self.assertAlmostEqual(after["jobs_ahead"], before["jobs_ahead"] + 2.0)
        self.assertGreater(after["quoted_hours"], before["quoted_hours"])
        self.assertGreater(after["quoted_date"], before["quoted_date"])

    def test_quote_shortens_after_orders_leave_the_line(self):
        queued = self._create_mo("short", qty=1.0)
        before = self._quote()
        self.short_order.workorder_ids.button_start()
        self.short_order.button_mark_done()
        self.assertEqual(queued.drs_state, "released", "the done order freed the cap")
        after = self._quote()
        self.assertAlmostEqual(after["queue_units"], 0.0)
        self.assertAlmostEqual(after["jobs_ahead"], before["jobs_ahead"] - 1.0)
        self.assertLess(after["quoted_hours"], before["quoted_hours"])
        self.assertLess(after["quoted_date"], before["quoted_date"])

    def test_quote_is_engine_quote_for_work_ahead(self):
        values = self._quote(qty=3.0)
        self.assertEqual(values["flow_id"], self.flow_main.id)
        self.assertAlmostEqual(values["order_units"], 3.0)
        self.assertAlmostEqual(values["wip_units"], 4.0)
        self.assertAlmostEqual(values["jobs_ahead"], 4.0)
        self.assertAlmostEqual(values["throughput"], self.flow_main.throughput)
        # 4 units ahead + 3 of the order = 7 = n, the engine's jobs_ahead + 1
        self.assertAlmostEqual(
            values["quoted_hours"],
            duedate.quote_lead_time(6.0, values["throughput"], values["cd2"], 0.9),
        )
        calendar = self.flow_main._drs_reference_calendar()
        self.assertEqual(
            values["quoted_date"],
            calendar.plan_hours(values["quoted_hours"], self.now, compute_leaves=True),
        )

    def test_higher_service_level_quotes_later(self):
        self.assertGreater(
            self._quote(service_level=98.0)["quoted_hours"],
            self._quote(service_level=80.0)["quoted_hours"],
        )

    def test_queued_order_counts_only_work_ahead_of_it(self):
        first = self._create_mo("short", qty=2.0, deadline_days=1)
        second = self._create_mo("short", qty=1.0, deadline_days=2)
        self.assertEqual(second.drs_queue_position, 2)
        quote_first = self.Quote._drs_prepare_quote(
            first.product_id, first.product_qty, production=first, now=self.now
        )
        quote_second = self.Quote._drs_prepare_quote(
            second.product_id, second.product_qty, production=second, now=self.now
        )
        self.assertAlmostEqual(quote_first["queue_units"], 0.0)
        self.assertAlmostEqual(quote_second["queue_units"], 2.0)
        self.assertAlmostEqual(quote_second["order_units"], 1.0)

    def test_makeup_time_shortens_quote(self):
        self._create_mo("short", qty=2.0)
        self.flow_main.write({"makeup_threshold_auto": False, "makeup_threshold": 1.0})
        shift = self.flow_main._drs_run_recourse(now=self.now)
        self.assertTrue(shift)
        with_makeup = self._quote()
        self.assertAlmostEqual(
            with_makeup["makeup_units"], self.flow_main.throughput * shift.hours
        )
        shift.state = "cancelled"
        without = self._quote()
        self.assertAlmostEqual(without["makeup_units"], 0.0)
        self.assertLess(with_makeup["quoted_hours"], without["quoted_hours"])

    def test_product_outside_flows_cannot_be_quoted(self):
        with self.assertRaisesText(UserError, "not made in a DRS flow"):
            self.Quote._drs_prepare_quote(self.products["outside"], 1.0, now=self.now)

    def test_service_level_out_of_range_refused(self):
        with self.assertRaisesText(UserError, "service level"):
            self._quote(service_level=40.0)
        with self.assertRaisesText(UserError, "service level"):
            self._quote(service_level=100.0)

    def test_wizard_records_quote_with_basis(self):
        form = Form(self.env["mrp.drs.quote.wizard"])
        form.product_id = self.products["short"]
        form.product_qty = 3.0
        self.assertEqual(form.flow_id, self.flow_main)
        self.assertEqual(form.service_level, self.flow_main.quote_service_level)
        self.assertGreater(form.quoted_hours, 0.0)
        self.assertFalse(form.quote_warning)
        wizard = form.save()
        action = wizard.action_create_quote()
        quote = self.Quote.browse(action["res_id"])
        self.assertTrue(quote.name.startswith("DDQ/"))
        self.assertEqual(quote.flow_id, self.flow_main)
        self.assertEqual(quote.product_id, self.products["short"])
        self.assertAlmostEqual(quote.product_qty, 3.0)
        self.assertAlmostEqual(quote.order_units, 3.0)
        self.assertAlmostEqual(quote.jobs_ahead, 4.0)
        self.assertAlmostEqual(quote.service_level, 90.0)
        self.assertGreater(quote.quoted_date, quote.quote_date)
        self.assertEqual(self.flow_main.due_date_quote_count, 1)

    def test_drs_user_can_quote(self):
        wizard = (
            self.env["mrp.drs.quote.wizard"]
            .with_user(self.drs_user)
            .create({"product_id": self.products["long"].id, "product_qty": 1.0})
        )
        quote = self.Quote.with_user(self.drs_user).browse(
            wizard.action_create_quote()["res_id"]
        )
        self.assertEqual(quote.flow_id, self.flow_main)
        self.assertAlmostEqual(quote.order_units, 3.0)
        self.assertEqual(quote.create_uid, self.drs_user)

    def test_wizard_warns_for_product_outside_flows(self):
        form = Form(self.env["mrp.drs.quote.wizard"])
        form.product_id = self.products["outside"]
        self.assertIn("not made in a DRS flow", form.quote_warning)
        self.assertFalse(form.flow_id)

    def test_wizard_from_manufacturing_order(self):
        queued = self._create_mo("long")
        wizard = (
            self.env["mrp.drs.quote.wizard"]
            .with_context(active_model="mrp.production", active_id=queued.id)
            .create({})
        )
        self.assertEqual(wizard.production_id, queued)
        self.assertEqual(wizard.product_id, self.products["long"])
        quote = self.Quote.browse(wizard.action_create_quote()["res_id"])
        self.assertEqual(quote.production_id, queued)
        self.assertAlmostEqual(quote.order_units, 3.0)
        self.assertEqual(quote.origin, queued.name)
        self.assertEqual(quote.action_open_origin()["res_id"], queued.id)

    def test_quote_from_quotation_line_when_sales_installed(self):
        if "sale.order.line" not in self.env:
            self.skipTest("Sales (sale_mrp) is not installed")
        action = self.env.ref("mrp_drs.mrp_drs_quote_wizard_action_sale_line")
        self.assertEqual(action.binding_model_id.model, "sale.order.line")
        partner = self.env["res.partner"].create({"name": "DRS quote customer"})
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.products["short"].id, "product_uom_qty": 2}
                    )
                ],
            }
        )
        line = order.order_line
        wizard = (
            self.env["mrp.drs.quote.wizard"]
            .with_context(active_model="sale.order.line", active_id=line.id)
            .create({})
        )
        self.assertEqual(wizard.product_id, self.products["short"])
        self.assertAlmostEqual(wizard.product_qty, 2.0)
        quote = self.Quote.browse(wizard.action_create_quote()["res_id"])
        self.assertEqual(quote.origin_model, "sale.order.line")
        self.assertEqual(quote.origin_id, line.id)
        self.assertIn(order.name, quote.origin)
        self.assertAlmostEqual(quote.order_units, 2.0)
