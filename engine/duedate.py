"""Due-date quoting and make-up time for a CONWIP flow.

The output of a CONWIP line running at throughput ``mu`` (jobs per time unit)
is approximated by a Brownian motion with drift ``mu`` and variance rate
``sigma^2 = cd2 * mu`` (a renewal process whose interdeparture times have SCV
``cd2``). The time to produce ``n`` jobs has mean ``n / mu`` and variance
``n sigma^2 / mu^3 = n cd2 / mu^2``, taken as a gamma (the Erlang time to
``n`` departures when the output is Poisson). This gives
service-level lead-time quotes and the virtual-queue length beyond which the
flow needs make-up time (overtime) to keep its quoted lead time.

Times are in any consistent unit (hours in the addon); ``throughput`` in jobs
(or equivalent WIP units) per that unit.
"""

import numpy as np

from . import leadtime
from ._validation import nonnegative, positive, probability, scalar_or_array

__all__ = [
    "capacity_signal",
    "makeup_hours",
    "makeup_threshold",
    "quote_lead_time",
]


def _service_level(service):
    level = probability("service", service)
    if np.any(level < 0.5):
        raise ValueError(
            "service must be in [0.5, 1) for a due-date quote (below 0.5 the quote "
            f"is shorter than the expected time), got {float(np.min(level))!r}"
        )
    return level


def _production_time(units, rate, scv, level):
    """Quantile of the time to produce ``units`` (checked arrays).

    Gamma with mean ``n / mu`` and variance ``n cd2 / mu^2``: shape
    ``n / cd2``, scale ``cd2 / mu``; deterministic ``n / mu`` when
    ``cd2 = 0``.
    """
    mean = units / rate
    return leadtime._gamma_quantile(mean, np.sqrt(units * scv) / rate, level)


def quote_lead_time(jobs_ahead, throughput, cd2=1.0, service=0.9, order_units=1.0):
    """Lead time to quote a new order so that it is met with probability ``service``.

    The new order is done when ``n = jobs_ahead + order_units`` units have left
    the line. Under the Brownian output model the time to produce ``n`` units
    has mean ``n / mu`` and variance ``n cd2 / mu^2``; the quote is the
    ``service`` quantile of the gamma with those moments:

    .. math::

        \\ell = F^{-1}_{\\Gamma(n / c_d^2,\\; c_d^2 / \\mu)}(s)

    For Poisson output (``cd2 = 1``) and whole ``n`` this is exactly the Erlang
    time to ``n`` departures; the normal quantile ``n / mu + z_s sqrt(n cd2) /
    mu`` used before is low in the right tail for small ``n`` (``n = 20``,
    ``mu = 1``, 99 %: Erlang 31.8 h, normal 30.4 h).

    Parameters
    ----------
    jobs_ahead : float or array_like
        Units ahead of the new order: in the line plus in the virtual queue
        (minus make-up), >= 0; may be fractional (equivalent WIP units).
    throughput : float or array_like
        Line throughput ``mu`` at its WIP cap (units per time unit), > 0.
    cd2 : float or array_like, default 1.0
        SCV of the line's interdeparture times, >= 0.
    service : float or array_like, default 0.9
        Probability of meeting the quote, in ``[0.5, 1)``.
    order_units : float or array_like, default 1.0
        The order's own equivalent units, > 0 (one standard job by default).

    Returns
    -------
    float or numpy.ndarray
        Quoted lead time (time units).

    Raises
    ------
    ValueError
        On NaN, negative ``jobs_ahead`` or ``cd2``, ``throughput <= 0``,
        ``order_units <= 0``, or ``service`` outside ``[0.5, 1)``.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., Waveland, 2008,
    ch. 15 (due-date quoting in a CONWIP line, output as Brownian motion).
    W. J. Hopp and M. L. Roof Sturgis, "Quoting manufacturing due dates subject
    to a service level constraint", *IIE Transactions* 32 (2000). N. L. Johnson,
    S. Kotz and N. Balakrishnan, *Continuous Univariate Distributions*, Vol. 1,
    2nd ed., ch. 17 (gamma; Erlang as the sum of exponentials).
    """
    ahead = nonnegative("jobs_ahead", jobs_ahead)
    rate = positive("throughput", throughput)
    scv = nonnegative("cd2", cd2)
    level = _service_level(service)
    own = positive("order_units", order_units)
    quote = _production_time(ahead + own, rate, scv, level)
    return scalar_or_array(quote, jobs_ahead, throughput, cd2, service, order_units)


