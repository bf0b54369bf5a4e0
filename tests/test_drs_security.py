# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import DrsCommon


@tagged("post_install", "-at_install")
class TestDrsSecurity(DrsCommon):
    """Who may do what. Plain manufacturing users do not see flows (DRS
    configuration is for DRS users), but their orders still go through the queue."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mrp_user = new_test_user(
            cls.env, "drs_mrp_user", groups="base.group_user,mrp.group_mrp_user"
        )
        cls.drs_user = new_test_user(
            cls.env, "drs_user", groups="base.group_user,mrp_drs.group_drs_user"
        )
        cls.drs_planner = new_test_user(
            cls.env, "drs_planner", groups="base.group_user,mrp_drs.group_drs_planner"
        )

    def test_drs_user_reads_flows_but_cannot_change_them(self):
        flow = self.flow_main.with_user(self.drs_user)
        self.assertEqual(flow.name, "DRS test main")
        self.assertAlmostEqual(flow.wip, 0.0)
        with self.assertRaises(AccessError):
            flow.wip_cap = 10.0
        with self.assertRaises(AccessError):
            self.env["mrp.drs.flow"].with_user(self.drs_user).create(
                {"name": "Mine", "workcenter_ids": [Command.set(self.wc_out.ids)]}
            )
        self.assertEqual(self.flow_main.wip_cap, 4.0)

    def test_drs_user_cannot_release_or_force(self):
        self._fill_main_flow()
        queued = self._create_mo("short").with_user(self.drs_user)
        with self.assertRaisesText(AccessError, "Only DRS planners"):
            queued.action_drs_release()
        with self.assertRaises(AccessError):
            queued.action_drs_force_release("I want it")
        with self.assertRaises(AccessError):
            queued.action_open_drs_force_release()
        self.assertEqual(queued.drs_state, "queued")

    def test_planner_configures_flows_and_forces_release(self):
        self._fill_main_flow()
        queued = self._create_mo("short")
        flow = self.flow_main.with_user(self.drs_planner)
        flow.wip_cap = 5.0
        self.assertEqual(queued.drs_state, "released")
        blocked = self._create_mo("short").with_user(self.drs_planner)
        blocked.action_drs_force_release("Rush order")
        self.assertEqual(blocked.drs_state, "released")
        self.assertEqual(blocked.message_ids[0].author_id, self.drs_planner.partner_id)

    def test_mrp_user_without_drs_group_cannot_read_flows(self):
        with self.assertRaises(AccessError):
            self.flow_main.with_user(self.mrp_user).read(["name"])

    def test_mrp_user_orders_go_through_queue(self):
        self._fill_main_flow()
        production = (
            self.env["mrp.production"]
            .with_user(self.mrp_user)
            .create(
                {
                    "product_id": self.products["short"].id,
                    "bom_id": self.boms["short"].id,
                    "product_qty": 1.0,
                }
            )
        )
        production.action_confirm()
        self.assertEqual(production.drs_state, "queued")
        self.assertEqual(production.drs_flow_id, self.flow_main)
        production.invalidate_recordset()
        # the form reads the flow's name even without access to flows
        data = production.web_read({"drs_flow_id": {"fields": {"display_name": {}}}})
        self.assertEqual(data[0]["drs_flow_id"]["display_name"], "DRS test main")

    def test_flows_of_other_companies_are_hidden(self):
        other_company = self.env["res.company"].create({"name": "DRS other company"})
        calendar = self.env["resource.calendar"].create(
            {"name": "Other calendar", "company_id": other_company.id}
        )
        workcenter = self.env["mrp.workcenter"].create(
            {
                "name": "Other company station",
                "company_id": other_company.id,
                "resource_calendar_id": calendar.id,
            }
        )
        other_flow = self.env["mrp.drs.flow"].create(
            {
                "name": "Other company loop",
                "company_id": other_company.id,
                "workcenter_ids": [Command.set(workcenter.ids)],
            }
        )
        Flow = self.env["mrp.drs.flow"].with_user(self.drs_planner)
        self.assertNotIn(other_flow, Flow.search([]))
        self.assertIn(self.flow_main, Flow.search([]))
        self.drs_planner.company_ids = [Command.link(other_company.id)]
        self.assertIn(
            other_flow,
            Flow.with_context(
                allowed_company_ids=[self.env.company.id, other_company.id]
            ).search([]),
        )

    def test_flow_refuses_workcenter_of_other_company(self):
        other_company = self.env["res.company"].create({"name": "DRS other company"})
        calendar = self.env["resource.calendar"].create(
            {"name": "Other calendar", "company_id": other_company.id}
        )
        workcenter = self.env["mrp.workcenter"].create(
            {
                "name": "Other company station",
                "company_id": other_company.id,
                "resource_calendar_id": calendar.id,
            }
        )
        with self.assertRaises(UserError) as caught:
            self.env["mrp.drs.flow"].create(
                {"name": "Mixed loop", "workcenter_ids": [Command.set(workcenter.ids)]}
            )
        self.assertIn("compan", str(caught.exception).lower())

    def test_drs_user_opens_virtual_queue(self):
        self._fill_main_flow()
        queued = self._create_mo("short", deadline_days=1)
        action = self.env.ref("mrp_drs.mrp_production_drs_queue_action")
        Production = self.env["mrp.production"].with_user(self.drs_user)
        views = Production.get_views(
            [(view.view_id.id, view.view_mode) for view in action.view_ids]
        )
        self.assertEqual(set(views["views"]), {"kanban", "list", "form"})
        records = Production.web_search_read(
            [*safe_eval(action.domain), ("drs_flow_id", "=", self.flow_main.id)],
            {
                "drs_queue_position": {},
                "drs_waiting_hours": {},
                "drs_flow_id": {"fields": {"display_name": {}}},
            },
        )["records"]
        self.assertEqual([r["id"] for r in records], queued.ids)
        self.assertEqual(records[0]["drs_queue_position"], 1)
        self.assertEqual(records[0]["drs_flow_id"]["display_name"], "DRS test main")
