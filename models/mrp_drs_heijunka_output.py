# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Planned and actual output of the heijunka periods as rows, one per period
and kind, so that one graph draws the quota and the actual output side by side
(an Odoo graph draws one measure at a time)."""

from odoo import fields, models, tools
from odoo.tools import SQL


class MrpDrsHeijunkaOutput(models.Model):
    _name = "mrp.drs.heijunka.output"
    _description = "DRS heijunka planned vs actual output"
    _auto = False
    _order = "period_label, kind desc"

    period_id = fields.Many2one(
        "mrp.drs.heijunka.period", "Heijunka period", readonly=True
    )
    flow_id = fields.Many2one("mrp.drs.flow", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    date_start = fields.Date("First day", readonly=True)
    period_label = fields.Char("Period", readonly=True)
    kind = fields.Selection(
        [("quota", "Planned (quota)"), ("actual", "Actual output")], readonly=True
    )
    qty = fields.Float("Units", digits="Product Unit of Measure", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %s AS
                SELECT hp.id * 2 + (kind.name = 'actual')::int AS id,
                       hp.id AS period_id,
                       hp.flow_id,
                       hp.company_id,
                       hp.date_start,
                       f.name || ' · ' || hp.name AS period_label,
                       kind.name AS kind,
                       CASE kind.name
                           WHEN 'quota' THEN hp.quota_qty
                           ELSE COALESCE(hp.actual_qty, 0)
                       END AS qty
                  FROM mrp_drs_heijunka_period hp
                  JOIN mrp_drs_flow f ON f.id = hp.flow_id
                 CROSS JOIN (VALUES ('quota'), ('actual')) AS kind (name)
                """,
                SQL.identifier(self._table),
            )
        )
