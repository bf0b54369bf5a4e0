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
    return result.x


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


def _flexible_shares(item, resource, hours, fixed_load, capacity, balance):
    """LP over the rows of items with a choice; ``hours`` = D_i p_ij per row."""
    _, column_item = np.unique(item, return_inverse=True)
    n_items = column_item.max() + 1
    n_rows = item.size
    u_column = n_rows
    fixed_util = fixed_load / capacity
    # Capacity rows, scaled by capacity: sum (D p / c) x - U <= -fixed / c,
    # only for resources some flexible row can use.
    used, row_of_resource = np.unique(resource, return_inverse=True)
    coefficient = hours / capacity[resource]
    a_ub = sparse.csr_matrix(
        (
            np.r_[coefficient, -np.ones(used.size)],
            (
                np.r_[row_of_resource, np.arange(used.size)],
                np.r_[np.arange(n_rows), np.full(used.size, u_column)],
            ),
        ),
        shape=(used.size, n_rows + 1),
    )
    b_ub = -fixed_util[used]
    a_eq = sparse.csr_matrix(
        (np.ones(n_rows), (column_item, np.arange(n_rows))),
        shape=(n_items, n_rows + 1),
    )
    b_eq = np.ones(n_items)
    objective = np.zeros(n_rows + 1)
    objective[u_column] = 1.0
    # U is at least every fixed utilisation, also where no choice exists.
    bounds = [(0.0, None)] * n_rows + [(float(fixed_util.max(initial=0.0)), None)]
    solution = _solve(objective, bounds, a_ub, b_ub, a_eq, b_eq, "min-max")
    shares = solution[:n_rows]
    if balance:
        # Keep the bottleneck (relative slack for HiGHS' tolerances) and put
        # the rest where it adds the least utilisation.
        ceiling = solution[u_column] * (1.0 + 1e-9) + 1e-12
        bounds[u_column] = (ceiling, ceiling)
        objective = np.r_[coefficient, 0.0]
        shares = _solve(objective, bounds, a_ub, b_ub, a_eq, b_eq, "balancing")[:n_rows]
    shares = np.clip(shares, 0.0, None)
    total = np.bincount(column_item, shares, minlength=n_items)
    return shares / total[column_item]


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
