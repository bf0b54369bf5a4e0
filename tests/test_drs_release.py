# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools import SQL

from .common import DrsCommon


@tagged("post_install", "-at_install")
class TestDrsRelease(DrsCommon):
    def _queue_shorts(self, deadlines):
        """Fill the main flow, then queue one 1-unit order per deadline (days)."""
        blockers = self._fill_main_flow()
        queued = self.Production
        for days in deadlines:
            queued |= self._create_mo("short", deadline_days=days)
        self.assertEqual(set(queued.mapped("drs_state")), {"queued"})
        return blockers, queued

    def _free_capacity(self, units):
        """Raise the main flow's cap by ``units`` (the write releases the queue)."""
        self.flow_main.wip_cap += units

    def test_release_follows_earliest_need_date(self):
        _blockers, (late, early, middle) = self._queue_shorts([9, 2, 5])
        self._free_capacity(2)
        self.assertEqual(early.drs_state, "released")
        self.assertEqual(middle.drs_state, "released")
        self.assertEqual(late.drs_state, "queued")

    def test_release_in_fifo_order_when_configured(self):
        self.flow_main.release_order = "fifo"
        _blockers, (first, second, third) = self._queue_shorts([9, 2, 5])
        # same transaction, same timestamp: ties fall back on the order id
        self._free_capacity(2)
        self.assertEqual(
            (first | second | third).mapped("drs_state"),
            ["released", "released", "queued"],
        )

    def test_release_by_priority_then_need_date(self):
        self.flow_main.release_order = "priority"
        _blockers, (late_urgent, early, middle) = self._queue_shorts([9, 2, 5])
        late_urgent.priority = "1"
        self._free_capacity(2)
        self.assertEqual(late_urgent.drs_state, "released")
        self.assertEqual(early.drs_state, "released")
        self.assertEqual(middle.drs_state, "queued")

    def test_release_stops_at_cap_in_equivalent_units(self):
        long_order = self._create_mo("long", deadline_days=1)  # 3 units
        short_order = self._create_mo("short", deadline_days=2)  # 1 unit
        third = self._create_mo("short", deadline_days=3)
        self.assertEqual(long_order.drs_state, "released")
        self.assertEqual(short_order.drs_state, "released")
        self.assertEqual(third.drs_state, "queued")
        self.assertAlmostEqual(self.flow_main.wip, 4.0)
        self.assertLessEqual(self.flow_main.wip, self.flow_main.wip_cap)

    def test_release_does_not_skip_order_that_does_not_fit(self):
        self._fill_main_flow()
        long_order = self._create_mo("long", deadline_days=1)
        short_order = self._create_mo("short", deadline_days=2)
        self._free_capacity(2)  # 2 units free: the long order (3) does not fit
        self.assertEqual(long_order.drs_state, "queued")
        self.assertEqual(
            short_order.drs_state, "queued", "a later order must not overtake"
        )
        self._free_capacity(1)
        self.assertEqual(long_order.drs_state, "released")
        self.assertEqual(short_order.drs_state, "queued")

    def test_order_larger_than_cap_released_only_into_empty_flow(self):
        self.flow_main.wip_cap = 2.0
        first = self._create_mo("short", deadline_days=1)
        oversized = self._create_mo("long", deadline_days=2)  # 3 units > cap 2
        self.assertEqual(first.drs_state, "released")
        self.assertEqual(oversized.drs_state, "queued")
        first.workorder_ids.button_start()
        first.button_mark_done()
        self.assertEqual(oversized.drs_state, "released")
        self.assertAlmostEqual(self.flow_main.wip, 3.0)

    def test_done_order_releases_next_in_queue(self):
        short_order, _long_order = self._fill_main_flow()
        queued = self._create_mo("short")
        self.assertEqual(queued.drs_state, "queued")
        short_order.workorder_ids.button_start()
        short_order.button_mark_done()
        self.assertEqual(short_order.state, "done")
        self.assertEqual(queued.drs_state, "released")
        self.assertAlmostEqual(self.flow_main.wip, 4.0)

    def test_cancelled_order_releases_next_in_queue(self):
        _short_order, long_order = self._fill_main_flow()
        queued = self._create_mo("long")
        long_order.action_cancel()
        self.assertEqual(queued.drs_state, "released")

    def test_cancelled_queued_order_leaves_queue(self):
        self._fill_main_flow()
        queued = self._create_mo("short")
        queued.action_cancel()
        self.assertEqual(self.flow_main.queue_count, 0)
        self.assertEqual(queued.drs_queue_position, 0)

    def test_raising_cap_releases_queue(self):
        self._fill_main_flow()
        queued = self._create_mo("long")
        self.flow_main.wip_cap = 6.0
        self.assertEqual(queued.drs_state, "queued", "6 < 4 + 3")
        self.flow_main.wip_cap = 7.0
        self.assertEqual(queued.drs_state, "released")

    def test_cron_releases_queues_of_all_flows(self):
        self._fill_main_flow()
        queued = self._create_mo("short")
        # free capacity behind the ORM's back, as when an order is cancelled by
        # its stock moves
        self._set_cap_without_release(self.flow_main, 5.0)
        self.assertEqual(queued.drs_state, "queued")
        self.env["mrp.drs.flow"]._cron_release_from_queue()
        self.assertEqual(queued.drs_state, "released")

    def test_release_from_queue_returns_released_orders(self):
        self._fill_main_flow()
        queued = self._create_mo("short") | self._create_mo("short")
        self._set_cap_without_release(self.flow_main, 5.0)
        released = self.flow_main._release_from_queue()
        self.assertEqual(released, queued[0])
        self.assertEqual(self.flow_main._release_from_queue(), self.Production)

    def test_action_drs_release_refuses_when_cap_is_full(self):
        self._fill_main_flow()
        queued = self._create_mo("short")
        with self.assertRaisesText(UserError, "holds 4.00 of its 4.00"):
            queued.action_drs_release()
        self.assertEqual(queued.drs_state, "queued")
        self.assertFalse(queued.drs_release_date)

    def test_action_drs_release_releases_ahead_of_queue_when_it_fits(self):
        self._fill_main_flow()
        first = self._create_mo("long", deadline_days=1)
        second = self._create_mo("short", deadline_days=2)
        self._set_cap_without_release(self.flow_main, 5.0)
        second.action_drs_release()
        self.assertEqual(second.drs_state, "released")
        self.assertEqual(first.drs_state, "queued")

    def test_action_drs_release_refuses_order_outside_drs(self):
        production = self._create_mo("noop")
        self.assertFalse(production.drs_flow_id)
        self.assertFalse(production.drs_state)
        with self.assertRaisesText(UserError, "outside DRS"):
            production.action_drs_release()
        self.assertFalse(production.drs_state)

    def test_force_release_logs_reason_in_chatter(self):
        self._fill_main_flow()
        queued = self._create_mo("short")
        queued.action_drs_force_release("Customer line stop at ACME")
        self.assertEqual(queued.drs_state, "released")
        self.assertAlmostEqual(self.flow_main.wip, 5.0)
        self.assertIn("Customer line stop at ACME", queued.message_ids[0].body)
        self.assertIn("Customer line stop at ACME", self.flow_main.message_ids[0].body)
        self.assertIn(queued.name, self.flow_main.message_ids[0].body)

    def test_force_release_without_reason_is_refused(self):
        self._fill_main_flow()
        queued = self._create_mo("short")
        message_count = len(queued.message_ids)
        with self.assertRaises(UserError):
            queued.action_drs_force_release("   ")
        self.assertEqual(queued.drs_state, "queued")
        self.assertEqual(len(queued.message_ids), message_count)

    def test_force_release_wizard(self):
        self._fill_main_flow()
        queued = self._create_mo("short")
        action = queued.action_open_drs_force_release()
        wizard_form = Form(
            self.env[action["res_model"]].with_context(**action["context"])
        )
        self.assertIn("WIP 4.00 of cap 4.00", wizard_form.flow_summary)
        wizard_form.reason = "Prototype for the trade fair"
        wizard_form.save().action_force_release()
        self.assertEqual(queued.drs_state, "released")
        self.assertIn("Prototype for the trade fair", queued.message_ids[0].body)

    def test_non_bottleneck_loop_counts_stock_of_its_products(self):
        gear = self.products["gear"]
        stock = self.env.ref("stock.warehouse0").lot_stock_id
        self.env["stock.quant"]._update_available_quantity(gear, stock, 2.0)
        # 2 gears x 1 h / 1 h per unit = 2 units of the cap 3
        self.assertAlmostEqual(self.flow_nb.wip, 2.0)
        first = self._create_mo("gear", deadline_days=1)
        second = self._create_mo("gear", deadline_days=2)
        self.assertEqual(first.drs_state, "released")
        self.assertEqual(second.drs_state, "queued")
        # a bottleneck loop ignores the stock: the second order fits now
        self.flow_nb.loop_type = "bottleneck"
        self.assertEqual(second.drs_state, "released")
        self.assertAlmostEqual(self.flow_nb.wip, 2.0)

    def test_releasable_counts_add_stock_under_the_loop_type_asked(self):
        """The orders a cap would release (several flows in one call) count a
        flow's stock only when it is, or would become, a non-bottleneck
        loop."""
        stock = self.env.ref("stock.warehouse0").lot_stock_id
        for key in ("short", "gear"):
            self.env["stock.quant"]._update_available_quantity(
                self.products[key], stock, 2.0
            )
        # main flow: 4 units in process, 2 in stock, three 1-unit orders queued
        self._fill_main_flow()
        # non-bottleneck flow: 1 unit in process, 2 in stock, 3 orders queued
        self._create_mo("gear", deadline_days=1)
        queued = self.Production
        for days in (2, 3, 4):
            queued |= self._create_mo("short", deadline_days=days)
            queued |= self._create_mo("gear", deadline_days=days)
        self.assertEqual(set(queued.mapped("drs_state")), {"queued"})
        flows = self.flow_main | self.flow_nb
        main, other = self.flow_main.id, self.flow_nb.id
        caps = {main: 7.0, other: 5.0}
        for loop_types, expected in (
            ({}, {main: 3, other: 2}),
            ({main: "non_bottleneck"}, {main: 1, other: 2}),
            ({main: "non_bottleneck", other: "bottleneck"}, {main: 1, other: 3}),
        ):
            self.assertEqual(
                flows._drs_releasable_counts(caps, loop_types), expected, loop_types
            )

    def test_non_bottleneck_stock_ignores_products_of_other_flows(self):
        """A flow's stock units count the stock of its own products only: not
        that of bought products, of products of no flow or of another flow,
        even made with an operation at the flow (the one rule decides)."""
        # first BoM at the main flow, a second one at the non-bottleneck's
        twin = self.env["product.product"].create(
            {"name": "DRS test twin", "type": "consu", "is_storable": True}
        )
        self.env["mrp.bom"].create(
            [
                {
                    "product_tmpl_id": twin.product_tmpl_id.id,
                    "product_id": twin.id,
                    "product_qty": 1.0,
                    "sequence": sequence,
                    "operation_ids": [
                        Command.create(
                            {
                                "name": f"twin at {workcenter.name}",
                                "workcenter_id": workcenter.id,
                                "time_mode": "manual",
                                "time_cycle_manual": 60,
                            }
                        )
                    ],
                }
                for sequence, workcenter in ((1, self.wc_a), (2, self.wc_c))
            ]
        )
        # a bill of materials of the template, for every variant
        plain = self._storable_products(1)
        self.env["mrp.bom"].create(
            {
                "product_tmpl_id": plain.product_tmpl_id.id,
                "product_qty": 1.0,
                "operation_ids": [
                    Command.create(
                        {
                            "name": "plain at C",
                            "workcenter_id": self.wc_c.id,
                            "time_mode": "manual",
                            "time_cycle_manual": 60,
                        }
                    )
                ],
            }
        )
        on_hand = {
            plain: 4.0,
            self.products["gear"]: 2.0,
            self.products["mixed"]: 2.0,
            self.products["short"]: 5.0,
            self.products["long"]: 1.0,
            self.products["outside"]: 7.0,
            self.products["noop"]: 11.0,
            twin: 3.0,
            self.component: 13.0,
        }
        for product, qty in on_hand.items():
            self._put_in_stock(product, qty)
        units = (self.flow_main | self.flow_nb)._get_stock_units()
        # nb: 2 gears x 1 h + 2 mixed x 1.5 h (mixed also runs at wc_a)
        # + 4 plain x 1 h
        self.assertAlmostEqual(units[self.flow_nb.id], 9.0)
        # main: 5 shorts x 1 h + 1 long x 3 h + 3 twins x 1 h (first BoM)
        self.assertAlmostEqual(units[self.flow_main.id], 11.0)
        self.assertEqual(self.flow_nb._get_stock_units(), {self.flow_nb.id: 9.0})
        self.assertAlmostEqual(self.flow_nb.wip, 9.0)

    def test_flow_created_on_busy_line_counts_open_orders(self):
        calendar = self.env.ref("resource.resource_calendar_std")
        workcenter = self.env["mrp.workcenter"].create(
            {"name": "DRS test late joiner", "resource_calendar_id": calendar.id}
        )
        self.boms["outside"].operation_ids.workcenter_id = workcenter
        open_order = self._create_mo("outside")
        draft_order = self._create_mo("outside", confirm=False)
        self.assertFalse(open_order.drs_state)
        flow = self.env["mrp.drs.flow"].create(
            {
                "name": "DRS test late flow",
                "workcenter_ids": [Command.set(workcenter.ids)],
                "wip_cap": 1.0,
            }
        )
        self.assertEqual(open_order.drs_flow_id, flow)
        self.assertEqual(open_order.drs_state, "released")
        self.assertAlmostEqual(flow.wip, 1.0)
        self.assertEqual(draft_order.drs_flow_id, flow)
        self.assertFalse(draft_order.drs_state)
        draft_order.action_confirm()
        self.assertEqual(draft_order.drs_state, "queued")

    def test_backorder_of_released_order_stays_released(self):
        production = self._create_mo("short", qty=2.0)
        production.workorder_ids.button_start()
        production.qty_producing = 1.0
        action = production.button_mark_done()
        backorder_wizard = Form(
            self.env[action["res_model"]].with_context(**action["context"])
        )
        backorder_wizard.save().action_backorder()
        backorder = production.procurement_group_id.mrp_production_ids - production
        self.assertEqual(production.state, "done")
        self.assertEqual(backorder.drs_state, "released")
        self.assertEqual(backorder.drs_flow_id, self.flow_main)
        self.assertAlmostEqual(backorder.drs_wip_units, 1.0)
        self.assertAlmostEqual(self.flow_main.wip, 1.0)

    def test_waiting_time_of_released_order_is_frozen(self):
        self._fill_main_flow()
        queued = self._create_mo("short")
        queued.drs_queue_date -= timedelta(hours=3)
        self._free_capacity(1)
        self.assertEqual(queued.drs_state, "released")
        self.assertAlmostEqual(queued.drs_waiting_hours, 3.0, delta=0.05)

    def test_release_now_button_reports_released_orders(self):
        self._fill_main_flow()
        queued = self._create_mo("short")
        self._set_cap_without_release(self.flow_main, 5.0)
        action = self.flow_main.action_release_now()
        self.assertEqual(queued.drs_state, "released")
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("1 manufacturing order", action["params"]["message"])


