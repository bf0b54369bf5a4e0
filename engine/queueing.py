"""Queueing at one workcenter and along a serial line (Factory Physics ch. 8).

Every formula here is a two-moment approximation: a station is described by its
mean effective process time ``te``, the squared coefficients of variation (SCV)
of arrivals ``ca2`` and of process times ``ce2``, its utilisation ``u`` and its
number of identical parallel servers ``m``. Times are in any consistent unit
(hours in the addon); the results are in the same unit as ``te``.

All functions accept scalars or numpy arrays (numpy broadcasting); they return a
Python float when every argument is a scalar and an array otherwise, and raise
:class:`ValueError` naming the argument on impossible input (NaN, ``te <= 0``,
negative SCV, ``u`` outside ``[0, 1)``, ``m`` not a whole number >= 1).
"""

from dataclasses import dataclass

import numpy as np

from ._validation import nonnegative, positive, scalar_or_array, servers
from ._validation import utilization as _check_utilization

__all__ = [
    "SerialLine",
    "batch_arrival_scv",
    "cycle_time",
    "departure_scv",
    "merged_arrival_scv",
    "merged_scv_from_sums",
    "queue_time",
    "queue_time_variance",
    "serial_line",
    "utilization",
]


def _waiting_exponent(m):
    """Exponent of ``u`` in Sakasegawa's G/G/m formula: sqrt(2 (m + 1)) - 1."""
    return np.sqrt(2.0 * (m + 1.0)) - 1.0


def _queue_moments(ca2, ce2, te, u, m):
    """Mean and variance of the queue time on validated arrays.

    Returns ``(mean, variance)``; see :func:`queue_time` and
    :func:`queue_time_variance` for the model.
    """
    variability = (ca2 + ce2) / 2.0
    # Probability that an arriving job waits: Sakasegawa's stand-in for Erlang C.
    wait_probability = u ** _waiting_exponent(m)
    # Mean wait of a job that does wait (exact for M/M/m: 1 / (m mu - lambda)).
    conditional_wait = variability * te / (m * (1.0 - u))
    mean = wait_probability * conditional_wait
    # W = 0 w.p. 1 - p, Exponential(conditional_wait) w.p. p:
    # E[W^2] = 2 p conditional_wait^2, so Var W = E[W] conditional_wait (2 - p).
    variance = mean * conditional_wait * (2.0 - wait_probability)
    return mean, variance


def _station_inputs(ca2, ce2, te, u, m):
    return (
        nonnegative("ca2", ca2),
        nonnegative("ce2", ce2),
        positive("te", te),
        _check_utilization("u", u),
        servers("m", m),
    )


def utilization(arrival_rate, te, m=1):
    """Utilisation of a station: the fraction of time its servers are busy.

    .. math:: u = r_a \\, t_e / m

    Parameters
    ----------
    arrival_rate : float or array_like
        Arrival rate ``r_a`` (jobs per time unit), >= 0.
    te : float or array_like
        Mean effective process time per job (time units), > 0.
    m : int or array_like, default 1
        Number of identical parallel servers (whole number >= 1).

    Returns
    -------
    float or numpy.ndarray
        Utilisation (dimensionless). It is not limited to ``[0, 1)``: a value at
        or above 1 reports an overloaded station, which the queueing functions
        then reject.

    Raises
    ------
    ValueError
        On NaN or infinite input, negative ``arrival_rate``, ``te <= 0`` or ``m``
        not a whole number >= 1.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., Waveland, 2008,
    ch. 8 (utilisation of a single- and a multi-machine station).
    """
    rate = nonnegative("arrival_rate", arrival_rate)
    time = positive("te", te)
    count = servers("m", m)
    return scalar_or_array(rate * time / count, arrival_rate, te, m)


