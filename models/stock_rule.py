# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import math
from datetime import timedelta

from odoo import api, fields, models


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

    # For a bill of materials with a computed DRS planned lead time
    # (mrp.bom._drs_planned_lead_days), that lead time replaces the BoM's fixed
    # manufacturing lead time (produce_delay) in the rule's lead days (so in
    # reordering rules' lead_days_date and forecasts), in the planned start of
    # the manufacturing orders procurements create, and in their deadline. The
    # security lead time and the days to prepare the order still add up as in
    # Odoo. Any other bill of materials keeps Odoo's behaviour.
    def _get_lead_days(self, product, **values):
        delays, delay_description = super()._get_lead_days(product, **values)
        manufacture_rule = self.filtered(lambda rule: rule.action == "manufacture")
        if not manufacture_rule:
            return delays, delay_description
        bom = (
            values.get("bom")
            or self.env["mrp.bom"]._bom_find(
                product,
                picking_type=manufacture_rule.picking_type_id,
                company_id=manufacture_rule.company_id.id,
            )[product]
        )
        planned_days = bom._drs_planned_lead_days()
        if planned_days is None:
            return delays, delay_description
        # whole days, as Odoo's lead days; rounded up so that the need is covered
        drs_days = math.ceil(planned_days - 1e-6)
        difference = drs_days - bom.produce_delay
        delays["total_delay"] += difference
        delays["manufacture_delay"] += difference
        fixed_label = self.env._("Manufacturing Lead Time")
        for index, (label, _value) in enumerate(delay_description):
            if label == fixed_label:
                delay_description[index] = (
                    self.env._("DRS Planned Lead Time"),
                    self.env._("+ %d day(s)", drs_days),
                )
                break
        return delays, delay_description

    def _get_date_planned(self, bom_id, values):
        planned_days = bom_id._drs_planned_lead_days()
        if planned_days is None:
            return super()._get_date_planned(bom_id, values)
        return fields.Datetime.from_string(values["date_planned"]) - timedelta(
            days=planned_days
        )

    def _prepare_mo_vals(
        self,
        product_id,
        product_qty,
        product_uom,
        location_dest_id,
        name,
        origin,
        company_id,
        values,
        bom,
    ):
        mo_values = super()._prepare_mo_vals(
            product_id,
            product_qty,
            product_uom,
            location_dest_id,
            name,
            origin,
            company_id,
            values,
            bom,
        )
        planned_days = bom._drs_planned_lead_days()
        if planned_days is not None and not values.get("date_deadline"):
            # Odoo's deadline is the planned start plus the lead time: the need date
            mo_values["date_deadline"] = fields.Datetime.from_string(
                values["date_planned"]
            )
        return mo_values
