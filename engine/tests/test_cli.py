"""Tests of the command line ``python -m engine demo|bench``."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine import charts, optimize, plants
from engine.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


def _run(*arguments):
    return subprocess.run(
        [sys.executable, "-m", "engine", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_demo_prints_parameters_and_writes_charts(tmp_path):
    done = _run(
        "demo", "--out", str(tmp_path), "--replications", "2", "--orders", "150"
    )
    assert done.returncode == 0, done.stderr
    for heading in ("== Items", "== CONWIP flows", "== Simulation"):
        assert heading in done.stdout
    charts = sorted(path.name for path in tmp_path.glob("*.png"))
    assert charts == [
        "efficient_frontier.png",
        "flow_Fabrication.png",
        "flow_Machining.png",
        "order_frequency.png",
    ]
    for name in charts:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bench_last_line_is_json_with_time_and_memory():
    done = _run("bench", "--skus", "2000", "--workcenters", "10", "--repeat", "2")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) >= 3  # generation and one line per run before the JSON
    report = json.loads(lines[-1])
    assert report["skus"] == 2000 and report["workcenters"] == 10
    assert 0 < report["seconds"] < 60
    assert report["peak_mb"] > 10
    assert 0 < report["cpu_seconds"] < 60
    assert len(report["runs"]) == 2
    assert report["seconds"] in report["runs"]
    assert {"assignment", "lot_sizing", "lead_times", "reorder_points"} <= set(
        report["phases"]
    )
    # The chart curves of an Odoo run, timed after each optimisation.
    assert set(report["curves"]) == {"service_frontier", "order_frequency_curve"}
    assert 0 < report["curves_seconds"] < 60
    assert 0 < report["curves_cpu_seconds"] < 60


@pytest.mark.parametrize(
    "arguments", [[], ["bench"], ["bench", "--skus", "10"], ["unknown"]]
)
def test_bad_command_lines_exit_with_usage_error(arguments, capsys):
    with pytest.raises(SystemExit) as stop:
        main(arguments)
    assert stop.value.code == 2
    assert "usage" in capsys.readouterr().err


def test_flow_chart_draws_in_equivalent_units_and_rejects_a_bad_scale(tmp_path):
    result = optimize.optimize_plant(plants.load_demo_plant())
    flow = result.flows.index[0]
    curve = result.curves[result.curves["flow"] == flow]
    path = charts.flow_chart(
        flow, result.flows.loc[flow], curve, tmp_path / "f.png", units_per_lot=2.0
    )
    assert path.stat().st_size > 0
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="units_per_lot"):
            charts.flow_chart(
                flow, result.flows.loc[flow], curve, tmp_path / "g.png", bad
            )


def test_flow_chart_marks_the_wip_a_non_bottleneck_cap_leaves_on_the_line(tmp_path):
    """A non-bottleneck loop's cap counts WIP plus finished stock (DRS): the
    throughput-versus-WIP chart marks the cap less the expected finished stock,
    a bottleneck loop's cap as it is."""
    result = optimize.optimize_plant(plants.load_demo_plant())
    flows = result.flows
    loose = flows[flows["loop_type"] == "non_bottleneck"].iloc[0]
    tight = flows[flows["loop_type"] == "bottleneck"].iloc[0]
    assert loose["finished_stock_units"] > 0
    wip, label = charts.flow_cap_wip(loose)
    assert wip == pytest.approx(loose["wip_cap"] - loose["finished_stock_units"])
    assert 0 < wip < loose["wip_cap"]
    assert label == "WIP cap less finished stock"
    assert charts.flow_cap_wip(tight) == (float(tight["wip_cap"]), "WIP cap")
    curve = result.curves[result.curves["flow"] == loose.name]
    path = charts.flow_chart(loose.name, loose, curve, tmp_path / "loose.png")
    assert path.stat().st_size > 0
