"""Capacitated multi-product lot sizes at shared workcenters.

Lots are the jobs of the queueing network: a bigger lot spends less capacity on
setups (lower utilisation, shorter queues) but takes longer to process and to
wait behind, so cycle time is U-shaped in the lot size (Hopp & Spearman,
*Factory Physics* 3rd ed., ch. 9, "serial batching"; Karmarkar 1987). This
module prices both effects and picks the lot sizes that minimise

    setup cost + cycle-stock holding cost + WIP holding cost    (money per hour)

subject to a utilisation ceiling at every workcenter.

Model, per workcenter ``j`` (route steps given as COO rows ``(item i, workcenter
j, run time t_ij h/unit, setup time s_ij h/lot)``):

- lot arrivals: item i's lots reach a row at rate ``p D_i / Q_i`` (``p`` the
  row's share of the item's lots) with SCV ``p ca2_i / Q_i + 1 - p``, ``ca2_i``
  the SCV of its unit demands (lots of ``Q`` units, Factory Physics sec. 9.4:
  ``ca2 / Q``); workcenter j receives ``lambda_j = sum`` of those rates with
  the streams merged by Whitt's superposition (:mod:`engine.queueing`), which
  is ``ca2 / Q`` where a single product feeds it;
- a lot of item i takes ``T_ij = s_ij + Q_i t_ij`` machine-hours with variance
  ``ce2_j (s_ij^2 + Q_i t_ij^2)``: setup and every unit vary independently with
  the workcenter's natural SCV ``ce2_j`` (Factory Physics ch. 9, batching);
- the mixture of lots has mean ``T_j = sum_i (D_i / Q_i) T_ij / lambda_j`` and
  second moment ``sum_i (D_i / Q_i) E[T_ij^2] / lambda_j``; its SCV includes the
  variance between items;
- capacity ``c_j`` machine-hours per hour is modelled as ``m_j = max(1,
  round(c_j))`` identical machines of speed ``e_j = c_j / m_j`` (so 0.8 is one
  machine available 80 % of the time, 2.7 is three at 90 %): one machine takes
  ``T / e_j`` hours per lot, utilisation ``u_j = sum_i D_i (t_ij + s_ij / Q_i) /
  c_j``, queue time ``CTq_j = queue_time(ca2_j, ce2_mix_j, T_j / e_j, u_j, m_j)``
  (Hopp-Spearman G/G/m, :func:`engine.queueing.queue_time`);
- item cycle time ``CT_i = sum over its route of p (CTq_j + T_ij / e_j)``; WIP
  of item i is ``D_i CT_i`` (Little's law).

Cost per hour: ``sum_i A_i D_i / Q_i + h_i Q_i / 2 + h_i D_i CT_i`` (the last two
weights can be replaced, see ``lot_cost`` and ``lead_time_cost`` of
:func:`lot_sizes`).

Units: demand in units per hour, times in hours, holding cost in money per unit
per hour, setup cost in money per setup, capacity in machine-hours per hour.
"""

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from . import queueing
from ._validation import indices, nonnegative, positive

# Relative step of the central finite differences of the queue time.
_STEP = 1e-6
# lot_sizes stops when a step could lower the cost by less than this share.
_FLAT = 1e-10


@dataclass(frozen=True)
class LotSizeCost:
    """Cost and flow of given lot sizes (money per hour, hours).

    Attributes
    ----------
    setup_cost, cycle_stock_cost, wip_cost, total_cost : float
        ``sum A D / Q``, ``sum h Q / 2``, ``sum h D CT`` and their sum (money per
        hour); ``inf`` when a workcenter is overloaded.
    utilization : numpy.ndarray
        Per workcenter.
    queue_time : numpy.ndarray
        Per workcenter (hours); ``inf`` where ``u >= 1``.
    cycle_time : numpy.ndarray
        Per item (hours): queue plus lot process time along its route.
    """

    setup_cost: float
    cycle_stock_cost: float
    wip_cost: float
    total_cost: float
    utilization: np.ndarray
    queue_time: np.ndarray
    cycle_time: np.ndarray


