# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class MrpWorkorder(models.Model):
    _inherit = "mrp.workorder"

    production_drs_state = fields.Selection(
        related="production_id.drs_state", string="DRS state of the order"
    )

    def button_start(self, raise_on_invalid_state=False):
        self.production_id._drs_check_not_queued()
        return super().button_start(raise_on_invalid_state=raise_on_invalid_state)

    def button_finish(self):
        self.production_id._drs_check_not_queued()
        return super().button_finish()

    def button_done(self):
        self.production_id._drs_check_not_queued()
        return super().button_done()