@tagged("post_install", "-at_install")
class TestDrsReleaseQueryCount(DrsCommon):
    def _finish_and_count_release(self, production):
        """Mark ``production`` done behind the ORM's back, then release its flow
        as ``button_mark_done`` does; return the number of SQL queries of the
        release, from cold ORM caches."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL("UPDATE mrp_production SET state = 'done' WHERE id = %s", production.id)
        )
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        production._drs_release_freed_flows()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_one_release_costs_the_same_queries_for_5_or_50_queued(self):
        """Releasing the next order of a queue of 5 and of a queue of 50 takes
        the same number of queries: the release does not walk the queue row by
        row, whatever its length."""
        blockers = self._fill_main_flow()
        first, second, third = (
            self._create_mo("short", deadline_days=days) for days in (1, 2, 3)
        )
        tail = self._create_mo("short", deadline_days=9)
        self._queue_copies(tail, 2)
        self.assertEqual(self.flow_main.queue_count, 6)
        # warm-up: the first release of the test fills Odoo's ormcaches
        self._finish_and_count_release(blockers[0])
        self.assertEqual(first.drs_state, "released")
        self.assertEqual(self.flow_main.queue_count, 5)
        with_5 = self._finish_and_count_release(first)
        self.assertEqual(second.drs_state, "released")
        self._queue_copies(tail, 46, first=3)
        self.assertEqual(self.flow_main.queue_count, 50)
        with_50 = self._finish_and_count_release(second)
        self.assertEqual(third.drs_state, "released")
        self.assertEqual(self.flow_main.queue_count, 49)
        self.assertEqual(third.drs_queue_position, False)
        self.assertEqual(tail.drs_queue_position, 1)
        self.assertEqual(with_5, with_50)

    def test_non_bottleneck_release_costs_the_same_queries_for_2_or_42_stocked(self):
        """Releasing the next order of a non-bottleneck flow takes the same
        number of queries with 2 or 42 of its products in stock and 2 or 42
        stocked products outside it: the stock is read set-wise, for the
        flow's own products."""
        made = self._storable_products(42, self.wc_c)
        bought = self._storable_products(42)
        self._put_in_stock(made[:2] | bought[:2])
        # 2 stocked units + 3 gears fill the cap
        self._set_cap_without_release(self.flow_nb, 5.0)
        blockers = self.Production.concat(
            *(self._create_mo("gear", deadline_days=1) for _index in range(3))
        )
        first, second, third, tail = (
            self._create_mo("gear", deadline_days=days) for days in (2, 3, 4, 9)
        )
        self.assertEqual(set(blockers.mapped("drs_state")), {"released"})
        self.assertEqual(self.flow_nb.queue_count, 4)
        # warm-up: the first release of the test fills Odoo's ormcaches
        self._finish_and_count_release(blockers[0])
        self.assertEqual(first.drs_state, "released")
        with_2 = self._finish_and_count_release(first)
        self.assertEqual(second.drs_state, "released")
        self._put_in_stock(made[2:] | bought[2:])
        self._set_cap_without_release(self.flow_nb, 45.0)
        self.assertAlmostEqual(self.flow_nb.wip, 45.0)
        with_42 = self._finish_and_count_release(second)
        self.assertEqual(third.drs_state, "released")
        self.assertEqual(tail.drs_state, "queued")
        self.assertAlmostEqual(self.flow_nb.wip, 45.0)
        self.assertEqual(with_2, with_42)
