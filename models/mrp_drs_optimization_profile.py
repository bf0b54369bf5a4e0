# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Saved optimisation profiles, run periodically by a scheduled action."""

import logging

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)

#: longest interval between two periodic runs, per unit: one year
INTERVAL_MAX = {"days": 366, "weeks": 53, "months": 12}


class MrpDrsOptimizationProfile(models.Model):
    _name = "mrp.drs.optimization.profile"
    _description = "DRS optimisation profile"
    _inherit = ["mrp.drs.optimization.params", "mail.thread"]
    _order = "sequence, name, id"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    sequence = fields.Integer(default=10)
    interval_number = fields.Integer("Every", required=True, default=1, tracking=True)
    interval_type = fields.Selection(
        [("days", "Days"), ("weeks", "Weeks"), ("months", "Months")],
        "Interval unit",
        required=True,
        default="weeks",
        tracking=True,
    )
    next_run = fields.Datetime(
        "Next run",
        required=True,
        default=fields.Datetime.now,
        tracking=True,
        help="The scheduled action runs the profile at the first check after this "
        "moment, then moves it on by the interval.",
    )
    scheduled = fields.Boolean(
        "Run periodically",
        default=False,
        tracking=True,
        help="Run by the scheduled action 'DRS: run due optimisation profiles'.",
    )
    auto_apply = fields.Boolean(
        "Apply automatically",
        tracking=True,
        help="Apply every proposal of a periodic run as soon as it is computed; "
        "otherwise the run waits for a planner's review.",
    )
    run_ids = fields.One2many("mrp.drs.optimization.run", "profile_id", "Runs")
    run_count = fields.Integer("Number of runs", compute="_compute_run_stats")
    last_run_id = fields.Many2one(
        "mrp.drs.optimization.run", "Last run", compute="_compute_run_stats"
    )

    _sql_constraints = [
        (
            "interval_positive",
            "CHECK(interval_number > 0)",
            "The interval of an optimisation profile must be positive.",
        ),
    ]

    @api.constrains("interval_number", "interval_type")
    def _check_interval(self):
        for profile in self:
            most = INTERVAL_MAX[profile.interval_type]
            if not 1 <= profile.interval_number <= most:
                labels = dict(
                    self._fields["interval_type"]._description_selection(self.env)
                )
                raise ValidationError(
                    self.env._(
                        "Profile %(profile)s runs every 1 to %(most)s %(unit)s, at "
                        "most once a year (got %(number)s).",
                        profile=profile.display_name,
                        most=most,
                        unit=labels[profile.interval_type].lower(),
                        number=profile.interval_number,
                    )
                )

    def _compute_run_stats(self):
        runs = self.env["mrp.drs.optimization.run"]._read_group(
            [("profile_id", "in", self.ids)],
            ["profile_id"],
            ["__count", "id:max"],
        )
        stats = {profile.id: (count, last) for profile, count, last in runs}
        for profile in self:
            count, last = stats.get(profile.id, (0, False))
            profile.run_count = count
            profile.last_run_id = last

    def action_run_now(self):
        """Start a run of this profile now (inline or in the background)."""
        self.ensure_one()
        run = self._launch()
        return {
            "type": "ir.actions.act_window",
            "res_model": "mrp.drs.optimization.run",
            "res_id": run.id,
            "view_mode": "form",
        }

    def action_view_runs(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "mrp_drs.mrp_drs_optimization_run_action"
        )
        action["domain"] = [("profile_id", "=", self.id)]
        action["context"] = {"default_profile_id": self.id}
        return action

    def _next_run_after(self, moment):
        self.ensure_one()
        step = relativedelta(**{self.interval_type: self.interval_number})
        following = self.next_run + step
        while following <= moment:
            following += step
        return following

    def _launch(self, auto_apply=False):
        """Create a run with this profile's parameters and start it."""
        self.ensure_one()
        self.check_access("read")
        run = self.env["mrp.drs.optimization.run"]._create_from_engine(
            {
                **self._get_parameter_values(),
                "profile_id": self.id,
                "auto_apply": auto_apply,
                "name": self.env._(
                    "%(profile)s %(date)s",
                    profile=self.name,
                    date=fields.Datetime.context_timestamp(
                        self, fields.Datetime.now()
                    ).strftime("%Y-%m-%d %H:%M"),
                ),
            }
        )
        run._start()
        return run

    @api.model
    def _cron_run_due_profiles(self):
        """Run every scheduled profile whose next run is due, company by company.

        A profile whose run cannot start (e.g. a parameter refused, a next date
        that cannot be computed) is logged with its id and the reason, and on
        its chatter; the others still run.
        """
        now = fields.Datetime.now()
        profiles = self.sudo().search(
            [("scheduled", "=", True), ("next_run", "<=", now)]
        )
        for company, company_profiles in profiles.grouped("company_id").items():
            for profile in company_profiles.with_company(company):
                next_run = False
                try:
                    next_run = profile._next_run_after(now)
                    with self.env.cr.savepoint():
                        profile._launch(auto_apply=profile.auto_apply)
                except Exception as error:  # one bad profile never stops the others
                    _logger.warning(
                        "DRS optimisation profile id %s not run: %s", profile.id, error
                    )
                    profile.message_post(
                        body=self.env._(
                            "Periodic run failed: %(error)s", error=str(error)
                        )
                    )
                if next_run:
                    profile.next_run = next_run
        return True
