"""Stock policies under normally distributed lead-time demand.

Continuous (normal) versions of the base-stock and (Q, r) models of Hopp &
Spearman, *Factory Physics* 3rd ed., ch. 2. Lead-time demand X is normal with
mean ``theta`` and standard deviation ``sigma``; ``G`` is its distribution
function. Two loss functions carry the whole model:

- the **first-order loss** ``n(x) = E[(X - x)+] = sigma * L(z)``, with
  ``z = (x - theta) / sigma`` and ``L(z) = phi(z) - z (1 - Phi(z))``: the
  expected shortfall when the inventory position is ``x``. Base-stock
  backorders are ``B(x) = n(x)``; since ``n'(x) = -(1 - G(x))`` the fill rate of
  a (Q, r) policy (inventory position uniform on ``[r, r + Q]``) is
  ``S(Q, r) = 1 - (n(r) - n(r + Q)) / Q``;
- the **second-order loss** ``beta(x) = integral_x^inf n(y) dy
  = E[(X - x)+^2] / 2 = sigma^2 / 2 * ((z^2 + 1)(1 - Phi(z)) - z phi(z))``:
  averaging the backorders ``n`` over the uniform inventory position gives the
  (Q, r) backorder level ``B(Q, r) = (beta(r) - beta(r + Q)) / Q``.

These are the continuous counterparts of Factory Physics' discrete
``S(Q, r) = 1 - [B(r) - B(r + Q)] / Q`` and ``I(Q, r) = (Q + 1)/2 + r - theta
+ B(Q, r)``. A zero standard deviation is allowed everywhere and gives the
deterministic limit.

Quantities are in units of product; ``q``, ``r``, ``theta`` and ``sigma`` must
share that unit. Functions accept scalars or numpy arrays (broadcast) and
return a Python float when every input is a scalar.
"""

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import betainc, gammainc, gammaln, ndtr, ndtri, xlog1py, xlogy

from ._validation import (
    as_array,
    finite,
    nonnegative,
    positive,
    probability,
    scalar_or_array,
)

_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)
# Search range of reorder points, in standard deviations beyond [theta - Q, theta]:
# at 10 sigma the fill rate is within 1e-23 * sigma / Q of 0 or 1.
_SPAN = 10.0
# A standard deviation below this share of |theta| + Q (+ |r|) is treated as 0:
# the deterministic formulas are then exact to ~1e-14 relative, while the normal
# ones would overflow (z = (r - theta) / sigma).
_STD_FLOOR = 1e-14
# optimal_reorder_points stops when the weighted fill rate is this close to target.
_FILL_TOLERANCE = 1e-10
# Items in the sample that gives optimal_reorder_points its first multiplier.
_SAMPLE_SIZE = 4000
# Longest walk of the discrete tails from a neighbouring solution, in units.
_WALK = 48
# A walked fill rate this close to its target is evaluated again.
_WALKED_TIE = 1e-12
# Newton tests of a discrete reorder point before the bracket search.
_NEWTON_ROUNDS = 4


def _pdf(z):
    return _INV_SQRT_2PI * np.exp(-0.5 * z * z)


def _loss2(z):
    """Standard second-order loss E[(Z - z)+^2] / 2."""
    return 0.5 * ((z * z + 1.0) * ndtr(-z) - z * _pdf(z))


def _is_stochastic(q, r, mean, std):
    """Rows computed with the normal model; the rest use the sigma = 0 limit."""
    return std > _STD_FLOOR * (np.abs(mean) + q + np.abs(r))


def _normal_policy(q, r, mean, std, fill_only=False):
    """Fill rate, shortfall ``1 - S`` and ``G(r + Q) - G(r)``, for std > 0.

    ``1 - S = (n(r) - n(r + Q)) / Q`` with the first-order loss ``n(x) = sigma
    L(z)``, and by the symmetry ``n(x) - n_(x) = theta - x`` (``n_(x) =
    E[(x - X)+] = sigma L(-z)``) also ``S = (n_(r + Q) - n_(r)) / Q``. The
    first form is evaluated when the stock-out probability is small, the
    second when the fill rate is, so each keeps its relative accuracy when it
    is tiny. One pass costs two normal tails and two densities (``L(w) =
    phi(w) - w (1 - Phi(w))`` at ``w = +-z``).

    Returns ``(fill, shortfall, G(r + Q) - G(r), phi(z(r)), phi(z(r + Q)))``,
    or only the fill rate with ``fill_only``.
    """
    z1 = (r - mean) / std
    z2 = (r + q - mean) / std
    sign = np.where(z1 + z2 >= 0, 1.0, -1.0)
    w1 = sign * z1
    w2 = sign * z2
    tail1 = ndtr(-w1)
    tail2 = ndtr(-w2)
    pdf1 = _pdf(z1)
    pdf2 = _pdf(z2)
    # sigma (L(w1) - L(w2)) / Q: with w = z it is (n(r) - n(r + Q)) / Q = 1 - S,
    # with w = -z it is (n_(r) - n_(r + Q)) / Q = -S.
    small = std * ((pdf1 - w1 * tail1) - (pdf2 - w2 * tail2)) / q
    upper = sign > 0
    if fill_only:
        return np.clip(np.where(upper, 1.0 - small, -small), 0.0, 1.0)
    shortfall = np.where(upper, small, 1.0 + small)
    fill = np.where(upper, 1.0 - small, -small)
    delta_cdf = sign * (tail1 - tail2)
    return np.clip(fill, 0.0, 1.0), np.clip(shortfall, 0.0, 1.0), delta_cdf, pdf1, pdf2


def _fill_and_shortfall(q, r, mean, std):
    """Fill rate S(Q, r) and 1 - S(Q, r), std 0 included (deterministic limit)."""
    shape = np.broadcast_shapes(*(np.shape(a) for a in (q, r, mean, std)))
    q, r, mean, std = (np.broadcast_to(a, shape).ravel() for a in (q, r, mean, std))
    fill = np.clip((r + q - mean) / q, 0.0, 1.0)
    shortfall = 1.0 - fill
    s = _is_stochastic(q, r, mean, std)
    if s.any():
        fill[s], shortfall[s], *_ = _normal_policy(q[s], r[s], mean[s], std[s])
    return fill.reshape(shape), shortfall.reshape(shape)


DISTRIBUTIONS = ("normal", "poisson", "negbin")
_NORMAL, _POISSON, _NEGBIN = range(3)
# A Poisson standard deviation may differ from sqrt(mean) by this share.
_POISSON_STD_TOLERANCE = 1e-6


def _model_codes(distribution, shape):
    """Per-item code (0 normal, 1 poisson, 2 negbin) broadcast to ``shape``."""
    names = np.asarray(distribution, dtype=object)
    codes = np.full(names.shape, -1, dtype=np.int8)
    for code, name in enumerate(DISTRIBUTIONS):
        codes[names == name] = code
    if (codes < 0).any():
        bad = sorted({str(v) for v in np.atleast_1d(names[codes < 0])})[:3]
        raise ValueError(f"distribution must be one of {DISTRIBUTIONS}, got {bad}")
    return np.broadcast_to(codes, shape)


def _whole(name, array, mask):
    bad = mask & (array != np.round(array))
    if bad.any():
        raise ValueError(
            f"{name} must be a whole number of units for a discrete distribution, "
            f"got {array[bad][:3].tolist()}"
        )


def _prepare_policy(q, r, mean, std, distribution, require_r=True):
    """Validated, broadcast, flattened inputs plus per-item model codes.

    Discrete rows need whole ``q`` and ``r`` and ``mean >= 0``; ``"poisson"``
    rows take ``std`` as ``sqrt(mean)`` (a given one must agree), ``"negbin"``
    rows need ``std^2 > mean > 0``.
    """
    q_ = positive("q", q)
    r_ = finite("r", r) if require_r else np.zeros(())
    mean_ = finite("mean_lt_demand", mean)
    given_std = std is not None
    std_ = nonnegative("std_lt_demand", std) if given_std else np.full((), np.nan)
    shape = np.broadcast_shapes(
        q_.shape, r_.shape, mean_.shape, std_.shape, np.shape(distribution)
    )
    q_, r_, mean_, std_ = (
        np.broadcast_to(a, shape).astype(float).ravel() for a in (q_, r_, mean_, std_)
    )
    codes = _model_codes(distribution, shape).ravel()
    discrete = codes != _NORMAL
    if not given_std and not discrete.all():
        raise ValueError("std_lt_demand is required for the normal distribution")
    _whole("q", q_, discrete)
    if require_r:
        _whole("r", r_, discrete)
    negative = discrete & (mean_ < 0)
    if negative.any():
        raise ValueError(
            f"mean_lt_demand must be >= 0 for a discrete distribution, got "
            f"{mean_[negative][:3].tolist()}"
        )
    poisson = codes == _POISSON
    root = np.sqrt(np.where(poisson, mean_, 0.0))
    if given_std:
        off = poisson & (
            np.abs(std_ - root) > _POISSON_STD_TOLERANCE * np.maximum(root, 1.0)
        )
        if off.any():
            raise ValueError(
                "std_lt_demand must equal sqrt(mean_lt_demand) for Poisson demand "
                f"(or be None), got {std_[off][:3].tolist()} for means "
                f"{mean_[off][:3].tolist()}"
            )
    std_ = np.where(poisson, root, std_)
    negbin = codes == _NEGBIN
    flat = negbin & ~(std_**2 > mean_ * (1.0 + 1e-12))
    if flat.any() or (negbin & (mean_ <= 0)).any():
        bad = flat | (negbin & (mean_ <= 0))
        raise ValueError(
            "std_lt_demand^2 must exceed mean_lt_demand > 0 for negative binomial "
            f"demand (over-dispersion), got std {std_[bad][:3].tolist()} for means "
            f"{mean_[bad][:3].tolist()}"
        )
    return shape, q_, r_, mean_, std_, codes


