# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Workcenters: DRS flow membership and load-based planned lead times.

Planned lead times. Every recomputation reads, set-wise, each active
workcenter's anticipated load, capacity and variability, and hands them to
:func:`engine.leadtime.workcenter_lead_times` (G/G/m queue time of Hopp &
Spearman, *Factory Physics*, ch. 8; lead time as a gamma quantile, ch. 15):

* **load** (hours): remaining expected minutes of the open work orders (not
  done or cancelled) of confirmed / in-progress manufacturing orders due to
  start before the end of the horizon (``COALESCE(work order start, order
  start)``, so late work is load too). Orders queued in a DRS flow's virtual
  queue are not station load: they are the flow's virtual-queue load, which
  the BoM lead times count from the flow's state (``mrp.bom``).
  ``duration_expected`` already holds setup and cleanup time and the
  workcenter's time efficiency (``mrp.workorder._get_duration_expected``).
* **capacity** (hours): working hours of the workcenter's calendar over
  ``[now, now + horizon]`` with its global leaves, computed once per distinct
  calendar, plus the authorised DRS make-up shifts in that interval. Odoo 18
  plans one work order at a time per workcenter (``_get_first_available_slot``)
  and its ``default_capacity`` is a batch size already counted in
  ``duration_expected`` (cycles = quantity / capacity), so the workcenter is one
  server and neither the capacity nor the efficiency multiplies the hours
  again.
* **te** (hours): mean expected duration of those work orders; without any,
  that of the work orders finished in the history window.
* **ce2**: with ``r`` the ratio of real to expected duration of work orders
  finished in the history window (at least :data:`MIN_OBSERVATIONS`), and ``d``
  the expected durations of the open work orders (the product mix),
  ``t = r d`` with ``r`` independent of ``d`` gives
  ``ce2 = (1 + scv_r)(1 + scv_d) - 1``. With fewer observations ce2 = 1 (the
  exponential, "moderate variability" default of Factory Physics ch. 8) and
  ``drs_process_scv_default`` is set.
* **ca2** = 1: arrivals from many independent orders (Poisson). Creation times
  of work orders are no sound estimate (orders and their work orders are
  created in batches by procurements).