@dataclass(frozen=True)
class LotSizeResult:
    """Lot sizes chosen by :func:`lot_sizes` and what they lead to.

    Attributes
    ----------
    lot_size : numpy.ndarray
        Per item (units). Infeasible items get their uncapacitated EOQ, clipped.
    utilization : numpy.ndarray
        Per workcenter, from the feasible items at their lot sizes (<= ceiling).
    run_utilization : numpy.ndarray
        Per workcenter, run time of all items without setups: the floor no lot
        size can go below.
    queue_time : numpy.ndarray
        Per workcenter (hours); ``inf`` at a workcenter that cannot meet the
        ceiling.
    cycle_time : numpy.ndarray
        Per item (hours); ``inf`` for infeasible items.
    setup_cost, cycle_stock_cost, wip_cost, total_cost : float
        Money per hour over the feasible items.
    feasible : numpy.ndarray
        Per item, bool.
    reason : numpy.ndarray
        Per item, why it is infeasible (empty string when feasible).
    workcenter_feasible : numpy.ndarray
        Per workcenter, bool.
    iterations : int
        Price-update iterations run.
    converged : bool
        Whether the lot sizes settled within the tolerance.
    """

    lot_size: np.ndarray
    utilization: np.ndarray
    run_utilization: np.ndarray
    queue_time: np.ndarray
    cycle_time: np.ndarray
    setup_cost: float
    cycle_stock_cost: float
    wip_cost: float
    total_cost: float
    feasible: np.ndarray
    reason: np.ndarray
    workcenter_feasible: np.ndarray
    iterations: int
    converged: bool


def _per_entry(name, value, size, what="workcenter"):
    array = nonnegative(name, value)
    if array.ndim == 0:
        return np.full(size, float(array))
    if array.shape != (size,):
        raise ValueError(
            f"{name} must be a scalar or one value per {what} ({size}), "
            f"got shape {array.shape}"
        )
    return array