class _Discrete:
    """Poisson or negative binomial lead-time demand of several items at once.

    The loss functions come from tails of the size-biased laws: for Poisson
    ``k p(k) = theta p(k - 1)``, for the negative binomial of size ``n`` and
    success probability ``p`` (``theta = n (1 - p) / p``, variance ``theta /
    p``) ``k p_n(k) = theta p_{n+1}(k - 1)`` and ``k (k - 1) p_n(k) = n (n + 1)
    ((1 - p) / p)^2 p_{n+2}(k - 2)``. With ``T_j(x) = P(X_j > x)`` (``X_0 =
    X``, ``X_j`` the law shifted ``j`` times):

    - ``B(x) = E[(X - x)+] = theta T_1(x - 1) - x T_0(x)``;
    - ``beta(x) = E[(X - x)(X - x - 1); X > x] / 2 = (m_2 T_2(x - 2) - 2 x
      theta T_1(x - 1) + x (x + 1) T_0(x)) / 2`` with ``m_2 = E[X (X - 1)]``,

    so that ``beta(x - 1) - beta(x) = B(x)`` and ``B(x - 1) - B(x) = 1 - G(x - 1)``.
    """

    _ARRAYS = (
        "mean",
        "std",
        "negbin",
        "prob",
        "size",
        "factorial_moment",
        "log_gamma_size",
        "size_log_prob",
    )

    def __init__(self, mean, std, negbin):
        self.mean, self.std, self.negbin = mean, std, negbin
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(negbin, mean / np.where(negbin, std**2, 1.0), 1.0)
            self.prob = p
            self.size = np.where(negbin, mean * p / (1.0 - p), 1.0)
        n = self.size
        factorial_moment = np.where(
            negbin, n * (n + 1.0) * ((1.0 - p) / p) ** 2, mean**2
        )
        self.factorial_moment = np.where(negbin, factorial_moment, mean**2)
        # The negative binomial pmf's terms that do not depend on x, once.
        self.log_gamma_size = gammaln(n)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.size_log_prob = n * np.log(p)

    def tail(self, x):
        """``T_0(x) = P(X > x)`` for whole ``x`` (1 when ``x < 0``)."""
        result = np.ones(np.shape(x))
        # Special functions only where they are needed, and each family's only
        # on its own rows: the incomplete beta costs several times the gamma.
        inside = ~(x < 0)
        nb, k = self.negbin & inside, x + 1.0
        gamma = ~self.negbin & inside
        result[gamma] = gammainc(k[gamma], self.mean[gamma])
        result[nb] = betainc(k[nb], self.size[nb], 1.0 - self.prob[nb])
        return result

    def subset(self, keep):
        """The same items restricted to the boolean or index mask ``keep``."""
        part = object.__new__(_Discrete)
        for name in self._ARRAYS:
            setattr(part, name, getattr(self, name)[keep])
        return part

    def cdf(self, x):
        return 1.0 - self.tail(x)

    def pmf(self, x):
        """``P(X = x)`` for whole ``x`` (0 when ``x < 0``)."""
        result = np.zeros(np.shape(x))
        inside = ~(x < 0)
        nb = self.negbin & inside
        k, n, p = x[nb], self.size[nb], self.prob[nb]
        result[nb] = np.exp(
            gammaln(k + n)
            - self.log_gamma_size[nb]
            - gammaln(k + 1.0)
            + self.size_log_prob[nb]
            + xlog1py(k, -p)
        )
        poisson = ~self.negbin & inside
        k, mean = x[poisson], self.mean[poisson]
        log_pmf = xlogy(k, mean) - mean
        log_pmf -= gammaln(k + 1.0)
        result[poisson] = np.exp(log_pmf)
        return result

    def loss1(self, x):
        """``B(x) = (theta - x) T_0(x) + theta (1 + x / n) p(x)``.

        From ``T_1(x - 1) = T_0(x) + (1 + x / n) p(x)`` (``I_y(a, b + 1) =
        I_y(a, b) + y^a (1 - y)^b / (b B(a, b))`` for the negative binomial,
        ``n -> inf`` for Poisson): one incomplete gamma or beta per point.
        For Poisson it is Factory Physics' ``B(x) = theta p(x) + (theta - x)
        (1 - G(x))``.
        """
        return self._loss1_parts(x)[0]

    def _loss1_parts(self, x):
        """``(B(x), T_0(x), p(x))``."""
        tail, pmf = self.tail(x), self.pmf(x)
        return self._loss1_from(x, tail, pmf), tail, pmf

    def _loss1_from(self, x, tail, pmf):
        shift = np.where(self.negbin, x / np.where(self.negbin, self.size, 1.0), 0.0)
        value = (self.mean - x) * tail + self.mean * (1.0 + shift) * pmf
        return np.maximum(np.where(x < 0, self.mean - x, value), 0.0)

    def ends(self, q, x):
        """``(T_0(x), p(x), T_0(x + Q), p(x + Q))``: all the special functions
        a (Q, r) policy with ``r = x`` needs (:meth:`fill_pair`,
        :meth:`measures`)."""
        high = x + q
        return self.tail(x), self.pmf(x), self.tail(high), self.pmf(high)

    def walked_ends(self, q, x, anchors):
        """:meth:`ends`, walked down from known points where they are close.

        ``anchors`` holds two ``(point, T_0, p)`` triples, for ``x`` and for
        ``x + Q``: an end at most :data:`_WALK` units below its anchor (and
        not below 0) comes from ``T_0(y - 1) = T_0(y) + p(y)`` and ``p(y - 1)
        = p(y) y / ((y - 1 + n)(1 - p))`` (Poisson: ``p(y) y / theta``), sums
        and products of positive terms that lose a few units of the last
        place; the others are evaluated. Returns ``(ends, walked)``, the mask
        of items with an end walked.
        """
        values, walked = [], np.zeros(np.shape(x), dtype=bool)
        for y, (point, tail, pmf) in zip((x, x + q), anchors, strict=True):
            steps = point - y
            walk = (y >= 0) & (steps >= 0) & (steps <= _WALK) & (pmf > 0)
            index = np.flatnonzero(walk)
            if not index.size:
                values += [self.tail(y), self.pmf(y)]
                continue
            end_tail, end_pmf = np.empty(np.shape(y)), np.empty(np.shape(y))
            rest = np.flatnonzero(~walk)
            part = self.subset(rest)
            end_tail[rest], end_pmf[rest] = part.tail(y[rest]), part.pmf(y[rest])
            end_tail[index], end_pmf[index] = self.subset(index)._walk_down(
                point[index], tail[index], pmf[index], steps[index]
            )
            values += [end_tail, end_pmf]
            walked[index] = True
        return tuple(values), walked

    def _walk_down(self, point, tail, pmf, steps):
        """``(T_0, p)`` at ``point - steps`` from their values at ``point``."""
        # Longest walks first: the items still walking are a leading slice.
        order = np.argsort(-steps.astype(np.int16), kind="stable")
        left = steps[order]
        tail, pmf, y = tail[order], pmf[order], point[order]
        # p(y - 1) / p(y) = y / (a y + b): negative binomial a = 1 - p, b = (n
        # - 1)(1 - p); Poisson a = 0, b = theta.
        negbin = self.negbin[order]
        slope = np.where(negbin, 1.0 - self.prob[order], 0.0)
        offset = np.where(negbin, (self.size[order] - 1.0) * slope, self.mean[order])
        ratio = np.empty(tail.size)
        for step in range(int(left[0]) if left.size else 0):
            m = int(np.searchsorted(-left, -step, side="left"))
            tail[:m] += pmf[:m]
            np.multiply(y[:m], slope[:m], out=ratio[:m])
            ratio[:m] += offset[:m]
            np.divide(y[:m], ratio[:m], out=ratio[:m])
            pmf[:m] *= ratio[:m]
            y[:m] -= 1.0
        result_tail, result_pmf = np.empty_like(tail), np.empty_like(pmf)
        result_tail[order], result_pmf[order] = tail, pmf
        return result_tail, result_pmf

    def fill_pair(self, q, x, ends=None):
        """``(S(Q, x - 1), S(Q, x))`` from the tails at ``x`` and ``x + Q``.

        ``B(x - 1) = B(x) + T_0(x - 1)`` and ``T_0(x - 1) = T_0(x) + p(x)``:
        the lower neighbour costs no special function. ``ends``, the output
        of :meth:`ends` at ``x``, saves evaluating them again.
        """
        return self._pair(q, x, self.ends(q, x) if ends is None else ends)[:2]

    def _pair(self, q, x, ends):
        """:meth:`fill_pair` and the losses ``(B(x), B(x + Q))`` it used."""
        tail_low, pmf_low, tail_high, pmf_high = ends
        loss_low = self._loss1_from(x, tail_low, pmf_low)
        loss_high = self._loss1_from(x + q, tail_high, pmf_high)
        fill = np.clip(1.0 - (loss_low - loss_high) / q, 0.0, 1.0)
        step = (tail_low + pmf_low) - (tail_high + pmf_high)
        below = np.clip(1.0 - (loss_low - loss_high + step) / q, 0.0, 1.0)
        return below, fill, loss_low, loss_high

    def loss2(self, x):
        """``beta(x)`` from one tail and one probability at ``x``.

        ``T_{j+1}(x - 1) = T_j(x) + (1 + x / (n + j)) p_j(x)`` (as in
        :meth:`loss1`) and ``p_1(x - 1) = x p(x) / theta`` give ``T_1(x - 1)``
        and ``T_2(x - 2)`` from ``T_0(x)`` and ``p(x)`` (Poisson: ``n ->
        inf``), sums of positive terms.
        """
        return self._loss2_from(x, self.tail(x), self.pmf(x))

    def _loss2_from(self, x, tail, pmf):
        nb = self.negbin
        size = np.where(nb, self.size, 1.0)
        first = tail + np.where(nb, 1.0 + x / size, 1.0) * pmf
        with np.errstate(divide="ignore", invalid="ignore"):
            previous = np.where(self.mean > 0, x * pmf / self.mean, 0.0)
        second = first + np.where(nb, 1.0 + (x - 1.0) / (size + 1.0), 1.0) * previous
        value = 0.5 * (
            self.factorial_moment * second
            - 2.0 * x * self.mean * first
            + x * (x + 1.0) * tail
        )
        return np.maximum(value, 0.0)

    def quantile(self, level):
        """Smallest whole ``x`` with ``G(x) >= level``."""
        poisson = stats.poisson.ppf(level, self.mean)
        negbin = stats.nbinom.ppf(level, self.size, self.prob)
        return np.where(self.negbin, negbin, poisson)

    def measures(self, q, r, slope=False, ends=None, losses=None):
        """``(S(Q, r), B(Q, r), I(Q, r)[, dI/dQ at constant S])`` from one tail
        and probability at ``r`` and at ``r + Q`` (:func:`lot_size_slope`;
        ``B(x + 1) = B(x) - T_0(x)`` gives ``n(r + Q + 1)``); ``ends``, the
        output of :meth:`ends` at ``r``, and ``losses``, ``(B(r), B(r +
        Q))``, save evaluating them again."""
        if ends is None:
            ends = self.ends(q, r)
        tail_low, pmf_low, tail_high, pmf_high = ends
        top = r + q
        if losses is None:
            losses = (
                self._loss1_from(r, tail_low, pmf_low),
                self._loss1_from(top, tail_high, pmf_high),
            )
        loss1_low, loss1_high = losses
        loss2_low = self._loss2_from(r, tail_low, pmf_low)
        loss2_high = self._loss2_from(top, tail_high, pmf_high)
        fill = np.clip(1.0 - (loss1_low - loss1_high) / q, 0.0, 1.0)
        backorders = np.maximum((loss2_low - loss2_high) / q, 0.0)
        on_hand = np.maximum(0.5 * (q + 1.0) + r - self.mean + backorders, 0.0)
        if not slope:
            return fill, backorders, on_hand
        parts = (loss1_high - tail_high, backorders, fill, 1 - tail_low, 1 - tail_high)
        return fill, backorders, on_hand, _slope_formula(q, *parts)

    def fill(self, q, r):
        """``S(Q, r) = 1 - [B(r) - B(r + Q)] / Q``, clipped to [0, 1]."""
        return np.clip(1.0 - (self.loss1(r) - self.loss1(r + q)) / q, 0.0, 1.0)

    def backorders(self, q, r):
        """``B(Q, r) = [beta(r) - beta(r + Q)] / Q``."""
        return np.maximum((self.loss2(r) - self.loss2(r + q)) / q, 0.0)

    def on_hand(self, q, r):
        """``I(Q, r) = (Q + 1) / 2 + r - theta + B(Q, r)``."""
        value = 0.5 * (q + 1.0) + r - self.mean + self.backorders(q, r)
        return np.maximum(value, 0.0)


