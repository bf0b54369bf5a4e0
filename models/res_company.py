# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    drs_service_level = fields.Float(
        "DRS lead-time service level",
        default=0.9,
        digits="DRS Service Level",
        help="Probability that an order meets its planned lead time: the planned "
        "lead times of workcenters and products are this quantile of the lead-time "
        "distribution (0.9 = met by 90 % of the orders).",
    )
    drs_lead_time_horizon = fields.Integer(
        "DRS load horizon (days)",
        default=14,
        help="Open work orders due to start within this many days from now make "
        "the anticipated load of a workcenter, compared with its working hours "
        "over the same days.",
    )
    drs_lead_time_history = fields.Integer(
        "DRS history window (days)",
        default=90,
        help="Finished work orders of this many past days give the variability of "
        "process times; orders queued in these days give each flow's arrival "
        "rate.",
    )

    @api.constrains(
        "drs_service_level", "drs_lead_time_horizon", "drs_lead_time_history"
    )
    def _check_drs_lead_time_settings(self):
        for company in self:
            if not 0.5 <= company.drs_service_level < 1.0:
                # formatted outside the translated call: an f-string with a
                # format spec inside it stops Odoo's term extractor
                level = format(100.0 * company.drs_service_level, "g")
                raise ValidationError(
                    self.env._(
                        "The DRS lead-time service level of %(company)s must be at "
                        "least 50 %% and below 100 %% (got %(level)s %%).",
                        company=company.display_name,
                        level=level,
                    )
                )
            if not 1 <= company.drs_lead_time_horizon <= 366:
                raise ValidationError(
                    self.env._(
                        "The DRS load horizon of %(company)s must be between 1 and "
                        "366 days (got %(days)s).",
                        company=company.display_name,
                        days=company.drs_lead_time_horizon,
                    )
                )
            if not 1 <= company.drs_lead_time_history <= 3660:
                raise ValidationError(
                    self.env._(
                        "The DRS history window of %(company)s must be between 1 and "
                        "3660 days (got %(days)s).",
                        company=company.display_name,
                        days=company.drs_lead_time_history,
                    )
                )
