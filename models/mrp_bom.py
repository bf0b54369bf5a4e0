# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Planned lead times of bills of materials routed through DRS flows (issue 4).

A bill of materials is *DRS-active* when one of its operations runs at a
workcenter of an active DRS flow; its flow is the one where its operations
spend the most expected time (the rule that assigns manufacturing orders to
flows). Its planned lead time, for the BoM quantity, is
(:func:`engine.leadtime.route_lead_time`):

* per operation: the workcenter's queue time (mean and variance, from
  ``mrp.workcenter._drs_compute_lead_times``) plus the operation's expected
  time for the BoM quantity (``mrp.routing.workcenter._get_duration_expected``)
  with the SCV of real vs expected work-order times at that workcenter;
* plus the wait in the flow's virtual queue before release
  (:func:`engine.leadtime.virtual_queue_time`): the line at its WIP cap seen as
  one server whose rate is the line's throughput at the cap
  (:func:`engine.conwip.mva_approx` over the flow's workcenters, one equivalent
  unit = the flow's standard work content spread over its workcenters in
  proportion to their anticipated load), fed by the equivalent units queued in
  the history window;
* quantile at the company's DRS service level (gamma approximation).

Two figures are kept: ``drs_lead_time_hours`` in working hours (the sum of the
workcenters' working time), and ``drs_lead_time_days`` in calendar days, the one
planning uses: every time at a workcenter is first stretched by the ratio of
elapsed to working hours of its calendar over the horizon (a job progresses
only while the workcenter works), the virtual-queue wait by that of the flow's
bottleneck. When a workcenter of the route has no finite queue time
(overloaded, no capacity) or the flow's virtual queue has no finite wait (it
receives more work than the line delivers at its cap), the bill of materials
keeps its fixed lead time (``produce_delay``) and its status says why.
"""

import logging
from datetime import timedelta

import numpy as np
import pandas as pd

from odoo import api, fields, models
from odoo.tools import SQL, float_round

from odoo.addons.mrp.models.mrp_routing import MrpRoutingWorkcenter as MrpOperation
from odoo.addons.mrp.models.mrp_workcenter import MrpWorkcenter as MrpWorkcenterBase
from odoo.addons.mrp_drs.engine import conwip, leadtime

from .mrp_workcenter import _nullables, sql_update_changed

_logger = logging.getLogger(__name__)

BOM_LEAD_TIME_STATUSES = [
    ("ok", "Computed"),
    ("workcenter", "Fixed lead time kept: a workcenter has no lead time"),
    ("flow", "Fixed lead time kept: the flow's virtual queue has no finite wait"),
]

_BOM_FIELDS = [
    "drs_flow_id",
    "drs_lead_time_hours",
    "drs_lead_time_days",
    "drs_virtual_queue_hours",
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
        digits=(16, 2),
        readonly=True,
        copy=False,
        help="Planned lead time of a manufacturing order of the BoM quantity, in "
        "working hours of its workcenters: virtual-queue wait, queue times and "
        "operation times, at the company's DRS service level.",
    )
    drs_lead_time_days = fields.Float(
        "DRS planned lead time (days)",
        digits=(16, 2),
        readonly=True,
        copy=False,
        help="The same lead time in calendar days (working hours stretched by each "
        "workcenter's calendar). Used instead of the manufacturing lead time by "
        "procurements, reordering rules and new manufacturing orders while the "
        "status is 'Computed'.",
    )
    drs_virtual_queue_hours = fields.Float(
        "Virtual-queue wait (h)",
        digits=(16, 2),
        readonly=True,
        copy=False,
        help="Mean wait in the flow's virtual queue before release, in calendar "
        "hours (included in the planned lead time).",
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

    def _drs_planned_lead_days(self):
        """Planned lead time in calendar days to plan this BoM with, or None when
        the fixed lead time applies (not DRS-active, or fallback)."""
        if len(self) != 1 or self.drs_lead_time_status != "ok":
            return None
        days = self.drs_lead_time_days
        return days if days > 0 else None

    # ----------------------------------------------------------- computation
    @api.model
    def _drs_compute_planned_lead_times(self, workcenters, now):
        """Compute and store the planned lead times of all DRS-active bills of
        materials from the workcenters' results (frame of
        ``mrp.workcenter._drs_evaluate_workcenters``); clear those no longer
        DRS-active; copy the values of each product's first bill of materials
        onto the product template. Call as superuser."""
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
        operations["flow"] = operations["workcenter"].map(flow_of_workcenter)
        operations = operations[
            operations["bom"].isin(operations.loc[operations["flow"].notna(), "bom"])
        ]
        bom_flow = (
            operations.dropna(subset=["flow"])
            .groupby(["bom", "flow"], as_index=False)["minutes"]
            .sum()
            .sort_values(["bom", "minutes", "flow"], ascending=[True, False, True])
            .drop_duplicates("bom")
            .set_index("bom")["flow"]
            .astype(int)
        )
        waits = self._drs_virtual_queue_waits(flows, workcenters, now)
        result = self._drs_route_lead_times(operations, bom_flow, workcenters, waits)
        self._drs_write_planned_lead_times(result, now)
        return result

    @api.model
    def _drs_read_routes(self):
        """Operations of the DRS-active bills of materials: DataFrame with
        ``bom``, ``workcenter``, ``minutes`` (expected minutes for the BoM
        quantity), ``company_id`` (0 for none); one query.

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
                WITH active_boms AS (
                    SELECT DISTINCT o.bom_id
                      FROM mrp_routing_workcenter o
                      JOIN mrp_bom b ON b.id = o.bom_id
                      JOIN mrp_drs_flow_workcenter_rel r
                        ON r.workcenter_id = o.workcenter_id
                      JOIN mrp_drs_flow f ON f.id = r.flow_id
                     WHERE f.active AND o.active AND b.active
                       AND b.type = 'normal'
                )
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
    def _drs_virtual_queue_waits(self, flows, workcenters, now):
        """Wait in each flow's virtual queue, in calendar hours.

        Returns a DataFrame indexed by flow id with ``wait_mean``, ``wait_var``
        (calendar hours, squared), ``working_share`` (working hours per calendar
        hour of the flow's bottleneck), ``throughput`` and ``arrival_rate``
        (equivalent units per calendar hour) and ``status`` ('ok',
        'no_capacity', 'overloaded'); NaN waits where not 'ok'. A flow's problem
        is flagged on its row, the other flows are still computed.
        """
        settings = self.env["mrp.workcenter"]._drs_lead_time_settings(flows.company_id)
        history = {flow.id: settings[flow.company_id.id or 0][2] for flow in flows}
        self.env["mrp.production"].flush_model(
            ["drs_flow_id", "drs_queue_date", "drs_wip_units", "state"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT p.drs_flow_id, SUM(COALESCE(p.drs_wip_units, 0))
                  FROM mrp_production p
                  JOIN (VALUES %s) AS w(flow_id, since) ON w.flow_id = p.drs_flow_id
                 WHERE p.drs_queue_date >= w.since
                   AND p.state != 'cancel'
                 GROUP BY p.drs_flow_id
                """,
                SQL(", ").join(
                    SQL("(%s, %s::timestamp)", flow_id, now - timedelta(days=days))
                    for flow_id, days in history.items()
                ),
            )
        )
        queued_units = dict(self.env.cr.fetchall())
        rows = {}
        for flow in flows:
            rate = queued_units.get(flow.id, 0.0) / (history[flow.id] * 24.0)
            try:
                rows[flow.id] = (rate, *self._drs_flow_wait(flow, workcenters, rate))
            except (ValueError, ArithmeticError) as error:
                # one flow's absurd figures must not stop the others' lead times
                _logger.warning(
                    "DRS flow id %s: no virtual-queue wait: %s", flow.id, error
                )
                rows[flow.id] = (rate, np.nan, np.nan, np.nan, np.nan, "invalid")
        return pd.DataFrame.from_dict(
            rows,
            orient="index",
            columns=[
                "arrival_rate",
                "wait_mean",
                "wait_var",
                "working_share",
                "throughput",
                "status",
            ],
        )

    @api.model
    def _drs_flow_wait(self, flow, workcenters, rate):
        """``(wait_mean, wait_var, working_share, throughput, status)`` of one
        flow's virtual queue fed at ``rate`` equivalent units per calendar
        hour (see :meth:`_drs_virtual_queue_waits`)."""
        stations = workcenters.reindex(flow.workcenter_ids.ids).dropna(
            subset=["capacity_hours"]
        )
        stations = stations[stations["capacity_hours"] > 0]
        if stations.empty:
            return np.nan, np.nan, np.nan, np.nan, "no_capacity"
        load = stations["load_hours"].to_numpy(dtype=float)
        share = load / load.sum() if load.sum() > 0 else np.full(len(load), 1.0)
        share = share / share.sum()
        keep = share > 0
        te = flow.standard_work_hours * share[keep]
        ce2 = stations["ce2"].to_numpy(dtype=float)[keep]
        # the bottleneck paces the capped line: its calendar, its variability
        bottleneck = np.lexsort((-ce2, -te))[0]
        capacity = stations["capacity_hours"].to_numpy(dtype=float)[keep][bottleneck]
        horizon = stations["horizon_hours"].to_numpy(dtype=float)[keep][bottleneck]
        working_share = capacity / horizon
        throughput_working, _cycle_time = conwip.mva_approx(
            te, ce2, flow._drs_cap_level()
        )
        throughput = float(throughput_working) * working_share
        try:
            mean, variance = leadtime.virtual_queue_time(
                rate, throughput, 1.0, float(ce2[bottleneck])
            )
        except ValueError:
            return np.nan, np.nan, working_share, throughput, "overloaded"
        return mean, variance, working_share, throughput, "ok"

    @api.model
    def _drs_route_lead_times(self, operations, bom_flow, workcenters, waits):
        """Engine call per service level: planned lead time of each bill of
        materials in working hours and in calendar days (see the module
        docstring). Returns a DataFrame indexed by BoM id with ``flow``,
        ``hours``, ``days``, ``wait_hours`` and ``status``."""
        stations = workcenters.reindex(operations["workcenter"].unique())
        stations["process_scv"] = stations["process_scv"].fillna(1.0)
        capacity = stations["capacity_hours"].where(stations["capacity_hours"] > 0)
        stretch = stations["horizon_hours"] / capacity  # calendar h per working h
        queues = {
            "working": stations[["queue_time", "queue_time_var"]],
            "calendar": pd.DataFrame(
                {
                    "queue_time": stations["queue_time"] * stretch,
                    "queue_time_var": stations["queue_time_var"] * stretch**2,
                }
            ),
        }
        process_hours = operations["minutes"].to_numpy(dtype=float) / 60.0
        routes = {
            "working": pd.DataFrame(
                {
                    "product": operations["bom"].to_numpy(),
                    "workcenter": operations["workcenter"].to_numpy(),
                    "process_time": process_hours,
                    "process_scv": stations["process_scv"]
                    .reindex(operations["workcenter"])
                    .to_numpy(),
                }
            )
        }
        # NaN stretch (no capacity) leaves the queue time NaN: the BoM falls back
        routes["calendar"] = routes["working"].assign(
            process_time=process_hours
            * stretch.reindex(operations["workcenter"]).fillna(0.0).to_numpy()
        )
        flow_waits = waits.reindex(bom_flow.to_numpy())
        flow_waits.index = bom_flow.index
        extra = {
            "calendar": (flow_waits["wait_mean"], flow_waits["wait_var"]),
            "working": (
                flow_waits["wait_mean"] * flow_waits["working_share"],
                flow_waits["wait_var"] * flow_waits["working_share"] ** 2,
            ),
        }
        settings = self.env["mrp.workcenter"]._drs_lead_time_settings(
            self.env["res.company"].browse(
                [cid for cid in operations["company_id"].unique() if cid]
            )
        )
        bom_service = (
            operations.drop_duplicates("bom")
            .set_index("bom")["company_id"]
            .map(lambda cid: settings[cid][0])
        )
        quantiles = {}
        for scale in ("working", "calendar"):
            parts = []
            for service, boms in bom_service.groupby(bom_service, sort=False):
                routes_part = routes[scale][routes[scale]["product"].isin(boms.index)]
                parts.append(
                    leadtime.route_lead_time(
                        routes_part,
                        queues[scale],
                        service=float(service),
                        extra_mean=extra[scale][0],
                        extra_var=extra[scale][1],
                    )["quantile"]
                )
            quantiles[scale] = pd.concat(parts)
        result = pd.DataFrame(
            {
                "flow": bom_flow,
                "hours": quantiles["working"].reindex(bom_flow.index),
                "days": quantiles["calendar"].reindex(bom_flow.index) / 24.0,
                "wait_hours": flow_waits["wait_mean"],
            }
        )
        result["status"] = np.where(
            np.isfinite(result["days"]),
            "ok",
            np.where(flow_waits["status"] == "ok", "workcenter", "flow"),
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
                columns=["flow", "hours", "days", "wait_hours", "status"]
            )
        computed = (result["status"] == "ok").to_numpy(dtype=bool)
        rows = list(
            zip(
                result.index.astype(int).tolist(),
                result["flow"].astype(int).tolist(),
                _nullables(result["hours"].where(computed)),
                _nullables(result["days"].where(computed)),
                _nullables(result["wait_hours"]),
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
                       drs_lead_time_status = NULL, drs_lead_time_date = NULL
                 WHERE drs_lead_time_status IS NOT NULL
                   AND NOT (id = ANY(%s))
                """,
                [row[0] for row in rows],
            )
        )
        self.invalidate_model(_BOM_FIELDS)
        self.env["product.template"]._drs_refresh_planned_lead_times()
