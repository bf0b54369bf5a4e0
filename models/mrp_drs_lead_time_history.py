# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .mrp_workcenter import LEAD_TIME_STATUSES, WRITE_CHUNK, _nullable

#: system parameter: days of history kept at one row per day (then per week)
HISTORY_DAILY_DAYS_PARAM = "mrp_drs.history_daily_days"
HISTORY_DAILY_DAYS = 90


def history_daily_days(env):
    """Days of history kept at a daily grain (system parameter
    ``mrp_drs.history_daily_days``, default 90, at least 1)."""
    value = env["ir.config_parameter"].sudo().get_param(HISTORY_DAILY_DAYS_PARAM, "")
    try:
        return max(int(value), 1)
    except ValueError:
        return HISTORY_DAILY_DAYS


def thin_history(env, table, owner, date_column, now, daily_days=None):
    """Keep one row per ``owner`` and day over the last daily days, one per
    owner and ISO week before (the latest of each), in one ``DELETE``; today's
    rows are kept. Returns the number of rows deleted.

    Recomputations run every few hours: without thinning, a history table
    grows by a row per workcenter (or flow) per run, forever. ``daily_days``
    overrides the system parameter (a longer daily window that readers need).
    """
    today = fields.Datetime.to_datetime(now).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    daily_from = today - timedelta(days=daily_days or history_daily_days(env))
    env.cr.execute(
        SQL(
            """
            DELETE FROM %(table)s old
             USING (
                SELECT id, ROW_NUMBER() OVER (
                           PARTITION BY %(owner)s, date_trunc(
                               CASE WHEN %(date)s >= %(daily_from)s
                                    THEN 'day' ELSE 'week' END, %(date)s)
                           ORDER BY %(date)s DESC, id DESC) AS rank
                  FROM %(table)s
                 WHERE %(date)s < %(today)s
             ) ranked
             WHERE old.id = ranked.id AND ranked.rank > 1
            """,
            table=SQL.identifier(table),
            owner=SQL.identifier(owner),
            date=SQL.identifier(date_column),
            daily_from=daily_from,
            today=today,
        )
    )
    return env.cr.rowcount


class MrpDrsLeadTimeHistory(models.Model):
    _name = "mrp.drs.lead.time.history"
    _description = "DRS planned lead time of a workcenter at a recomputation"
    _order = "date desc, workcenter_id"
    _check_company_auto = True

    date = fields.Datetime("Computed on", required=True, index=True, readonly=True)
    workcenter_id = fields.Many2one(
        "mrp.workcenter",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
        check_company=True,
    )
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    utilization = fields.Float(
        "Anticipated utilisation",
        digits="DRS Fraction",
        aggregator="avg",
        readonly=True,
    )
    lead_time = fields.Float(
        "Planned lead time (h)", digits="DRS Duration", aggregator="avg", readonly=True
    )
    lead_time_mean = fields.Float(
        "Mean lead time (h)", digits="DRS Duration", aggregator="avg", readonly=True
    )
    queue_time = fields.Float(
        "Mean queue time (h)", digits="DRS Duration", aggregator="avg", readonly=True
    )
    load_hours = fields.Float(
        "Anticipated load (h)", digits="DRS Duration", aggregator="avg", readonly=True
    )
    capacity_hours = fields.Float(
        "Capacity over horizon (h)",
        digits="DRS Duration",
        aggregator="avg",
        readonly=True,
    )
    overload_hours = fields.Float(
        "Overload (h)",
        digits="DRS Duration",
        aggregator="avg",
        readonly=True,
        help="Anticipated load beyond the capacity over the horizon. Positive: "
        "the workcenter is overloaded and has no planned lead time (the graph "
        "shows the overload instead).",
    )
    status = fields.Selection(LEAD_TIME_STATUSES, readonly=True)

    @api.model
    def _drs_record(self, result, date):
        """One row per workcenter of ``result`` (engine frame of
        ``mrp.workcenter._drs_evaluate_workcenters``), inserted in batches of
        1,000 rows. SQL rather than ``create`` so that figures the engine could
        not compute stay empty (NULL) instead of 0: the graph then shows a gap,
        not a zero lead time, while a workcenter is overloaded."""
        if result.empty:
            return
        self.flush_model()
        columns = [
            "date",
            "workcenter_id",
            "company_id",
            "utilization",
            "lead_time",
            "lead_time_mean",
            "queue_time",
            "load_hours",
            "capacity_hours",
            "overload_hours",
            "status",
            "create_uid",
            "create_date",
            "write_uid",
            "write_date",
        ]
        uid = self.env.uid
        rows = [
            (
                date,
                int(workcenter_id),
                int(row.company_id) or None,
                _nullable(row.utilization),
                _nullable(row.lead_time_quantile),
                _nullable(row.lead_time),
                _nullable(row.queue_time),
                _nullable(row.load_hours),
                _nullable(row.capacity_hours),
                _nullable(max(row.load_hours - row.capacity_hours, 0.0)),
                str(row.status),
                uid,
                date,
                uid,
                date,
            )
            for workcenter_id, row in zip(
                result.index, result.itertuples(index=False), strict=True
            )
        ]
        for start in range(0, len(rows), WRITE_CHUNK):
            self.env.cr.execute(
                SQL(
                    "INSERT INTO mrp_drs_lead_time_history (%s) VALUES %s",
                    SQL(", ").join(SQL.identifier(name) for name in columns),
                    SQL(", ").join(
                        SQL("(%s)", SQL(", ").join(row))
                        for row in rows[start : start + WRITE_CHUNK]
                    ),
                )
            )

    @api.model
    def _drs_thin(self, now=None):
        """Thin the lead-time and flow histories to a planner's grain (see
        :func:`thin_history`); run by the lead-time cron."""
        now = now or fields.Datetime.now()
        self.flush_model()
        self.env["mrp.drs.flow.history"].flush_model()
        deleted = thin_history(self.env, self._table, "workcenter_id", "date", now)
        # the capacity signals read a flow's days over its signal window
        self.env["mrp.drs.flow"].flush_model(["signal_window_days"])
        self.env.cr.execute(
            SQL("SELECT COALESCE(MAX(signal_window_days), 0) FROM mrp_drs_flow")
        )
        window = max(self.env.cr.fetchone()[0], history_daily_days(self.env))
        deleted += thin_history(
            self.env, "mrp_drs_flow_history", "flow_id", "period_date", now, window
        )
        self.invalidate_model()
        self.env["mrp.drs.flow.history"].invalidate_model()
        return deleted
