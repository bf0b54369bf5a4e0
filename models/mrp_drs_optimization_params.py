# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Parameters of a DRS parameter optimisation, shared by the wizard, the saved
profiles and the runs (one definition, copied from one to the other)."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

#: parameter fields copied between wizard, profile and run
PARAMETER_FIELDS = (
    "company_id",
    "warehouse_id",
    "scope",
    "flow_ids",
    "categ_ids",
    "history_days",
    "horizon_days",
    "period_days",
    "service_level",
    "service_floor",
    "demand_distribution",
    "review_threshold",
    "max_utilization",
    "holding_rate",
    "order_cost",
    "create_orderpoints",
)


class MrpDrsOptimizationParams(models.AbstractModel):
    _name = "mrp.drs.optimization.params"
    _description = "DRS optimisation parameters"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        required=True,
        check_company=True,
        default=lambda self: self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        ),
        help="Demand is what left this warehouse's internal locations; the reorder "
        "rules proposed are this warehouse's.",
    )
    scope = fields.Selection(
        [
            ("all", "All manufactured products"),
            ("flows", "Products of DRS flows"),
            ("categories", "Product categories"),
        ],
        required=True,
        default="all",
        help="Which products get proposals. The whole plant of the company is "
        "always optimised, since products outside the scope load the same "
        "workcenters.",
    )
    flow_ids = fields.Many2many(
        "mrp.drs.flow",
        string="Flows",
        check_company=True,
        help="Products whose operations spend most time in these flows (and the "
        "flows' WIP caps).",
    )
    categ_ids = fields.Many2many(
        "product.category",
        string="Product categories",
        help="Storable products of these categories and their subcategories; those "
        "without a bill of materials are listed with the reason.",
    )
    history_days = fields.Integer(
        "History window (days)",
        required=True,
        default=365,
        help="Done stock moves of this many past days give the demand per period.",
    )
    horizon_days = fields.Integer(
        "Capacity horizon (days)",
        required=True,
        default=90,
        help="Working hours of the workcenters' calendars over this many coming "
        "days, per period, give their capacity.",
    )
    period_days = fields.Integer(
        "Period length (days)",
        required=True,
        default=7,
        help="Demand is counted in periods of this many calendar days (7 = weeks).",
    )
    service_level = fields.Float(
        "Target fill rate (%)",
        required=True,
        default=0.95,
        digits="DRS Fraction",
        help="Share of demand to serve from stock (type-II service), per item; also "
        "the probability used for planned lead times.",
    )
    service_floor = fields.Float(
        "Fill-rate floor per product (%)",
        default=0.0,
        digits="DRS Fraction",
        help="Fill rate every product reaches whatever else is optimised (0: no "
        "floor). A product's own DRS fill-rate target always wins.",
    )
    demand_distribution = fields.Selection(
        [
            ("auto", "Per product, from its demand history"),
            ("normal", "Normal for every product"),
        ],
        "Demand model",
        required=True,
        default="auto",
        help="Per product: Poisson or negative binomial for slow and intermittent "
        "movers (whole units), normal for high volumes. 'Normal for every "
        "product' is the model of earlier versions.",
    )
    review_threshold = fields.Float(
        "Flag changes above (%)",
        default=0.5,
        digits="DRS Fraction",
        help="Proposals moving a value by more than this share of its current "
        "value, and WIP cap changes that would release orders at once, are "
        "flagged and not selected: the planner decides.",
    )
    max_utilization = fields.Float(
        "Utilisation ceiling (%)",
        required=True,
        default=0.85,
        digits="DRS Fraction",
        help="No workcenter may be busier than this, setups included: lot sizes "
        "grow until it holds.",
    )
    holding_rate = fields.Float(
        "Holding cost rate (% per year)",
        required=True,
        default=0.25,
        digits="DRS Fraction",
        help="Yearly cost of holding one unit, as a share of its cost; converted to "
        "the period length.",
    )
    order_cost = fields.Float(
        "Cost per manufacturing order",
        default=0.0,
        digits="Product Price",
        help="Fixed cost of launching one lot (paperwork, handling, first-piece "
        "inspection), in the company's currency; added to the setup time of the "
        "operations priced at their workcenters' cost per hour.",
    )
    create_orderpoints = fields.Boolean(
        "Create missing reorder rules",
        default=True,
        help="Propose a new reorder rule for products that have none in the "
        "warehouse and can be manufactured (manufacture route).",
    )

    @api.constrains(
        "history_days",
        "horizon_days",
        "period_days",
        "service_level",
        "service_floor",
        "review_threshold",
        "max_utilization",
        "holding_rate",
        "order_cost",
    )
    def _check_optimization_parameters(self):
        for record in self:
            problems = []
            if not 1 <= record.period_days <= 366:
                problems.append(
                    self.env._("the period length must be between 1 and 366 days")
                )
            if not record.period_days <= record.history_days <= 3660:
                problems.append(
                    self.env._(
                        "the history window must cover at least one period and at "
                        "most 3660 days"
                    )
                )
            if not record.period_days <= record.horizon_days <= 3660:
                problems.append(
                    self.env._(
                        "the capacity horizon must cover at least one period and "
                        "at most 3660 days"
                    )
                )
            if not 0.0 < record.service_level < 1.0:
                problems.append(
                    self.env._("the target fill rate must be between 0 and 100 %")
                )
            if not 0.0 <= record.service_floor < 1.0:
                problems.append(
                    self.env._("the fill-rate floor must be from 0 to below 100 %")
                )
            if record.review_threshold <= 0.0:
                problems.append(
                    self.env._(
                        "the share above which changes are flagged must be positive"
                    )
                )
            if not 0.0 < record.max_utilization < 1.0:
                problems.append(
                    self.env._("the utilisation ceiling must be between 0 and 100 %")
                )
            if not 0.0 < record.holding_rate <= 10.0:
                problems.append(
                    self.env._(
                        "the holding cost rate must be positive and at most "
                        "1000 % per year"
                    )
                )
            if record.order_cost < 0.0:
                problems.append(
                    self.env._("the cost per manufacturing order cannot be negative")
                )
            if problems:
                raise ValidationError(
                    self.env._(
                        "Invalid optimisation parameters: %(problems)s.",
                        problems="; ".join(problems),
                    )
                )

    @api.onchange("company_id")
    def _onchange_company_id_warehouse(self):
        if self.warehouse_id.company_id != self.company_id:
            self.warehouse_id = self.env["stock.warehouse"].search(
                [("company_id", "=", self.company_id.id)], limit=1
            )

    def _get_parameter_values(self):
        """The parameters of this record as values for ``create``/``write``."""
        self.ensure_one()
        values = {}
        for name in PARAMETER_FIELDS:
            field = self._fields[name]
            if field.type == "many2many":
                values[name] = [fields.Command.set(self[name].ids)]
            elif field.type == "many2one":
                values[name] = self[name].id
            else:
                values[name] = self[name]
        return values