def _measure(name, q, r, mean, std, codes):
    """One policy measure (``fill``, ``backorders``, ``on_hand``) per item."""
    result = np.empty(q.size)
    normal = codes == _NORMAL
    if normal.any():
        args = (q[normal], r[normal], mean[normal], std[normal])
        if name == "fill":
            result[normal] = _fill_and_shortfall(*args)[0]
        elif name == "backorders":
            result[normal] = _backorders(*args)
        else:
            result[normal] = _on_hand(*args)
    d = ~normal
    if d.any():
        model = _Discrete(mean[d], std[d], codes[d] == _NEGBIN)
        result[d] = getattr(model, name)(q[d], r[d])
    return result


def policy_measures(
    q, r, mean_lt_demand, std_lt_demand=None, distribution="normal", *, slope=False
):
    """Fill rate, backorder level and on-hand stock of (Q, r) policies at once.

    The values of :func:`fill_rate`, :func:`backorder_level` and
    :func:`inventory_level` (same arguments), sharing the discrete models'
    tail evaluations; with ``slope=True`` also :func:`lot_size_slope`.

    Returns
    -------
    tuple
        ``(fill, backorders, on_hand)`` (plus ``slope``), each like
        :func:`fill_rate`'s result.

    References
    ----------
    Hopp & Spearman, *Factory Physics* 3rd ed., sec. 2.4.3.
    """
    shape, q_, r_, mean, std, codes = _prepare_policy(
        q, r, mean_lt_demand, std_lt_demand, distribution
    )
    results = [np.empty(q_.size) for _ in range(4 if slope else 3)]
    normal = codes == _NORMAL
    if normal.any():
        args = (q_[normal], r_[normal], mean[normal], std[normal])
        for result, value in zip(results, _normal_measures(*args, slope), strict=True):
            result[normal] = value
    d = ~normal
    if d.any():
        model = _Discrete(mean[d], std[d], codes[d] == _NEGBIN)
        values = model.measures(q_[d], r_[d], slope)
        for result, value in zip(results, values, strict=True):
            result[d] = value
    inputs = [
        x for x in (q, r, mean_lt_demand, std_lt_demand, distribution) if x is not None
    ]
    return tuple(scalar_or_array(result.reshape(shape), *inputs) for result in results)


def _policy(name, q, r, mean_lt_demand, std_lt_demand, distribution):
    shape, q_, r_, mean, std, codes = _prepare_policy(
        q, r, mean_lt_demand, std_lt_demand, distribution
    )
    result = _measure(name, q_, r_, mean, std, codes).reshape(shape)
    inputs = (q, r, mean_lt_demand, std_lt_demand, distribution)
    return scalar_or_array(result, *(x for x in inputs if x is not None))


def _discrete_reorder_points(q, mean, std, negbin, level, start=None):
    """Smallest whole ``r`` with discrete ``S(Q, r) >= level``.

    Bracket without a quantile: ``S(Q, r) <= G(r + Q - 1)`` and Cantelli's
    one-sided inequality ``G(theta - d) <= sigma^2 / (sigma^2 + d^2)`` make
    ``floor(theta - d) - Q - 1`` too low (``d = sigma sqrt((1 - level) /
    level)``); ``S(Q, r) >= 1 - B(r) / Q`` with Scarf's bound ``B(r) <=
    (sqrt(sigma^2 + (theta - r)^2) + theta - r) / 2`` make ``ceil(theta - c +
    sigma^2 / (4 c))``, ``c = Q (1 - level)``, high enough (it is the answer
    itself when ``Q`` is large against ``sigma``, the usual low-volume case),
    as is Cantelli's ``ceil(theta + sigma sqrt(level / (1 - level))) + 1``.
    Each step then tests the two whole numbers around the linear
    interpolation of ``S - level`` between the bracket ends (regula falsi), or
    around its midpoint after two steps that did not halve it, only for items
    whose bracket is open or whose upper end is not yet evaluated; the
    answer is the evaluated upper end once the ends are neighbours. A
    ``start`` guess is tested first, with its lower neighbour: a good guess
    settles the item in that one step.
    """
    return _bracket_search(_Discrete(mean, std, negbin), q, level, start)[0]


def _discrete_bounds(model, q, level):
    """Whole reorder points too low / high enough for ``S(Q, r) >= level``
    (:func:`_discrete_reorder_points`)."""
    mean, std = model.mean, model.std
    cycle_shortfall = q * (1.0 - level)
    low = np.floor(mean - std * np.sqrt((1.0 - level) / level)) - q - 1.0
    high = np.minimum(
        np.ceil(mean - cycle_shortfall + std**2 / (4.0 * cycle_shortfall)),
        np.ceil(mean + std * np.sqrt(level / (1.0 - level))) + 1.0,
    )
    return low, high


def _newton_guess(q, level, r0, q0, tails, losses):
    """Whole reorder point a Newton step from a solved ``(Q0, r0)`` predicts.

    ``S(Q, r) >= level`` reads ``F(r) = B(r) - B(r + Q) - Q (1 - level) <=
    0`` with ``F' = -(T_0(r) - T_0(r + Q))``. ``tails`` and ``losses`` are
    ``T_0`` and ``B`` at ``r0`` and ``r0 + Q0``; ``B(r0 + Q)`` is extrapolated
    linearly from ``r0 + Q0``. NaN where the step is undefined.
    """
    (tail_low, tail_high), (loss_low, loss_high) = tails, losses
    loss_top = np.maximum(loss_high - tail_high * (q - q0), 0.0)
    excess = loss_low - loss_top - q * (1.0 - level)
    with np.errstate(divide="ignore", invalid="ignore"):
        guess = np.ceil(r0 + excess / (tail_low - tail_high))
    return np.where(np.isfinite(guess), guess, np.nan)


def _discrete_search(model, q, level, start=None, anchors=None):
    """:func:`_discrete_reorder_points` of the items of ``model``, a
    :class:`_Discrete`: returns ``(r, ends, losses)``, the
    :meth:`_Discrete.ends` and ``(B(r), B(r + Q))`` at the answers, for the
    policy measures there.

    A ``start`` is first tested on all items at once, its special functions
    walked from ``anchors`` where they are close
    (:meth:`_Discrete.walked_ends`; a walked test this close to a tie is
    evaluated again). An item is settled when its test ``x`` has ``S(Q, x -
    1) < level <= S(Q, x)`` inside the bracket of
    :func:`_discrete_reorder_points`; the others test a Newton step off
    their last test (:func:`_newton_guess`, one unit on when it stays put),
    a few rounds, and then go on to the bracket search from there.
    """
    if start is None:
        return _bracket_search(model, q, level)
    low, high = _discrete_bounds(model, q, level)
    r = np.empty(q.size)
    ends = tuple(np.empty(q.size) for _ in range(4))
    losses = (np.empty(q.size), np.empty(q.size))
    pending, guess = np.arange(q.size), np.round(start)
    for attempt in range(_NEWTON_ROUNDS):
        whole = pending.size == q.size
        part = model if whole else model.subset(pending)
        q_, level_ = q[pending], level[pending]
        usable = (
            np.isfinite(guess) & (guess - 1.0 > low[pending]) & (guess <= high[pending])
        )
        x = np.where(usable, guess, high[pending])
        if attempt == 0 and anchors is not None:
            tested = _walked_test(part, q_, level_, x, anchors)
        else:
            tested = part.ends(q_, x)
            tested = (*tested, *part._pair(q_, x, tested))
        *tested_ends, below, at, loss_low, loss_high = tested
        settled = usable & (below < level_) & (at >= level_)
        done = pending[settled]
        r[done] = x[settled]
        for values, values_tested in zip(
            (*ends, *losses), (*tested_ends, loss_low, loss_high), strict=True
        ):
            values[done] = values_tested[settled]
        keep = ~settled
        pending, x = pending[keep], x[keep]
        if not pending.size:
            break
        guess = _newton_guess(
            q_[keep],
            level_[keep],
            x,
            q_[keep],
            (tested_ends[0][keep], tested_ends[2][keep]),
            (loss_low[keep], loss_high[keep]),
        )
        stuck = guess == x
        guess[stuck] += np.where(at[keep][stuck] >= level_[keep][stuck], -1.0, 1.0)
    if pending.size:
        rest = _bracket_search(model.subset(pending), q[pending], level[pending], guess)
        r[pending] = rest[0]
        for values, values_rest in zip(
            (*ends, *losses), (*rest[1], *rest[2]), strict=True
        ):
            values[pending] = values_rest
    return r, ends, losses


def _walked_test(model, q, level, x, anchors):
    """:meth:`_Discrete.ends` at ``x`` walked from ``anchors`` and the
    :meth:`_Discrete._pair` of them; near ties evaluated instead."""
    ends, walked = model.walked_ends(q, x, anchors)
    tested = (*ends, *model._pair(q, x, ends))
    below, at = tested[4], tested[5]
    tie = np.flatnonzero(
        walked
        & ((np.abs(at - level) < _WALKED_TIE) | (np.abs(below - level) < _WALKED_TIE))
    )
    if tie.size:
        part = model.subset(tie)
        ends_tie = part.ends(q[tie], x[tie])
        for values, values_tie in zip(
            tested, (*ends_tie, *part._pair(q[tie], x[tie], ends_tie)), strict=True
        ):
            values[tie] = values_tie
    return tested


