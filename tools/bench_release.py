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

With ``--loop-type non_bottleneck`` the flows are non-bottleneck loops, whose
WIP adds the on-hand stock of their products. ``--stocked`` N stocked
products made in the flows, spread evenly over them (each a bill of materials
of one 60-minute operation at its flow's workcenter and 1 unit on hand: 1
equivalent unit of its flow), and ``--stocked-outside`` M stocked products
made in no flow (no bill of materials, 1 unit on hand) are cloned with
``INSERT ... SELECT`` from one product per flow made through the ORM. Each
flow's cap is then raised by its stocked units (at 1 + 1 units of released
orders, its two released orders still fill it), so the release event and the
cron do the same work as for bottleneck loops, plus the stock read.

The tables the benchmark fills are vacuumed before it, as autovacuum would
have done after an earlier (rolled-back) run, and analysed once the plant is
built, so that the planner sees the plant it is timed on.

Each figure is wall time, the database time of its queries (the time Odoo's
cursor measured around each ``execute``) and the number of SQL queries, from
cold ORM caches.

Usage (Odoo options after the script's own)::

    python3 tools/bench_release.py --orders 10000 --flows 50 \\
        -d DB -r odoo --db_host=127.0.0.1 --addons-path=/opt/odoo18/addons,ADDONS
    python3 tools/bench_release.py --loop-type non_bottleneck --stocked 20000 \\
        --stocked-outside 5000 -d DB ...

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

from bench_common import vacuum_analyze
from lxml import etree

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import Registry
from odoo.tools import SQL, config
from odoo.tools.safe_eval import safe_eval

QUEUE_ACTION = "mrp_drs.mrp_production_drs_queue_action"

#: tables the benchmark fills (and its rollback leaves dead rows in)
FILLED_TABLES = (
    "mrp_production",
    "mrp_workorder",
    "stock_move",
    "stock_move_line",
    "stock_quant",
    "product_template",
    "product_product",
    "mrp_bom",
    "mrp_bom_line",
    "mrp_routing_workcenter",
    "mrp_workcenter",
    "mrp_drs_flow",
    "mrp_drs_flow_workcenter_rel",
)


def _parse():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--flows", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--loop-type",
        choices=["bottleneck", "non_bottleneck"],
        default="bottleneck",
        help="loop type of the flows (default bottleneck)",
    )
    parser.add_argument(
        "--stocked",
        type=int,
        default=0,
        help="stocked products made in the flows, spread over them "
        "(0, or at least --flows)",
    )
    parser.add_argument(
        "--stocked-outside",
        type=int,
        default=0,
        help="stocked products made in no flow",
    )
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
                "loop_type": args.loop_type,
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
            _one_hour_bom(
                product,
                workcenter,
                consumption="flexible",
                bom_line_ids=[
                    Command.create({"product_id": component.id, "product_qty": 1.0})
                ],
            )
            for product, workcenter in zip(products, workcenters, strict=True)
        ]
    )
    return flows, products, boms, workcenters


def _one_hour_bom(product, workcenter, **values):
    """Values of a bill of materials of ``product`` with one 60-minute
    operation at ``workcenter`` (and ``values``)."""
    return {
        "product_tmpl_id": product.product_tmpl_id.id,
        "product_id": product.id,
        "product_qty": 1.0,
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
        **values,
    }


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


def _stocked_sources(env, workcenters, outside):
    """Products with 1 unit on hand (ORM) to clone: one made at each of
    ``workcenters`` (a bill of materials of one 60-minute operation there),
    and if ``outside`` one made in no flow (no bill of materials). Returns
    ``(made, outside)``: ``[(product, bom)]`` and the product (or ``None``)."""
    stock = env.ref("stock.warehouse0").lot_stock_id
    names = [f"Release bench stocked {index:03d}" for index in range(len(workcenters))]
    if outside:
        names.append("Release bench stocked outside")
    products = env["product.product"].create(
        [{"name": name, "type": "consu", "is_storable": True} for name in names]
    )
    made_products = products[: len(workcenters)]
    boms = env["mrp.bom"].create(
        [
            _one_hour_bom(product, workcenter)
            for product, workcenter in zip(made_products, workcenters, strict=True)
        ]
    )
    for product in products:
        env["stock.quant"]._update_available_quantity(product, stock, 1.0)
    env.flush_all()
    made = list(zip(made_products, boms, strict=True))
    return made, (products[-1] if outside else None)


def _copy_rows(cr, table, source, target, overrides):
    """One row of ``table`` per row of temporary table ``bench_stocked``: a
    copy of the row whose id is its column ``source``, with id its column
    ``target`` and ``overrides`` ``{column: SQL over m (bench_stocked) and s
    (the source row)}``."""
    columns = _columns(cr, table)
    select = ", ".join(overrides.get(column, f"s.{column}") for column in columns)
    # table and column names come from the script and information_schema
    cr.execute(
        f"INSERT INTO {table} (id, {', '.join(columns)}) "
        f"SELECT m.{target}, {select} FROM bench_stocked m "
        f"JOIN {table} s ON s.id = m.{source} WHERE m.{source} IS NOT NULL"
    )


def _source_quants(cr, product_ids):
    """``{product_id: id of its quant}`` of the source products."""
    cr.execute(
        "SELECT product_id, MIN(id) FROM stock_quant WHERE product_id = ANY(%s)"
        " GROUP BY product_id",
        (sorted(set(product_ids)),),
    )
    return dict(cr.fetchall())


