# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta
from unittest import SkipTest

import numpy as np

from odoo import Command, fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

#: demo products made in the DRS flows
FLOW_PRODUCTS = ("frame_s", "frame_m", "frame_l", "gear_a", "gear_b", "gearbox")


@tagged("post_install", "-at_install")
class TestDrsDemo(TransactionCase):
    """The demo plant shows DRS at work right after install: a year of
    deliveries the optimisation reads, a bottleneck flow whose backlog calls
    for make-up time, throughput measured from done orders, and a first
    optimisation run with proposals. Skipped without demo data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.frames = cls.env.ref(
            "mrp_drs.mrp_drs_demo_flow_frames", raise_if_not_found=False
        )
        if not cls.frames:
            raise SkipTest("the demo data of mrp_drs is not loaded")
        cls.gears = cls.env.ref("mrp_drs.mrp_drs_demo_flow_gears")
        cls.products = cls.env["product.product"].concat(
            *(
                cls.env.ref(f"mrp_drs.mrp_drs_demo_product_{key}")
                for key in FLOW_PRODUCTS
            )
        )

    def _weekly_deliveries(self):
        """Units delivered from stock to customers per product and week over
        the last 52 weeks: ``{product_id: array of 52 weeks}``."""
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """
                SELECT m.product_id,
                       FLOOR(EXTRACT(EPOCH FROM (%(now)s - m.date)) / 604800)::int,
                       SUM(m.quantity)
                  FROM stock_move m
                  JOIN stock_location src ON src.id = m.location_id
                  JOIN stock_location dst ON dst.id = m.location_dest_id
                 WHERE m.state = 'done' AND m.product_id IN %(products)s
                   AND src.usage = 'internal' AND dst.usage = 'customer'
                   AND m.date >= %(start)s AND m.date < %(now)s
                 GROUP BY 1, 2
                """,
                now=now,
                start=now - timedelta(weeks=52),
                products=tuple(self.products.ids),
            )
        )
        weeks = {product.id: np.zeros(52) for product in self.products}
        for product_id, week, qty in self.env.cr.fetchall():
            weeks[product_id][week] += qty
        return weeks

    def test_a_year_of_deliveries_with_high_low_and_intermittent_demand(self):
        weeks = self._weekly_deliveries()
        for product in self.products:
            self.assertGreater(
                weeks[product.id].sum(), 0, f"{product.name} has no delivery"
            )
        means = np.array([weeks[product.id].mean() for product in self.products])
        empty = np.array([(weeks[product.id] == 0).mean() for product in self.products])
        oldest_weeks = np.array(
            [weeks[product.id][-4:].sum() for product in self.products]
        )
        self.assertTrue((means >= 30).any(), f"no high-volume product: {means}")
        self.assertTrue(((means >= 1) & (means <= 3)).any(), f"no low volume: {means}")
        self.assertTrue((empty >= 0.5).any(), f"no intermittent product: {empty}")
        self.assertGreater(
            (oldest_weeks > 0).sum(), 0, "the history does not reach a year back"
        )

    def test_optimisation_reads_the_demand_history(self):
        run = self.env["mrp.drs.optimization.run"].create(
            {
                "scope": "flows",
                "flow_ids": [Command.set((self.frames | self.gears).ids)],
            }
        )
        products = run._extract_plant()["products"]
        demand = products.loc[products.index.isin(self.products.ids)]
        self.assertEqual(set(demand.index), set(self.products.ids))
        self.assertTrue((demand["demand_mean"] > 0).all(), demand)
        # intermittent demand varies more than its mean
        self.assertTrue((demand["demand_std"] > demand["demand_mean"]).any(), demand)

    def test_one_bottleneck_and_one_non_bottleneck_flow(self):
        self.assertEqual(self.frames.loop_type, "bottleneck")
        self.assertEqual(self.gears.loop_type, "non_bottleneck")

    def test_throughput_is_measured_from_done_orders(self):
        for flow in self.frames | self.gears:
            self.assertEqual(flow.throughput_source, "history", flow.name)
            self.assertGreater(flow.throughput, 0.0, flow.name)

    def test_bottleneck_backlog_is_above_its_makeup_threshold(self):
        self.assertGreater(self.frames.makeup_threshold, 0.0)
        self.assertGreater(self.frames.queue_units, self.frames.makeup_threshold)
        self.assertTrue(
            self.env["mrp.drs.makeup.shift"].search_count(
                [("flow_id", "=", self.frames.id)]
            ),
            "no make-up shift authorised for the bottleneck flow",
        )

    def test_demo_run_optimised_most_products(self):
        run = self.env.ref("mrp_drs.mrp_drs_demo_optimization_run")
        self.assertEqual(run.state, "done", run.error_message)
        proposed = run.line_ids.filtered(
            lambda line: line.state == "proposed" and line.product_id
        ).product_id
        self.assertGreaterEqual(len(proposed), 0.8 * run.scope_product_count)
        self.assertLessEqual(proposed, self.products)
        self.assertTrue(run.line_ids.filtered(lambda line: line.kind == "wip_cap"))
        self.assertGreater(run.fill_rate, run.current_fill_rate)
