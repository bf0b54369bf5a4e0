# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class MrpDrsOptimizeWizard(models.TransientModel):
    _name = "mrp.drs.optimize.wizard"
    _description = "Optimise DRS planning parameters"
    _inherit = ["mrp.drs.optimization.params"]

    profile_id = fields.Many2one(
        "mrp.drs.optimization.profile",
        "Load profile",
        check_company=True,
        help="Take the parameters of this saved profile.",
    )
    plant_size = fields.Integer(
        "Manufactured products",
        compute="_compute_plant_size",
        help="Storable products with a bill of materials in the company: the size "
        "of the optimisation.",
    )
    runs_in_background = fields.Boolean(compute="_compute_plant_size")

    @api.depends("company_id")
    def _compute_plant_size(self):
        Run = self.env["mrp.drs.optimization.run"]
        limit = Run._inline_limit()
        for wizard in self:
            wizard.plant_size = Run._count_plant_products(wizard.company_id)
            wizard.runs_in_background = wizard.plant_size > limit

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        profile = self.env["mrp.drs.optimization.profile"].browse(
            values.get("profile_id") or []
        )
        if profile:
            values.update(profile._get_parameter_values())
        return values

    @api.onchange("profile_id")
    def _onchange_profile_id(self):
        if self.profile_id:
            for name, value in self.profile_id._get_parameter_values().items():
                self[name] = value

    def action_run(self):
        """Create the run and compute it now (small plants) or in the background;
        open it."""
        self.ensure_one()
        run = self.env["mrp.drs.optimization.run"]._create_from_engine(
            {**self._get_parameter_values(), "profile_id": self.profile_id.id}
        )
        run._start()
        return {
            "type": "ir.actions.act_window",
            "res_model": "mrp.drs.optimization.run",
            "res_id": run.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_save_profile(self):
        """Save these parameters as a new profile and open it."""
        self.ensure_one()
        profile = self.env["mrp.drs.optimization.profile"].create(
            {
                **self._get_parameter_values(),
                "name": self.env._(
                    "Profile of %(company)s", company=self.company_id.name
                ),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "mrp.drs.optimization.profile",
            "res_id": profile.id,
            "view_mode": "form",
            "target": "current",
        }
