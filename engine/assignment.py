"""Assignment of item demand to alternative resources, min-max utilisation.

Item ``i`` needs ``D_i`` units; resource ``j`` may make it at ``p_ij`` hours per
unit (or not at all) and offers ``c_j`` hours. Shares ``x_ij >= 0`` with
``sum_j x_ij = 1`` split each item's demand over its allowed resources. The
linear program

    minimise U  subject to  sum_j x_ij = 1,  sum_i D_i p_ij x_ij <= c_j U

finds the split whose busiest resource is least busy: the bottleneck
utilisation ``U`` is as low as alternative routings allow. An optional second
LP keeps ``U`` and lowers the sum of the utilisations, so that resources off
the bottleneck are not loaded for nothing (the first LP is indifferent there).

Scale: items with a single allowed resource, or without demand, are assigned
outside the LP and enter the capacity rows as constants; only items with a
real choice become LP variables (HiGHS, sparse matrices).
"""

import numpy as np
from scipy import optimize, sparse

from ._validation import indices, nonnegative


def _solve(objective, bounds, a_ub, b_ub, a_eq, b_eq, what):
    result = optimize.linprog(
        objective,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=bounds,
        method="highs",
    )
    if result.status != 0:
        raise RuntimeError(f"HiGHS could not solve the {what} LP: {result.message}")
    # prices of the capacity rows (HiGHS' marginals are <= 0 for <= rows)
    return result.x, -np.asarray(result.ineqlin.marginals, dtype=float)


def minmax_utilization_sparse(
    item, resource, hours_per_unit, demand, capacity, n_items=None, balance=True
):
    """Min-max utilisation shares for routing given as COO rows.

    Parameters
    ----------
    item, resource : array_like of int
        One row per allowed (item, resource) pair: item index into ``demand``,
        resource index into ``capacity``.
    hours_per_unit : array_like
        Per row, hours per unit on that resource, >= 0; ``inf`` marks the pair
        as not allowed (share 0).
    demand : float or array_like
        Units per item, >= 0.
    capacity : array_like
        Hours available per resource, >= 0 (> 0 where an item with demand
        needs it).
    n_items : int, optional
        Number of items; default ``len(demand)`` (a scalar demand is then
        broadcast to ``n_items``).
    balance : bool, default True
        Solve a second LP that keeps the bottleneck utilisation and minimises
        the sum of utilisations (spare work goes where capacity is ample).

    Returns
    -------
    share : numpy.ndarray
        Per row, the share of the item's demand made there; every item's
        shares sum to 1 (an item without demand gets 1 on its fastest allowed
        resource).
    utilization : numpy.ndarray
        Per resource, load hours over capacity (0 for an unused resource).
    u_max : float
        Largest utilisation, the minimised bottleneck.

    Raises
    ------
    ValueError
        NaN or negative values, indices out of range, an item with demand and
        no allowed resource (its index is named), or no capacity at a resource
        that an item with demand may use.
    RuntimeError
        If HiGHS fails (it should not: the LP is always feasible).

    References
    ----------
    J. K. Lenstra, D. B. Shmoys and E. Tardos, "Approximation algorithms for
    scheduling unrelated parallel machines", Mathematical Programming 46
    (1990), 259-271: this LP is their fractional relaxation of R||Cmax, with
    machine capacities.
    """
    capacity = nonnegative("capacity", capacity)
    if capacity.ndim != 1:
        raise ValueError(f"capacity must be one-dimensional, got {capacity.shape}")
    demand = nonnegative("demand", demand)
    if n_items is None:
        if demand.ndim != 1:
            raise ValueError(
                "demand must be one-dimensional when n_items is not given, got "
                f"shape {demand.shape}"
            )
        n_items = demand.size
    demand = np.broadcast_to(demand, (int(n_items),)).astype(float)
    n_res = capacity.size
    item = indices("item", item, n_items, "items")
    resource = indices("resource", resource, n_res, "resources, len(capacity)")
    hours = nonnegative("hours_per_unit", hours_per_unit, allow_inf=True)
    hours = np.broadcast_to(hours, item.shape).astype(float)
    if resource.size != item.size:
        raise ValueError(
            f"item and resource must have the same length, got {item.size} and "
            f"{resource.size}"
        )

    allowed = np.isfinite(hours)
    options = np.bincount(item[allowed], minlength=n_items)
    stranded = (demand > 0) & (options == 0)
    if stranded.any():
        bad = np.flatnonzero(stranded)
        raise ValueError(
            f"item(s) {bad[:5].tolist()} have demand but no allowed resource "
            f"(hours_per_unit all inf or no row)"
        )
    needs = allowed & (demand[item] > 0) & (hours > 0)
    starved = needs & (capacity[resource] <= 0)
    if starved.any():
        bad = np.unique(resource[starved])
        raise ValueError(
            f"capacity must be > 0 at resource(s) {bad[:5].tolist()}: items with "
            f"demand may use them"
        )

    share = np.zeros(item.size)
    # Fixed items: one option, or no demand (then the fastest option).
    flexible_item = (demand > 0) & (options > 1)
    fixed_rows = allowed & ~flexible_item[item]
    rows = np.flatnonzero(fixed_rows)
    if rows.size:
        order = rows[np.lexsort((hours[rows], item[rows]))]
        first = order[np.r_[True, item[order][1:] != item[order][:-1]]]
        share[first] = 1.0

    load = np.where(share > 0, demand[item] * np.where(allowed, hours, 0.0), 0.0)
    fixed_load = np.bincount(resource, load, minlength=n_res)
    safe_capacity = np.where(capacity > 0, capacity, 1.0)
    flexible_rows = np.flatnonzero(allowed & flexible_item[item])
    if flexible_rows.size:
        share[flexible_rows] = _flexible_shares(
            item[flexible_rows],
            resource[flexible_rows],
            demand[item[flexible_rows]] * hours[flexible_rows],
            fixed_load,
            safe_capacity,
            balance,
        )
    row_load = demand[item] * np.where(allowed, hours, 0.0) * share
    utilization = np.bincount(resource, row_load, minlength=n_res) / safe_capacity
    u_max = float(utilization.max(initial=0.0))
    return share, utilization, u_max


