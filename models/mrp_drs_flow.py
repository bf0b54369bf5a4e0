# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""CONWIP loops (DRS flows) and the release of manufacturing orders from their
virtual queue.

A flow is a CONWIP loop over a set of workcenters (Hopp & Spearman, *Factory
Physics*, ch. 10): confirmed manufacturing orders whose routing runs through the
flow wait in its virtual queue and are released, in queue order, while the
work-in-process of the loop stays within its cap. WIP is counted in equivalent
units (Spearman, Woodruff & Hopp 1990): an order's hours at the flow's
workcenters divided by the flow's standard work content, so that orders with
routings of different length share one cap.

The flow's other concepts extend ``mrp.drs.flow`` in their own files:
``mrp_drs_flow_throughput`` (measured and estimated throughput, the line
model, curves), ``mrp_drs_flow_recourse`` (make-up time, capacity signals,
due-date inputs) and ``mrp_drs_flow_heijunka`` (takt, quotas, levelled
release).
"""

import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, float_compare

from odoo.addons.mrp_drs.engine import conwip

from .drs_client_action import notify_and_reload

#: precision used when comparing equivalent WIP units with the cap
UNITS_DIGITS = conwip.UNITS_DIGITS

#: manufacturing order states in which an order still occupies (or waits for) the line
OPEN_STATES = ("confirmed", "progress", "to_close")

#: largest WIP cap of a flow (equivalent units); also the largest WIP level the
#: mean value analysis of a flow iterates over
WIP_CAP_MAX = 10_000.0

#: largest standard work content of one equivalent unit (h)
STANDARD_WORK_HOURS_MAX = 10_000.0

PLANNER_GROUP = "mrp_drs.group_drs_planner"


_logger = logging.getLogger(__name__)


def is_drs_planner(env):
    """Whether ``env`` may change DRS data: the superuser (crons, ``sudo()``
    inside the addon) or a member of DRS Planner."""
    return env.su or env.user.has_group(PLANNER_GROUP)


def check_drs_planner(env, message):
    """Raise ``AccessError(message)`` unless ``env`` is a DRS planner's."""
    if not is_drs_planner(env):
        raise AccessError(message)


def run_isolated(records, method, *args):
    """Call ``records.method(*args)`` set-wise; if it raises, call it record by
    record, each in its own savepoint, log the records that fail with their id
    and reason, and go on. For crons: one bad record never stops the others.

    :return: the records that failed
    """
    cr = records.env.cr
    try:
        with cr.savepoint():
            getattr(records, method)(*args)
        return records.browse()
    except Exception:  # any failure: fall back record by record
        if len(records) == 1:
            _logger.exception(
                "DRS %s failed for %s id %s", method, records._name, records.id
            )
            return records
    failed = records.browse()
    for record in records:
        try:
            with cr.savepoint():
                getattr(record, method)(*args)
        except Exception as error:  # log the bad record, go on
            _logger.warning(
                "DRS %s failed for %s id %s: %s", method, record._name, record.id, error
            )
            failed |= record
    return failed


