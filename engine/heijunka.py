"""Takt time, production quotas and levelled mixed-model sequences (heijunka).

Heijunka levels the mix and the volume of production so that every product is
made at a steady rate close to its share of demand. Three pieces:

- :func:`takt_time` -- the pace of demand, available time / demand;
- :func:`production_quota` -- integer quotas per period that add up exactly to
  the demand, proportional to the time available in each period;
- :func:`levelled_sequence` -- Toyota's goal-chasing mixed-model sequence
  (Monden), optionally with latest allowed slots (due dates) per unit;
  :func:`levelled_release_order` applies it to a CONWIP loop's virtual queue.

:func:`sequence_deviation` and :func:`product_rate_variation` measure how level a
sequence is (Miltenburg's product-rate-variation objective).

References
----------
Monden, Y. (2012). *Toyota Production System*, 4th ed., CRC Press, ch. 17
("Sequencing method for the mixed-model assembly line"), goal-chasing method.
Miltenburg, J. (1989). Level schedules for mixed-model assembly lines in
just-in-time production systems. *Management Science* 35(2), 192-207.
"""

from collections import defaultdict

import numpy as np

from ._validation import nonnegative, positive, scalar_or_array


def takt_time(available_time, demand):
    """Takt time: the time available per unit of demand.

    ``takt = available_time / demand``. Units: time per unit, in the unit of
    ``available_time``.

    Parameters
    ----------
    available_time : float or array_like
        Productive time in the period (>= 0), e.g. hours per shift.
    demand : float or array_like
        Units demanded in the same period (> 0).

    Returns
    -------
    float or numpy.ndarray
        Takt time; a Python float when both inputs are scalars.

    Raises
    ------
    ValueError
        If ``demand <= 0``, ``available_time < 0`` or either is NaN / infinite.

    References
    ----------
    Monden, *Toyota Production System*, ch. 1 and 11 (takt / cycle time).
    """
    available = nonnegative("available_time", available_time)
    units = positive("demand", demand)
    return scalar_or_array(available / units, available_time, demand)


def _whole_numbers(name, value):
    array = nonnegative(name, value)
    fractional = array != np.round(array)
    if fractional.any():
        raise ValueError(
            f"{name} must be whole numbers of units, got "
            f"{array[fractional][:3].tolist()}"
        )
    return np.round(array).astype(np.int64)


def production_quota(demand, available_time):
    """Integer production quota per period, proportional to available time.

    Each product's quota in period ``t`` is its share
    ``demand * available_time[t] / sum(available_time)`` rounded by the largest
    remainder method (Hamilton): every share is rounded down, then the units
    still missing go to the periods with the largest fractional parts (ties to
    the earlier period). Quotas are whole numbers, differ from the exact share by
    less than one unit, and add up exactly to the demand.

    Parameters
    ----------
    demand : int or array_like of int
        Total units to make over the horizon: a scalar for one product or a
        1-D array over products (whole numbers >= 0).
    available_time : array_like
        Productive time of each period (1-D, >= 0, positive sum), e.g. hours.

    Returns
    -------
    numpy.ndarray of int
        Shape ``(n_periods,)`` for a scalar demand, else
        ``(n_products, n_periods)``. Rows sum to ``demand``.

    Raises
    ------
    ValueError
        If demand is negative or fractional, an available time is negative, or
        no time is available at all.

    References
    ----------
    Monden, *Toyota Production System*, ch. 11 (daily levelling of the monthly
    production plan).
    """
    units = _whole_numbers("demand", demand)
    time = nonnegative("available_time", available_time)
    if time.ndim != 1 or time.size == 0:
        raise ValueError(
            f"available_time must be a non-empty 1-D array, got shape {time.shape}"
        )
    total_time = time.sum()
    if total_time <= 0:
        raise ValueError("available_time must have a positive sum, got 0")
    rows = np.atleast_1d(units)
    if rows.ndim != 1:
        raise ValueError(f"demand must be a scalar or 1-D, got shape {units.shape}")
    exact = rows[:, None] * (time / total_time)[None, :]
    quota = np.floor(exact).astype(np.int64)
    remainder = exact - quota
    missing = rows - quota.sum(axis=1)
    # Rank periods by decreasing remainder (stable: earlier period first on ties).
    order = np.argsort(-remainder, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(time.size)[None, :], axis=1)
    quota += rank < missing[:, None]
    return quota[0] if np.ndim(units) == 0 else quota