class _Network:
    """Routing rows, their constants, and the queueing model of the lots."""

    def __init__(
        self,
        demand,
        holding_cost,
        setup_cost,
        item,
        workcenter,
        run_time,
        setup_time,
        capacity,
        ca2,
        ce2,
        share=1.0,
        lot_cost=None,
        lead_time_cost=None,
    ):
        self.demand = nonnegative("demand", demand)
        if self.demand.ndim != 1:
            raise ValueError(
                f"demand must be one-dimensional, got shape {self.demand.shape}"
            )
        n_items = self.demand.size
        self.holding = np.broadcast_to(
            positive("holding_cost", holding_cost), (n_items,)
        ).astype(float)
        self.setup_cost = np.broadcast_to(
            nonnegative("setup_cost", setup_cost), (n_items,)
        ).astype(float)
        capacity = nonnegative("capacity", capacity)
        if capacity.ndim != 1:
            raise ValueError(f"capacity must be one-dimensional, got {capacity.shape}")
        n_wc = capacity.size
        self.item = indices("item", item, n_items, "items, the length of demand")
        self.workcenter = indices(
            "workcenter", workcenter, n_wc, "workcenters, the length of capacity"
        )
        n_rows = self.item.size
        self.run_time = np.broadcast_to(nonnegative("run_time", run_time), (n_rows,))
        self.setup_time = np.broadcast_to(
            nonnegative("setup_time", setup_time), (n_rows,)
        )
        self.share = np.broadcast_to(nonnegative("share", share), (n_rows,))
        if ((self.share > 1) | (self.share == 0)).any():
            raise ValueError("share must be in (0, 1] on every routing row")
        if self.workcenter.size != n_rows:
            raise ValueError(
                f"item and workcenter must have the same length, got {n_rows} and "
                f"{self.workcenter.size}"
            )
        used = np.zeros(n_wc, bool)
        used[self.workcenter] = True
        if (used & (capacity <= 0)).any():
            bad = np.flatnonzero(used & (capacity <= 0))
            raise ValueError(
                f"capacity must be > 0 at every routed workcenter, got 0 at "
                f"workcenter(s) {bad[:3].tolist()}"
            )
        self.capacity = capacity
        self.ca2 = _per_entry("ca2", ca2, n_items, "item")
        # Defaults: cycle stock h Q / 2 and WIP h D CT (Little's law).
        self.lot_cost = np.broadcast_to(
            0.5 * self.holding if lot_cost is None else positive("lot_cost", lot_cost),
            (n_items,),
        ).astype(float)
        self.lead_time_cost = np.broadcast_to(
            self.holding * self.demand
            if lead_time_cost is None
            else nonnegative("lead_time_cost", lead_time_cost),
            (n_items,),
        ).astype(float)
        self.ce2 = _per_entry("ce2", ce2, n_wc)
        self.servers = np.maximum(1.0, np.round(capacity))
        self.speed = np.where(capacity > 0, capacity / self.servers, 1.0)
        self.n_items, self.n_workcenters = n_items, n_wc
        self._row_constants()

    def _row_constants(self):
        j = self.workcenter
        # A row makes the share of the item's lots routed through it.
        self.row_demand = self.demand[self.item] * self.share
        self.row_flow_cost = self.lead_time_cost[self.item] * self.share
        self.row_ca2 = self.ca2[self.item]
        self.row_ce2 = self.ce2[j]
        self._ce2_setup2 = self.row_ce2 * self.setup_time**2
        self._ce2_run2 = self.row_ce2 * self.run_time**2
        self.row_speed = self.speed[j]
        # Cost of one hour of queue at j: the lead-time cost of its visits.
        self.flow_holding = self._per_wc(self.row_flow_cost)
        self.run_load = self._per_wc(self.row_demand * self.run_time)

    def _per_wc(self, values):
        return np.bincount(self.workcenter, values, minlength=self.n_workcenters)

    def _per_item(self, values):
        return np.bincount(self.item, values, minlength=self.n_items)

    def moments(self, lot):
        """Per workcenter: lot rate, load (machine-h/h), rate x E[T^2], and the
        sums of rate x arrival SCV and rate^2 of the item streams (the lots of
        one item at one row: :func:`engine.queueing.batch_arrival_scv`).

        The last lot array's moments are kept: the sizer prices the lots its
        line search has just costed (lot arrays are never changed in place).
        """
        cached = getattr(self, "_moments", None)
        if cached is not None and cached[0] is lot:
            return cached[1]
        result = self._moments_of(lot)
        self._moments = (lot, result)
        return result

    def _moments_of(self, lot):
        row_lot = lot[self.item]
        rate = self.row_demand / row_lot
        time = self.setup_time + row_lot * self.run_time
        second = time * time + (self._ce2_setup2 + row_lot * self._ce2_run2)
        # Inputs validated at construction: the rule without its checks.
        stream_scv = queueing._batch_scv(self.row_ca2, row_lot, self.share)
        return (
            self._per_wc(rate),
            self._per_wc(rate * time),
            self._per_wc(rate * second),
            self._per_wc(rate * stream_scv),
            self._per_wc(rate * rate),
        )

    def arrival_scv(self, rate, load, rate_scv, rate_square):
        """Arrival SCV per workcenter: its item streams merged (Whitt)."""
        utilization = load / np.where(self.capacity > 0, self.capacity, 1.0)
        return queueing.merged_scv_from_sums(rate, rate_scv, rate_square, utilization)

    def queue(self, rate, load, second, rate_scv, rate_square):
        """Queue time per workcenter from the lot moments; inf where u >= 1."""
        wait = np.zeros(self.n_workcenters)
        utilization = load / np.where(self.capacity > 0, self.capacity, 1.0)
        busy = (rate > 0) & (load > 0)
        wait[busy & (utilization >= 1)] = np.inf
        ok = busy & (utilization < 1)
        if ok.any():
            mean_time = load[ok] / rate[ok]
            # Cauchy-Schwarz makes this >= 0; the clip only absorbs rounding.
            mix_scv = np.maximum(second[ok] / rate[ok] / mean_time**2 - 1.0, 0.0)
            ca2 = self.arrival_scv(rate, load, rate_scv, rate_square)
            wait[ok] = queueing.queue_time(
                ca2[ok],
                mix_scv,
                mean_time / self.speed[ok],
                utilization[ok],
                self.servers[ok],
            )
        return wait, utilization

    def queue_slopes(self, *moments):
        """Partial derivatives of the queue time in the lot moments.

        Central finite differences at the workcenter level (a handful of
        workcenter-sized evaluations of :func:`engine.queueing.queue_time`).
        """
        slopes = []
        room = np.maximum(self.capacity - moments[1], 0.0)
        for k in range(len(moments)):
            values = list(moments)
            step = _STEP * values[k]
            if k == 1:
                step = np.minimum(step, 0.5 * room)
            plus = list(values)
            minus = list(values)
            plus[k] = values[k] + step
            minus[k] = values[k] - step
            with np.errstate(invalid="ignore", divide="ignore"):
                slope = (self.queue(*plus)[0] - self.queue(*minus)[0]) / (2 * step)
            slopes.append(np.where(step > 0, slope, 0.0))
        return slopes

    def cost(self, lot):
        wait, utilization = self.queue(*self.moments(lot))
        row_lot = lot[self.item]
        process = (self.setup_time + row_lot * self.run_time) / self.row_speed
        cycle = self._per_item(self.share * (wait[self.workcenter] + process))
        with np.errstate(divide="ignore", invalid="ignore"):
            setup = float(
                np.sum(
                    np.where(self.demand > 0, self.setup_cost * self.demand / lot, 0.0)
                )
            )
        # Items without demand are never made: no cycle stock.
        stock = float(np.sum(np.where(self.demand > 0, self.lot_cost * lot, 0.0)))
        with np.errstate(invalid="ignore"):
            wip = float(
                np.sum(np.where(self.demand > 0, self.lead_time_cost * cycle, 0.0))
            )
        if not np.isfinite(wait).all():
            wip = np.inf
        return LotSizeCost(
            setup_cost=setup,
            cycle_stock_cost=stock,
            wip_cost=wip,
            total_cost=setup + stock + wip,
            utilization=utilization,
            queue_time=wait,
            cycle_time=cycle,
        )

    def subset(self, keep_item):
        """Same network without the rows of items outside ``keep_item``."""
        rows = keep_item[self.item]
        copy = object.__new__(_Network)
        copy.__dict__.update(self.__dict__)
        copy._moments = None
        copy.item, copy.workcenter = self.item[rows], self.workcenter[rows]
        copy.run_time, copy.setup_time = self.run_time[rows], self.setup_time[rows]
        copy.share = self.share[rows]
        copy.demand = np.where(keep_item, self.demand, 0.0)
        copy._row_constants()
        return copy