#: below this many flexible rows the LPs are solved whole
SIFT_MIN_ROWS = 5_000

#: relative gap of option costs under which an item is left to the LP
SIFT_MARGIN = 0.05

#: step of the quantised log cost ratios grouping items for the price guess
SIFT_STEP = 0.02


def _flexible_shares(item, resource, hours, fixed_load, capacity, balance):
    """LP over the rows of items with a choice; ``hours`` = D_i p_ij per row.

    Large problems are solved by sifting (a working set of columns, as in
    column generation): only items whose cheapest options, priced by the
    resources' dual prices, are close are LP variables; every other item sits
    on its cheapest option as fixed load. After each LP the fixed items are
    priced with its duals; those with a cheaper option join the working set
    and the LP is solved again, until none has. The result is an optimum of
    the whole LP (its reduced costs are all >= 0), at a fraction of the size:
    a vertex splits at most one item per resource, the rest is integral.
    """
    _, column_item = np.unique(item, return_inverse=True)
    coefficient = hours / capacity[resource]
    fixed_util = fixed_load / capacity
    problem = (column_item, resource, coefficient, fixed_util)
    if item.size < SIFT_MIN_ROWS:
        shares, u_max, _ = _stage_lp(problem, np.ones(item.size, dtype=bool), None)
        if balance:
            shares, _, _ = _stage_lp(problem, np.ones(item.size, dtype=bool), u_max)
        return _normalised(shares, column_item)
    prices, guess, balance_prices = _price_guess(problem)
    shares, u_max, free = _sift(problem, prices, None, None, guess)
    if balance:
        shares, _, _ = _sift(problem, balance_prices, u_max, (shares, free))
    return _normalised(shares, column_item)


def _normalised(shares, column_item):
    shares = np.clip(shares, 0.0, None)
    total = np.bincount(column_item, shares)
    return shares / total[column_item]