def _bracket_search(model, q, level, start=None):
    """The bracket search of :func:`_discrete_reorder_points`; returns ``(r,
    ends, losses)`` as :func:`_discrete_search`."""
    mean, std = model.mean, model.std
    low, high = _discrete_bounds(model, q, level)
    # S - level at the ends: the bounds' values until evaluated.
    top = mean - high
    gap_high = 1.0 - 0.5 * (np.sqrt(std**2 + top**2) + top) / q - level
    spread = np.maximum(mean - (low + q - 1.0), 0.0)
    with np.errstate(invalid="ignore"):
        gap_low = np.nan_to_num(std**2 / (std**2 + spread**2), nan=1.0) - level
    gap_low = np.minimum(gap_low, -1e-12)
    checked = np.zeros(q.size, dtype=bool)
    # The special functions at the upper end, where it was tested as such.
    ends = [np.empty(q.size) for _ in range(4)]
    kept = np.zeros(q.size, dtype=bool)
    width = high - low
    stalled = np.zeros(q.size, dtype=np.int8)
    open_ = np.arange(q.size)
    first = start is not None
    while open_.size:
        lo, hi = low[open_], high[open_]
        g_lo, g_hi = gap_low[open_], np.maximum(gap_high[open_], 0.0)
        guess = np.ceil(lo + np.clip(g_lo / (g_lo - g_hi), 0.0, 1.0) * (hi - lo))
        upper = np.where(stalled[open_] >= 2, np.floor(0.5 * (lo + hi)) + 1.0, guess)
        if first:
            upper = np.where(np.isfinite(start), np.round(start), upper)
            first = False
        upper = np.clip(upper, lo + 1.0, hi)
        lower = np.clip(upper - 1.0, lo + 1.0, hi)
        part = model.subset(open_)
        at_upper = part.ends(q[open_], upper)
        below, at = part.fill_pair(q[open_], upper, at_upper)
        # lower is upper - 1, or upper itself where the bracket clips it.
        below = np.where(lower < upper, below, at)
        gap = np.concatenate([below, at]) - np.concatenate([level[open_]] * 2)
        # The highest test below level and the lowest one at or above it
        # become the new ends; an upper end found short moves one unit up.
        for tested, tested_gap in (
            (upper, gap[open_.size :]),
            (lower, gap[: open_.size]),
        ):
            reached = tested_gap >= 0
            up = reached & (tested <= high[open_])
            high[open_[up]], gap_high[open_[up]] = tested[up], tested_gap[up]
            checked[open_[up]] = True
            evaluated = up & (tested == upper)
            kept[open_[up]] = evaluated[up]
            for kept_end, value in zip(ends, at_upper, strict=True):
                kept_end[open_[evaluated]] = value[evaluated]
            down = ~reached & (tested > low[open_])
            low[open_[down]], gap_low[open_[down]] = tested[down], tested_gap[down]
            short = open_[down][low[open_[down]] >= high[open_[down]]]
            high[short], checked[short] = low[short] + 1.0, False
        new_width = high[open_] - low[open_]
        stalled[open_] = np.where(new_width > 0.5 * width[open_], stalled[open_] + 1, 0)
        width[open_] = new_width
        open_ = open_[(new_width > 1) | ~checked[open_]]
    # Answers found as a lower neighbour: their ends evaluated directly.
    missing = np.flatnonzero(~kept)
    if missing.size:
        values = model.subset(missing).ends(q[missing], high[missing])
        for kept_end, value in zip(ends, values, strict=True):
            kept_end[missing] = value
    losses = (
        model._loss1_from(high, ends[0], ends[1]),
        model._loss1_from(high + q, ends[2], ends[3]),
    )
    return high, tuple(ends), losses


def base_stock(mean_lt_demand, std_lt_demand, service, distribution="normal"):
    """Base-stock level for a type-I service (probability of no stock-out).

    ``R = theta + z sigma`` with ``z = Phi^-1(service)``: the ``service``
    quantile of normal lead-time demand, so that ``G(R) = service``.

    Parameters
    ----------
    mean_lt_demand : float or array_like
        Mean lead-time demand ``theta`` (units).
    std_lt_demand : float or array_like
        Standard deviation of lead-time demand ``sigma`` (units), >= 0.
    service : float or array_like
        Probability of no stock-out during a replenishment lead time, in (0, 1).

    Returns
    -------
    float or numpy.ndarray
        Base-stock level (units); ``theta`` when ``service = 0.5`` or ``sigma = 0``.

    Raises
    ------
    ValueError
        NaN, infinite values, negative ``sigma`` or ``service`` outside (0, 1).

    References
    ----------
    Hopp & Spearman, *Factory Physics* 3rd ed., sec. 2.4.2 (base-stock model).
    """
    level = probability("service", service)
    shape, _, _, mean, std, codes = _prepare_policy(
        np.ones(level.shape), None, mean_lt_demand, std_lt_demand, distribution, False
    )
    level = np.broadcast_to(level, shape).ravel()
    result = mean + ndtri(level) * np.where(codes == _NORMAL, std, 0.0)
    d = codes != _NORMAL
    if d.any():
        model = _Discrete(mean[d], std[d], codes[d] == _NEGBIN)
        result[d] = model.quantile(level[d])
    inputs = (mean_lt_demand, std_lt_demand, service, distribution)
    return scalar_or_array(result.reshape(shape), *(x for x in inputs if x is not None))


def fill_rate(q, r, mean_lt_demand, std_lt_demand=None, distribution="normal"):
    """Type-II fill rate of a (Q, r) policy with normal lead-time demand.

    ``S(Q, r) = 1 - (n(r) - n(r + Q)) / Q = (1/Q) integral_r^{r+Q} G(x) dx``,
    ``n`` the first-order loss function (expected shortfall when the inventory
    position is x; see the module docstring). It is the share of demand filled
    from stock when the inventory position is uniform on ``[r, r + Q]``.

    Parameters
    ----------
    q : float or array_like
        Order quantity Q (units), > 0.
    r : float or array_like
        Reorder point (units); may be negative.
    mean_lt_demand, std_lt_demand : float or array_like
        Mean and standard deviation (>= 0) of lead-time demand (units).

    Returns
    -------
    float or numpy.ndarray
        Fill rate in [0, 1]. With ``sigma = 0``: ``clip((r + Q - theta) / Q, 0, 1)``.

    Raises
    ------
    ValueError
        NaN, infinite values, ``q <= 0`` or negative ``sigma``.

    References
    ----------
    Hopp & Spearman, *Factory Physics* 3rd ed., sec. 2.4.3 ((Q, r) model,
    continuous normal approximation of ``S(Q, r) = 1 - [B(r) - B(r + Q)] / Q``).
    """
    return _policy("fill", q, r, mean_lt_demand, std_lt_demand, distribution)


def backorder_level(q, r, mean_lt_demand, std_lt_demand=None, distribution="normal"):
    """Expected number of backorders of a (Q, r) policy, normal lead-time demand.

    ``B(Q, r) = (beta(r) - beta(r + Q)) / Q``, the base-stock backorders
    ``n(x)`` (first-order loss) averaged over the inventory position ``x``
    uniform on ``[r, r + Q]``; ``beta`` is the second-order loss
    ``beta(x) = integral_x^inf n(y) dy = sigma^2 / 2 ((z^2 + 1)(1 - Phi(z)) -
    z phi(z))``.

    Parameters
    ----------
    q, r, mean_lt_demand, std_lt_demand : float or array_like
        As in :func:`fill_rate` (units).

    Returns
    -------
    float or numpy.ndarray
        Average backorder level (units), >= 0.

    Raises
    ------
    ValueError
        NaN, infinite values, ``q <= 0`` or negative ``sigma``.

    References
    ----------
    Hopp & Spearman, *Factory Physics* 3rd ed., sec. 2.4.3 (``B(Q, r)``).
    """
    return _policy("backorders", q, r, mean_lt_demand, std_lt_demand, distribution)


def _backorders(q, r, mean, std):
    # Deterministic rows (sigma ~ 0) are computed with sigma 1 and then replaced.
    normal = _is_stochastic(q, r, mean, std)
    safe_std = np.where(normal, std, 1.0)
    z1 = (r - mean) / safe_std
    z2 = (r + q - mean) / safe_std
    stochastic = safe_std**2 * (_loss2(z1) - _loss2(z2)) / q
    gap1 = np.maximum(mean - r, 0.0)
    gap2 = np.maximum(mean - r - q, 0.0)
    deterministic = (gap1**2 - gap2**2) / (2.0 * q)
    return np.maximum(np.where(normal, stochastic, deterministic), 0.0)


def _on_hand(q, r, mean, std):
    """I(Q, r), computed in the form that does not cancel.

    ``I = Q/2 + r - theta + B(Q, r)`` loses precision when almost everything is
    backordered; there the identical ``I = (beta_(r + Q) - beta_(r)) / Q`` with
    ``beta_(x) = E[(x - X)+^2] / 2 = sigma^2 L2(-z)`` (on-hand stock averaged
    over the uniform inventory position) is used instead.
    """
    normal = _is_stochastic(q, r, mean, std)
    safe_std = np.where(normal, std, 1.0)
    z1 = (r - mean) / safe_std
    z2 = (r + q - mean) / safe_std
    low = safe_std**2 * (_loss2(-z2) - _loss2(-z1)) / q
    high = 0.5 * q + r - mean + _backorders(q, r, mean, std)
    stochastic = np.where(0.5 * (z1 + z2) >= 0, high, low)
    excess1 = np.maximum(r - mean, 0.0)
    excess2 = np.maximum(r + q - mean, 0.0)
    deterministic = (excess2**2 - excess1**2) / (2.0 * q)
    return np.maximum(np.where(normal, stochastic, deterministic), 0.0)


def inventory_level(q, r, mean_lt_demand, std_lt_demand=None, distribution="normal"):
    """Average on-hand inventory of a (Q, r) policy, normal lead-time demand.

    ``I(Q, r) = Q/2 + r - theta + B(Q, r)``: cycle stock ``Q/2``, safety stock
    ``r - theta`` and the backorders ``B(Q, r)`` (second-order loss, see
    :func:`backorder_level`) that net inventory owes but on-hand stock does not
    carry. Continuous counterpart of Factory Physics' ``(Q + 1)/2 + r - theta +
    B(Q, r)``. Its derivative in ``r`` is the fill rate, ``dI/dr = S(Q, r)``.

    Parameters
    ----------
    q, r, mean_lt_demand, std_lt_demand : float or array_like
        As in :func:`fill_rate` (units).

    Returns
    -------
    float or numpy.ndarray
        Average on-hand inventory (units), >= 0.

    Raises
    ------
    ValueError
        NaN, infinite values, ``q <= 0`` or negative ``sigma``.

    References
    ----------
    Hopp & Spearman, *Factory Physics* 3rd ed., sec. 2.4.3 (``I(Q, r)``).
    """
    return _policy("on_hand", q, r, mean_lt_demand, std_lt_demand, distribution)


