# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_assign(self, force_qty=False):
        # components of an order in the virtual queue are reserved when the
        # flow releases it (mrp.production._drs_reserve_on_release)
        deferred = set(self.env.context.get("mrp_drs_defer_reservation") or ())
        waiting = self.filtered(
            lambda move: (
                move.raw_material_production_id
                and (
                    move.raw_material_production_id.drs_state == "queued"
                    or move.raw_material_production_id.id in deferred
                )
            )
        )
        return super(StockMove, self - waiting)._action_assign(force_qty=force_qty)