def _stage_lp(problem, free_rows, ceiling, start=None):
    """One LP over ``free_rows`` (all options of their items); the other items
    are fixed load at their row with share 1 in ``start``.

    Without ``ceiling``: minimise ``U`` s.t. ``sum a x + fixed <= U`` per
    resource. With it: keep ``U`` at ``ceiling`` (relative slack for HiGHS'
    tolerances) and minimise the sum of utilisations (spare work goes where it
    adds the least). Returns the shares of every row, ``U`` and the prices of
    the resources (dual values of the capacity rows, >= 0).
    """
    column_item, resource, coefficient, fixed_util = problem
    n_res = fixed_util.size
    shares = np.zeros(column_item.size) if start is None else start.copy()
    fixed = np.bincount(
        resource[~free_rows],
        (coefficient * shares)[~free_rows],
        minlength=n_res,
    )
    base = fixed_util + fixed
    rows = np.flatnonzero(free_rows)
    _, local_item = np.unique(column_item[rows], return_inverse=True)
    n_items = int(local_item.max()) + 1 if rows.size else 0
    n_rows = rows.size
    u_column = n_rows
    # Capacity rows of every resource, scaled by capacity:
    # sum (D p / c) x - U <= -base / c.
    a_ub = sparse.csr_matrix(
        (
            np.r_[coefficient[rows], -np.ones(n_res)],
            (
                np.r_[resource[rows], np.arange(n_res)],
                np.r_[np.arange(n_rows), np.full(n_res, u_column)],
            ),
        ),
        shape=(n_res, n_rows + 1),
    )
    a_eq = sparse.csr_matrix(
        (np.ones(n_rows), (local_item, np.arange(n_rows))),
        shape=(n_items, n_rows + 1),
    )
    bounds = [(0.0, None)] * n_rows
    if ceiling is None:
        objective = np.zeros(n_rows + 1)
        objective[u_column] = 1.0
        # U >= every utilisation through the rows (not a bound on U, whose
        # dual would hide the bottleneck's price)
        bounds.append((0.0, None))
        what = "min-max"
    else:
        objective = np.r_[coefficient[rows], 0.0]
        limit = ceiling * (1.0 + 1e-9) + 1e-12
        bounds.append((limit, limit))
        what = "balancing"
    solution, prices = _solve(
        objective, bounds, a_ub, -base, a_eq, np.ones(n_items), what
    )
    shares[rows] = solution[:n_rows]
    return shares, float(solution[u_column]), prices


def _cheapest(problem, prices):
    """Per item, its cheapest row at ``prices`` (ties: fewer hours, first row)
    and the cost gap to its next option (relative to the cheapest)."""
    column_item, resource, coefficient, _ = problem
    cost = prices[resource] * coefficient
    order = np.lexsort((coefficient, cost, column_item))
    starts = np.flatnonzero(np.r_[True, np.diff(column_item[order]) != 0])
    best = order[starts]
    best_cost = cost[best]
    second = np.full(best.size, np.inf)
    has_second = np.r_[starts[1:], order.size] - starts > 1
    second[has_second] = cost[order[starts[has_second] + 1]]
    return best, best_cost, second


def _close(best_cost, second, ceiling):
    """Items whose two cheapest options are within ``SIFT_MARGIN``; in the
    min-max stage an item on an unpriced resource stays (it costs nothing)."""
    close = np.isfinite(second) & (second <= best_cost * (1.0 + SIFT_MARGIN) + 1e-15)
    return close & (best_cost > 0) if ceiling is None else close


def _sift(problem, prices, ceiling, start, guess=None):
    """Working-set solution of one stage (see :func:`_flexible_shares`).

    The min-max stage starts from ``guess``, the shares of the grouped LP
    (:func:`_price_guess`). ``start`` is (shares, free rows) of the min-max
    stage for the balancing stage: its items keep their min-max rows until
    priced out, which keeps the fixed load within the bottleneck ``ceiling``.
    """
    column_item = problem[0]
    _, best_cost, second = _cheapest(problem, prices)
    free_items = _close(best_cost, second, ceiling)
    if start is None:
        # each item on its group's main row; items of split groups are free
        shares = np.zeros(column_item.size)
        order = np.lexsort((-guess, column_item))
        starts = np.flatnonzero(np.r_[True, np.diff(column_item[order]) != 0])
        shares[order[starts]] = 1.0
        free_items |= guess[order[starts]] < 1.0 - 1e-6
    else:
        shares, free_before = start
        free_items[np.unique(column_item[free_before])] = True
        # items the guessed prices would move are left to the LP too
        row_cost = prices[problem[1]] * problem[2]
        moved = (shares > 0.5) & (row_cost > best_cost[column_item] * (1.0 + 1e-9))
        free_items[column_item[moved]] = True
    while True:
        free = free_items[column_item]
        shares, u_max, prices = _stage_lp(problem, free, ceiling, shares)
        if ceiling is not None:
            prices = 1.0 + prices
        # fixed items priced out: their row costs more than their cheapest
        _, best_cost, _ = _cheapest(problem, prices)
        row_cost = prices[problem[1]] * problem[2]
        fixed_rows = ~free & (shares > 0.5)
        worse = fixed_rows & (row_cost > best_cost[column_item] * (1.0 + 1e-9) + 1e-12)
        if not worse.any():
            return shares, u_max, free
        free_items[column_item[worse]] = True


