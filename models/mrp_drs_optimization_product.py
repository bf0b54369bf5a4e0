# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Review of an optimisation run per product: a read-only SQL view joining
the run's product lines (reorder rule with the lead time it carries, or a
lead time of its own) into one row, old and new side by side, with the
product's flow, demand, demand model and expected service. It reads the lines
table only, so it does not depend on how lines are written; selecting a
product (un)selects its proposed lines through the lines' own action."""

from odoo import fields, models, tools
from odoo.tools import SQL

_PRODUCT_KINDS = ("orderpoint", "lead_time")


class MrpDrsOptimizationProduct(models.Model):
    _name = "mrp.drs.optimization.product"
    _description = "DRS optimisation review per product"
    _auto = False
    _order = "run_id desc, flagged desc, product_id"
    _depends = {
        "mrp.drs.optimization.line": [
            "run_id",
            "product_id",
            "product_flow_id",
            "kind",
            "state",
            "selected",
            "flagged",
            "flag_reason",
            "reason",
            "field_name",
            "old_value",
            "new_value",
            "old_max_qty",
            "new_max_qty",
            "old_multiple",
            "new_multiple",
            "old_lead_days",
            "new_lead_days",
            "create_orderpoint",
            "demand_mean",
            "demand_model",
            "model_reason",
            "fill_rate",
            "service_floor",
            "safety_stock",
            "expected_stock",
            "days_of_supply",
        ],
        "mrp.drs.optimization.run": ["company_id"],
    }

    run_id = fields.Many2one("mrp.drs.optimization.run", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    flow_id = fields.Many2one("mrp.drs.flow", readonly=True)
    state = fields.Selection(
        [
            ("proposed", "Proposed"),
            ("applied", "Applied"),
            ("reverted", "Reverted"),
            ("unchanged", "No change"),
            ("skipped", "Not optimised"),
        ],
        readonly=True,
    )
    selected = fields.Boolean(
        readonly=True, help="Every proposed value of the product is selected."
    )
    flagged = fields.Boolean("To review", readonly=True)
    flag_reason = fields.Char("Why to review", readonly=True)
    reason = fields.Char("Note", readonly=True)
    old_lot = fields.Float("Lot size", readonly=True, digits="DRS Proposed Value")
    new_lot = fields.Float("New lot size", readonly=True, digits="DRS Proposed Value")
    old_min = fields.Float("Min", readonly=True, digits="DRS Proposed Value")
    new_min = fields.Float("New min", readonly=True, digits="DRS Proposed Value")
    old_max = fields.Float("Max", readonly=True, digits="DRS Proposed Value")
    new_max = fields.Float("New max", readonly=True, digits="DRS Proposed Value")
    old_lead_days = fields.Float("Lead time (days)", readonly=True, digits="DRS Days")
    new_lead_days = fields.Float(
        "New lead time (days)", readonly=True, digits="DRS Days"
    )
    create_orderpoint = fields.Boolean("New reorder rule", readonly=True)
    demand_mean = fields.Float(
        "Demand (units/period)", readonly=True, digits="DRS Proposed Value"
    )
    demand_model = fields.Selection(
        [
            ("normal", "Normal"),
            ("poisson", "Poisson"),
            ("negbin", "Negative binomial"),
        ],
        readonly=True,
    )
    model_reason = fields.Char("Why this demand model", readonly=True)
    fill_rate = fields.Float(
        "Expected fill rate (%)", readonly=True, digits="DRS Fraction"
    )
    service_floor = fields.Float(
        "Guaranteed fill rate (%)", readonly=True, digits="DRS Fraction"
    )
    safety_stock = fields.Float(
        "Safety stock (units)", readonly=True, digits="DRS Proposed Value"
    )
    expected_stock = fields.Float(
        "Expected stock (units)", readonly=True, digits="DRS Proposed Value"
    )
    days_of_supply = fields.Float(
        "Expected stock (days of supply)", readonly=True, digits="DRS Coarse Duration"
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %s AS (
                SELECT MIN(l.id) AS id,
                       l.run_id,
                       r.company_id,
                       l.product_id,
                       MAX(l.product_flow_id) AS flow_id,
                       CASE WHEN BOOL_OR(l.state = 'proposed') THEN 'proposed'
                            WHEN BOOL_OR(l.state = 'applied') THEN 'applied'
                            WHEN BOOL_OR(l.state = 'reverted') THEN 'reverted'
                            WHEN BOOL_OR(l.state = 'skipped') THEN 'skipped'
                            ELSE 'unchanged' END AS state,
                       COALESCE(BOOL_AND(l.selected)
                                FILTER (WHERE l.state = 'proposed'), FALSE)
                           AS selected,
                       COALESCE(BOOL_OR(l.flagged), FALSE) AS flagged,
                       MAX(l.flag_reason) AS flag_reason,
                       MAX(l.reason) AS reason,
                       MAX(l.old_multiple) FILTER (WHERE l.kind = 'orderpoint')
                           AS old_lot,
                       MAX(l.new_multiple) FILTER (WHERE l.kind = 'orderpoint'
                                                     AND l.state != 'skipped')
                           AS new_lot,
                       MAX(l.old_value) FILTER (WHERE l.kind = 'orderpoint')
                           AS old_min,
                       MAX(l.new_value) FILTER (WHERE l.kind = 'orderpoint'
                                                  AND l.state != 'skipped')
                           AS new_min,
                       MAX(l.old_max_qty) FILTER (WHERE l.kind = 'orderpoint')
                           AS old_max,
                       MAX(l.new_max_qty) FILTER (WHERE l.kind = 'orderpoint'
                                                    AND l.state != 'skipped')
                           AS new_max,
                       COALESCE(MAX(l.old_value)
                                    FILTER (WHERE l.field_name = 'produce_delay'),
                                MAX(l.old_lead_days)) AS old_lead_days,
                       COALESCE(MAX(l.new_value)
                                    FILTER (WHERE l.field_name = 'produce_delay'),
                                MAX(l.new_lead_days)) AS new_lead_days,
                       COALESCE(BOOL_OR(l.create_orderpoint), FALSE)
                           AS create_orderpoint,
                       MAX(l.demand_mean) AS demand_mean,
                       MAX(l.demand_model) AS demand_model,
                       MAX(l.model_reason) AS model_reason,
                       MAX(l.fill_rate) AS fill_rate,
                       MAX(l.service_floor) AS service_floor,
                       MAX(l.safety_stock) AS safety_stock,
                       MAX(l.expected_stock) AS expected_stock,
                       MAX(l.days_of_supply) AS days_of_supply
                  FROM mrp_drs_optimization_line l
                  JOIN mrp_drs_optimization_run r ON r.id = l.run_id
                 WHERE l.product_id IS NOT NULL AND l.kind IN %s
                 GROUP BY l.run_id, r.company_id, l.product_id
                )
                """,
                SQL.identifier(self._table),
                _PRODUCT_KINDS,
            )
        )

    def _lines(self):
        return (
            self.env["mrp.drs.optimization.line"]
            .search(
                [
                    ("run_id", "in", self.run_id.ids),
                    ("product_id", "in", self.product_id.ids),
                    ("kind", "in", _PRODUCT_KINDS),
                    ("state", "=", "proposed"),
                ]
            )
            .filtered(lambda line: (line.run_id, line.product_id) in self._keys())
        )

    def _keys(self):
        return {(row.run_id, row.product_id) for row in self}

    def action_select(self):
        self._lines().action_select()
        return True

    def action_unselect(self):
        self._lines().action_unselect()
        return True