# demand_model: lead-time demand at or above this many units is normal enough
# (Poisson skewness 1/sqrt(theta) <= 0.14: the normal fill rate is then within
# about 1 % of the Poisson one) unless its spread makes it skewed.
_NORMAL_ABOVE = 50.0
_MAX_NORMAL_CV = 0.5


def lot_size_slope(q, r, mean_lt_demand, std_lt_demand=None, distribution="normal"):
    """Marginal on-hand stock of a larger lot at a constant fill rate.

    ``dI/dQ`` along ``S(Q, r(Q)) = S(Q, r)``: a unit more lot size adds half a
    unit of cycle stock but lets the reorder point fall, because the fill rate
    rises with ``Q``. With ``dS/dr = (G(r + Q) - G(r)) / Q``, ``dS/dQ = (G(r + Q)
    - S) / Q``, ``dI/dr = S`` and ``dB(Q, r)/dQ = (n(r + Q) - B(Q, r)) / Q``
    (``n`` the first-order loss):

    .. math::

        \\frac{dI}{dQ}\\Big|_S = \\frac{1}{2} + \\frac{n(r + Q) - B(Q, r)}{Q}
        - S \\frac{G(r + Q) - S}{G(r + Q) - G(r)}

    exact for normal demand (``S^2 / 2`` in the deterministic limit); for the
    discrete models the same expression with the discrete ``G``, ``n(r + Q +
    1)`` and ``B(Q, r)`` (their unit differences in ``Q`` and ``r``), a
    first-order approximation for pricing larger lots. Also returned by
    :func:`policy_measures` with ``slope=True``, from the same evaluations.

    Parameters
    ----------
    q, r, mean_lt_demand, std_lt_demand, distribution
        As in :func:`fill_rate`.

    Returns
    -------
    float or numpy.ndarray
        Units of on-hand stock per unit of lot size (may be negative).

    References
    ----------
    Hopp & Spearman, *Factory Physics* 3rd ed., sec. 2.4.3 ((Q, r) model: the
    fill rate and the backorder level as functions of Q and r).
    """
    return policy_measures(
        q, r, mean_lt_demand, std_lt_demand, distribution, slope=True
    )[3]


def _normal_measures(q, r, mean, std, slope):
    """``(fill, backorders, on_hand[, slope])`` of normal rows (std 0 included)."""
    fill = _fill_and_shortfall(q, r, mean, std)[0]
    backorders = _backorders(q, r, mean, std)
    measures = [fill, backorders, _on_hand(q, r, mean, std)]
    if slope:
        stochastic = _is_stochastic(q, r, mean, std)
        safe_std = np.where(stochastic, std, 1.0)
        z1, z2 = (r - mean) / safe_std, (r + q - mean) / safe_std
        loss_top = safe_std * (_pdf(z2) - z2 * ndtr(-z2))
        value = _slope_formula(q, loss_top, backorders, fill, ndtr(z1), ndtr(z2))
        measures.append(np.where(stochastic, value, 0.5 * fill**2))
    return measures


def _slope_formula(q, loss_top, backorders, fill, low, high):
    """``1/2 + (n(r + Q) - B) / Q - S (G(r + Q) - S) / (G(r + Q) - G(r))``."""
    spread = high - low
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(spread > 0, fill * (high - fill) / spread, 0.0)
    return 0.5 + (loss_top - backorders) / q - shift


def demand_model(
    mean_per_period,
    var_per_period,
    zero_share=None,
    lead_time=1.0,
    lead_time_std=0.0,
    *,
    normal_above=_NORMAL_ABOVE,
    dispersion_tolerance=0.1,
    intermittent_excess=0.1,
):
    """Lead-time demand distribution per item from its demand history.

    Lead-time demand has mean ``theta = m L`` and variance ``V = v L + m^2
    sL^2`` (per-period mean ``m`` and variance ``v``, lead time ``L`` periods
    with standard deviation ``sL``; :func:`lead_time_demand`). The rule, item
    by item (first that applies):

    - ``theta = 0``: poisson, ``no_demand``;
    - ``theta >= normal_above`` and ``sqrt(V) / theta <= 0.5``: normal,
      ``high_volume``;
    - ``V > theta (1 + tol)`` and a share of zero periods above Poisson's
      ``exp(-m)`` by more than ``intermittent_excess``: negbin,
      ``intermittent``;
    - ``V > theta (1 + tol)`` with ``theta >= normal_above`` (too spread out
      for a normal): negbin, ``skewed``;
    - ``V > theta (1 + tol)``: negbin, ``overdispersed``;
    - ``V < theta (1 - tol)``: poisson, ``underdispersed`` (Poisson overstates
      the spread, a safe side);
    - otherwise: poisson, ``poisson_fit``.

    A high-volume item whose spread is too wide for a normal but not above
    ``theta`` cannot occur (``cv <= 1 / sqrt(theta) < 0.5``).

    Discrete models count whole units: their reorder points and lot sizes are
    whole numbers (:func:`reorder_point_for_fill_rate`).

    Parameters
    ----------
    mean_per_period, var_per_period : float or array_like
        Demand per period: mean (units) and variance (units^2), >= 0.
    zero_share : float or array_like, optional
        Share of periods without demand in the history, in [0, 1] (NaN or
        None: unknown).
    lead_time, lead_time_std : float or array_like
        Replenishment lead time and its standard deviation (periods), >= 0.
    normal_above : float, default 50
        Lead-time demand (units) from which the normal model is used.
    dispersion_tolerance : float, default 0.1
        Relative band around ``V = theta`` read as Poisson.
    intermittent_excess : float, default 0.1
        Extra share of zero periods above Poisson's that marks intermittent
        demand.

    Returns
    -------
    tuple of numpy.ndarray
        ``(model, reason)``: per item ``"normal"``, ``"poisson"`` or
        ``"negbin"`` and the reason code of the table.

    Raises
    ------
    ValueError
        NaN, infinite or negative values, ``zero_share`` outside [0, 1].

    References
    ----------
    Hopp & Spearman, *Factory Physics* 3rd ed., sec. 2.4 (Poisson lead-time
    demand for slow movers, normal for fast ones); Silver, Pyke & Peterson,
    *Inventory Management and Production Planning and Scheduling* 3rd ed.,
    ch. 7 (slow-moving items, negative binomial for over-dispersed demand);
    Syntetos & Boylan, "On the categorization of demand patterns", JORS 56
    (2005) 495-503 (intermittent demand).
    """
    mean = nonnegative("mean_per_period", mean_per_period)
    variance = nonnegative("var_per_period", var_per_period)
    lead = nonnegative("lead_time", lead_time)
    lead_sd = nonnegative("lead_time_std", lead_time_std)
    zeros = _zero_share(zero_share)
    shape = np.broadcast_shapes(
        mean.shape, variance.shape, lead.shape, lead_sd.shape, zeros.shape
    )
    mean, variance, lead, lead_sd, zeros = (
        np.broadcast_to(a, shape) for a in (mean, variance, lead, lead_sd, zeros)
    )
    theta = mean * lead
    spread = variance * lead + mean**2 * lead_sd**2
    tol = float(nonnegative("dispersion_tolerance", dispersion_tolerance))
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.sqrt(spread) / theta
        excess_zeros = zeros - np.exp(-mean) > intermittent_excess
    over = spread > theta * (1.0 + tol)
    under = spread < theta * (1.0 - tol)
    high = theta >= float(nonnegative("normal_above", normal_above))
    conditions = [
        theta <= 0,
        high & (cv <= _MAX_NORMAL_CV),
        over & excess_zeros,
        over & high,
        over,
        under,
    ]
    model = np.select(
        conditions,
        ["poisson", "normal", "negbin", "negbin", "negbin", "poisson"],
        "poisson",
    ).astype(object)
    reason = np.select(
        conditions,
        [
            "no_demand",
            "high_volume",
            "intermittent",
            "skewed",
            "overdispersed",
            "underdispersed",
        ],
        "poisson_fit",
    ).astype(object)
    return model, reason


def _zero_share(zero_share):
    if zero_share is None:
        return np.full((), np.nan)
    try:
        array = np.asarray(zero_share, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"zero_share must be numeric, got {zero_share!r}") from exc
    bad = (array < 0) | (array > 1)
    if bad.any():
        raise ValueError(f"zero_share must be in [0, 1], got {array[bad][:3].tolist()}")
    return array


def lead_time_demand(demand_mean, demand_std, lead_time_mean, lead_time_std):
    """Mean and standard deviation of demand over a random lead time.

    With i.i.d. per-period demand (mean ``D``, standard deviation ``sD``) and an
    independent lead time (mean ``L``, standard deviation ``sL``, in periods):
    ``theta = D L`` and ``sigma^2 = L sD^2 + D^2 sL^2``.

    Parameters
    ----------
    demand_mean, demand_std : float or array_like
        Demand per period: mean and standard deviation (units per period), >= 0.
    lead_time_mean, lead_time_std : float or array_like
        Replenishment lead time: mean and standard deviation (periods), >= 0.

    Returns
    -------
    tuple
        ``(theta, sigma)`` in units.

    Raises
    ------
    ValueError
        NaN, infinite or negative values.

    References
    ----------
    Silver, Pyke & Peterson, *Inventory Management and Production Planning and
    Scheduling* 3rd ed., Wiley 1998 (safety stocks under random lead times);
    Hopp & Spearman, *Factory Physics* 3rd ed., ch. 2 ((Q, r) model with
    variable lead times).
    """
    demand = nonnegative("demand_mean", demand_mean)
    demand_sd = nonnegative("demand_std", demand_std)
    lead = nonnegative("lead_time_mean", lead_time_mean)
    lead_sd = nonnegative("lead_time_std", lead_time_std)
    mean = demand * lead
    std = np.sqrt(lead * demand_sd**2 + demand**2 * lead_sd**2)
    inputs = (demand_mean, demand_std, lead_time_mean, lead_time_std)
    return scalar_or_array(mean, *inputs), scalar_or_array(std, *inputs)