def _price_guess(problem):
    """The LPs over items grouped by option set and (quantised) cost ratios,
    small ones: the min-max prices, per row its group's share there, and the
    balancing prices."""
    column_item, resource, coefficient, fixed_util = problem
    order = np.lexsort((resource, column_item))
    item_sorted = column_item[order]
    starts = np.flatnonzero(np.r_[True, np.diff(item_sorted) != 0])
    lengths = np.diff(np.r_[starts, order.size])
    low = np.minimum.reduceat(coefficient[order], starts)
    tiny = np.finfo(float).tiny
    ratio = np.round(
        np.log(
            np.maximum(coefficient[order], tiny) / np.maximum(low[item_sorted], tiny)
        )
        / SIFT_STEP
    )
    # an item's key: its options (resource, quantised ratio) in resource order
    codes = np.full((starts.size, 2 * lengths.max()), -1, dtype=np.int64)
    position = np.arange(order.size) - np.repeat(starts, lengths)
    codes[item_sorted, 2 * position] = resource[order]
    codes[item_sorted, 2 * position + 1] = ratio.astype(np.int64)
    _, group = np.unique(codes, axis=0, return_inverse=True)
    group = group.ravel()
    row_group = group[item_sorted]
    pair, row_pair = np.unique(
        row_group.astype(np.int64) * (resource.max() + 1) + resource[order],
        return_inverse=True,
    )
    aggregated = (
        pair // (resource.max() + 1),
        pair % (resource.max() + 1),
        np.bincount(row_pair, coefficient[order]),
        fixed_util,
    )
    every = np.ones(pair.size, dtype=bool)
    group_shares, u_max, prices = _stage_lp(aggregated, every, None)
    shares = np.empty(order.size)
    shares[order] = group_shares[row_pair]
    _, _, balance_prices = _stage_lp(aggregated, every, u_max, group_shares)
    return prices, shares, 1.0 + balance_prices


def minmax_utilization(process_time, demand, capacity, balance=True):
    """Split item demand over resources so the busiest resource is least busy.

    Dense form of :func:`minmax_utilization_sparse`: minimise ``U`` subject to
    ``sum_j x_ij = 1`` and ``sum_i D_i p_ij x_ij <= c_j U``, ``x >= 0``.

    Parameters
    ----------
    process_time : array_like, shape (items, resources)
        Hours per unit of item i on resource j, >= 0; ``numpy.inf`` where the
        item cannot be made there.
    demand : array_like, shape (items,)
        Units per item, >= 0.
    capacity : array_like, shape (resources,)
        Hours available per resource, >= 0 (> 0 where needed).
    balance : bool, default True
        See :func:`minmax_utilization_sparse`.

    Returns
    -------
    x : numpy.ndarray, shape (items, resources)
        Share of each item's demand made on each resource: rows sum to 1
        (items without demand: 1 on their fastest resource; 0 everywhere for
        an item without any allowed resource and without demand), 0 where
        not allowed.
    u_max : float
        The smallest achievable largest utilisation.

    Raises
    ------
    ValueError
        As :func:`minmax_utilization_sparse`, or mismatched shapes.
    """
    times = nonnegative("process_time", process_time, allow_inf=True)
    if times.ndim != 2:
        raise ValueError(
            f"process_time must be two-dimensional (items x resources), got shape "
            f"{times.shape}"
        )
    n_items, n_res = times.shape
    demand_ = nonnegative("demand", demand)
    capacity_ = nonnegative("capacity", capacity)
    if demand_.shape != (n_items,):
        raise ValueError(f"demand must have shape ({n_items},), got {demand_.shape}")
    if capacity_.shape != (n_res,):
        raise ValueError(f"capacity must have shape ({n_res},), got {capacity_.shape}")
    item, resource = np.nonzero(np.isfinite(times))
    share, _, u_max = minmax_utilization_sparse(
        item,
        resource,
        times[item, resource],
        demand_,
        capacity_,
        n_items=n_items,
        balance=balance,
    )
    x = np.zeros((n_items, n_res))
    x[item, resource] = share
    return x, u_max
