"""Full plant parameter optimisation: lot sizes, lead times, reorder points, caps.

One call, :func:`optimize_plant`, turns a plant description (:class:`Plant`)
into the planning parameters that the Odoo wizard writes back, the demo prints
and the benchmark times. The steps follow Hopp and Spearman's hierarchy
(*Factory Physics*, ch. 13-17), each done set-wise by an engine module:

1. **assignment** -- operations that may run on alternative workcenters are
   split to minimise the largest utilisation
   (:func:`engine.assignment.minmax_utilization_sparse`);
2. **lot sizes** -- capacitated multi-product lot sizes keeping every
   workcenter below ``max_utilization`` (:func:`engine.lotsizing.lot_sizes`);
   an item's lots of ``Q`` units reach a workcenter with arrival SCV ``ca2 /
   Q`` (Factory Physics sec. 9.4), merged per workcenter (Whitt), the one
   arrival rule of lot sizing and lead times;
3. **lead times** -- load-based workcenter queue times and route lead times
   (:func:`engine.leadtime.workcenter_lead_times`,
   :func:`engine.leadtime.route_lead_time`);
4. **reorder points** -- lead-time demand and (Q, r) reorder points for a fill
   rate target (:mod:`engine.inventory`);
5. **joint (Q, r)** -- the lot sizes solved again with the stock of the
   service rule priced in, steps 3-4 redone, and the cheaper plan kept
   (:func:`_try_joint`; ``joint=False`` stops at the sequential plan);
6. **CONWIP caps** -- per flow, the loop type and the least WIP cap whose
   throughput in the flow model (:class:`engine.flowline.FlowLine`) covers the
   flow's rate (:func:`_conwip_caps`).

Item-level problems (no routing, no demand, no holding cost, an operation with
no capacity, infeasible lot size, a route through an overloaded workcenter)
become a ``reason`` on the item's row instead of an exception; only a malformed
plant (missing columns, duplicate keys) raises. There is no Python loop over
items: every step works on whole arrays (loops run over flows and over
iterations inside the engine functions).

Plants to run it on come from :mod:`engine.plants` (the bundled demo plant and
generated plants of any size); :mod:`engine.benchmark` times it.
"""

import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import (
    assignment,
    flowline,
    inventory,
    leadtime,
    lotsizing,
    queueing,
    simulation,
)
from ._validation import positive, probability, utilization

ITEM_COLUMNS = (
    "sku",
    "demand_mean",
    "demand_std",
    "unit_cost",
    "setup_cost",
    "holding_rate",
)
ROUTING_COLUMNS = ("sku", "operation", "workcenter", "run_hours", "setup_hours")
WORKCENTER_COLUMNS = ("workcenter", "capacity_hours")
FLOW_COLUMNS = ("flow", "workcenter")
_SHARE_EPS = 1e-9


@dataclass
class Plant:
    """A plant to optimise: items, routings, workcenters and CONWIP flows.

    All rates are per planning period (e.g. a week), all times in hours.

    Attributes
    ----------
    items : pandas.DataFrame
        One row per stocked item. Columns: ``sku`` (unique key),
        ``demand_mean`` and ``demand_std`` (units per period), ``unit_cost``
        (money per unit), ``setup_cost`` (money per lot), ``holding_rate``
        (holding cost per period as a fraction of unit cost). Optional:
        ``service`` (the item's own fill-rate target, NaN = plant default),
        ``flow`` (its CONWIP flow; default: the flow of the workcenter of its
        first operation), ``service_target`` (alias of ``service``),
        ``zero_share`` (share of periods without demand in the history, for
        the demand model) and ``whole_units`` (default true: lot sizes and,
        for discrete demand models, reorder points are whole numbers).
    routing : pandas.DataFrame
        One row per operation and eligible workcenter. Columns: ``sku``,
        ``operation`` (sortable step key, e.g. 10, 20...), ``workcenter``,
        ``run_hours`` (hours per unit), ``setup_hours`` (hours per lot). Several
        rows with the same ``(sku, operation)`` are alternative workcenters;
        the assignment chooses the split among them.
    workcenters : pandas.DataFrame
        One row per workcenter. Columns: ``workcenter`` (unique key),
        ``capacity_hours`` (productive hours per period, all servers together).
        Optional: ``servers`` (parallel identical machines, default 1), ``ce2``
        (squared coefficient of variation of process times, default 1).
    flows : pandas.DataFrame
        CONWIP loop membership, one row per (flow, workcenter), in loop order
        (or with a ``position`` column). Columns: ``flow``, ``workcenter``.
    period_hours : float
        Clock hours in a period (e.g. 40 for one shift five days a week): one
        server works at most this long per period.
    period_days : float
        Working days in a period, for days of supply.
    """

    items: pd.DataFrame
    routing: pd.DataFrame
    workcenters: pd.DataFrame
    flows: pd.DataFrame
    period_hours: float = 40.0
    period_days: float = 5.0


@dataclass
class PlantResult:
    """Optimised parameters of a plant (see :func:`optimize_plant`).

    Attributes
    ----------
    items : pandas.DataFrame
        Indexed by ``sku``: ``flow``, ``demand_mean`` (units/period),
        ``unit_cost``,
        ``lot_size`` (units), ``setups_per_period``, ``planned_lead_time``
        (mean, hours), ``planned_lead_time_std`` and ``planned_lead_time_quantile``
        (hours), ``lead_time_demand_mean`` / ``_std`` (units),
        ``reorder_point``, ``safety_stock`` (units, ``r`` minus lead-time
        demand), ``fill_rate`` (expected, 0-1), ``service_floor`` (fill rate
        the item is guaranteed, 0-1), ``service_target`` (the item's own
        target, NaN for none), ``demand_model`` ('normal', 'poisson',
        'negbin') and ``model_reason`` (why, see
        :func:`engine.inventory.demand_model`), ``expected_inventory`` (units on hand),
        ``inventory_investment`` (money), ``days_of_supply`` (days),
        ``wip_units`` (units in process, Little's law), ``feasible`` (bool),
        ``reason`` (why not, '' when feasible).
    workcenters : pandas.DataFrame
        Indexed by ``workcenter``: ``load_hours`` and ``capacity_hours``
        (per period), ``servers``, ``lots_per_period``, ``te`` (clock hours per
        lot on one server), ``ca2`` (SCV of lot interarrival times: the items'
        streams of lots merged, ``ca2 / Q`` where one item feeds it), ``ce2``
        (SCV of lot times, the mix of items included), ``utilization``,
        ``queue_time``, ``lead_time`` and
        ``lead_time_quantile`` (hours), ``status``.
    assignment : pandas.DataFrame
        One row per usable routing row: ``sku``, ``operation``,
        ``workcenter``, ``share`` (of the operation's demand made there).
    flows : pandas.DataFrame
        Indexed by ``flow``: ``stations``, ``loop_type`` ('bottleneck' or
        'non_bottleneck'), ``target_throughput`` and ``bottleneck_rate``
        (lots/hour), ``raw_process_time`` (hours), ``critical_wip`` (lots),
        ``largest_order_units`` (the largest lot in equivalent units),
        ``min_cap_units`` (least WIP covering the rate), ``finished_stock_units``
        (expected finished stock, equivalent units), ``wip_cap`` (equivalent
        units: lots of the flow's average routing; plus the finished stock for
        a non-bottleneck loop), ``throughput_at_cap`` (lots/hour) and
        ``cycle_time_at_cap`` (hours) at ``min_cap_units``, ``status`` ('ok',
        'tight', 'overloaded', 'no_load'). See :func:`_conwip_caps`.
    curves : pandas.DataFrame
        Throughput and cycle time against WIP per flow: ``flow``, ``w``,
        ``throughput``, ``cycle_time`` (the flow model).
    stations : pandas.DataFrame
        The closed-line model of each flow, in loop order: ``flow``,
        ``workcenter``, ``te`` (clock hours one machine needs per lot of the
        flow), ``servers`` (machines), ``ce2`` (SCV of lot times).
    summary : dict
        Plant totals (money, units and counts per period), among them
        ``cost_per_period`` (setups + holding of WIP and stock of the plan)
        and ``sequential_cost_per_period`` (the same for the sequential plan;
        equal when the joint step is off or found nothing cheaper).
    timings : dict
        Wall-clock seconds per phase.
    policy : dict
        The service rule the reorder points follow (``service``,
        ``service_mode``, ``service_floor``, ``distribution``), for frontiers
        drawn on the plan's basis (:func:`service_frontier`).
    """

    items: pd.DataFrame
    workcenters: pd.DataFrame
    assignment: pd.DataFrame
    flows: pd.DataFrame
    curves: pd.DataFrame
    stations: pd.DataFrame
    summary: dict
    timings: dict = field(default_factory=dict)
    policy: dict = field(default_factory=dict)


@contextmanager
def _timed(timings, phase):
    start = time.perf_counter()
    yield
    timings[phase] = timings.get(phase, 0.0) + time.perf_counter() - start


def _require(frame, name, columns):
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"plant.{name} must be a pandas DataFrame")
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(
            f"plant.{name} lacks the column(s) {missing} "
            f"(columns: {list(frame.columns)})"
        )


def _numbers(frame, column, default=None):
    if column not in frame.columns:
        return np.full(len(frame), np.nan if default is None else float(default))
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    if default is not None:
        values = np.where(np.isnan(values), float(default), values)
    return values


