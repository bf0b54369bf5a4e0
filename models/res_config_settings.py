# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    drs_service_level = fields.Float(
        related="company_id.drs_service_level", readonly=False
    )
    drs_lead_time_horizon = fields.Integer(
        related="company_id.drs_lead_time_horizon", readonly=False
    )
    drs_lead_time_history = fields.Integer(
        related="company_id.drs_lead_time_history", readonly=False
    )