def lot_size_cost(
    lot_size,
    demand,
    holding_cost,
    setup_cost,
    item,
    workcenter,
    run_time,
    setup_time,
    capacity,
    ca2=1.0,
    ce2=1.0,
    share=1.0,
    lot_cost=None,
    lead_time_cost=None,
):
    """Cost per hour and flow of given lot sizes (see the module docstring).

    ``sum_i A_i D_i / Q_i + h_i Q_i / 2 + h_i D_i CT_i`` with the cycle times of
    the queueing model of the lots. Used by :func:`lot_sizes` and to check it.

    Parameters
    ----------
    lot_size : array_like
        Lot size per item (units), > 0.
    demand, holding_cost, setup_cost, item, workcenter, run_time, setup_time,
    capacity, ca2, ce2, share, lot_cost, lead_time_cost
        As in :func:`lot_sizes`.

    Returns
    -------
    LotSizeCost
        Cost parts (money per hour; ``inf`` if a workcenter is at or above
        utilisation 1), utilisation and queue time per workcenter, cycle time
        per item (hours).

    Raises
    ------
    ValueError
        Invalid inputs (see :func:`lot_sizes`) or non-positive lot sizes.
    """
    network = _Network(
        demand,
        holding_cost,
        setup_cost,
        item,
        workcenter,
        run_time,
        setup_time,
        capacity,
        ca2,
        ce2,
        share,
        lot_cost,
        lead_time_cost,
    )
    lot = np.broadcast_to(positive("lot_size", lot_size), (network.n_items,))
    return network.cost(lot.astype(float))


