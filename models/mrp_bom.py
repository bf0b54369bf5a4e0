# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Planned lead times of bills of materials routed through DRS flows.

A bill of materials is *DRS-active* when one of its operations runs at a
workcenter of an active DRS flow; its flow is ``mrp.drs.flow._drs_flow_of``
(where its operations spend the most expected time, the rule that assigns
manufacturing orders to flows). Its planned lead time, for the BoM quantity,
is built from the current state of that flow and the anticipated load of the
other workcenters:

* the flow part (engine ``flowline.lead_time_now`` through
  ``mrp.drs.flow._drs_lead_time_now``): a new order of the BoM's equivalent
  units waits behind the flow's whole virtual queue and its WIP, less the
  authorised make-up work, at the flow's throughput (the one the quotes use):
  virtual-queue wait, queue at the flow's stations, own work. When the flow
  receives more work than it delivers, the virtual-queue part is the time to
  clear the backlog, and the status says so ('backlog') instead of falling
  back to the fixed lead time;
* each operation at a workcenter outside that flow: the workcenter's queue
  time from its anticipated load (``mrp.workcenter._drs_compute_lead_times``;
  queued DRS orders are not station load) plus the operation's expected time;
* quantile at the company's DRS service level (gamma,
  :func:`engine.leadtime.route_lead_time`). For a BoM whose operations are all
  in its flow this is exactly the due-date quote of one BoM lot behind the
  queue of the recompute.

