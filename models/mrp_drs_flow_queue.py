# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The virtual queue as a planner reads it: each queued order's position in
release order, stored (as the order's rank less its flow's offset) so that a
queue of thousands of orders sorts in the database and its head leaves without
renumbering the orders behind it, and when it is expected to be released."""

from datetime import timedelta

import numpy as np
import pytz

from odoo import fields, models
from odoo.tools import SQL

from .mrp_drs_flow import OPEN_STATES

#: order fields the queue order reads with SQL (see ``_queue_order_sql``)
QUEUE_ORDER_FIELDS = [
    "drs_flow_id",
    "drs_state",
    "drs_queue_date",
    "drs_wip_units",
    "state",
    "priority",
    "date_deadline",
    "date_finished",
    "date_start",
    "product_id",
]


class MrpDrsFlow(models.Model):
    _inherit = "mrp.drs.flow"

    drs_queue_offset = fields.Integer(
        "Queue offset",
        default=0,
        copy=False,
        readonly=True,
        help="What the stored queue ranks of this flow's orders exceed their "
        "queue positions by. Releasing the head of the queue adds one to it "
        "instead of renumbering every order behind the head.",
    )

    def _drs_renumber_queue(self):
        """Store each queued order's rank in its flow's release order (1 = next
        to release; ``drs_queue_position``) and clear it on orders that left
        the queue.

        Positions are kept as ``drs_queue_rank`` (position plus the flow's
        ``drs_queue_offset``): each flow takes the offset that leaves the most
        stored ranks as they are, so the head leaving the queue (or an order
        entering ahead of all others) rewrites no order behind it. The offset
        stays non-negative, so a stored rank is at least 1 and an empty rank
        means outside the queue.

        Strict flows are ranked in SQL; a levelled flow's levelled sequence is
        read first (one query per flow). Then one statement stores the
        offsets and the ranks that change.
        """
        flows = self.exists()
        if not flows:
            return
        Production = self.env["mrp.production"]
        Production.flush_model([*QUEUE_ORDER_FIELDS, "drs_queue_rank"])
        flows.flush_recordset(["release_order", "levelled_release", "drs_queue_offset"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE mrp_production
                   SET drs_queue_rank = NULL
                 WHERE drs_flow_id IN %s
                   AND drs_queue_rank IS NOT NULL
                   AND (drs_state IS DISTINCT FROM 'queued' OR state NOT IN %s)
                """,
                tuple(flows.ids),
                OPEN_STATES,
            )
        )
        ranked = []
        strict = flows.filtered(lambda flow: not flow.levelled_release)
        if strict:
            ranked.append(
                SQL(
                    """
                    SELECT p.id, p.drs_flow_id, p.drs_queue_rank,
                           ROW_NUMBER() OVER (
                               PARTITION BY p.drs_flow_id ORDER BY %s
                           ) AS position
                      FROM mrp_production p
                      JOIN mrp_drs_flow f ON f.id = p.drs_flow_id
                     WHERE p.drs_flow_id IN %s
                       AND p.drs_state = 'queued'
                       AND p.state IN %s
                    """,
                    self._queue_order_sql(),
                    tuple(strict.ids),
                    OPEN_STATES,
                )
            )
        levelled = [
            SQL("(%s, %s)", production_id, rank)
            for flow in flows - strict
            for rank, (production_id, _units) in enumerate(
                flow._drs_levelled_candidates(), 1
            )
        ]
        if levelled:
            ranked.append(
                SQL(
                    """
                    SELECT p.id, p.drs_flow_id, p.drs_queue_rank, levelled.position
                      FROM (VALUES %s) AS levelled (id, position)
                      JOIN mrp_production p ON p.id = levelled.id
                     WHERE p.drs_flow_id IN %s
                    """,
                    SQL(", ").join(levelled),
                    tuple((flows - strict).ids),
                )
            )
        if ranked:
            flows._drs_store_queue_ranks(SQL(" UNION ALL ").join(ranked))
        Production.invalidate_model(["drs_queue_rank", "drs_queue_position"])
        self.invalidate_model(["drs_queue_offset"])

    def _drs_store_queue_ranks(self, ranked):
        """Store the queue positions of ``ranked``, SQL of rows ``id``,
        ``drs_flow_id`` (one of these flows), ``drs_queue_rank`` (stored
        now) and ``position``: per flow, the offset is the most common
        difference between an order's stored rank and its position (at least
        0), and only the ranks that differ from position + offset are
        written. One statement."""
        self.env.cr.execute(
            SQL(
                """
                WITH ranked AS (%s),
                offsets AS (
                    SELECT drs_flow_id,
                           GREATEST(COALESCE(MODE() WITHIN GROUP (
                               ORDER BY drs_queue_rank - position), 0), 0)
                               AS queue_offset
                      FROM ranked
                     GROUP BY drs_flow_id
                ),
                moved AS (
                    UPDATE mrp_drs_flow f
                       SET drs_queue_offset = o.queue_offset
                      FROM offsets o
                     WHERE f.id = o.drs_flow_id
                       AND f.drs_queue_offset IS DISTINCT FROM o.queue_offset
                )
                UPDATE mrp_production target
                   SET drs_queue_rank = r.position + o.queue_offset
                  FROM ranked r
                  JOIN offsets o ON o.drs_flow_id = r.drs_flow_id
                 WHERE target.id = r.id
                   -- the flows' orders only: read through their index
                   AND target.drs_flow_id IN %s
                   AND r.drs_queue_rank IS DISTINCT FROM r.position + o.queue_offset
                """,
                ranked,
                tuple(self.ids),
            )
        )

    def _drs_expected_release(self, productions):
        """When the queued orders among ``productions`` are expected to leave
        these flows' virtual queues.

        An order is released when the WIP ahead of it has made room for it:
        the room it waits for is ``wip + units ahead + own units - cap``
        equivalent units (none when it fits now; for an order larger than the
        cap, the whole WIP and the work ahead, as it enters an empty loop). A
        CONWIP loop frees room at its throughput ``mu`` (equivalent units per
        working hour, the one of :meth:`_drs_state_now`), so the release is
        expected ``room / mu`` working hours from now in the flow's calendar.
        One query reads the work ahead of every order (a running sum over the
        stored queue positions).

        :return: ``{production_id: {"room" (units), "ahead" (orders),
            "date" (naive UTC datetime, False without throughput),
            "throughput" (units/h)}}``
        """
        queued = productions.filtered(
            lambda p: p.drs_state == "queued" and p.drs_flow_id in self
        )
        if not queued:
            return {}
        Production = self.env["mrp.production"]
        Production.flush_model([*QUEUE_ORDER_FIELDS, "drs_queue_rank"])
        self.env.cr.execute(
            SQL(
                """
                SELECT ranked.id, ranked.drs_flow_id, ranked.units,
                       ranked.units_through, ranked.ahead
                  FROM (
                    SELECT id, drs_flow_id, COALESCE(drs_wip_units, 0) AS units,
                           SUM(COALESCE(drs_wip_units, 0)) OVER queue AS units_through,
                           ROW_NUMBER() OVER queue - 1 AS ahead
                      FROM mrp_production
                     WHERE drs_flow_id IN %s
                       AND drs_state = 'queued'
                       AND state IN %s
                    WINDOW queue AS (PARTITION BY drs_flow_id
                                     ORDER BY drs_queue_rank NULLS LAST, id)
                  ) ranked
                 WHERE ranked.id IN %s
                """,
                tuple(queued.drs_flow_id.ids),
                OPEN_STATES,
                tuple(queued.ids),
            )
        )
        rows_by_flow = {}
        for row in self.env.cr.fetchall():
            rows_by_flow.setdefault(row[1], []).append(row)
        now = fields.Datetime.now()
        # the flow model's state now: the throughput quotes and lead times
        # use, and the WIP (read once: a non-bottleneck loop's reads stock)
        state = queued.drs_flow_id._drs_state_now_isolated(now)
        status = queued.drs_flow_id.filtered(
            lambda flow: flow.id not in state
        )._get_wip_status()
        forecast = {}
        for flow in queued.drs_flow_id:
            rows = rows_by_flow.get(flow.id, [])
            if not rows:
                continue
            wip = (state.get(flow.id) or status[flow.id])["wip"]
            units = np.array([row[2] for row in rows])
            through = np.array([row[3] for row in rows])
            room = np.where(
                units > flow.wip_cap,
                wip + through - units,
                wip + through - flow.wip_cap,
            ).clip(min=0.0)
            throughput = state.get(flow.id, {}).get("throughput", 0.0)
            dates = (
                flow._drs_plan_hours_batch(room / throughput, now)
                if throughput > 0
                else [False] * len(rows)
            )
            for row, room_units, date in zip(rows, room, dates, strict=True):
                forecast[row[0]] = {
                    "room": float(room_units),
                    "ahead": row[4],
                    "date": date,
                    "throughput": throughput,
                }
        return forecast

    def _drs_plan_hours_batch(self, hours, now):
        """Dates ``hours`` (array) working hours after ``now`` in the flow's
        calendar, global leaves excluded: the working intervals up to the
        largest are read once and the others are found in their running sum.
        Calendar hours when the calendar has no working time."""
        self.ensure_one()
        hours = np.asarray(hours, dtype=float)
        calendar = self._drs_reference_calendar()
        horizon_end = (
            calendar.plan_hours(float(hours.max()), now, compute_leaves=True)
            if calendar and hours.max() > 0
            else False
        )
        if not horizon_end:
            return [now + timedelta(hours=float(value)) for value in hours]
        intervals = calendar._work_intervals_batch(
            pytz.utc.localize(now),
            pytz.utc.localize(horizon_end) + timedelta(minutes=1),
        )[False]
        starts, lengths = [], []
        for start, stop, _meta in intervals:
            starts.append(start.astimezone(pytz.utc).replace(tzinfo=None))
            lengths.append((stop - start).total_seconds() / 3600.0)
        if not lengths:
            return [now + timedelta(hours=float(value)) for value in hours]
        ends = np.cumsum(lengths)
        index = np.searchsorted(ends, hours, side="left").clip(max=len(ends) - 1)
        dates = []
        for value, position in zip(hours, index, strict=True):
            if value <= 0:
                dates.append(now)
                continue
            before = ends[position] - lengths[position]
            dates.append(starts[position] + timedelta(hours=float(value - before)))
        return dates
