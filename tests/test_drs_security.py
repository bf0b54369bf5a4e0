# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
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


@tagged("post_install", "-at_install")
class TestDrsRights(DrsCommon):
    """What each group may do, tried through the ORM as an RPC client would:
    ``create`` / ``write`` / method calls as the restricted users."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mrp_user = new_test_user(
            cls.env, "drs_r_mrp_user", groups="base.group_user,mrp.group_mrp_user"
        )
        cls.drs_user = new_test_user(
            cls.env, "drs_r_user", groups="base.group_user,mrp_drs.group_drs_user"
        )
        cls.planner = new_test_user(
            cls.env,
            "drs_r_planner",
            groups="base.group_user,mrp_drs.group_drs_planner",
        )
        cls.Run = cls.env["mrp.drs.optimization.run"]
        cls.Line = cls.env["mrp.drs.optimization.line"]

    @classmethod
    def _other_company_flow(cls):
        company = cls.env["res.company"].create({"name": "DRS rival company"})
        calendar = cls.env["resource.calendar"].create(
            {"name": "Rival calendar", "company_id": company.id}
        )
        workcenter = cls.env["mrp.workcenter"].create(
            {
                "name": "Rival station",
                "company_id": company.id,
                "resource_calendar_id": calendar.id,
            }
        )
        flow = cls.env["mrp.drs.flow"].create(
            {
                "name": "Rival loop",
                "company_id": company.id,
                "wip_cap": 10.0,
                "workcenter_ids": [Command.set(workcenter.ids)],
            }
        )
        return company, flow

    def _cap_run(self, flow=None, new_cap=10.0):
        """A computed run (as the optimiser writes it) proposing ``new_cap``
        for ``flow``."""
        flow = flow or self.flow_main
        run = self.Run.create({"name": "Caps"})
        self.Line.create(
            {
                "run_id": run.id,
                "kind": "wip_cap",
                "field_name": "wip_cap",
                "flow_id": flow.id,
                "old_value": flow.wip_cap,
                "new_value": new_cap,
            }
        )
        run.write({"state": "done"})
        return run

    # forged optimisation runs ----------------------------------------------
    def test_planner_cannot_create_or_edit_optimisation_results(self):
        with self.assertRaises(AccessError):
            self.Run.with_user(self.planner).create({"name": "Forged", "state": "done"})
        run = self._cap_run()
        with self.assertRaises(AccessError):
            self.Line.with_user(self.planner).create(
                {
                    "run_id": run.id,
                    "kind": "lead_time",
                    "field_name": "produce_delay",
                    "bom_id": self.boms["short"].id,
                    "new_value": 9999,
                }
            )
        line = run.line_ids.with_user(self.planner)
        for values in (
            {"new_value": 1000.0},
            {"flow_id": self.flow_nb.id},
            {"state": "proposed"},
        ):
            with self.assertRaises(AccessError):
                line.write(values)
        with self.assertRaises(AccessError):
            run.with_user(self.planner).write({"state": "done", "auto_apply": True})
        line.write({"selected": False})
        self.assertFalse(line.selected)
        run.with_user(self.planner).name = "Caps of this week"
        other_company, _flow = self._other_company_flow()
        with self.assertRaises(UserError):
            run.write({"company_id": other_company.id})
        self.assertEqual(run.line_ids.new_value, 10.0)

    def test_apply_refuses_targets_of_another_company(self):
        _company, rival_flow = self._other_company_flow()
        run = self._cap_run(new_cap=6.0)
        # a line pointing into another company, as a forged one would
        run.line_ids.flush_recordset()
        self.env.cr.execute(
            "UPDATE mrp_drs_optimization_line SET flow_id = %s WHERE id = %s",
            (rival_flow.id, run.line_ids.id),
        )
        run.line_ids.invalidate_recordset()
        with self.assertRaises(AccessError) as caught:
            run.with_user(self.planner).action_apply()
        self.assertNotIn(rival_flow.name, str(caught.exception))
        self.assertEqual(rival_flow.wip_cap, 10.0)
        self.assertEqual(run.state, "done")
        with self.assertRaises(UserError):
            # check_company: the optimiser itself cannot record such a line
            self.Line.create(
                {
                    "run_id": run.id,
                    "kind": "wip_cap",
                    "field_name": "wip_cap",
                    "flow_id": rival_flow.id,
                    "new_value": 1000.0,
                }
            )

    def test_planner_without_email_applies_and_revert_reports_released_orders(self):
        self.planner.partner_id.email = False
        on_the_floor = self._fill_main_flow()
        on_the_floor.flush_recordset()
        self.env.cr.execute(
            "UPDATE mrp_production SET drs_release_date = now() - interval '1 day' "
            "WHERE id IN %s",
            (tuple(on_the_floor.ids),),
        )
        on_the_floor.invalidate_recordset()
        queued = self._create_mo("long") | self._create_mo("long")
        run = self._cap_run(new_cap=10.0)
        run.with_user(self.planner).action_apply()
        self.assertEqual(run.state, "applied")
        self.assertEqual(set(queued.mapped("drs_state")), {"released"})
        run.with_user(self.planner).action_revert()
        self.assertEqual(self.flow_main.wip_cap, 4.0)
        # released material is on the floor: it stays released, and the run
        # says how far the WIP stands above the restored cap (10 - 4 = 6)
        self.assertEqual(set(queued.mapped("drs_state")), {"released"})
        self.assertIn("2 order(s) released under the raised cap", run.revert_note)
        self.assertIn("WIP now 10.00", run.revert_note)
        self.assertIn("6.00 above the restored cap of 4.00", run.revert_note)
        self.assertIn("6.00 above the restored cap", run.message_ids[0].body)

    # the virtual-queue ticket of an order ----------------------------------
    def test_order_ticket_is_not_writable(self):
        self._fill_main_flow()
        queued = self._create_mo("short")
        for user in (self.mrp_user, self.planner):
            production = queued.with_user(user)
            for values in (
                {"drs_state": "released"},
                {"drs_wip_units": 0.0},
                {"drs_flow_id": False},
                {"drs_queue_date": False},
                {"drs_release_date": "2020-01-01 00:00:00"},
            ):
                with self.assertRaises(AccessError):
                    production.write(values)
        with self.assertRaises(AccessError):
            self.Production.with_user(self.mrp_user).create(
                {
                    "product_id": self.products["short"].id,
                    "bom_id": self.boms["short"].id,
                    "drs_state": "released",
                }
            )
        self.assertEqual(queued.drs_state, "queued")
        with self.assertRaises(UserError):
            queued.with_user(self.mrp_user).action_start()
        # the addon's own path still works for a planner
        queued.with_user(self.planner).action_drs_force_release("Rush")
        self.assertEqual(queued.drs_state, "released")

    # company-less workcenters -----------------------------------------------
    def test_flow_workcenters_belong_to_its_company(self):
        shared = self.env["mrp.workcenter"].create(
            {"name": "Shared station", "company_id": False}
        )
        with self.assertRaisesText(ValidationError, "Shared station"):
            self.env["mrp.drs.flow"].create(
                {"name": "Loose loop", "workcenter_ids": [Command.set(shared.ids)]}
            )

    def test_orders_count_only_in_flows_of_their_company(self):
        other_company, rival_flow = self._other_company_flow()
        shared = self.env["mrp.workcenter"].create(
            {"name": "Shared station", "company_id": False}
        )
        # data from before the rule: a company-less workcenter in a flow
        self.env.cr.execute(
            "INSERT INTO mrp_drs_flow_workcenter_rel (flow_id, workcenter_id) "
            "VALUES (%s, %s)",
            (self.flow_main.id, shared.id),
        )
        self.env["mrp.workcenter"].invalidate_model()
        self.env["mrp.drs.flow"].invalidate_model()
        shared.modified(["drs_flow_ids"])
        self.assertEqual(shared.drs_flow_id, self.flow_main)
        product = self.env["product.product"].create(
            {"name": "Rival product", "is_storable": True, "company_id": False}
        )
        bom = self.env["mrp.bom"].create(
            {
                "product_tmpl_id": product.product_tmpl_id.id,
                "company_id": other_company.id,
                "operation_ids": [
                    Command.create(
                        {
                            "name": "At the shared station",
                            "workcenter_id": shared.id,
                            "time_cycle_manual": 60,
                        }
                    )
                ],
            }
        )
        production = (
            self.env["mrp.production"]
            .with_company(other_company)
            .create(
                {
                    "product_id": product.id,
                    "bom_id": bom.id,
                    "company_id": other_company.id,
                }
            )
        )
        production.action_confirm()
        self.assertFalse(production.drs_flow_id)
        self.assertFalse(production.drs_state)
        self.assertEqual(self.flow_main.wip, 0.0)
        # another company's flow is never named in a message
        with self.assertRaises(ValidationError) as caught:
            self.env["mrp.drs.flow"].create(
                {
                    "name": "Second loop",
                    "workcenter_ids": [Command.set(self.wc_a.ids)],
                }
            )
        self.assertIn("DRS test main", str(caught.exception))
        self.assertNotIn(rival_flow.name, str(caught.exception))

    # what each group may trigger -------------------------------------------
    def test_drs_user_cannot_run_flow_actions(self):
        self._fill_main_flow()
        queued = self._create_mo("short")
        self._set_cap_without_release(self.flow_main, 5.0)
        flow = self.flow_main.with_user(self.drs_user)
        for action in (
            flow.action_release_now,
            flow.action_run_recourse,
            flow.action_compute_heijunka,
            flow.action_compute_standard_work,
        ):
            with self.assertRaises(AccessError):
                action()
        self.assertEqual(queued.drs_state, "queued")
        self.flow_main.with_user(self.planner).action_release_now()
        self.assertEqual(queued.drs_state, "released")

    def test_quotes_are_computed_not_typed(self):
        values = {
            "flow_id": self.flow_main.id,
            "product_id": self.products["short"].id,
            "product_qty": 1.0,
            "quote_date": "2030-01-01 00:00:00",
            "quoted_hours": 0.1,
        }
        for user in (self.drs_user, self.planner):
            with self.assertRaises(AccessError):
                self.env["mrp.drs.due.date.quote"].with_user(user).create(values)
        wizard = (
            self.env["mrp.drs.quote.wizard"]
            .with_user(self.drs_user)
            .create({"product_id": self.products["short"].id, "product_qty": 2.0})
        )
        quote = self.env["mrp.drs.due.date.quote"].browse(
            wizard.action_create_quote()["res_id"]
        )
        self.assertEqual(quote.create_uid, self.drs_user)
        self.assertGreater(quote.quoted_hours, 0.0)
        with self.assertRaises(AccessError):
            quote.with_user(self.planner).write({"quoted_hours": 0.1})

    def test_planner_records_used_hours_only(self):
        now = fields.Datetime.now()
        shift = self.env["mrp.drs.makeup.shift"].create(
            {
                "flow_id": self.flow_main.id,
                "company_id": self.env.company.id,
                "period_date": now.date(),
                "date_start": now,
                "date_end": now + timedelta(hours=4),
                "hours": 4.0,
                "workcenter_ids": [Command.set(self.flow_main.workcenter_ids.ids)],
            }
        )
        mine = shift.with_user(self.planner)
        for values in (
            {"hours": 1e9},
            {"date_end": now + timedelta(hours=400)},
            {"workcenter_ids": [Command.clear()]},
        ):
            with self.assertRaises(AccessError):
                mine.write(values)
        with self.assertRaises(ValidationError):
            mine.used_hours = 40.0
        mine.used_hours = 3.5
        self.assertEqual(shift.used_hours, 3.5)
        with self.assertRaises(ValidationError):
            self.flow_main.with_user(self.planner).makeup_hours_per_shift = 1e9
