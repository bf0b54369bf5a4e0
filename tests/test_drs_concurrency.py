# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two real transactions releasing into the same flow at the same time.

``TransactionCase`` puts the registry in test mode, where every cursor shares one
transaction, so these tests run on ``BaseCase`` with independent cursors from the
registry (the pattern of Odoo's ``test_ir_sequence`` and onboarding concurrency
tests). Everything they commit is deleted again in the class cleanup.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tests.common import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger

from .common import DrsPlantMixin

MAX_ATTEMPTS = 3


@tagged("post_install", "-at_install")
class TestDrsConcurrentRelease(DrsPlantMixin, BaseCase):
    @classmethod
    def _env(cls, cr):
        """Superuser environment on ``cr``. The transaction is given the registry
        object directly: looking it up by name takes ``Registry._lock``, which the
        main thread holds while it runs post-install tests at module install."""
        cr.transaction = api.Transaction(cls.registry)
        return api.Environment(cr, SUPERUSER_ID, {})

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.created = {}
        cls.addClassCleanup(cls._delete_committed_records)
        with cls.registry.cursor() as cr:
            env = cls._env(cr)
            plant = cls._build_plant(env, prefix="DRS concurrency")
            cls.created.update(
                workcenters=plant["workcenters"].ids,
                products=[p.id for p in plant["products"].values()]
                + plant["component"].ids,
                boms=[b.id for b in plant["boms"].values()],
                flows=plant["flows"].ids,
                productions=[],
            )
            cls.flow_id = plant["flows"][0].id
            cls.product_id = plant["products"]["short"].id
            cls.bom_id = plant["boms"]["short"].id

    @classmethod
    def _delete_committed_records(cls):
        with cls.registry.cursor() as cr:
            env = cls._env(cr)
            productions = env["mrp.production"].browse(cls.created["productions"])
            productions = productions.exists()
            moves = productions.move_raw_ids | productions.move_finished_ids
            groups = productions.procurement_group_id
            productions.unlink()
            moves.exists().unlink()
            groups.exists().unlink()
            env["mrp.bom"].browse(cls.created["boms"]).unlink()
            env["mrp.drs.flow"].browse(cls.created["flows"]).unlink()
            workcenters = env["mrp.workcenter"].browse(cls.created["workcenters"])
            resources = workcenters.resource_id
            workcenters.unlink()
            resources.exists().unlink()
            env["product.product"].browse(cls.created["products"]).unlink()

    def setUp(self):
        super().setUp()
        # 3 of the main flow's 4 units are in process
        with self.registry.cursor() as cr:
            env = self._env(cr)
            env["mrp.drs.flow"].browse(self.flow_id).wip_cap = 4.0
            busy = self._new_orders(env, 3)
            busy.action_confirm()
            self.assertEqual(set(busy.mapped("drs_state")), {"released"})

    def tearDown(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            productions = env["mrp.production"].browse(self.created["productions"])
            productions.exists().filtered(
                lambda p: p.state not in ("done", "cancel")
            ).action_cancel()
        super().tearDown()

    def _new_orders(self, env, count):
        productions = env["mrp.production"].create(
            [
                {"product_id": self.product_id, "bom_id": self.bom_id, "product_qty": 1}
                for _index in range(count)
            ]
        )
        self.created["productions"].extend(productions.ids)
        return productions

    def _race(self, action, production_ids):
        """Run ``action(production)`` for each order in its own thread and
        transaction; all transactions take their snapshot before any commits.

        A transaction failing with a serialization error is rolled back and
        retried, as Odoo does for RPC requests; a ``UserError`` (the cap refuses)
        is rolled back and reported. Returns ``(attempts, outcome)`` per order,
        outcome ``"done"`` or ``"refused"``.
        """
        barrier = threading.Barrier(len(production_ids))

        def run(production_id):
            for attempt in range(1, MAX_ATTEMPTS + 1):
                with self.registry.cursor() as cr:
                    env = self._env(cr)
                    production = env["mrp.production"].browse(production_id)
                    production.read(["state"])  # the snapshot starts here
                    if attempt == 1:
                        barrier.wait(timeout=30)
                    try:
                        action(production)
                        # real commits are the point of this test
                        cr.commit()  # pylint: disable=invalid-commit
                        return attempt, "done"
                    except SerializationFailure:
                        cr.rollback()
                    except UserError:
                        cr.rollback()
                        return attempt, "refused"
            raise AssertionError(f"order {production_id}: no attempt succeeded")

        with ThreadPoolExecutor(max_workers=len(production_ids)) as executor:
            futures = [executor.submit(run, pid) for pid in production_ids]
            return sorted(future.result(timeout=120) for future in futures)

    def _flow_state(self):
        """(WIP, cap, released orders, queued orders) as committed."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            flow = env["mrp.drs.flow"].browse(self.flow_id)
            return flow.wip, flow.wip_cap, flow.released_count, flow.queue_count

    @mute_logger("odoo.sql_db")
    def test_concurrent_confirmations_never_exceed_cap(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            production_ids = self._new_orders(env, 2).ids
        # each transaction queues its own order and, from its own snapshot, sees
        # one free unit: without serialisation both orders would be released
        outcomes = self._race(lambda p: p.action_confirm(), production_ids)
        wip, cap, released, queued = self._flow_state()
        self.assertLessEqual(wip, cap)
        self.assertEqual((wip, released, queued), (4.0, 4, 1))
        self.assertEqual(outcomes, [(1, "done"), (2, "done")], "one retry")

    @mute_logger("odoo.sql_db")
    def test_concurrent_planner_releases_never_exceed_cap(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            flow = env["mrp.drs.flow"].browse(self.flow_id)
            flow.wip_cap = 3.0
            waiting = self._new_orders(env, 2)
            waiting.action_confirm()
            self.assertEqual(set(waiting.mapped("drs_state")), {"queued"})
            # one unit frees up without a release run (no write hook)
            flow.flush_recordset()
            cr.execute("UPDATE mrp_drs_flow SET wip_cap = 4 WHERE id = %s", [flow.id])
            production_ids = waiting.ids
        # two planners press "Release" on two different queued orders
        outcomes = self._race(lambda p: p.action_drs_release(), production_ids)
        wip, cap, released, queued = self._flow_state()
        self.assertLessEqual(wip, cap)
        self.assertEqual((wip, released, queued), (4.0, 4, 1))
        self.assertEqual(outcomes, [(1, "done"), (2, "refused")])
