# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""History of the demo plant (demo data only; called from ``demo/mrp_drs_demo.xml``).

The records of the demo plant (workcenters, products, bills of materials, flows,
reorder rules, the open orders) live in the demo XML; the bulk history that
makes its screens meaningful right after install is generated here, set-wise,
from a seeded random generator so that every install gets the same plant:

- a year of done deliveries from the warehouse's stock to the customers, one
  weekly shipment (a picking, one move per product ordered that week):
  high-volume, low-volume and intermittent products, their customer orders per
  week drawn from a Poisson law (weekly moves keep the install fast: Odoo
  reserves and posts each move on its own);
- the stock they need (an inventory adjustment dated before the year);
- manufacturing orders done in the flows over the last three weeks, inside
  their signal window, so that throughput is measured from completed orders;
- the flows' daily history over the signal window and the make-up shifts of
  the days the bottleneck flow's queue was above its threshold.
"""

from datetime import datetime, time, timedelta

import numpy as np
import pandas as pd
import pytz

from odoo import Command, api, fields, models
from odoo.tools import SQL

from .mrp_drs_flow_throughput import _work_hours_by_day

#: seed of the demo plant's random history
DEMO_SEED = 13

#: weeks of delivery history
DEMO_WEEKS = 52

#: demand of the demo products: (product xmlid suffix, customer orders per week
#: (Poisson mean), smallest order, extra units per order (Poisson mean))
DEMO_DEMAND = (
    ("frame_s", 9.0, 1, 4.0),  # high volume, about 45 a week
    ("frame_m", 2.0, 1, 0.5),  # low volume, about 3 a week
    ("frame_l", 0.4, 1, 1.0),  # intermittent: most weeks without an order
    ("gear_a", 8.0, 2, 4.0),  # high volume, about 48 a week
    ("gear_b", 1.5, 1, 0.0),  # low volume, 1 or 2 a week
    ("gearbox", 0.5, 1, 2.0),  # intermittent
    ("spare_kit", 0.3, 1, 0.0),  # intermittent, made outside DRS
)

#: finished stock on hand at the end of the history (the gears count in the
#: non-bottleneck loop's WIP)
DEMO_ON_HAND = {
    "frame_s": 12,
    "frame_m": 4,
    "frame_l": 2,
    "gear_a": 3,
    "gear_b": 0,
    "gearbox": 1,
    "spare_kit": 2,
}

#: manufacturing orders done in the flows: (product, quantity, working days ago)
DEMO_DONE_ORDERS = (
    ("frame_s", 30, 12),
    ("frame_m", 6, 10),
    ("frame_s", 30, 8),
    ("frame_l", 3, 6),
    ("frame_s", 30, 4),
    ("frame_s", 30, 2),
    ("gear_a", 40, 12),
    ("gear_b", 6, 10),
    ("gear_a", 40, 8),
    ("gearbox", 3, 6),
    ("gear_a", 40, 4),
    ("gear_a", 40, 2),
)

#: customers of the demo deliveries (base demo partners)
DEMO_CUSTOMERS = (
    "base.res_partner_1",
    "base.res_partner_2",
    "base.res_partner_3",
    "base.res_partner_4",
    "base.res_partner_12",
)


def _values_sql(rows, casts):
    """``VALUES (...), (...)`` of ``rows`` (tuples), each column cast as in
    ``casts`` (e.g. ``("int", "timestamp")``)."""
    return SQL(", ").join(
        SQL(
            "(%s)",
            SQL(", ").join(
                SQL(f"%s::{cast}", value)
                for value, cast in zip(row, casts, strict=True)
            ),
        )
        for row in rows
    )


class MrpDrsFlow(models.Model):
    _inherit = "mrp.drs.flow"

    @api.model
    def _drs_demo_build_history(self):
        """Build the demo plant's history (see the module docstring)."""
        # history needs no chatter: tracking would double the install time
        demo = self.with_context(tracking_disable=True)
        rng = np.random.default_rng(DEMO_SEED)
        now = fields.Datetime.now().replace(microsecond=0)
        products = {
            key: self.env.ref(f"mrp_drs.mrp_drs_demo_product_{key}")
            for key, *_rest in DEMO_DEMAND
        }
        deliveries = demo._drs_demo_delivery_plan(rng, now, products)
        produced = (
            pd.Series(
                [qty for _key, qty, _days in DEMO_DONE_ORDERS],
                index=[products[key].id for key, _qty, _days in DEMO_DONE_ORDERS],
            )
            .groupby(level=0)
            .sum()
        )
        delivered = deliveries.groupby("product_id")["qty"].sum()
        demo._drs_demo_stock(products, delivered, produced, now)
        demo._drs_demo_done_orders(rng, now, products)
        demo._drs_demo_deliveries(deliveries)
        flows = (
            self.env.ref("mrp_drs.mrp_drs_demo_flow_frames")
            | self.env.ref("mrp_drs.mrp_drs_demo_flow_gears")
        ).with_context(tracking_disable=True)
        # the gears' stock fell with the deliveries: the non-bottleneck loop has
        # room again
        flows._release_from_queue()
        flows._drs_run_recourse(now)
        demo._drs_demo_flow_history(rng, now, flows)
        return True

    @api.model
    def _drs_demo_delivery_plan(self, rng, now, products):
        """Weekly shipments of the last ``DEMO_WEEKS`` weeks: a DataFrame with
        ``product_id``, ``day`` (date of the week's shipment) and ``qty`` (units
        of the week's customer orders), one row per product and week with orders.

        Week ``w`` is ``[now - 7 (w + 1), now - 7 w)`` days, as the optimisation
        counts its periods back from now; its shipment leaves on one of its
        working days.
        """
        keys = [key for key, *_rest in DEMO_DEMAND]
        rates = np.array([rate for _key, rate, _min, _extra in DEMO_DEMAND])
        smallest = np.array([low for _key, _rate, low, _extra in DEMO_DEMAND])
        extra = np.array([extra for _key, _rate, _low, extra in DEMO_DEMAND])
        orders = rng.poisson(rates, size=(DEMO_WEEKS, len(keys)))
        # units of n orders: n times the smallest order plus Poisson(n x extra)
        qty = orders * smallest + rng.poisson(orders * extra)
        today = now.date()
        # 1 to 6 days before the week's end: whatever its hour, the shipment
        # stays inside its week
        weekdays = [d for d in range(1, 7) if (today - timedelta(days=d)).weekday() < 5]
        days_ago = 7 * np.arange(DEMO_WEEKS) + rng.choice(weekdays, size=DEMO_WEEKS)
        week, item = np.nonzero(qty)
        return pd.DataFrame(
            {
                "product_id": [products[keys[i]].id for i in item],
                "day": [today - timedelta(days=int(days_ago[w])) for w in week],
                "qty": qty[week, item],
            }
        )

    @api.model
    def _drs_demo_stock(self, products, delivered, produced, now):
        """Inventory adjustment, dated before the history, that leaves
        ``DEMO_ON_HAND`` once the history's orders are done and its deliveries
        shipped."""
        stock = self.env.ref("stock.warehouse0").lot_stock_id
        Quant = self.env["stock.quant"].with_context(inventory_mode=True)
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT COALESCE(MAX(id), 0) FROM stock_move"))
        last_move = self.env.cr.fetchone()[0]
        quants = Quant.create(
            [
                {
                    "product_id": product.id,
                    "location_id": stock.id,
                    "inventory_quantity": max(
                        DEMO_ON_HAND[key]
                        + delivered.get(product.id, 0)
                        - produced.get(product.id, 0),
                        0,
                    ),
                }
                for key, product in products.items()
            ]
        )
        quants.action_apply_inventory()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH adjusted AS (
                    UPDATE stock_move SET date = %(date)s
                     WHERE id > %(last)s AND is_inventory
                 RETURNING id
                )
                UPDATE stock_move_line SET date = %(date)s
                  FROM adjusted WHERE stock_move_line.move_id = adjusted.id
                """,
                date=now - timedelta(weeks=DEMO_WEEKS + 1),
                last=last_move,
            )
        )

    @api.model
    def _drs_demo_done_orders(self, rng, now, products):
        """Manufacturing orders of ``DEMO_DONE_ORDERS``, done and dated in the
        last weeks: their work orders back to back before the order's end, with
        actual durations scattered around the expected ones."""
        productions = self.env["mrp.production"].create(
            [
                {
                    "product_id": products[key].id,
                    "bom_id": self.env.ref(f"mrp_drs.mrp_drs_demo_bom_{key}").id,
                    "product_qty": qty,
                }
                for key, qty, _days in DEMO_DONE_ORDERS
            ]
        )
        productions.action_confirm()
        productions.filtered(lambda p: p.drs_state == "queued")._drs_set_state(
            "released"
        )
        productions.button_mark_done()
        flow = productions[:1].drs_flow_id
        calendar = flow._drs_reference_calendar()
        tz = flow._drs_timezone()
        today = flow._drs_period_date(now)
        worked = _work_hours_by_day(calendar, now - timedelta(days=30), now)
        days = sorted((day for day in worked if day < today), reverse=True)
        production_rows, workorder_rows = [], []
        for production, (_key, _qty, days_ago) in zip(
            productions, DEMO_DONE_ORDERS, strict=True
        ):
            local_end = datetime.combine(days[days_ago - 1], time(15)) + timedelta(
                minutes=int(rng.integers(0, 120))
            )
            end = tz.localize(local_end).astimezone(pytz.utc).replace(tzinfo=None)
            workorders = production.workorder_ids.sorted(
                lambda w: (w.operation_id.sequence, w.id)
            )
            actual = [
                round(w.duration_expected * float(rng.lognormal(0.0, 0.25)), 2)
                for w in workorders
            ]
            stop = end
            for workorder, minutes in reversed(
                list(zip(workorders, actual, strict=True))
            ):
                start = stop - timedelta(minutes=minutes)
                workorder_rows.append((workorder.id, start, stop, minutes))
                stop = start
            waited = timedelta(hours=float(rng.uniform(4.0, 30.0)))
            production_rows.append((production.id, stop, end, stop - waited, stop))
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE mrp_production p
                   SET date_start = v.date_start, date_finished = v.date_finished,
                       drs_queue_date = v.queued, drs_release_date = v.released
                  FROM (VALUES %s)
                       AS v (id, date_start, date_finished, queued, released)
                 WHERE p.id = v.id
                """,
                _values_sql(
                    production_rows,
                    ("int", "timestamp", "timestamp", "timestamp", "timestamp"),
                ),
            )
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE mrp_workorder w
                   SET date_start = v.date_start, date_finished = v.date_finished,
                       duration = v.minutes,
                       duration_unit = ROUND((v.minutes
                           / GREATEST(w.qty_produced, 1))::numeric, 2),
                       duration_percent = CASE WHEN w.duration_expected > 0
                           THEN 100 * (w.duration_expected - v.minutes)
                                / w.duration_expected ELSE 0 END
                  FROM (VALUES %s) AS v (id, date_start, date_finished, minutes)
                 WHERE w.id = v.id
                """,
                _values_sql(workorder_rows, ("int", "timestamp", "timestamp", "float")),
            )
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE mrp_workcenter_productivity t
                   SET date_start = w.date_start, date_end = w.date_finished,
                       duration = w.duration
                  FROM mrp_workorder w
                 WHERE t.workorder_id = w.id AND w.production_id IN %(ids)s;
                UPDATE stock_move m
                   SET date = p.date_finished
                  FROM mrp_production p
                 WHERE p.id IN %(ids)s
                   AND p.id IN (m.raw_material_production_id, m.production_id);
                UPDATE stock_move_line l
                   SET date = m.date
                  FROM stock_move m
                 WHERE l.move_id = m.id
                   AND (m.raw_material_production_id IN %(ids)s
                        OR m.production_id IN %(ids)s)
                """,
                ids=tuple(productions.ids),
            )
        )
        self.env.invalidate_all()

    @api.model
    def _drs_demo_deliveries(self, plan):
        """Done deliveries of ``plan`` (see :meth:`_drs_demo_delivery_plan`): one
        picking per shipment day to one of the demo customers, its moves created,
        confirmed, reserved and done in one call each, then dated on their day."""
        warehouse = self.env.ref("stock.warehouse0")
        stock = warehouse.lot_stock_id
        customers = self.env.ref("stock.stock_location_customers")
        partners = [self.env.ref(xmlid).id for xmlid in DEMO_CUSTOMERS]
        days = sorted(plan["day"].unique())
        rng = np.random.default_rng(DEMO_SEED + 1)
        pickings = self.env["stock.picking"].create(
            [
                {
                    "picking_type_id": warehouse.out_type_id.id,
                    "partner_id": partners[int(rng.integers(len(partners)))],
                    "location_id": stock.id,
                    "location_dest_id": customers.id,
                    "origin": self.env._("Demo deliveries"),
                }
                for _day in days
            ]
        )
        picking_of = dict(zip(days, pickings.ids, strict=True))
        uoms = {
            product.id: product.uom_id.id
            for product in self.env["product.product"].browse(
                plan["product_id"].unique().tolist()
            )
        }
        # the moves carry their move lines: reserving them first (what the
        # picking type does at confirmation) would cost a quant search per move
        moves = self.env["stock.move"].create(
            [
                {
                    "name": self.env._("Demo delivery"),
                    "picking_id": picking_of[row.day],
                    "product_id": int(row.product_id),
                    "product_uom": uoms[row.product_id],
                    "product_uom_qty": float(row.qty),
                    "location_id": stock.id,
                    "location_dest_id": customers.id,
                    "picked": True,
                    "move_line_ids": [
                        Command.create(
                            {
                                "product_id": int(row.product_id),
                                "product_uom_id": uoms[row.product_id],
                                "quantity": float(row.qty),
                                "location_id": stock.id,
                                "location_dest_id": customers.id,
                                "picking_id": picking_of[row.day],
                                "picked": True,
                            }
                        )
                    ],
                }
                for row in plan.itertuples()
            ]
        )
        moves._action_done()
        dates = {
            day: datetime.combine(day, time(9)) + timedelta(hours=float(h))
            for day, h in zip(days, rng.uniform(0.0, 7.0, len(days)), strict=True)
        }
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE stock_picking p
                   SET scheduled_date = v.date, date_deadline = v.date,
                       date_done = v.date, date = v.date
                  FROM (VALUES %s) AS v (id, date)
                 WHERE p.id = v.id;
                UPDATE stock_move m
                   SET date = p.date_done, date_deadline = p.date_done
                  FROM stock_picking p
                 WHERE m.picking_id = p.id AND p.id IN %s;
                UPDATE stock_move_line l
                   SET date = m.date
                  FROM stock_move m
                 WHERE l.move_id = m.id AND m.picking_id IN %s
                """,
                _values_sql(
                    [(picking_of[day], dates[day]) for day in days],
                    ("int", "timestamp"),
                ),
                tuple(pickings.ids),
                tuple(pickings.ids),
            )
        )
        self.env.invalidate_all()

    @api.model
    def _drs_demo_flow_history(self, rng, now, flows):
        """Daily history rows of ``flows`` on the days of their signal window
        before today, as hourly DRS runs would have recorded them.

        The completed work is the done orders' (measured); the queue and WIP
        samples are drawn: the bottleneck flow's backlog built up over the last
        week and went above its make-up threshold (with the make-up shifts of
        those days, partly used), the non-bottleneck flow's queue was mostly
        empty.
        """
        status = flows._get_wip_status()
        rows, shifts = [], []
        Shift = self.env["mrp.drs.makeup.shift"].sudo()
        for flow in flows:
            today = flow._drs_period_date(now)
            worked = _work_hours_by_day(
                flow._drs_reference_calendar(),
                now - timedelta(days=flow.signal_window_days - 1),
                now,
            )
            days = [
                today - timedelta(days=offset)
                for offset in range(flow.signal_window_days - 1, 0, -1)
            ]
            working = np.array([worked.get(day, 0.0) > 0 for day in days])
            count = len(days)
            completed = flow._drs_demo_completed_by_day(days)
            row = status[flow.id]
            units_per_order = (
                row["queue_units"] / row["queue_count"] if row["queue_count"] else 2.0
            )
            if flow.loop_type == "bottleneck":
                ramp = np.clip((np.arange(count) - count + 8) / 7.0, 0.05, 1.0)
                queue = row["queue_units"] * ramp * rng.uniform(0.85, 1.05, count)
                wip = flow.wip_cap * np.where(
                    queue > 1.0,
                    rng.uniform(0.85, 1.0, count),
                    rng.uniform(0.5, 0.9, count),
                )
            else:
                busy = np.zeros(count, dtype=bool)
                busy[rng.choice(count, size=min(2, count), replace=False)] = True
                queue = np.where(busy, rng.uniform(0.2, 0.5, count) * flow.wip_cap, 0.0)
                wip = flow.wip_cap * rng.uniform(0.3, 0.7, count)
            # hourly runs also sample closed days: the plant stands still
            last = np.maximum.accumulate(np.where(working, np.arange(count), 0))
            queue, wip = np.round(queue[last], 2), wip[last]
            triggered = (queue > flow.makeup_threshold) & (flow.throughput > 0)
            # hours the queue waited: what the flow needs to work it off
            hours_to_clear = queue / flow.throughput if flow.throughput > 0 else queue
            for index, day in enumerate(days):
                makeup_hours = 0.0
                if (
                    triggered[index]
                    and working[index]
                    and flow.makeup_hours_per_shift > 0
                ):
                    makeup_hours = flow.makeup_hours_per_shift
                    day_start, _day_end = flow._drs_period_bounds(day)
                    start, end = Shift._drs_shift_window(
                        flow, day, makeup_hours, day_start
                    )
                    shifts.append(
                        {
                            "flow_id": flow.id,
                            "company_id": flow.company_id.id,
                            "period_date": day,
                            "workcenter_ids": [
                                fields.Command.set(flow.workcenter_ids.ids)
                            ],
                            "date_start": start,
                            "date_end": end,
                            "hours": makeup_hours,
                            "required_hours": flow._drs_required_makeup_hours(
                                float(queue[index])
                            ),
                            "queue_units": float(queue[index]),
                            "makeup_threshold": flow.makeup_threshold,
                            "throughput": flow.throughput,
                            "used_hours": float(
                                np.round(rng.uniform(0.5, 1.0) * makeup_hours * 2) / 2
                            ),
                        }
                    )
                rows.append(
                    {
                        "flow_id": flow.id,
                        "company_id": flow.company_id.id,
                        "period_date": day,
                        "queue_count": int(np.ceil(queue[index] / units_per_order)),
                        "queue_units": float(queue[index]),
                        "queue_age_max": float(hours_to_clear[index]),
                        "queue_age_avg": float(hours_to_clear[index] / 2.0),
                        "wip_units": float(np.round(wip[index], 2)),
                        "wip_cap": flow.wip_cap,
                        "wip_ratio": float(100.0 * wip[index] / flow.wip_cap),
                        "throughput": flow.throughput,
                        "completed_units": completed.get(day, 0.0),
                        "makeup_threshold": flow.makeup_threshold,
                        "makeup_triggered": bool(triggered[index]),
                        "makeup_hours": makeup_hours,
                    }
                )
        Shift.create(shifts)
        self.env["mrp.drs.flow.history"]._drs_upsert(rows)
        flows._drs_update_signals(
            {flow.id: flow._drs_period_date(now) for flow in flows}
        )

    def _drs_demo_completed_by_day(self, days):
        """Equivalent units this flow completed on each of ``days`` (dates in
        its calendar's timezone): ``{date: units}``, one query."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                """
                SELECT (p.date_finished AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date,
                       SUM(COALESCE(p.drs_wip_units, 0))
                  FROM mrp_production p
                 WHERE p.drs_flow_id = %(flow)s AND p.state = 'done'
                   AND p.drs_state IS NOT NULL
                   AND p.date_finished >= %(start)s
                 GROUP BY 1
                """,
                tz=self._drs_timezone().zone,
                flow=self.id,
                start=self._drs_period_bounds(min(days))[0],
            )
        )
        return dict(self.env.cr.fetchall())
