"""Command line of the engine: ``python -m engine demo|bench``.

``demo [--out DIR]``
    Optimises the bundled demo plant, prints its parameters and the simulated
    comparison of CONWIP (virtual queue, cap) with push (fixed lead times), both
    quoting the flow model's lead time and both with the same make-up time, and
    writes PNG charts into DIR (default ``./out``).
``bench --skus N --workcenters M [--seed S] [--repeat R]``
    Generates a plant of that size, times the optimisation and, after each
    run, the curves of the run's charts (service frontier, order frequency),
    prints progress lines, then as its last line one JSON object
    (``seconds``, ``peak_mb``, ``phases``, ``curves_seconds``...; see
    :func:`engine.benchmark.benchmark`).

This module only parses arguments and prints; the work is done by
:mod:`engine.optimize`, :mod:`engine.simulation` and :mod:`engine.charts`.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from . import benchmark, heijunka, optimize, plants

ITEM_COLUMNS = {
    "flow": "flow",
    "lot_size": "lot (units)",
    "planned_lead_time": "lead time mean (h)",
    "planned_lead_time_quantile": "lead time 90% (h)",
    "reorder_point": "reorder point (units)",
    "safety_stock": "safety stock (units)",
    "fill_rate": "fill rate",
    "service_floor": "fill floor",
    "demand_model": "demand model",
    "model_reason": "why",
    "days_of_supply": "days of supply (d)",
    "reason": "reason",
}
WORKCENTER_COLUMNS = {
    "servers": "servers",
    "load_hours": "load (h/week)",
    "capacity_hours": "capacity (h/week)",
    "utilization": "utilisation",
    "queue_time": "queue time (h)",
    "lead_time": "lead time (h)",
    "status": "status",
}
FLOW_COLUMNS = {
    "stations": "stations",
    "loop_type": "loop",
    "target_throughput": "rate (lots/h)",
    "bottleneck_rate": "rb (lots/h)",
    "raw_process_time": "T0 (h)",
    "critical_wip": "W0 (lots)",
    "min_cap_units": "min cap (lots)",
    "finished_stock_units": "stock (lots)",
    "wip_cap": "WIP cap (lots)",
    "throughput_at_cap": "TH at cap (lots/h)",
    "cycle_time_at_cap": "CT at cap (h)",
    "status": "status",
}
SIMULATION_METRICS = {
    "throughput": "throughput (lots/h)",
    "wip": "WIP in line (lots)",
    "cycle_time": "cycle time (h)",
    "flow_time": "flow time (h)",
    "service": "on time (share)",
    "makeup_fraction": "make-up (share of time)",
    "max_wip": "max WIP (lots)",
}


def _table(frame, columns, digits=3):
    shown = frame[list(columns)].rename(columns=columns)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        return shown.round(digits).to_string()


def _simulation_table(comparison):
    rows = comparison[comparison["metric"].isin(list(SIMULATION_METRICS))].copy()
    rows["metric"] = rows["metric"].map(SIMULATION_METRICS)
    rows["value"] = [
        f"{mean:10.3f} ± {half:.3f}"
        for mean, half in zip(rows["mean"], rows["half_width"], strict=True)
    ]
    table = rows.pivot_table(
        index=["flow", "metric"], columns="policy", values="value", aggfunc="first"
    )
    return table.to_string()


def _heijunka_text(result, plant, days=5, shown=24):
    """Takt time per flow and a levelled sequence of day 1 for the first flow."""
    lines = ["== Heijunka: takt time and a levelled day (units, goal chasing) =="]
    hours_per_day = plant.period_hours / days
    for number, (flow, items) in enumerate(result.items.groupby("flow", sort=False)):
        weekly = np.round(items["demand_mean"].to_numpy()).astype(int)
        takt = heijunka.takt_time(plant.period_hours * 60, weekly.sum())
        lines.append(f"  {flow}: {weekly.sum()} units/week, takt {takt:.2f} min/unit")
        if number:
            continue
        quota = heijunka.production_quota(weekly, np.full(days, hours_per_day))
        sequence = heijunka.levelled_sequence(quota[:, 0])
        names = items.index.to_numpy()[sequence[:shown]]
        lines.append(
            f"  {flow} day 1 ({quota[:, 0].sum()} units), first {shown} slots: "
            + " ".join(names)
        )
    return "\n".join(lines)


def run_demo(out_dir, replications=8, orders=1000, seed=0, stream=sys.stdout):
    """Optimise the demo plant, simulate its flows, print and chart the results.

    Returns the list of PNG files written.
    """
    from . import charts  # noqa: PLC0415 (matplotlib only for the demo)

    def say(text=""):
        print(text, file=stream)

    plant = plants.load_demo_plant()
    result = optimize.optimize_plant(plant)
    say("== Items: planning parameters (period = 40-hour week) ==")
    say(_table(result.items, ITEM_COLUMNS, 2))
    say()
    say("== Workcenters ==")
    say(_table(result.workcenters, WORKCENTER_COLUMNS))
    say()
    say("== Alternative workcenters: share of each operation ==")
    shares = result.assignment
    split = shares.groupby(["sku", "operation"])["workcenter"].transform("size") > 1
    say(shares[split].round(3).to_string(index=False))
    say()
    say("== CONWIP flows ==")
    say(_table(result.flows, FLOW_COLUMNS, 4))
    say()
    say("== Summary ==")
    for name, value in result.summary.items():
        say(
            f"  {name}: {value:,.4g}"
            if isinstance(value, float)
            else f"  {name}: {value}"
        )
    say()

    say(_heijunka_text(result, plant))
    say()

    comparison = optimize.simulate_flows(
        result, replications=replications, n_orders=orders, seed=seed
    )
    settings = comparison.drop_duplicates("flow").set_index("flow")
    say(
        f"== Simulation: CONWIP + virtual queue vs push, same quote and make-up "
        f"time, {replications} replications of {orders} lots, mean ± 95% CI =="
    )
    for flow, row in settings.iterrows():
        say(
            f"  {flow}: quoted lead time {row['quoted_lead_time']:.1f} h, push "
            f"planned lead time {row['planned_lead_time']:.1f} h, make-up (both "
            f"policies) when more than cap + {int(row['makeup_threshold'])} lots "
            "are in the flow"
        )
    say(_simulation_table(comparison))
    say()

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frontier = optimize.service_frontier(
        result, [0.80, 0.85, 0.90, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995]
    )
    frequency = optimize.order_frequency_curve(result)
    say(f"== Inventory versus fill rate ({frontier['basis'].iloc[0]}) ==")
    say(frontier.drop(columns="basis").round(4).to_string(index=False))
    say()
    say("== Order frequency versus inventory (plan's lots scaled by k) ==")
    say(frequency.drop(columns="basis").round(4).to_string(index=False))
    say()
    files = [
        charts.efficient_frontier_chart(
            frontier,
            (result.summary["fill_rate"], result.summary["inventory_investment"]),
            out / "efficient_frontier.png",
        ),
        charts.order_frequency_chart(frequency, out / "order_frequency.png"),
    ]
    for flow, row in result.flows.dropna(subset=["wip_cap"]).iterrows():
        curve = result.curves[result.curves["flow"] == flow]
        safe = "".join(c if c.isalnum() else "_" for c in str(flow))
        files.append(charts.flow_chart(flow, row, curve, out / f"flow_{safe}.png"))
    say("== Charts ==")
    for path in files:
        say(f"  {path}")
    return files


def run_bench(skus, workcenters, seed=0, repeat=1, stream=sys.stdout):
    """Benchmark the optimisation; the last line printed is one JSON object."""

    def say(text):
        print(text, file=stream, flush=True)

    report = benchmark.benchmark(
        skus, workcenters, seed=seed, repeat=repeat, progress=say
    )
    say(json.dumps(report))
    return report


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m engine", description="mrp_drs operations-science engine"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="optimise and simulate the demo plant")
    demo.add_argument("--out", default="out", help="folder for PNG charts (./out)")
    demo.add_argument("--replications", type=int, default=8)
    demo.add_argument("--orders", type=int, default=1000, help="lots per replication")
    demo.add_argument("--seed", type=int, default=0)
    bench = commands.add_parser("bench", help="time the optimisation of a big plant")
    bench.add_argument("--skus", type=int, required=True)
    bench.add_argument("--workcenters", type=int, required=True)
    bench.add_argument("--seed", type=int, default=0)
    bench.add_argument("--repeat", type=int, default=1)
    return parser


def main(argv=None):
    """Entry point of ``python -m engine``."""
    arguments = _parser().parse_args(argv)
    if arguments.command == "demo":
        run_demo(
            arguments.out, arguments.replications, arguments.orders, arguments.seed
        )
    else:
        run_bench(
            arguments.skus, arguments.workcenters, arguments.seed, arguments.repeat
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