def _search_range(q, mean, std):
    """Reorder points outside which the fill rate is 0 or 1 to within ~1e-23."""
    return mean - q - _SPAN * std, mean + _SPAN * std


def reorder_point_for_fill_rate(
    q, mean_lt_demand, std_lt_demand, target, distribution="normal", *, start=None
):
    """Smallest reorder point whose (Q, r) fill rate reaches ``target``.

    Solves ``S(Q, r) = target`` for ``r`` (``S`` increases in ``r`` with slope
    ``(G(r + Q) - G(r)) / Q > 0``) by bisection run on all items at once for a
    fixed number (48) of halvings of ``[theta - Q - 10 sigma, theta + 10
    sigma]``, which leaves ``4e-15 (Q + 20 sigma)``. The upper end of the final
    bracket is returned, so the fill rate is never below target.

    Parameters
    ----------
    q : float or array_like
        Order quantity (units), > 0.
    mean_lt_demand, std_lt_demand : float or array_like
        Mean and standard deviation (>= 0) of lead-time demand (units).
    target : float or array_like
        Target fill rate, in (0, 1).
    start : float or array_like, optional
        A guess of the reorder points (e.g. those of a nearby plan; NaN for
        none), tested first by the discrete search; the answer does not
        depend on it.

    Returns
    -------
    float or numpy.ndarray
        Reorder point (units).

    Raises
    ------
    ValueError
        NaN, infinite values, ``q <= 0``, negative ``sigma``, target outside (0, 1).

    References
    ----------
    Hopp & Spearman, *Factory Physics* 3rd ed., sec. 2.4.3.
    """
    level = probability("target", target)
    shape, q_, _, mean, std, codes = _prepare_policy(
        q, None, mean_lt_demand, std_lt_demand, distribution, require_r=False
    )
    full = np.broadcast_shapes(shape, level.shape)
    q_, mean, std, codes, level = (
        np.broadcast_to(a.reshape(np.shape(level) if a is level else shape), full)
        .ravel()
        .copy()
        for a in (q_, mean, std, codes, level)
    )
    shape = full
    # sigma = 0: S = (r + Q - theta) / Q on [theta - Q, theta].
    result = mean - q_ + level * q_
    d = codes != _NORMAL
    if d.any():
        guess = None
        if start is not None:
            guess = np.broadcast_to(np.asarray(start, float), shape).ravel()[d]
        result[d] = _discrete_reorder_points(
            q_[d], mean[d], std[d], codes[d] == _NEGBIN, level[d], guess
        )
    s = _is_stochastic(q_, 0.0, mean, std) & ~d
    q_, mean, std, level = q_[s], mean[s], std[s], level[s]
    result[s] = _bisection(q_, mean, std, level, *_search_range(q_, mean, std))
    inputs = (q, mean_lt_demand, std_lt_demand, target, distribution)
    return scalar_or_array(result.reshape(shape), *(x for x in inputs if x is not None))


# Bisection halvings of reorder_point_for_fill_rate: 4e-15 of Q + 20 sigma left.
_HALVINGS = 48
# Fill-rate margin around the target beyond which a bisection test is decided
# without evaluating it (about fifty times the rounding of S near 1).
_SURE_GAP = 1e-14


def _bisection(q, mean, std, level, low, high, sure=None):
    """The bisection of :func:`reorder_point_for_fill_rate` (std > 0 rows).

    ``sure``, optional ``(below, above)`` with ``S(below) < level <=
    S(above)`` (margin :data:`_SURE_GAP`), decides every midpoint outside
    ``(below, above)`` without evaluating it: since ``S`` increases in ``r``
    the halvings, and so the result, are the same bit for bit.
    """
    if sure is None:
        for _ in range(_HALVINGS):
            middle = 0.5 * (low + high)
            reached = _normal_policy(q, middle, mean, std)[0] >= level
            high = np.where(reached, middle, high)
            low = np.where(reached, low, middle)
        return high
    below, above = sure
    low, high = low.copy(), high.copy()
    middle, reached = np.empty_like(low), np.empty(low.size, dtype=bool)
    unsure, within = np.empty_like(reached), np.empty_like(reached)
    for _ in range(_HALVINGS):
        np.add(low, high, out=middle)
        middle *= 0.5
        np.greater_equal(middle, above, out=reached)
        np.greater(middle, below, out=unsure)
        np.less(middle, above, out=within)
        unsure &= within
        if unsure.any():
            index = np.flatnonzero(unsure)
            fill = _normal_policy(
                q[index], middle[index], mean[index], std[index], fill_only=True
            )
            reached[index] = fill >= level[index]
        np.copyto(high, middle, where=reached)
        np.logical_not(reached, out=reached)
        np.copyto(low, middle, where=reached)
    return high


def _sure_bracket(q, mean, std, level, low, high, start):
    """``(below, above)`` close around the root of ``S(Q, r) = level``.

    Safeguarded Newton (``dS/dr = (G(r + Q) - G(r)) / Q``) from ``start``
    (NaN: the middle of ``[low, high]``) until the fill rate is within
    :data:`_SURE_GAP` of ``level``; the bracket is then a few margins wide
    and checked by evaluating its ends. Rows that do not settle get
    ``(low - 1, high + 1)``, which decides nothing.
    """
    below, above = low - 1.0, high + 1.0
    r = np.where(np.isfinite(start), np.clip(start, low, high), 0.5 * (low + high))
    lo, hi = low.copy(), high.copy()
    index = np.arange(q.size)
    found, slope_found = np.empty(q.size), np.empty(q.size)
    settled = np.zeros(q.size, dtype=bool)
    for _ in range(60):
        fill, _, delta_cdf, _, _ = _normal_policy(q[index], r, mean[index], std[index])
        gap = fill - level[index]
        slope = delta_cdf / q[index]
        lo[index] = np.where(gap < 0, r, lo[index])
        hi[index] = np.where(gap >= 0, r, hi[index])
        done = (np.abs(gap) <= 0.5 * _SURE_GAP) & (slope > 0)
        found[index[done]], slope_found[index[done]] = r[done], slope[done]
        settled[index[done]] = True
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = r - gap / slope
        inside = np.isfinite(newton) & (newton > lo[index]) & (newton < hi[index])
        r = np.where(inside, newton, 0.5 * (lo[index] + hi[index]))[~done]
        index = index[~done]
        if not index.size:
            break
    ok = np.flatnonzero(settled)
    margin = 2.0 * _SURE_GAP / slope_found[ok]
    ends = found[ok] - margin, found[ok] + margin
    args = q[ok], mean[ok], std[ok]
    gap_low = _normal_policy(args[0], ends[0], *args[1:], fill_only=True) - level[ok]
    gap_high = _normal_policy(args[0], ends[1], *args[1:], fill_only=True) - level[ok]
    good = (gap_low <= -_SURE_GAP) & (gap_high >= _SURE_GAP)
    below[ok[good]], above[ok[good]] = ends[0][good], ends[1][good]
    return below, above


class _PolicySweep:
    """The (Q, r) policies of the same items under many ``(Q, target)`` pairs.

    What :func:`reorder_point_for_fill_rate` followed by
    :func:`policy_measures` give, item by item, for a frontier of targets or
    lot sizes, at a fraction of the work: the inputs are checked once, each
    solve starts from a neighbouring one (``near``), and the measures reuse
    the special functions the search evaluated at the answer. Discrete
    items: the search of :func:`_discrete_reorder_points` tests first the
    reorder point a Newton step from the neighbour predicts, with the tails
    walked from the neighbour's when they are close (to the last few bits;
    the reorder points are the same). Normal items: the bisection's halvings
    far from the root (located by Newton) are decided without evaluating
    them, so its result is the same bit for bit. Items whose ``Q`` and target
    equal the neighbour's are copied.
    """

    _FIELDS = ("r", "fill", "on_hand")
    _ENDS = ("tail_low", "pmf_low", "tail_high", "pmf_high")

    def __init__(self, mean_lt_demand, std_lt_demand, distribution):
        _, _, _, mean, std, codes = _prepare_policy(
            1.0, None, mean_lt_demand, std_lt_demand, distribution, require_r=False
        )
        self.size, self.discrete = mean.size, codes != _NORMAL
        self.rows = {
            "discrete": np.flatnonzero(self.discrete),
            "normal": np.flatnonzero(~self.discrete),
        }
        rows = self.rows["discrete"]
        self.model = _Discrete(mean[rows], std[rows], codes[rows] == _NEGBIN)
        rows = self.rows["normal"]
        self.mean, self.std = mean[rows], std[rows]

    def solve(self, q, target, near=None, start=None):
        """Reorder points and measures for lot sizes ``q`` and fill ``target``.

        Parameters
        ----------
        q, target : numpy.ndarray
            Per item, as in :func:`reorder_point_for_fill_rate`.
        near : dict, optional
            An earlier result of this method: its answers start the searches.
        start : numpy.ndarray, optional
            Guessed reorder points, used where ``near`` is not given.

        Returns
        -------
        dict
            ``r``, ``fill`` and ``on_hand`` per item, as
            :func:`reorder_point_for_fill_rate` and :func:`policy_measures`
            give them (plus the searches' states, for a next ``near``).
        """
        shape = (self.size,)
        q = np.broadcast_to(positive("q", q), shape).astype(float)
        level = np.broadcast_to(probability("target", target), shape).astype(float)
        _whole("q", q, self.discrete)
        out = {name: np.empty(self.size) for name in self._FIELDS}
        for kind, method in (
            ("discrete", self._solve_discrete),
            ("normal", self._solve_normal),
        ):
            rows = self.rows[kind]
            if not rows.size:
                continue
            guess = None if start is None else np.asarray(start, dtype=float)[rows]
            state = method(q[rows], level[rows], near and near[kind], guess)
            for name in self._FIELDS:
                out[name][rows] = state[name]
            out[kind] = state
        return out

    @staticmethod
    def _start(q, level, near, names):
        """The state of a solve, the items equal to ``near`` copied; returns
        ``(state, todo)``, ``todo`` the other items (``None``: all)."""
        state = {"q": q, "level": level}
        todo = None
        if near is not None:
            same = (q == near["q"]) & (level == near["level"])
            if same.any():
                todo = np.flatnonzero(~same)
        for name in names:
            state[name] = np.empty(q.size) if todo is None else near[name].copy()
        return state, todo

    def _solve_discrete(self, q, level, near, start):
        names = (*self._FIELDS, *self._ENDS, "loss_low", "loss_high")
        state, todo = self._start(q, level, near, names)
        model, pick = self.model, (lambda values: values)
        if todo is not None:
            if not todo.size:
                return state
            model, pick = model.subset(todo), (lambda values: values[todo])
        q, level = pick(q), pick(level)
        anchors = None
        if near is not None:
            r0, q0 = pick(near["r"]), pick(near["q"])
            tails = pick(near["tail_low"]), pick(near["tail_high"])
            losses = pick(near["loss_low"]), pick(near["loss_high"])
            start = _newton_guess(q, level, r0, q0, tails, losses)
            anchors = (
                (r0, tails[0], pick(near["pmf_low"])),
                (r0 + q0, tails[1], pick(near["pmf_high"])),
            )
        elif start is not None:
            start = pick(start)
        r, ends, losses = _discrete_search(model, q, level, start, anchors)
        fill, _, on_hand = model.measures(q, r, ends=ends, losses=losses)
        values = (r, fill, on_hand, *ends, *losses)
        for name, value in zip(names, values, strict=True):
            if todo is None:
                state[name] = value
            else:
                state[name][todo] = value
        return state

    def _solve_normal(self, q, level, near, start):
        state, todo = self._start(q, level, near, self._FIELDS)
        if todo is not None and not todo.size:
            return state
        rows = np.arange(q.size) if todo is None else todo
        mean, std = self.mean[rows], self.std[rows]
        q, level = q[rows], level[rows]
        # sigma = 0: S = (r + Q - theta) / Q on [theta - Q, theta].
        r = mean - q + level * q
        s = np.flatnonzero(_is_stochastic(q, 0.0, mean, std))
        if s.size:
            args = q[s], mean[s], std[s], level[s]
            low, high = _search_range(*args[:3])
            if near is not None:
                guess = near["r"][rows[s]]
            elif start is not None:
                guess = start[rows[s]]
            else:
                guess = np.full(s.size, np.nan)
            sure = _sure_bracket(*args, low, high, guess)
            r[s] = _bisection(*args, low, high, sure)
        fill, _, on_hand = _normal_measures(q, r, mean, std, False)
        state["r"][rows], state["fill"][rows], state["on_hand"][rows] = r, fill, on_hand
        return state