def _unique_keys(frame, name, column):
    keys = frame[column].astype(str)
    duplicated = keys[keys.duplicated()]
    if len(duplicated):
        raise ValueError(
            f"plant.{name}.{column} must be unique, duplicated: "
            f"{duplicated.unique()[:5].tolist()}"
        )
    return pd.Index(keys, name=column)


class _Reasons:
    """First problem found per item ('' = none so far)."""

    def __init__(self, size):
        self.text = np.full(size, "", dtype=object)

    def flag(self, mask, text):
        self.text[np.asarray(mask, dtype=bool) & (self.text == "")] = text

    @property
    def ok(self):
        return self.text == ""


def _prepare(plant):
    """Validate frames, index keys, flag unusable items and routing rows."""
    _require(plant.items, "items", ITEM_COLUMNS)
    _require(plant.routing, "routing", ROUTING_COLUMNS)
    _require(plant.workcenters, "workcenters", WORKCENTER_COLUMNS)
    _require(plant.flows, "flows", FLOW_COLUMNS)
    period_hours = float(positive("period_hours", plant.period_hours))
    period_days = float(positive("period_days", plant.period_days))

    items = plant.items.reset_index(drop=True)
    skus = _unique_keys(items, "items", "sku")
    centers = plant.workcenters.reset_index(drop=True)
    names = _unique_keys(centers, "workcenters", "workcenter")
    capacity = _numbers(centers, "capacity_hours")
    machines = _numbers(centers, "servers", 1.0)
    ce2 = _numbers(centers, "ce2", 1.0)
    center_ok = (
        (capacity > 0)
        & np.isfinite(capacity)
        & (machines >= 1)
        & (machines == np.round(machines))
        & (ce2 >= 0)
        & np.isfinite(ce2)
    )

    routing = plant.routing.reset_index(drop=True)
    row_item = skus.get_indexer(routing["sku"].astype(str))
    routing = routing[row_item >= 0].reset_index(drop=True)
    row_item = row_item[row_item >= 0]
    row_center = names.get_indexer(routing["workcenter"].astype(str))
    run = _numbers(routing, "run_hours")
    setup = _numbers(routing, "setup_hours")
    step = pd.to_numeric(routing["operation"], errors="coerce").to_numpy(dtype=float)
    hours_ok = (run >= 0) & (setup >= 0) & np.isfinite(run + setup) & np.isfinite(step)
    row_ok = hours_ok & (row_center >= 0)
    row_ok[row_ok] &= center_ok[row_center[row_ok]]

    n = len(items)
    values = {column: _numbers(items, column) for column in ITEM_COLUMNS[1:]}
    reasons = _Reasons(n)
    for column, array in values.items():
        reasons.flag(~(np.isfinite(array) & (array >= 0)), f"invalid {column}")
    counts = np.bincount(row_item, minlength=n)
    reasons.flag(counts == 0, "no routing")
    reasons.flag(
        np.bincount(row_item, weights=(row_center < 0).astype(float), minlength=n) > 0,
        "routing names an unknown workcenter",
    )
    reasons.flag(
        np.bincount(row_item, weights=(~hours_ok).astype(float), minlength=n) > 0,
        "routing has invalid hours or operation",
    )
    # An operation is usable if one of its workcenters has capacity.
    step_code = pd.factorize(np.where(np.isfinite(step), step, -1.0), sort=True)[0]
    operation = np.unique(
        row_item.astype(np.int64) * (step_code.max() + 1 if len(step_code) else 1)
        + step_code,
        return_inverse=True,
    )[1]
    usable = np.bincount(operation, weights=row_ok.astype(float)) > 0
    operation_item = np.zeros(usable.size, dtype=np.int64)
    operation_item[operation] = row_item
    reasons.flag(
        np.bincount(operation_item[~usable], minlength=n) > 0,
        "no workcenter with capacity for an operation",
    )
    reasons.flag(values["demand_mean"] == 0, "no demand")
    reasons.flag(
        values["unit_cost"] * values["holding_rate"] == 0,
        "no holding cost (unit_cost x holding_rate = 0)",
    )
    usable_centers = np.flatnonzero(center_ok)
    center_local = np.full(len(centers), -1)
    center_local[usable_centers] = np.arange(usable_centers.size)
    return {
        "items": items,
        "usable_centers": usable_centers,
        "center_local": center_local,
        "skus": skus,
        "names": names,
        "capacity": capacity,
        "servers": machines,
        "ce2": ce2,
        "center_ok": center_ok,
        "routing": routing,
        "row_item": row_item,
        "row_center": row_center,
        "row_ok": row_ok,
        "run": run,
        "setup": setup,
        "operation": operation,
        "values": values,
        "service": _numbers(
            items, "service_target" if "service_target" in items.columns else "service"
        ),
        "zero_share": _numbers(items, "zero_share"),
        "whole_units": _numbers(items, "whole_units", 1.0) != 0,
        "reasons": reasons,
        "period_hours": period_hours,
        "period_days": period_days,
    }


def _assign(model, min_lot, max_utilization):
    """Split operations with alternatives to minimise the largest utilisation.

    Hours per unit include the setup spread over an economic order quantity
    (the lot sizes are not known yet). A workcenter that the operations
    without an alternative already load beyond ``max_utilization`` is left to
    them: its items cannot be planned whatever the split (lot sizing says
    which workcenter), so it neither sets the bottleneck the other
    workcenters are balanced against nor takes work that may go elsewhere.
    """
    values, reasons = model["values"], model["reasons"]
    active = model["row_ok"] & reasons.ok[model["row_item"]]
    item = model["row_item"][active]
    demand = values["demand_mean"]
    holding = values["unit_cost"] * values["holding_rate"]
    with np.errstate(divide="ignore", invalid="ignore"):
        eoq = np.sqrt(2 * demand * values["setup_cost"] / holding)
    eoq = np.maximum(np.nan_to_num(eoq, nan=min_lot), min_lot)
    hours = model["run"][active] + model["setup"][active] / eoq[item]
    operation, operation_codes = pd.factorize(model["operation"][active])
    n_operations = len(operation_codes)
    operation_demand = np.zeros(n_operations)
    operation_demand[operation] = demand[item]
    center = model["center_local"][model["row_center"][active]]
    capacity = model["capacity"][model["usable_centers"]]
    share = np.ones(len(item))
    if len(item):
        solved = _unavoidable_overload(
            operation, center, hours, operation_demand, capacity, max_utilization
        )
        share = np.zeros(len(item))
        alone = ~solved
        # an operation whose every workcenter is overloaded: its fastest one
        rows = np.flatnonzero(alone)
        if rows.size:
            rows = rows[np.lexsort((hours[rows], operation[rows]))]
            heads = rows[np.r_[True, operation[rows][1:] != operation[rows][:-1]]]
            has_lp = np.bincount(operation[solved], minlength=n_operations) > 0
            share[heads[~has_lp[operation[heads]]]] = 1.0
        if solved.any():
            codes, compact = np.unique(operation[solved], return_inverse=True)
            share[solved], _, _ = assignment.minmax_utilization_sparse(
                compact,
                center[solved],
                hours[solved],
                operation_demand[codes],
                capacity,
                n_items=codes.size,
            )
    model["active"] = np.flatnonzero(active)
    model["share"] = np.asarray(share, dtype=float)


