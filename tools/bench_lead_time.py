#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmark of the DRS planned lead-time recomputation (not a test).

Builds, inside one transaction that is rolled back at the end (the database is
left as it was), a plant of ``--workcenters`` workcenters (standard 40 h/week
calendar), ``--flows`` CONWIP flows over 80 % of them, ``--products``
manufactured products with bills of materials of 1-4 operations (5-35 min per
unit), then:

- creates, through the ORM, one confirmed manufacturing order per product (work
  orders, stock moves, DRS queue / release: real rows);
- clones them with ``INSERT ... SELECT`` (orders and their work orders; start
  dates spread over ``--spread-days`` days, queue dates over the last 60 days)
  up to ``--orders`` open orders, plus ``--done-orders`` finished orders whose
  work orders took 0.5-2 times their expected duration in the last 90 days;
- times ``mrp.workcenter._drs_compute_lead_times()`` (workcenters, flows'
  virtual queues, bills of materials, product templates, history), median of
  ``--runs`` runs after a warm-up, with every ORM cache emptied before each run,
  and counts its SQL queries; the same at about a tenth of the open orders, to
  show that the query count does not depend on the number of orders.

Usage (Odoo options after the script's own)::

    python3 tools/bench_lead_time.py --orders 10000 --workcenters 50 \\
        -d DB -r odoo --db_host=127.0.0.1 --addons-path=/opt/odoo18/addons,ADDONS

The database must have mrp_drs installed. The recomputation covers every
workcenter and bill of materials of the database: run on the database that
``tools/bench_optimization.py --products 120000`` filled, it times the
recomputation at that scale (the figures count the database's BoMs routed
through flows). The last line printed is one JSON object with all figures.
"""

import argparse
import json
import os
import random
import statistics
import time

from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.tools import config


def _parse():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--done-orders", type=int, default=4_000)
    parser.add_argument("--workcenters", type=int, default=50)
    parser.add_argument("--flows", type=int, default=5)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--spread-days", type=int, default=60)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_known_args()


def _say(text):
    print(text, flush=True)


def _build_plant(env, args, rng):
    """Workcenters, flows, products with bills of materials (ORM)."""
    calendar = env.ref("resource.resource_calendar_std")
    workcenters = env["mrp.workcenter"].create(
        [
            {
                "name": f"Bench WC {index:03d}",
                "resource_calendar_id": calendar.id,
                "time_start": 0.0,
                "time_stop": 0.0,
            }
            for index in range(args.workcenters)
        ]
    )
    in_flows = int(0.8 * len(workcenters))
    size = max(in_flows // args.flows, 1)
    groups = [workcenters[i * size : (i + 1) * size] for i in range(args.flows)]
    env["mrp.drs.flow"].create(
        [
            {
                "name": f"Bench flow {index}",
                "workcenter_ids": [Command.set(group.ids)],
                "wip_cap": 40.0,
                "standard_work_hours": 1.0,
            }
            for index, group in enumerate(groups)
            if group
        ]
    )
    component = env["product.product"].create(
        {"name": "Bench component", "type": "consu"}
    )
    products = env["product.product"].create(
        [
            {"name": f"Bench product {i:04d}", "type": "consu"}
            for i in range(args.products)
        ]
    )
    boms = []
    for product in products:
        group = groups[rng.randrange(len(groups))]
        stations = rng.sample(group.ids, k=min(rng.randint(1, 3), len(group)))
        if rng.random() < 0.3:  # a visit outside the flows
            stations.append(workcenters[rng.randrange(in_flows, len(workcenters))].id)
        boms.append(
            {
                "product_tmpl_id": product.product_tmpl_id.id,
                "product_id": product.id,
                "product_qty": 1.0,
                "consumption": "flexible",
                "bom_line_ids": [
                    Command.create({"product_id": component.id, "product_qty": 1.0})
                ],
                "operation_ids": [
                    Command.create(
                        {
                            "name": f"Op {index}",
                            "workcenter_id": workcenter_id,
                            "time_mode": "manual",
                            "time_cycle_manual": rng.uniform(5.0, 35.0),
                            "sequence": index,
                        }
                    )
                    for index, workcenter_id in enumerate(stations)
                ],
            }
        )
    boms = env["mrp.bom"].create(boms)
    return workcenters, products, boms


def _seed_orders(env, products, boms):
    """One confirmed manufacturing order per product, through the ORM."""
    productions = env["mrp.production"].create(
        [
            {"product_id": product.id, "bom_id": bom.id, "product_qty": 1.0}
            for product, bom in zip(products, boms, strict=True)
        ]
    )
    productions.action_confirm()
    env.flush_all()
    return productions


def _columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND column_name != 'id' ORDER BY ordinal_position",
        (table,),
    )
    return [row[0] for row in cr.fetchall()]


def _clone_orders(cr, seeds, first_copy, copies, spread, done=False):
    """Copies ``first_copy .. first_copy + copies - 1`` of each seed order and of
    its work orders (SQL). Open copies start ``copy % spread`` days after their
    seed; done copies finished ``copy % 85`` days ago, their work orders took
    0.5-2 times the expected duration. All were queued in the last 60 days."""
    now = "(now() AT TIME ZONE 'UTC')"
    shift = f"make_interval(days => g %% {int(spread)})"
    overrides = {
        "name": "s.name || '/B' || g",
        "date_start": f"s.date_start + {shift}",
        "date_finished": f"s.date_finished + {shift}",
        "date_deadline": f"s.date_deadline + {shift}",
        "drs_queue_date": f"{now} - make_interval(days => g %% 60)",
    }
    if done:
        overrides.update(
            {
                "state": "'done'",
                "drs_state": "NULL",
                "date_start": f"{now} - make_interval(days => g %% 85 + 1)",
                "date_finished": f"{now} - make_interval(days => g %% 85)",
            }
        )
    columns = _columns(cr, "mrp_production")
    select = ", ".join(overrides.get(column, f"s.{column}") for column in columns)
    # column names come from information_schema, values are parameters
    cr.execute(
        f"INSERT INTO mrp_production ({', '.join(columns)}) "
        f"SELECT {select} FROM mrp_production s "
        "CROSS JOIN generate_series(%s, %s) g WHERE s.id = ANY(%s)",
        (first_copy, first_copy + copies - 1, list(seeds)),
    )
    wo_overrides = {"leave_id": "NULL"}
    if done:
        wo_overrides.update(
            {
                "state": "'done'",
                "duration": "w.duration_expected * (0.5 + 1.5 * random())",
                "date_start": "n.date_start",
                "date_finished": "n.date_finished",
            }
        )
    columns = [c for c in _columns(cr, "mrp_workorder") if c != "production_id"]
    select = ", ".join(wo_overrides.get(column, f"w.{column}") for column in columns)
    cr.execute(
        f"INSERT INTO mrp_workorder (production_id, {', '.join(columns)}) "
        f"SELECT n.id, {select} FROM mrp_workorder w "
        "JOIN mrp_production s ON s.id = w.production_id "
        "CROSS JOIN generate_series(%s, %s) g "
        "JOIN mrp_production n ON n.name = s.name || '/B' || g "
        "WHERE s.id = ANY(%s)",
        (first_copy, first_copy + copies - 1, list(seeds)),
    )


def _time_recompute(env, runs):
    """Median wall time and SQL queries of the recomputation (after a warm-up)."""
    Workcenter = env["mrp.workcenter"]
    Workcenter._drs_compute_lead_times()
    seconds, queries = [], []
    for _run in range(runs):
        env.flush_all()
        env.invalidate_all()
        start_queries = env.cr.sql_log_count
        start = time.perf_counter()
        result = Workcenter._drs_compute_lead_times()
        seconds.append(time.perf_counter() - start)
        queries.append(env.cr.sql_log_count - start_queries)
    return {
        "seconds_median": round(statistics.median(seconds), 3),
        "seconds_min": round(min(seconds), 3),
        "seconds_max": round(max(seconds), 3),
        "queries": queries,
        "statuses": result["status"].value_counts().to_dict(),
    }


def _count(cr, sql, ids):
    cr.execute(sql, (list(ids),))
    return cr.fetchone()[0]


def _figures(cr, workcenters, boms):
    return {
        "open_orders": _count(
            cr,
            "SELECT COUNT(*) FROM mrp_production "
            "WHERE state IN ('confirmed', 'progress') AND bom_id = ANY(%s)",
            boms.ids,
        ),
        "open_workorders": _count(
            cr,
            "SELECT COUNT(*) FROM mrp_workorder w "
            "JOIN mrp_production p ON p.id = w.production_id "
            "WHERE p.state IN ('confirmed', 'progress') "
            "AND w.state NOT IN ('done', 'cancel') AND w.workcenter_id = ANY(%s)",
            workcenters.ids,
        ),
        "done_workorders": _count(
            cr,
            "SELECT COUNT(*) FROM mrp_workorder "
            "WHERE state = 'done' AND workcenter_id = ANY(%s)",
            workcenters.ids,
        ),
    }


def main():
    args, odoo_args = _parse()
    config.parse_config(odoo_args)
    database = config["db_name"]
    if not database:
        raise SystemExit("give the database with -d DB")
    rng = random.Random(args.seed)
    figures = {}
    with Registry(database).cursor() as cr:
        try:
            env = api.Environment(cr, SUPERUSER_ID, {})
            start = time.perf_counter()
            workcenters, products, boms = _build_plant(env, args, rng)
            seeds = _seed_orders(env, products, boms)
            figures["build_seconds"] = round(time.perf_counter() - start, 1)
            _say(f"plant and {len(seeds)} seed orders: {figures['build_seconds']} s")
            copies = max(args.orders // len(seeds) - 1, 1)
            small = max(copies // 10, 1)
            start = time.perf_counter()
            done_copies = max(args.done_orders // len(seeds), 1)
            _clone_orders(cr, seeds.ids, 10_000, done_copies, 85, done=True)
            _clone_orders(cr, seeds.ids, 1, small, args.spread_days)
            env.invalidate_all()
            figures["small"] = _figures(cr, workcenters, boms)
            figures["small"].update(_time_recompute(env, args.runs))
            _say(f"small: {json.dumps(figures['small'])}")
            if copies > small:
                _clone_orders(
                    cr, seeds.ids, small + 1, copies - small, args.spread_days
                )
            figures["clone_seconds"] = round(time.perf_counter() - start, 1)
            env.invalidate_all()
            figures["large"] = _figures(cr, workcenters, boms)
            figures["large"].update(_time_recompute(env, args.runs))
            figures.update(
                workcenters=env["mrp.workcenter"].search_count([]),
                bench_workcenters=len(workcenters),
                boms=len(boms),
                flows=args.flows,
                # the recomputation covers the whole database: on the one the
                # optimisation benchmark filled, 120,000 more BoMs in flows
                database_boms=env["mrp.bom"].search_count([]),
                database_drs_boms=env["mrp.bom"].search_count(
                    [("drs_lead_time_status", "!=", False)]
                ),
                database_flows=env["mrp.drs.flow"].search_count([]),
                load_average=[round(value, 2) for value in os.getloadavg()],
                cpu_count=os.cpu_count(),
            )
        finally:
            cr.rollback()
    _say(json.dumps(figures))


if __name__ == "__main__":
    main()