def cumulative_shortfall(demand, quota):
    """Units by which cumulative quotas fall behind cumulative demand.

    ``shortfall[t] = max(sum_{s<=t} demand[s] - sum_{s<=t} quota[s], 0)``: the
    units due by the end of period ``t`` that the levelled plan has not made by
    then. A level plan spreads output in proportion to available time, so it
    can lag demand that comes early in the horizon; the orders behind are late
    unless capacity is added or due dates move (Monden's condition that
    cumulative production keeps up with cumulative demand).

    Parameters
    ----------
    demand : array_like
        Units due in each period (1-D, >= 0).
    quota : array_like
        Units planned in each period (1-D, >= 0, same length).

    Returns
    -------
    numpy.ndarray
        Shortfall per period, in units (>= 0).

    Raises
    ------
    ValueError
        If an input is negative, not finite, or the lengths differ.

    References
    ----------
    Monden, *Toyota Production System*, ch. 11 (levelling the production plan
    against the cumulative demand of the month).
    """
    due = np.atleast_1d(nonnegative("demand", demand))
    planned = np.atleast_1d(nonnegative("quota", quota))
    if due.ndim != 1 or due.shape != planned.shape:
        raise ValueError(
            f"demand and quota must be 1-D arrays of the same length, got shapes "
            f"{due.shape} and {planned.shape}"
        )
    return np.clip(np.cumsum(due) - np.cumsum(planned), 0.0, None)


def _latest_slots(latest_position, quantities, total):
    """Table of latest slots: row = product, column = its i-th unit (sorted)."""
    if len(latest_position) != quantities.size:
        raise ValueError(
            f"latest_position must have one entry per product "
            f"({quantities.size}), got {len(latest_position)}"
        )
    slots = []
    for product, (positions, quantity) in enumerate(
        zip(latest_position, quantities, strict=True)
    ):
        listed = np.zeros(0) if positions is None else np.atleast_1d(positions)
        listed = _whole_numbers(f"latest_position[{product}]", listed)
        if listed.ndim != 1 or listed.size > quantity:
            raise ValueError(
                f"latest_position[{product}] lists {listed.size} positions but "
                f"product {product} has only {quantity} units"
            )
        padded = np.full(quantity, total - 1, dtype=np.int64)
        padded[: listed.size] = np.minimum(listed, total - 1)
        slots.append(np.sort(padded))
    # One row per product; a sentinel ``total`` (never due) past its last unit.
    table = np.full((quantities.size, int(quantities.max()) + 1), total, np.int64)
    for product, product_slots in enumerate(slots):
        table[product, : product_slots.size] = product_slots
    return table