def queue_time(ca2, ce2, te, u, m=1):
    """Expected time a job waits in queue at a G/G/m station.

    Hopp and Spearman's "VUT" equation with Sakasegawa's exponent for ``m``
    parallel servers:

    .. math::

        CT_q = \\frac{c_a^2 + c_e^2}{2}\\,
               \\frac{u^{\\sqrt{2(m+1)} - 1}}{m (1 - u)}\\, t_e

    For ``m = 1`` the exponent is 1 and this is Kingman's heavy-traffic formula
    ``V U T = (ca2 + ce2) / 2 * u / (1 - u) * te``. It is exact for M/M/1 and,
    with ``ca2 = 1``, equals the Pollaczek-Khinchine mean wait of M/G/1.

    Parameters
    ----------
    ca2 : float or array_like
        SCV of interarrival times, >= 0.
    ce2 : float or array_like
        SCV of effective process times, >= 0.
    te : float or array_like
        Mean effective process time (time units), > 0.
    u : float or array_like
        Utilisation, in ``[0, 1)``.
    m : int or array_like, default 1
        Number of identical parallel servers (whole number >= 1).

    Returns
    -------
    float or numpy.ndarray
        Expected queue time ``CT_q`` in the time unit of ``te``.

    Raises
    ------
    ValueError
        On NaN, negative SCV, ``te <= 0``, ``u`` outside ``[0, 1)`` (the station
        is overloaded at ``u >= 1``) or ``m`` not a whole number >= 1.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., Waveland, 2008,
    ch. 8 (queueing: Kingman's VUT equation for G/G/1 and its G/G/m form).
    H. Sakasegawa, "An approximation formula Lq = alpha rho^beta / (1 - rho)",
    *Annals of the Institute of Statistical Mathematics* 29 (1977), 67-75.
    J. F. C. Kingman, "The single server queue in heavy traffic", *Proc.
    Cambridge Philosophical Society* 57 (1961), 902-904.
    """
    mean, _ = _queue_moments(*_station_inputs(ca2, ce2, te, u, m))
    return scalar_or_array(mean, ca2, ce2, te, u, m)


def queue_time_variance(ca2, ce2, te, u, m=1):
    """Approximate variance of the time a job waits in queue at a G/G/m station.

    Model: an arriving job waits with probability
    ``p = u ** (sqrt(2 (m + 1)) - 1)`` and, if it waits, the wait is exponential
    with mean ``theta = (ca2 + ce2) / 2 * te / (m (1 - u))``. Then
    ``E[W] = p theta`` is exactly :func:`queue_time`, and

    .. math::

        \\operatorname{Var} W = E[W]^2 \\left(\\frac{2}{p} - 1\\right)
                              = E[W]\\, \\theta\\, (2 - p).

    Why this model: for M/M/m it is the exact waiting-time distribution when
    ``p`` is the Erlang-C probability of waiting (the wait of a job that waits is
    exponential with rate ``m mu - lambda``). Sakasegawa's formula is precisely
    the M/M/m mean wait with Erlang C replaced by ``u ** (sqrt(2 (m + 1)) - 1)``,
    so using the same ``p`` keeps mean and variance consistent with
    :func:`queue_time`; for ``m = 1``, ``p = u`` is also exact for any M/G/1
    (PASTA). For general arrivals and services the exponential conditional wait
    is Kingman's heavy-traffic limit. Hence:

    - exact for M/M/1: ``Var W = u (2 - u) te^2 / (1 - u)^2``;
    - for M/M/m, off only through Sakasegawa's waiting probability (within 5 %
      of Erlang C for ``u >= 0.8`` and ``m <= 5``, closer as ``u -> 1``);
    - otherwise an approximation that is accurate in heavy traffic; for M/D/1 it
      overstates the variance (the true conditional wait is less variable than
      exponential), which errs on the safe side for planned lead times.

    Parameters
    ----------
    ca2, ce2, te, u, m
        As in :func:`queue_time`.

    Returns
    -------
    float or numpy.ndarray
        Variance of the queue time, in squared time units of ``te``.

    Raises
    ------
    ValueError
        As :func:`queue_time`.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., ch. 8 (queue time
    model). L. Kleinrock, *Queueing Systems, Vol. 1*, Wiley, 1975, sec. 3.3 and
    3.5 (M/M/1 and M/M/m waiting-time distributions). J. F. C. Kingman (1961),
    op. cit. (exponential wait in heavy traffic). H. Sakasegawa (1977), op. cit.
    """
    _, variance = _queue_moments(*_station_inputs(ca2, ce2, te, u, m))
    return scalar_or_array(variance, ca2, ce2, te, u, m)


