# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL

from .mrp_workcenter import LEAD_TIME_STATUSES, WRITE_CHUNK, _nullable


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
        "Anticipated utilisation", digits=(16, 4), aggregator="avg", readonly=True
    )
    lead_time = fields.Float(
        "Planned lead time (h)", digits=(16, 2), aggregator="avg", readonly=True
    )
    lead_time_mean = fields.Float(
        "Mean lead time (h)", digits=(16, 2), aggregator="avg", readonly=True
    )
    queue_time = fields.Float(
        "Mean queue time (h)", digits=(16, 2), aggregator="avg", readonly=True
    )
    load_hours = fields.Float(
        "Anticipated load (h)", digits=(16, 2), aggregator="avg", readonly=True
    )
    capacity_hours = fields.Float(
        "Capacity over horizon (h)", digits=(16, 2), aggregator="avg", readonly=True
    )
    overload_hours = fields.Float(
        "Overload (h)",
        digits=(16, 2),
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
