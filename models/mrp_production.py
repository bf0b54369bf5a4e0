# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Virtual queue of manufacturing orders.

Confirming an order whose routing runs through a DRS flow puts it in the flow's
virtual queue (``drs_state = 'queued'``); it cannot be started until the flow
releases it (``'released'``). Orders with no operation in any flow keep the
standard Odoo behaviour (``drs_state`` empty).
"""

from collections import defaultdict
from datetime import timedelta

import numpy as np

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL, format_datetime
from odoo.tools.query import Query

from odoo.addons.mrp_drs.engine import conwip

from .mrp_drs_flow import OPEN_STATES, check_drs_planner

#: the virtual-queue ticket of an order: written by the addon's own methods
#: (queueing, release, force release, backorders) only
DRS_TICKET_FIELDS = frozenset(
    {"drs_state", "drs_wip_units", "drs_flow_id", "drs_queue_date", "drs_release_date"}
)

#: order fields whose change may move a queued order in its flow's queue
QUEUE_ORDER_KEYS = {"priority", "date_deadline", "date_start", "date_finished"}


class MrpProduction(models.Model):
    _inherit = "mrp.production"

    drs_flow_id = fields.Many2one(
        "mrp.drs.flow",
        string="DRS flow",
        compute="_compute_drs_flow_id",
        store=True,
        index=True,
        readonly=True,
        # deleting a flow that has orders is refused by the flow itself (archive
        # it instead); "set null" only lets the addon's uninstallation drop flows
        ondelete="set null",
        help="CONWIP loop whose workcenters this order's operations spend the most "
        "expected time at. Empty: the order is outside DRS. Fixed once the order "
        "is queued.",
    )
    drs_state = fields.Selection(
        [("queued", "Queued"), ("released", "Released")],
        string="DRS state",
        copy=False,
        index=True,
        readonly=True,
        tracking=True,
        help="Queued: waits in the virtual queue of its flow and cannot start. "
        "Released: counted in the flow's WIP. Empty: outside DRS.",
    )
    drs_queue_date = fields.Datetime("Queued on", copy=False, readonly=True)
    drs_release_date = fields.Datetime("Released on", copy=False, readonly=True)
    drs_wip_units = fields.Float(
        "WIP (equivalent units)",
        copy=False,
        readonly=True,
        help="Expected hours of the order at its flow's workcenters divided by the "
        "flow's standard work content; set when the order is queued.",
    )
    drs_queue_rank = fields.Integer(
        "Queue rank",
        copy=False,
        readonly=True,
        aggregator=None,
        help="The order's queue position plus its flow's queue offset; empty "
        "outside the queue. The head leaving the queue moves the offset, not "
        "the rank of every order behind it.",
    )
    drs_queue_position = fields.Integer(
        "Queue position",
        compute="_compute_drs_queue_position",
        search="_search_drs_queue_position",
        aggregator=None,
        help="Rank of the order in its flow's virtual queue in release order (1 = "
        "next to release; a levelled flow's levelled sequence). Renumbered by "
        "every change of the queue.",
    )
    drs_room_units = fields.Float(
        "Waiting for room (equivalent units)",
        compute="_compute_drs_release_forecast",
        digits="DRS Equivalent Units",
        help="Equivalent WIP units that must be completed in the flow before this "
        "order fits under the cap, counting the orders ahead of it.",
    )
    drs_orders_ahead = fields.Integer(
        "Orders ahead", compute="_compute_drs_release_forecast"
    )
    drs_expected_release_date = fields.Datetime(
        "Expected release",
        compute="_compute_drs_release_forecast",
        help="When the flow, completing work at its current throughput, makes "
        "room for this order; empty while the flow has no throughput estimate.",
    )
    drs_release_forecast = fields.Char(
        "Why it waits", compute="_compute_drs_release_forecast"
    )
    drs_waiting_hours = fields.Float(
        "Waiting time (h)",
        compute="_compute_drs_waiting_hours",
        help="Hours spent in the virtual queue: until now for queued orders, until "
        "the release for released ones.",
    )

    @api.depends(
        "workorder_ids.workcenter_id",
        "workorder_ids.duration_expected",
        "workorder_ids.state",
    )
    def _compute_drs_flow_id(self):
        fixed = self.filtered(
            # the queue ticket is fixed: keep the stored flow
            lambda p: p.drs_state or p.state in ("done", "cancel")
        )
        for production in fixed:
            production.drs_flow_id = production._origin.drs_flow_id
        pending = list(self - fixed)
        rows = [
            (position, workorder.workcenter_id.id, workorder.duration_expected or 0.0)
            for position, production in enumerate(pending)
            for workorder in production.workorder_ids
            # an order counts only in flows of its own company
            if workorder.state != "cancel"
            and workorder.workcenter_id.drs_flow_id.sudo().company_id
            == production.company_id
        ]
        # items are positions in ``pending``: new records have no usable id yet
        flow_of = (
            self.env["mrp.drs.flow"]._drs_flow_of(*zip(*rows, strict=True))
            if rows
            else {}
        )
        for position, production in enumerate(pending):
            production.drs_flow_id = flow_of.get(position, False)

    @api.depends("drs_queue_rank", "drs_flow_id.drs_queue_offset")
    def _compute_drs_queue_position(self):
        for production in self:
            rank = production.drs_queue_rank
            production.drs_queue_position = (
                rank - production.drs_flow_id.sudo().drs_queue_offset if rank else 0
            )

    def _search_drs_queue_position(self, operator, value):
        if value is False and operator in ("=", "!="):
            return [("drs_queue_rank", operator, False)]
        query = Query(self.env, self._table, self._table_sql)
        query.add_where(
            self._condition_to_sql(
                self._table, "drs_queue_position", operator, value, query
            )
        )
        return [("id", "in", query)]

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        """The queue position in SQL (sorting and searching): the stored rank
        less the offset of the order's flow, joined once per query."""
        if fname != "drs_queue_position" or query is None:
            return super()._field_to_sql(alias, fname, query, flush)
        flow_alias = query.make_alias(alias, "drs_queue_offset")
        query.add_join(
            "LEFT JOIN",
            flow_alias,
            "mrp_drs_flow",
            SQL(
                "%s = %s",
                super()._field_to_sql(alias, "drs_flow_id", query, flush),
                SQL.identifier(flow_alias, "id"),
            ),
        )
        return SQL(
            "(%s - %s)",
            super()._field_to_sql(alias, "drs_queue_rank", query, flush),
            self.env["mrp.drs.flow"]._field_to_sql(
                flow_alias, "drs_queue_offset", query, flush
            ),
        )

    # the forecast also depends on the rest of the flow's queue and its WIP,
    # which no dependency can express: it is not stored, so each request
    # computes it anew
    @api.depends("drs_state", "drs_queue_position", "drs_wip_units", "state")
    def _compute_drs_release_forecast(self):
        queued = self.filtered(
            lambda p: (
                isinstance(p.id, int)
                and p.drs_state == "queued"
                and p.state in OPEN_STATES
            )
        )
        forecast = queued.drs_flow_id.sudo()._drs_expected_release(queued)
        for production in self:
            row = forecast.get(production.id)
            if not row:
                production.drs_room_units = 0.0
                production.drs_orders_ahead = 0
                production.drs_expected_release_date = False
                production.drs_release_forecast = False
                continue
            production.drs_room_units = row["room"]
            production.drs_orders_ahead = row["ahead"]
            production.drs_expected_release_date = row["date"]
            production.drs_release_forecast = production._drs_forecast_text(row)

    def _drs_forecast_text(self, row):
        """The sentence telling the planner why the order waits and until when."""
        if row["date"]:
            when = self.env._(
                "expected release around %(date)s at the flow's current throughput "
                "(%(throughput).2f equivalent units/h)",
                date=format_datetime(self.env, row["date"], dt_format="short"),
                throughput=row["throughput"],
            )
        else:
            when = self.env._(
                "no expected release date: the flow has no throughput estimate yet"
            )
        if row["room"] > 0:
            return self.env._(
                "Waiting for %(room).2f equivalent units of room; %(ahead)s order(s) "
                "ahead; %(when)s.",
                room=row["room"],
                ahead=row["ahead"],
                when=when,
            )
        return self.env._(
            "Fits under the cap: released by the next release run; %(ahead)s "
            "order(s) ahead.",
            ahead=row["ahead"],
        )

    @api.depends("drs_state", "drs_queue_date", "drs_release_date")
    def _compute_drs_waiting_hours(self):
        now = fields.Datetime.now()
        for production in self:
            start = production.drs_queue_date
            end = (
                now if production.drs_state == "queued" else production.drs_release_date
            )
            production.drs_waiting_hours = (
                max((end - start).total_seconds(), 0.0) / 3600.0
                if start and end and production.drs_state
                else 0.0
            )

    @api.model
    def search(self, domain, offset=0, limit=None, order=None):
        # stock.rule._run_manufacture looks for an open, unplanned MO of the same
        # product and BoM to add procured quantity to; DRS orders must not grow
        # silently after their WIP units were counted (see stock_rule.py).
        if self.env.context.get("mrp_drs_exclude_from_merge") and _is_merge_domain(
            domain
        ):
            domain = expression.AND([list(domain), [("drs_state", "=", False)]])
        return super().search(domain, offset=offset, limit=limit, order=order)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._drs_check_ticket_write(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._drs_check_ticket_write(vals)
        if vals.get("qty_producing"):
            self._drs_check_not_queued()
        res = super().write(vals)
        if "product_qty" in vals:
            self.filtered(
                lambda p: p.drs_state and p.state in OPEN_STATES
            )._drs_refresh_wip_units()
        if QUEUE_ORDER_KEYS & set(vals):
            self.filtered(
                lambda p: p.drs_state == "queued"
            ).drs_flow_id.sudo()._drs_renumber_queue()
        return res

    def action_confirm(self):
        candidates = self.filtered(lambda p: p.state == "draft" and not p.drs_state)
        # the virtual queue holds information, not material: an order about to
        # queue reserves its components when it is released, not at confirmation
        res = super(
            MrpProduction,
            self.with_context(
                mrp_drs_defer_reservation=candidates.filtered("drs_flow_id").ids
            ),
        ).action_confirm()
        to_queue = candidates.filtered(
            lambda p: p.state in OPEN_STATES and p.drs_flow_id
        )
        if to_queue:
            to_queue._drs_set_state("queued")
            to_queue.drs_flow_id.sudo()._release_from_queue()
        return res

    def action_start(self):
        self._drs_check_not_queued()
        return super().action_start()

    def button_plan(self):
        # confirming may queue the orders; the queued ones hold no capacity
        self.filtered(lambda p: p.state == "draft").action_confirm()
        queued = self.filtered(
            lambda p: p.drs_state == "queued" and p.state in OPEN_STATES
        )
        res = super(MrpProduction, self - queued).button_plan()
        if not queued:
            return res
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning",
                "message": self.env._(
                    "%(orders)s wait in the virtual queue and hold no workcenter "
                    "time: plan them once they are released.",
                    orders=", ".join(queued.mapped("display_name")),
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _plan_workorders(self, replan=False):
        queued = self.filtered(
            lambda p: p.drs_state == "queued" and p.state in OPEN_STATES
        )
        if queued:
            raise UserError(
                self.env._(
                    "%(orders)s wait in the virtual queue of their flow and hold no "
                    "workcenter time until released: plan them after the release.",
                    orders=", ".join(queued.mapped("display_name")),
                )
            )
        return super()._plan_workorders(replan=replan)

    def button_mark_done(self):
        self._drs_check_not_queued()
        res = super().button_mark_done()
        self._drs_release_freed_flows()
        return res

    def _action_cancel(self):
        res = super()._action_cancel()
        self._drs_release_freed_flows()
        return res

    def action_drs_release(self):
        """Release these queued orders now, ahead of the queue order, if their
        flow's cap allows; otherwise raise ``UserError`` and change nothing.
        Orders already released are left as they are. DRS planners only."""
        self._drs_check_planner()
        self._drs_release_now()
        return True

    def action_drs_release_selection(self):
        """Release the queued orders of this selection, in their flows' release
        order, while the caps allow; the others stay queued. Unlike
        :meth:`action_drs_release`, a cap reached part-way is not an error: the
        notification says how many were released. DRS planners only."""
        self._drs_check_planner()
        queued = self._drs_check_releasable()
        released = queued.drs_flow_id.sudo()._release_from_queue(productions=queued)
        waiting = queued - released
        if waiting:
            message = self.env._(
                "%(released)s of %(selected)s queued order(s) released; "
                "%(waiting)s stay in the queue: their flow's WIP cap is reached "
                "(force the release to go beyond it).",
                released=len(released),
                selected=len(queued),
                waiting=len(waiting),
            )
        else:
            message = self.env._(
                "%(released)s queued order(s) released.", released=len(released)
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if waiting else "success",
                "message": message,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_open_drs_force_release(self):
        """Open the wizard asking why these orders are forced out of the queue."""
        self._drs_check_planner()
        self._drs_check_releasable()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "mrp_drs.mrp_drs_force_release_action"
        )
        action["context"] = {"default_production_ids": self.ids}
        return action

    def action_drs_force_release(self, reason):
        """Release these queued orders now even beyond their flow's cap, and log
        ``reason`` in the chatter of each order and of its flow. DRS planners only.
        """
        self._drs_check_planner()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(
                self.env._(
                    "Give a reason for the forced release; it goes to the chatter."
                )
            )
        for flow, orders, wip_before, units in self._drs_release_now(beyond_cap=True):
            for production in orders:
                production.message_post(
                    body=self.env._(
                        "Released by force from the virtual queue of flow %(flow)s "
                        "(WIP %(wip).2f of cap %(cap).2f before release). "
                        "Reason: %(reason)s",
                        flow=flow.display_name,
                        wip=wip_before,
                        cap=flow.wip_cap,
                        reason=reason,
                    )
                )
            flow.message_post(
                body=self.env._(
                    "%(orders)s released by force by %(user)s; WIP now %(wip).2f of "
                    "cap %(cap).2f. Reason: %(reason)s",
                    orders=", ".join(orders.mapped("display_name")),
                    user=self.env.user.display_name,
                    wip=wip_before + units,
                    cap=flow.wip_cap,
                    reason=reason,
                )
            )
        return True

    @api.model
    def _drs_check_ticket_write(self, vals):
        """Refuse a direct write of the virtual-queue ticket.

        The addon writes these fields in superuser mode (``sudo()``) from its
        own methods, after their own rights checks. Superuser mode cannot be
        reached over RPC: every call builds a new environment of the calling
        user, and calling ``sudo`` remotely returns ids, not a privileged
        environment. A context key, which RPC clients can pass, would not do.
        """
        if not self.env.su and DRS_TICKET_FIELDS & set(vals):
            raise AccessError(
                self.env._(
                    "The DRS state of a manufacturing order changes only through "
                    "the virtual queue (queueing, release, forced release); it "
                    "cannot be written directly."
                )
            )

    def _drs_check_planner(self):
        check_drs_planner(
            self.env,
            self.env._(
                "Only DRS planners can release manufacturing orders from the "
                "virtual queue."
            ),
        )

    def _drs_check_releasable(self):
        """Return the queued orders of ``self``; raise ``UserError`` if one of them
        is outside DRS or already done or cancelled."""
        outside = self.filtered(lambda p: not p.drs_state)
        if outside:
            raise UserError(
                self.env._(
                    "%(orders)s: no operation runs at the workcenters of a DRS flow "
                    "(or the order is not confirmed), so the order is outside DRS "
                    "and has no virtual queue to be released from.",
                    orders=", ".join(outside.mapped("display_name")),
                )
            )
        closed = self.filtered(lambda p: p.state not in OPEN_STATES)
        if closed:
            raise UserError(
                self.env._(
                    "%(orders)s: done or cancelled orders cannot be released.",
                    orders=", ".join(closed.mapped("display_name")),
                )
            )
        return self.filtered(lambda p: p.drs_state == "queued")

    def _drs_release_now(self, beyond_cap=False):
        """Release the queued orders of ``self`` now: the one release of the
        planner's buttons, as ``pre_button_mark_done`` is the one prelude of
        marking done. Checks the orders, locks their flows
        (``mrp.drs.flow._lock_for_release``) and reads each flow's WIP once
        under that lock; unless ``beyond_cap``, refuses with ``UserError``,
        before any change, when a flow's orders do not fit its cap.

        Returns ``[(flow, orders, wip_before, units)]``, one per flow, WIP and
        units in equivalent WIP units.
        """
        queued = self._drs_check_releasable()
        if not queued:
            return []
        flows = queued.drs_flow_id.sudo()
        self.env.flush_all()
        flows._lock_for_release()
        status = flows._get_wip_status()
        releases = []
        for flow in flows:
            orders = queued.filtered(lambda p, flow=flow: p.drs_flow_id == flow)
            units = sum(orders.mapped("drs_wip_units"))
            row = status[flow.id]
            in_process = row["released_count"] or len(orders) > 1
            if not beyond_cap and not conwip.release_fits(
                row["wip"], units, flow.wip_cap, in_process
            ):
                raise UserError(
                    self.env._(
                        "Flow %(flow)s holds %(wip).2f of its %(cap).2f equivalent "
                        "WIP units; releasing %(orders)s needs %(units).2f more. Wait "
                        "until orders of the flow are done, raise its cap, or force "
                        "the release.",
                        flow=flow.display_name,
                        wip=row["wip"],
                        cap=flow.wip_cap,
                        orders=", ".join(orders.mapped("display_name")),
                        units=units,
                    )
                )
            releases.append((flow, orders, row["wip"], units))
        queued._drs_set_state("released")
        return releases

    def _drs_check_not_queued(self):
        queued = self.filtered(
            lambda p: p.drs_state == "queued" and p.state in OPEN_STATES
        )
        if queued:
            raise UserError(
                self.env._(
                    "%(orders)s waiting in the virtual queue of flow %(flow)s: it "
                    "cannot start until the flow releases it (when its WIP drops "
                    "below the cap) or a DRS planner releases it.",
                    orders=", ".join(queued.mapped("display_name")),
                    flow=", ".join(queued.drs_flow_id.sudo().mapped("display_name")),
                )
            )

    def _drs_release_freed_flows(self):
        """After orders left the line (done or cancelled), release their flows."""
        closed = self.filtered(lambda p: p.drs_state and p.state in ("done", "cancel"))
        if closed:
            closed.drs_flow_id.sudo()._release_from_queue()

    def _drs_compute_wip_units(self):
        """Equivalent WIP units of each order: ``{production_id: units}``.

        Hours are the expected durations of the order's work orders (not
        cancelled) at the workcenters of its flow, read in one grouped query.
        """
        productions = self.filtered("drs_flow_id")
        if not productions:
            return {}
        flows = productions.drs_flow_id.sudo()
        workcenters_by_flow = {flow.id: set(flow.workcenter_ids.ids) for flow in flows}
        rows = (
            self.env["mrp.workorder"]
            .sudo()
            ._read_group(
                [
                    ("production_id", "in", productions.ids),
                    ("state", "!=", "cancel"),
                    ("workcenter_id", "in", flows.workcenter_ids.ids),
                ],
                ["production_id", "workcenter_id"],
                ["duration_expected:sum"],
            )
        )
        flow_by_production = {p.id: p.drs_flow_id.id for p in productions}
        minutes = defaultdict(float)
        for production, workcenter, duration in rows:
            flow_id = flow_by_production[production.id]
            if workcenter.id in workcenters_by_flow[flow_id]:
                minutes[production.id] += duration
        hours = np.array([minutes[pid] / 60.0 for pid in productions.ids])
        standard = np.array(
            [p.drs_flow_id.sudo().standard_work_hours for p in productions]
        )
        units = np.atleast_1d(conwip.equivalent_wip_units(hours, standard))
        return dict(zip(productions.ids, units.tolist(), strict=True))

    def _drs_write_units(self, units_by_id, vals):
        """Write ``vals`` plus each order's units, one write per distinct value."""
        by_units = defaultdict(list)
        for production in self:
            by_units[units_by_id.get(production.id, 0.0)].append(production.id)
        for units, ids in by_units.items():
            self.browse(ids).sudo().write(dict(vals, drs_wip_units=units))

    def _drs_set_state(self, drs_state):
        """Move these orders to ``drs_state`` ('queued' or 'released'), stamping
        the dates; queuing (or adopting an order never queued) sets its units."""
        now = fields.Datetime.now()
        if drs_state == "queued":
            self._drs_write_units(
                self._drs_compute_wip_units(),
                {"drs_state": "queued", "drs_queue_date": now},
            )
            self._drs_free_material_and_capacity()
            self.drs_flow_id.sudo()._drs_renumber_queue()
            return
        was_queued = self.filtered(lambda p: p.drs_state == "queued")
        unqueued = self.filtered(lambda p: not p.drs_queue_date)
        (self - unqueued).sudo().write(
            {"drs_state": "released", "drs_release_date": now}
        )
        if unqueued:
            unqueued._drs_write_units(
                unqueued._drs_compute_wip_units(),
                {
                    "drs_state": "released",
                    "drs_queue_date": now,
                    "drs_release_date": now,
                },
            )
        was_queued._drs_reserve_on_release()
        self.drs_flow_id.sudo()._drs_renumber_queue()

    def _drs_free_material_and_capacity(self):
        """A queued order holds no reserved components and no planned
        workcenter time (an order queued again, or a backorder's ticket)."""
        self.move_raw_ids.filtered(
            lambda move: move.state in ("partially_available", "assigned")
        )._do_unreserve()
        self.filtered(
            lambda p: (
                p.is_planned
                and not p.workorder_ids.filtered(
                    lambda w: w.state in ("progress", "done")
                )
            )
        ).button_unplan()

    def _drs_reserve_on_release(self):
        """Reserve the components of orders leaving the queue as Odoo would
        have at their confirmation: moves that bypass reservation, of an
        operation type reserving at confirmation, or whose reservation date
        has come."""
        today = fields.Date.context_today(self)
        self.move_raw_ids.filtered(
            lambda move: (
                move.state in ("confirmed", "partially_available")
                and (
                    move._should_bypass_reservation()
                    or move.picking_type_id.reservation_method == "at_confirm"
                    or (move.reservation_date and move.reservation_date <= today)
                )
            )
        )._action_assign()

    def _drs_refresh_wip_units(self):
        if self:
            self._drs_write_units(self._drs_compute_wip_units(), {})

    def _split_productions(
        self, amounts=False, cancel_remaining_qty=False, set_consumed_qty=False
    ):
        tickets = {
            production.id: {
                "drs_flow_id": production.drs_flow_id.id,
                "drs_state": production.drs_state,
                "drs_queue_date": production.drs_queue_date,
                "drs_release_date": production.drs_release_date,
            }
            for production in self
            if production.drs_state
        }
        productions = super()._split_productions(
            amounts=amounts,
            cancel_remaining_qty=cancel_remaining_qty,
            set_consumed_qty=set_consumed_qty,
        )
        # a backorder keeps the queue ticket (or the release) of its order; mrp
        # returns each order followed by its backorders
        backorders, origin = defaultdict(list), None
        for production in productions:
            if production.id in self.ids:
                origin = production.id
            elif origin in tickets:
                backorders[origin].append(production.id)
        for origin_id, ids in backorders.items():
            self.browse(ids).sudo().write(tickets[origin_id])
        productions.filtered(
            lambda p: p.drs_state and p.state in OPEN_STATES
        )._drs_refresh_wip_units()
        return productions

    # DRS planned lead times: an unplanned order of a bill of materials
    # with a computed planned lead time is expected to finish that lead time
    # after its start, instead of the fixed manufacturing lead time.
    def _compute_date_finished(self):
        res = super()._compute_date_finished()
        for production in self:
            if (
                not production.date_start
                or production.is_planned
                or production.state == "done"
            ):
                continue
            planned_days = production.bom_id._drs_planned_lead_days()
            if planned_days is not None:
                production.date_finished = production.date_start + timedelta(
                    days=planned_days
                )
        return res


def _is_merge_domain(domain):
    """Whether ``domain`` is the one ``stock.rule._run_manufacture`` uses to find
    an existing manufacturing order to add procured quantity to."""
    leaves = [list(leaf) for leaf in domain if isinstance(leaf, (list, tuple))]
    return ["is_planned", "=", False] in leaves and ["user_id", "=", False] in leaves