def levelled_sequence(quantities, latest_position=None):
    """Goal-chasing mixed-model sequence, optionally with due dates per unit.

    The sequence has ``Q = sum(quantities)`` slots. At slot ``k`` (1-based) it
    picks the product ``p`` that minimises Monden's goal-chasing distance

    ``D_k(p) = sum_j (k q_j / Q - X_j,k-1 - [j == p])**2``,

    where ``X_j,k-1`` counts product ``j`` in the first ``k-1`` slots. Expanding
    the square, this is the product whose cumulative output lags most behind its
    ideal ``k q_j / Q`` (largest ``k q_j / Q - X_j,k-1``); ties go to the lower
    product index. This is the goal-chasing method with one part per product
    (bill-of-material matrix = identity), Miltenburg's single-level heuristic.
    A product is only picked while it lags most, and the lags before a pick sum
    to one, so the largest lag is at least ``1/n``: no product ever runs more
    than ``1 - 1/n`` units ahead of its ideal output (``n`` products).

    Due dates. ``latest_position[j]`` lists latest allowed slots (0-based) for
    units of product ``j``: the ``i``-th smallest value applies to the ``i``-th
    unit of ``j`` made, as units of one product are interchangeable (so the
    order of the list does not matter). A list may be shorter than
    ``quantities[j]`` or ``None``: the remaining units are free. Positions at or
    beyond the last slot are free too. Goal chasing then only picks among units
    whose choice keeps every deadline reachable: if the units still due by some
    slot ``k'`` exactly fill the slots ``k..k'`` (earliest such ``k'``), the
    pick is restricted to products whose next unit is due by ``k'`` (Jackson's
    earliest-due-date rule as an override; in particular a unit due at the
    current slot is always taken first).

    Parameters
    ----------
    quantities : array_like of int
        Units of each product to sequence (1-D, whole numbers >= 0, positive
        sum).
    latest_position : sequence of (array_like of int or None), optional
        One entry per product, as described above.

    Returns
    -------
    numpy.ndarray of int
        Product index of each slot, length ``Q``; product ``j`` appears exactly
        ``quantities[j]`` times.

    Raises
    ------
    ValueError
        For negative or fractional quantities, a zero total, malformed
        ``latest_position``, or infeasible due dates (more units due by slot
        ``k`` than the ``k + 1`` slots ``0..k``).

    References
    ----------
    Monden, *Toyota Production System*, ch. 17, goal-chasing method I.
    Miltenburg (1989), Management Science 35(2), 192-207.
    Jackson, J. R. (1955). Scheduling a production line to minimize maximum
    tardiness. Research Report 43, UCLA (earliest due date).
    """
    units = _whole_numbers("quantities", quantities)
    if units.ndim != 1:
        raise ValueError(f"quantities must be 1-D, got shape {units.shape}")
    total = int(units.sum())
    if total == 0:
        raise ValueError("quantities must contain at least one unit, got all 0")
    rate = units / total
    made = np.zeros(units.size, dtype=np.int64)
    sequence = np.empty(total, dtype=np.int64)

    slots = None
    if latest_position is not None:
        slots = _latest_slots(latest_position, units, total)
        pending = np.bincount(slots[slots < total], minlength=total)
        due_by = np.cumsum(pending)
        late = np.flatnonzero(due_by > np.arange(1, total + 1))
        if late.size:
            k = int(late[0])
            raise ValueError(
                f"latest_position is infeasible: {int(due_by[k])} units are due "
                f"by slot {k} but only {k + 1} slots precede it"
            )

    for k in range(total):
        lag = (k + 1) * rate - made
        allowed = made < units
        if slots is not None:
            # Slack of each horizon k' >= k: free slots minus units due by k'.
            slack = np.arange(1, total - k + 1) - np.cumsum(pending[k:])
            tight = np.flatnonzero(slack == 0)
            if tight.size:
                horizon = k + int(tight[0])
                next_due = slots[np.arange(units.size), made]
                allowed &= next_due <= horizon
        lag = np.where(allowed, lag, -np.inf)
        product = int(np.argmax(lag))
        sequence[k] = product
        if slots is not None:
            pending[slots[product, made[product]]] -= 1
        made[product] += 1
    return sequence


def _cumulative_counts(sequence, quantities):
    units = _whole_numbers("quantities", quantities)
    order = np.asarray(sequence)
    if order.ndim != 1 or order.size != units.sum():
        raise ValueError(
            f"sequence must be 1-D with sum(quantities) = {int(units.sum())} slots, "
            f"got shape {order.shape}"
        )
    if order.size and (order.min() < 0 or order.max() >= units.size):
        raise ValueError(f"sequence holds product indices outside 0..{units.size - 1}")
    counts = np.cumsum(np.eye(units.size, dtype=np.int64)[order], axis=0)
    ideal = np.arange(1, order.size + 1)[:, None] * (units / units.sum())[None, :]
    return counts, ideal


