# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Optimisation runs: DRS planning parameters computed from live Odoo data.

A run reads the company's plant set-wise (``_extract_plant``, in
``mrp_drs_optimization_extract``), hands it to the engine
(:func:`engine.optimize.optimize_plant`), and records the proposal as lines
(``_store_result``, in ``mrp_drs_optimization_proposal``): old and new
reorder-rule quantities, lot sizes, manufacturing lead times, workcenter
assignments and WIP caps. The planner applies all or selected lines in one
transaction and may revert them. This file holds the run itself: its states,
its buttons, the inline or background execution and the cron.
"""

import logging
import time

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from odoo.addons.mrp_drs.engine import optimize

from .mrp_drs_flow import check_drs_planner

_logger = logging.getLogger(__name__)

#: ir.config_parameter: largest plant (manufactured products) optimised inline
INLINE_LIMIT_PARAM = "mrp_drs.optimization_inline_limit"

INLINE_LIMIT_DEFAULT = 5000

#: first key of the advisory lock a worker holds while it computes a run (the
#: second is the run's id): a 'running' run whose lock nobody holds was
#: interrupted (worker killed, server restarted)
RUN_LOCK_KEY = 0x0D25

#: fields a planner may write on a run; the rest is the optimiser's output
PLANNER_RUN_FIELDS = frozenset({"name", "line_ids"})


class MrpDrsOptimizationRun(models.Model):
    _name = "mrp.drs.optimization.run"
    _description = "DRS parameter optimisation run"
    _inherit = ["mrp.drs.optimization.params", "mail.thread"]
    _order = "id desc"
    name = fields.Char(required=True, default=lambda self: self._default_name())
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("queued", "Queued"),
            ("running", "Running"),
            ("done", "To review"),
            ("failed", "Failed"),
            ("applied", "Applied"),
            ("reverted", "Reverted"),
        ],
        required=True,
        default="draft",
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    user_id = fields.Many2one(
        "res.users", "Requested by", default=lambda self: self.env.user, readonly=True
    )
    profile_id = fields.Many2one(
        "mrp.drs.optimization.profile",
        readonly=True,
        check_company=True,
        ondelete="set null",
    )
    auto_apply = fields.Boolean(
        readonly=True, help="Apply all proposed lines as soon as the run is done."
    )
    progress = fields.Float("Progress (%)", readonly=True, copy=False)
    progress_message = fields.Char("Step", readonly=True, copy=False)
    error_message = fields.Text("Error", readonly=True, copy=False)
    date_start = fields.Datetime("Started on", readonly=True, copy=False)
    date_done = fields.Datetime("Finished on", readonly=True, copy=False)
    date_applied = fields.Datetime("Applied on", readonly=True, copy=False)
    extraction_seconds = fields.Float(
        "Data extraction (s)", readonly=True, copy=False, digits="DRS Duration"
    )
    optimization_seconds = fields.Float(
        "Optimisation (s)", readonly=True, copy=False, digits="DRS Duration"
    )
    # inputs summary
    product_count = fields.Integer(
        "Manufactured products", readonly=True, copy=False, help="Items optimised."
    )
    scope_product_count = fields.Integer("Products in scope", readonly=True, copy=False)
    routing_row_count = fields.Integer(
        "Routing rows",
        readonly=True,
        copy=False,
        help="Operations x eligible workcenters (alternatives included).",
    )
    workcenter_count = fields.Integer("Workcenters", readonly=True, copy=False)
    flow_count = fields.Integer("Flows in the plant", readonly=True, copy=False)
    period_count = fields.Integer("Demand periods", readonly=True, copy=False)
    period_hours = fields.Float(
        "Working hours per period (h)", readonly=True, copy=False, digits="DRS Duration"
    )
    # expected effect
    currency_id = fields.Many2one(related="company_id.currency_id")
    feasible_count = fields.Integer("Optimised products", readonly=True, copy=False)
    infeasible_count = fields.Integer(
        "Products with a problem", readonly=True, copy=False
    )
    inventory_investment = fields.Monetary(
        "Expected inventory investment", readonly=True, copy=False
    )
    current_inventory_investment = fields.Monetary(
        "Inventory investment of the current rules",
        readonly=True,
        copy=False,
        help="Current reorder rules of the same products, under the same demand and "
        "planned lead times.",
    )
    fill_rate = fields.Float(
        "Expected fill rate (%)",
        readonly=True,
        copy=False,
        digits="DRS Fraction",
        help="Demand-weighted over the optimised products.",
    )
    current_fill_rate = fields.Float(
        "Fill rate of the current rules (%)",
        readonly=True,
        copy=False,
        digits="DRS Fraction",
        help="Current reorder rules of the optimised products that have one, under "
        "the same demand and planned lead times.",
    )
    wip_units = fields.Float(
        "Expected WIP (units)",
        readonly=True,
        copy=False,
        digits="Product Unit of Measure",
    )
    wip_investment = fields.Monetary("Expected WIP value", readonly=True, copy=False)
    max_utilization_result = fields.Float(
        "Highest workcenter utilisation (%)",
        readonly=True,
        copy=False,
        digits="DRS Fraction",
    )
    frontier_chart = fields.Binary(
        "Efficient frontier", attachment=True, readonly=True, copy=False
    )
    order_frequency_chart = fields.Binary(
        "Order frequency versus investment", attachment=True, readonly=True, copy=False
    )
    line_ids = fields.One2many("mrp.drs.optimization.line", "run_id", "Proposals")
    assignment_line_ids = fields.One2many(
        "mrp.drs.optimization.line",
        "run_id",
        "Operations moved",
        domain=[("kind", "=", "assignment")],
        readonly=True,
    )
    product_review_ids = fields.One2many(
        "mrp.drs.optimization.product", "run_id", "Products", readonly=True
    )
    wip_cap_line_ids = fields.One2many(
        "mrp.drs.optimization.line",
        "run_id",
        "WIP caps",
        domain=[("kind", "=", "wip_cap")],
        readonly=True,
    )
    revert_note = fields.Text(
        "After the revert",
        readonly=True,
        copy=False,
        help="What the revert could not undo: orders released under a raised WIP "
        "cap stay released.",
    )
    line_count = fields.Integer("Number of lines", compute="_compute_line_counts")
    problem_count = fields.Integer("Problems", compute="_compute_line_counts")
    selected_count = fields.Integer("Selected", compute="_compute_line_counts")
    proposed_count = fields.Integer(
        "Proposals to decide", compute="_compute_line_counts"
    )
    flagged_count = fields.Integer("Flagged for review", compute="_compute_line_counts")

    def _default_name(self):
        now = fields.Datetime.context_timestamp(self, fields.Datetime.now())
        return self.env._("Optimisation %(date)s", date=now.strftime("%Y-%m-%d %H:%M"))

    def _compute_line_counts(self):
        counts = {
            (run.id, state, selected): count
            for run, state, selected, count in self.env[
                "mrp.drs.optimization.line"
            ]._read_group(
                [("run_id", "in", self.ids)],
                ["run_id", "state", "selected"],
                ["__count"],
            )
        }
        for run in self:
            mine = {key[1:]: count for key, count in counts.items() if key[0] == run.id}
            run.line_count = sum(mine.values())
            run.problem_count = sum(
                count
                for (state, _selected), count in mine.items()
                if state == "skipped"
            )
            run.selected_count = mine.get(("proposed", True), 0)
            run.proposed_count = run.selected_count + mine.get(("proposed", False), 0)
        flagged = dict(
            self.env["mrp.drs.optimization.line"]._read_group(
                [
                    ("run_id", "in", self.ids),
                    ("flagged", "=", True),
                    ("state", "=", "proposed"),
                ],
                ["run_id"],
                ["__count"],
            )
        )
        for run in self:
            run.flagged_count = flagged.get(run, 0)

    # Runs and their lines are the optimiser's output: they are created by the
    # wizard, a profile or the cron through ``_create_from_engine`` (superuser,
    # after the planner's rights are checked), and written by the addon's own
    # methods in superuser mode. ``env.su`` cannot be obtained over RPC (each
    # call gets a fresh environment of the calling user; a context key could be
    # forged), so it is what separates the addon's writes from a planner's.
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(
                self.env._(
                    "Optimisation runs are computed, not entered: start one with "
                    "Optimise parameters or from a profile."
                )
            )
        return super().create(vals_list)

    def write(self, vals):
        if "company_id" in vals and any(
            run.company_id.id != vals["company_id"] for run in self
        ):
            raise UserError(self.env._("The company of an optimisation run is fixed."))
        if not self.env.su and set(vals) - PLANNER_RUN_FIELDS:
            raise AccessError(
                self.env._(
                    "The results of an optimisation run cannot be edited; only "
                    "its name and the selection of its proposals can."
                )
            )
        return super().write(vals)

    def action_apply(self):
        """Apply every proposed line (one transaction)."""
        runs = self._check_planner_access()
        for run in runs:
            run._check_state("done")
        # every proposed line, selected or not (the apply marks them selected
        # in the same statement that marks them applied)
        return runs._apply_selected(apply_all=True)

    def action_apply_selected(self):
        """Apply the selected proposed lines (one transaction)."""
        runs = self._check_planner_access()
        for run in runs:
            run._check_state("done")
        return runs._apply_selected()

    def action_review_apply(self):
        """Show what applying the selected proposals changes, then apply."""
        return self._open_apply_wizard(apply_all=False)

    def action_review_apply_all(self):
        """Show what applying every proposal changes, then apply."""
        return self._open_apply_wizard(apply_all=True)

    def _open_apply_wizard(self, apply_all):
        self.ensure_one()
        self._check_planner()
        self._check_state("done")
        if not self.proposed_count:
            raise UserError(
                self.env._(
                    "Run %(run)s optimised nothing: no proposal changes a value.",
                    run=self.display_name,
                )
            )
        wizard = self.env["mrp.drs.optimization.apply.wizard"].create(
            {"run_id": self.id, "apply_all": apply_all}
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Apply %(run)s", run=self.display_name),
            "res_model": wizard._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_view_products(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "mrp_drs.mrp_drs_optimization_product_action"
        )
        action["domain"] = [("run_id", "=", self.id)]
        return action

    def action_revert(self):
        """Restore the values the applied lines replaced (one transaction).

        Orders released while a raised WIP cap was in force are on the floor and
        stay released: the run and its chatter say so, with how far the WIP
        now stands above the restored cap.
        """
        runs = self._check_planner_access()
        for run in runs:
            run._check_state("applied")
            lines = (
                self.env["mrp.drs.optimization.line"]
                .sudo()
                .search(
                    [("run_id", "=", run.id), ("state", "=", "applied")], order="id"
                )
            )
            with self.env.cr.savepoint():
                summary, note = lines._revert(run)
                run.write({"state": "reverted", "revert_note": note or False})
            run.message_post(body=f"{summary} {note}" if note else summary)
        return True

    def action_queue(self):
        """Run in the background: queue the run and wake up its cron."""
        runs = self._check_planner_access()
        runs._queue()
        return True

    def _queue(self):
        for run in self:
            if run.state not in ("draft", "failed"):
                raise UserError(
                    self.env._(
                        "Run %(run)s has already been computed.", run=run.display_name
                    )
                )
        self.write({"state": "queued", "progress": 0.0, "progress_message": False})
        self.env.ref("mrp_drs.ir_cron_mrp_drs_optimization_run")._trigger()

    def action_view_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "mrp_drs.mrp_drs_optimization_line_action"
        )
        action["domain"] = [("run_id", "=", self.id)]
        action["context"] = {"default_run_id": self.id}
        return action

    def action_view_problems(self):
        action = self.action_view_lines()
        action["context"] = {"search_default_skipped": 1}
        return action

    def _check_planner(self):
        check_drs_planner(
            self.env,
            self.env._("Only DRS planners can run, apply or revert optimisations."),
        )

    def _check_planner_access(self):
        """Check that the user is a DRS planner who may change these runs (their
        companies' record rules); return the runs in superuser mode, for the
        addon's own writes."""
        self._check_planner()
        self.check_access("write")
        return self.sudo()

    @api.model
    def _create_from_engine(self, values):
        """Create a run of ``values`` (parameters from the wizard or a profile)
        for the optimiser, in superuser mode, once the user's rights are
        checked: a DRS planner, in one of their companies."""
        self._check_planner()
        company = self.env["res.company"].browse(values.get("company_id"))
        if not self.env.su and company not in self.env.user.company_ids:
            raise AccessError(
                self.env._("You cannot optimise the plant of a company not yours.")
            )
        return self.sudo().create(values)

    def _check_state(self, state):
        if self.state != state:
            labels = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                self.env._(
                    "Run %(run)s is %(state)s; this needs a run that is %(wanted)s.",
                    run=self.display_name,
                    state=labels[self.state],
                    wanted=labels[state],
                )
            )

    @api.model
    def _inline_limit(self):
        value = self.env["ir.config_parameter"].sudo().get_param(INLINE_LIMIT_PARAM, "")
        try:
            return int(value) if value else INLINE_LIMIT_DEFAULT
        except ValueError:
            _logger.warning("%s is not an integer: %r", INLINE_LIMIT_PARAM, value)
            return INLINE_LIMIT_DEFAULT

    @api.model
    def _count_plant_products(self, company):
        """Manufactured storable products of ``company`` (the size of a run)."""
        self.env.cr.execute(
            SQL(
                """
                SELECT COUNT(DISTINCT pp.id)
                  FROM mrp_bom b
                  JOIN product_product pp
                    ON pp.id = b.product_id
                    OR (b.product_id IS NULL AND pp.product_tmpl_id = b.product_tmpl_id)
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 WHERE b.active AND b.type = 'normal' AND pp.active AND pt.is_storable
                   AND (b.company_id = %(company)s OR b.company_id IS NULL)
                """,
                company=company.id,
            )
        )
        return self.env.cr.fetchone()[0]

    def _start(self):
        """Run inline if the plant is small, else queue it for the cron.
        Returns True when the run was computed inline."""
        self.ensure_one()
        if self._count_plant_products(self.company_id) <= self._inline_limit():
            self._execute()
            return True
        self._queue()
        return False

    def _set_progress(self, percent, message):
        self.write({"progress": percent, "progress_message": message})
        if self.env.context.get("drs_commit_progress"):
            # cron only: let the planner see the progress; nothing written so
            # far needs to be undone if a later step fails
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _execute(self):
        """Extract, optimise and record the proposal of this run.

        Bad input (an empty plant, parameters the engine refuses, no LP
        solution) marks the run failed with the reason instead of raising; the
        lines and results are written in one savepoint, so a run is either
        complete or has none.
        """
        self.ensure_one()
        # The lock lives in a connection of its own: the progress commits of
        # the cron do not release it, it dies with the worker, and a failed
        # statement in the computation cannot keep it.
        with self.env.registry.cursor() as lock_cr:
            lock_cr.execute(
                SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", RUN_LOCK_KEY, self.id)
            )
            if not lock_cr.fetchone()[0]:
                raise UserError(
                    self.env._(
                        "Run %(run)s is being computed by another worker.",
                        run=self.display_name,
                    )
                )
            return self._execute_locked()

    def _execute_locked(self):
        self.write(
            {
                "state": "running",
                "date_start": fields.Datetime.now(),
                "error_message": False,
            }
        )
        try:
            self._set_progress(5.0, self.env._("Reading demand, routings, capacity"))
            started = time.perf_counter()
            data = self._extract_plant()
            extraction = time.perf_counter() - started
            self._set_progress(40.0, self.env._("Optimising"))
            started = time.perf_counter()
            result = optimize.optimize_plant(
                data["plant"],
                service=self.service_level,
                max_utilization=self.max_utilization,
                lead_time_service=self.service_level,
                service_floor=self.service_floor,
                distribution=self.demand_distribution,
            )
            optimization = time.perf_counter() - started
            self._set_progress(70.0, self.env._("Writing and simulating the proposal"))
            with self.env.cr.savepoint():
                self._store_result(data, result)
                # the review per product is a view of the lines just written
                self.invalidate_recordset(["product_review_ids"])
                self.write(
                    {
                        "extraction_seconds": extraction,
                        "optimization_seconds": optimization,
                    }
                )
        except (UserError, ValueError, RuntimeError) as error:
            # ValueError: parameters or a plant the engine refuses; RuntimeError:
            # the engine's LP solver found no solution
            self._mark_failed(error)
            return False
        if self.auto_apply:
            self._auto_apply()
        return True

    def _auto_apply(self):
        """Apply all proposals of a profile run; a refusal is logged, not raised."""
        try:
            with self.env.cr.savepoint():
                self.action_apply()
        except (UserError, AccessError) as error:
            self.message_post(
                body=self.env._(
                    "Automatic apply refused, the run waits for review: %(error)s",
                    error=str(error),
                )
            )

    def _apply_selected(self, apply_all=False):
        for run in self:
            domain = [("run_id", "=", run.id), ("state", "=", "proposed")]
            if not apply_all:
                domain.append(("selected", "=", True))
            lines = self.env["mrp.drs.optimization.line"].search(domain, order="id")
            if not lines:
                raise UserError(
                    self.env._(
                        "Run %(run)s has no selected proposal to apply.",
                        run=run.display_name,
                    )
                )
            # stamped before the apply, so that the orders a raised cap releases
            # are released on or after it (see ``_revert_note``)
            applied_on = fields.Datetime.now()
            with self.env.cr.savepoint():
                summary = lines._apply(run)
                run.write(
                    {
                        "state": "applied",
                        "date_applied": applied_on,
                        "revert_note": False,
                    }
                )
            run.message_post(body=summary)
        return True

    @api.model
    def _fail_interrupted_runs(self):
        """Mark failed the runs left 'running' whose worker is gone: no
        connection holds their advisory lock (see :meth:`_execute`)."""
        self.flush_model(["state"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM mrp_drs_optimization_run
                 WHERE state = 'running'
                   AND NOT EXISTS (
                       SELECT 1 FROM pg_locks
                        WHERE locktype = 'advisory' AND granted
                          AND database = (SELECT oid FROM pg_database
                                           WHERE datname = current_database())
                          AND classid = %s::oid AND objid = id::oid
                          AND objsubid = 2
                   )
                """,
                RUN_LOCK_KEY,
            )
        )
        interrupted = self.sudo().browse(row[0] for row in self.env.cr.fetchall())
        if interrupted:
            _logger.warning("DRS optimisation runs %s interrupted", interrupted.ids)
            interrupted.write(
                {
                    "state": "failed",
                    "error_message": self.env._(
                        "The computation was interrupted; run it again."
                    ),
                    "progress_message": False,
                }
            )
        return interrupted

    @api.model
    def _cron_run_queued(self, commit_progress=False):
        """Compute the oldest queued run; the cron runs again while some remain.

        With ``commit_progress`` (the scheduled action) each step is committed so
        that planners see the progress of the run.
        """
        self._fail_interrupted_runs()
        queued = self.sudo().search([("state", "=", "queued")], order="id")
        if not queued:
            return True
        run = (
            queued[0]
            .with_company(queued[0].company_id)
            .with_context(drs_commit_progress=commit_progress)
        )
        try:
            if commit_progress:
                run._execute()
            else:
                with self.env.cr.savepoint():
                    run._execute()
        except Exception as error:  # one bad run never stops the queue
            _logger.exception("DRS optimisation run %s failed", run.id)
            if commit_progress:
                self.env.cr.rollback()
            run.invalidate_recordset()
            run._mark_failed(error)
        self.env["ir.cron"]._notify_progress(done=1, remaining=len(queued) - 1)
        return True

    def _mark_failed(self, error):
        """Record ``error`` as the reason this run failed."""
        self.write(
            {
                "state": "failed",
                "error_message": str(error) or type(error).__name__,
                "progress": 100.0,
                "progress_message": False,
                "date_done": fields.Datetime.now(),
            }
        )
        self.message_post(
            body=self.env._("Optimisation failed: %(error)s", error=str(error))
        )
