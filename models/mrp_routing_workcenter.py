# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Operations of bills of materials, indexed by workcenter: a flow finds its
products from the operations at its workcenters
(``mrp.bom._drs_products_at_flows``) at each release of a non-bottleneck
loop."""

from odoo import fields, models


class MrpRoutingWorkcenter(models.Model):
    _inherit = "mrp.routing.workcenter"

    workcenter_id = fields.Many2one(index=True)
