# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class MrpWorkorder(models.Model):
    _inherit = "mrp.workorder"

    def button_start(self, raise_on_invalid_state=False):
        self.production_id._drs_check_not_queued()
        return super().button_start(raise_on_invalid_state=raise_on_invalid_state)

    def button_finish(self):
        self.production_id._drs_check_not_queued()
        return super().button_finish()

    def button_done(self):
        self.production_id._drs_check_not_queued()
        return super().button_done()
