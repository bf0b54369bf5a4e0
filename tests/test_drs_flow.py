# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import DrsCommon


@tagged("post_install", "-at_install")
class TestDrsFlow(DrsCommon):
    def _flow_count(self):
        return self.env["mrp.drs.flow"].with_context(active_test=False).search_count([])

    def test_flow_without_workcenter_is_refused(self):
        count = self._flow_count()
        with self.assertRaisesText(ValidationError, "has no workcenter"):
            self.env["mrp.drs.flow"].create({"name": "Empty loop", "wip_cap": 5.0})
        self.assertEqual(self._flow_count(), count)

    def test_removing_last_workcenter_is_refused(self):
        with self.assertRaisesText(ValidationError, "has no workcenter"):
            self.flow_nb.workcenter_ids = [Command.clear()]
        self.assertEqual(self.flow_nb.workcenter_ids, self.wc_c)

    def test_zero_or_negative_cap_is_refused(self):
        count = self._flow_count()
        for cap in (0.0, -2.0):
            with self.assertRaisesText(ValidationError, "must be positive"):
                self.env["mrp.drs.flow"].create(
                    {
                        "name": "Bad cap",
                        "wip_cap": cap,
                        "workcenter_ids": [Command.set(self.wc_out.ids)],
                    }
                )
        self.assertEqual(self._flow_count(), count)
        with self.assertRaises(ValidationError):
            self.flow_main.wip_cap = 0.0
        self.assertEqual(self.flow_main.wip_cap, 4.0)

    def test_non_positive_standard_work_is_refused(self):
        with self.assertRaisesText(ValidationError, "standard work content"):
            self.flow_main.standard_work_hours = 0.0
        self.assertEqual(self.flow_main.standard_work_hours, 1.0)

    def test_workcenter_in_two_active_flows_is_refused(self):
        count = self._flow_count()
        with self.assertRaisesText(
            ValidationError,
            "DRS test A cannot be in both flows Second loop and DRS test main",
        ):
            self.env["mrp.drs.flow"].create(
                {
                    "name": "Second loop",
                    "workcenter_ids": [Command.set((self.wc_a | self.wc_out).ids)],
                }
            )
        self.assertEqual(self._flow_count(), count)
        self.assertEqual(self.wc_a.drs_flow_id, self.flow_main)
        self.assertFalse(self.wc_out.drs_flow_id)

    def test_adding_workcenter_of_other_flow_is_refused(self):
        with self.assertRaises(ValidationError):
            self.flow_nb.workcenter_ids = [Command.link(self.wc_b.id)]
        self.assertEqual(self.flow_nb.workcenter_ids, self.wc_c)

    def test_archived_flow_frees_its_workcenters(self):
        self.flow_nb.active = False
        self.assertFalse(self.wc_c.drs_flow_id)
        new_flow = self.env["mrp.drs.flow"].create(
            {"name": "New C loop", "workcenter_ids": [Command.set(self.wc_c.ids)]}
        )
        self.assertEqual(self.wc_c.drs_flow_id, new_flow)
        with self.assertRaises(ValidationError):
            self.flow_nb.active = True

    def test_archiving_flow_with_queued_orders_is_refused(self):
        self._fill_main_flow()
        self._create_mo("short")
        with self.assertRaisesText(UserError, "still has 1 queued"):
            self.flow_main.action_archive()
        self.assertTrue(self.flow_main.active)

    def test_deleting_flow_with_orders_is_refused(self):
        self._create_mo("short")
        with self.assertRaisesText(UserError, "archive it instead"):
            self.flow_main.unlink()
        self.assertTrue(self.flow_main.exists())

    def test_workcenter_shows_its_flow(self):
        self.assertEqual(self.wc_a.drs_flow_id, self.flow_main)
        self.assertEqual(self.wc_b.drs_flow_id, self.flow_main)
        self.assertEqual(self.wc_c.drs_flow_id, self.flow_nb)
        self.assertFalse(self.wc_out.drs_flow_id)

    def test_compute_standard_work_is_mean_hours_per_unit(self):
        self.flow_main.action_compute_standard_work()
        # short 1 h, long 3 h; "mixed" belongs to the non-bottleneck flow
        self.assertAlmostEqual(self.flow_main.standard_work_hours, 2.0)
        self.flow_nb.action_compute_standard_work()
        # gear 1 h, mixed 1.5 h at wc_c
        self.assertAlmostEqual(self.flow_nb.standard_work_hours, 1.25)

    def test_compute_standard_work_without_boms_is_refused(self):
        flow = self.env["mrp.drs.flow"].create(
            {"name": "Idle loop", "workcenter_ids": [Command.set(self.wc_out.ids)]}
        )
        self.boms["outside"].operation_ids.workcenter_id = self.wc_b
        with self.assertRaisesText(UserError, "no bill of materials"):
            flow.action_compute_standard_work()
        self.assertEqual(flow.standard_work_hours, 1.0)

    def test_flow_form_shows_wip_against_cap(self):
        self._create_mo("long")
        self.assertAlmostEqual(self.flow_main.wip_ratio, 75.0)
        with Form(self.flow_main) as form:
            self.assertAlmostEqual(form.wip, 3.0)
            self.assertEqual(form.released_count, 1)
            form.wip_cap = 6.0
        self.assertAlmostEqual(self.flow_main.wip_ratio, 50.0)
