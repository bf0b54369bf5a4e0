# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError
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
        digits="DRS Duration",
        readonly=True,
        copy=False,
        help="Load-based planned lead time of the bill of materials, in calendar "
        "days, at the company's DRS service level. Procurements and reordering "
        "rules plan with it instead of the manufacturing lead time.",
    )
    drs_lead_time_hours = fields.Float(
        "DRS planned lead time (working h)",
        digits="DRS Duration",
        readonly=True,
        copy=False,
    )
    drs_lead_time_status = fields.Selection(
        BOM_LEAD_TIME_STATUSES, "DRS lead-time status", readonly=True, copy=False
    )
    drs_fixed_lead_time_days = fields.Integer(
        "Fixed manufacturing lead time (days)",
        related="drs_lead_time_bom_id.produce_delay",
    )

    drs_fill_rate_target = fields.Float(
        "DRS fill-rate target (%)",
        digits="DRS Fraction",
        default=0.0,
        help="This product's own fill-rate target in DRS optimisation runs, kept "
        "exactly whatever the run's target and floor (0: the run's target "
        "applies).",
    )

    @api.constrains("drs_fill_rate_target")
    def _check_drs_fill_rate_target(self):
        for template in self:
            if not 0.0 <= template.drs_fill_rate_target < 1.0:
                raise ValidationError(
                    self.env._(
                        "The DRS fill-rate target of %(product)s must be from 0 %% "
                        "(none) to below 100 %%, got %(value).2f %%.",
                        product=template.display_name,
                        value=template.drs_fill_rate_target * 100.0,
                    )
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
