# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL

from .mrp_bom import BOM_LEAD_TIME_STATUSES

_TEMPLATE_FIELDS = [
    "drs_lead_time_bom_id",
    "drs_lead_time_days",
    "drs_lead_time_hours",
    "drs_lead_time_status",
]


class ProductTemplate(models.Model):
    _inherit = "product.template"

    # --- DRS planned lead times (issue 4) ----------------------------------------
    drs_lead_time_bom_id = fields.Many2one(
        "mrp.bom",
        "DRS bill of materials",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The product's first bill of materials (by sequence), when it is "
        "routed through a DRS flow; the planned lead time shown is its own.",
    )
    drs_lead_time_days = fields.Float(
        "DRS planned lead time (days)",
        digits=(16, 2),
        readonly=True,
        copy=False,
        help="Load-based planned lead time of the bill of materials, in calendar "
        "days, at the company's DRS service level. Procurements and reordering "
        "rules plan with it instead of the manufacturing lead time.",
    )
    drs_lead_time_hours = fields.Float(
        "DRS planned lead time (working h)", digits=(16, 2), readonly=True, copy=False
    )
    drs_lead_time_status = fields.Selection(
        BOM_LEAD_TIME_STATUSES, "DRS lead-time status", readonly=True, copy=False
    )
    drs_fixed_lead_time_days = fields.Integer(
        "Fixed manufacturing lead time (days)",
        related="drs_lead_time_bom_id.produce_delay",
    )

    @api.model
    def _drs_refresh_planned_lead_times(self):
        """Copy onto every template the DRS lead time of its first active normal
        bill of materials (sequence, then id), or clear it, where it changed;
        two queries."""
        self.env["mrp.bom"].flush_model(
            [
                "active",
                "type",
                "sequence",
                "product_tmpl_id",
                "drs_lead_time_days",
                "drs_lead_time_hours",
                "drs_lead_time_status",
            ]
        )
        self.flush_model(_TEMPLATE_FIELDS)
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                UPDATE product_template t
                   SET drs_lead_time_bom_id = CASE
                           WHEN b.drs_lead_time_status IS NOT NULL THEN b.id END,
                       drs_lead_time_days = b.drs_lead_time_days,
                       drs_lead_time_hours = b.drs_lead_time_hours,
                       drs_lead_time_status = b.drs_lead_time_status
                  FROM (SELECT DISTINCT ON (product_tmpl_id)
                               id, product_tmpl_id, drs_lead_time_days,
                               drs_lead_time_hours, drs_lead_time_status
                          FROM mrp_bom
                         WHERE active AND type = 'normal'
                         ORDER BY product_tmpl_id, sequence, id) b
                 WHERE b.product_tmpl_id = t.id
                   AND (b.drs_lead_time_status IS NOT NULL
                        OR t.drs_lead_time_status IS NOT NULL)
                   AND (t.drs_lead_time_bom_id, t.drs_lead_time_days,
                        t.drs_lead_time_hours, t.drs_lead_time_status)
                       IS DISTINCT FROM
                       (CASE WHEN b.drs_lead_time_status IS NOT NULL THEN b.id END,
                        b.drs_lead_time_days, b.drs_lead_time_hours,
                        b.drs_lead_time_status)
                """
            )
        )
        cr.execute(
            SQL(
                """
                UPDATE product_template t
                   SET drs_lead_time_bom_id = NULL, drs_lead_time_days = NULL,
                       drs_lead_time_hours = NULL, drs_lead_time_status = NULL
                 WHERE t.drs_lead_time_status IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM mrp_bom b
                                    WHERE b.product_tmpl_id = t.id
                                      AND b.active AND b.type = 'normal')
                """
            )
        )
        self.invalidate_model(_TEMPLATE_FIELDS)