def _unavoidable_overload(operation, center, hours, demand, capacity, ceiling):
    """Routing rows the min-max split decides (a boolean per row).

    Left out: the rows at a workcenter whose operations without an
    alternative load it beyond ``ceiling`` on their own, but for an
    operation that has no other workcenter (then its row goes to the fastest
    of its overloaded workcenters).
    """
    n_operations = demand.size
    single = np.bincount(operation, minlength=n_operations)[operation] == 1
    fixed_load = np.bincount(
        center[single],
        weights=hours[single] * demand[operation[single]],
        minlength=capacity.size,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        fixed_utilization = np.where(
            capacity > 0, fixed_load / capacity, np.where(fixed_load > 0, np.inf, 0.0)
        )
    overloaded = fixed_utilization > ceiling
    return ~overloaded[center]


def _lot_sizes(model, max_utilization, ca2, min_lot, max_lot, costs=None):
    """Capacitated lot sizes of the valid items over the rows that carry work.

    ``costs`` optionally holds ``lot_cost`` and ``lead_time_cost`` per item,
    per hour (see :func:`engine.lotsizing.lot_sizes`): the joint step, whose
    lots need not settle to 1e-6 since its plan is checked whole (1e-3).
    """
    values, reasons = model["values"], model["reasons"]
    n = len(model["items"])
    lot_size = np.full(n, np.nan)
    rows = model["active"]
    share = model["share"]
    carry = share > _SHARE_EPS
    rows, share = rows[carry], share[carry]
    valid = np.flatnonzero(reasons.ok)
    local = np.full(n, -1)
    local[valid] = np.arange(valid.size)
    # the joint step sizes again after the sequential step has dropped items
    # (a workcenter their run time alone overloads): their rows carry nothing
    keep = local[model["row_item"][rows]] >= 0
    rows, share = rows[keep], share[keep]
    centers = model["usable_centers"]
    hours = model["period_hours"]
    if valid.size:
        # lot_sizes works per hour: demand, holding cost and machine-hours / hour.
        result = lotsizing.lot_sizes(
            values["demand_mean"][valid] / hours,
            (values["unit_cost"] * values["holding_rate"])[valid] / hours,
            values["setup_cost"][valid],
            local[model["row_item"][rows]],
            model["center_local"][model["row_center"][rows]],
            model["run"][rows],
            model["setup"][rows],
            model["capacity"][centers] / hours,
            max_utilization=max_utilization,
            ca2=ca2,
            ce2=model["ce2"][centers],
            min_lot=min_lot,
            max_lot=max_lot,
            share=share,
            tolerance=1e-6 if costs is None else 1e-3,
            **{name: value[valid] for name, value in (costs or {}).items()},
        )
        lot_size[valid] = np.asarray(result.lot_size, dtype=float)
        feasible = np.asarray(result.feasible, dtype=bool)
        # Name the workcenter that no lot size can relieve (lot_sizes numbers
        # workcenters by position); other failures keep lot_sizes' reason.
        blocked = ~np.asarray(result.workcenter_feasible, dtype=bool)
        row_center = model["center_local"][model["row_center"][rows]]
        first = np.full(valid.size, centers.size)
        on_blocked = blocked[row_center]
        np.minimum.at(
            first, local[model["row_item"][rows]][on_blocked], row_center[on_blocked]
        )
        messages = np.array(
            [
                f"{name}: load of {load:.0%} without setups leaves no room under "
                f"max_utilization {max_utilization:.0%}"
                for name, load in zip(
                    model["names"][centers], result.run_utilization, strict=True
                )
            ]
            + ["lot sizing infeasible"],
            dtype=object,
        )
        why = np.where(
            first < centers.size, messages[first], np.asarray(result.reason, object)
        )
        why = np.where(why == "", "lot sizing infeasible", why)
        reasons.text[valid[~feasible]] = why[~feasible]
    # Whole units: rounding up only lowers setup load, so capacity still holds.
    whole = model["whole_units"] & np.isfinite(lot_size)
    lot_size[whole] = np.maximum(np.ceil(lot_size[whole] - 1e-9), 1.0)
    model["lot_size"] = lot_size
    model["carry_rows"] = rows
    model["carry_share"] = share


def _lot_time(model, rows, lot):
    """Work hours of a lot per routing row and their variance.

    A lot is a setup plus ``Q`` units, each varying independently with the
    workcenter's natural SCV: mean ``s + Q t``, variance ``ce2 (s^2 + Q t^2)``
    (Factory Physics sec. 9.4, as in :mod:`engine.lotsizing`).
    """
    run, setup = model["run"][rows], model["setup"][rows]
    ce2 = model["ce2"][model["row_center"][rows]]
    return setup + lot * run, ce2 * (setup**2 + lot * run**2)


def _workcenter_loads(model, lead_time_service, ca2):
    """Load, lots and load-based lead times per workcenter."""
    values = model["values"]
    rows, share = model["carry_rows"], model["carry_share"]
    item = model["row_item"][rows]
    lot = model["lot_size"][item]
    sized = np.isfinite(lot) & (lot > 0)
    rows, share, item, lot = rows[sized], share[sized], item[sized], lot[sized]
    center = model["row_center"][rows]
    demand = values["demand_mean"][item] * share
    lots = demand / lot
    lot_time, lot_variance = _lot_time(model, rows, lot)
    load = lots * lot_time
    n_centers = len(model["capacity"])
    load_hours = np.bincount(center, weights=load, minlength=n_centers)
    lots_per_period = np.bincount(center, weights=lots, minlength=n_centers)
    second_moment = np.bincount(
        center, weights=lots * (lot_time**2 + lot_variance), minlength=n_centers
    )
    # Clock hours one server needs per hour of work (availability below 100 %).
    with np.errstate(divide="ignore", invalid="ignore"):
        clock = model["servers"] * model["period_hours"] / model["capacity"]
        mean_time = load_hours / lots_per_period
        # SCV of the mixture of lots (variance between items included).
        mix_scv = np.maximum(second_moment / lots_per_period / mean_time**2 - 1, 0)
    busy = lots_per_period > 0
    # The lots' arrival SCV, the rule lot sizing prices (engine.lotsizing).
    with np.errstate(divide="ignore", invalid="ignore"):
        used = np.nan_to_num(load_hours / model["capacity"])
    arrival_scv = queueing.merged_arrival_scv(
        lots,
        queueing.batch_arrival_scv(ca2, lot, share),
        used,
        station=center,
        n_stations=n_centers,
    )
    frame = pd.DataFrame(
        {
            "load_hours": load_hours,
            "capacity_hours": model["capacity"],
            "servers": model["servers"],
            "lots_per_period": lots_per_period,
            "te": np.where(busy, mean_time * clock, clock),
            "ca2": arrival_scv,
            "ce2": np.where(busy, mix_scv, model["ce2"]),
        },
        index=model["names"],
    )
    model["clock"] = clock
    model["lot_scv"] = frame["ce2"].to_numpy()
    model["row_load"] = (rows, center, load, lots)
    return leadtime.workcenter_lead_times(frame, service=lead_time_service)


def _route_lead_times(model, centers):
    """Route lead time per item over the workcenter with the largest share.

    Mean and standard deviation; the quantile column stays NaN until the plan
    is chosen (:func:`_lead_time_quantiles`).
    """
    n = len(model["items"])
    rows, share = model["carry_rows"], model["carry_share"]
    operation = model["operation"][rows]
    order = np.lexsort((-share, operation))
    first = np.ones(order.size, dtype=bool)
    first[1:] = operation[order][1:] != operation[order][:-1]
    rows = rows[order[first]]
    item = model["row_item"][rows]
    lot = model["lot_size"][item]
    keep = np.isfinite(lot)
    rows, item, lot = rows[keep], item[keep], lot[keep]
    center = model["row_center"][rows]
    lot_time, lot_variance = _lot_time(model, rows, lot)
    with np.errstate(divide="ignore", invalid="ignore"):
        scv = np.where(lot_time > 0, lot_variance / lot_time**2, 0.0)
    routes = pd.DataFrame(
        {
            "product": item,
            "workcenter": center,
            "process_time": lot_time * model["clock"][center],
            "process_scv": scv,
        }
    )
    queues = centers[["queue_time", "queue_time_var"]].reset_index(drop=True)
    result = leadtime.route_lead_time(routes, queues, service=None)
    lead = pd.DataFrame(np.nan, index=np.arange(n), columns=result.columns)
    lead.loc[result.index] = result.to_numpy()
    model["reasons"].flag(
        ~np.isfinite(lead["mean"].to_numpy()), "route through an overloaded workcenter"
    )
    return lead


def _lead_time_quantiles(lead, service):
    """The ``service`` quantile of the chosen plan's route lead times."""
    known = np.isfinite(lead["mean"].to_numpy()) & np.isfinite(lead["std"].to_numpy())
    quantile = np.full(len(lead), np.nan)
    quantile[known] = leadtime.gamma_quantile(
        lead["mean"].to_numpy()[known], lead["std"].to_numpy()[known], service
    )
    return lead.assign(quantile=quantile)


def _service_policy(stock, q, service, service_mode, service_floor, start=None):
    """Reorder points of one service rule; the plan and its frontiers share it.

    ``stock`` holds per item ``theta``, ``sigma``, ``model`` (demand model),
    ``unit_cost``, ``demand`` and ``own`` (the item's own fill-rate target, NaN
    for none). ``'item'``: every item reaches ``max(service, floor)`` or its own
    target. ``'aggregate'``: least investment for a demand-weighted fill rate
    of ``service`` with every item at or above ``service_floor`` and items with
    their own target kept there (:func:`engine.inventory.optimal_reorder_points`
    on the normal approximation; discrete items then take the smallest whole
    reorder point reaching the fill rate it gave them, and the plant target is
    raised by any shortfall of the exact discrete fill rates, a few rounds).

    ``start`` optionally guesses the reorder points (those of a nearby plan):
    it only speeds up the discrete searches.

    Returns ``(r, floor)``: reorder points and the per-item guaranteed fill rate.
    """
    theta, sigma, model = stock["theta"], stock["sigma"], stock["model"]
    own = stock["own"]
    pinned = (own > 0) & (own < 1)
    if service_mode == "item":
        target = np.where(pinned, own, max(service, service_floor))
        r = inventory.reorder_point_for_fill_rate(
            q, theta, sigma, target, model, start=start
        )
        return r, target
    floor = np.where(pinned, own, service_floor)
    fixed = np.where(pinned, own, np.nan)
    demand, cost = stock["demand"], stock["unit_cost"]
    discrete = model != "normal"
    goal = service
    for _ in range(8):
        r_normal = inventory.optimal_reorder_points(
            q, theta, sigma, cost, demand, goal, min_fill=floor, fixed_fill=fixed
        )
        r = r_normal
        if not discrete.any():
            break
        given = inventory.fill_rate(
            q[discrete], r_normal[discrete], theta[discrete], sigma[discrete]
        )
        wanted = np.clip(np.maximum(given, floor[discrete]), 1e-9, 1.0 - 1e-12)
        wanted = np.where(pinned[discrete], own[discrete], wanted)
        r = r_normal.copy()
        r[discrete] = inventory.reorder_point_for_fill_rate(
            q[discrete],
            theta[discrete],
            sigma[discrete],
            wanted,
            model[discrete],
            start=None if start is None else start[discrete],
        )
        fill = inventory.fill_rate(q, r, theta, sigma, model)
        reached = float(np.dot(demand, fill) / demand.sum())
        if reached >= service - 1e-9:
            break
        goal = min(goal + (service - reached), 1.0 - 1e-9)
    return r, floor


def _lead_time_stock(model, lead, distribution):
    """Lead-time demand and its distribution per valid item."""
    values = model["values"]
    valid = np.flatnonzero(model["reasons"].ok)
    hours = model["period_hours"]
    lead_mean = lead["mean"].to_numpy()[valid] / hours
    lead_std = lead["std"].to_numpy()[valid] / hours
    demand, demand_std = values["demand_mean"][valid], values["demand_std"][valid]
    theta, sigma = inventory.lead_time_demand(demand, demand_std, lead_mean, lead_std)
    if distribution == "auto":
        kind, why = inventory.demand_model(
            demand,
            demand_std**2,
            model["zero_share"][valid],
            lead_mean,
            lead_std,
        )
    else:
        kind = np.full(valid.size, distribution, dtype=object)
        why = np.full(valid.size, "chosen", dtype=object)
    # A discrete model counts whole units: items kept fractional stay normal.
    fractional = ~model["whole_units"][valid] & (kind != "normal")
    kind = np.where(fractional, "normal", kind).astype(object)
    why = np.where(fractional, "fractional_units", why).astype(object)
    poisson = kind == "poisson"
    sigma = np.where(poisson, np.sqrt(theta), sigma)
    return valid, {
        "theta": theta,
        "sigma": sigma,
        "model": kind,
        "reason": why,
        "unit_cost": values["unit_cost"][valid],
        "demand": demand,
        "own": model["service"][valid],
    }


def _reorder_points(
    model, lead, service, service_mode, service_floor, distribution, previous=None
):
    """Lead-time demand, reorder points and the resulting stock per item.

    Items with a discrete demand model get whole reorder points (their lot
    sizes are whole already, see :func:`_lot_sizes`). ``previous``, the
    output of a nearby plan, starts the searches at its safety stocks scaled
    to the new lead-time demand.
    """
    n = len(model["items"])
    out = {
        name: np.full(n, np.nan)
        for name in (
            "lead_time_demand_mean",
            "lead_time_demand_std",
            "reorder_point",
            "fill_rate",
            "expected_inventory",
            "service_floor",
        )
    }
    out["demand_model"] = np.full(n, "", dtype=object)
    out["model_reason"] = np.full(n, "", dtype=object)
    valid, stock = _lead_time_stock(model, lead, distribution)
    if valid.size == 0:
        return out
    q = model["lot_size"][valid]
    start = None
    if previous is not None:
        # Safety stock r - theta scales with sigma (normal: at a fixed Q / sigma).
        with np.errstate(divide="ignore", invalid="ignore"):
            start = stock["theta"] + (
                previous["reorder_point"][valid]
                - previous["lead_time_demand_mean"][valid]
            ) * (stock["sigma"] / previous["lead_time_demand_std"][valid])
        start = np.where(np.isfinite(start), np.round(start), np.nan)
    r, floor = _service_policy(
        stock, q, service, service_mode, service_floor, start=start
    )
    theta, sigma, kind = stock["theta"], stock["sigma"], stock["model"]
    out["lead_time_demand_mean"][valid] = theta
    out["lead_time_demand_std"][valid] = sigma
    out["reorder_point"][valid] = r
    fill, _, on_hand, slope = inventory.policy_measures(
        q, r, theta, sigma, kind, slope=True
    )
    out["fill_rate"][valid] = fill
    out["expected_inventory"][valid] = on_hand
    # dI/dQ at constant fill rate: the joint step's price of a larger lot.
    out["lot_size_slope"] = np.full(n, np.nan)
    out["lot_size_slope"][valid] = slope
    out["service_floor"][valid] = floor
    out["demand_model"][valid] = kind
    out["model_reason"][valid] = stock["reason"]
    model["stock"] = (valid, stock)
    return out


def _plan_cost(model, lead, stock):
    """Setup plus holding cost of WIP and stock per period, feasible items.

    ``sum_i A_i D_i / Q_i + h_i (D_i CT_i / period_hours + I_i(Q, r))`` with
    ``h_i = unit_cost x holding_rate``: the objective the lot sizes and reorder
    points share (Factory Physics ch. 17, (Q, r) with a service constraint,
    plus the WIP of ch. 9's lot-size / cycle-time trade-off).
    """
    values = model["values"]
    ok = model["reasons"].ok
    holding = values["unit_cost"] * values["holding_rate"]
    demand = values["demand_mean"]
    with np.errstate(divide="ignore", invalid="ignore"):
        setups = values["setup_cost"] * demand / model["lot_size"]
    wip = demand / model["period_hours"] * lead["mean"].to_numpy()
    total = setups + holding * (wip + stock["expected_inventory"])
    return float(np.sum(total[ok]))


def _joint_costs(model, lead, stock):
    """Lot-size and lead-time prices of the stock the service rule needs.

    Linearises each item's on-hand stock ``I(Q, r_S)`` (``r_S`` keeping its
    fill rate ``S`` of the sequential plan) around that plan:

    - in the lot size, ``dI/dQ`` at constant ``S``
      (:func:`engine.inventory.lot_size_slope`): cycle stock less the safety
      stock a larger lot saves, the lot cost per unit of ``Q``;
    - in the lead time ``L``: the safety part ``H = I - Q / 2`` grows with the
      standard deviation of lead-time demand, ``dH/dsigma = (H - Q dH/dQ) /
      sigma`` (``H`` is homogeneous of degree one in ``(Q, sigma)`` for normal
      demand), and ``sigma^2 = L sD^2 + D^2 sL^2`` with ``sL`` proportional to
      ``L`` (Poisson: ``sigma^2 = D L``) gives ``dsigma/dL``.

    Returns per-hour ``lot_cost`` and ``lead_time_cost`` for all items (NaN
    outside the valid ones): ``h I'(Q)`` and ``h (D + dH/dsigma dsigma/dL)``
    per period hour, for :func:`engine.lotsizing.lot_sizes` (which adds the
    WIP and queue effects of the lot sizes on every item's lead time).
    """
    valid, data = model["stock"]
    values = model["values"]
    hours = model["period_hours"]
    q = model["lot_size"][valid]
    sigma, kind = data["sigma"], data["model"]
    slope = stock["lot_size_slope"][valid]
    # Where the slope is undefined the plain cycle stock (1/2) prices the lot.
    slope = np.where(np.isfinite(slope), slope, 0.5)
    safety = stock["expected_inventory"][valid] - 0.5 * q
    demand = values["demand_mean"][valid]
    lead_mean = lead["mean"].to_numpy()[valid] / hours
    lead_std = lead["std"].to_numpy()[valid] / hours
    with np.errstate(divide="ignore", invalid="ignore"):
        per_sigma = np.maximum((safety - q * (slope - 0.5)) / sigma, 0.0)
        spread = np.where(
            kind == "poisson",
            demand,
            values["demand_std"][valid] ** 2 + 2 * demand**2 * lead_std**2 / lead_mean,
        )
        per_lead = per_sigma * spread / (2.0 * sigma)
    per_lead = np.where(np.isfinite(per_lead), per_lead, 0.0)
    holding = (values["unit_cost"] * values["holding_rate"])[valid] / hours
    n = len(model["items"])
    lot_cost = np.full(n, np.nan)
    lead_time_cost = np.full(n, np.nan)
    # A falling stock still leaves the lot a small positive price.
    lot_cost[valid] = holding * np.maximum(slope, 0.05)
    lead_time_cost[valid] = holding * (demand + per_lead) / hours
    return {"lot_cost": lot_cost, "lead_time_cost": lead_time_cost}


def _try_joint(
    model,
    plan,
    *,
    level,
    service_mode,
    floor,
    distribution,
    lead_time_service,
    ca2,
    max_u,
    min_lot,
    max_lot,
):
    """The joint plan if it costs no more than the sequential one, else that.

    ``plan`` is ``(centers, lead, stock, cost)`` of the sequential plan; the
    keywords are the lot-sizing, service and lead-time settings of
    :func:`optimize_plant`, by name (the steps they feed). The capacitated
    lot sizes are solved again with the stock the service rule needs priced in
    (:func:`_joint_costs`: safety stock falls with longer lots, rises with
    longer lead times, and lot sizing sees how every lot moves every queue);
    the same lead-time and reorder-point steps follow. The joint plan is
    rejected if it drops more items (a route newly overloaded) or costs more.
    """
    costs = _joint_costs(model, plan[1], plan[2])
    keys = ("lot_size", "stock", "clock", "lot_scv", "row_load")
    saved = {key: model[key] for key in keys}
    reasons = model["reasons"].text.copy()
    _lot_sizes(model, max_u, ca2, min_lot, max_lot, costs=costs)
    if np.array_equal(model["lot_size"], saved["lot_size"], equal_nan=True):
        model.update(saved)
        return plan
    centers = _workcenter_loads(model, lead_time_service, ca2)
    lead = _route_lead_times(model, centers)
    stock = _reorder_points(
        model, lead, level, service_mode, floor, distribution, previous=plan[2]
    )
    cost = _plan_cost(model, lead, stock)
    if np.array_equal(model["reasons"].text, reasons) and cost <= plan[3]:
        return centers, lead, stock, cost
    model.update(saved)
    model["reasons"].text = reasons
    return plan


def _item_flows(model, flows):
    """Flow of each item: the ``flow`` column, else the flow where its
    operations (first workcenter of each) spend the most hours
    (:func:`.flowline.assign_flow`, the rule Odoo assigns orders with)."""
    items = model["items"]
    if "flow" in items.columns:
        return items["flow"].astype(object).where(items["flow"].notna(), None)
    flow_of = flows.drop_duplicates("workcenter").set_index("workcenter")["flow"]
    routing = model["routing"]
    rows = pd.DataFrame(
        {
            "item": model["row_item"],
            "step": pd.to_numeric(routing["operation"], errors="coerce"),
            "workcenter": routing["workcenter"].astype(str),
            "hours": _numbers(routing, "setup_hours") + _numbers(routing, "run_hours"),
        }
    ).drop_duplicates(["item", "step"])
    chosen = flowline.assign_flow(
        rows["item"].to_numpy(),
        rows["workcenter"].map(flow_of).to_numpy(dtype=object),
        np.nan_to_num(rows["hours"].to_numpy(dtype=float).clip(min=0.0)),
    )
    flow = pd.Series(None, index=np.arange(len(items)), dtype=object)
    flow[chosen.index.to_numpy(dtype=int)] = chosen.to_numpy(dtype=object)
    return flow.where(flow.notna(), None)


def _flow_membership(model, flows, codes):
    """Loop order of each flow's workcenters and a flow x workcenter mask."""
    order = flows.assign(_row=np.arange(len(flows)))
    if "position" in flows.columns:
        order = order.sort_values(["flow", "position", "_row"], kind="stable")
    names = model["names"]
    flow_code = codes.get_indexer(order["flow"].astype(str))
    center = names.get_indexer(order["workcenter"].astype(str))
    known = (flow_code >= 0) & (center >= 0)
    member = np.zeros((len(codes), len(names)), dtype=bool)
    member[flow_code[known], center[known]] = True
    return order, member


def _loop_types(member, utilization, threshold):
    """'bottleneck' for a flow holding the plant's most utilised workcenter or
    one at or above ``threshold``, else 'non_bottleneck'."""
    busy = np.nan_to_num(np.asarray(utilization, dtype=float), nan=0.0)
    top = busy.max() if busy.size else 0.0
    hot = (busy >= top - 1e-9) | (busy >= threshold)
    return np.where((member & hot[None, :]).any(axis=1), "bottleneck", "non_bottleneck")


def _conwip_caps(
    model,
    item_flow,
    flows,
    cap_utilization,
    stock_units,
    utilization,
    bottleneck_utilization,
    max_wip_points=60,
):
    """WIP cap and loop type per flow, from the flow model (:mod:`.flowline`).

    Each flow is a :class:`engine.flowline.FlowLine` of its loaded workcenters
    in loop order. One machine of station ``j`` needs ``te_j = m_j (L_fj / N_f)
    * period_hours / (capacity_j - load of other flows at j)`` clock hours per
    equivalent unit, a lot of the flow's average routing (``L_fj`` its hours at
    ``j`` per period, ``N_f`` its lots per period). Factory Physics'
    ``rb = min m_j / te_j``, ``T0 = sum te_j``, ``W0 = rb T0``.

    Cap rule (independent of order and setup costs):

    - ``min_cap_units``: the least WIP whose flow-model throughput reaches
      ``rate / cap_utilization`` (the virtual queue then is at most
      ``cap_utilization`` busy), and never below the largest single lot of the
      flow in equivalent units (else that lot could only enter alone). When
      ``rate / cap_utilization >= rb`` the target becomes ``(rate + rb) / 2``
      and the status 'tight' (make-up time will be needed often);
    - ``loop_type``: 'bottleneck' when the flow holds the plant's most utilised
      workcenter or one at or above ``bottleneck_utilization`` (its cap paces
      the plant, releases count WIP only), else 'non_bottleneck';
    - ``wip_cap``: ``min_cap_units`` for a bottleneck loop; a non-bottleneck
      loop's release rule counts WIP plus finished stock, so its cap adds
      ``finished_stock_units``, the expected on-hand stock of its items in
      equivalent units (rounded up).

    ``throughput_at_cap`` and ``cycle_time_at_cap`` are the line's at
    ``min_cap_units`` (the WIP it holds when the queue is not empty).
    """
    names = model["names"]
    codes = pd.Index(pd.unique(flows["flow"].astype(str)))
    order, member = _flow_membership(model, flows, codes)
    rows, center, load, _ = model["row_load"]
    item_code = codes.get_indexer(item_flow.astype(str).to_numpy())
    item_code[item_flow.isna().to_numpy()] = -1
    row_item = model["row_item"][rows]
    flow_code = item_code[row_item]
    inside = flow_code >= 0
    n_centers = len(names)
    shape = (len(codes), n_centers)
    load_fc = np.bincount(
        flow_code[inside] * n_centers + center[inside],
        weights=load[inside],
        minlength=shape[0] * shape[1],
    ).reshape(shape)
    # Lots of an item enter its flow once, whatever the length of its route.
    with np.errstate(divide="ignore", invalid="ignore"):
        item_lots = model["values"]["demand_mean"] / model["lot_size"]
    counted = (item_code >= 0) & model["reasons"].ok & np.isfinite(item_lots)
    lots_f = np.bincount(
        item_code[counted], weights=item_lots[counted], minlength=shape[0]
    )
    # Equivalent units of one lot of each item: its hours at its flow's
    # workcenters over the hours of the flow's average lot.
    on_loop = inside.copy()
    on_loop[inside] = member[flow_code[inside], center[inside]]
    item_hours = np.bincount(
        row_item[on_loop], weights=load[on_loop], minlength=len(item_code)
    )
    flow_hours = (load_fc * member).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        standard = flow_hours / lots_f
        lot_units = item_hours / item_lots / standard[item_code]
    lot_units = np.where(counted & np.isfinite(lot_units), lot_units, 0.0)
    largest = np.zeros(shape[0])
    np.maximum.at(largest, item_code[counted], lot_units[counted])
    with np.errstate(divide="ignore", invalid="ignore"):
        stock = np.asarray(stock_units, dtype=float) * lot_units / model["lot_size"]
    stock = np.where(counted & np.isfinite(stock), stock, 0.0)
    finished = np.bincount(
        item_code[counted], weights=stock[counted], minlength=shape[0]
    )
    loop_type = _loop_types(member, utilization, bottleneck_utilization)
    total = load_fc.sum(axis=0)
    hours = model["period_hours"]
    records, curves, stations = [], [], []
    for f, flow in enumerate(codes):
        listed = order.loc[order["flow"].astype(str) == flow, "workcenter"]
        members = names.get_indexer(listed.astype(str))
        members = pd.unique(members[members >= 0])
        members = members[load_fc[f, members] > 0]
        record = {
            "flow": flow,
            "stations": int(members.size),
            "loop_type": loop_type[f],
            "status": "ok",
        }
        if members.size == 0 or lots_f[f] <= 0:
            records.append({**record, "status": "no_load"})
            continue
        available = model["capacity"][members] - (total[members] - load_fc[f, members])
        target = lots_f[f] / hours
        if np.any(available <= 0):
            records.append(
                {**record, "target_throughput": target, "status": "overloaded"}
            )
            continue
        machines = model["servers"][members]
        te = machines * load_fc[f, members] / lots_f[f] * hours / available
        line = flowline.FlowLine(te, machines, model["lot_scv"][members])
        rb, t0 = line.bottleneck_rate, line.raw_process_time
        record.update(
            target_throughput=target,
            bottleneck_rate=rb,
            raw_process_time=t0,
            critical_wip=line.critical_wip,
            largest_order_units=largest[f],
            finished_stock_units=finished[f],
        )
        if target >= rb:
            records.append({**record, "status": "overloaded"})
            continue
        margin = cap_utilization
        if target / cap_utilization >= rb:
            margin = target / (0.5 * (target + rb))
            record["status"] = "tight"
        min_cap = line.min_cap(target, margin, largest[f])
        extra = np.ceil(finished[f] - 1e-9) if loop_type[f] == "non_bottleneck" else 0
        throughput, cycle = line.throughput(min_cap)
        record.update(
            min_cap_units=min_cap,
            wip_cap=int(min_cap + extra),
            throughput_at_cap=float(throughput),
            cycle_time_at_cap=float(cycle),
        )
        records.append(record)
        stations.append(
            pd.DataFrame(
                {
                    "flow": flow,
                    "workcenter": names[members],
                    "te": line.clock_te,
                    "servers": line.servers,
                    "ce2": line.ce2,
                }
            )
        )
        w_max = int(max(2 * min_cap, np.ceil(3 * rb * t0), 4))
        step = max(1, w_max // max_wip_points)
        curves.append(line.curve(w_max).iloc[::step].assign(flow=flow))
    columns = [
        "flow",
        "stations",
        "loop_type",
        "target_throughput",
        "bottleneck_rate",
        "raw_process_time",
        "critical_wip",
        "largest_order_units",
        "min_cap_units",
        "finished_stock_units",
        "wip_cap",
        "throughput_at_cap",
        "cycle_time_at_cap",
        "status",
    ]
    table = pd.DataFrame(records).reindex(columns=columns).set_index("flow")
    table["wip_cap"] = table["wip_cap"].astype("Int64")
    table["min_cap_units"] = table["min_cap_units"].astype("Int64")
    curve_columns = ["flow", "w", "throughput", "cycle_time"]
    curve_frame = (
        pd.concat(curves, ignore_index=True)[curve_columns]
        if curves
        else pd.DataFrame(columns=curve_columns)
    )
    station_columns = ["flow", "workcenter", "te", "servers", "ce2"]
    station_frame = (
        pd.concat(stations, ignore_index=True)
        if stations
        else pd.DataFrame(columns=station_columns)
    )
    return table, curve_frame, station_frame


def optimize_plant(
    plant,
    service=0.95,
    max_utilization=0.85,
    *,
    service_mode="item",
    lead_time_service=0.9,
    ca2=1.0,
    min_lot=1.0,
    max_lot=None,
    cap_utilization=0.95,
    bottleneck_utilization=0.85,
    service_floor=0.0,
    distribution="auto",
    joint=True,
):
    """Optimise lot sizes, lead times, reorder points and WIP caps of a plant.

    Steps (module docstring): assignment -> capacitated lot sizes -> workcenter
    and route lead times -> lead-time demand and reorder points -> joint (Q, r)
    -> CONWIP caps.

    Parameters
    ----------
    plant : Plant
        The plant (columns documented on :class:`Plant`).
    service : float, default 0.95
        Fill-rate target in (0, 1): per item (``service_mode='item'``) or
        demand-weighted over all items at least inventory investment
        (``'aggregate'``). An item's own target (column ``service_target``, or
        ``service``) always wins, in both modes.
    max_utilization : float, default 0.85
        Utilisation no workcenter may exceed because of setups, in (0, 1).
    service_mode : {'item', 'aggregate'}
        See ``service``.
    lead_time_service : float, default 0.9
        Probability for the planned lead-time quantile.
    ca2 : float, default 1.0
        SCV of the interarrival times of each item's demands (1: Poisson).
        An item's lots of ``Q`` units reach a workcenter with SCV ``ca2 / Q``
        (Factory Physics sec. 9.4; thinned by the routing share where an
        operation is split), and a workcenter merges the streams of its items
        by Whitt's superposition (:mod:`engine.queueing`): lot sizing and the
        reported lead times use this one rule.
    min_lot, max_lot : float, optional
        Bounds on lot sizes (units).
    cap_utilization : float, default 0.95
        Planned utilisation of each flow's virtual queue: the CONWIP line at
        its cap must reach the flow's rate divided by this.
    bottleneck_utilization : float, default 0.85
        A flow holding a workcenter this utilised (or the plant's most
        utilised one) is a bottleneck loop (see :func:`_conwip_caps`).
    service_floor : float, default 0.0
        Fill rate in [0, 1) that every item without its own target reaches
        whatever the mode: in ``'aggregate'`` mode it stops the optimiser from
        starving cheap items to carry the average.
    distribution : {'auto', 'normal', 'poisson'}, default 'auto'
        Lead-time demand model: ``'auto'`` picks normal, Poisson or negative
        binomial per item (:func:`engine.inventory.demand_model`, from
        ``demand_mean``, ``demand_std`` and the optional ``zero_share``
        column); ``'normal'`` is the all-normal model of earlier versions.
    joint : bool, default True
        Optimise lot sizes and reorder points together: after the sequential
        plan (capacitated lot sizes, then reorder points for the service
        rule), the lot sizes are solved again with the stock that rule needs
        priced in (:func:`_joint_costs`: the safety stock a longer lot saves
        and the safety stock a longer lead time costs, through every queue it
        lengthens), under the same capacity ceiling; the lead times and
        reorder points follow, and the joint plan is kept only if its cost per
        period (``summary['cost_per_period']``: setups + holding of WIP and
        stock) is not above the sequential one
        (``summary['sequential_cost_per_period']``), so it is never worse.
        Service and capacity constraints hold either way. ``False`` returns
        the sequential plan.

    Returns
    -------
    PlantResult
        Items, workcenters, assignment shares, flows with WIP caps, throughput
        curves, plant summary and phase timings.

    Raises
    ------
    ValueError
        For a malformed plant (missing columns, duplicate keys) or bad
        parameters; never for one bad item (it gets a ``reason``).

    References
    ----------
    Hopp and Spearman, *Factory Physics*, 3rd ed., ch. 15-17 (capacitated lot
    sizing, planned lead times, (Q, r) efficient frontier, CONWIP cap setting).
    """
    level = float(probability("service", service))
    max_u = float(utilization("max_utilization", max_utilization))
    probability("lead_time_service", lead_time_service)
    probability("cap_utilization", cap_utilization)
    probability("bottleneck_utilization", bottleneck_utilization)
    floor = float(probability("service_floor", service_floor, open_interval=False))
    if floor >= 1:
        raise ValueError(f"service_floor must be below 1, got {floor!r}")
    if distribution not in ("auto", "normal", "poisson"):
        raise ValueError(
            f"distribution must be 'auto', 'normal' or 'poisson', got {distribution!r}"
        )
    if service_mode not in ("item", "aggregate"):
        raise ValueError(
            f"service_mode must be 'item' or 'aggregate', got {service_mode!r}"
        )
    timings = {}
    with _timed(timings, "prepare"):
        model = _prepare(plant)
    with _timed(timings, "assignment"):
        _assign(model, min_lot, max_u)
    with _timed(timings, "lot_sizing"):
        _lot_sizes(model, max_u, ca2, min_lot, max_lot)
    with _timed(timings, "lead_times"):
        centers = _workcenter_loads(model, lead_time_service, ca2)
        lead = _route_lead_times(model, centers)
    with _timed(timings, "reorder_points"):
        stock = _reorder_points(model, lead, level, service_mode, floor, distribution)
    cost = sequential_cost = _plan_cost(model, lead, stock)
    if joint and "stock" in model:
        with _timed(timings, "joint_lots"):
            centers, lead, stock, cost = _try_joint(
                model,
                (centers, lead, stock, cost),
                level=level,
                service_mode=service_mode,
                floor=floor,
                distribution=distribution,
                lead_time_service=lead_time_service,
                ca2=ca2,
                max_u=max_u,
                min_lot=min_lot,
                max_lot=max_lot,
            )

    with _timed(timings, "lead_times"):
        lead = _lead_time_quantiles(lead, lead_time_service)
    with _timed(timings, "conwip"):
        item_flow = _item_flows(model, plant.flows)
        flows, curves, stations = _conwip_caps(
            model,
            item_flow,
            plant.flows,
            cap_utilization,
            stock["expected_inventory"],
            centers["utilization"].to_numpy(),
            bottleneck_utilization,
        )
    with _timed(timings, "report"):
        items = _item_table(model, lead, stock, item_flow)
        result = PlantResult(
            items=items,
            workcenters=centers,
            assignment=_assignment_table(model),
            flows=flows,
            curves=curves,
            stations=stations,
            summary={
                **_summary(items, centers, flows),
                "cost_per_period": cost,
                "sequential_cost_per_period": sequential_cost,
            },
            timings=timings,
            policy={
                "service": level,
                "service_mode": service_mode,
                "service_floor": floor,
                "distribution": distribution,
            },
        )
    return result


def _item_table(model, lead, stock, item_flow):
    values, reasons = model["values"], model["reasons"]
    lot = np.where(reasons.ok, model["lot_size"], np.nan)
    demand = values["demand_mean"]
    with np.errstate(divide="ignore", invalid="ignore"):
        setups = demand / lot
    ok = reasons.ok
    lead_mean = np.where(ok, lead["mean"].to_numpy(), np.nan)
    on_hand = stock["expected_inventory"]
    daily = demand / model["period_days"]
    days = np.full(len(lot), np.nan)
    days[ok] = inventory.days_of_supply(on_hand[ok], daily[ok])
    table = pd.DataFrame(
        {
            "flow": item_flow.to_numpy(),
            "demand_mean": demand,
            "unit_cost": values["unit_cost"],
            "lot_size": lot,
            "setups_per_period": setups,
            "planned_lead_time": lead_mean,
            "planned_lead_time_std": np.where(ok, lead["std"].to_numpy(), np.nan),
            "planned_lead_time_quantile": np.where(
                ok, lead["quantile"].to_numpy(), np.nan
            ),
            "lead_time_demand_mean": stock["lead_time_demand_mean"],
            "lead_time_demand_std": stock["lead_time_demand_std"],
            "reorder_point": stock["reorder_point"],
            "safety_stock": stock["reorder_point"] - stock["lead_time_demand_mean"],
            "fill_rate": stock["fill_rate"],
            "service_floor": stock["service_floor"],
            "service_target": model["service"],
            "demand_model": stock["demand_model"],
            "model_reason": stock["model_reason"],
            "expected_inventory": on_hand,
            "inventory_investment": on_hand * values["unit_cost"],
            "days_of_supply": days,
            "wip_units": demand / model["period_hours"] * lead_mean,
            "feasible": ok,
            "reason": reasons.text,
        },
        index=model["skus"],
    )
    return table


def _assignment_table(model):
    rows = model["active"]
    routing = model["routing"]
    return pd.DataFrame(
        {
            "sku": routing["sku"].to_numpy()[rows],
            "operation": routing["operation"].to_numpy()[rows],
            "workcenter": routing["workcenter"].to_numpy()[rows],
            "share": model["share"],
        }
    )


def _summary(items, centers, flows):
    ok = items["feasible"].to_numpy()
    demand = items["demand_mean"].to_numpy()
    weights = demand[ok]
    fill = items["fill_rate"].to_numpy()[ok]
    return {
        "items": len(items),
        "feasible_items": int(ok.sum()),
        "infeasible_items": int((~ok).sum()),
        "inventory_investment": float(np.nansum(items["inventory_investment"])),
        "expected_inventory_units": float(np.nansum(items["expected_inventory"])),
        "expected_wip_units": float(np.nansum(items["wip_units"])),
        "wip_investment": float(np.nansum(items["wip_units"] * items["unit_cost"])),
        "setups_per_period": float(np.nansum(items["setups_per_period"])),
        "fill_rate": float(np.dot(weights, fill) / weights.sum())
        if weights.sum() > 0
        else float("nan"),
        "max_utilization": float(np.nanmax(centers["utilization"]))
        if centers["utilization"].notna().any()
        else float("nan"),
        "overloaded_workcenters": int((centers["status"] == "overloaded").sum()),
        "total_wip_cap": int(flows["wip_cap"].fillna(0).sum()),
    }


def _plan_stock(result):
    """The feasible items of a plan as the inputs of :func:`_service_policy`
    (plus ``plan_r``, the plan's reorder points)."""
    items = result.items[result.items["feasible"].to_numpy()]
    stock = {
        "theta": items["lead_time_demand_mean"].to_numpy(dtype=float),
        "sigma": items["lead_time_demand_std"].to_numpy(dtype=float),
        "model": items["demand_model"].to_numpy(dtype=object),
        "unit_cost": items["unit_cost"].to_numpy(dtype=float),
        "demand": items["demand_mean"].to_numpy(dtype=float),
        "own": items["service_target"].to_numpy(dtype=float),
        "plan_r": items["reorder_point"].to_numpy(dtype=float),
    }
    return items["lot_size"].to_numpy(dtype=float), stock


def _basis_label(policy):
    floor = policy["service_floor"]
    if policy["service_mode"] == "item":
        rule = "same fill rate for every item"
    else:
        rule = "least investment for the demand-weighted fill rate"
        if floor > 0:
            rule += f", every item >= {floor:.0%}"
    return f"{rule}; own item targets kept; plan's lot sizes and lead times"


def _policy_point(stock, q, service, policy):
    r, _ = _service_policy(
        stock, q, service, policy["service_mode"], policy["service_floor"]
    )
    fill, _, on_hand = inventory.policy_measures(
        q, r, stock["theta"], stock["sigma"], stock["model"]
    )
    return _point_totals(stock, fill, on_hand)


def _point_totals(stock, fill, on_hand):
    """Demand-weighted fill rate and inventory investment of a policy.

    Sums of products, not ``numpy.dot``: a threaded BLAS dot of 100,000 terms
    can cost milliseconds on a busy machine, and its rounding depends on the
    thread count.
    """
    demand = stock["demand"]
    return (
        float(np.sum(demand * fill) / demand.sum()),
        float(np.sum(stock["unit_cost"] * on_hand)),
    )


def _policy_points(stock, cases, plan, policy, downwards=False):
    """``_policy_point`` of each ``(q, service)`` case; ``cases[plan]`` is the plan.

    In ``'item'`` mode the cases are solved from the plan (its own reorder
    points start it), each from a neighbour
    (:class:`engine.inventory._PolicySweep`): the same points, a fraction of
    the work. The neighbour is the nearer to the plan, or with
    ``downwards`` (cases whose reorder points rise with the index) the one
    above: after the plan the last case, then down to the plan, then the
    cases below it. ``'aggregate'`` mode solves each case on its own.
    """
    if policy["service_mode"] != "item":
        return [_policy_point(stock, q, service, policy) for q, service in cases]
    own = stock["own"]
    pinned = (own > 0) & (own < 1)
    sweep = inventory._PolicySweep(stock["theta"], stock["sigma"], stock["model"])
    last = len(cases) - 1
    if downwards:
        order = [plan, *range(last, plan, -1), *range(plan - 1, -1, -1)]
        neighbour = {i: plan if i == last else i + 1 for i in order[1:]}
    else:
        order = [*range(plan, len(cases)), *range(plan - 1, -1, -1)]
        neighbour = {i: i - 1 if i > plan else i + 1 for i in order[1:]}
    solved = {}
    for index in order:
        q, service = cases[index]
        target = np.where(pinned, own, max(service, policy["service_floor"]))
        near = solved.get(neighbour.get(index))
        solved[index] = sweep.solve(q, target, near=near, start=stock["plan_r"])
    return [
        _point_totals(stock, solved[index]["fill"], solved[index]["on_hand"])
        for index in range(len(cases))
    ]


def service_frontier(result, targets=(0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99)):
    """Inventory investment against fill rate on the plan's own basis.

    Re-solves the reorder points of the plan's service rule
    (``result.policy``: mode, floor, the items' own targets, demand models)
    for every target, with the plan's lot sizes and lead-time demand, so the
    plan is a point of the curve: the curve always includes the plan's own
    target, at which it reproduces the plan's reorder points exactly. In
    ``'aggregate'`` mode this is the efficient frontier of Factory Physics
    (least investment for each weighted fill rate under the same floors); in
    ``'item'`` mode it is the curve of uniform item targets.

    Parameters
    ----------
    result : PlantResult
        Output of :func:`optimize_plant`.
    targets : sequence of float
        Fill-rate targets in (0, 1) (the plan's own is added).

    Returns
    -------
    pandas.DataFrame
        Ascending ``target``, ``fill_rate`` (demand-weighted, achieved),
        ``inventory_investment`` (money), ``is_plan`` (bool), ``basis`` (the
        constraints, as a label).

    References
    ----------
    Hopp & Spearman, *Factory Physics* 3rd ed., ch. 2 and 17
    (inventory-service efficient frontier).
    """
    policy = result.policy
    q, stock = _plan_stock(result)
    levels = np.unique(np.append(probability("targets", targets), policy["service"]))
    plan = int(np.flatnonzero(levels == policy["service"])[0])
    points = _policy_points(
        stock, [(q, float(target)) for target in levels], plan, policy, downwards=True
    )
    rows = [
        (float(target), fill, money, bool(target == policy["service"]))
        for target, (fill, money) in zip(levels, points, strict=True)
    ]
    frame = pd.DataFrame(
        rows, columns=["target", "fill_rate", "inventory_investment", "is_plan"]
    )
    return frame.assign(basis=_basis_label(policy))


def order_frequency_curve(
    result, factors=(0.25, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0, 2.8, 4.0)
):
    """Replenishment frequency against inventory investment, plan's basis.

    Factory Physics' trade-off of order frequency and inventory: every lot
    size of the plan is scaled by a common factor ``k`` (like a uniform change
    of the setup cost in the EOQ, ``Q ~ sqrt(A)``; whole units kept whole,
    at least 1), the reorder points are re-solved under the plan's service
    rule, and the curve gives orders per period ``sum_i D_i / Q_i`` against
    ``sum_i c_i I_i(Q, r)`` (cycle and safety stock). ``k = 1`` is the plan.
    Capacity is not re-checked: smaller lots spend more setup time.

    Parameters
    ----------
    result : PlantResult
        Output of :func:`optimize_plant`.
    factors : sequence of float
        Lot-size multipliers, > 0 (1 is added).

    Returns
    -------
    pandas.DataFrame
        Ascending ``factor``, ``orders_per_period``, ``fill_rate``,
        ``inventory_investment`` (money), ``is_plan``, ``basis``.

    References
    ----------
    Hopp & Spearman, *Factory Physics* 3rd ed., ch. 2 (EOQ trade-off curve of
    order frequency and inventory investment) and ch. 17 (inventory
    management, efficient frontiers).
    """
    policy = result.policy
    q, stock = _plan_stock(result)
    whole = q == np.round(q)
    scales = np.unique(np.append(positive("factors", factors), 1.0))
    lot_sizes = []
    for factor in scales:
        lots = q * factor
        lot_sizes.append(np.where(whole, np.maximum(np.round(lots), 1.0), lots))
    points = _policy_points(
        stock,
        [(lots, policy["service"]) for lots in lot_sizes],
        int(np.flatnonzero(scales == 1.0)[0]),
        policy,
    )
    rows = [
        (
            float(factor),
            float(np.sum(stock["demand"] / lots)),
            fill,
            money,
            bool(factor == 1.0),
        )
        for factor, lots, (fill, money) in zip(scales, lot_sizes, points, strict=True)
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "factor",
            "orders_per_period",
            "fill_rate",
            "inventory_investment",
            "is_plan",
        ],
    )
    return frame.assign(basis=_basis_label(policy))


def _flow_line(result, flow):
    """The :class:`.flowline.FlowLine` of an optimised flow (``result.stations``)."""
    line = result.stations[result.stations["flow"] == flow]
    return flowline.FlowLine(
        line["te"].to_numpy(dtype=float),
        line["servers"].to_numpy(dtype=int),
        line["ce2"].to_numpy(dtype=float),
    ), line["workcenter"]


def _flow_policy(result, flow, row, service):
    """Quote, push offset and make-up threshold of a flow, from its flow model.

    The quote is the ``service`` quantile of the flow model's lead time at the
    cap (virtual queue included, :meth:`.flowline.FlowLine.lead_time`); the
    make-up threshold the longest queue that quote still covers
    (:meth:`.flowline.FlowLine.makeup_threshold`); push's planned lead time is
    MRP's offset, the sum of the mean workcenter lead times.
    """
    line, centers = _flow_line(result, flow)
    rate, cap = float(row["target_throughput"]), int(row["min_cap_units"])
    quote = float(line.lead_time(rate, cap, service=service).quantile)
    threshold = int(line.makeup_threshold(quote, cap, service=service))
    planned = float(result.workcenters.loc[centers, "lead_time"].sum())
    return line, rate, cap, quote, threshold, planned


def simulate_flows(
    result,
    *,
    replications=8,
    n_orders=1000,
    warmup_orders=100,
    makeup_share=0.25,
    service=0.9,
    seed=0,
):
    """CONWIP versus push on the optimised flows, by simulation.

    For every flow with a WIP cap, simulates lots arriving at the flow's target
    rate through its stations (``PlantResult.stations``) and compares, on the
    same random numbers (:func:`engine.simulation.compare_policies`):

    - **CONWIP**: virtual queue and the optimised ``min_cap_units`` (the
      simulated line holds no finished stock);
    - **push**: release at due date minus a fixed planned lead time, the sum of
      the mean workcenter lead times of the flow (MRP's offset), no cap.

    The comparison is fair: both quote the same lead time, the ``service``
    quantile of the flow model's lead time at the cap (virtual queue included,
    :meth:`engine.flowline.FlowLine.lead_time`), and both get the same make-up
    time, ``makeup_share`` more capacity while more orders are in the flow
    than the cap plus the make-up threshold of that quote
    (:meth:`engine.flowline.FlowLine.makeup_threshold`).

    Parameters
    ----------
    result : PlantResult
        Output of :func:`optimize_plant`.
    replications, n_orders, warmup_orders : int
        Simulation effort per flow and policy.
    makeup_share : float
        Extra capacity during make-up time (0.25 = 25 %).
    service : float
        Quantile of the quoted lead time and of the make-up threshold.
    seed : int
        Root seed.

    Returns
    -------
    pandas.DataFrame
        :func:`engine.simulation.compare_policies` rows with the columns
        ``flow``, ``quoted_lead_time``, ``planned_lead_time`` (hours) and
        ``makeup_threshold`` (lots) added.

    References
    ----------
    Hopp and Spearman, *Factory Physics*, 3rd ed., ch. 10 (CONWIP versus
    push), ch. 14-15 (make-up time, quoting). M. L. Spearman and M. A. Zazanis,
    "Push and pull production systems: issues and comparisons", *Operations
    Research* 40 (1992), 521-532.
    """
    frames = []
    usable = result.flows[result.flows["status"].isin(["ok", "tight"])]
    for flow, row in usable.iterrows():
        line, rate, cap, quote, threshold, planned = _flow_policy(
            result, flow, row, service
        )
        frame = simulation.compare_policies(
            line.clock_te,
            line.ce2,
            line.servers,
            arrival_rate=rate,
            quoted_lead_time=quote,
            wip_cap=cap,
            planned_lead_time=planned,
            makeup_threshold=threshold,
            makeup_share=makeup_share,
            replications=replications,
            n_orders=n_orders,
            warmup_orders=warmup_orders,
            seed=seed,
        )
        frames.append(
            frame.assign(
                flow=flow,
                quoted_lead_time=quote,
                planned_lead_time=planned,
                makeup_threshold=threshold,
            )
        )
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


RISK_COLUMNS = (
    "wip_cap",
    "arrival_rate",
    "quoted_lead_time",
    "makeup_threshold",
    "analytic_throughput",
    "simulated_cap_throughput",
    "simulated_cap_throughput_half_width",
    "simulated_throughput",
    "simulated_throughput_half_width",
    "simulated_wip",
    "simulated_wip_half_width",
    "analytic_lead_time",
    "simulated_flow_time",
    "simulated_flow_time_half_width",
    "simulated_service",
    "simulated_service_half_width",
    "throughput_deviation",
    "lead_time_deviation",
    "flagged",
    "replications",
)


def risk_check(
    result,
    flows=None,
    *,
    replications=4,
    n_orders=1500,
    warmup_orders=150,
    cap_completions=3000,
    makeup_share=0.25,
    service=0.9,
    tolerance=0.15,
    max_flows=20,
    seed=0,
):
    """Check the proposed policy of each flow by simulation before it is shown.

    For each optimised flow (the first ``max_flows`` with a cap among ``flows``,
    in table order)
    the proposed policy, CONWIP at ``min_cap_units`` with a virtual queue and
    make-up time as in :func:`simulate_flows` (quote = the flow model's lead-time
    quantile, make-up ``makeup_share`` while more orders than cap + threshold
    are in the flow), is simulated for ``replications`` seeded replications of
    ``n_orders`` lots (:func:`engine.simulation.simulate_flow`), and the closed
    line at the cap for ``cap_completions`` completions
    (:func:`engine.simulation.simulate_closed_line`). Effort is fixed, so the
    time is bounded: about ``replications * n_orders * stations`` events per
    flow (0.1-0.5 s for a few stations).

    Deviations compare the flow model with the simulation:

    .. math::

        \\delta_{TH} = \\frac{TH_{sim}(w)}{TH(w)} - 1, \\qquad
        \\delta_{LT} = \\frac{E[FT_{sim}]}{E[LT]} - 1

    ``TH(w)`` the model's throughput at the cap, ``E[LT]`` its mean lead time
    (virtual queue plus line, :meth:`engine.flowline.FlowLine.lead_time`),
    ``E[FT_sim]`` the simulated mean flow time (arrival to done, make-up on);
    ``flagged`` when either exceeds ``tolerance`` in absolute value.

    Parameters
    ----------
    result : PlantResult
        Output of :func:`optimize_plant`.
    flows : sequence of str, optional
        Flows to check (keys of ``result.flows``); default all.
    replications, n_orders, warmup_orders : int
        Simulation effort per flow (replications >= 2 for the intervals).
    cap_completions : int
        Completions of the closed-line run at the cap.
    makeup_share : float
        Extra capacity during make-up time (0.25 = 25 %).
    service : float
        Quantile of the quote and of the make-up threshold.
    tolerance : float
        Relative deviation above which a flow is flagged (0.15 = 15 %).
    max_flows : int
        Flows checked at most (>= 0).
    seed : int
        Root seed; the same seed gives the same table.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``flow``: ``wip_cap`` (lots), ``arrival_rate`` (lots/h),
        ``quoted_lead_time`` (h), ``makeup_threshold`` (lots),
        ``analytic_throughput`` and ``simulated_cap_throughput`` (lots/h at the
        cap, closed line), ``simulated_throughput`` (lots/h, output of the
        flow), ``simulated_wip`` (lots in the line), ``analytic_lead_time`` and
        ``simulated_flow_time`` (h, mean), ``simulated_service`` (share on
        time), each simulated figure with its ``_half_width`` (95 % t
        interval), ``throughput_deviation`` and ``lead_time_deviation``
        (fractions), ``flagged`` (bool), ``replications``.

    Raises
    ------
    ValueError
        On a tolerance <= 0, fewer than two replications or a negative
        ``max_flows``.

    References
    ----------
    Hopp and Spearman, *Factory Physics*, 3rd ed., ch. 10 (CONWIP), ch. 14-15
    (make-up time, quoting). Law, *Simulation Modeling and Analysis*, 5th ed.,
    ch. 9 (replications, batch means, t intervals).
    """
    tolerance = float(positive("tolerance", tolerance))
    if int(max_flows) != max_flows or max_flows < 0:
        raise ValueError(f"max_flows must be a whole number >= 0, got {max_flows!r}")
    if int(replications) != replications or replications < 2:
        raise ValueError(
            f"replications must be a whole number >= 2, got {replications!r}"
        )
    table = result.flows
    chosen = np.ones(len(table), dtype=bool)
    if flows is not None:
        chosen = table.index.isin([str(flow) for flow in flows])
    usable = table[
        chosen & table["status"].isin(["ok", "tight"]) & table["min_cap_units"].notna()
    ].iloc[: int(max_flows)]
    records = []
    for number, (flow, row) in enumerate(usable.iterrows()):
        line, rate, cap, quote, threshold, _ = _flow_policy(result, flow, row, service)
        runs = pd.DataFrame(
            [
                simulation.simulate_flow(
                    line.clock_te,
                    line.ce2,
                    line.servers,
                    arrival_rate=rate,
                    quoted_lead_time=quote,
                    wip_cap=cap,
                    makeup_threshold=threshold,
                    makeup_share=makeup_share,
                    n_orders=n_orders,
                    warmup_orders=warmup_orders,
                    seed=child,
                )
                for child in np.random.SeedSequence([seed, number]).spawn(
                    int(replications)
                )
            ]
        )
        closed = simulation.simulate_closed_line(
            line.clock_te,
            cap,
            line.ce2,
            line.servers,
            n_completions=int(cap_completions),
            warmup_completions=max(int(cap_completions) // 10, cap),
            batches=10,
            seed=np.random.SeedSequence([seed, number, 1]),
        )
        analytic_throughput = float(line.throughput(cap)[0])
        analytic_lead = float(line.lead_time(rate, cap, service=service).mean)
        record = {
            "flow": flow,
            "wip_cap": cap,
            "arrival_rate": rate,
            "quoted_lead_time": quote,
            "makeup_threshold": threshold,
            "analytic_throughput": analytic_throughput,
            "simulated_cap_throughput": closed.throughput,
            "simulated_cap_throughput_half_width": closed.throughput_half_width,
            "analytic_lead_time": analytic_lead,
            "replications": int(replications),
        }
        for metric, name in (
            ("throughput", "simulated_throughput"),
            ("wip", "simulated_wip"),
            ("flow_time", "simulated_flow_time"),
            ("service", "simulated_service"),
        ):
            mean, half = simulation.confidence_interval(runs[metric])
            record[name], record[f"{name}_half_width"] = mean, half
        deviations = (
            closed.throughput / analytic_throughput - 1,
            record["simulated_flow_time"] / analytic_lead - 1,
        )
        record["throughput_deviation"], record["lead_time_deviation"] = deviations
        record["flagged"] = bool(max(abs(d) for d in deviations) > tolerance)
        records.append(record)
    return pd.DataFrame(records, columns=["flow", *RISK_COLUMNS]).set_index("flow")
