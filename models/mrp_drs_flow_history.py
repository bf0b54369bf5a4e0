# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Per-period history of each flow, written by the DRS recourse run.

One row per flow and period (a day in the flow's calendar timezone), kept
unique by a SQL constraint and written with ``INSERT ... ON CONFLICT DO
UPDATE``: every run of the period updates the row (last sample of the gauges,
maximum of the queue, whether the queue went above the make-up threshold), so
concurrent runs never duplicate it. The dashboard's graph and pivot views read
these rows; the capacity signals of the flows count their triggered and empty
periods.
"""

from odoo import api, fields, models
from odoo.tools import SQL

#: queued work below this many equivalent units counts as an empty queue
EMPTY_QUEUE_UNITS = 1e-6


class MrpDrsFlowHistory(models.Model):
    _name = "mrp.drs.flow.history"
    _description = "DRS flow history (per period)"
    _order = "period_date desc, flow_id"
    _rec_name = "period_date"
    _check_company_auto = True

    flow_id = fields.Many2one(
        "mrp.drs.flow", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    period_date = fields.Date(
        "Period", required=True, index=True, help="Day in the flow's calendar."
    )
    sample_count = fields.Integer(
        "Samples", aggregator="sum", help="DRS runs that updated this period."
    )
    # a day's queues add up across flows: the dashboard sums them per day
    queue_count = fields.Integer(
        "Queued orders", aggregator="sum", help="At the last run of the period."
    )
    queue_units = fields.Float(
        "Queue (equivalent units)",
        digits="DRS Equivalent Units",
        aggregator="sum",
        help="Queued work at the last run of the period.",
    )
    queue_units_max = fields.Float(
        "Longest queue (equivalent units)",
        digits="DRS Equivalent Units",
        aggregator="max",
    )
    queue_empty = fields.Boolean(
        "Queue stayed empty", help="The queue was empty at every run of the period."
    )
    queue_age_max = fields.Float(
        "Oldest queued order (h)",
        digits="DRS Coarse Duration",
        aggregator="max",
        help="Hours the oldest queued order had waited, at the last run.",
    )
    queue_age_avg = fields.Float(
        "Mean queue age (h)",
        digits="DRS Coarse Duration",
        aggregator="avg",
        help="Mean hours queued orders had waited, at the last run.",
    )
    wip_units = fields.Float(
        "WIP (equivalent units)", digits="DRS Equivalent Units", aggregator="sum"
    )
    wip_cap = fields.Float(
        "WIP cap (equivalent units)", digits="DRS Equivalent Units", aggregator="sum"
    )
    wip_ratio = fields.Float("WIP vs cap (%)", digits="DRS Percent", aggregator="avg")
    throughput = fields.Float(
        "Throughput (units/h)",
        digits="DRS Rate",
        aggregator="avg",
        help="The flow's estimated throughput, equivalent units per working hour.",
    )
    completed_units = fields.Float(
        "Completed (equivalent units)",
        digits="DRS Equivalent Units",
        aggregator="sum",
        help="Work of the flow's orders done in the period.",
    )
    makeup_threshold = fields.Float(
        "Make-up threshold (equivalent units)",
        digits="DRS Equivalent Units",
        aggregator="avg",
    )
    makeup_triggered = fields.Boolean(
        "Above threshold",
        help="The queue was above the make-up threshold at a run of the period.",
    )
    makeup_hours = fields.Float(
        "Make-up hours (h)",
        digits="DRS Duration",
        aggregator="sum",
        help="Make-up time authorised for the period.",
    )

    _sql_constraints = [
        (
            "flow_period_uniq",
            "unique(flow_id, period_date)",
            "A flow has one history row per period.",
        ),
    ]

    #: columns overwritten by each run of the period (last sample)
    _DRS_GAUGES = (
        "company_id",
        "queue_count",
        "queue_units",
        "queue_age_max",
        "queue_age_avg",
        "wip_units",
        "wip_cap",
        "wip_ratio",
        "throughput",
        "completed_units",
        "makeup_threshold",
        "makeup_hours",
    )

    @api.model
    def _drs_upsert(self, rows):
        """Insert or update the rows of one run in a single statement.

        ``rows`` are dicts with ``flow_id``, ``period_date``, ``makeup_triggered``
        and every column of ``_DRS_GAUGES``. An existing row of the same flow and
        period gets the new gauges, one more sample, the larger queue maximum,
        and keeps ``makeup_triggered`` once set and ``queue_empty`` only while
        every sample was empty.
        """
        if not rows:
            return
        columns = ("flow_id", "period_date", "makeup_triggered", *self._DRS_GAUGES)
        values = SQL(", ").join(
            SQL(
                "(%s, 1, %s, %s, %s, %s, now() AT TIME ZONE 'UTC', "
                "now() AT TIME ZONE 'UTC')",
                SQL(", ").join(SQL("%s", row[column]) for column in columns),
                row["queue_units"],
                row["queue_units"] <= EMPTY_QUEUE_UNITS,
                self.env.uid,
                self.env.uid,
            )
            for row in rows
        )
        column_list = SQL(", ").join(SQL.identifier(column) for column in columns)
        gauges = SQL(", ").join(
            SQL("%s = EXCLUDED.%s", SQL.identifier(column), SQL.identifier(column))
            for column in self._DRS_GAUGES
        )
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO mrp_drs_flow_history AS history
                       (%(columns)s, sample_count, queue_units_max, queue_empty,
                        create_uid, write_uid, create_date, write_date)
                VALUES %(values)s
                ON CONFLICT (flow_id, period_date) DO UPDATE SET
                       %(gauges)s,
                       sample_count = history.sample_count + 1,
                       queue_units_max = GREATEST(history.queue_units_max,
                                                  EXCLUDED.queue_units_max),
                       queue_empty = history.queue_empty AND EXCLUDED.queue_empty,
                       makeup_triggered = history.makeup_triggered
                                          OR EXCLUDED.makeup_triggered,
                       write_uid = EXCLUDED.write_uid,
                       write_date = EXCLUDED.write_date
                """,
                columns=column_list,
                values=values,
                gauges=gauges,
            )
        )
        self.invalidate_model()