Two figures are kept: ``drs_lead_time_hours`` in working hours, and
``drs_lead_time_days`` in calendar days, the one planning uses: each part is
stretched by the ratio of elapsed to working hours of its calendar over the
horizon (the flow part by that of the flow's bottleneck). A BoM keeps its
fixed lead time (``produce_delay``) only when a workcenter outside its flow
has no finite queue time or its flow has no throughput at all; the status
says which.
"""

import logging

import numpy as np
import pandas as pd

from odoo import api, fields, models
from odoo.tools import SQL, float_round

from odoo.addons.mrp.models.mrp_routing import MrpRoutingWorkcenter as MrpOperation
from odoo.addons.mrp.models.mrp_workcenter import MrpWorkcenter as MrpWorkcenterBase
from odoo.addons.mrp_drs.engine import leadtime

from .mrp_workcenter import _nullables, sql_update_changed
from .sql_arrays import sql_array

_logger = logging.getLogger(__name__)

BOM_LEAD_TIME_STATUSES = [
    ("ok", "Computed"),
    ("backlog", "Backlog: the flow receives more than it delivers (re-optimise)"),
    ("workcenter", "Fixed lead time kept: a workcenter has no lead time"),
    ("flow", "Fixed lead time kept: the flow has no throughput"),
]

#: up to this many products, the bills of materials of a set of products are
#: looked up product by product (a lateral join: index probes). PostgreSQL's
#: default costs price each probe as a random page read and, for a few hundred
#: products, would rather scan and hash the whole BoM and operation tables;
#: with those tables cached, probing is faster up to about this many products
#: and scanning beyond (benchmark plant, 20,000 BoMs: the routes of 400
#: products in 5 ms probed against 11 ms scanned, of 20,000 products in 210 ms
#: against 80 ms)
PROBE_LIMIT = 1000

#: statuses whose computed lead time planning uses
PLANNED_STATUSES = ("ok", "backlog")

_BOM_FIELDS = [
    "drs_flow_id",
    "drs_lead_time_hours",
    "drs_lead_time_days",
    "drs_virtual_queue_hours",
    "drs_station_queue_hours",
    "drs_process_hours",
    "drs_lead_time_queue_units",
    "drs_lead_time_service",
    "drs_lead_time_status",
    "drs_lead_time_date",
]


def _standard_duration_methods(env):
    """Whether the expected duration of an operation is still mrp's own
    (no installed module overrides the methods it is made of)."""
    operation = type(env["mrp.routing.workcenter"])
    workcenter = type(env["mrp.workcenter"])
    return all(
        getattr(registry_class, name) is getattr(base_class, name)
        for registry_class, base_class, name in (
            (operation, MrpOperation, "_get_duration_expected"),
            (operation, MrpOperation, "_skip_operation_line"),
            (workcenter, MrpWorkcenterBase, "_get_capacity"),
            (workcenter, MrpWorkcenterBase, "_get_expected_duration"),
        )
    )


def _expected_minutes(rows):
    """``mrp.routing.workcenter._get_duration_expected`` of operations in the
    common case (manual cycle, BoM in the product's unit, default capacity),
    set-wise: setup + cleanup + cycles x cycle time x 100 / efficiency, with
    cycles = quantity / capacity rounded up, the quantity rounded up to the
    unit's rounding, each rounding done by ``float_round`` once per distinct
    value, as mrp does it."""
    quantity = _rounded_up(
        rows["quantity"].to_numpy(dtype=float),
        precision_rounding=rows["rounding"].to_numpy(dtype=float),
    )
    cycles = _rounded_up(quantity / rows["capacity"].to_numpy(dtype=float))
    return rows["setup"].to_numpy(dtype=float) + cycles * rows["cycle"].to_numpy(
        dtype=float
    ) * 100.0 / rows["efficiency"].to_numpy(dtype=float)


def _rounded_up(values, precision_rounding=1.0):
    """``float_round(value, precision_rounding=..., rounding_method="UP")`` of
    each value (``precision_rounding`` a scalar or one per value; 1 is
    ``precision_digits=0``), called once per distinct pair."""
    pairs = pd.DataFrame(
        {"value": values, "rounding": np.broadcast_to(precision_rounding, len(values))}
    )
    distinct = pairs.drop_duplicates().reset_index(drop=True)
    distinct["rounded"] = [
        float_round(value, precision_rounding=rounding, rounding_method="UP")
        for value, rounding in zip(distinct["value"], distinct["rounding"], strict=True)
    ]
    return pairs.merge(distinct, on=["value", "rounding"], how="left")[
        "rounded"
    ].to_numpy(dtype=float)


class MrpBom(models.Model):
    _inherit = "mrp.bom"

    drs_flow_id = fields.Many2one(
        "mrp.drs.flow",
        "DRS flow",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="Flow whose workcenters this bill of materials' operations spend the "
        "most expected time at; set by the planned lead-time computation.",
    )
    drs_lead_time_hours = fields.Float(
        "DRS planned lead time (working h)",
        digits="DRS Duration",
        readonly=True,
        copy=False,
        help="Planned lead time of a manufacturing order of the BoM quantity, in "
        "working hours of its workcenters: virtual-queue wait, queue times and "
        "operation times, at the company's DRS service level.",
    )
    drs_lead_time_days = fields.Float(
        "DRS planned lead time (days)",
        digits="DRS Duration",
        readonly=True,
        copy=False,
        help="The same lead time in calendar days (working hours stretched by each "
        "workcenter's calendar). Used instead of the manufacturing lead time by "
        "procurements, reordering rules and new manufacturing orders while the "
        "status is 'Computed'.",
    )
    drs_virtual_queue_hours = fields.Float(
        "Virtual-queue wait (working h)",
        digits="DRS Duration",
        readonly=True,
        copy=False,
        help="Mean wait in the flow's virtual queue before release: the queued "
        "work of the recompute (less authorised make-up) at the flow's "
        "throughput. With a backlog, the time to clear it.",
    )
    drs_station_queue_hours = fields.Float(
        "Queue at stations (working h)",
        digits="DRS Duration",
        readonly=True,
        copy=False,
        help="Mean wait behind the flow's WIP, plus the queue times of the "
        "workcenters outside the flow (from their anticipated load).",
    )
    drs_process_hours = fields.Float(
        "Process (working h)",
        digits="DRS Duration",
        readonly=True,
        copy=False,
        help="Mean time of the BoM quantity's own work: its equivalent units at "
        "the flow's throughput plus its operations outside the flow.",
    )
    drs_lead_time_queue_units = fields.Float(
        "Queue at recompute (equivalent units)",
        digits="DRS Equivalent Units",
        readonly=True,
        copy=False,
        help="The flow's virtual queue when this lead time was computed.",
    )
    drs_lead_time_service = fields.Float(
        "Service level (%)",
        digits="DRS Percent",
        readonly=True,
        copy=False,
        help="The company's DRS service level the lead time is the quantile of.",
    )
    drs_lead_time_note = fields.Char(
        "Lead-time basis", compute="_compute_drs_lead_time_note"
    )
    drs_lead_time_status = fields.Selection(
        BOM_LEAD_TIME_STATUSES,
        "DRS lead-time status",
        readonly=True,
        copy=False,
        help="Empty: not routed through a DRS flow, Odoo's fixed lead times apply.",
    )
    drs_lead_time_date = fields.Datetime(
        "DRS lead time changed on",
        readonly=True,
        copy=False,
        help="The recomputation that last changed this planned lead time.",
    )

    @api.depends("drs_lead_time_status", "drs_lead_time_queue_units", "drs_flow_id")
    def _compute_drs_lead_time_note(self):
        for bom in self:
            if bom.drs_lead_time_status not in PLANNED_STATUSES:
                bom.drs_lead_time_note = False
                continue
            queue_now = bom.drs_flow_id.queue_units
            basis = bom.drs_lead_time_queue_units
            note = self.env._(
                "For planning (MRP, reordering rules) at service level "
                "%(service).1f %%: one BoM lot behind the %(queue).2f queued units "
                "of the last recompute. A quote for an order now uses the queue "
                "of now; the optimiser's proposal is a steady-state figure.",
                service=bom.drs_lead_time_service,
                queue=basis,
            )
            if abs(queue_now - basis) > 0.1 * max(basis, 1.0):
                note += " " + self.env._(
                    "The queue has changed since (now %(now).2f units): a quote "
                    "now differs until the next recompute.",
                    now=queue_now,
                )
            bom.drs_lead_time_note = note

    def _drs_planned_lead_days(self):
        """Planned lead time in calendar days to plan this BoM with, or None when
        the fixed lead time applies (not DRS-active, or fallback)."""
        if len(self) != 1 or self.drs_lead_time_status not in PLANNED_STATUSES:
            return None
        days = self.drs_lead_time_days
        return days if days > 0 else None

    @api.model
    def _drs_compute_planned_lead_times(self, workcenters, now):
        """Compute and store the planned lead times of all DRS-active bills of
        materials from the workcenters' results (frame of
        ``mrp.workcenter._drs_evaluate_workcenters``) and the flows' current
        state; clear those no longer DRS-active; copy the values of each
        product's first bill of materials onto the product template. Call as
        superuser."""
        flows = self.env["mrp.drs.flow"].search([("active", "=", True)])
        operations = self._drs_read_routes() if flows else pd.DataFrame()
        if operations.empty or not flows:
            self._drs_write_planned_lead_times(pd.DataFrame(), now)
            return pd.DataFrame()
        flow_of_workcenter = {
            workcenter.id: flow.id
            for flow in flows
            for workcenter in flow.workcenter_ids
        }
        bom_flow = pd.Series(
            flows._drs_flow_of(
                operations["bom"].tolist(),
                operations["workcenter"].tolist(),
                operations["minutes"].tolist(),
                flow_of_workcenter,
            ),
            dtype=int,
        ).sort_index()
        operations = operations[operations["bom"].isin(bom_flow.index)].copy()
        operations["in_flow"] = (
            operations["workcenter"].map(flow_of_workcenter).to_numpy()
            == bom_flow.reindex(operations["bom"]).to_numpy()
        )
        parts = self._drs_flow_parts(operations, bom_flow, flows, workcenters, now)
        result = self._drs_route_lead_times(operations, bom_flow, workcenters, parts)
        self._drs_write_planned_lead_times(result, now)
        return result

    @api.model
    def _drs_read_routes(self, workcenter_ids=None, product_ids=None):
        """Operations of the DRS-active bills of materials: DataFrame with
        ``bom``, ``workcenter``, ``minutes`` (expected minutes for the BoM
        quantity), ``company_id`` (0 for none); one query. With
        ``workcenter_ids``, the bills of materials with an operation at one of
        those workcenters instead of at an active flow's; with ``product_ids``,
        only the bills of materials of those products.

        The minutes are those of ``mrp.routing.workcenter
        ._get_duration_expected``, computed set-wise (:func:`_expected_minutes`)
        for the common case: a manual cycle time, the workcenter's default
        capacity and times, a BoM in its product's unit, no variant
        restriction. Other operations, or any when an installed module
        overrides those methods, go through the method itself.
        """
        for model, fnames in (
            (
                "mrp.routing.workcenter",
                [
                    "active",
                    "bom_id",
                    "workcenter_id",
                    "time_mode",
                    "time_cycle_manual",
                    "bom_product_template_attribute_value_ids",
                ],
            ),
            (
                "mrp.bom",
                [
                    "active",
                    "type",
                    "product_id",
                    "product_tmpl_id",
                    "product_qty",
                    "product_uom_id",
                    "company_id",
                ],
            ),
            (
                "mrp.workcenter",
                ["time_start", "time_stop", "time_efficiency", "default_capacity"],
            ),
            ("mrp.workcenter.capacity", ["workcenter_id", "product_id"]),
            ("product.template", ["uom_id"]),
            ("mrp.drs.flow", ["active", "workcenter_ids"]),
        ):
            self.env[model].flush_model(fnames)
        variants = self.env["mrp.routing.workcenter"]._fields[
            "bom_product_template_attribute_value_ids"
        ]
        self.env.cr.execute(
            SQL(
                """
                WITH flow_workcenters AS (
                    SELECT DISTINCT r.workcenter_id
                      FROM mrp_drs_flow_workcenter_rel r
                      JOIN mrp_drs_flow f ON f.id = r.flow_id
                     WHERE %(all_flows)s AND f.active
                    UNION
                    SELECT unnest(%(workcenters)s::int4[])
                ), active_boms AS (%(active_boms)s)
                SELECT o.id, o.bom_id, o.workcenter_id,
                       COALESCE(b.company_id, 0),
                       o.time_mode = 'manual'
                       AND b.product_uom_id = t.uom_id
                       AND NOT (b.product_id IS NOT NULL AND EXISTS (
                           SELECT 1 FROM %(variants)s v
                            WHERE v.%(operation)s = o.id))
                       AND NOT (b.product_id IS NOT NULL AND EXISTS (
                           SELECT 1 FROM mrp_workcenter_capacity c
                            WHERE c.workcenter_id = o.workcenter_id
                              AND c.product_id = b.product_id)),
                       b.product_qty, u.rounding, w.default_capacity,
                       COALESCE(w.time_start, 0) + COALESCE(w.time_stop, 0),
                       o.time_cycle_manual, w.time_efficiency
                  FROM active_boms a
                  JOIN mrp_routing_workcenter o ON o.bom_id = a.bom_id
                  JOIN mrp_bom b ON b.id = o.bom_id
                  JOIN product_template t ON t.id = b.product_tmpl_id
                  JOIN mrp_workcenter w ON w.id = o.workcenter_id
                  LEFT JOIN uom_uom u ON u.id = t.uom_id
                 WHERE o.active
                 ORDER BY o.bom_id, o.sequence, o.id
                """,
                variants=SQL.identifier(variants.relation),
                operation=SQL.identifier(variants.column1),
                all_flows=workcenter_ids is None,
                workcenters=sql_array(list(workcenter_ids or []), "int"),
                active_boms=self._drs_active_boms_sql(product_ids),
            )
        )
        columns = [
            "operation",
            "bom",
            "workcenter",
            "company_id",
            "fast",
            "quantity",
            "rounding",
            "capacity",
            "setup",
            "cycle",
            "efficiency",
        ]
        rows = pd.DataFrame(self.env.cr.fetchall(), columns=columns)
        if rows.empty:
            return pd.DataFrame(columns=["bom", "workcenter", "minutes", "company_id"])
        fast = np.array(rows["fast"].fillna(False), dtype=bool)
        fast &= _standard_duration_methods(self.env)
        minutes = np.zeros(len(rows))
        minutes[fast] = _expected_minutes(rows[fast])
        slow = self.env["mrp.routing.workcenter"].browse(
            rows.loc[~fast, "operation"].tolist()
        )
        for index, operation in zip(np.flatnonzero(~fast), slow, strict=True):
            bom = operation.bom_id
            product = bom.product_id or bom.product_tmpl_id
            minutes[index] = operation._get_duration_expected(product, bom.product_qty)
        rows["minutes"] = minutes
        return rows[["bom", "workcenter", "minutes", "company_id"]]

    @api.model
    def _drs_active_boms_sql(self, product_ids=None):
        """SQL of the ids (``bom_id``) of the active, normal bills of
        materials with an active operation at one of ``flow_workcenters`` (a
        CTE of ``workcenter_id``); with ``product_ids``, those of these
        products (a BoM without variant stands for every variant of its
        template).

        They are found from the operations at those workcenters, or, for at
        most :data:`PROBE_LIMIT` products, product by product (index probes
        by product, then by BoM).
        """
        if product_ids is not None and len(product_ids) <= PROBE_LIMIT:
            return SQL(
                """
                SELECT candidate.bom_id
                  FROM (
                    SELECT DISTINCT bom.id AS bom_id
                      FROM unnest(%s::int4[]) AS asked (product_id)
                     CROSS JOIN LATERAL (
                        SELECT b.id
                          FROM mrp_bom b
                         WHERE b.product_id = asked.product_id
                           AND b.active AND b.type = 'normal'
                        UNION ALL
                        SELECT b.id
                          FROM product_product pp
                          JOIN mrp_bom b ON b.product_tmpl_id = pp.product_tmpl_id
                         WHERE pp.id = asked.product_id AND b.product_id IS NULL
                           AND b.active AND b.type = 'normal'
                     ) bom
                  ) candidate
                  JOIN mrp_routing_workcenter o ON o.bom_id = candidate.bom_id
                 WHERE o.active
                 GROUP BY candidate.bom_id
                HAVING bool_or(o.workcenter_id IN (
                    SELECT workcenter_id FROM flow_workcenters))
                """,
                sql_array(sorted(product_ids), "int"),
            )
        return SQL(
            """
            SELECT DISTINCT o.bom_id
              FROM mrp_routing_workcenter o
              JOIN mrp_bom b ON b.id = o.bom_id
              JOIN flow_workcenters r ON r.workcenter_id = o.workcenter_id
             WHERE o.active AND b.active AND b.type = 'normal'
               AND (%(all_products)s
                    OR b.product_id = ANY(%(products)s::int4[])
                    OR (b.product_id IS NULL AND b.product_tmpl_id IN (
                        SELECT product_tmpl_id FROM product_product
                         WHERE id = ANY(%(products)s::int4[]))))
            """,
            all_products=product_ids is None,
            products=sql_array(sorted(product_ids or []), "int"),
        )

    @api.model
    def _drs_products_at_flows(self, flow_ids):
        """Products with a bill of materials that :meth:`_drs_read_routes`
        reads at the workcenters of the flows ``flow_ids`` (active, normal, an
        active operation there; a BoM without variant stands for the active
        variants of its template): sorted product ids, one query.

        ``mrp.drs.flow._drs_flow_of`` gives a BoM only a flow it has work at,
        so these are all the products those flows can own, whatever their
        other BoMs; which flow each one belongs to is still that rule's
        answer.
        """
        if not flow_ids:
            return []
        self.env["mrp.drs.flow"].flush_model(["workcenter_ids"])
        self.env["mrp.routing.workcenter"].flush_model(
            ["active", "bom_id", "workcenter_id"]
        )
        self.flush_model(["active", "type", "product_id", "product_tmpl_id"])
        self.env["product.product"].flush_model(["active", "product_tmpl_id"])
        self.env.cr.execute(
            SQL(
                """
                WITH operated AS (
                    SELECT DISTINCT b.product_id, b.product_tmpl_id
                      FROM mrp_drs_flow_workcenter_rel r
                      JOIN mrp_routing_workcenter o
                        ON o.workcenter_id = r.workcenter_id
                      JOIN mrp_bom b ON b.id = o.bom_id
                     WHERE r.flow_id = ANY(%(flows)s)
                       AND o.active AND b.active AND b.type = 'normal'
                )
                SELECT product_id FROM operated WHERE product_id IS NOT NULL
                 UNION
                SELECT pp.id
                  FROM operated m
                  JOIN product_product pp ON pp.product_tmpl_id = m.product_tmpl_id
                 WHERE m.product_id IS NULL AND pp.active
                 ORDER BY 1
                """,
                flows=sorted(flow_ids),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _drs_flow_parts(self, operations, bom_flow, flows, workcenters, now):
        """The flow part of each BoM's lead time, from its flow's state now.

        A DataFrame indexed by BoM with ``service``, ``queue_units``,
        ``virtual_queue``, ``line_queue``, ``own``, ``mean``, ``variance``
        (working hours, from ``mrp.drs.flow._drs_lead_time_now`` for the BoM
        quantity's equivalent units at its flow), ``stretch`` (calendar hours
        per working hour of the flow's calendar, the one its throughput is
        measured and its quotes are dated in) and ``status`` ('ok',
        'backlog' when the flow is fed faster than it delivers, 'flow' without
        throughput: NaN figures).
        """
        settings = self.env["mrp.workcenter"]._drs_lead_time_settings(
            self.env["res.company"].browse(
                [cid for cid in operations["company_id"].unique() if cid]
            )
        )
        boms = (
            operations.drop_duplicates("bom").set_index("bom").reindex(bom_flow.index)
        )
        service = boms["company_id"].map(lambda cid: settings[cid][0]).astype(float)
        flows = flows.filtered(lambda flow: flow.id in set(bom_flow))
        try:
            state_by_flow = flows._drs_state_now_isolated(now)
        except (ValueError, ArithmeticError) as error:
            _logger.warning("DRS flows %s: no state now: %s", flows.ids, error)
            state_by_flow = {}
        # a flow left out (no state) plans its BoMs with their fixed lead time
        flows = flows.filtered(lambda flow: flow.id in state_by_flow)
        state = pd.DataFrame.from_dict(state_by_flow, orient="index").reindex(
            columns=["wip", "queue", "makeup_units", "throughput", "cd2", "source"]
        )
        arrival = flows._drs_arrival_rates(now)
        stretch = (workcenters["horizon_hours"] / workcenters["capacity_hours"]).where(
            workcenters["capacity_hours"] > 0
        )
        standard = {flow.id: flow.standard_work_hours for flow in flows}
        hours_in_flow = (
            operations[operations["in_flow"]].groupby("bom")["minutes"].sum() / 60.0
        )
        order_units = hours_in_flow.reindex(bom_flow.index).fillna(0.0) / bom_flow.map(
            standard
        )
        bom_state = state.reindex(bom_flow.to_numpy())
        bom_state.index = bom_flow.index
        measured = (
            (bom_state["throughput"] > 0)
            & (order_units > 0)
            & np.isfinite(order_units.to_numpy(dtype=float))
        )
        parts = pd.DataFrame(
            np.nan,
            index=bom_flow.index,
            columns=["virtual_queue", "line_queue", "own", "mean", "variance"],
        )
        if measured.any():
            chosen = bom_state[measured]
            figures = self.env["mrp.drs.flow"]._drs_lead_time_now(
                {
                    name: chosen[name].to_numpy(dtype=float)
                    for name in chosen.columns
                    if name != "source"
                },
                order_units[measured].to_numpy(dtype=float),
                service[measured].to_numpy(dtype=float),
            )
            for name in parts.columns:
                parts.loc[measured, name] = figures[name]
        backlog = pd.Series(
            {
                flow.id: state.loc[flow.id, "throughput"] > 0
                and arrival.get(flow.id, 0.0) >= state.loc[flow.id, "throughput"]
                for flow in flows
            },
            dtype=bool,
        )
        parts["service"] = service
        parts["queue_units"] = bom_state["queue"]
        reference = {
            flow.id: flow.workcenter_ids.sorted("id").filtered("resource_calendar_id")[
                :1
            ]
            for flow in flows
        }
        parts["stretch"] = bom_flow.map(
            {flow_id: stretch.get(wc.id, np.nan) for flow_id, wc in reference.items()}
        ).astype(float)
        parts["status"] = np.where(
            ~measured,
            "flow",
            np.where(bom_flow.map(backlog).fillna(False).astype(bool), "backlog", "ok"),
        )
        return parts

    @api.model
    def _drs_route_lead_times(self, operations, bom_flow, workcenters, parts):
        """Engine call per service level: planned lead time of each bill of
        materials in working hours and in calendar days (see the module
        docstring): its operations outside its flow through
        :func:`engine.leadtime.route_lead_time`, its flow part (``parts`` of
        :meth:`_drs_flow_parts`) as the extra time. Returns a DataFrame indexed
        by BoM id with ``flow``, ``hours``, ``days``, ``wait_hours``,
        ``station_hours``, ``process_hours``, ``queue_units``, ``service`` and
        ``status``."""
        outside = operations[~operations["in_flow"]]
        stations = workcenters.reindex(outside["workcenter"].unique())
        stations["process_scv"] = stations["process_scv"].fillna(1.0)
        capacity = stations["capacity_hours"].where(stations["capacity_hours"] > 0)
        stretch = stations["horizon_hours"] / capacity  # calendar h per working h
        # one empty visit per BoM keeps BoMs with no operation outside their flow
        empty = pd.DataFrame(
            {"queue_time": [0.0], "queue_time_var": [0.0]}, index=pd.Index([0])
        )
        queues = {
            "working": pd.concat([stations[["queue_time", "queue_time_var"]], empty]),
            "calendar": pd.concat(
                [
                    pd.DataFrame(
                        {
                            "queue_time": stations["queue_time"] * stretch,
                            "queue_time_var": stations["queue_time_var"] * stretch**2,
                        }
                    ),
                    empty,
                ]
            ),
        }
        process_hours = outside["minutes"].to_numpy(dtype=float) / 60.0
        visits = pd.DataFrame(
            {
                "product": outside["bom"].to_numpy(),
                "workcenter": outside["workcenter"].to_numpy(),
                "process_time": process_hours,
                "process_scv": stations["process_scv"]
                .reindex(outside["workcenter"])
                .to_numpy(),
            }
        )
        anchors = pd.DataFrame(
            {
                "product": bom_flow.index.to_numpy(),
                "workcenter": 0,
                "process_time": 0.0,
                "process_scv": 0.0,
            }
        )
        routes = {"working": pd.concat([visits, anchors], ignore_index=True)}
        # NaN stretch (no capacity) leaves the queue time NaN: the BoM falls back
        routes["calendar"] = pd.concat(
            [
                visits.assign(
                    process_time=process_hours
                    * stretch.reindex(outside["workcenter"]).fillna(0.0).to_numpy()
                ),
                anchors,
            ],
            ignore_index=True,
        )
        extra = {
            "working": (parts["mean"], parts["variance"]),
            "calendar": (
                parts["mean"] * parts["stretch"],
                parts["variance"] * parts["stretch"] ** 2,
            ),
        }
        quantiles = {}
        for scale in ("working", "calendar"):
            pieces = []
            for service, boms in parts.groupby("service", sort=False):
                chosen = routes[scale][routes[scale]["product"].isin(boms.index)]
                pieces.append(
                    leadtime.route_lead_time(
                        chosen,
                        queues[scale],
                        service=float(service),
                        extra_mean=extra[scale][0],
                        extra_var=extra[scale][1],
                    )["quantile"]
                )
            quantiles[scale] = pd.concat(pieces)
        outside_queue = (
            pd.Series(
                stations["queue_time"].reindex(outside["workcenter"]).to_numpy(),
                index=outside["bom"].to_numpy(),
            )
            .groupby(level=0)
            .sum(min_count=1)
            .reindex(bom_flow.index)
            .fillna(0.0)
        )
        outside_process = (
            pd.Series(process_hours, index=outside["bom"].to_numpy())
            .groupby(level=0)
            .sum()
            .reindex(bom_flow.index)
            .fillna(0.0)
        )
        result = pd.DataFrame(
            {
                "flow": bom_flow,
                "hours": quantiles["working"].reindex(bom_flow.index),
                "days": quantiles["calendar"].reindex(bom_flow.index) / 24.0,
                "wait_hours": parts["virtual_queue"],
                "station_hours": parts["line_queue"] + outside_queue,
                "process_hours": parts["own"] + outside_process,
                "queue_units": parts["queue_units"],
                "service": parts["service"] * 100.0,
            }
        )
        # an operation at a workcenter without working time cannot be planned
        workable = (
            operations.assign(
                workable=operations["workcenter"]
                .map(workcenters["capacity_hours"])
                .fillna(0.0)
                .to_numpy()
                > 0
            )
            .groupby("bom")["workable"]
            .all()
            .reindex(bom_flow.index)
            .fillna(False)
        )
        result["status"] = np.where(
            parts["status"] == "flow",
            "flow",
            np.where(
                np.isfinite(result["days"]) & workable.to_numpy(dtype=bool),
                parts["status"],
                "workcenter",
            ),
        )
        return result

    @api.model
    def _drs_write_planned_lead_times(self, result, now):
        """Store ``result`` on the bills of materials where it changed
        (fallback rows keep no figure), clear the others, then refresh the
        product templates; set-wise."""
        self.flush_model(_BOM_FIELDS)
        if result.empty:
            result = pd.DataFrame(
                columns=[
                    "flow",
                    "hours",
                    "days",
                    "wait_hours",
                    "station_hours",
                    "process_hours",
                    "queue_units",
                    "service",
                    "status",
                ]
            )
        computed = result["status"].isin(PLANNED_STATUSES).to_numpy(dtype=bool)
        rows = list(
            zip(
                result.index.astype(int).tolist(),
                result["flow"].astype(int).tolist(),
                _nullables(result["hours"].where(computed)),
                _nullables(result["days"].where(computed)),
                _nullables(result["wait_hours"]),
                _nullables(result["station_hours"]),
                _nullables(result["process_hours"]),
                _nullables(result["queue_units"]),
                _nullables(result["service"]),
                result["status"].astype(str).tolist(),
                strict=True,
            )
        )
        cr = self.env.cr
        sql_update_changed(
            cr,
            "mrp_bom",
            [
                ("id", "int4"),
                ("drs_flow_id", "int4"),
                ("drs_lead_time_hours", "numeric"),
                ("drs_lead_time_days", "numeric"),
                ("drs_virtual_queue_hours", "numeric"),
                ("drs_station_queue_hours", "numeric"),
                ("drs_process_hours", "numeric"),
                ("drs_lead_time_queue_units", "numeric"),
                ("drs_lead_time_service", "numeric"),
                ("drs_lead_time_status", "varchar"),
            ],
            rows,
            extra_set=SQL("drs_lead_time_date = %s", now),
        )
        cr.execute(
            SQL(
                """
                UPDATE mrp_bom
                   SET drs_flow_id = NULL, drs_lead_time_hours = NULL,
                       drs_lead_time_days = NULL, drs_virtual_queue_hours = NULL,
                       drs_station_queue_hours = NULL, drs_process_hours = NULL,
                       drs_lead_time_queue_units = NULL,
                       drs_lead_time_service = NULL,
                       drs_lead_time_status = NULL, drs_lead_time_date = NULL
                 WHERE drs_lead_time_status IS NOT NULL
                   AND NOT (id = ANY(%s))
                """,
                [row[0] for row in rows],
            )
        )
        self.invalidate_model(_BOM_FIELDS)
        self.env["product.template"]._drs_refresh_planned_lead_times()
