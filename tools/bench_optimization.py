#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmark of the DRS optimisation runs on a large Odoo database (not a test).

Loads a plant of ``--products`` manufactured products (bills of materials with
2-6 operations over ``--workcenters`` workcenters in CONWIP flows, alternative
workcenters, reorder rules, ``--moves-per-product`` done deliveries spread over
the last year) into a new company of the database, then times, as the admin user
(a DRS planner):

- ``extraction``: reading demand, routings, costs, capacity, flows and reorder
  rules from the real tables (``run._extract_plant``);
- ``optimisation``: :func:`engine.optimize.optimize_plant` on that plant;
- ``proposal``: writing the run's lines, charts and totals and the simulated
  check of each flow's policy, as the run's computation does (committed);
- ``apply`` and ``revert`` of every proposal, each committed, as a planner
  applies and later reverts.

The whole pipeline is repeated ``--repeat`` times and the median of each step
reported, with every repetition's figure. Before each repetition the tables
the steps write are vacuumed and analysed (what autovacuum does between two
runs; the benchmark machines' PostgreSQL runs with autovacuum off); after it
the run is deleted (or kept with ``--keep-proposal``, for ``--apply-only``).

The load uses bulk SQL (``INSERT ... SELECT`` over ``generate_series`` and
``unnest``) for the 100,000s of rows, the ORM for the few records with side
effects (company, warehouse, workcenters, flows); it is committed, so that
``--reuse`` can time again on the same data. The timed steps commit as the
planner's clicks would; the revert restores every value the apply changed.

Usage (Odoo options after the script's own)::

    python3 tools/bench_optimization.py --products 120000 --workcenters 50 \\
        -d DB -r odoo --db_host=127.0.0.1 --addons-path=/opt/odoo18/addons,ADDONS

The database must have mrp_drs installed (demo data not needed). The last line
printed is one JSON object with all figures.
"""

import argparse
import json
import logging
import os
import re
import resource
import statistics
import sys
import time

import numpy as np
from bench_common import vacuum_analyze

_logger = logging.getLogger("bench_optimization")

#: cost per manufacturing order of the bench runs, the generator's median setup
#: cost (its setup times are seconds: 2,400 products share each workcenter)
ORDER_COST = 80.0

#: array literals of more than 200 characters in a plan
LONG_ARRAY = re.compile(r"'\{[^}]{200,}\}'")


def _parse():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--products", type=int, default=120_000)
    parser.add_argument("--workcenters", type=int, default=50)
    parser.add_argument(
        "--moves-per-product",
        type=int,
        default=24,
        help="done deliveries per product over the last year (default 24)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="repetitions of the whole timed pipeline (medians reported)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print EXPLAIN ANALYZE of the extraction's queries taking over 0.2 s",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time on the company loaded by an earlier run with the same size",
    )
    parser.add_argument(
        "--keep-proposal",
        action="store_true",
        help="commit the run and its proposal lines (for --apply-only)",
    )
    parser.add_argument(
        "--rerun",
        action="store_true",
        help="after the apply, time a second whole run on the applied plant "
        "(what a periodic re-optimisation costs)",
    )
    parser.add_argument(
        "--apply-only",
        action="store_true",
        help="time only apply and revert (median of --repeat) of the last run "
        "kept by --keep-proposal (with --reuse)",
    )
    return parser.parse_known_args()


def _say(text):
    print(text, flush=True)  # pylint: disable=print-used


class Timer:
    """Wall time and SQL queries of a block."""

    def __init__(self, cr):
        self.cr = cr
        self.figures = {}

    def __call__(self, name):
        timer = self

        class _Block:
            def __enter__(self):
                self.start = time.perf_counter()
                self.queries = timer.cr.sql_log_count
                return self

            def __exit__(self, *exc):
                seconds = time.perf_counter() - self.start
                queries = timer.cr.sql_log_count - self.queries
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                timer.figures[name] = {
                    "seconds": round(seconds, 2),
                    "queries": queries,
                    "peak_mb": round(peak, 1),
                }
                _say(
                    f"  {name}: {seconds:.2f} s, {queries} SQL queries, process "
                    f"peak so far {peak:.0f} MB"
                )

        return _Block()


def _company_name(args):
    return f"DRS bench {args.products} x {args.workcenters}"


def load(env, args):
    """Create the company and its plant; returns the company."""
    from odoo import Command  # noqa: PLC0415
    from odoo.tools import SQL  # noqa: PLC0415

    from odoo.addons.mrp_drs.engine import plants  # noqa: PLC0415

    cr = env.cr
    rng = np.random.default_rng(args.seed)
    plant = plants.generate_plant(args.products, args.workcenters, seed=args.seed)
    company = env["res.company"].create({"name": _company_name(args)})
    env.user.company_ids = [Command.link(company.id)]
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    warehouse = env["stock.warehouse"].create(
        {"name": company.name, "code": "BNCH", "company_id": company.id}
    )
    calendar = company.resource_calendar_id
    uom = env.ref("uom.product_uom_unit")
    category = env["product.category"].create({"name": company.name})

    # workcenters: the generator's capacity becomes Odoo's parallel capacity on a
    # 40-hour calendar; setup time is the mean of the generator's setups there
    centers = plant.workcenters
    routing = plant.routing
    center_index = {name: i for i, name in enumerate(centers["workcenter"])}
    row_center = routing["workcenter"].map(center_index).to_numpy()
    setup_minutes = (
        np.bincount(row_center, routing["setup_hours"].to_numpy(), len(centers))
        / np.maximum(np.bincount(row_center, minlength=len(centers)), 1)
        * 60.0
    )
    workcenters = env["mrp.workcenter"].create(
        [
            {
                "name": f"Bench {name}",
                "company_id": company.id,
                "resource_calendar_id": calendar.id,
                "default_capacity": round(float(capacity) / 40.0, 2),
                "time_efficiency": 100.0,
                "time_start": round(float(minutes), 1),
                "costs_hour": round(float(rng.lognormal(np.log(40.0), 0.3)), 2),
            }
            for name, capacity, minutes in zip(
                centers["workcenter"],
                centers["capacity_hours"],
                setup_minutes,
                strict=True,
            )
        ]
    )
    # alternatives: the generator's alternative rows name, for each workcenter,
    # where its operations may also run; the 30 % of workcenters with most
    # alternative rows get their most frequent alternative
    first = ~routing.duplicated(["sku", "operation"])
    primary_of = (
        routing[first].set_index(["sku", "operation"])["workcenter"].map(center_index)
    )
    alt = routing[~first]
    pairs = (
        alt.assign(
            primary=primary_of.reindex(
                list(zip(alt["sku"], alt["operation"], strict=True))
            ).to_numpy(),
            alternative=alt["workcenter"].map(center_index).to_numpy(),
        )
        .groupby(["primary", "alternative"])
        .size()
        .sort_values(ascending=False)
    )
    best = pairs.reset_index().drop_duplicates("primary")
    best = best.head(max(1, int(0.3 * len(workcenters))))
    for primary, alternative in zip(best["primary"], best["alternative"], strict=True):
        workcenters[int(primary)].alternative_workcenter_ids = [
            Command.link(workcenters[int(alternative)].id)
        ]
    for flow, members in plant.flows.groupby("flow", sort=True):
        env["mrp.drs.flow"].create(
            {
                "name": f"Bench {flow}",
                "company_id": company.id,
                "workcenter_ids": [
                    Command.set(
                        [workcenters[center_index[w]].id for w in members["workcenter"]]
                    )
                ],
                "wip_cap": 20.0,
                "standard_work_hours": 1.0,
            }
        )
    env.flush_all()

    items = plant.items
    n = len(items)
    stamp = SQL("(now() AT TIME ZONE 'UTC')")
    uid = env.uid
    cr.execute(
        SQL(
            """
            INSERT INTO product_template
                   (name, default_code, type, is_storable, categ_id, uom_id,
                    uom_po_id, tracking, service_tracking, sale_ok, purchase_ok,
                    active, company_id, sale_delay, list_price,
                    create_uid, write_uid, create_date, write_date)
            SELECT jsonb_build_object('en_US', 'Bench ' || code), code, 'consu',
                   TRUE, %(categ)s, %(uom)s, %(uom)s, 'none', 'no', TRUE, TRUE,
                   TRUE, %(company)s, 0, 1.0, %(uid)s, %(uid)s, %(stamp)s, %(stamp)s
              FROM unnest(%(codes)s::varchar[]) AS code
            RETURNING id, default_code
            """,
            categ=category.id,
            uom=uom.id,
            company=company.id,
            uid=uid,
            stamp=stamp,
            codes=items["sku"].tolist(),
        )
    )
    template_of = {code: tid for tid, code in cr.fetchall()}
    templates = [template_of[code] for code in items["sku"]]
    cr.execute(
        SQL(
            """
            INSERT INTO product_product
                   (product_tmpl_id, default_code, active, combination_indices,
                    standard_price, create_uid, write_uid, create_date, write_date)
            SELECT t.id, t.code, TRUE, '', jsonb_build_object(%(key)s, t.cost),
                   %(uid)s, %(uid)s, %(stamp)s, %(stamp)s
              FROM unnest(%(templates)s::int[], %(codes)s::varchar[],
                          %(costs)s::float8[]) AS t(id, code, cost)
            RETURNING id, default_code
            """,
            key=str(company.id),
            uid=uid,
            stamp=stamp,
            templates=templates,
            codes=items["sku"].tolist(),
            costs=items["unit_cost"].tolist(),
        )
    )
    product_of = {code: pid for pid, code in cr.fetchall()}
    products = [product_of[code] for code in items["sku"]]
    cr.execute(
        SQL(
            """
            INSERT INTO mrp_bom
                   (product_tmpl_id, product_id, product_uom_id, product_qty, type,
                    ready_to_produce, consumption, active, company_id, sequence,
                    produce_delay, days_to_prepare_mo, allow_operation_dependencies,
                    create_uid, write_uid, create_date, write_date)
            SELECT b.template, b.product, %(uom)s, 1.0, 'normal', 'all_available',
                   'flexible', TRUE, %(company)s, 10, 0, 0, FALSE,
                   %(uid)s, %(uid)s, %(stamp)s, %(stamp)s
              FROM unnest(%(templates)s::int[], %(products)s::int[])
                   AS b(template, product)
            RETURNING id, product_id
            """,
            uom=uom.id,
            company=company.id,
            uid=uid,
            stamp=stamp,
            templates=templates,
            products=products,
        )
    )
    bom_of = {product: bom for bom, product in cr.fetchall()}
    # primary operations only (alternatives come from the workcenters)
    primary = routing[first]
    minutes = _run_minutes(plant, primary, center_index, setup_minutes, rng)
    sku_product = dict(zip(items["sku"], products, strict=True))
    cr.execute(
        SQL(
            """
            INSERT INTO mrp_routing_workcenter
                   (name, workcenter_id, sequence, bom_id, time_mode, time_mode_batch,
                    time_cycle_manual, active, worksheet_type,
                    create_uid, write_uid, create_date, write_date)
            SELECT 'Step ' || o.step, o.workcenter, o.step, o.bom, 'manual', 10,
                   o.minutes, TRUE, 'text', %(uid)s, %(uid)s, %(stamp)s, %(stamp)s
              FROM unnest(%(boms)s::int[], %(centers)s::int[], %(steps)s::int[],
                          %(minutes)s::float8[]) AS o(bom, workcenter, step, minutes)
            """,
            uid=uid,
            stamp=stamp,
            boms=[bom_of[sku_product[sku]] for sku in primary["sku"]],
            centers=[workcenters[center_index[w]].id for w in primary["workcenter"]],
            steps=primary["operation"].astype(int).tolist(),
            minutes=minutes.round(4).tolist(),
        )
    )
    demand = items["demand_mean"].to_numpy()
    minimum = np.ceil(demand * 2.0)
    cr.execute(
        SQL(
            """
            INSERT INTO stock_warehouse_orderpoint
                   (name, trigger, active, warehouse_id, location_id, product_id,
                    product_category_id, company_id, product_min_qty,
                    product_max_qty, qty_multiple, manufacturing_visibility_days,
                    create_uid, write_uid, create_date, write_date)
            SELECT 'Bench OP ' || o.product, 'auto', TRUE, %(warehouse)s,
                   %(location)s, o.product, %(categ)s, %(company)s, o.min_qty,
                   o.max_qty, 1.0, 0, %(uid)s, %(uid)s, %(stamp)s, %(stamp)s
              FROM unnest(%(products)s::int[], %(mins)s::float8[],
                          %(maxs)s::float8[]) AS o(product, min_qty, max_qty)
            """,
            warehouse=warehouse.id,
            location=warehouse.lot_stock_id.id,
            categ=category.id,
            company=company.id,
            uid=uid,
            stamp=stamp,
            products=products,
            mins=minimum.tolist(),
            maxs=(minimum + np.ceil(demand * 4.0)).tolist(),
        )
    )
    # a year of deliveries: k per product at random dates, each of
    # weekly demand x 52 / k x uniform(0.25, 1.75)
    k = args.moves_per_product
    cr.execute(
        SQL(
            """
            INSERT INTO stock_move
                   (name, reference, company_id, product_id, product_uom,
                    location_id, location_dest_id, warehouse_id, procure_method,
                    product_uom_qty, product_qty, quantity, state, date, picked,
                    scrapped, priority, sequence, propagate_cancel, is_inventory,
                    additional, create_uid, write_uid, create_date, write_date)
            SELECT 'Bench delivery', 'BENCH', %(company)s, m.product, %(uom)s,
                   %(stock)s, %(customer)s, %(warehouse)s, 'make_to_stock',
                   m.qty, m.qty, m.qty, 'done', m.date, TRUE, FALSE, '0', 10, TRUE,
                   FALSE, FALSE, %(uid)s, %(uid)s, %(stamp)s, %(stamp)s
              FROM (
                SELECT d.product,
                       GREATEST(ROUND((d.weekly * 52.0 / %(k)s
                                       * (0.25 + 1.5 * random()))::numeric), 1)
                           AS qty,
                       (now() AT TIME ZONE 'UTC') - random() * interval '364 days'
                           AS date
                  FROM unnest(%(products)s::int[], %(weekly)s::float8[])
                       AS d(product, weekly)
                 CROSS JOIN generate_series(1, %(k)s)
              ) m
            """,
            company=company.id,
            uom=uom.id,
            stock=warehouse.lot_stock_id.id,
            customer=env.ref("stock.stock_location_customers").id,
            warehouse=warehouse.id,
            uid=uid,
            stamp=stamp,
            products=products,
            weekly=demand.tolist(),
            k=k,
        )
    )
    for table in (
        "product_template",
        "product_product",
        "mrp_bom",
        "mrp_routing_workcenter",
        "stock_warehouse_orderpoint",
        "stock_move",
    ):
        cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
    env.invalidate_all()
    return company, n, len(primary), k * n


def _run_minutes(plant, primary, center_index, setup_minutes, rng):
    """Minutes per unit of each primary operation, scaled per workcenter so that
    its load at economic lot sizes is 55-75 % of its capacity.

    The generator sizes loads with half of the alternative operations made
    elsewhere; the Odoo plant has fewer alternatives (per workcenter, not per
    operation) and one setup time per workcenter, so its loads are rescaled.
    """
    items = plant.items.set_index("sku")
    demand = items["demand_mean"].reindex(primary["sku"]).to_numpy()
    holding = (items["unit_cost"] * items["holding_rate"]).reindex(primary["sku"])
    setup_cost = items["setup_cost"].reindex(primary["sku"]).to_numpy()
    eoq = np.maximum(np.sqrt(2 * demand * setup_cost / holding.to_numpy()), 1.0)
    center = primary["workcenter"].map(center_index).to_numpy()
    capacity = plant.workcenters["capacity_hours"].to_numpy()
    run = primary["run_hours"].to_numpy() / (capacity[center] / 40.0)
    setup = setup_minutes[center] / 60.0
    run_load = np.bincount(center, demand * run, len(capacity))
    setup_load = np.bincount(center, demand / eoq * setup, len(capacity))
    target = rng.uniform(0.55, 0.75, len(capacity)) * 40.0
    scale = np.maximum(target - setup_load, 0.2 * target) / np.maximum(run_load, 1e-9)
    return primary["run_hours"].to_numpy() * scale[center] * 60.0


class _recorded:
    """Context manager recording the SELECT queries (and COPYs) of a block with
    their wall time, for :func:`_explain`."""

    def __init__(self, cr):
        self.cr = cr
        self.queries = []

    def __enter__(self):
        cr, queries = self.cr, self.queries
        self.execute, self.copy = cr.execute, cr.copy_expert

        def execute(query, params=None, log_exceptions=True):
            start = time.perf_counter()
            result = self.execute(query, params, log_exceptions)
            queries.append((time.perf_counter() - start, query, params))
            return result

        def copy_expert(sql, file, *rest):
            start = time.perf_counter()
            result = self.copy(sql, file, *rest)
            inner = sql[len(b"COPY (") : sql.rindex(b") TO STDOUT")]
            queries.append((time.perf_counter() - start, inner.decode(), None))
            return result

        cr.execute, cr.copy_expert = execute, copy_expert
        return queries

    def __exit__(self, *exc):
        del self.cr.execute, self.cr.copy_expert


def _explain(cr, queries, threshold=0.2):
    """EXPLAIN (ANALYZE, BUFFERS) of the recorded queries slower than
    ``threshold`` seconds: printed, and returned as {seconds, plan} dicts."""
    from odoo.tools import SQL  # noqa: PLC0415

    plans = []
    for seconds, query, params in queries:
        if seconds < threshold:
            continue
        if isinstance(query, SQL):
            query, params = query.code, query.params
        text = cr.mogrify(query, params).decode()
        if not text.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        cr.execute("EXPLAIN (ANALYZE, BUFFERS) " + text)  # pylint: disable=sql-injection
        # long id arrays in filters would drown the plan
        plan = LONG_ARRAY.sub("'{...}'", "\n".join(row[0] for row in cr.fetchall()))
        _say(f"-- query of {seconds:.2f} s:\n{plan}\n")
        plans.append({"seconds": round(seconds, 2), "plan": plan})
    return plans


#: tables the timed steps write: vacuumed and analysed before each repetition
TIMED_TABLES = (
    "mrp_drs_optimization_run",
    "mrp_drs_optimization_line",
    "stock_warehouse_orderpoint",
    "mrp_bom",
    "mrp_routing_workcenter",
    "mrp_drs_flow",
)


def _reset_run(env, run):
    """Put an applied-then-reverted run back to 'done' with its lines
    proposed (the revert restored every target), for the next repetition."""
    env.cr.execute(
        "UPDATE mrp_drs_optimization_line SET state = 'proposed', "
        "orderpoint_created = FALSE WHERE run_id = %s",
        [run.id],
    )
    env.cr.execute(
        "UPDATE mrp_drs_optimization_run SET state = 'done', date_applied = NULL, "
        "revert_note = NULL WHERE id = %s",
        [run.id],
    )
    env.invalidate_all()


def _drop_run(env, run):
    """Delete a benchmark run and its lines (set-wise: 100,000s of lines)."""
    env.cr.execute("DELETE FROM mrp_drs_optimization_line WHERE run_id = %s", [run.id])
    env.invalidate_all()
    run.sudo().unlink()


def _apply_and_revert(env, run, timer, rerun=False):
    """Apply, then revert, each in its own committed transaction, as a planner
    does: the revert meets the rows the apply committed. With ``rerun``, the
    optimisation runs again on the applied plant in between (timed whole, as
    ``rerun``: a periodic run proposes only what changed since), and that
    second run is deleted."""
    with timer("apply"):
        run.action_apply()
        env.flush_all()
    env.cr.commit()  # pylint: disable=invalid-commit
    if rerun:
        second = _new_run(env, run.company_id)
        with timer("rerun"):
            second._execute()
            env.flush_all()
        env.cr.commit()  # pylint: disable=invalid-commit
        _say(f"  rerun on the applied plant: {second.line_count} proposal lines")
        _drop_run(env, second)
        env.cr.commit()  # pylint: disable=invalid-commit
    with timer("revert"):
        run.action_revert()
        env.flush_all()
    env.cr.commit()  # pylint: disable=invalid-commit


def _new_run(env, company):
    """A run of the whole plant, computed by the optimiser in superuser mode as
    the wizard does; applied and reverted by the planner."""
    warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)])
    return env["mrp.drs.optimization.run"]._create_from_engine(
        {
            "company_id": company.id,
            "warehouse_id": warehouse.id,
            "scope": "all",
            "history_days": 364,
            "horizon_days": 28,
            "period_days": 7,
            "order_cost": ORDER_COST,
        }
    )


def bench(env, company, args, timer):
    """One repetition: extraction, optimisation, proposal (committed), apply
    and revert (each committed); the run is then deleted, or kept (back in
    'done') with ``--keep-proposal`` on the last repetition."""
    from odoo.addons.mrp_drs.engine import optimize  # noqa: PLC0415

    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    run = _new_run(env, company)
    with _recorded(env.cr) as queries, timer("extraction"):
        data = run._extract_plant()
    if args.explain:
        timer.figures["extraction"]["plans"] = _explain(env.cr, queries)
    with timer("optimisation"):
        result = optimize.optimize_plant(
            data["plant"],
            service=run.service_level,
            max_utilization=run.max_utilization,
            lead_time_service=run.service_level,
        )
    phases = ", ".join(f"{k} {v:.2f}" for k, v in result.timings.items())
    _say(f"    engine phases: {phases}")
    with timer("proposal"):
        # what the run's computation writes (``run._execute``): the lines,
        # totals and charts, and the simulated check of each flow's policy
        run._store_result(data, result)
        env.flush_all()
    del data, result
    env.cr.commit()  # pylint: disable=invalid-commit
    run = run.with_env(env)
    lines = run.line_count
    _say(f"  {lines} proposal lines, {run.problem_count} not optimised")
    _apply_and_revert(env, run, timer, rerun=args.rerun)
    figures = _run_figures(run, lines)
    return run, figures


def _run_figures(run, lines):
    return {
        "lines": lines,
        "items": run.product_count,
        "feasible": run.feasible_count,
        "routing_rows": run.routing_row_count,
        "fill_rate": round(run.fill_rate, 4),
        "max_utilization": round(run.max_utilization_result, 4),
    }


def bench_apply(env, company, args, timer):
    """Apply and revert of the last kept run (each committed), then the run
    is put back to 'done' for the next repetition."""
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    run = env["mrp.drs.optimization.run"].search(
        [("company_id", "=", company.id), ("state", "=", "done")],
        order="id desc",
        limit=1,
    )
    if not run:
        sys.exit("no kept run: run once with --keep-proposal")
    lines = run.line_count
    _say(f"  run {run.id}: {lines} proposal lines")
    _apply_and_revert(env, run, timer)
    return run, _run_figures(run, lines)


def _median_figures(samples):
    """Median seconds (and the largest query count) per step over the
    repetitions, with every repetition's seconds."""
    figures = {}
    for name in samples[0]:
        runs = [sample[name]["seconds"] for sample in samples]
        figures[name] = {
            "seconds": round(statistics.median(runs), 2),
            "queries": max(sample[name].get("queries", 0) for sample in samples),
            "peak_mb": max(sample[name].get("peak_mb", 0) for sample in samples),
            "runs": runs,
        }
        plans = samples[0][name].get("plans")
        if plans:
            figures[name]["plans"] = plans
    return figures


def main():
    args, odoo_args = _parse()
    import odoo  # noqa: PLC0415
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    odoo.tools.config.parse_config(odoo_args)
    database = odoo.tools.config["db_name"]
    if not database:
        sys.exit("give the database with -d DB")
    registry = odoo.modules.registry.Registry(database)
    figures = {"products": args.products, "workcenters": args.workcenters}
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        env = api.Environment(cr, admin.id, {})
        company = (
            env["res.company"]
            .sudo()
            .search([("name", "=", _company_name(args))], limit=1)
        )
        if company and not args.reuse:
            sys.exit(f"{company.name} exists: use --reuse, or another database")
        if not company:
            _say(f"loading {args.products} products into {database} ...")
            start = time.perf_counter()
            company, items, operations, moves = load(env(su=True), args)
            # keep the loaded plant for --reuse
            cr.commit()  # pylint: disable=invalid-commit
            load_seconds = time.perf_counter() - start
            _say(
                f"  loaded {items} products, {operations} operations, {moves} "
                f"moves in {load_seconds:.1f} s"
            )
            figures["load_seconds"] = round(load_seconds, 1)
        _say("timing (as the admin user, a DRS planner) ...")
        start = time.perf_counter()
        samples = []
        for repeat in range(args.repeat):
            vacuum_analyze(database, TIMED_TABLES)
            _say(f"  repetition {repeat + 1}/{args.repeat}")
            timer = Timer(cr)
            if args.apply_only:
                run, run_figures = bench_apply(env, company, args, timer)
                _reset_run(env, run)
            else:
                run, run_figures = bench(env, company, args, timer)
                if args.keep_proposal and repeat == args.repeat - 1:
                    _reset_run(env, run)
                else:
                    _drop_run(env, run)
            cr.commit()  # pylint: disable=invalid-commit
            samples.append(timer.figures)
        total = time.perf_counter() - start
        figures.update(run_figures)
        figures.update(_median_figures(samples))
        if not args.apply_only:
            ends = [
                sum(
                    sample[name]["seconds"]
                    for name in ("extraction", "optimisation", "proposal", "apply")
                )
                for sample in samples
            ]
            figures["end_to_end_seconds"] = round(statistics.median(ends), 2)
            figures["end_to_end_runs"] = [round(value, 2) for value in ends]
        figures["repeat"] = args.repeat
        figures["wall_seconds"] = round(total, 2)
        # the machine's load while timing: wall times on a shared machine
        # only compare at similar loads
        figures["load_average"] = [round(value, 2) for value in os.getloadavg()]
        figures["cpu_count"] = os.cpu_count()
        figures["peak_mb"] = round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        )
        cr.rollback()
    if not args.apply_only:
        _say(
            f"end to end (extraction + optimisation + proposal + apply), median of "
            f"{args.repeat}: {figures['end_to_end_seconds']:.1f} s; peak "
            f"{figures['peak_mb']} MB"
        )
    _say(json.dumps(figures))


if __name__ == "__main__":
    main()
