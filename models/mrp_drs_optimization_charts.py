# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The charts of an optimisation run (engine.charts, PNG attachments): the
service frontier on the plan's basis, the order-frequency trade-off and each
flow's throughput versus WIP.

Plain functions of the engine's result, not methods: the run draws them in a
worker thread while the database inserts the proposal lines
(:meth:`~.mrp_drs_optimization_proposal.MrpDrsOptimizationRun._store_result`),
where no record, environment or cursor may be used.
"""

import base64
import logging
import tempfile
from pathlib import Path

from odoo.addons.mrp_drs.engine import optimize

_logger = logging.getLogger(__name__)


#: fill-rate targets of the efficient frontier chart
FRONTIER_TARGETS = (0.80, 0.85, 0.90, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995)


def render(draw):
    """PNG (base64) drawn by ``draw(charts, path)`` with engine.charts, or
    False when matplotlib is missing or the chart cannot be drawn."""
    try:
        from odoo.addons.mrp_drs.engine import charts  # noqa: PLC0415
    except ImportError:  # pragma: no cover - matplotlib is a requirement
        return False
    with tempfile.TemporaryDirectory(prefix="mrp_drs_") as folder:
        path = Path(folder) / "chart.png"
        try:
            draw(charts, path)
        except (ImportError, ValueError, KeyError) as error:
            _logger.info("DRS chart not drawn: %s", error)
            return False
        return base64.b64encode(path.read_bytes())


def has_plan(result):
    """Whether the result has a plan to chart: feasible items with demand."""
    items = result.items[result.items["feasible"].fillna(False).astype(bool)]
    return not items.empty and items["demand_mean"].sum() > 0


def frontier_chart(result):
    """Investment against fill rate under the plan's own service rule
    (:func:`engine.optimize.service_frontier`): the plan lies on it."""
    if not has_plan(result):
        return False

    def draw(charts, path):
        frontier = optimize.service_frontier(result, FRONTIER_TARGETS)
        plan = frontier[frontier["is_plan"]].iloc[0]
        charts.efficient_frontier_chart(
            frontier, (plan["fill_rate"], plan["inventory_investment"]), path
        )

    return render(draw)


def order_frequency_chart(result):
    """Orders per period against investment, lot sizes scaled around the
    plan's (:func:`engine.optimize.order_frequency_curve`)."""
    if not has_plan(result):
        return False
    return render(
        lambda charts, path: charts.order_frequency_chart(
            optimize.order_frequency_curve(result), path
        )
    )


def flow_chart(name, flow, result, units_per_lot=None):
    """Throughput against WIP of the flow ``flow`` (a key of ``result.flows``)
    titled ``name``, its WIP in equivalent units when ``units_per_lot`` is
    given; False when the engine has no curve of it."""
    curve = result.curves[result.curves["flow"] == flow]
    if curve.empty:
        return False
    return render(
        lambda charts, path: charts.flow_chart(
            name, result.flows.loc[flow], curve, path, units_per_lot=units_per_lot
        )
    )