def _eoq(demand, price, curvature, min_lot, max_lot):
    """EOQ with setup price ``price``: sqrt(D price / curvature), clipped.

    ``curvature`` is the holding cost rate per unit of lot size (``h / 2`` in
    the plain EOQ); no demand or no setup price gives ``min_lot``.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        lot = np.sqrt(demand * price / curvature)
    lot = np.where((demand > 0) & (price > 0), lot, min_lot)
    return np.clip(lot, min_lot, max_lot)


class _LotSizer:
    """Sequential linearisation of the queue cost, exact capacity prices.

    First-order condition of the cost in ``Q_i`` (module docstring), with the
    queue time ``W_j(lambda_j, L_j, M_j, V_j, R_j)`` a function of the lot
    rate, the load, the rate-weighted second moment of lot times, and the
    sums ``V_j = sum lambda c^2`` and ``R_j = sum lambda^2`` of the item
    streams that set the arrival SCV, and a multiplier ``nu_j >= 0`` on the
    ceiling ``L_j <= u_max c_j`` (shown for share 1):

        D_i / Q_i^2 * [A_i + sum_j H_j (W_lambda + W_L s_ij + W_M (1 + ce2_j)
        s_ij^2 + W_V 2 ca2_i / Q_i + W_R 2 D_i / Q_i) + nu_j s_ij]
        = h_i / 2 + D_i sum_j (h_i t_ij / e_j + H_j W_M t_ij^2)

    (``H_j = sum h_i D_i`` over the visits of j; the ``1 / Q_i`` inside the
    bracket is frozen at the current lots with the queue slopes): an EOQ
    ``Q_i = sqrt(D_i a_i / (h_i / 2 + D_i b_i))`` whose setup cost ``a_i``
    adds the price of the setup time its lots spend (queue growth plus the
    capacity shadow price ``nu``) and whose holding cost ``b_i`` adds the WIP
    of longer lots (``h_i / 2`` and ``h_i D_i`` are ``lot_cost`` and
    ``lead_time_cost`` when those are given). Each iteration
    freezes the queue prices at the current lots, solves that separable convex
    problem under the ceilings exactly (``nu`` by projected Newton on its
    concave dual, at most one variable per workcenter), and moves the lots
    towards its solution in log space as far as the true cost keeps falling.
    A step in log space keeps a feasible plan feasible: the loads are linear in
    ``1 / Q`` and the geometric mean is below the arithmetic one.
    """

    def __init__(self, network, ceiling, min_lot, max_lot):
        self.net = network
        self.min_lot, self.max_lot = min_lot, max_lot
        self.budget = ceiling * network.capacity - network.run_load
        self.row_setup_load = network.row_demand * network.setup_time
        # Item x workcenter setup hours per lot, for the Hessian of the dual.
        self.setup_matrix = sparse.csr_matrix(
            (network.setup_time * network.share, (network.item, network.workcenter)),
            shape=(network.n_items, network.n_workcenters),
        )

    def _lots(self, price, curvature):
        return _eoq(self.net.demand, price, curvature, self.min_lot, self.max_lot)

    def setup_load(self, lot):
        net = self.net
        return np.bincount(
            net.workcenter,
            self.row_setup_load / lot[net.item],
            minlength=net.n_workcenters,
        )

    def repair(self, lot):
        """Scale up the lots at workcenters above the ceiling until they fit.

        Setup load is ``sum D s / Q``: scaling every lot at j by ``load /
        budget`` fits exactly unless ``max_lot`` clips; then bisect the factor.
        """
        net = self.net
        load = self.setup_load(lot)
        over = load > self.budget
        if not over.any():
            return lot
        rows = over[net.workcenter]
        item, wc = net.item[rows], net.workcenter[rows]
        row_lot, row_load = lot[item], self.row_setup_load[rows]

        def fits(factor):
            scaled = np.minimum(row_lot * factor[wc], self.max_lot)
            used = np.bincount(wc, row_load / scaled, minlength=net.n_workcenters)
            return used <= self.budget

        high = np.where(over, load / np.where(over, self.budget, 1.0), 1.0)
        low = np.ones(net.n_workcenters)
        if not fits(high)[over].all():
            for _ in range(200):
                ok = fits(high)
                if ok[over].all():
                    break
                low = np.where(ok, low, high)
                high = np.where(ok, high, 2.0 * high)
            for _ in range(60):
                middle = np.sqrt(low * high)
                ok = fits(middle)
                high = np.where(ok, middle, high)
                low = np.where(ok, low, middle)
        factor = np.ones(net.n_items)
        np.maximum.at(factor, item, high[wc])
        return np.minimum(lot * factor, self.max_lot)

    def capacity_prices(self, base, curvature, start):
        """Shadow prices ``nu >= 0`` of the ceilings, lots priced by ``base``.

        Dual of ``min sum_i D_i base_i / Q_i + curvature_i Q_i`` subject to
        ``sum_i D_i s_ij / Q_i <= budget_j``: concave in ``nu``, gradient
        ``setup load - budget``, Hessian ``-S' diag(D y / (2 p)) S`` (``y =
        1/Q``, ``p`` the priced setup cost, unclipped items only). Projected
        Newton with backtracking.
        """
        net = self.net
        j, s = net.workcenter, net.setup_time * net.share
        demand = net.demand
        scale = np.maximum(np.abs(self.budget), 1e-300)

        def evaluate(nu):
            price = base + net._per_item(nu[j] * s)
            lot = self._lots(price, curvature)
            gradient = self.setup_load(lot) - self.budget
            on = demand > 0
            value = np.sum(demand[on] * price[on] / lot[on] + curvature[on] * lot[on])
            return price, lot, gradient, value - np.dot(nu, self.budget)

        nu = np.maximum(start, 0.0)
        price, lot, gradient, value = evaluate(nu)
        if not nu.any() and (gradient <= 0).all():
            return nu
        for _ in range(100):
            free = (nu > 0) | (gradient > 0)
            optimal = np.where(nu > 0, np.abs(gradient), np.maximum(gradient, 0.0))
            if (optimal <= 1e-10 * scale).all():
                break
            inside = (
                (demand > 0) & (price > 0) & (lot > self.min_lot) & (lot < self.max_lot)
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                weight = np.where(inside, demand / (2.0 * price * lot), 0.0)
            hessian = (
                self.setup_matrix.T @ self.setup_matrix.multiply(weight[:, None])
            ).toarray()
            block = hessian[np.ix_(free, free)]
            block += np.eye(block.shape[0]) * (1e-12 * np.trace(block) + 1e-300)
            step = np.zeros_like(nu)
            step[free] = np.linalg.solve(block, gradient[free])
            # A singular block (every lot there at a bound) moves nothing.
            step = np.where(np.isfinite(step), step, 0.0)
            size = 1.0
            for _ in range(60):
                trial = np.maximum(nu + size * step, 0.0)
                result = evaluate(trial)
                if result[3] >= value - 1e-14 * abs(value):
                    break
                size *= 0.5
            if np.array_equal(trial, nu):
                break
            nu = trial
            price, lot, gradient, value = result
        return nu

    def run(self, max_iterations, tolerance):
        net = self.net
        demand = net.demand
        active = demand > 0
        j, s, t = net.workcenter, net.setup_time, net.run_time
        share = net.share
        price = self.capacity_prices(
            net.setup_cost, net.lot_cost, np.zeros(net.n_workcenters)
        )
        lot = self.repair(
            self._lots(
                net.setup_cost + net._per_item(price[j] * s * share), net.lot_cost
            )
        )
        cost = net.cost(lot).total_cost
        converged = False
        iterations = 0
        while iterations < max_iterations:
            iterations += 1
            slopes = net.queue_slopes(*net.moments(lot))
            slope_rate, slope_load, slope_second, slope_scv, slope_square = (
                slope[j] for slope in slopes
            )
            hold = net.flow_holding[j]
            row_lot = lot[net.item]
            # d/dQ of the row's rate x SCV and rate^2 is -D / Q^2 times these
            # (priced at the current lots, like the queue slopes).
            scv_factor = 2.0 * share**2 * net.row_ca2 / row_lot + share * (1.0 - share)
            square_factor = 2.0 * share**2 * demand[net.item] / row_lot
            setup_row = hold * (
                share
                * (
                    slope_rate
                    + slope_load * s
                    + slope_second * (1.0 + net.row_ce2) * s**2
                )
                + slope_scv * scv_factor
                + slope_square * square_factor
            )
            # A longer lot: its own process time (lead-time cost) and the
            # queue's growth with the second moment (WIP price of the queue).
            curvature = (
                net.lot_cost
                + net._per_item(net.row_flow_cost * t / net.row_speed)
                + demand * net._per_item(share * hold * slope_second * t**2)
            )
            base = net.setup_cost + net._per_item(setup_row)
            price = self.capacity_prices(base, curvature, price)
            target = self.repair(
                self._lots(base + net._per_item(price[j] * s * share), curvature)
            )
            direction = np.where(active, np.log(target / lot), 0.0)
            change = np.max(np.abs(direction), initial=0.0)
            # Slope of the true cost along the step, from its gradient in
            # log Q: curvature Q - D base / Q (the ceiling enters only through
            # the direction).
            gradient = np.where(active, curvature * lot - demand * base / lot, 0.0)
            slope = float(np.dot(gradient, direction))
            if change <= tolerance or slope >= -_FLAT * cost:
                lot = target if change <= tolerance else lot
                converged = True
                break
            # Armijo backtracking: the longest step 1, 1/2, ... with a real
            # decrease; none left means the optimum up to price precision.
            size = 1.0
            while size >= 1.0 / 1024.0:
                trial = self.repair(lot * np.exp(size * direction))
                trial_cost = net.cost(trial).total_cost
                if trial_cost <= cost + 1e-4 * size * slope:
                    break
                size *= 0.5
            else:
                converged = True
                break
            lot, cost = trial, trial_cost
        return self.repair(lot), iterations, converged


def lot_sizes(
    demand,
    holding_cost,
    setup_cost,
    item,
    workcenter,
    run_time,
    setup_time,
    capacity,
    max_utilization=0.9,
    ca2=1.0,
    ce2=1.0,
    min_lot=1.0,
    max_lot=None,
    max_iterations=100,
    tolerance=1e-6,
    *,
    share=1.0,
    lot_cost=None,
    lead_time_cost=None,
):
    """Lot sizes minimising setup, cycle-stock and WIP cost under a utilisation cap.

    Minimises ``sum_i A_i D_i / Q_i + h_i Q_i / 2 + h_i D_i CT_i(Q)`` (money per
    hour; model in the module docstring) subject to ``u_j(Q) <= max_utilization``
    at every workcenter and ``min_lot <= Q_i <= max_lot``. Method: an EOQ whose
    setup cost includes a price for the setup time it spends at each
    workcenter, ``Q_i = sqrt(D_i (A_i + sum_j p_ij) / (h_i / 2 + D_i b_i))``;
    the prices are the marginal WIP cost of queue time (finite differences of
    the queue time at the workcenter level) plus a capacity multiplier
    ``nu_j >= 0`` that makes the ceiling hold (complementary slackness, solved
    exactly on the dual). Prices are re-evaluated at the new lots, which move
    towards the priced EOQ with an Armijo line search on the true cost, until
    the lots change by less than ``tolerance`` (relative), a step could save
    less than 1e-10 of the cost, or ``max_iterations`` is reached. The
    returned plan respects the ceiling (up to rounding; lots at a workcenter
    above it are scaled up).

    A workcenter whose load stays at or above the ceiling even at ``max_lot``
    (with ``max_lot=None``: whose run load alone, ``sum D t / c``, does) cannot
    be made feasible; every item routed through it is returned with
    ``feasible=False``, a reason, its clipped uncapacitated EOQ and an infinite
    cycle time, and is left out of the model; all other items are optimised.

    Parameters
    ----------
    demand : array_like
        Demand per item (units per hour), >= 0; its length is the number of
        items. Items without demand get ``min_lot``.
    holding_cost : float or array_like
        Per item (money per unit per hour), > 0.
    setup_cost : float or array_like
        Out-of-pocket cost per setup, per item (money), >= 0.
    item, workcenter : array_like of int
        Routing rows (COO): item index (into ``demand``) and workcenter index
        (into ``capacity``) of each route step; an item may visit a workcenter
        more than once.
    run_time, setup_time : float or array_like
        Per routing row: hours per unit and hours per lot, >= 0.
    capacity : array_like
        Per workcenter, machine-hours available per hour (number of machines x
        efficiency), > 0 where routed.
    max_utilization : float, default 0.9
        Utilisation ceiling, in (0, 1).
    ca2 : float or array_like, default 1.0
        Per item (or one for all): SCV of the interarrival times of its units
        (demands; 1 for Poisson demand). Its lots of ``Q`` arrive at a row with
        SCV ``share ca2 / Q + 1 - share``
        (:func:`engine.queueing.batch_arrival_scv`); a workcenter's arrival SCV
        merges its streams (:func:`engine.queueing.merged_scv_from_sums`,
        Whitt's superposition: ``ca2 / Q`` where one product feeds it).
    ce2 : float or array_like, default 1.0
        Per workcenter (or one for all): natural SCV of a setup and of one
        unit's run time.
    min_lot, max_lot : float, default 1.0 and None (no upper bound)
        Bounds on every lot size (units).
    max_iterations : int, default 100
        Cap on price updates (``LotSizeResult.converged`` says if it was hit).
    tolerance : float, default 1e-6
        Stop when no lot size changes by more than this fraction.
    share : float or array_like, default 1.0
        Per routing row: share of the item's lots made there, in (0, 1] (an
        operation split over alternative workcenters); run and setup times
        are then those of a whole lot on that row.
    lot_cost : float or array_like, optional
        Per item: cost per hour of one unit of lot size (money per unit per
        hour); default ``holding_cost / 2``, the cycle stock.
    lead_time_cost : float or array_like, optional
        Per item: cost per hour of one hour of cycle time (money per hour per
        hour); default ``holding_cost x demand``, the WIP by Little's law. The
        joint (Q, r) step of :func:`engine.optimize.optimize_plant` adds the
        safety stock a longer lead time needs.

    Returns
    -------
    LotSizeResult

    Raises
    ------
    ValueError
        Malformed input: negative or NaN values, indices out of range,
        zero capacity at a routed workcenter, ``max_utilization`` outside (0, 1),
        ``max_lot < min_lot``.

    References
    ----------
    Hopp & Spearman, *Factory Physics* 3rd ed., ch. 9 (serial batching, the
    U-shaped cycle time in the lot size) and ch. 8 (G/G/m queue time).
    U. S. Karmarkar, "Lot sizes, lead times and in-process inventories",
    Management Science 33(3), 1987, 409-418.
    """
    network = _Network(
        demand,
        holding_cost,
        setup_cost,
        item,
        workcenter,
        run_time,
        setup_time,
        capacity,
        ca2,
        ce2,
        share,
        lot_cost,
        lead_time_cost,
    )
    ceiling = float(positive("max_utilization", max_utilization))
    if not ceiling < 1:
        raise ValueError(f"max_utilization must be in (0, 1), got {ceiling!r}")
    low = float(positive("min_lot", min_lot))
    high = (
        np.inf
        if max_lot is None
        else float(positive("max_lot", max_lot, allow_inf=True))
    )
    if high < low:
        raise ValueError(f"max_lot must be >= min_lot ({low!r}), got {high!r}")
    iterations_cap = int(positive("max_iterations", max_iterations))
    tol = float(positive("tolerance", tolerance))

    # Workcenters that no lot size can bring under the ceiling.
    cap = np.where(network.capacity > 0, network.capacity, 1.0)
    run_utilization = network.run_load / cap
    floor = (
        run_utilization
        + network._per_wc(network.row_demand * network.setup_time) / high / cap
    )
    workcenter_ok = floor < ceiling
    bad_rows = ~workcenter_ok[network.workcenter]
    first_bad = np.full(network.n_items, network.n_workcenters)
    np.minimum.at(first_bad, network.item[bad_rows], network.workcenter[bad_rows])
    feasible = first_bad == network.n_workcenters
    limit = "its run load alone" if np.isinf(high) else f"lots of max_lot={high:g}"
    messages = np.array(
        [
            f"workcenter {k}: utilization {floor[k]:.4g} with {limit} is at or "
            f"above max_utilization={ceiling:g}"
            for k in range(network.n_workcenters)
        ]
        + [""],
        dtype=object,
    )
    reason = messages[first_bad]

    sizer = _LotSizer(network.subset(feasible), ceiling, low, high)
    lot, iterations, converged = sizer.run(iterations_cap, tol)
    plain = _eoq(network.demand, network.setup_cost, 0.5 * network.holding, low, high)
    lot = np.where(feasible, lot, plain)
    result = sizer.net.cost(lot)
    queue = np.where(workcenter_ok, result.queue_time, np.inf)
    cycle = np.where(feasible, result.cycle_time, np.inf)
    return LotSizeResult(
        lot_size=lot,
        utilization=result.utilization,
        run_utilization=run_utilization,
        queue_time=queue,
        cycle_time=cycle,
        setup_cost=result.setup_cost,
        cycle_stock_cost=result.cycle_stock_cost,
        wip_cost=result.wip_cost,
        total_cost=result.total_cost,
        feasible=feasible,
        reason=reason,
        workcenter_feasible=workcenter_ok,
        iterations=iterations,
        converged=converged,
    )
