# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import DrsCommon


@tagged("post_install", "-at_install")
class TestDrsQueue(DrsCommon):
    def test_confirm_releases_while_cap_allows(self):
        production = self._create_mo("short")
        self.assertEqual(production.drs_flow_id, self.flow_main)
        self.assertEqual(production.drs_state, "released")
        self.assertTrue(production.drs_queue_date)
        self.assertTrue(production.drs_release_date)

    def test_confirm_through_form_queues_order_when_flow_is_full(self):
        self._fill_main_flow()
        form = Form(self.Production)
        form.product_id = self.products["short"]
        form.bom_id = self.boms["short"]
        form.product_qty = 2.0
        production = form.save()
        self.assertFalse(production.drs_state, "a draft order is not in DRS yet")
        self.assertEqual(production.drs_flow_id, self.flow_main)
        production.action_confirm()
        self.assertEqual(production.drs_state, "queued")
        self.assertTrue(production.drs_queue_date)
        self.assertFalse(production.drs_release_date)
        self.assertAlmostEqual(production.drs_wip_units, 2.0)
        self.assertEqual(self.flow_main.queue_count, 1)

    def test_wip_units_are_flow_hours_over_standard_work(self):
        self.flow_main.standard_work_hours = 2.0
        production = self._create_mo("long", qty=2.0)
        # 2 x (60 + 120) min = 6 h at the flow's workcenters, 2 h per unit
        self.assertAlmostEqual(production.drs_wip_units, 3.0)

    def test_flow_with_most_hours_owns_order(self):
        production = self._create_mo("mixed")
        # 0.5 h in the main flow, 1.5 h in the non-bottleneck flow
        self.assertEqual(production.drs_flow_id, self.flow_nb)
        self.assertAlmostEqual(production.drs_wip_units, 1.5)

    def test_order_outside_flows_keeps_stock_behaviour(self):
        self._fill_main_flow()
        production = self._create_mo("outside")
        self.assertFalse(production.drs_flow_id)
        self.assertFalse(production.drs_state)
        production.workorder_ids.button_start()
        self.assertEqual(production.state, "progress")

    def test_queued_order_cannot_start_work_order(self):
        self._fill_main_flow()
        production = self._create_mo("short")
        self.assertEqual(production.drs_state, "queued")
        workorder_state = production.workorder_ids.state
        with self.assertRaisesText(UserError, "virtual queue of flow DRS test main"):
            production.workorder_ids.button_start()
        self.assertEqual(production.workorder_ids.state, workorder_state)
        self.assertFalse(production.workorder_ids.time_ids)
        self.assertEqual(production.state, "confirmed")

    def test_queued_order_cannot_finish_work_order(self):
        self._fill_main_flow()
        production = self._create_mo("short")
        workorder_state = production.workorder_ids.state
        with self.assertRaises(UserError):
            production.workorder_ids.button_finish()
        with self.assertRaises(UserError):
            production.workorder_ids.button_done()
        self.assertEqual(production.workorder_ids.state, workorder_state)

    def test_queued_order_cannot_be_started(self):
        self._fill_main_flow()
        production = self._create_mo("short")
        with self.assertRaises(UserError):
            production.action_start()
        self.assertEqual(production.state, "confirmed")

    def test_queued_order_cannot_be_marked_done(self):
        self._fill_main_flow()
        production = self._create_mo("short")
        with self.assertRaises(UserError):
            production.button_mark_done()
        self.assertEqual(production.state, "confirmed")

    def test_queued_order_cannot_record_produced_quantity(self):
        self._fill_main_flow()
        production = self._create_mo("short")
        with self.assertRaises(UserError):
            production.qty_producing = 1.0
            production.flush_recordset()
        production.invalidate_recordset()
        self.assertEqual(production.qty_producing, 0.0)

    def test_released_order_can_be_produced(self):
        production = self._create_mo("short")
        self.assertEqual(production.drs_state, "released")
        production.workorder_ids.button_start()
        production.workorder_ids.button_finish()
        production.button_mark_done()
        self.assertEqual(production.state, "done")

    def test_queue_position_follows_release_order(self):
        self._fill_main_flow()
        late = self._create_mo("short", deadline_days=9)
        early = self._create_mo("short", deadline_days=2)
        middle = self._create_mo("short", deadline_days=5)
        self.assertEqual(
            (early | middle | late).mapped("drs_queue_position"), [1, 2, 3]
        )
        released = self.Production.search(
            [("drs_flow_id", "=", self.flow_main.id), ("drs_state", "=", "released")]
        )
        self.assertEqual(set(released.mapped("drs_queue_position")), {0})

    def test_waiting_hours_count_time_in_queue(self):
        self._fill_main_flow()
        production = self._create_mo("short")
        production.drs_queue_date -= timedelta(hours=5)
        production.invalidate_recordset(["drs_waiting_hours"])
        self.assertAlmostEqual(production.drs_waiting_hours, 5.0, delta=0.05)

    def test_split_of_queued_order_keeps_queue_ticket(self):
        self._fill_main_flow()
        production = self._create_mo("short", qty=2.0)
        queue_date = production.drs_queue_date
        productions = production._split_productions({production: [1.0, 1.0]})
        self.assertEqual(len(productions), 2)
        self.assertEqual(set(productions.mapped("drs_state")), {"queued"})
        self.assertEqual(set(productions.mapped("drs_queue_date")), {queue_date})
        self.assertEqual(productions.drs_flow_id, self.flow_main)
        self.assertAlmostEqual(sum(productions.mapped("drs_wip_units")), 2.0)

    def test_quantity_change_updates_wip_units_of_queued_order(self):
        self._fill_main_flow()
        production = self._create_mo("short", qty=1.0)
        self.env["change.production.qty"].create(
            {"mo_id": production.id, "product_qty": 3.0}
        ).change_prod_qty()
        self.assertEqual(production.drs_state, "queued")
        self.assertAlmostEqual(production.drs_wip_units, 3.0)