def makeup_threshold(lead_time, wip, throughput, cd2=1.0, service=0.9):
    """Longest virtual queue whose quoted lead time still fits ``lead_time``.

    The largest integer ``n >= 0`` with
    ``quote_lead_time(n + wip, throughput, cd2, service) <= lead_time`` (a new
    order of one unit behind ``n`` queued units and ``wip`` in the line). The
    quote grows with ``n``, so ``n`` is found by bisection over the integers,
    all flows at once. When even an empty queue misses ``lead_time`` the
    threshold is 0: any queued unit then calls for make-up time.

    Parameters
    ----------
    lead_time : float or array_like
        Quoted (planned) lead time of the flow (time units), >= 0.
    wip : float or array_like
        Units in the line (equivalent WIP units), >= 0; normally the cap.
    throughput : float or array_like
        Line throughput ``mu`` (units per time unit), > 0.
    cd2 : float or array_like, default 1.0
        SCV of the line's interdeparture times, >= 0.
    service : float or array_like, default 0.9
        Probability of meeting the quote, in ``[0.5, 1)``.

    Returns
    -------
    int or numpy.ndarray of int
        Make-up threshold (units in the virtual queue), >= 0.

    Raises
    ------
    ValueError
        On bad input, as :func:`quote_lead_time`.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., ch. 15 (due-date
    quoting) and ch. 14 (statistical throughput control: capacity added when
    output falls behind).
    """
    quoted = nonnegative("lead_time", lead_time)
    in_line = nonnegative("wip", wip)
    rate = positive("throughput", throughput)
    scv = nonnegative("cd2", cd2)
    level = _service_level(service)
    quoted, in_line, rate, scv, level = np.broadcast_arrays(
        quoted, in_line, rate, scv, level
    )

    def fits(queue):
        return _production_time(queue + in_line + 1.0, rate, scv, level) <= quoted

    # fits(low) holds (low = -1 stands for "not even an empty queue fits"),
    # fits(high) does not: the median is above n / mu - cd2 / mu, so well past
    # mu * lead_time + cd2 nothing fits; doubling guards the rest.
    low = np.full(quoted.shape, -1.0)
    high = np.floor(rate * quoted + scv) + 2.0
    while np.any(fits(high)):
        high = np.where(fits(high), 2.0 * high + 1.0, high)
    while np.any(high - low > 1):
        middle = np.floor((low + high) / 2.0)
        ok = fits(middle)
        low = np.where(ok, middle, low)
        high = np.where(ok, high, middle)
    threshold = np.maximum(low, 0.0).astype(np.int64)
    if all(np.ndim(x) == 0 for x in (lead_time, wip, throughput, cd2, service)):
        return int(threshold)
    return threshold


def makeup_hours(queue_length, threshold, throughput):
    """Make-up (overtime) hours that bring the virtual queue back to its threshold.

    .. math:: h = \\frac{\\max(Q - n^*, 0)}{\\mu}

    Parameters
    ----------
    queue_length : float or array_like
        Jobs in the virtual queue (equivalent units), >= 0.
    threshold : float or array_like
        Make-up threshold from :func:`makeup_threshold`, >= 0.
    throughput : float or array_like
        Line throughput ``mu`` (jobs per hour), > 0.

    Returns
    -------
    float or numpy.ndarray
        Hours of make-up time at the flow's throughput.

    Raises
    ------
    ValueError
        On NaN, negative ``queue_length`` or ``threshold``, or
        ``throughput <= 0``.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., ch. 14
    (statistical throughput control and overtime).
    """
    queue = nonnegative("queue_length", queue_length)
    limit = nonnegative("threshold", threshold)
    rate = positive("throughput", throughput)
    hours = np.maximum(queue - limit, 0.0) / rate
    return scalar_or_array(hours, queue_length, threshold, throughput)


def _flags(name, values):
    array = np.asarray(values)
    if array.ndim == 0 or array.shape[-1] == 0:
        raise ValueError(f"{name} must be a non-empty sequence over periods")
    if array.dtype != bool:
        numeric = nonnegative(name, array)
        if np.any((numeric != 0) & (numeric != 1)):
            raise ValueError(f"{name} must hold booleans (or 0 / 1) per period")
        array = numeric.astype(bool)
    return array


def capacity_signal(triggered, queue_empty, max_trigger_share=0.3, min_empty_share=0.5):
    """Capacity feedback for a flow from its make-up history.

    Over the periods observed:

    - ``'reoptimize'`` when make-up time was triggered in more than
      ``max_trigger_share`` of the periods: capacity (or the cap, or the quoted
      lead time) no longer matches demand, so the parameters should be
      re-optimised;
    - else ``'excess'`` when the virtual queue was empty in at least
      ``min_empty_share`` of the periods: the flow has more capacity than its
      demand needs;
    - else ``'ok'``.

    Parameters
    ----------
    triggered : array_like of bool
        Per period, whether the queue exceeded the make-up threshold. The last
        axis is periods; leading axes (e.g. flows) give one signal each.
    queue_empty : array_like of bool
        Per period, whether the virtual queue was empty; same shape.
    max_trigger_share : float, default 0.3
        Largest acceptable share of periods with make-up time, in ``[0, 1]``.
    min_empty_share : float, default 0.5
        Share of periods with an empty queue from which capacity is in excess,
        in ``[0, 1]``.

    Returns
    -------
    str or numpy.ndarray of str
        ``'reoptimize'``, ``'excess'`` or ``'ok'``; an array over the leading
        axes for multi-dimensional input.

    Raises
    ------
    ValueError
        On empty or non-boolean histories, mismatched shapes or shares outside
        ``[0, 1]``.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., ch. 14
    (statistical throughput control; long-range capacity tracking).
    """
    fired = _flags("triggered", triggered)
    empty = _flags("queue_empty", queue_empty)
    if fired.shape != empty.shape:
        raise ValueError(
            f"triggered and queue_empty must have the same shape, got {fired.shape} "
            f"and {empty.shape}"
        )
    trigger_limit = probability(
        "max_trigger_share", max_trigger_share, open_interval=False
    )
    empty_limit = probability("min_empty_share", min_empty_share, open_interval=False)
    trigger_share = fired.mean(axis=-1)
    empty_share = empty.mean(axis=-1)
    signal = np.where(
        trigger_share > trigger_limit,
        "reoptimize",
        np.where(empty_share >= empty_limit, "excess", "ok"),
    )
    if signal.ndim == 0:
        return str(signal)
    return signal.astype(object)
