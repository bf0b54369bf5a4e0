# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One model of a flow: every DRS figure comes from the flow's line
(``mrp.drs.flow._drs_flow_lines``), its current state and the one rule that
assigns work to flows; planned lead times and quotes agree; signals and make-up
follow the queue. On the plant of ``DrsCommon`` and with a 600-order backlog."""

from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.mrp_drs.engine import duedate, flowline
from odoo.addons.mrp_drs.models import mrp_bom

from .common import DrsCommon


@tagged("post_install", "-at_install")
class TestDrsFlowModel(DrsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.drs_service_level = 0.9
        cls.Quote = cls.env["mrp.drs.due.date.quote"]

    def _recompute(self):
        self.now = fields.Datetime.now()
        self.env["mrp.workcenter"].sudo()._drs_compute_lead_times(now=self.now)

    def _backlog(self, count=600):
        """Flow main at its cap with ``count`` one-unit orders queued."""
        self._fill_main_flow()
        queued = self._create_mo("short")
        self._queue_copies(queued, count - 1)
        self.assertEqual(self.flow_main.queue_count, count)
        self.assertAlmostEqual(self.flow_main.queue_units, float(count))

    def _quote_typical_lot(self, key):
        bom = self.boms[key]
        return self.Quote._drs_prepare_quote(
            self.products[key],
            bom.product_qty,
            service_level=self.company.drs_service_level * 100.0,
            now=self.now,
        )

    def _assert_quote_matches_planning(self, key):
        """The invariant: for a product of a flow, the quote for one typical
        lot (the BoM quantity) behind the current queue at the company's
        service level and the BoM's planned lead time agree within 10 %."""
        bom = self.boms[key]
        quote = self._quote_typical_lot(key)
        self.assertEqual(quote["flow_id"], bom.drs_flow_id.id)
        self.assertAlmostEqual(
            quote["quoted_hours"],
            bom.drs_lead_time_hours,
            delta=0.1 * bom.drs_lead_time_hours,
        )
        self.assertAlmostEqual(
            quote["virtual_queue_hours"], bom.drs_virtual_queue_hours, places=6
        )
        return quote

    def test_one_rule_assigns_orders_products_and_boms(self):
        """A product with equal time in two flows belongs to the lowest flow id,
        as order, as product (quotes, stock units) and as BoM."""
        product = self.env["product.product"].create(
            {"name": "DRS tie", "type": "consu", "is_storable": True}
        )
        bom = self.env["mrp.bom"].create(
            {
                "product_tmpl_id": product.product_tmpl_id.id,
                "product_id": product.id,
                "product_qty": 1.0,
                "operation_ids": [
                    Command.create(
                        {
                            "name": f"tie at {workcenter.name}",
                            "workcenter_id": workcenter.id,
                            "time_mode": "manual",
                            "time_cycle_manual": 60,
                        }
                    )
                    for workcenter in (self.wc_c, self.wc_a)
                ],
            }
        )
        first = min(self.flow_main, self.flow_nb, key=lambda flow: flow.id)
        production = self.Production.create(
            {"product_id": product.id, "bom_id": bom.id, "product_qty": 1.0}
        )
        self.assertEqual(production.drs_flow_id, first)
        hours = (self.flow_main | self.flow_nb)._get_product_work_hours()
        self.assertEqual(hours[first.id][product.id], 1.0)
        self._recompute()
        self.assertEqual(bom.drs_flow_id, first)

    def test_efficiency_and_capacity_counted_once_everywhere(self):
        """Efficiency 50 % and capacity 2 are already in Odoo's expected
        durations (2 units per 60-min cycle at half speed: 1 h per unit): the
        line has 1 h per unit and one server, and the curve, the throughput
        estimate, the quote and the BoM all use that one line."""
        workcenter = self.env["mrp.workcenter"].create(
            {
                "name": "DRS slow twin",
                "resource_calendar_id": self.wc_a.resource_calendar_id.id,
                "default_capacity": 2.0,
                "time_efficiency": 50.0,
            }
        )
        product = self.env["product.product"].create(
            {"name": "DRS twin part", "type": "consu", "is_storable": True}
        )
        bom = self.env["mrp.bom"].create(
            {
                "product_tmpl_id": product.product_tmpl_id.id,
                "product_id": product.id,
                "product_qty": 2.0,
                "operation_ids": [
                    Command.create(
                        {
                            "name": "twin",
                            "workcenter_id": workcenter.id,
                            "time_mode": "manual",
                            "time_cycle_manual": 60,
                        }
                    )
                ],
            }
        )
        flow = self.env["mrp.drs.flow"].create(
            {"name": "DRS twin", "workcenter_ids": [Command.set(workcenter.ids)]}
        )
        flow.action_compute_standard_work()
        self.assertAlmostEqual(flow.standard_work_hours, 1.0)
        self.now = fields.Datetime.now()
        line = flow._drs_flow_lines(self.now)[flow.id].line
        self.assertEqual(list(line.te), [1.0])
        self.assertEqual(list(line.servers), [1])
        self.assertAlmostEqual(line.bottleneck_rate, 1.0)
        estimate = flow._drs_estimate_throughput(self.now)[flow.id][0]
        expected, _ct = flowline.FlowLine([1.0]).practical_worst_case(flow.wip_cap)
        self.assertAlmostEqual(estimate, float(expected))
        curve = self.env["mrp.drs.flow.curve"]._drs_refresh(flow, now=self.now)
        at_cap = curve.filtered(lambda point: point.case == "flow" and point.at_cap)
        self.assertAlmostEqual(at_cap.throughput, 1.0)  # one server of 1 unit/h
        best = curve.filtered(lambda point: point.case == "best" and point.wip == 1)
        self.assertAlmostEqual(best.cycle_time, 1.0)
        self._recompute()
        quote = self._quote_bom(product, bom)
        self.assertAlmostEqual(quote["throughput"], estimate)
        self.assertAlmostEqual(quote["order_units"], 2.0)
        self.assertEqual(bom.drs_lead_time_status, "ok")
        self.assertAlmostEqual(bom.drs_lead_time_hours, quote["quoted_hours"], 6)
        self.assertAlmostEqual(
            quote["quoted_hours"],
            duedate.quote_lead_time(0.0, estimate, 1.0, 0.9, order_units=2.0),
        )

    def test_product_work_hours_are_odoo_expected_durations(self):
        """The hours per unit of a flow's products are Odoo's own expected
        durations (``_get_duration_expected`` of the BoM quantity at the
        flow's workcenters, over the BoM quantity in the product's unit):
        setup and cleanup, a product-specific capacity, 80 % efficiency, a
        BoM in dozens, a template BoM shared by two variants, and an
        operation outside the flow left out."""
        workcenter = self.env["mrp.workcenter"].create(
            {
                "name": "DRS odd press",
                "resource_calendar_id": self.wc_a.resource_calendar_id.id,
                "default_capacity": 3.0,
                "time_efficiency": 80.0,
                "time_start": 6.0,
                "time_stop": 4.0,
            }
        )
        flow = self.env["mrp.drs.flow"].create(
            {"name": "DRS odd", "workcenter_ids": [Command.set(workcenter.ids)]}
        )
        plain, special = self.env["product.product"].create(
            [
                {"name": "DRS odd plain", "is_storable": True},
                {"name": "DRS odd special", "is_storable": True},
            ]
        )
        self.env["mrp.workcenter.capacity"].create(
            {
                "workcenter_id": workcenter.id,
                "product_id": special.id,
                "capacity": 5.0,
                "time_start": 1.0,
                "time_stop": 2.0,
            }
        )
        colour = self.env["product.attribute"].create(
            {
                "name": "DRS odd colour",
                "value_ids": [Command.create({"name": n}) for n in ("red", "blue")],
            }
        )
        template = self.env["product.template"].create(
            {
                "name": "DRS odd variant",
                "is_storable": True,
                "attribute_line_ids": [
                    Command.create(
                        {
                            "attribute_id": colour.id,
                            "value_ids": [Command.set(colour.value_ids.ids)],
                        }
                    )
                ],
            }
        )
        operations = [
            Command.create(
                {
                    "name": "press",
                    "workcenter_id": workcenter.id,
                    "time_mode": "manual",
                    "time_cycle_manual": 25.0,
                }
            ),
            Command.create(
                {
                    "name": "pack",
                    "workcenter_id": self.wc_out.id,
                    "time_mode": "manual",
                    "time_cycle_manual": 5.0,
                }
            ),
        ]
        dozen = self.env.ref("uom.product_uom_dozen")
        boms = self.env["mrp.bom"].create(
            [
                {
                    "product_tmpl_id": plain.product_tmpl_id.id,
                    "product_id": plain.id,
                    "product_qty": 7.0,
                    "operation_ids": operations,
                },
                {
                    "product_tmpl_id": special.product_tmpl_id.id,
                    "product_id": special.id,
                    "product_qty": 1.0,
                    "product_uom_id": dozen.id,
                    "operation_ids": operations,
                },
                {
                    "product_tmpl_id": template.id,
                    "product_qty": 4.0,
                    "operation_ids": operations,
                },
            ]
        )
        hours = flow._get_product_work_hours()[flow.id]
        expected = {}
        for bom in boms:
            press = bom.operation_ids.filtered(
                lambda op: op.workcenter_id == workcenter
            )
            for product in bom.product_id or template.product_variant_ids:
                quantity = bom.product_uom_id._compute_quantity(
                    bom.product_qty, product.uom_id
                )
                minutes = press._get_duration_expected(
                    bom.product_id or template, bom.product_qty
                )
                expected[product.id] = minutes / 60.0 / quantity
        self.assertEqual(set(hours), set(expected))
        self.assertEqual(len(expected), 4)
        for product_id, value in expected.items():
            self.assertAlmostEqual(hours[product_id], value, places=9)
        # 7 units at capacity 3: 3 cycles of 25 min at 80 %, plus 10 min setup
        self.assertAlmostEqual(hours[plain.id], (10 + 3 * 25 / 0.8) / 60 / 7)
        # 12 units at capacity 5: 3 cycles, plus its own 3 min setup
        self.assertAlmostEqual(hours[special.id], (3 + 3 * 25 / 0.8) / 60 / 12)
        # only the products asked for (a flow's stock reads the stocked ones)
        some = flow._get_product_work_hours({plain.id, special.id})[flow.id]
        self.assertEqual(some, {pid: hours[pid] for pid in (plain.id, special.id)})
        # beyond PROBE_LIMIT products, their BoMs are found from the
        # operations at the flows instead of product by product: same hours
        with patch.object(mrp_bom, "PROBE_LIMIT", 0):
            scanned = flow._get_product_work_hours()[flow.id]
        self.assertEqual(set(scanned), set(hours))
        for product_id, value in hours.items():
            self.assertAlmostEqual(scanned[product_id], value, places=12)

    def _quote_bom(self, product, bom):
        return self.Quote._drs_prepare_quote(
            product, bom.product_qty, service_level=90.0, now=self.now
        )

    def test_pacemaker_is_the_line_bottleneck(self):
        self._create_mo("long")  # 60 min at wc_a, 120 min at wc_b
        model = self.flow_main._drs_flow_lines(fields.Datetime.now())[self.flow_main.id]
        self.assertEqual(model.bottleneck, self.wc_b.id)

    def test_quote_and_planned_lead_time_agree_on_demo_plant(self):
        self._fill_main_flow()
        self._create_mo("short", qty=2.0)
        self._create_mo("long")
        self._recompute()
        for key in ("short", "long"):
            bom = self.boms[key]
            self.assertEqual(bom.drs_lead_time_status, "ok")
            self.assertAlmostEqual(bom.drs_lead_time_queue_units, 5.0)
            quote = self._assert_quote_matches_planning(key)
            self.assertGreater(quote["virtual_queue_hours"], 0.0)
        self.assertIn("90.0 %", self.boms["short"].drs_lead_time_note)
        # the queue moves on: the BoM says its basis is stale
        self._create_mo("short", qty=3.0)
        self.flow_main.invalidate_recordset(["queue_units"])
        self.boms["short"].invalidate_recordset(["drs_lead_time_note"])
        self.assertIn("queue has changed", self.boms["short"].drs_lead_time_note)

    def test_backlog_of_600_orders(self):
        """617 queued orders made every workcenter 'Overloaded' and every BoM
        fall back to a fixed lead time of 0 days. Queued orders are now
        virtual-queue load: stations stay computable, the BoM gets the time to
        clear the backlog with a red status, quotes agree with it, and the
        flow asks to re-optimise."""
        self._backlog(600)
        self._recompute()
        self.assertEqual(self.wc_a.drs_lead_time_status, "ok")
        self.assertLess(self.wc_a.drs_utilization, 1.0)
        self.assertAlmostEqual(self.wc_a.drs_load_hours, 2.0)  # released work only
        bom = self.boms["short"]
        self.assertEqual(bom.drs_lead_time_status, "backlog")
        throughput = self.flow_main._drs_state_now(self.now)[self.flow_main.id][
            "throughput"
        ]
        self.assertAlmostEqual(bom.drs_virtual_queue_hours, 600.0 / throughput)
        self.assertGreater(bom._drs_planned_lead_days(), 600.0 / throughput / 24.0)
        self._assert_quote_matches_planning("short")
        self.flow_main._drs_run_recourse(now=self.now)
        self.assertIn(self.flow_main.capacity_signal, ("insufficient", "reoptimize"))

    def test_queue_above_threshold_is_makeup_not_ok(self):
        self.flow_main.write({"makeup_threshold_auto": False, "makeup_threshold": 1.0})
        self._fill_main_flow()
        self._create_mo("short", qty=2.0)
        shifts = self.flow_main._drs_run_recourse(now=fields.Datetime.now())
        self.assertEqual(self.flow_main.capacity_signal, "makeup")
        needed = duedate.makeup_hours(2.0, 1.0, self.flow_main.throughput)
        self.assertAlmostEqual(shifts.hours, needed, delta=0.01)

    def test_backlog_makeup_capped_and_insufficient(self):
        """Make-up covers the excess queue up to the maximum per period; the
        rest moves quotes out and raises the re-optimise signal."""
        self.flow_main.write(
            {
                "makeup_threshold_auto": False,
                "makeup_threshold": 10.0,
                "makeup_shifts_max": 2,
                "makeup_hours_per_shift": 4.0,
            }
        )
        self.assertAlmostEqual(self.flow_main.makeup_hours_max, 8.0)
        self._backlog(600)
        self.now = fields.Datetime.now()
        before = self._quote_typical_lot("short")
        shifts = self.flow_main._drs_run_recourse(now=self.now)
        self.assertAlmostEqual(shifts.hours, 8.0)
        self.assertGreater(self.flow_main.makeup_required_hours, 8.0)
        self.assertEqual(self.flow_main.capacity_signal, "insufficient")
        after = self._quote_typical_lot("short")
        self.assertAlmostEqual(after["makeup_units"], 8.0 * self.flow_main.throughput)
        # the authorised make-up shortens the quote by its work only; what it
        # cannot cover stays in the quote
        self.assertLess(after["quoted_hours"], before["quoted_hours"])
        self.assertGreater(
            after["virtual_queue_hours"],
            (600.0 - 10.0) / self.flow_main.throughput - 8.0 - 1e-6,
        )
