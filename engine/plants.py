"""Plants to optimise without Odoo: the bundled demo plant and generated plants.

:func:`load_demo_plant` reads the small plant bundled in ``engine/data`` (the
``python -m engine demo`` command and the tests use it); :func:`generate_plant`
builds random but realistic plants of any size for the benchmarks and the
scale tests. Both return an :class:`engine.optimize.Plant`.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .optimize import Plant

__all__ = ["DEMO_PLANT", "generate_plant", "load_demo_plant"]

DEMO_PLANT = Path(__file__).parent / "data" / "demo_plant.json"


def load_demo_plant(path=None):
    """Read the small demo plant bundled with the engine.

    Twelve items in two flows ('Machining': saw and two CNC centres, where
    turning may run on either centre; 'Fabrication': welding, painting,
    assembly) over six workcenters; a period is a 40-hour week.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        Another plant file of the same layout (JSON object with
        ``period_hours``, ``period_days`` and record lists ``items``,
        ``routing``, ``workcenters``, ``flows``).

    Returns
    -------
    Plant
    """
    with open(DEMO_PLANT if path is None else path, encoding="utf-8") as handle:
        data = json.load(handle)
    return Plant(
        items=pd.DataFrame(data["items"]),
        routing=pd.DataFrame(data["routing"]),
        workcenters=pd.DataFrame(data["workcenters"]),
        flows=pd.DataFrame(data["flows"]),
        period_hours=float(data.get("period_hours", 40.0)),
        period_days=float(data.get("period_days", 5.0)),
    )


def _codes(prefix, count):
    width = max(3, len(str(max(count - 1, 0))))
    return np.char.add(prefix, np.char.zfill(np.arange(count).astype(str), width))


def generate_plant(
    n_skus,
    n_workcenters,
    seed=0,
    *,
    workcenters_per_flow=6,
    alternative_share=0.3,
    target_load=(0.70, 0.80),
    period_hours=40.0,
):
    """A random but realistic plant of any size (benchmarks, tests).

    Workcenters are split into flows of about ``workcenters_per_flow``
    consecutive workcenters. Each item belongs to one flow and visits 2 to 6 of
    its workcenters in flow order; about ``alternative_share`` of operations
    may also run on another workcenter of the flow (10-30 % slower). Demand per
    week is lognormal (median 50 units, coefficient of variation 0.2-0.8), unit
    cost lognormal (median 20), setup cost lognormal (median 80), holding rate
    25 % a year. Each workcenter has 1-4 servers at 88-95 % availability, and
    its hours per unit and per lot are scaled so that, with economic order
    quantities, its load is within ``target_load`` of capacity.

    Parameters
    ----------
    n_skus, n_workcenters : int
        Plant size (>= 1 each).
    seed : int
        Random seed; the same seed gives the same plant.
    workcenters_per_flow : int
        Average size of a CONWIP flow.
    alternative_share : float
        Share of operations with an alternative workcenter.
    target_load : tuple of float
        Range of workcenter utilisation at economic lot sizes.
    period_hours : float
        Clock hours per period (week).

    Returns
    -------
    Plant
    """
    if int(n_skus) != n_skus or n_skus < 1:
        raise ValueError(f"n_skus must be a whole number >= 1, got {n_skus!r}")
    if int(n_workcenters) != n_workcenters or n_workcenters < 1:
        raise ValueError(
            f"n_workcenters must be a whole number >= 1, got {n_workcenters!r}"
        )
    n, m = int(n_skus), int(n_workcenters)
    rng = np.random.default_rng(seed)
    n_flows = max(1, round(m / workcenters_per_flow))
    center_flow = np.arange(m) * n_flows // m
    flow_start = np.searchsorted(center_flow, np.arange(n_flows))
    flow_size = np.bincount(center_flow, minlength=n_flows)

    item_flow = rng.integers(0, n_flows, n)
    size = flow_size[item_flow]
    length = np.minimum(rng.integers(2, 7, n), size)
    widest = int(flow_size.max())
    # Random subset of the flow's workcenters, kept in flow order.
    keys = rng.random((n, widest))
    keys[np.arange(widest)[None, :] >= size[:, None]] = np.inf
    picked = np.argsort(keys, axis=1)[:, : min(6, widest)]
    picked = np.where(
        np.arange(picked.shape[1])[None, :] < length[:, None], picked, widest
    )
    picked.sort(axis=1)
    item, slot = np.nonzero(picked < widest)
    position = picked[item, slot]
    center = flow_start[item_flow[item]] + position
    run = rng.lognormal(np.log(0.05), 0.8, item.size)
    setup = rng.lognormal(np.log(1.0), 0.5, item.size)

    has_alternative = (rng.random(item.size) < alternative_share) & (size[item] > 1)
    alt = np.flatnonzero(has_alternative)
    alt_position = (
        position[alt] + rng.integers(1, np.maximum(size[item[alt]], 2))
    ) % size[item[alt]]
    rows = {
        "item": np.concatenate([item, item[alt]]),
        "operation": np.concatenate([slot, slot[alt]]) * 10 + 10,
        "center": np.concatenate(
            [center, flow_start[item_flow[item[alt]]] + alt_position]
        ),
        "run": np.concatenate([run, run[alt] * rng.uniform(1.1, 1.3, alt.size)]),
        "setup": np.concatenate([setup, setup[alt] * rng.uniform(0.8, 1.5, alt.size)]),
        # Expected share of an operation's demand at the row, for sizing only.
        "weight": np.concatenate(
            [np.where(has_alternative, 0.5, 1.0), np.full(alt.size, 0.5)]
        ),
    }

    demand = np.round(rng.lognormal(np.log(50.0), 1.0, n), 1) + 0.1
    unit_cost = np.round(rng.lognormal(np.log(20.0), 1.0, n), 2) + 0.01
    setup_cost = np.round(rng.lognormal(np.log(80.0), 0.6, n), 2)
    holding_rate = np.full(n, 0.25 / 52)
    servers = rng.integers(1, 5, m)
    # Availability 88-95 %: capacity / period_hours rounds to the servers.
    capacity = servers * period_hours * rng.uniform(0.88, 0.95, m)

    eoq = np.maximum(np.sqrt(2 * demand * setup_cost / (unit_cost * holding_rate)), 1.0)
    row_demand = demand[rows["item"]] * rows["weight"]
    load = np.bincount(
        rows["center"],
        weights=row_demand * (rows["run"] + rows["setup"] / eoq[rows["item"]]),
        minlength=m,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = rng.uniform(*target_load, m) * capacity / load
    scale = np.where(load > 0, scale, 1.0)[rows["center"]]

    skus = _codes("SKU", n)
    names = _codes("WC", m)
    flow_names = _codes("FLOW", n_flows)
    return Plant(
        items=pd.DataFrame(
            {
                "sku": skus,
                "demand_mean": demand,
                "demand_std": np.round(demand * rng.uniform(0.2, 0.8, n), 2),
                "unit_cost": unit_cost,
                "setup_cost": setup_cost,
                "holding_rate": holding_rate,
            }
        ),
        routing=pd.DataFrame(
            {
                "sku": skus[rows["item"]],
                "operation": rows["operation"],
                "workcenter": names[rows["center"]],
                "run_hours": rows["run"] * scale,
                "setup_hours": rows["setup"] * scale,
            }
        ),
        workcenters=pd.DataFrame(
            {
                "workcenter": names,
                "capacity_hours": np.round(capacity, 1),
                "servers": servers,
                "ce2": np.round(rng.uniform(0.3, 1.5, m), 2),
            }
        ),
        flows=pd.DataFrame({"flow": flow_names[center_flow], "workcenter": names}),
        period_hours=float(period_hours),
        period_days=5.0,
    )