def cycle_time(ca2, ce2, te, u, m=1):
    """Expected cycle time at a G/G/m station: queue time plus process time.

    .. math:: CT = CT_q + t_e

    Parameters
    ----------
    ca2, ce2, te, u, m
        As in :func:`queue_time`.

    Returns
    -------
    float or numpy.ndarray
        Expected time from arrival to departure, in the time unit of ``te``.

    Raises
    ------
    ValueError
        As :func:`queue_time`.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., ch. 8 (cycle time
    at a station: queue time plus effective process time).
    """
    ca2, ce2, te, u, m_array = _station_inputs(ca2, ce2, te, u, m)
    mean, _ = _queue_moments(ca2, ce2, te, u, m_array)
    return scalar_or_array(mean + te, ca2, ce2, te, u, m)


def departure_scv(ca2, ce2, u, m=1):
    """SCV of the departures of a G/G/m station (the linking equation).

    .. math::

        c_d^2 = 1 + (1 - u^2)(c_a^2 - 1) + \\frac{u^2}{\\sqrt{m}} (c_e^2 - 1)

    At low utilisation departures inherit the arrival variability (``u -> 0``
    gives ``ca2``); at high utilisation they take the process variability
    (``u -> 1`` gives ``ce2`` for one server). M/M/1 gives 1 (Burke's theorem).

    Parameters
    ----------
    ca2 : float or array_like
        SCV of interarrival times, >= 0.
    ce2 : float or array_like
        SCV of effective process times, >= 0.
    u : float or array_like
        Utilisation, in ``[0, 1)``.
    m : int or array_like, default 1
        Number of identical parallel servers (whole number >= 1).

    Returns
    -------
    float or numpy.ndarray
        SCV of interdeparture times (dimensionless); it is the arrival SCV of the
        next station on the route.

    Raises
    ------
    ValueError
        On NaN, negative SCV, ``u`` outside ``[0, 1)`` or a bad ``m``.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., ch. 8 (flow
    variability: the linking equation, after Whitt's QNA). W. Whitt, "The
    queueing network analyzer", *Bell System Technical Journal* 62 (1983),
    2779-2815.
    """
    ca2_array = nonnegative("ca2", ca2)
    ce2_array = nonnegative("ce2", ce2)
    u_array = _check_utilization("u", u)
    m_array = servers("m", m)
    u2 = u_array**2
    cd2 = (
        1.0 + (1.0 - u2) * (ca2_array - 1.0) + u2 * (ce2_array - 1.0) / np.sqrt(m_array)
    )
    return scalar_or_array(cd2, ca2, ce2, u, m)


def batch_arrival_scv(ca2, lot_size, share=1.0):
    """SCV of the interarrival times of lots formed from unit arrivals.

    Units arrive with interarrival SCV ``ca2`` and are grouped into lots of
    ``k`` units (a (Q, r) replenishment releases a lot every ``Q`` demands): a
    lot interarrival time is the sum of ``k`` unit interarrival times, whose
    SCV is ``ca2 / k``. When only a share ``p`` of the lots goes to the station
    (an operation split over alternative workcenters at random), the thinned
    stream has SCV ``p ca2 / k + 1 - p``:

    .. math:: c_{a,lot}^2 = p \\frac{c_a^2}{k} + 1 - p

    Parameters
    ----------
    ca2 : float or array_like
        SCV of unit interarrival times (1 for Poisson demand), >= 0.
    lot_size : float or array_like
        Units per lot ``k``, > 0.
    share : float or array_like, default 1.0
        Share of the lots sent to the station, in (0, 1].

    Returns
    -------
    float or numpy.ndarray
        SCV of lot interarrival times at the station.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., sec. 9.4
    (batching: lots of ``k`` have arrival SCV ``ca2 / k``) and ch. 8
    (splitting a flow). W. Whitt, "The queueing network analyzer", *Bell
    System Technical Journal* 62 (1983), 2779-2815 (splitting).
    """
    ca2_array = nonnegative("ca2", ca2)
    lot = positive("lot_size", lot_size)
    p = nonnegative("share", share)
    if (p > 1).any() or (p == 0).any():
        raise ValueError(f"share must be in (0, 1], got {share!r}")
    return scalar_or_array(_batch_scv(ca2_array, lot, p), ca2, lot_size, share)


def _batch_scv(ca2, lot_size, share):
    """:func:`batch_arrival_scv` on validated arrays (the lot sizer's inner loop)."""
    return share * ca2 / lot_size + (1.0 - share)