The results are written back set-wise where they changed, a history row is
kept per workcenter and recomputation (``mrp.drs.lead.time.history``, thinned
by the cron), and the planned lead times of the bills of materials routed
through DRS flows follow (``mrp.bom``). The number of SQL queries depends on
the number of workcenters, calendars and companies, never on the number of
manufacturing orders or (but for operations whose duration mrp's own methods
must compute) of bills of materials.
"""

import logging
from datetime import timedelta

import numpy as np
import pandas as pd

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.mrp_drs.engine import leadtime

from .drs_client_action import notify_and_reload
from .mrp_drs_flow import OPEN_STATES, check_drs_planner, run_isolated

_logger = logging.getLogger(__name__)

#: finished work orders needed in the history window to estimate ce2
MIN_OBSERVATIONS = 10
#: work-order states that still hold work for the workcenter
OPEN_WORKORDER_STATES = ("pending", "waiting", "ready", "progress")
#: rows per UPDATE ... FROM unnest(...) statement
WRITE_CHUNK = 50_000
#: statuses of engine.leadtime.workcenter_lead_times
LEAD_TIME_STATUSES = [
    ("ok", "Computed"),
    ("no_load", "No load"),
    ("overloaded", "Overloaded"),
    ("no_capacity", "No capacity"),
    ("invalid", "Invalid data"),
]


def _nullable(value):
    """NaN (or None) -> None, else a Python float, for SQL parameters."""
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def _nullables(values):
    """Floats as a list of SQL parameters, NaN -> None."""
    return [
        float(value) if np.isfinite(value) else None
        for value in np.asarray(values, dtype=float)
    ]


def _indexed_frame(rows, columns):
    """Float DataFrame of SQL rows ``(workcenter id, *columns)`` indexed by the
    integer workcenter id."""
    frame = pd.DataFrame([row[1:] for row in rows], columns=columns, dtype=float)
    frame.index = pd.Index([row[0] for row in rows], dtype=int, name="workcenter")
    return frame


def sql_update_changed(cr, table, columns, rows, extra_set=None):
    """``UPDATE table SET col = v.col ... FROM unnest(arrays) v WHERE table.id =
    v.id`` for the rows whose values differ from the stored ones, in chunks of
    :data:`WRITE_CHUNK` rows.

    ``columns`` is ``[(column, sql_type)]`` (the first one is ``id``); ``rows``
    tuples in that order; ``extra_set`` an optional ``SQL`` of more assignments
    that are the same for every changed row. Rows equal to the stored ones are
    not written: no new row version, no write date, nothing for the cache to
    forget. Returns the number of rows updated.
    """
    names = [name for name, _type in columns]
    values = columns[1:]
    assignments = [
        SQL("%s = v.%s", SQL.identifier(name), SQL.identifier(name))
        for name, _type in values
    ]
    if extra_set:
        assignments.append(extra_set)
    changed = SQL(
        "(%s) IS DISTINCT FROM (%s)",
        SQL(", ").join(SQL("t.%s", SQL.identifier(name)) for name, _type in values),
        SQL(", ").join(SQL("v.%s", SQL.identifier(name)) for name, _type in values),
    )
    updated = 0
    for start in range(0, len(rows), WRITE_CHUNK):
        chunk = rows[start : start + WRITE_CHUNK]
        arrays = [list(column) for column in zip(*chunk, strict=True)]
        cr.execute(
            SQL(
                """
                UPDATE %s AS t SET %s
                  FROM unnest(%s) AS v(%s)
                 WHERE t.id = v.id AND %s
                """,
                SQL.identifier(table),
                SQL(", ").join(assignments),
                SQL(", ").join(
                    SQL("%s::%s[]", array, SQL(type_))
                    for array, (_name, type_) in zip(arrays, columns, strict=True)
                ),
                SQL(", ").join(SQL.identifier(name) for name in names),
                changed,
            )
        )
        updated += cr.rowcount
    return updated


class MrpWorkcenter(models.Model):
    _inherit = "mrp.workcenter"

    drs_flow_ids = fields.Many2many(
        "mrp.drs.flow",
        "mrp_drs_flow_workcenter_rel",
        "workcenter_id",
        "flow_id",
        string="DRS flows",
        readonly=True,
    )
    drs_flow_id = fields.Many2one(
        "mrp.drs.flow",
        string="DRS flow",
        compute="_compute_drs_flow_id",
        store=True,
        index=True,
        help="CONWIP loop (DRS flow) this workcenter belongs to; set on the flow.",
    )

    drs_lead_time = fields.Float(
        "Planned lead time (h)",
        digits="DRS Duration",
        readonly=True,
        copy=False,
        help="Load-based planned lead time of a work order at this workcenter, in "
        "working hours, queue time included: the quantile of its lead time at the "
        "company's DRS service level. Empty when the status is not 'Computed' or "
        "'No load'.",
    )
    drs_lead_time_mean = fields.Float(
        "Mean lead time (h)", digits="DRS Duration", readonly=True, copy=False
    )
    drs_queue_time = fields.Float(
        "Mean queue time (h)",
        digits="DRS Duration",
        readonly=True,
        copy=False,
        help="Expected waiting time before a work order starts here (G/G/1 "
        "approximation of Factory Physics), in working hours.",
    )
    drs_utilization = fields.Float(
        "Anticipated utilisation",
        digits="DRS Fraction",
        readonly=True,
        copy=False,
        help="Anticipated load divided by the capacity over the horizon (0..1; "
        "1 or more when the workcenter is overloaded).",
    )
    drs_load_hours = fields.Float(
        "Anticipated load (h)",
        digits="DRS Duration",
        readonly=True,
        copy=False,
        help="Remaining expected hours of the open work orders due to start "
        "within the horizon (setup and cleanup included).",
    )
    drs_capacity_hours = fields.Float(
        "Capacity over horizon (h)",
        digits="DRS Duration",
        readonly=True,
        copy=False,
        help="Working hours of the workcenter's calendar over the horizon, public "
        "holidays (global leaves) deducted.",
    )
    drs_process_hours = fields.Float(
        "Mean work-order time (h)",
        digits="DRS Process Time",
        readonly=True,
        copy=False,
        help="Mean expected duration of a work order here (te).",
    )
    drs_process_scv = fields.Float(
        "Process-time variability (SCV)",
        digits="DRS Variability",
        readonly=True,
        copy=False,
        help="Squared coefficient of variation of work-order times (ce2): spread "
        "of real vs expected durations of finished work orders combined with the "
        "mix of expected durations.",
    )
    drs_process_scv_default = fields.Boolean(
        "Default variability",
        readonly=True,
        copy=False,
        help="Fewer finished work orders than needed in the history window: the "
        "variability is the default SCV of 1.",
    )
    drs_lead_time_status = fields.Selection(
        LEAD_TIME_STATUSES,
        "Lead-time status",
        readonly=True,
        copy=False,
        help="Computed: the planned lead time is valid. No load: nothing to wait "
        "for, the lead time is the work-order time alone. Overloaded: the load "
        "reaches the capacity, no finite lead time; products routed here keep "
        "their fixed lead time. No capacity: no working hours in the horizon (no "
        "calendar or an empty one). Invalid data: e.g. no work-order time known.",
    )
    drs_lead_time_date = fields.Datetime(
        "Lead time changed on",
        readonly=True,
        help="The recomputation that last changed these figures; one that finds "
        "the same figures writes nothing.",
    )
    drs_lead_time_history_count = fields.Integer(
        "Lead-time history", compute="_compute_drs_lead_time_history_count"
    )

    @api.depends("drs_flow_ids", "drs_flow_ids.active")
    def _compute_drs_flow_id(self):
        for workcenter in self:
            # inactive flows are filtered out of the many2many when it is read
            workcenter.drs_flow_id = workcenter.drs_flow_ids[:1]

    def _compute_drs_lead_time_history_count(self):
        rows = self.env["mrp.drs.lead.time.history"]._read_group(
            [("workcenter_id", "in", self.ids)], ["workcenter_id"], ["__count"]
        )
        counts = {workcenter.id: count for workcenter, count in rows}
        for workcenter in self:
            workcenter.drs_lead_time_history_count = counts.get(workcenter.id, 0)

    def action_view_drs_lead_time_history(self):
        """Smart button: planned lead time and utilisation of this workcenter over
        time (graph)."""
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "mrp_drs.mrp_drs_lead_time_history_action"
        )
        action["domain"] = [("workcenter_id", "=", self.id)]
        action["context"] = {"default_workcenter_id": self.id}
        return action

    def action_drs_compute_lead_times(self):
        """Button: recompute the planned lead times of all workcenters and bills of
        materials now (a route's lead time needs all its workcenters)."""
        check_drs_planner(
            self.env, self.env._("Only DRS planners can recompute planned lead times.")
        )
        result = self.env["mrp.workcenter"].sudo()._drs_compute_lead_times()
        flagged = int((~result["status"].isin(["ok", "no_load"])).sum())
        return notify_and_reload(
            self.env._(
                "Planned lead times recomputed for %(count)s workcenter(s); "
                "%(flagged)s flagged (see their status).",
                count=len(result),
                flagged=flagged,
            ),
            "warning" if flagged else "success",
        )

    @api.model
    def _drs_lead_time_settings(self, companies):
        """``{company_id: (service, horizon days, history days)}`` for these
        companies; key 0 (records without company) takes the current company's."""
        settings = {
            company.id: (
                company.drs_service_level,
                company.drs_lead_time_horizon,
                company.drs_lead_time_history,
            )
            for company in companies | self.env.company
        }
        settings[0] = settings[self.env.company.id]
        return settings

    @api.model
    def _drs_compute_lead_times(self, now=None, exclude=None):
        """Recompute the planned lead times of every active workcenter, then of
        the bills of materials routed through DRS flows, and keep a history row
        per workcenter. Set-wise; a workcenter that cannot be computed gets a
        status, never an exception. Call as superuser (cron, button).

        :return: the engine's result frame, indexed by workcenter id
        """
        now = now or fields.Datetime.now()
        workcenters = self.search([("active", "=", True)]) - (exclude or self.browse())
        frame = workcenters._drs_workcenter_frame(now)
        result = self._drs_evaluate_workcenters(frame)
        workcenters._drs_write_lead_times(result, now)
        self.env["mrp.drs.lead.time.history"]._drs_record(result, now)
        self.env["mrp.bom"]._drs_compute_planned_lead_times(result, now)
        return result

    def _drs_workcenter_frame(self, now):
        """Engine input of these workcenters, read set-wise.

        Returns a DataFrame indexed by workcenter id with the columns
        ``company_id`` (0 for none), ``service``, ``horizon_hours`` (elapsed
        hours of the horizon), ``load_hours``, ``capacity_hours``, ``te``,
        ``ca2``, ``ce2``, ``servers``, ``process_scv`` (spread of real vs
        expected times alone, for the routes) and ``scv_default``.
        """
        columns = [
            "company_id",
            "service",
            "horizon_hours",
            "load_hours",
            "capacity_hours",
            "te",
            "ca2",
            "ce2",
            "servers",
            "process_scv",
            "scv_default",
        ]
        if not self:
            return pd.DataFrame(columns=columns, index=pd.Index([], name="workcenter"))
        self.fetch(["company_id", "resource_calendar_id"])
        settings = self._drs_lead_time_settings(self.company_id)
        company_ids = [workcenter.company_id.id or 0 for workcenter in self]
        service, horizon, history = (
            np.array([settings[cid][i] for cid in company_ids], dtype=float)
            for i in range(3)
        )
        windows = [
            (
                workcenter.id,
                now + timedelta(days=int(h)),
                now - timedelta(days=int(w)),
            )
            for workcenter, h, w in zip(self, horizon, history, strict=True)
        ]
        load = self._drs_read_load(windows)
        done = self._drs_read_history(windows)
        capacity = self._drs_calendar_capacity(now, horizon)

        frame = pd.DataFrame(
            {
                "company_id": company_ids,
                "service": service,
                "horizon_hours": horizon * 24.0,
                "capacity_hours": capacity,
            },
            index=pd.Index(self.ids, name="workcenter"),
        )
        frame = frame.join(load).join(done)
        frame["load_hours"] = frame["load_hours"].fillna(0.0)
        frame["te"] = frame["open_te"].fillna(frame["done_te"])
        enough = frame["done_count"].fillna(0) >= MIN_OBSERVATIONS
        ratio_mean = frame["ratio_mean"].where(frame["ratio_mean"] > 0)
        scv_ratio = (frame["ratio_var"].fillna(0.0) / ratio_mean**2).where(enough)
        scv_mix = (frame["open_var"] / frame["open_te"] ** 2).fillna(0.0)
        frame["ce2"] = ((1.0 + scv_ratio) * (1.0 + scv_mix) - 1.0).fillna(1.0)
        frame["process_scv"] = scv_ratio.fillna(1.0)
        frame["scv_default"] = scv_ratio.isna()
        frame["ca2"] = 1.0
        frame["servers"] = 1.0
        return frame[columns]

    def _drs_read_load(self, windows):
        """Open work of these workcenters, one query: DataFrame indexed by
        workcenter with ``load_hours``, ``open_te`` and ``open_var`` (hours,
        hours squared) of the work orders due to start before each window's
        horizon end."""
        Workorder = self.env["mrp.workorder"]
        Workorder.flush_model(
            ["workcenter_id", "state", "duration_expected", "duration", "date_start"]
        )
        self.env["mrp.production"].flush_model(["state", "date_start", "drs_state"])
        self.env.cr.execute(
            SQL(
                """
                SELECT wo.workcenter_id,
                       SUM(CASE WHEN wo.state = 'progress'
                                THEN GREATEST(wo.duration_expected
                                              - COALESCE(wo.duration, 0), 0)
                                ELSE wo.duration_expected END) / 60.0,
                       AVG(wo.duration_expected)
                           FILTER (WHERE wo.duration_expected > 0) / 60.0,
                       VAR_POP(wo.duration_expected)
                           FILTER (WHERE wo.duration_expected > 0) / 3600.0
                  FROM mrp_workorder wo
                  JOIN mrp_production p ON p.id = wo.production_id
                  JOIN (VALUES %s) AS w(workcenter_id, horizon_end, history_start)
                    ON w.workcenter_id = wo.workcenter_id
                 WHERE wo.state IN %s
                   AND p.state IN %s
                   AND p.drs_state IS DISTINCT FROM 'queued'
                   AND COALESCE(wo.date_start, p.date_start) < w.horizon_end
                 GROUP BY wo.workcenter_id
                """,
                self._drs_windows_values(windows),
                OPEN_WORKORDER_STATES,
                OPEN_STATES,
            )
        )
        return _indexed_frame(
            self.env.cr.fetchall(), ["load_hours", "open_te", "open_var"]
        )

    def _drs_read_history(self, windows):
        """Finished work orders of these workcenters in each history window, one
        query: DataFrame indexed by workcenter with ``done_count``,
        ``ratio_mean``, ``ratio_var`` (real / expected duration) and ``done_te``
        (mean expected hours)."""
        self.env["mrp.workorder"].flush_model(
            ["workcenter_id", "state", "duration_expected", "duration", "date_finished"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT wo.workcenter_id,
                       COUNT(*),
                       AVG(wo.duration / wo.duration_expected),
                       VAR_SAMP(wo.duration / wo.duration_expected),
                       AVG(wo.duration_expected) / 60.0
                  FROM mrp_workorder wo
                  JOIN (VALUES %s) AS w(workcenter_id, horizon_end, history_start)
                    ON w.workcenter_id = wo.workcenter_id
                 WHERE wo.state = 'done'
                   AND wo.duration_expected > 0
                   AND wo.duration > 0
                   AND wo.date_finished >= w.history_start
                 GROUP BY wo.workcenter_id
                """,
                self._drs_windows_values(windows),
            )
        )
        return _indexed_frame(
            self.env.cr.fetchall(), ["done_count", "ratio_mean", "ratio_var", "done_te"]
        )

    @api.model
    def _drs_windows_values(self, windows):
        return SQL(", ").join(
            SQL("(%s, %s::timestamp, %s::timestamp)", *window) for window in windows
        )

    def _drs_calendar_capacity(self, now, horizon_days):
        """Working hours over ``[now, now + horizon]`` of each workcenter: its
        calendar's (global leaves deducted), computed once per distinct calendar
        and horizon, plus the authorised make-up shifts of the workcenter in that
        interval (``_drs_makeup_hours``, one query per distinct horizon). No
        calendar and no make-up: 0 hours (status 'no_capacity')."""
        calendar_hours = {}
        makeup = {}
        capacity = []
        for workcenter, days in zip(self, horizon_days, strict=True):
            days = int(days)
            if days not in makeup:
                makeup[days] = self._drs_makeup_hours(now, now + timedelta(days=days))
            calendar = workcenter.resource_calendar_id
            key = (calendar.id, days)
            if calendar and key not in calendar_hours:
                calendar_hours[key] = calendar.get_work_hours_count(
                    now, now + timedelta(days=days), compute_leaves=True
                )
            capacity.append(
                calendar_hours.get(key, 0.0) + makeup[days].get(workcenter.id, 0.0)
            )
        return np.array(capacity, dtype=float)

    @api.model
    def _drs_evaluate_workcenters(self, frame):
        """Engine results for a frame of :meth:`_drs_workcenter_frame`: one call
        of :func:`engine.leadtime.workcenter_lead_times` per distinct service
        level. A workcenter with no load and no known work-order time gets the
        status 'no_load' with no lead time (the engine would call it invalid)."""
        parts = [
            leadtime.workcenter_lead_times(part, service=float(service))
            for service, part in frame.groupby("service", sort=False)
        ]
        if not parts:
            result = frame.copy()
            for column in (
                "utilization",
                "queue_time",
                "queue_time_var",
                "lead_time",
                "lead_time_std",
                "lead_time_quantile",
            ):
                result[column] = pd.Series(dtype=float)
            result["status"] = pd.Series(dtype=object)
            return result
        result = pd.concat(parts).reindex(frame.index)
        unused = (result["load_hours"] <= 0) & result["te"].isna()
        unused &= result["capacity_hours"] > 0
        result.loc[unused, "status"] = "no_load"
        result.loc[unused, ["utilization", "queue_time", "queue_time_var"]] = 0.0
        return result

    def _drs_write_lead_times(self, result, now):
        """Write the engine's results onto these workcenters where they changed
        (set-wise); the date says when they last changed."""
        if result.empty:
            return
        fnames = [
            "drs_lead_time",
            "drs_lead_time_mean",
            "drs_queue_time",
            "drs_utilization",
            "drs_load_hours",
            "drs_capacity_hours",
            "drs_process_hours",
            "drs_process_scv",
            "drs_process_scv_default",
            "drs_lead_time_status",
        ]
        self.flush_model([*fnames, "drs_lead_time_date"])
        figures = [
            "lead_time_quantile",
            "lead_time",
            "queue_time",
            "utilization",
            "load_hours",
            "capacity_hours",
            "te",
            "ce2",
        ]
        rows = list(
            zip(
                result.index.astype(int).tolist(),
                *(_nullables(result[column]) for column in figures),
                result["scv_default"].astype(bool).tolist(),
                result["status"].astype(str).tolist(),
                strict=True,
            )
        )
        sql_update_changed(
            self.env.cr,
            "mrp_workcenter",
            [("id", "int4")]
            + [(name, "numeric") for name in fnames[:8]]
            + [
                ("drs_process_scv_default", "bool"),
                ("drs_lead_time_status", "varchar"),
            ],
            rows,
            extra_set=SQL("drs_lead_time_date = %s", now),
        )
        self.invalidate_model([*fnames, "drs_lead_time_date"])

    # Recourse capacity: make-up shifts add working time
    def _drs_makeup_hours(self, date_from, date_to):
        """Authorised make-up hours at these workcenters in ``[date_from,
        date_to)`` (naive UTC datetimes): ``{workcenter_id: hours}``, each shift
        counted for its overlap with the interval, every workcenter present.

        Capacity computations add these hours to the calendar's working time of
        the interval: a make-up shift is extra time at each of its workcenters.
        One query.
        """
        hours = dict.fromkeys(self.ids, 0.0)
        if not self.ids:
            return hours
        self.env["mrp.drs.makeup.shift"].flush_model(
            ["state", "date_start", "date_end", "workcenter_ids"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT rel.workcenter_id,
                       SUM(EXTRACT(EPOCH FROM LEAST(s.date_end, %(to)s)
                                              - GREATEST(s.date_start, %(from)s)))
                           / 3600.0
                  FROM mrp_drs_makeup_shift s
                  JOIN mrp_drs_makeup_shift_workcenter_rel rel
                    ON rel.shift_id = s.id
                 WHERE rel.workcenter_id IN %(workcenters)s
                   AND s.state = 'authorised'
                   AND s.date_end > %(from)s
                   AND s.date_start < %(to)s
                 GROUP BY rel.workcenter_id
                """,
                workcenters=tuple(self.ids),
                **{"from": date_from, "to": date_to},
            )
        )
        hours.update(self.env.cr.fetchall())
        return hours

    def _drs_check_lead_time_inputs(self):
        """Read and evaluate these workcenters without writing (to find those
        a recomputation fails on)."""
        self._drs_evaluate_workcenters(
            self._drs_workcenter_frame(fields.Datetime.now())
        )

    @api.model
    def _cron_compute_drs_lead_times(self):
        """Recompute the planned lead times of workcenters and bills of
        materials (all companies), record their history and thin it; purge
        old due-date quotes. A database without an active DRS flow has no
        planned lead time to keep up: only the purges run (the button still
        recomputes on demand).

        Set-wise; if that fails, the workcenters it fails on are found one by
        one, logged, and the recomputation runs again without them.
        """
        Workcenter = self.sudo()
        self.env["mrp.drs.lead.time.history"].sudo()._drs_thin()
        self.env["mrp.drs.due.date.quote"].sudo()._drs_purge()
        if not self.env["mrp.drs.flow"].sudo().search_count([], limit=1):
            return True
        try:
            with self.env.cr.savepoint():
                Workcenter._drs_compute_lead_times()
            return True
        except Exception as error:  # fall back to find the bad workcenters
            _logger.warning("DRS planned lead times failed set-wise: %s", error)
        bad = run_isolated(
            Workcenter.search([("active", "=", True)]), "_drs_check_lead_time_inputs"
        )
        try:
            with self.env.cr.savepoint():
                Workcenter._drs_compute_lead_times(exclude=bad)
        except Exception:  # logged; the other crons and the next run go on
            _logger.exception(
                "DRS planned lead times not recomputed (workcenters %s left out)",
                bad.ids,
            )
        return True
