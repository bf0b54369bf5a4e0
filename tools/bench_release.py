#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmark of the DRS release path with a long virtual queue (not a test).

Builds, inside one transaction that is rolled back at the end (the database is
left as it was), ``--flows`` CONWIP flows of one workcenter each (cap 2
equivalent units, one product whose bill of materials takes one standard hour
there), then per flow, through the ORM, two confirmed orders that fill the cap
(released) and ``--runs`` + 1 confirmed orders that wait in the virtual queue
with the earliest need dates; ``INSERT ... SELECT`` copies of a last queued
order (and of its work orders) make the queues ``--orders`` orders in all.
Then it times, median of ``--runs`` runs:

- one release event: a released order of a flow marked done behind the ORM's
  back, then ``_drs_release_freed_flows`` on it, as ``button_mark_done`` does
  (lock, WIP, queue walk, state write, reservation, queue renumbering), the
  next order of that flow released; each run on another flow, after a warm-up
  on a flow of its own;
- the first page of the virtual-queue list: ``web_search_read`` on
  ``mrp.production`` with the domain of action
  ``mrp_drs.mrp_production_drs_queue_action``, the fields of its list view
  (from ``get_views``), its default order, limit 80;
- the release cron ``mrp.drs.flow._cron_release_from_queue()`` over all flows
  (every flow at its cap: the cron locks, reads and renumbers each queue).

Each figure is wall time, the database time of its queries (the time Odoo's
cursor measured around each ``execute``) and the number of SQL queries, from
cold ORM caches.