def merged_scv_from_sums(rate, rate_scv, rate_square, u):
    """Whitt's superposition SCV from the per-station sums of its streams.

    For streams ``i`` of rates ``lambda_i`` and SCVs ``c_i^2`` merging at a
    station of utilisation ``u``: ``rate = sum lambda_i``, ``rate_scv = sum
    lambda_i c_i^2`` and ``rate_square = sum lambda_i^2`` give

    .. math::

        c_a^2 = w \\sum_i \\frac{\\lambda_i}{\\lambda} c_i^2 + 1 - w, \\quad
        w = \\frac{1}{1 + 4 (1 - u)^2 (\\nu - 1)}, \\quad
        \\nu = \\frac{\\lambda^2}{\\sum_i \\lambda_i^2}

    (the asymptotic method, the rate-weighted SCV, blended with the Poisson
    limit of many small streams). One stream (``nu = 1``) keeps its own SCV.
    Stations without arrivals get 1. Arrays broadcast; see
    :func:`merged_arrival_scv` for the per-stream form.
    """
    rate = np.asarray(rate, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_scv = rate_scv / rate
        streams = rate * rate / rate_square
    weight = 1.0 / (1.0 + 4.0 * (1.0 - np.clip(u, 0.0, 1.0)) ** 2 * (streams - 1.0))
    merged = weight * mean_scv + 1.0 - weight
    return np.where(rate > 0, merged, 1.0)


def merged_arrival_scv(rate, scv, u, station=None, n_stations=None):
    """SCV of the arrivals at stations fed by several streams (superposition).

    Whitt's hybrid approximation (:func:`merged_scv_from_sums`): the streams'
    SCVs weighted by their rates, blended towards 1 (Poisson) as the number of
    comparable streams grows and the station's utilisation falls. A station
    fed by one stream gets that stream's SCV, e.g. ``ca2 / k`` for one
    product's lots of ``k`` (:func:`batch_arrival_scv`).

    Parameters
    ----------
    rate : array_like
        Arrival rate of each stream (lots per unit time), >= 0.
    scv : array_like
        SCV of each stream's interarrival times, >= 0.
    u : float or array_like
        Utilisation of each station, in [0, 1].
    station : array_like of int, optional
        Station of each stream (default: all streams feed station 0).
    n_stations : int, optional
        Number of stations (default: ``max(station) + 1``).

    Returns
    -------
    numpy.ndarray
        Arrival SCV per station (1 where no stream arrives).

    References
    ----------
    W. Whitt, "The queueing network analyzer", *Bell System Technical
    Journal* 62 (1983), 2779-2815 (superposition: asymptotic method and
    hybrid weights). W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd
    ed., ch. 8 (merging flows: rate-weighted arrival SCV) and sec. 9.4.
    """
    rates = nonnegative("rate", rate).ravel()
    scvs = np.broadcast_to(nonnegative("scv", scv), np.shape(rate)).ravel()
    if station is None:
        where = np.zeros(rates.size, dtype=np.int64)
    else:
        where = np.asarray(station, dtype=np.int64).ravel()
    size = int(n_stations) if n_stations is not None else int(where.max(initial=-1)) + 1
    sums = [
        np.bincount(where, weights=weights, minlength=size)
        for weights in (rates, rates * scvs, rates * rates)
    ]
    load = np.broadcast_to(np.asarray(u, dtype=float), (size,))
    return merged_scv_from_sums(*sums, load)


@dataclass(frozen=True)
class SerialLine:
    """Flow of one product through a serial line of G/G/m stations.

    Per-station arrays are in route order; times are in the unit of ``te``.

    Attributes
    ----------
    u : numpy.ndarray
        Utilisation of each station.
    ca2 : numpy.ndarray
        Arrival SCV at each station (the previous station's ``cd2``).
    cd2 : numpy.ndarray
        Departure SCV of each station (linking equation).
    queue_time : numpy.ndarray
        Expected queue time at each station.
    cycle_time : numpy.ndarray
        Expected cycle time (queue plus process) at each station.
    cycle_time_var : numpy.ndarray
        Variance of the cycle time at each station:
        queue-time variance plus ``ce2 * te ** 2``.
    total_cycle_time : float
        Sum of the station cycle times.
    total_cycle_time_var : float
        Sum of the station variances (stations treated as independent).
    """

    u: np.ndarray
    ca2: np.ndarray
    cd2: np.ndarray
    queue_time: np.ndarray
    cycle_time: np.ndarray
    cycle_time_var: np.ndarray
    total_cycle_time: float
    total_cycle_time_var: float


def serial_line(arrival_rate, ca2, te, ce2, m=1):
    """Queue and cycle times along a serial line, variability passed downstream.

    Station ``k`` (route order) has utilisation ``u_k = r_a te_k / m_k``; its
    arrival SCV is the departure SCV of station ``k - 1`` by the linking equation
    (:func:`departure_scv`), the first station's is ``ca2``. Each station is then
    a G/G/m queue (:func:`queue_time`, :func:`queue_time_variance`); its cycle
    time variance adds the process-time variance ``ce2 te^2`` (queue time and own
    process time independent). The line totals sum means and variances, treating
    stations as independent.

    For a tandem of M/M/1 stations the result is exact: departures stay Poisson
    (Burke) and a job's sojourn times at the stations are independent
    exponentials of mean ``te / (1 - u)`` (Reich 1957).

    Parameters
    ----------
    arrival_rate : float or array_like
        Arrival rate of jobs to the line (jobs per time unit), >= 0; a scalar, or
        one rate per station (e.g. with rework or yield loss).
    ca2 : float
        SCV of interarrival times at the first station, >= 0.
    te : array_like
        Mean effective process time at each station in route order (time
        units), > 0; one-dimensional.
    ce2 : float or array_like
        SCV of effective process time per station, >= 0.
    m : int or array_like, default 1
        Parallel servers per station (whole numbers >= 1).

    Returns
    -------
    SerialLine
        Per-station arrays and line totals (see :class:`SerialLine`).

    Raises
    ------
    ValueError
        On bad input, or naming the station index (0-based, route order) and its
        utilisation when a station has ``u >= 1``.

    References
    ----------
    W. J. Hopp and M. L. Spearman, *Factory Physics*, 3rd ed., ch. 8 (flow
    variability and the linking equation along a line).
    E. Reich, "Waiting times when queues are in tandem", *Annals of Mathematical
    Statistics* 28 (1957), 768-773.
    """
    te_array = positive("te", te)
    if te_array.ndim != 1 or te_array.size == 0:
        raise ValueError(
            f"te must be a non-empty one-dimensional sequence of station process "
            f"times in route order, got shape {te_array.shape}"
        )
    stations = te_array.size
    shape = (stations,)

    def per_station(name, value, check):
        array = check(name, value)
        try:
            return np.broadcast_to(array, shape).astype(float)
        except ValueError as exc:
            raise ValueError(
                f"{name} must be a scalar or have one value per station "
                f"({stations}), got shape {array.shape}"
            ) from exc

    rate = per_station("arrival_rate", arrival_rate, nonnegative)
    ce2_array = per_station("ce2", ce2, nonnegative)
    m_array = per_station("m", m, servers)
    first_ca2 = nonnegative("ca2", ca2)
    if first_ca2.ndim != 0:
        raise ValueError(f"ca2 must be a scalar (arrivals to the line), got {ca2!r}")

    u = rate * te_array / m_array
    overloaded = np.flatnonzero(u >= 1.0)
    if overloaded.size:
        first = int(overloaded[0])
        raise ValueError(
            f"station {first} of the line is overloaded: utilisation u = "
            f"{u[first]:.4g} >= 1 (arrival_rate * te / m); the queue grows without "
            f"bound"
        )

    arrival_scv = np.empty(shape)
    departure = np.empty(shape)
    incoming = float(first_ca2)
    # The linking equation is a recursion along the route: loop over stations.
    for k in range(stations):
        arrival_scv[k] = incoming
        u2 = u[k] ** 2
        departure[k] = (
            1.0
            + (1.0 - u2) * (incoming - 1.0)
            + u2 * (ce2_array[k] - 1.0) / np.sqrt(m_array[k])
        )
        incoming = departure[k]

    queue_mean, queue_var = _queue_moments(arrival_scv, ce2_array, te_array, u, m_array)
    station_ct = queue_mean + te_array
    station_var = queue_var + ce2_array * te_array**2
    return SerialLine(
        u=u,
        ca2=arrival_scv,
        cd2=departure,
        queue_time=queue_mean,
        cycle_time=station_ct,
        cycle_time_var=station_var,
        total_cycle_time=float(station_ct.sum()),
        total_cycle_time_var=float(station_var.sum()),
    )