def _stationary_reorder_points(q, mean, std, log_ratio, low, high, start):
    """Solve ``log(S / g)(r) = log_ratio`` per item (std > 0) in ``[low, high]``.

    ``S / g`` increases strictly in ``r`` because ``K(r) = integral_r^{r+Q} G``
    is log-concave (Prekopa: convolution of the log-concave ``G`` with an
    indicator) and ``S / g = K / K'``. Safeguarded Newton (a Newton step when
    it stays inside the bracket, bisection otherwise), vectorised; converged
    items leave the working arrays. Returns the roots and the slope
    ``d log(S / g) / dr`` there (for a predictor step in ``log_ratio``).
    """
    roots = np.clip(start, low, high)
    slopes = np.zeros_like(roots)
    index = np.arange(roots.size)
    r = roots.copy()
    tolerance = 1e-10 * (std + q)
    for _ in range(200):
        fill, _, delta_cdf, pdf1, pdf2 = _normal_policy(q, r, mean, std)
        with np.errstate(divide="ignore", invalid="ignore"):
            residual = np.log(fill * q / delta_cdf) - log_ratio
            # d/dr log S = g / S, d/dr log g = (phi(z2) - phi(z1)) / (sigma dG)
            derivative = delta_cdf / (q * fill) - (pdf2 - pdf1) / (std * delta_cdf)
            newton = r - residual / derivative
        low = np.where(residual < 0, r, low)
        high = np.where(residual > 0, r, high)
        inside = np.isfinite(newton) & (newton > low) & (newton < high)
        new_r = np.where(inside, newton, 0.5 * (low + high))
        # Converged: a Newton step below tolerance (it may round onto a bracket
        # end), a collapsed bracket, or an exact root.
        done = (
            (np.abs(newton - r) <= tolerance)
            | (high - low <= tolerance)
            | (residual == 0)
        )
        final = np.clip(newton, low, high)
        final = np.where(np.isfinite(final), final, r)
        roots[index[done]] = final[done]
        slopes[index[done]] = derivative[done]
        roots[index[~done]] = new_r[~done]
        if done.all():
            break
        if done.any():
            keep = ~done
            index, q, mean, std = index[keep], q[keep], mean[keep], std[keep]
            log_ratio, low, high = log_ratio[keep], low[keep], high[keep]
            tolerance, new_r = tolerance[keep], new_r[keep]
        r = new_r
    return roots, slopes