Usage (Odoo options after the script's own)::

    python3 tools/bench_release.py --orders 10000 --flows 50 \\
        -d DB -r odoo --db_host=127.0.0.1 --addons-path=/opt/odoo18/addons,ADDONS

The database must have mrp_drs installed. The last line printed is one JSON
object with all figures.
"""

import argparse
import json
import os
import statistics
import threading
import time
from datetime import timedelta

from lxml import etree

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import Registry
from odoo.tools import SQL, config
from odoo.tools.safe_eval import safe_eval

QUEUE_ACTION = "mrp_drs.mrp_production_drs_queue_action"


def _parse():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--flows", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    return parser.parse_known_args()


def _say(text):
    print(text, flush=True)


def _build_flows(env, args):
    """Workcenters, flows and one product with its BoM per flow (ORM)."""
    calendar = env.ref("resource.resource_calendar_std")
    workcenters = env["mrp.workcenter"].create(
        [
            {
                "name": f"Release bench WC {index:03d}",
                "resource_calendar_id": calendar.id,
                "time_start": 0.0,
                "time_stop": 0.0,
            }
            for index in range(args.flows)
        ]
    )
    flows = env["mrp.drs.flow"].create(
        [
            {
                "name": f"Release bench flow {index:03d}",
                "workcenter_ids": [Command.set(workcenter.ids)],
                "wip_cap": 2.0,
                "standard_work_hours": 1.0,
            }
            for index, workcenter in enumerate(workcenters)
        ]
    )
    component = env["product.product"].create(
        {"name": "Release bench component", "type": "consu"}
    )
    products = env["product.product"].create(
        [
            {"name": f"Release bench product {index:03d}", "type": "consu"}
            for index in range(args.flows)
        ]
    )
    boms = env["mrp.bom"].create(
        [
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
                            "name": "Make",
                            "workcenter_id": workcenter.id,
                            "time_mode": "manual",
                            "time_cycle_manual": 60.0,
                        }
                    )
                ],
            }
            for product, workcenter in zip(products, workcenters, strict=True)
        ]
    )
    return flows, products, boms


def _seed_orders(env, args, products, boms):
    """Per flow: 2 released orders, ``runs + 2`` queued ones (ORM); returns
    ``(released, queued_heads, tails)``: the released orders of each flow, its
    queued orders with the earliest need dates, and the last queued order to
    copy."""
    now = fields.Datetime.now()
    per_flow = 2 + args.runs + 2
    values = []
    for product, bom in zip(products, boms, strict=True):
        values += [
            {
                "product_id": product.id,
                "bom_id": bom.id,
                "product_qty": 1.0,
                "date_deadline": now + timedelta(days=rank + 1),
            }
            for rank in range(per_flow)
        ]
    productions = env["mrp.production"].create(values)
    # confirmed in deadline order, flow by flow: the first two fill each cap
    productions.action_confirm()
    env.flush_all()
    groups = [
        productions[i * per_flow : (i + 1) * per_flow] for i in range(len(products))
    ]
    released = [group[:2] for group in groups]
    heads = [group[2:-1] for group in groups]
    tails = env["mrp.production"].concat(*(group[-1] for group in groups))
    return released, heads, tails


def _columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND column_name != 'id' ORDER BY ordinal_position",
        (table,),
    )
    return [row[0] for row in cr.fetchall()]


def _clone_queued(cr, tails, copies):
    """``copies`` copies of each queued order of ``tails`` and of its work
    orders (SQL): they queue behind it (same need date, higher id)."""
    overrides = {"name": "s.name || '/R' || g"}
    columns = _columns(cr, "mrp_production")
    select = ", ".join(overrides.get(column, f"s.{column}") for column in columns)
    # column names come from information_schema, values are parameters
    cr.execute(
        f"INSERT INTO mrp_production ({', '.join(columns)}) "
        f"SELECT {select} FROM mrp_production s "
        "CROSS JOIN generate_series(1, %s) g WHERE s.id = ANY(%s)",
        (copies, tails.ids),
    )
    columns = [c for c in _columns(cr, "mrp_workorder") if c != "production_id"]
    select = ", ".join("NULL" if c == "leave_id" else f"w.{c}" for c in columns)
    cr.execute(
        f"INSERT INTO mrp_workorder (production_id, {', '.join(columns)}) "
        f"SELECT n.id, {select} FROM mrp_workorder w "
        "JOIN mrp_production s ON s.id = w.production_id "
        "CROSS JOIN generate_series(1, %s) g "
        "JOIN mrp_production n ON n.name = s.name || '/R' || g "
        "WHERE s.id = ANY(%s)",
        (copies, tails.ids),
    )


def _measure(env, call):
    """Wall seconds, database seconds and SQL queries of ``call()``, from cold
    ORM caches; returns ``(figures, result)``."""
    env.flush_all()
    env.invalidate_all()
    thread = threading.current_thread()
    thread.query_count, thread.query_time = 0, 0.0
    start_queries = env.cr.sql_log_count
    start = time.perf_counter()
    result = call()
    env.flush_all()
    wall = time.perf_counter() - start
    figures = {
        "seconds": wall,
        "db_seconds": thread.query_time,
        "queries": env.cr.sql_log_count - start_queries,
    }
    del thread.query_count, thread.query_time
    return figures, result


def _summary(samples):
    return {
        "seconds_median": round(statistics.median(s["seconds"] for s in samples), 4),
        "db_seconds_median": round(
            statistics.median(s["db_seconds"] for s in samples), 4
        ),
        "seconds_max": round(max(s["seconds"] for s in samples), 4),
        "queries": [s["queries"] for s in samples],
    }


def _release_event(env, done):
    """``done`` (a released order) marked done, then its flow
    released as ``button_mark_done`` does; returns the figures and ``None``."""
    env.flush_all()
    env.cr.execute(
        SQL("UPDATE mrp_production SET state = 'done' WHERE id = %s", done.id)
    )
    env.invalidate_all()
    return _measure(env, done._drs_release_freed_flows)


def _time_release_events(env, args, flows, released, heads):
    samples = []
    for run in range(args.runs + 1):
        flow = flows[run]
        if set(released[run].mapped("drs_state")) != {"released"}:
            raise SystemExit(f"flow {flow.name}: its first orders are not released")
        figures, _result = _release_event(env, released[run][0])
        if heads[run][:2].mapped("drs_state") != ["released", "queued"]:
            raise SystemExit(f"flow {flow.name}: the queue head was not released")
        if run:  # run 0 warms Odoo's ormcaches up
            samples.append(figures)
    return _summary(samples)


def _queue_list(env):
    """Domain, field specification and order of the virtual-queue list."""
    action = env.ref(QUEUE_ACTION)
    domain = safe_eval(action.domain)
    view_id = next(
        view.view_id.id for view in action.view_ids if view.view_mode == "list"
    )
    Production = env["mrp.production"]
    views = Production.get_views([(view_id, "list")])
    arch = etree.fromstring(views["views"]["list"]["arch"])
    names = [node.get("name") for node in arch.iterchildren("field")]
    specification = {}
    for name in names:
        field = Production._fields[name]
        specification[name] = (
            {"fields": {"display_name": {}}} if field.type == "many2one" else {}
        )
    return domain, specification, arch.get("default_order"), len(names)


def _time_queue_list(env, args):
    domain, specification, order, field_count = _queue_list(env)
    Production = env["mrp.production"]

    def read():
        return Production.web_search_read(
            domain, specification, offset=0, limit=80, order=order
        )

    read()
    samples = []
    for _run in range(args.runs):
        figures, result = _measure(env, read)
        samples.append(figures)
    summary = _summary(samples)
    summary.update(
        fields=field_count,
        order=order,
        rows=len(result["records"]),
        length=result["length"],
    )
    return summary


def _time_cron(env, args):
    Flow = env["mrp.drs.flow"]
    samples = []
    for _run in range(args.runs):
        figures, _result = _measure(env, Flow._cron_release_from_queue)
        samples.append(figures)
    return _summary(samples)


def main():
    args, odoo_args = _parse()
    config.parse_config(odoo_args)
    database = config["db_name"]
    if not database:
        raise SystemExit("give the database with -d DB")
    if args.flows < args.runs + 1:
        raise SystemExit("--flows must exceed --runs (one flow per release event)")
    figures = {}
    with Registry(database).cursor() as cr:
        try:
            env = api.Environment(cr, SUPERUSER_ID, {})
            start = time.perf_counter()
            flows, products, boms = _build_flows(env, args)
            released, heads, tails = _seed_orders(env, args, products, boms)
            seeded = sum(len(h) + 1 for h in heads)
            copies = max(-(-(args.orders - seeded) // len(flows)), 0)
            _clone_queued(cr, tails, copies)
            env.invalidate_all()
            flows._drs_renumber_queue()
            env.flush_all()
            figures["build_seconds"] = round(time.perf_counter() - start, 1)
            status = flows._get_wip_status()
            figures["queued_orders"] = sum(
                row["queue_count"] for row in status.values()
            )
            figures["released_orders"] = sum(
                row["released_count"] for row in status.values()
            )
            _say(f"{figures['queued_orders']} queued: {figures['build_seconds']} s")
            figures["release_event"] = _time_release_events(
                env, args, flows, released, heads
            )
            _say(f"release event: {json.dumps(figures['release_event'])}")
            figures["queue_list"] = _time_queue_list(env, args)
            _say(f"queue list: {json.dumps(figures['queue_list'])}")
            figures["cron"] = _time_cron(env, args)
            figures.update(
                flows=len(flows),
                database_flows=env["mrp.drs.flow"].search_count(
                    [("active", "=", True)]
                ),
                runs=args.runs,
                load_average=[round(value, 2) for value in os.getloadavg()],
                cpu_count=os.cpu_count(),
            )
        finally:
            cr.rollback()
    _say(json.dumps(figures))


if __name__ == "__main__":
    main()
