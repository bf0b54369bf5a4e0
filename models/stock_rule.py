# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class StockRule(models.Model):
    _inherit = "stock.rule"

    @api.model
    def _run_manufacture(self, procurements):
        """Never add procured quantity to a queued or released DRS order.

        Standard Odoo grows an open, unplanned manufacturing order of the same
        product and bill of materials instead of creating a new one. A DRS order's
        WIP units were counted against its flow's cap when it was queued, so a
        released order must not silently grow past the cap, and a queued order must
        not grow behind the queue's back: such orders are left out of that search
        (see ``mrp.production.search``) and a new order is created, which queues.
        Draft orders, not yet in DRS, are still merged into.
        """
        return super(
            StockRule, self.with_context(mrp_drs_exclude_from_merge=True)
        )._run_manufacture(procurements)