def sequence_deviation(sequence, quantities):
    """Largest gap between actual and ideal cumulative output of a sequence.

    ``max over k, j of |X_j,k - k q_j / Q|`` (units). A perfectly level sequence
    would have 0. Goal chasing never runs a product more than ``1 - 1/n`` units
    ahead of its ideal but may let one lag slightly more than a unit behind
    (e.g. quantities ``[2, 2, 2, 11, 2, 11]``: 1.03); Steiner and Yeomans give an
    algorithm that keeps every gap below one unit.

    Parameters
    ----------
    sequence : array_like of int
        Product index per slot.
    quantities : array_like of int
        Units per product (the sequence must contain each product that often).

    Returns
    -------
    float
        The maximum absolute deviation, in units.

    References
    ----------
    Steiner, G. and Yeomans, J. S. (1993). Level schedules for mixed-model,
    just-in-time processes. *Management Science* 39(6), 728-735.
    """
    counts, ideal = _cumulative_counts(sequence, quantities)
    return float(np.abs(counts - ideal).max())


def product_rate_variation(sequence, quantities):
    """Miltenburg's product-rate-variation objective of a sequence.

    ``PRV = sum_k sum_j (X_j,k - k q_j / Q)**2`` over all slots and products
    (units squared); lower is more level.

    Parameters
    ----------
    sequence : array_like of int
        Product index per slot.
    quantities : array_like of int
        Units per product.

    Returns
    -------
    float
        The objective value.

    References
    ----------
    Miltenburg (1989), Management Science 35(2), 192-207, problem (P1).
    """
    counts, ideal = _cumulative_counts(sequence, quantities)
    return float(((counts - ideal) ** 2).sum())


def levelled_release_order(queued, in_process, now):
    """Order in which a levelled release walks a CONWIP loop's virtual queue.

    One order counts as one unit of its product. The goal-chasing sequence
    (:func:`levelled_sequence`) runs over
    in-process + queued orders per product; the in-process ones are due in the
    first slots, so the chase continues from the loop's content instead of
    restarting at every release run. Queued orders whose latest start has come
    are due right after them, in order of latest start: they are released
    first. Within a product, orders keep that urgency, then queue, order. Ties
    between products go to the one first in the queue.

    Parameters
    ----------
    queued : sequence of tuple
        ``(order_id, units, product_id, latest_start)`` of the queued orders in
        queue order; ``latest_start`` (any type comparable with ``now``, e.g. a
        datetime) is the deadline minus the order's scheduled duration, or None.
    in_process : mapping
        ``{product_id: count}`` of released orders of the loop not yet done.
    now : comparable
        Current time, in the unit of ``latest_start``.

    Returns
    -------
    list of tuple
        ``[(order_id, units)]`` in release order.

    References
    ----------
    Monden, *Toyota Production System*, ch. 17 (goal chasing); Jackson (1955)
    (earliest due date), as in :func:`levelled_sequence`.
    """
    urgent = sorted(
        (row for row in queued if row[3] is not None and row[3] <= now),
        key=lambda row: row[3],
    )
    urgent_rank = {row[0]: rank for rank, row in enumerate(urgent)}
    by_product = defaultdict(list)
    for row in sorted(queued, key=lambda row: urgent_rank.get(row[0], len(queued))):
        by_product[row[2]].append(row)
    products = list(dict.fromkeys([row[2] for row in queued] + sorted(in_process)))
    prefix = sum(in_process.values())
    quantities = [in_process.get(pid, 0) + len(by_product[pid]) for pid in products]
    # in-process orders are due by the last slot of the prefix, urgent ones after
    latest = [
        [prefix - 1] * in_process.get(pid, 0)
        + [
            prefix + urgent_rank[row[0]]
            for row in by_product[pid]
            if row[0] in urgent_rank
        ]
        for pid in products
    ]
    sequence = levelled_sequence(quantities, latest_position=latest)
    made = defaultdict(int)
    order = []
    for index in sequence:
        product_id = products[int(index)]
        position = made[product_id] - in_process.get(product_id, 0)
        made[product_id] += 1
        if position >= 0:
            production_id, units = by_product[product_id][position][:2]
            order.append((production_id, units))
    return order
