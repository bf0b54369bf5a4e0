"""Input checks shared by the engine modules.

Every public engine function validates its inputs once, at the boundary, with
these helpers and raises :class:`ValueError` naming the argument and the
offending value. Inputs may be scalars or numpy arrays (broadcasting rules
apply); helpers return float arrays.
"""

import numpy as np


def _describe(name, array, mask):
    bad = np.asarray(array)[mask] if np.ndim(array) else np.asarray(array)
    bad = np.atleast_1d(bad)
    shown = ", ".join(repr(float(v)) for v in bad[:3])
    more = f" (and {bad.size - 3} more)" if bad.size > 3 else ""
    return f"{name}: {shown}{more}"


def as_array(name, value):
    """Return ``value`` as a float array; reject NaN and non-numeric input."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric, got {value!r}") from exc
    nan = np.isnan(array)
    if nan.any():
        raise ValueError(f"{name} must not be NaN ({int(nan.sum())} NaN value(s))")
    return array


def finite(name, value):
    """Numeric, not NaN, not infinite."""
    array = as_array(name, value)
    bad = ~np.isfinite(array)
    if bad.any():
        raise ValueError(f"{name} must be finite, got {_describe(name, array, bad)}")
    return array


def nonnegative(name, value, allow_inf=False):
    """Numeric, >= 0 (and finite unless ``allow_inf``)."""
    array = as_array(name, value) if allow_inf else finite(name, value)
    bad = array < 0
    if bad.any():
        raise ValueError(f"{name} must be >= 0, got {_describe(name, array, bad)}")
    return array


def positive(name, value, allow_inf=False):
    """Numeric, > 0 (and finite unless ``allow_inf``)."""
    array = as_array(name, value) if allow_inf else finite(name, value)
    bad = array <= 0
    if bad.any():
        raise ValueError(f"{name} must be > 0, got {_describe(name, array, bad)}")
    return array


def utilization(name, value):
    """A utilisation in [0, 1): at or above 1 the queue grows without bound."""
    array = finite(name, value)
    bad = (array < 0) | (array >= 1)
    if bad.any():
        raise ValueError(
            f"{name} must be in [0, 1) for a stable queue (at or above 1 the "
            f"resource is overloaded), got {_describe(name, array, bad)}"
        )
    return array


def probability(name, value, open_interval=True):
    """A probability (service level) in (0, 1), or [0, 1] if not ``open_interval``."""
    array = finite(name, value)
    bad = (array <= 0) | (array >= 1) if open_interval else (array < 0) | (array > 1)
    if bad.any():
        bounds = "(0, 1)" if open_interval else "[0, 1]"
        raise ValueError(
            f"{name} must be in {bounds}, got {_describe(name, array, bad)}"
        )
    return array


def servers(name, value):
    """A number of parallel servers: integer-valued and >= 1."""
    array = finite(name, value)
    bad = (array < 1) | (array != np.round(array))
    if bad.any():
        raise ValueError(
            f"{name} must be a whole number >= 1, got {_describe(name, array, bad)}"
        )
    return array


def indices(name, value, size, size_name):
    """A one-dimensional array of whole numbers in [0, size), as integer indices."""
    array = as_array(name, value)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    bad = (array != np.round(array)) | (array < 0) | (array >= size)
    if bad.any():
        raise ValueError(
            f"{name} must hold whole numbers in [0, {size}) ({size_name}), got "
            f"{array[bad][:3].tolist()}"
        )
    return array.astype(np.intp)


def scalar_or_array(result, *inputs):
    """Return a Python float when every input was a scalar, else the array."""
    if all(np.ndim(x) == 0 for x in inputs):
        return float(result)
    return result
