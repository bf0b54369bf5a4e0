# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import contextmanager
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import TransactionCase
from odoo.tools import SQL


class DrsPlantMixin:
    """Builds a small plant; shared by the transactional tests and the
    concurrency test (which builds it in a committed cursor).

    Workcenters (capacity 1, 100 % efficiency, no setup): ``wc_a`` and ``wc_b``
    form the bottleneck flow ``flow_main`` (cap 4 units, 1 h per unit), ``wc_c`` the
    non-bottleneck flow ``flow_nb`` (cap 3 units, 1 h per unit), ``wc_out`` is in no
    flow. Operation times (minutes per unit):

    ========== ============================== ======================
    product    operations                     hours in its flow
    ========== ============================== ======================
    short      wc_a 60                        1 h  -> main, 1 unit
    long       wc_a 60, wc_b 120              3 h  -> main, 3 units
    mixed      wc_a 30, wc_c 90               1.5 h -> nb (most hours)
    gear       wc_c 60                        1 h  -> nb, 1 unit
    outside    wc_out 60                      not in DRS
    noop       (no operation)                 not in DRS
    ========== ============================== ======================
    """

    @classmethod
    def _build_plant(cls, env, prefix="DRS test"):
        calendar = env.ref("resource.resource_calendar_std")
        workcenters = env["mrp.workcenter"].create(
            [
                {
                    "name": f"{prefix} {code}",
                    "resource_calendar_id": calendar.id,
                    "default_capacity": 1.0,
                    "time_efficiency": 100.0,
                    "time_start": 0.0,
                    "time_stop": 0.0,
                }
                for code in ("A", "B", "C", "OUT")
            ]
        )
        wc_a, wc_b, wc_c, wc_out = workcenters
        component = env["product.product"].create(
            {"name": f"{prefix} component", "type": "consu", "is_storable": True}
        )
        routings = {
            "short": [(wc_a, 60)],
            "long": [(wc_a, 60), (wc_b, 120)],
            "mixed": [(wc_a, 30), (wc_c, 90)],
            "gear": [(wc_c, 60)],
            "outside": [(wc_out, 60)],
            "noop": [],
        }
        products, boms = {}, {}
        for key, operations in routings.items():
            product = env["product.product"].create(
                {"name": f"{prefix} {key}", "type": "consu", "is_storable": True}
            )
            products[key] = product
            boms[key] = env["mrp.bom"].create(
                {
                    "product_tmpl_id": product.product_tmpl_id.id,
                    "product_id": product.id,
                    "product_qty": 1.0,
                    "consumption": "flexible",
                    "bom_line_ids": [
                        Command.create({"product_id": component.id, "product_qty": 1})
                    ],
                    "operation_ids": [
                        Command.create(
                            {
                                "name": f"{key} at {workcenter.name}",
                                "workcenter_id": workcenter.id,
                                "time_mode": "manual",
                                "time_cycle_manual": minutes,
                                "sequence": 10 * (index + 1),
                            }
                        )
                        for index, (workcenter, minutes) in enumerate(operations)
                    ],
                }
            )
        flows = env["mrp.drs.flow"].create(
            [
                {
                    "name": f"{prefix} main",
                    "workcenter_ids": [Command.set((wc_a | wc_b).ids)],
                    "wip_cap": 4.0,
                    "standard_work_hours": 1.0,
                    "loop_type": "bottleneck",
                },
                {
                    "name": f"{prefix} non-bottleneck",
                    "workcenter_ids": [Command.set(wc_c.ids)],
                    "wip_cap": 3.0,
                    "standard_work_hours": 1.0,
                    "loop_type": "non_bottleneck",
                },
            ]
        )
        return {
            "workcenters": workcenters,
            "component": component,
            "products": products,
            "boms": boms,
            "flows": flows,
        }

    @classmethod
    def _deliver_weekly(cls, warehouse, weekly):
        """Deliver ``weekly[product][k]`` units of each product k weeks ago
        (middle of the week), as done moves from the warehouse's stock to the
        customers: the demand history an optimisation run reads."""
        customers = cls.env.ref("stock.stock_location_customers")
        plan = [
            (product, week, qty)
            for product, quantities in weekly.items()
            for week, qty in enumerate(quantities)
            if qty
        ]
        moves = cls.env["stock.move"].create(
            [
                {
                    "name": f"demand {product.name}",
                    "product_id": product.id,
                    "product_uom": product.uom_id.id,
                    "product_uom_qty": qty,
                    "location_id": warehouse.lot_stock_id.id,
                    "location_dest_id": customers.id,
                }
                for product, _week, qty in plan
            ]
        )
        moves._action_confirm()
        for move, (_product, _week, qty) in zip(moves, plan, strict=True):
            move.quantity = qty
        moves.picked = True
        moves._action_done()
        cls.env.flush_all()
        now = fields.Datetime.now()
        for move, (_product, week, _qty) in zip(moves, plan, strict=True):
            cls.env.cr.execute(
                SQL(
                    "UPDATE stock_move SET date = %s WHERE id = %s",
                    now - timedelta(days=7 * week + 3.5),
                    move.id,
                )
            )
        moves.invalidate_recordset(["date"])


