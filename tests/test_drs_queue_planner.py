# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import importlib.util
from datetime import datetime
from pathlib import Path

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import format_datetime, sql

from .common import DrsCommon


@tagged("post_install", "-at_install")
class TestDrsQueuePlanner(DrsCommon):
    """What the planner reads and does on the virtual queue: its release order,
    why an order waits and until when, bulk releases, and a queue that holds
    information, not material."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        warehouse.manu_type_id.reservation_method = "at_confirm"
        cls.env["stock.quant"]._update_available_quantity(
            cls.component, warehouse.lot_stock_id, 100.0
        )

    def _queue_three(self):
        """Fill the main flow (4 units of 4) and queue three short orders whose
        need dates put them in the order early, middle, late."""
        self._fill_main_flow()
        late = self._create_mo("short", deadline_days=9)
        early = self._create_mo("short", deadline_days=2)
        middle = self._create_mo("short", deadline_days=5)
        return early, middle, late

    def test_queue_reads_in_release_order(self):
        early, middle, late = self._queue_three()
        queue = self.Production.search(
            [("drs_flow_id", "=", self.flow_main.id), ("drs_state", "=", "queued")],
            order="drs_queue_position, id",
        )
        self.assertEqual(queue, early | middle | late)
        self.assertEqual(queue.mapped("drs_queue_position"), [1, 2, 3])

    def test_new_need_date_moves_order_in_queue(self):
        early, middle, late = self._queue_three()
        late.date_deadline = early.date_deadline.replace(
            year=early.date_deadline.year - 1
        )
        self.assertEqual(
            (late | early | middle).mapped("drs_queue_position"), [1, 2, 3]
        )

    def test_release_renumbers_the_queue(self):
        early, middle, late = self._queue_three()
        early.action_drs_force_release("customer emergency")
        self.assertFalse(early.drs_queue_position)
        self.assertEqual((middle | late).mapped("drs_queue_position"), [1, 2])

    def test_release_of_the_head_moves_the_offset_not_the_ranks(self):
        """The head leaving the queue adds one to the flow's offset: the ranks
        stored behind it stay as they are; an order entering ahead of all
        takes the offset back. Positions still read, sort and search 1, 2,
        3."""
        early, middle, late = self._queue_three()
        behind = middle | late
        ranks = behind.mapped("drs_queue_rank")
        early.action_drs_force_release("customer emergency")
        self.assertEqual(self.flow_main.drs_queue_offset, 1)
        self.assertEqual(behind.mapped("drs_queue_rank"), ranks)
        self.assertEqual(behind.mapped("drs_queue_position"), [1, 2])
        urgent = self._create_mo("short", deadline_days=1)
        self.assertEqual(self.flow_main.drs_queue_offset, 0)
        self.assertEqual(behind.mapped("drs_queue_rank"), ranks)
        self.assertEqual((urgent | behind).mapped("drs_queue_position"), [1, 2, 3])
        flow_queue = [
            ("drs_flow_id", "=", self.flow_main.id),
            ("drs_state", "=", "queued"),
        ]
        self.assertEqual(
            self.Production.search(flow_queue, order="drs_queue_position desc"),
            late | middle | urgent,
        )
        self.assertEqual(
            self.Production.search([*flow_queue, ("drs_queue_position", ">=", 2)]),
            behind,
        )

    def test_migration_keeps_the_stored_positions(self):
        """18.0.1.2.0's pre-migrate turns the positions 18.0.1.1.0 stored on
        the orders into ranks at a zero offset: the queue reads the same
        positions after it. The old schema is rebuilt in the test's
        transaction (PostgreSQL rolls the DDL back with it)."""
        early, middle, late = self._queue_three()
        early.action_drs_force_release("customer emergency")
        queue = middle | late
        self.env.flush_all()
        cr = self.env.cr
        # as 18.0.1.1.0 left them: positions 1, 2 stored, indexed, no offset
        cr.execute(
            "UPDATE mrp_production SET drs_queue_rank = drs_queue_rank - %s "
            "WHERE drs_flow_id = %s AND drs_queue_rank IS NOT NULL",
            [self.flow_main.drs_queue_offset, self.flow_main.id],
        )
        sql.rename_column(cr, "mrp_production", "drs_queue_rank", "drs_queue_position")
        cr.execute(
            "CREATE INDEX mrp_production__drs_queue_position_index ON mrp_production "
            "(drs_queue_position) WHERE drs_queue_position IS NOT NULL"
        )
        cr.execute("ALTER TABLE mrp_drs_flow DROP COLUMN drs_queue_offset")
        path = Path(__file__).parents[1] / "migrations/18.0.1.2.0/pre-migrate.py"
        spec = importlib.util.spec_from_file_location("mrp_drs_pre_migrate", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.migrate(cr, "18.0.1.1.0")
        self.assertFalse(
            sql.index_exists(cr, "mrp_production__drs_queue_position_index")
        )
        self.env.invalidate_all()
        self.assertEqual(self.flow_main.drs_queue_offset, 0)
        self.assertEqual(queue.mapped("drs_queue_rank"), [1, 2])
        self.assertEqual(queue.mapped("drs_queue_position"), [1, 2])
        self.assertFalse(early.drs_queue_position)

    def test_queue_views_sort_by_position(self):
        action = self.env.ref("mrp_drs.mrp_production_drs_queue_action")
        for view in action.view_ids.filtered(
            lambda v: v.view_mode in ("list", "kanban")
        ):
            arch = view.view_id.arch_db
            self.assertIn('default_order="drs_queue_position, id"', arch)

    @freeze_time("2030-01-07 09:00:00")
    def test_waiting_order_says_room_orders_ahead_and_expected_release(self):
        self.flow_main.write({"throughput": 0.5, "throughput_source": "history"})
        self._fill_main_flow()
        first = self._create_mo("short")
        second = self._create_mo("long")
        self.assertEqual((first | second).mapped("drs_state"), ["queued", "queued"])
        # WIP 4 = cap: the first needs 1 unit of room, the second 1 + 3
        self.assertAlmostEqual(first.drs_room_units, 1.0)
        self.assertAlmostEqual(second.drs_room_units, 4.0)
        self.assertEqual(second.drs_orders_ahead, 1)
        # at 0.5 units per working hour: 8 working hours of the flow's calendar
        now = datetime(2030, 1, 7, 9, 0)
        calendar = self.flow_main._drs_reference_calendar()
        expected = calendar.plan_hours(8.0, now, compute_leaves=True)
        self.assertEqual(second.drs_expected_release_date, expected)
        self.assertIn(
            "Waiting for 4.00 equivalent units of room; 1 order(s) ahead; expected "
            "release around " + format_datetime(self.env, expected, dt_format="short"),
            second.drs_release_forecast,
        )
        self.assertIn("(0.50 equivalent units/h)", second.drs_release_forecast)

    def test_released_order_has_no_forecast(self):
        production = self._create_mo("short")
        self.assertEqual(production.drs_state, "released")
        self.assertFalse(production.drs_release_forecast)
        self.assertFalse(production.drs_expected_release_date)

    def test_bulk_release_stops_at_the_cap(self):
        early, middle, late = self._queue_three()
        self._set_cap_without_release(self.flow_main, 5.0)
        action = (late | middle).action_drs_release_selection()
        # the selection is walked in queue order: middle fits, late does not
        self.assertEqual(middle.drs_state, "released")
        self.assertEqual(late.drs_state, "queued")
        self.assertEqual(early.drs_state, "queued", "not selected")
        self.assertIn("1 of 2 queued order(s) released", action["params"]["message"])
        self.assertEqual((early | late).mapped("drs_queue_position"), [1, 2])

    def test_bulk_force_release_logs_one_reason(self):
        early, middle, _late = self._queue_three()
        action = (early | middle).action_open_drs_force_release()
        wizard = (
            self.env["mrp.drs.force.release"]
            .with_context(**action["context"])
            .create({"reason": "line stop at the customer"})
        )
        wizard.action_force_release()
        self.assertEqual((early | middle).mapped("drs_state"), ["released"] * 2)
        self.assertIn("line stop at the customer", early.message_ids[0].body)

    def test_queued_order_reserves_nothing_until_released(self):
        self._fill_main_flow()
        queued = self._create_mo("short")
        self.assertEqual(queued.drs_state, "queued")
        self.assertEqual(queued.move_raw_ids.state, "confirmed")
        self.assertFalse(queued.move_raw_ids.quantity)
        queued.action_assign()
        self.assertFalse(queued.move_raw_ids.quantity, "check availability waits")
        self.flow_main.wip_cap = 5.0
        self.assertEqual(queued.drs_state, "released")
        self.assertEqual(queued.move_raw_ids.state, "assigned")
        self.assertAlmostEqual(queued.move_raw_ids.quantity, 1.0)

    def test_order_released_at_confirmation_reserves(self):
        production = self._create_mo("short")
        self.assertEqual(production.drs_state, "released")
        self.assertEqual(production.move_raw_ids.state, "assigned")

    def test_queued_order_is_not_planned(self):
        self._fill_main_flow()
        queued = self._create_mo("short")
        action = queued.button_plan()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertFalse(queued.is_planned)
        self.assertFalse(queued.workorder_ids.leave_id)
        with self.assertRaisesText(UserError, "hold no workcenter time"):
            queued._plan_workorders()
        self.flow_main.wip_cap = 5.0
        queued.button_plan()
        self.assertTrue(queued.is_planned)