def _clone_stocked(cr, made_sources, outside_source, made, outside):
    """Stocked products cloned with their template, bill of materials,
    operation and quant (SQL): ``made`` in all, the sources counted, product
    ``k`` a copy of the source of flow ``k`` modulo the number of flows; and
    ``outside`` copies of ``outside_source``, itself counted."""
    plan = [
        (product.product_tmpl_id.id, product.id, bom.id, bom.operation_ids.id)
        for product, bom in made_sources
    ]
    plan = [plan[k % len(plan)] for k in range(len(plan), made)] if plan else []
    if outside_source:
        plan += [(outside_source.product_tmpl_id.id, outside_source.id, None, None)] * (
            outside - 1
        )
    if not plan:
        return
    quants = _source_quants(cr, [row[1] for row in plan])
    cr.execute(
        "CREATE TEMPORARY TABLE bench_stocked ("
        " g serial, src_tmpl int, src_product int, src_bom int, src_operation int,"
        " src_quant int, tmpl_id int, product_id int, bom_id int, operation_id int,"
        " quant_id int)"
    )
    cr.execute(
        "INSERT INTO bench_stocked (src_tmpl, src_product, src_bom, src_operation,"
        " src_quant) SELECT * FROM unnest(%s::int[], %s::int[], %s::int[],"
        " %s::int[], %s::int[])",
        (
            [row[0] for row in plan],
            [row[1] for row in plan],
            [row[2] for row in plan],
            [row[3] for row in plan],
            [quants[row[1]] for row in plan],
        ),
    )
    cr.execute(
        "UPDATE bench_stocked SET"
        " tmpl_id = nextval('product_template_id_seq'),"
        " product_id = nextval('product_product_id_seq'),"
        " bom_id = CASE WHEN src_bom IS NOT NULL"
        "          THEN nextval('mrp_bom_id_seq') END,"
        " operation_id = CASE WHEN src_operation IS NOT NULL"
        "                THEN nextval('mrp_routing_workcenter_id_seq') END,"
        " quant_id = nextval('stock_quant_id_seq')"
    )
    name = "jsonb_build_object('en_US', 'Release bench stocked /S' || m.g)"
    _copy_rows(cr, "product_template", "src_tmpl", "tmpl_id", {"name": name})
    _copy_rows(
        cr,
        "product_product",
        "src_product",
        "product_id",
        {"product_tmpl_id": "m.tmpl_id", "default_code": "'RBS' || m.g"},
    )
    _copy_rows(
        cr,
        "mrp_bom",
        "src_bom",
        "bom_id",
        {"product_tmpl_id": "m.tmpl_id", "product_id": "m.product_id"},
    )
    _copy_rows(
        cr,
        "mrp_routing_workcenter",
        "src_operation",
        "operation_id",
        {"bom_id": "m.bom_id"},
    )
    _copy_rows(
        cr, "stock_quant", "src_quant", "quant_id", {"product_id": "m.product_id"}
    )
    cr.execute("DROP TABLE bench_stocked")


def _load_stock(env, args, flows, workcenters):
    """The stocked products of ``--stocked`` and ``--stocked-outside``, then
    each flow's cap raised by the units of its stocked products; returns the
    number of stocked products made in the flows."""
    if not args.stocked and not args.stocked_outside:
        return 0
    made_sources, outside_source = _stocked_sources(
        env,
        workcenters if args.stocked else workcenters.browse(),
        outside=args.stocked_outside > 0,
    )
    _clone_stocked(
        env.cr, made_sources, outside_source, args.stocked, args.stocked_outside
    )
    env.invalidate_all()
    if args.loop_type != "non_bottleneck":
        return args.stocked
    # 1 unit on hand of 1 h per unit is 1 equivalent unit (1 h standard work)
    stocked = {
        flow.id: args.stocked // len(flows) + (index < args.stocked % len(flows))
        for index, flow in enumerate(flows)
    }
    units = flows._get_stock_units()
    if units != {flow_id: float(count) for flow_id, count in stocked.items()}:
        raise SystemExit(f"stock units {units} differ from the stocked {stocked}")
    for count, group in flows.grouped(lambda flow: stocked[flow.id]).items():
        group.wip_cap = 2.0 + count
    return args.stocked


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
    if 0 < args.stocked < args.flows:
        raise SystemExit("--stocked must be 0 or at least --flows")
    figures = {}
    vacuum_analyze(database, FILLED_TABLES)
    with Registry(database).cursor() as cr:
        try:
            env = api.Environment(cr, SUPERUSER_ID, {})
            start = time.perf_counter()
            flows, products, boms, workcenters = _build_flows(env, args)
            released, heads, tails = _seed_orders(env, args, products, boms)
            figures["stocked_in_flows"] = _load_stock(env, args, flows, workcenters)
            figures["stocked_outside"] = args.stocked_outside
            seeded = sum(len(h) + 1 for h in heads)
            copies = max(-(-(args.orders - seeded) // len(flows)), 0)
            _clone_queued(cr, tails, copies)
            env.invalidate_all()
            flows._drs_renumber_queue()
            env.flush_all()
            # statistics of the plant built, as a database holding it has them
            for table in FILLED_TABLES:
                cr.execute(f"ANALYZE {table}")  # pylint: disable=sql-injection
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
                loop_type=args.loop_type,
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