class DrsCommon(DrsPlantMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # work orders shown in the forms, as in a plant that runs DRS (and as
        # mrp's own tests do); without demo data the feature is off
        cls.env.user.groups_id += cls.env.ref("mrp.group_mrp_routings")
        plant = cls._build_plant(cls.env)
        cls.wc_a, cls.wc_b, cls.wc_c, cls.wc_out = plant["workcenters"]
        cls.component = plant["component"]
        cls.products = plant["products"]
        cls.boms = plant["boms"]
        cls.flow_main, cls.flow_nb = plant["flows"]
        cls.Production = cls.env["mrp.production"]

    @classmethod
    def _create_mo(cls, key, qty=1.0, deadline_days=None, confirm=True, **vals):
        """Create (and confirm) a manufacturing order of product ``key``."""
        values = {
            "product_id": cls.products[key].id,
            "bom_id": cls.boms[key].id,
            "product_qty": qty,
            **vals,
        }
        if deadline_days is not None:
            values["date_deadline"] = fields.Datetime.now() + timedelta(
                days=deadline_days
            )
        production = cls.env["mrp.production"].create(values)
        if confirm:
            production.action_confirm()
        return production

    @contextmanager
    def assertRaisesText(self, exception, text):
        """``assertRaises`` (which rolls back to a savepoint, unlike
        ``assertRaisesRegex``) that also checks a fragment of the message."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertIn(text, str(caught.exception))

    def _set_cap_without_release(self, flow, cap):
        """Change ``flow``'s cap behind the ORM's back, so that no release runs
        (as when WIP drops through a path Odoo does not hook, e.g. an order
        cancelled by its stock moves)."""
        flow.flush_recordset()
        self.env.cr.execute(
            SQL("UPDATE mrp_drs_flow SET wip_cap = %s WHERE id = %s", cap, flow.id)
        )
        flow.invalidate_recordset(["wip_cap"])

    def _queue_copies(self, production, count, first=1):
        """``count`` copies of the queued ``production`` in one INSERT: a
        backlog of real queued orders without confirming each one, named
        after it with suffixes ``-first`` onwards."""
        self.assertEqual(production.drs_state, "queued")
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT column_name FROM information_schema.columns
                 WHERE table_name = 'mrp_production' AND column_name NOT IN
                       ('id', 'name')
                """
            )
        )
        columns = SQL(", ").join(
            SQL.identifier(row[0]) for row in self.env.cr.fetchall()
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO mrp_production (name, %(columns)s)
                SELECT p.name || '-' || g, %(columns)s
                  FROM mrp_production p,
                       generate_series(%(first)s, %(last)s) g
                 WHERE p.id = %(id)s
                """,
                columns=columns,
                first=first,
                last=first + count - 1,
                id=production.id,
            )
        )
        self.env.invalidate_all()

    def _storable_products(self, count, workcenter=None):
        """``count`` storable products made at ``workcenter`` (a bill of
        materials of one 60-minute operation there: 1 h per unit) or, without
        one, bought (no bill of materials)."""
        products = self.env["product.product"].create(
            [
                {
                    "name": f"DRS test storable {index}",
                    "type": "consu",
                    "is_storable": True,
                }
                for index in range(count)
            ]
        )
        if workcenter:
            self.env["mrp.bom"].create(
                [
                    {
                        "product_tmpl_id": product.product_tmpl_id.id,
                        "product_id": product.id,
                        "product_qty": 1.0,
                        "operation_ids": [
                            Command.create(
                                {
                                    "name": f"made at {workcenter.name}",
                                    "workcenter_id": workcenter.id,
                                    "time_mode": "manual",
                                    "time_cycle_manual": 60,
                                }
                            )
                        ],
                    }
                    for product in products
                ]
            )
        return products

    def _put_in_stock(self, products, qty=1.0):
        """``qty`` more of each of ``products`` on hand in the main stock."""
        stock = self.env.ref("stock.warehouse0").lot_stock_id
        for product in products:
            self.env["stock.quant"]._update_available_quantity(product, stock, qty)

    def _fill_main_flow(self):
        """Confirm orders that take exactly the main flow's cap (1 + 3 units)."""
        return self._create_mo("short") | self._create_mo("long")