class MrpDrsFlow(models.Model):
    _name = "mrp.drs.flow"
    _description = "DRS flow (CONWIP loop)"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "name, id"
    _check_company_auto = True
    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    workcenter_ids = fields.Many2many(
        "mrp.workcenter",
        "mrp_drs_flow_workcenter_rel",
        "flow_id",
        "workcenter_id",
        string="Workcenters",
        check_company=True,
        help="Workcenters of the loop. A manufacturing order belongs to the flow "
        "in which its operations spend the most expected time.",
    )
    wip_cap = fields.Float(
        "WIP cap (equivalent units)",
        default=10.0,
        digits="DRS Equivalent Units",
        tracking=True,
        help="Largest work-in-process the loop may hold, in equivalent units. An "
        "order is released from the virtual queue only while the current WIP plus "
        "its own units stays within this cap.",
    )
    loop_type = fields.Selection(
        [("bottleneck", "Bottleneck"), ("non_bottleneck", "Non-bottleneck")],
        required=True,
        default="bottleneck",
        tracking=True,
        help="Bottleneck loops count the WIP of released orders only. Non-bottleneck "
        "loops count that WIP plus the on-hand stock of the flow's products (in "
        "equivalent units), so that they do not build stock ahead of demand.",
    )
    standard_work_hours = fields.Float(
        "Standard work content (h)",
        default=1.0,
        digits="DRS Work Content",
        tracking=True,
        help="Work content of one equivalent WIP unit, in hours at the flow's "
        "workcenters. An order's WIP units are its expected hours at these "
        "workcenters divided by this value.",
    )
    release_order = fields.Selection(
        [
            ("date_deadline", "Earliest need date"),
            ("date_start", "Earliest scheduled start"),
            ("priority", "Priority, then need date"),
            ("fifo", "Queue date (first in, first out)"),
        ],
        required=True,
        default="date_deadline",
        tracking=True,
        help="Order in which queued manufacturing orders are released. The need "
        "date is the order's deadline, else its scheduled end.",
    )
    release_seq = fields.Integer(
        "Release runs",
        readonly=True,
        copy=False,
        help="Incremented by every release run; the update serialises concurrent "
        "releases of the same flow.",
    )
    last_release_date = fields.Datetime("Last release run", readonly=True, copy=False)
    wip = fields.Float(
        "Current WIP (equivalent units)",
        compute="_compute_wip_status",
        digits="DRS Equivalent Units",
        help="Equivalent units of released orders not yet done, plus the stock of "
        "the flow's products for non-bottleneck loops.",
    )
    wip_ratio = fields.Float(
        "WIP vs cap (%)", compute="_compute_wip_status", digits="DRS Percent"
    )
    released_count = fields.Integer("Released orders", compute="_compute_wip_status")
    queue_count = fields.Integer("Queued orders", compute="_compute_wip_status")
    queue_units = fields.Float(
        "Queued work (equivalent units)",
        compute="_compute_wip_status",
        digits="DRS Equivalent Units",
    )

    @api.depends("wip_cap", "loop_type", "standard_work_hours", "workcenter_ids")
    def _compute_wip_status(self):
        flows = self.filtered("id")
        status = flows._get_wip_status()
        for flow in self:
            row = status.get(flow.id, {})
            flow.wip = row.get("wip", 0.0)
            flow.released_count = row.get("released_count", 0)
            flow.queue_count = row.get("queue_count", 0)
            flow.queue_units = row.get("queue_units", 0.0)
            flow.wip_ratio = (
                100.0 * flow.wip / flow.wip_cap if flow.wip_cap > 0 else 0.0
            )

    @api.constrains("wip_cap")
    def _check_wip_cap(self):
        for flow in self:
            if (
                float_compare(flow.wip_cap, 0.0, precision_digits=UNITS_DIGITS) <= 0
                or flow.wip_cap > WIP_CAP_MAX
            ):
                raise ValidationError(
                    self.env._(
                        "The WIP cap of flow %(flow)s must be positive and at most "
                        "%(max)s equivalent units (got %(cap)s).",
                        flow=flow.display_name,
                        max=int(WIP_CAP_MAX),
                        cap=flow.wip_cap,
                    )
                )

    @api.constrains("standard_work_hours")
    def _check_standard_work_hours(self):
        for flow in self:
            if (
                float_compare(flow.standard_work_hours, 0.0, precision_digits=6) <= 0
                or flow.standard_work_hours > STANDARD_WORK_HOURS_MAX
            ):
                raise ValidationError(
                    self.env._(
                        "The standard work content of flow %(flow)s must be a "
                        "positive number of hours, at most %(max)s h (got "
                        "%(hours)s h).",
                        flow=flow.display_name,
                        max=int(STANDARD_WORK_HOURS_MAX),
                        hours=flow.standard_work_hours,
                    )
                )

    # "company_id" always has a value at creation, so this also runs for flows
    # created without any workcenter. A flow's workcenters are its company's:
    # a workcenter without company would bring the orders of every company
    # into the flow's WIP and queue.
    @api.constrains("workcenter_ids", "company_id", "active")
    def _check_workcenters(self):
        for flow in self:
            if not flow.workcenter_ids:
                raise ValidationError(
                    self.env._(
                        "Flow %(flow)s has no workcenter: add the workcenters of "
                        "the loop.",
                        flow=flow.display_name,
                    )
                )
            foreign = flow.workcenter_ids.sudo().filtered(
                lambda workcenter, flow=flow: workcenter.company_id != flow.company_id
            )
            if foreign:
                shared = foreign.filtered(lambda workcenter: not workcenter.company_id)
                raise ValidationError(
                    self.env._(
                        "The workcenters of flow %(flow)s must belong to its company "
                        "%(company)s; %(count)s do not%(shared)s. Set their company.",
                        flow=flow.display_name,
                        company=flow.company_id.display_name,
                        count=len(foreign),
                        shared=self.env._(
                            " (without company: %(names)s)",
                            names=", ".join(shared.mapped("display_name")),
                        )
                        if shared
                        else "",
                    )
                )
        active_flows = self.filtered("active")
        if not active_flows:
            return
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT mine.flow_id, other.flow_id, mine.workcenter_id
                  FROM mrp_drs_flow_workcenter_rel mine
                  JOIN mrp_drs_flow_workcenter_rel other
                    ON other.workcenter_id = mine.workcenter_id
                   AND other.flow_id != mine.flow_id
                  JOIN mrp_drs_flow other_flow
                    ON other_flow.id = other.flow_id AND other_flow.active
                 WHERE mine.flow_id IN %s
                 ORDER BY mine.flow_id, other.flow_id, mine.workcenter_id
                 LIMIT 1
                """,
                tuple(active_flows.ids),
            )
        )
        clash = self.env.cr.fetchone()
        if clash:
            flow, other, workcenter = (
                self.browse(clash[0]).sudo(),
                self.browse(clash[1]).sudo(),
                self.env["mrp.workcenter"].browse(clash[2]).sudo(),
            )
            if other.company_id != flow.company_id:
                # never name a record of another company
                raise ValidationError(
                    self.env._(
                        "Workcenter %(workcenter)s of flow %(flow)s is already in "
                        "another active flow: a workcenter belongs to one active "
                        "flow only.",
                        workcenter=workcenter.display_name,
                        flow=flow.display_name,
                    )
                )
            raise ValidationError(
                self.env._(
                    "Workcenter %(workcenter)s cannot be in both flows %(flow)s and "
                    "%(other)s: a workcenter belongs to one active flow only.",
                    workcenter=workcenter.display_name,
                    flow=flow.display_name,
                    other=other.display_name,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        flows = super().create(vals_list)
        flows._sync_open_productions(flows.workcenter_ids)
        return flows

    def write(self, vals):
        if vals.get("active") is False:
            self._check_no_queued_orders()
        old_workcenters = (
            self.workcenter_ids if {"workcenter_ids", "active"} & set(vals) else None
        )
        res = super().write(vals)
        if old_workcenters is not None:
            self._sync_open_productions(old_workcenters | self.workcenter_ids)
        if {"wip_cap", "loop_type", "standard_work_hours", "workcenter_ids"} & set(
            vals
        ) or vals.get("active"):
            self.filtered("active")._release_from_queue()
        elif {"release_order", "levelled_release"} & set(vals):
            self._drs_renumber_queue()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_orders(self):
        productions = (
            self.env["mrp.production"]
            .sudo()
            .search([("drs_flow_id", "in", self.ids)], limit=1)
        )
        if productions:
            raise UserError(
                self.env._(
                    "Flow %(flow)s has manufacturing orders; archive it instead of "
                    "deleting it.",
                    flow=productions.drs_flow_id.display_name,
                )
            )

    def action_compute_standard_work(self):
        """Set the standard work content to the mean hours per unit of the flow's
        products, taken from their bills of materials' operations at the flow's
        workcenters."""
        self._drs_check_planner()
        hours_by_flow = self._get_product_work_hours()
        for flow in self:
            hours = list(hours_by_flow.get(flow.id, {}).values())
            hours = [value for value in hours if value > 0]
            if not hours:
                raise UserError(
                    self.env._(
                        "Flow %(flow)s has no bill of materials with operations "
                        "at its workcenters: the standard work content cannot be "
                        "computed from them.",
                        flow=flow.display_name,
                    )
                )
            flow.standard_work_hours = sum(hours) / len(hours)
        return True

    def action_view_queue(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "mrp_drs.mrp_production_drs_queue_action"
        )
        action["domain"] = [
            ("drs_flow_id", "=", self.id),
            ("drs_state", "=", "queued"),
            ("state", "in", OPEN_STATES),
        ]
        action["context"] = {"search_default_group_by_drs_flow": False}
        return action

    def action_view_released(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "mrp_drs.mrp_production_drs_queue_action"
        )
        action["name"] = self.env._("Released orders")
        action["domain"] = [
            ("drs_flow_id", "=", self.id),
            ("drs_state", "=", "released"),
            ("state", "in", OPEN_STATES),
        ]
        action["context"] = {"search_default_group_by_drs_flow": False}
        return action

    def action_release_now(self):
        """Button: run a release of the virtual queue now. DRS planners only."""
        self._drs_check_planner()
        self.check_access("read")
        released = self.sudo()._release_from_queue()
        return notify_and_reload(
            self.env._(
                "%(count)s manufacturing order(s) released.", count=len(released)
            ),
            "success" if released else "info",
        )

    def _drs_check_planner(self):
        check_drs_planner(
            self.env,
            self.env._(
                "Only DRS planners can release orders or run the DRS computations "
                "of a flow."
            ),
        )

    def _drs_action_for(self, xmlid):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(xmlid)
        action["domain"] = [("flow_id", "=", self.id)]
        action["context"] = {"default_flow_id": self.id}
        return action

    def _check_no_queued_orders(self):
        status = self._get_wip_status()
        for flow in self:
            queued = status.get(flow.id, {}).get("queue_count", 0)
            if queued:
                raise UserError(
                    self.env._(
                        "Flow %(flow)s still has %(count)s queued manufacturing "
                        "order(s): release or cancel them before archiving it.",
                        flow=flow.display_name,
                        count=queued,
                    )
                )

    def _get_wip_status(self):
        """WIP and queue figures of the flows in ``self``: the orders' figures
        of :meth:`_get_order_status` (one query) plus, for non-bottleneck
        loops, the stock of the flow's products (:meth:`_get_stock_units`).

        Returns ``{flow_id: {"wip", "released_units", "released_count",
        "queue_units", "queue_count", "stock_units"}}``; WIP is in equivalent units
        and includes the stock of the flow's products for non-bottleneck loops.
        """
        status = self._get_order_status()
        stock_units = self.filtered(
            lambda flow: flow.loop_type == "non_bottleneck"
        )._get_stock_units()
        for flow_id, row in status.items():
            row["stock_units"] = stock_units.get(flow_id, 0.0)
            row["wip"] = row["released_units"] + row["stock_units"]
        return status

    def _get_order_status(self):
        """The orders' part of :meth:`_get_wip_status`, read in one query:
        ``{flow_id: {"released_units", "released_count", "queue_units",
        "queue_count"}}`` (equivalent units), every flow of ``self`` included."""
        if not self.ids:
            return {}
        self.env["mrp.production"].flush_model(
            ["drs_flow_id", "drs_state", "drs_wip_units", "state"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT drs_flow_id,
                       COALESCE(SUM(drs_wip_units)
                                FILTER (WHERE drs_state = 'released'), 0),
                       COUNT(*) FILTER (WHERE drs_state = 'released'),
                       COALESCE(SUM(drs_wip_units)
                                FILTER (WHERE drs_state = 'queued'), 0),
                       COUNT(*) FILTER (WHERE drs_state = 'queued')
                  FROM mrp_production
                 WHERE drs_flow_id IN %s
                   AND drs_state IS NOT NULL
                   AND state IN %s
                 GROUP BY drs_flow_id
                """,
                tuple(self.ids),
                OPEN_STATES,
            )
        )
        rows = {
            flow_id: {
                "released_units": released_units,
                "released_count": released_count,
                "queue_units": queue_units,
                "queue_count": queue_count,
            }
            for (
                flow_id,
                released_units,
                released_count,
                queue_units,
                queue_count,
            ) in self.env.cr.fetchall()
        }
        return {
            flow.id: rows.get(
                flow.id,
                {
                    "released_units": 0.0,
                    "released_count": 0,
                    "queue_units": 0.0,
                    "queue_count": 0,
                },
            )
            for flow in self
        }

    def _lock_for_release(self):
        """Lock and touch the row of each flow, in id order.

        Odoo runs transactions in REPEATABLE READ: a transaction that only waited
        for a lock would then read WIP from its older snapshot. Updating the row
        makes a concurrent release of the same flow fail with a serialization
        error instead (Odoo retries the request, the cron runs again), so the cap
        cannot be exceeded by two releases computed from the same WIP.
        """
        for flow in self.sorted("id"):
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE mrp_drs_flow
                       SET release_seq = COALESCE(release_seq, 0) + 1,
                           last_release_date = (now() AT TIME ZONE 'UTC')
                     WHERE id = %s
                    """,
                    flow.id,
                )
            )
        self.invalidate_recordset(["release_seq", "last_release_date"])

    @api.model
    def _queue_order_sql(self):
        """ORDER BY terms of the virtual queue; ``p`` is ``mrp_production``, ``f``
        ``mrp_drs_flow``. Ties are broken by queue date, then id."""
        return SQL(
            """
            CASE WHEN f.release_order = 'priority' THEN p.priority END
                DESC NULLS LAST,
            CASE f.release_order
                WHEN 'fifo' THEN p.drs_queue_date
                WHEN 'date_start' THEN p.date_start
                ELSE COALESCE(p.date_deadline, p.date_finished, p.date_start)
            END ASC NULLS LAST,
            p.drs_queue_date ASC NULLS LAST,
            p.id ASC
            """
        )

    def _drs_queue_candidates(self):
        """Queued orders of this flow in the order the release walks them:
        ``[(production_id, equivalent units)]``, in queue order
        (``release_order``); a levelled flow overrides it with its levelled
        sequence."""
        return self._drs_read_queue(SQL("p.id, COALESCE(p.drs_wip_units, 0)"))

    def _drs_read_queue(self, columns):
        """Rows of ``columns`` (SQL over ``p``, the order, and ``f``, the flow)
        of this flow's queued orders, in queue order; one query."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                """
                SELECT %s
                  FROM mrp_production p
                  JOIN mrp_drs_flow f ON f.id = p.drs_flow_id
                 WHERE p.drs_flow_id = %s
                   AND p.drs_state = 'queued'
                   AND p.state IN %s
                 ORDER BY %s
                """,
                columns,
                self.id,
                OPEN_STATES,
                self._queue_order_sql(),
            )
        )
        return self.env.cr.fetchall()

    def _release_from_queue(self, productions=None):
        """Release queued orders of these flows in queue order while the cap allows.

        For each flow (in id order) the flow row is locked and updated, then the
        current WIP is read with SQL and the queue is walked in its release order
        (``_drs_queue_candidates``: queue order, or the levelled sequence) by
        the CONWIP admission rule, :func:`engine.conwip.releasable_count`.
        Given ``productions``, only those orders are released (a planner's
        selection), walked the same way. The queue positions are renumbered
        afterwards.

        :return: the released ``mrp.production`` records
        """
        Production = self.env["mrp.production"]
        flows = self.filtered("active")
        if not flows:
            return Production
        self.env.flush_all()
        flows._lock_for_release()
        status = flows._get_wip_status()
        selected = set(productions.ids) if productions is not None else None
        to_release = []
        for flow in flows.sorted("id"):
            candidates = flow._drs_queue_candidates()
            if selected is not None:
                candidates = [row for row in candidates if row[0] in selected]
            count = conwip.releasable_count(
                [units for _production_id, units in candidates],
                status[flow.id]["wip"],
                flow.wip_cap,
                status[flow.id]["released_count"],
            )
            to_release += [
                production_id for production_id, _units in candidates[:count]
            ]
        released = Production.browse(to_release)
        if released:
            released.sudo()._drs_set_state("released")
        else:
            flows._drs_renumber_queue()
        return released

    def _drs_releasable_counts(self, caps, loop_types=None):
        """How many queued orders each flow would release at once under another
        WIP cap (and loop type): ``{flow_id: count}`` for ``caps`` ``{flow_id:
        cap}`` and ``loop_types`` ``{flow_id: loop type}`` (the admission rule
        of :meth:`_release_from_queue`, nothing written)."""
        loop_types = loop_types or {}
        flows = self.filtered("active")
        queues = {flow: flow._drs_queue_candidates() for flow in flows}
        counts = {flow.id: 0 for flow in flows}
        # an empty queue releases nothing, whatever the cap
        flows = flows.filtered(lambda flow: queues[flow])
        status = flows._get_order_status()
        # the stock of the loops that are non-bottleneck under these types,
        # read once
        stock = flows.filtered(
            lambda flow: loop_types.get(flow.id, flow.loop_type) == "non_bottleneck"
        )._get_stock_units()
        for flow in flows:
            candidates = queues[flow]
            wip = status[flow.id]["released_units"] + stock.get(flow.id, 0.0)
            counts[flow.id] = conwip.releasable_count(
                [units for _production_id, units in candidates],
                wip,
                caps.get(flow.id, flow.wip_cap),
                status[flow.id]["released_count"],
            )
        return counts

    def _drs_cap_level(self):
        """The cap as a whole number of units for the mean value analysis (a
        loop count): rounded, at least 1, at most :data:`WIP_CAP_MAX`."""
        self.ensure_one()
        return int(min(max(round(self.wip_cap), 1), WIP_CAP_MAX))

    @api.model
    def _cron_release_from_queue(self):
        """Release the virtual queues of all active flows, company by company;
        a flow whose release fails is logged and skipped."""
        flows = self.sudo().search([("active", "=", True)])
        for company, company_flows in flows.grouped("company_id").items():
            run_isolated(company_flows.with_company(company), "_release_from_queue")
        return True