class _FillTarget:
    """Lagrangian reorder-point problem, solved for one or several targets.

    For a multiplier ``lambda`` item i minimises ``c_i I_i(r) - lambda D_i
    S_i(r)``; stationarity with ``dI/dr = S`` and ``dS/dr = g = (G(r + Q) -
    G(r)) / Q`` reads ``c_i S_i(r) = lambda D_i g_i(r)``, i.e. ``S / g = lambda
    D_i / c_i``, which has exactly one root because ``S / g`` increases in
    ``r``. Every solved multiplier is kept: each ``r_i`` increases with
    ``lambda``, so solved points bracket both the multiplier and every item's
    reorder point for the next target (warm start of a frontier sweep).
    """

    def __init__(self, q, mean, std, unit_cost, demand_rate, lower=None, upper=None):
        self.q, self.mean, self.std = q, mean, std
        self.low, self.high = _search_range(q, mean, std)
        # Per-item bounds on r (fill-rate floors, pinned items) narrow the range.
        if lower is not None:
            self.low = np.maximum(self.low, lower)
            self.high = np.maximum(self.high, self.low)
        if upper is not None:
            self.high = np.maximum(np.minimum(self.high, upper), self.low)
        self.weight = demand_rate / demand_rate.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            self.log_cost_per_demand = np.log(unit_cost) - np.log(demand_rate)
        self.stochastic = _is_stochastic(q, 0.0, mean, std)
        x_low, x_high = self._log_multiplier_range()
        # Solved points: (log lambda, reorder points, slopes or None, fill rate).
        self.points = [
            (x_low, self.low, None, self.fill(self.low)),
            (x_high, self.high, None, self.fill(self.high)),
        ]

    def _log_multiplier_range(self):
        """log lambda below / above which every item sits at the low / high end."""
        s = self.stochastic
        q, mean, std = self.q[s], self.mean[s], self.std[s]
        ends = []
        for r in (self.low[s], self.high[s]):
            fill, _, delta_cdf, _, _ = _normal_policy(q, r, mean, std)
            with np.errstate(divide="ignore"):
                ends.append(np.log(fill * q / delta_cdf))
        # Deterministic items: S / g = r + Q - theta runs over [0, Q].
        d = ~s
        cost = np.concatenate(
            [self.log_cost_per_demand[s], self.log_cost_per_demand[d]]
        )
        low_values = np.concatenate([ends[0], np.log(self.q[d] * 1e-12)]) + cost
        high_values = np.concatenate([ends[1], np.log(self.q[d])]) + cost
        usable = np.isfinite(low_values) & np.isfinite(high_values)
        if not usable.any():
            return -1.0, 1.0
        return (
            float(low_values[usable].min()) - 1.0,
            float(high_values[usable].max()) + 1.0,
        )

    def fill(self, r):
        fill, _ = _fill_and_shortfall(self.q, r, self.mean, self.std)
        return float(np.dot(self.weight, fill))

    def _reorder_points(self, x, low, high, start):
        """Each item's stationary r for ``x = log lambda``, inside ``[low, high]``."""
        with np.errstate(invalid="ignore"):
            log_ratio = x - self.log_cost_per_demand
        # No demand (ratio 0, or NaN when also free): hold nothing; free stock
        # (ratio inf): the top of the range.
        r = np.where(log_ratio == np.inf, self.high, self.low)
        slope = np.zeros_like(r)
        s = self.stochastic & np.isfinite(log_ratio)
        r[s], slope[s] = _stationary_reorder_points(
            self.q[s],
            self.mean[s],
            self.std[s],
            log_ratio[s],
            low[s],
            high[s],
            start[s],
        )
        d = ~self.stochastic & np.isfinite(log_ratio)
        with np.errstate(over="ignore"):
            ratio = np.exp(log_ratio[d])
        r[d] = np.clip(self.mean[d] - self.q[d] + ratio, self.low[d], self.high[d])
        return r, slope

    def _rough_reorder_points(self, x):
        """Cheap first guess of the stationary r, for large ``Q / sigma``.

        There ``S ~ 1`` and ``g ~ (1 - G(r)) / Q``, so ``S / g = lambda D / c``
        gives ``1 - G(r) ~ Q c / (lambda D)``; Newton corrects the rest.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            tail = self.q * np.exp(self.log_cost_per_demand - x)
        tail = np.clip(np.nan_to_num(tail, nan=0.5), 1e-300, 0.5)
        return self.mean - self.std * ndtri(tail)

    def _fill_slope(self, r, slope):
        """d(weighted fill rate) / d log(lambda) at stationary points ``r``."""
        s = self.stochastic & (slope > 0)
        _, _, delta_cdf, _, _ = _normal_policy(
            self.q[s], r[s], self.mean[s], self.std[s]
        )
        # dS/dx = g dr/dx, dr/dx = 1 / (d log(S / g) / dr).
        stochastic = np.dot(self.weight[s], delta_cdf / self.q[s] / slope[s])
        # Deterministic items inside [theta - Q, theta]: S = (r + Q - theta) / Q
        # with r + Q - theta = lambda D / c, so dS/dx = S.
        d = ~self.stochastic
        fill_d = (r[d] + self.q[d] - self.mean[d]) / self.q[d]
        moving = (fill_d > 1e-12) & (fill_d < 1.0 - 1e-9)
        return float(stochastic + np.dot(self.weight[d][moving], fill_d[moving]))

    def _first_multiplier(self, target):
        """First guess of log lambda: the same problem on an evenly spaced sample.

        The sample's weighted fill rate curve approximates the full one, so the
        full problem usually needs two or three Newton steps from there.
        """
        stride = self.q.size // _SAMPLE_SIZE
        lower, upper = self.points[0], self.points[1]
        if stride >= 2:
            sample = slice(0, None, stride)
            weight = self.weight[sample]
            if weight.sum() > 0:
                arrays = (self.q, self.mean, self.std)
                q, mean, std = (a[sample] for a in arrays)
                with np.errstate(over="ignore", invalid="ignore"):
                    cost = np.exp(self.log_cost_per_demand[sample]) * weight
                sub = _FillTarget(q, mean, std, np.nan_to_num(cost, posinf=0.0), weight)
                if sub.points[0][3] < target <= sub.points[1][3]:
                    sub.solve(target, tolerance=1e-4)
                    x = sub.points[-1][0]
                    if lower[0] < x < upper[0]:
                        return x
        return lower[0] + (target - lower[3]) * (upper[0] - lower[0]) / (
            upper[3] - lower[3]
        )

    def solve(self, target, tolerance=_FILL_TOLERANCE):
        """Reorder points whose weighted fill rate is within 1e-10 of target."""
        below = [p for p in self.points if p[3] < target]
        above = [p for p in self.points if p[3] >= target]
        if not below:
            return min(above, key=lambda p: p[0])[1]
        if not above:
            raise ValueError(
                f"target_fill {target!r} is not attainable: the highest reorder "
                f"points searched give a fill rate of {self.points[1][3]!r}"
            )
        lower = max(below, key=lambda p: p[0])
        upper = min(above, key=lambda p: p[0])
        # Safeguarded Newton on x = log lambda (the weighted fill rate increases
        # in x); start from the bracket end nearer to target that has a slope.
        nearest = min((lower, upper), key=lambda p: abs(p[3] - target))
        if nearest[2] is None:
            x = self._first_multiplier(target)
        else:
            x = nearest[0] + (target - nearest[3]) / self._fill_slope(
                nearest[1], nearest[2]
            )
        for _ in range(100):
            if not lower[0] < x < upper[0]:
                x = 0.5 * (lower[0] + upper[0])
            # Predictor for every item: r at the nearer solved point plus the
            # first-order change dr/dx = 1 / slope.
            nearest = min((lower, upper), key=lambda p: abs(p[0] - x))
            if nearest[2] is None:
                start = self._rough_reorder_points(x)
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    start = nearest[1] + (x - nearest[0]) / nearest[2]
                start = np.where(np.isfinite(start), start, nearest[1])
            r, slope = self._reorder_points(x, lower[1], upper[1], start)
            point = (x, r, slope, self.fill(r))
            self.points.append(point)
            gap = point[3] - target
            if abs(gap) <= tolerance or upper[0] - lower[0] <= 1e-14 * max(1.0, abs(x)):
                return r
            if gap > 0:
                upper = point
            else:
                lower = point
            x = x - gap / self._fill_slope(r, slope)
        return upper[1]


def _validate_frontier_inputs(q, mean, std, unit_cost, demand_rate):
    arrays = np.broadcast_arrays(
        positive("q", q),
        finite("mean_lt_demand", mean),
        nonnegative("std_lt_demand", std),
        nonnegative("unit_cost", unit_cost),
        nonnegative("demand_rate", demand_rate),
    )
    arrays = [np.atleast_1d(a).astype(float).ravel() for a in arrays]
    if arrays[4].sum() <= 0:
        raise ValueError("demand_rate must have a positive total, got all zeros")
    return arrays


def _fill_bounds(arrays, min_fill, fixed_fill):
    """Reorder-point bounds ``(lower, upper)`` from per-item fill-rate limits."""
    q, mean, std = arrays[:3]
    lower = upper = None
    floor = np.zeros(q.size)
    if min_fill is not None:
        values = np.nan_to_num(
            as_array("min_fill", np.where(pd.isna(min_fill), 0.0, min_fill))
        )
        floor = np.broadcast_to(probability("min_fill", values, False), q.shape)
        if (floor >= 1).any():
            raise ValueError(
                "min_fill must be below 1 (a fill rate of 1 needs infinite stock)"
            )
    fixed = np.full(q.size, np.nan)
    if fixed_fill is not None:
        fixed = np.broadcast_to(np.asarray(fixed_fill, dtype=float), q.shape)
        given = ~np.isnan(fixed)
        probability("fixed_fill", fixed[given])
    pinned = ~np.isnan(fixed)
    level = np.where(pinned, fixed, floor)
    bounded = level > 0
    if bounded.any():
        lower = np.full(q.size, -np.inf)
        lower[bounded] = reorder_point_for_fill_rate(
            q[bounded], mean[bounded], std[bounded], level[bounded]
        )
    if pinned.any():
        upper = np.where(pinned, lower, np.inf)
    return lower, upper


def optimal_reorder_points(
    q,
    mean_lt_demand,
    std_lt_demand,
    unit_cost,
    demand_rate,
    target_fill,
    *,
    min_fill=None,
    fixed_fill=None,
):
    """Reorder points of least inventory investment for an aggregate fill rate.

    Minimise ``sum_i c_i I_i(r_i)`` subject to ``sum_i D_i S_i(r_i) / sum_i D_i
    >= target`` (order quantities fixed). Lagrangian relaxation: for a
    multiplier ``lambda`` each item minimises ``c_i I_i(r) - lambda D_i S_i(r)``;
    with ``dI/dr = S(Q, r)`` and ``dS/dr = (G(r + Q) - G(r)) / Q`` its
    stationarity condition is ``c_i S_i(r) = lambda D_i dS_i/dr``, which has a
    single root (``S / (dS/dr)`` increases in ``r``, see
    :func:`_stationary_reorder_points`) and is the item's global minimum; it is
    solved by safeguarded Newton-bisection over all items at once. An outer
    safeguarded Newton search on ``log lambda`` (the weighted fill rate
    increases with it) makes the constraint tight; by Everett's theorem the
    reorder points are then globally optimal, although ``S`` is not concave.
    The first multiplier comes from the same problem on an evenly spaced
    sample of about 4000 items.

    Parameters
    ----------
    q : float or array_like
        Order quantities (units), > 0.
    mean_lt_demand, std_lt_demand : float or array_like
        Mean and standard deviation (>= 0) of lead-time demand (units).
    unit_cost : float or array_like
        Value of one unit held (money per unit), >= 0. A zero cost puts the
        item at the top of the search range (fill rate ~ 1).
    demand_rate : float or array_like
        Demand per unit time (units per time), >= 0, the fill-rate weights.
        Items without demand get the bottom of the search range,
        ``theta - Q - 10 sigma`` (no stock held).
    target_fill : float
        Demand-weighted fill rate to reach, in (0, 1).
    min_fill : float or array_like, optional
        Per-item floor on the fill rate, in [0, 1) (0 or NaN: none). The
        floors bound each item's reorder point from below (the item's
        Lagrangian cost is unimodal in ``r``, so the bounded optimum is the
        clipped one) and always hold; when they alone exceed ``target_fill``
        the weighted fill rate ends above it.
    fixed_fill : float or array_like, optional
        Per-item fill rate that is kept exactly (the item's own service
        target; NaN: none), in (0, 1).

    Returns
    -------
    numpy.ndarray or float
        Reorder point per item (units); the weighted fill rate is within 1e-10
        of target (or above it when the floors demand more).

    Raises
    ------
    ValueError
        Invalid inputs, zero total demand, or an unattainable target.

    References
    ----------
    Hopp & Spearman, *Factory Physics* 3rd ed., sec. 2.4.3 ((Q, r) model) and
    its multi-item service-constrained version (inventory-service efficient
    frontier); H. Everett, "Generalized Lagrange multiplier method for solving
    problems of optimum allocation of resources", Operations Research 11
    (1963), 399-417.
    """
    inputs = (q, mean_lt_demand, std_lt_demand, unit_cost, demand_rate)
    arrays = _validate_frontier_inputs(*inputs)
    target = float(probability("target_fill", target_fill))
    bounds = _fill_bounds(arrays, min_fill, fixed_fill)
    result = _FillTarget(*arrays, *bounds).solve(target)
    if all(np.ndim(x) == 0 for x in inputs):
        return float(result[0])
    return result.reshape(np.broadcast_shapes(*(np.shape(x) for x in inputs)))


def efficient_frontier(
    q,
    mean_lt_demand,
    std_lt_demand,
    unit_cost,
    demand_rate,
    targets,
    *,
    min_fill=None,
    fixed_fill=None,
):
    """Least inventory investment for each aggregate fill-rate target.

    Runs :func:`optimal_reorder_points` for every target (ascending, each
    solution warm-starting the next); the curve of
    investment against fill rate is the efficient frontier: no policy with the
    same order quantities gives a higher fill rate for less money in stock.

    Parameters
    ----------
    q, mean_lt_demand, std_lt_demand, unit_cost, demand_rate : array_like
        As in :func:`optimal_reorder_points`.
    targets : array_like
        Demand-weighted fill-rate targets, each in (0, 1).
    min_fill, fixed_fill : array_like, optional
        Per-item floors and pinned fill rates, as in
        :func:`optimal_reorder_points`: a frontier drawn with a plan must be
        computed under the plan's own constraints.

    Returns
    -------
    pandas.DataFrame
        One row per target, ascending: ``target``, ``fill_rate`` (achieved,
        within 1e-10 of target), ``inventory_investment`` (``sum c_i I_i``,
        money).

    Raises
    ------
    ValueError
        As :func:`optimal_reorder_points`.

    References
    ----------
    Hopp & Spearman, *Factory Physics* 3rd ed. (multi-item (Q, r) stocking
    with a service constraint, the inventory-service efficient frontier).
    """
    arrays = _validate_frontier_inputs(
        q, mean_lt_demand, std_lt_demand, unit_cost, demand_rate
    )
    levels = np.atleast_1d(probability("targets", targets)).ravel()
    q_, mean, std, cost, _ = arrays
    problem = _FillTarget(*arrays, *_fill_bounds(arrays, min_fill, fixed_fill))
    rows = []
    # Ascending targets: each solution brackets and warm-starts the next.
    for target in np.sort(levels):
        r = problem.solve(float(target))
        rows.append(
            {
                "target": float(target),
                "fill_rate": problem.fill(r),
                "inventory_investment": float(np.dot(cost, _on_hand(q_, r, mean, std))),
            }
        )
    return pd.DataFrame(rows, columns=["target", "fill_rate", "inventory_investment"])


def days_of_supply(stock, daily_demand):
    """Days the stock lasts at the current demand: ``stock / daily_demand``.

    Parameters
    ----------
    stock : float or array_like
        Stock (units); negative means backorders (negative days).
    daily_demand : float or array_like
        Demand per day (units per day), >= 0.

    Returns
    -------
    float or numpy.ndarray
        Days of supply. Zero demand gives ``inf`` (the stock is never consumed;
        also for zero stock), or ``-inf`` for negative stock.

    Raises
    ------
    ValueError
        NaN, infinite stock, negative or infinite demand.
    """
    stock_ = finite("stock", stock)
    demand = nonnegative("daily_demand", daily_demand)
    with np.errstate(divide="ignore", invalid="ignore"):
        days = stock_ / demand
    days = np.where(demand > 0, days, np.where(stock_ < 0, -np.inf, np.inf))
    return scalar_or_array(days, stock, daily_demand)
