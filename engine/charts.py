"""PNG charts of the demo: efficient frontier, order frequency, CONWIP curves.

Only the command line (``python -m engine demo``) and the Odoo charts import
this module, and it imports matplotlib lazily, so the engine itself never
needs matplotlib or a display. Each chart is a :class:`matplotlib.figure.Figure`
on its own Agg canvas, without pyplot: no global backend switch, no figure
registry to close, safe in a server's threads.
"""

from pathlib import Path

import numpy as np

from . import conwip
from ._validation import positive

# Resolution of the PNG files; the layout is computed at the same one.
_DPI = 110


def _figure(rows=1, figsize=(6.4, 4.4), **subplots):
    """A figure on its own Agg canvas and its axes (``Figure.subplots``)."""
    # Lazy: the engine must import without matplotlib (inside Odoo).
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    figure = Figure(figsize=figsize, dpi=_DPI)
    FigureCanvasAgg(figure)
    return figure, figure.subplots(rows, 1, **subplots)


def _curve_and_plan(axes, curve, plan, curve_label, plan_label):
    """A trade-off curve ``(x, y)`` with the plan's point ``(x, y)`` starred."""
    axes.plot(*curve, marker="o", label=curve_label)
    axes.plot(*plan, marker="*", markersize=14, linestyle="none", label=plan_label)


def _save(figure, path):
    """Lay ``figure`` out tight, write it as a PNG at ``path``, return the path.

    The layout is computed once, as ``Figure.tight_layout`` does, but without
    leaving a layout engine on the figure: with one, ``savefig`` draws the
    whole figure a second time just to lay it out again.
    """
    from matplotlib.layout_engine import TightLayoutEngine  # noqa: PLC0415

    TightLayoutEngine().execute(figure)
    target = Path(path)
    # zlib level 3 instead of 6: a third less time, 6 % more bytes.
    figure.savefig(target, dpi=_DPI, pil_kwargs={"compress_level": 3})
    return target


def efficient_frontier_chart(frontier, current, path, basis=None):
    """Inventory investment against fill rate, with the optimised plan marked.

    Parameters
    ----------
    frontier : pandas.DataFrame
        Columns ``fill_rate`` and ``inventory_investment`` (from
        :func:`engine.optimize.service_frontier`, computed under the plan's
        own constraints, or :func:`engine.inventory.efficient_frontier`).
    current : tuple of float
        ``(fill_rate, inventory_investment)`` of the optimised plan.
    basis : str, optional
        The constraints the curve is computed under, shown under the title
        (default: the frame's ``basis`` column when it has one).
    path : str or pathlib.Path
        PNG file to write.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    figure, axes = _figure(figsize=(6.4, 4.4))
    _curve_and_plan(
        axes,
        (frontier["fill_rate"] * 100, frontier["inventory_investment"]),
        (current[0] * 100, current[1]),
        "efficient frontier",
        "optimised plan",
    )
    axes.set_xlabel("demand-weighted fill rate (%)")
    axes.set_ylabel("inventory investment (money)")
    if basis is None and "basis" in frontier.columns:
        basis = str(frontier["basis"].iloc[0])
    axes.set_title(
        "Inventory investment versus fill rate"
        + (f"\n{_wrap(basis)}" if basis else ""),
        fontsize="medium",
    )
    axes.grid(alpha=0.3)
    axes.legend()
    return _save(figure, path)


def _wrap(text, width=70):
    import textwrap  # noqa: PLC0415

    return "\n".join(textwrap.wrap(text, width))


def order_frequency_chart(curve, path):
    """Orders per period against inventory investment, the plan marked.

    Parameters
    ----------
    curve : pandas.DataFrame
        From :func:`engine.optimize.order_frequency_curve` (``orders_per_period``,
        ``inventory_investment``, ``is_plan``, ``basis``).
    path : str or pathlib.Path
        PNG file to write.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    figure, axes = _figure(figsize=(6.4, 4.6))
    plan = curve[curve["is_plan"]]
    _curve_and_plan(
        axes,
        (curve["orders_per_period"], curve["inventory_investment"]),
        (plan["orders_per_period"], plan["inventory_investment"]),
        "lots of the plan scaled by k",
        "optimised plan (k = 1)",
    )
    axes.set_xlabel("replenishment orders per period (orders/week)")
    axes.set_ylabel("inventory investment (money)")
    axes.set_title(
        "Order frequency versus inventory investment\n"
        + _wrap(str(curve["basis"].iloc[0]) + "; capacity not re-checked"),
        fontsize="medium",
    )
    axes.grid(alpha=0.3)
    axes.legend()
    return _save(figure, path)


