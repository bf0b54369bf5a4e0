"""Benchmark of the plant optimisation (``python -m engine bench``)."""

import os
import statistics
import time

from .optimize import optimize_plant, order_frequency_curve, service_frontier
from .plants import generate_plant

__all__ = ["CHART_TARGETS", "benchmark"]

#: Fill-rate targets of the service-frontier chart of an Odoo optimisation run.
CHART_TARGETS = (0.80, 0.85, 0.90, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995)


def benchmark(n_skus, n_workcenters, seed=0, repeat=1, progress=None):
    """Time :func:`optimize_plant` on a generated plant, and its chart curves.

    Parameters
    ----------
    n_skus, n_workcenters, seed : int
        Plant passed to :func:`generate_plant` (generation is not timed).
    repeat : int
        Optimisation runs; the median wall time is reported.
    progress : callable, optional
        Called with a line of text after each step.

    Returns
    -------
    dict
        ``seconds`` (median optimisation wall time), ``runs`` (all of them),
        ``cpu_seconds`` (median process CPU time of the runs: on a loaded
        machine it moves less than the wall time), ``phases`` (seconds per
        phase of the median run), ``peak_mb`` (peak
        resident set size of the whole process, generation included, from
        ``resource.getrusage(RUSAGE_SELF).ru_maxrss``), ``generation_seconds``,
        plant size and a few result totals. ``curves_seconds`` and
        ``curves_cpu_seconds`` (medians over the runs) time what an Odoo run
        computes for its charts after each optimisation:
        :func:`service_frontier` at :data:`CHART_TARGETS` and
        :func:`order_frequency_curve`; ``curves`` gives each one's median
        wall time.
    """
    import resource  # noqa: PLC0415 (Unix only: keep optimize importable elsewhere)

    say = progress or (lambda text: None)
    if int(repeat) != repeat or repeat < 1:
        raise ValueError(f"repeat must be a whole number >= 1, got {repeat!r}")
    start = time.perf_counter()
    plant = generate_plant(n_skus, n_workcenters, seed)
    generation = time.perf_counter() - start
    say(
        f"generated {len(plant.items)} items, {len(plant.routing)} routing rows, "
        f"{len(plant.workcenters)} workcenters in {generation:.2f} s"
    )
    runs, cpu, curves = [], [], []
    for run in range(int(repeat)):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = optimize_plant(plant)
        seconds = time.perf_counter() - start
        cpu.append(time.process_time() - start_cpu)
        runs.append((seconds, result.timings))
        phases = ", ".join(f"{k} {v:.2f}" for k, v in result.timings.items())
        say(f"run {run + 1}/{repeat}: {seconds:.2f} s ({phases})")
        curves.append(_time_curves(result))
        say(
            "  chart curves: service_frontier {service_frontier:.2f} s, "
            "order_frequency_curve {order_frequency_curve:.2f} s".format(**curves[-1])
        )
    runs.sort(key=lambda entry: entry[0])
    seconds, phases = runs[len(runs) // 2]
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "skus": int(n_skus),
        "workcenters": int(n_workcenters),
        "routing_rows": len(plant.routing),
        "seed": seed,
        "repeat": int(repeat),
        "seconds": round(seconds, 3),
        "runs": [round(entry[0], 3) for entry in runs],
        "cpu_seconds": round(sorted(cpu)[len(cpu) // 2], 3),
        "phases": {name: round(value, 3) for name, value in phases.items()},
        "generation_seconds": round(generation, 3),
        "peak_mb": round(peak_kb / 1024, 1),
        "peak_mb_source": "ru_maxrss",
        # wall times on a shared machine only compare at similar loads
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "cpu_count": os.cpu_count(),
        "feasible_items": result.summary["feasible_items"],
        "max_utilization": round(result.summary["max_utilization"], 4),
        **_curve_report(curves),
    }


def _time_curves(result):
    """Wall and CPU seconds of the two chart curves of ``result``."""
    times = {}
    start_cpu = time.process_time()
    for name, compute in (
        ("service_frontier", lambda: service_frontier(result, CHART_TARGETS)),
        ("order_frequency_curve", lambda: order_frequency_curve(result)),
    ):
        start = time.perf_counter()
        compute()
        times[name] = time.perf_counter() - start
    times["cpu"] = time.process_time() - start_cpu
    return times


def _curve_report(curves):
    def median(key):
        return round(statistics.median(entry[key] for entry in curves), 3)

    names = ("service_frontier", "order_frequency_curve")
    return {
        "curves_seconds": round(
            statistics.median(sum(entry[name] for name in names) for entry in curves), 3
        ),
        "curves_cpu_seconds": median("cpu"),
        "curves": {name: median(name) for name in names},
    }