def flow_cap_wip(row):
    """The WIP a flow's cap leaves on the line, and its label.

    A bottleneck loop counts WIP only: its cap is that WIP. A non-bottleneck
    loop counts WIP plus finished stock (Spearman's DRS), so its cap includes
    the expected finished stock of its items; the line holds the cap less that
    stock, which is the WIP to read on a throughput-versus-WIP curve.

    Parameters
    ----------
    row : pandas.Series
        The flow's row of ``PlantResult.flows`` (``wip_cap``, ``loop_type``,
        ``finished_stock_units``).

    Returns
    -------
    tuple of (float, str)
        The WIP (the row's units) and the legend label.
    """
    cap = float(row["wip_cap"])
    stock = float(row.get("finished_stock_units", 0.0) or 0.0)
    if row.get("loop_type") != "non_bottleneck" or not stock > 0:
        return cap, "WIP cap"
    return max(cap - stock, 0.0), "WIP cap less finished stock"


def flow_chart(flow, row, curve, path, units_per_lot=None):
    """Throughput and cycle time against WIP for one CONWIP flow.

    Plots the best, practical-worst and worst cases of Hopp and Spearman
    (*Factory Physics*, ch. 7) for the flow's bottleneck rate and raw process
    time, the approximate MVA curve of the flow, and the WIP its cap leaves on
    the line (:func:`flow_cap_wip`: a non-bottleneck loop's cap also holds its
    finished stock, which is not on the curve).

    Parameters
    ----------
    flow : str
        Flow name (title).
    row : pandas.Series
        The flow's row of ``PlantResult.flows`` (``bottleneck_rate``,
        ``raw_process_time``, ``wip_cap``, ``target_throughput``).
    curve : pandas.DataFrame
        The flow's rows of ``PlantResult.curves`` (``w``, ``throughput``,
        ``cycle_time``).
    path : str or pathlib.Path
        PNG file to write.
    units_per_lot : float, optional
        Equivalent WIP units of one lot (a lot's hours over the flow's standard
        work content). Given, WIP and throughput are drawn in equivalent units,
        the units of the flow's own throughput-versus-WIP graph in Odoo;
        otherwise in lots.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    scale = (
        1.0
        if units_per_lot is None
        else float(positive("units_per_lot", units_per_lot))
    )
    unit = "lots" if units_per_lot is None else "equivalent units"
    rb, t0 = float(row["bottleneck_rate"]), float(row["raw_process_time"])
    w = np.arange(1, int(curve["w"].max()) + 1)
    cases = {
        "best case": conwip.best_case(w, rb, t0),
        "practical worst case": conwip.practical_worst_case(w, rb, t0),
        "worst case": conwip.worst_case(w, rb, t0),
    }
    figure, (top, bottom) = _figure(2, figsize=(6.4, 7.2), sharex=True)
    for label, (throughput, cycle_time) in cases.items():
        top.plot(w * scale, throughput * scale, linestyle="--", label=label)
        bottom.plot(w * scale, cycle_time, linestyle="--", label=label)
    top.plot(
        curve["w"] * scale,
        curve["throughput"] * scale,
        marker=".",
        label="this flow (MVA)",
    )
    bottom.plot(
        curve["w"] * scale, curve["cycle_time"], marker=".", label="this flow (MVA)"
    )
    marked, label = flow_cap_wip(row)
    marked, cap = marked * scale, int(row["wip_cap"]) * scale
    for axes in (top, bottom):
        if units_per_lot is None:
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.axvline(marked, color="grey", linewidth=1, label=label)
        axes.grid(alpha=0.3)
    top.axhline(float(row["target_throughput"]) * scale, color="grey", linestyle=":")
    top.set_ylabel(f"throughput ({unit}/hour)")
    bottom.set_ylabel("cycle time (hours)")
    if marked >= cap - 1e-9:
        bottom.set_xlabel(f"WIP ({unit}; cap {cap:g} marked)")
    else:
        bottom.set_xlabel(
            f"WIP ({unit}; cap {cap:g} less {cap - marked:.4g} of finished stock "
            "marked)"
        )
    bottom.set_ylim(0, float(np.max(cases["practical worst case"][1])) * 1.5)
    top.set_title(f"Flow {flow}: throughput and cycle time versus WIP")
    top.legend(fontsize="small")
    return _save(figure, path)
