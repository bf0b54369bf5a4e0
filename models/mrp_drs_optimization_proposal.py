# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The proposal of an optimisation run: the engine's result turned into
proposal lines (reorder rules, lot sizes, lead times, operation assignments,
WIP caps), the run's expected totals against today's policy, and its charts.

Lot sizes and reorder points are rounded up to the rounding of the product's
unit of measure, and to whole units for units of the "Unit" category (pieces,
dozens). Negative reorder points (possible in a (Q, r) policy when lots are
large) are raised to zero.
"""

import logging
import math
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools import SQL

from odoo.addons.mrp_drs.engine import inventory

from .mrp_drs_optimization_charts import (
    flow_chart,
    frontier_chart,
    order_frequency_chart,
)
from .mrp_drs_optimization_risk import simulate_flows
from .sql_arrays import FIELD_KINDS, round_half_up, sql_array

_logger = logging.getLogger(__name__)


#: the engine's reason for an item whose workcenter is overloaded by run time
OVERLOAD_REASON = re.compile(
    r"^(?P<workcenter>\d+): load of (?P<load>[\d.]+%) without setups leaves no "
    r"room under max_utilization (?P<ceiling>[\d.]+%)$"
)

#: lines are inserted in chunks of this size (one ``INSERT`` each)
LINE_CHUNK = 100_000
#: a proposal of at least this many lines analyses the lines' table
ANALYZE_LINES = 10_000
#: the lines' columns analysed then: those the apply, the review and the
#: lists filter, join and group on
ANALYZED = (
    "id",
    "run_id",
    "product_id",
    "kind",
    "field_name",
    "state",
    "selected",
    "flagged",
)

#: SQL type of the arrays passed to ``unnest`` per field type
ARRAY_TYPES = {
    "many2one": "int4[]",
    "integer": "int4[]",
    "float": "float8[]",
    "monetary": "float8[]",
    "boolean": "bool[]",
    "char": "varchar[]",
    "selection": "varchar[]",
    "text": "text[]",
}


def _round_up(values, rounding):
    """Round up to a multiple of ``rounding`` (a product's UoM rounding)."""
    values = np.asarray(values, dtype=float)
    rounding = np.asarray(rounding, dtype=float)
    rounded = np.ceil(values / rounding - 1e-9) * rounding
    return np.round(rounded, 6)


def _ceil_cents(value):
    """Round up to hundredths (equivalent units shown with two decimals)."""
    return math.ceil(value * 100 - 1e-6) / 100.0


def _finite(value):
    return float(value) if value is not None and np.isfinite(value) else 0.0


def _finite_array(series):
    values = np.asarray(series, dtype=float)
    return np.where(np.isfinite(values), values, 0.0)


def _each_distinct(keys, sentence):
    """``sentence(key)`` for each of ``keys`` (a Series, an Index or a
    MultiIndex), as an array; computed once per distinct key (100,000s of
    products share a few texts), the empty string where the key is missing."""
    codes, distinct = pd.factorize(keys)
    return np.array([*(sentence(key) for key in distinct), ""], dtype=object)[codes]


def _scalar(value):
    """A value of a NumPy array as a plain Python value (a query parameter)."""
    return value.item() if isinstance(value, np.generic) else value


def _column_values(column, field_type):
    """A DataFrame column as the values of a SQL array (see
    :func:`.sql_arrays.sql_array`): NULL for NaN and None, and for False but in
    a boolean column (as the ORM stores them). Numbers stay one float array
    (NaN for NULL): 100,000s of Python objects per column were most of the
    proposal's memory."""
    empty = column.isna().to_numpy()
    if field_type != "boolean" and column.dtype == object:
        empty = empty | column.map(lambda value: value is False).to_numpy()
    if field_type in ("many2one", "integer", "float", "monetary"):
        if column.dtype == object:
            values = np.where(empty, np.nan, column.to_numpy(dtype=object))
            values = values.astype(float)
        else:
            values = column.to_numpy(dtype=float, na_value=np.nan)
        # np.trunc keeps NaN
        return np.trunc(values) if field_type in ("many2one", "integer") else values
    if field_type == "selection":
        # no selection value is the empty string: the ORM stores NULL
        empty = empty | (column.to_numpy(dtype=object) == "")
    if field_type == "boolean":
        values = np.where(empty, False, column.to_numpy(dtype=object)).astype(bool)
    else:
        values = column.to_numpy(dtype=object).astype(str)
    values = values.astype(object)
    values[empty] = None
    return values


def current_policy(data, result):
    """Fill rate and inventory of today's reorder rules, same demand and lead
    times: ``Q = max(max - min, multiple)``, ``r = min`` (Odoo orders up to
    max in multiples, i.e. an (r, nQ) policy)."""
    products = data["products"]
    items = result.items.reindex(products.index.astype(str))
    usable = (
        items["feasible"].fillna(False).to_numpy(dtype=bool)
        & products["orderpoint_id"].notna().to_numpy()
    )
    if not usable.any():
        return {"current_fill_rate": 0.0, "current_inventory_investment": 0.0}
    rounding = products["rounding"].to_numpy()[usable]
    q = np.maximum.reduce(
        [
            (products["max_qty"] - products["min_qty"]).to_numpy()[usable],
            products["multiple"].to_numpy()[usable],
            rounding,
        ]
    )
    r = products["min_qty"].to_numpy()[usable]
    mean = items["lead_time_demand_mean"].to_numpy(dtype=float)[usable]
    std = items["lead_time_demand_std"].to_numpy(dtype=float)[usable]
    demand = products["demand_mean"].to_numpy()[usable]
    # Today's rules under the same demand model as the proposal; rules in
    # fractional quantities fall back to the normal model.
    model = items["demand_model"].fillna("normal").to_numpy(dtype=object)[usable]
    whole = (q == np.round(q)) & (r == np.round(r))
    model = np.where(whole, model, "normal").astype(object)
    fill, _backorders, stock = inventory.policy_measures(q, r, mean, std, model)
    stock = np.maximum(stock, 0.0)
    return {
        "current_fill_rate": float(np.dot(demand, fill) / demand.sum()),
        "current_inventory_investment": float(
            np.dot(stock, products["unit_cost"].to_numpy()[usable])
        ),
    }


def _engine_figures(data, result, flow_charts, checked_flows):
    """The engine work of a proposal, done in a worker thread beside the
    insert of its lines (see ``_store_result``).

    ``flow_charts``: ``{position: (flow name, key of result.flows, units per
    lot)}`` of the WIP-cap lines (``_wip_cap_lines``); ``checked_flows``: the
    ids of the flows to simulate. Returns ``flow_charts`` ``{position: PNG or
    False}``, ``frontier_chart``, ``order_frequency_chart`` and
    ``flow_checks`` (:func:`.simulate_flows`) and ``current_policy``
    (:func:`current_policy`).

    Only the engine's result and plain values: nothing here may use a record,
    an environment or a cursor. The charts are drawn one after the other.
    """
    return {
        "flow_charts": {
            position: flow_chart(name, flow, result, units_per_lot=units_per_lot)
            for position, (name, flow, units_per_lot) in flow_charts.items()
        },
        "frontier_chart": frontier_chart(result),
        "order_frequency_chart": order_frequency_chart(result),
        "flow_checks": simulate_flows(result, checked_flows),
        "current_policy": current_policy(data, result),
    }


class MrpDrsOptimizationRun(models.Model):
    _inherit = "mrp.drs.optimization.run"

    def _store_result(self, data, result):
        """Write the proposal lines, the charts, the expected totals and the
        risk check of the flows.

        The charts, the flows' simulation and today's policy are engine work
        on the extracted ``data`` and the ``result`` alone
        (:func:`_engine_figures`): a worker thread does it while PostgreSQL
        inserts the lines, most of the time of a large proposal, during which
        this thread only waits for the database. The worker gets plain values,
        never a record, the environment or the cursor (none of them is
        thread-safe), and this thread only runs the prepared statements until
        it is done. An error of the worker is raised here, as it would
        have been without the thread.
        """
        frame, caps, charts = self._prepare_lines(data, result)
        checked = [line["flow_id"] for line in caps if line["state"] != "skipped"]
        # the statements are built first: their arrays are Python work, which
        # would only contend with the worker for the interpreter
        inserts = self._line_inserts(frame)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mrp_drs") as pool:
            drawing = pool.submit(_engine_figures, data, result, charts, checked)
            self._execute_line_inserts(inserts)
            figures = drawing.result()
        for position, chart in figures["flow_charts"].items():
            caps[position]["chart"] = chart
        # the few lines with a chart (an attachment) go through the ORM
        self.env["mrp.drs.optimization.line"].create(caps)
        products, summary = data["products"], result.summary
        self.write(
            {
                "state": "done",
                "progress": 100.0,
                "progress_message": False,
                "date_done": fields.Datetime.now(),
                "product_count": len(products),
                "scope_product_count": int(products["in_scope"].sum())
                + len(data["no_bom"]),
                "routing_row_count": len(data["routing"]),
                "workcenter_count": len(data["centers"]),
                "flow_count": len(data["flows"]),
                "period_count": self._history_bounds()[0],
                "period_hours": data["period_hours"],
                "feasible_count": summary["feasible_items"],
                "infeasible_count": summary["infeasible_items"],
                "inventory_investment": summary["inventory_investment"],
                "fill_rate": _finite(summary["fill_rate"]),
                "wip_units": summary["expected_wip_units"],
                "wip_investment": summary["wip_investment"],
                "max_utilization_result": _finite(summary["max_utilization"]),
                **figures["current_policy"],
                "frontier_chart": figures["frontier_chart"],
                "order_frequency_chart": figures["order_frequency_chart"],
            }
        )
        self._create_flow_checks(figures["flow_checks"])

    def _proposed_quantities(self, data, result):
        """Per product: rounded lot size, reorder point and lead-time days."""
        products = data["products"]
        items = result.items.reindex(products.index.astype(str))
        rounding = products["rounding"].to_numpy()
        lot = items["lot_size"].to_numpy(dtype=float)
        reorder = np.maximum(items["reorder_point"].to_numpy(dtype=float), 0.0)
        feasible = items["feasible"].fillna(False).to_numpy(dtype=bool)
        feasible = feasible & np.isfinite(lot) & np.isfinite(reorder)
        lot = np.where(
            feasible, _round_up(np.where(feasible, lot, 1), rounding), np.nan
        )
        reorder = np.where(
            feasible, _round_up(np.where(feasible, reorder, 0), rounding), np.nan
        )
        quantile = items["planned_lead_time_quantile"].to_numpy(dtype=float)
        days = np.ceil(quantile / data["period_hours"] * self.period_days - 1e-9)
        fill, stock = self._rounded_policy(items, feasible, lot, reorder)
        model = items["demand_model"].fillna("").to_numpy(dtype=object)
        return pd.DataFrame(
            {
                "feasible": feasible,
                "reason": self._item_reasons(
                    items["reason"].fillna(""), data["centers"]["name"]
                ),
                "lot": lot,
                "reorder": reorder,
                "lead_days": np.where(feasible & np.isfinite(days), days, np.nan),
                "lead_hours": quantile,
                "safety_stock": items["safety_stock"].to_numpy(dtype=float),
                "days_of_supply": items["days_of_supply"].to_numpy(dtype=float),
                "fill_rate": fill,
                "expected_stock": stock,
                "demand_model": np.where(feasible, model, ""),
                "model_reason": self._model_reasons(
                    items["model_reason"].fillna("").where(feasible, ""),
                    products["zero_share"],
                ),
                "service_floor": items["service_floor"].to_numpy(dtype=float),
            },
            index=products.index,
        )

    def _rounded_policy(self, items, feasible, lot, reorder):
        """Expected fill rate and on-hand stock of the policy actually proposed
        (lot and reorder point rounded up to the unit, negative reorder points
        raised to zero), with the engine's demand model of each product."""
        fill = np.full(len(items), np.nan)
        stock = np.full(len(items), np.nan)
        if not feasible.any():
            return fill, stock
        args = (
            lot[feasible],
            reorder[feasible],
            items["lead_time_demand_mean"].to_numpy(dtype=float)[feasible],
            items["lead_time_demand_std"].to_numpy(dtype=float)[feasible],
            items["demand_model"].to_numpy(dtype=object)[feasible],
        )
        fill[feasible], _backorders, stock[feasible] = inventory.policy_measures(*args)
        return fill, stock

    def _model_reasons(self, reasons, zero_shares):
        """:meth:`_model_reason` of each product (an array), each distinct
        sentence written once."""
        percents = pd.Series(
            np.asarray(zero_shares, dtype=float), index=reasons.index
        ).map("{:.0%}".format)
        keys = pd.DataFrame(
            {
                "reason": reasons.to_numpy(dtype=object),
                # only the intermittent sentence quotes the share of zeros
                "zeros": percents.where(reasons == "intermittent", "").to_numpy(),
            }
        )
        return _each_distinct(
            pd.MultiIndex.from_frame(keys),
            lambda key: self._model_reason(*key) if key[0] else "",
        )

    def _model_reason(self, reason, zero_share):
        """The engine's reason for a product's demand model, as a sentence
        (``zero_share``: the share of periods without demand, as a percent
        text)."""
        sentences = {
            "no_demand": self.env._(
                "No demand in the history: nothing is held in stock."
            ),
            "high_volume": self.env._(
                "High volume: demand over the lead time is large enough for a "
                "normal curve."
            ),
            "intermittent": self.env._(
                "Intermittent: no demand in %(zeros)s of the periods and a "
                "variance above the mean, so a negative binomial in whole units.",
                zeros=zero_share,
            ),
            "skewed": self.env._(
                "High volume but too spread out for a normal curve: negative "
                "binomial in whole units."
            ),
            "overdispersed": self.env._(
                "Slow mover whose demand varies more than at random (variance "
                "above the mean): negative binomial in whole units."
            ),
            "underdispersed": self.env._(
                "Slow mover steadier than random demand: Poisson in whole units "
                "(it slightly overstates the spread, the safe side)."
            ),
            "poisson_fit": self.env._(
                "Slow mover whose variance matches its mean: Poisson in whole units."
            ),
            "chosen": self.env._("Normal model, as set in the run's parameters."),
            "fractional_units": self.env._(
                "Counted in fractional units (not a 'Unit' unit of measure): "
                "normal model."
            ),
        }
        return sentences.get(reason, reason)

    def _prepare_lines(self, data, result):
        """The proposal's lines: reorder rules, lot sizes and lead times of the
        products in scope, operation assignments, one line per product that
        could not be optimised (one DataFrame of line values), and the WIP cap
        lines (a list of values: they carry a chart) with what their charts are
        drawn from (see :meth:`_wip_cap_lines`)."""
        products = data["products"]
        proposal = self._proposed_quantities(data, result)
        scoped = products["in_scope"].to_numpy()
        frames = self._product_lines(products[scoped], proposal[scoped])
        frames.append(
            pd.DataFrame(
                {
                    "product_id": np.asarray(data["no_bom"], dtype=int),
                    "kind": "orderpoint",
                    "state": "skipped",
                    "selected": False,
                    "reason": self.env._("no bill of materials: not manufactured"),
                }
            )
        )
        frames.append(self._assignment_lines(data, result))
        frames = [part for part in frames if len(part)]
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        return (
            frame.assign(run_id=self.id),
            *self._wip_cap_lines(data, result, proposal),
        )

    def _insert_lines(self, frame):
        """Create the lines of ``frame`` (one column per field) set-wise; see
        :meth:`_line_inserts` and :meth:`_execute_line_inserts`."""
        return self._execute_line_inserts(self._line_inserts(frame))

    def _line_inserts(self, frame):
        """The statements that create the lines of ``frame`` (one column per
        field), built but not run: one ``INSERT ... SELECT FROM unnest(...)``
        per chunk instead of the ORM's ``create`` (100,000s of lines), with the
        same checks and columns as the ORM would write: create access (here)
        and record rules (:meth:`_execute_line_inserts`), defaults of the
        missing fields, create/write user and date, floats rounded to their
        digits as the ORM rounds them. No line field is computed from others.
        A column empty on every line of a chunk is left out of its statement
        (NULL), one with the same value on every line is one parameter.
        """
        Line = self.env["mrp.drs.optimization.line"]
        Line.check_access("create")
        if frame.empty:
            return []
        defaults = Line.default_get(
            [name for name in Line._fields if name in {"state", "selected"}]
        )
        frame = frame.assign(
            **{
                name: frame[name].where(frame[name].notna(), value)
                if name in frame
                else value
                for name, value in defaults.items()
            }
        )
        names = [name for name in frame.columns if Line._fields[name].column_type]
        columns = []
        for name in names:
            field = Line._fields[name]
            values = _column_values(frame[name], field.type)
            digits = field.get_digits(self.env) if field.type == "float" else None
            if digits:
                values = round_half_up(values, digits[1])
            columns.append((name, values, field.type))
        now, uid = self.env.cr.now(), self.env.uid
        statements = []
        for start in range(0, len(frame), LINE_CHUNK):
            chunk = slice(start, start + LINE_CHUNK)
            targets, selects, arrays = [], [], []
            for name, values, field_type in columns:
                part = values[chunk]
                missing = pd.isna(part)
                if missing.all():
                    # the ORM stores an empty value as NULL, the column default
                    continue
                sql_type = ARRAY_TYPES[field_type]
                targets.append(SQL.identifier(name))
                if not missing.any() and (part == part[0]).all():
                    # the same value on every line of the chunk (its kind, the
                    # run): one parameter, not an array
                    selects.append(SQL("%s::" + sql_type[:-2], _scalar(part[0])))
                    continue
                alias = SQL.identifier(f"c{len(arrays) + 1}")
                selects.append(SQL("v.%s", alias))
                arrays.append(
                    (
                        SQL(
                            "%s::" + sql_type,
                            sql_array(part, FIELD_KINDS.get(field_type, "text")),
                        ),
                        alias,
                    )
                )
            source = (
                SQL(
                    "unnest(%s) AS v(%s)",
                    SQL(", ").join(array for array, _alias in arrays),
                    SQL(", ").join(alias for _array, alias in arrays),
                )
                if arrays
                # every column the same on all lines of the chunk
                else SQL("generate_series(1, %s)", len(frame.index[chunk]))
            )
            statements.append(
                SQL(
                    """
                    INSERT INTO mrp_drs_optimization_line
                           (%(targets)s, create_uid, create_date, write_uid, write_date)
                    SELECT %(selects)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM %(source)s
                    RETURNING id
                    """,
                    targets=SQL(", ").join(targets),
                    selects=SQL(", ").join(selects),
                    uid=uid,
                    now=now,
                    source=source,
                )
            )
        return statements

    def _execute_line_inserts(self, statements):
        """Run :meth:`_line_inserts`' statements; check the record rules of the
        created lines, invalidate the caches (the runs' ``line_ids``) and, for
        a large proposal, analyse the columns the planner's statements filter
        and join the lines on. Returns the lines."""
        Line = self.env["mrp.drs.optimization.line"]
        ids = []
        for statement in statements:
            self.env.cr.execute(statement)
            ids += [row[0] for row in self.env.cr.fetchall()]
        lines = Line.browse(ids)
        self._check_created_lines(lines)
        self.env.invalidate_all()
        if len(ids) >= ANALYZE_LINES:
            # fresh statistics for the planner's next statements (the apply
            # joins these lines by id, the review groups them by run and
            # product): autovacuum analyses the table only later, and until
            # then PostgreSQL plans as if it held the rows it held before
            self.env.cr.execute(
                SQL(
                    "ANALYZE %s (%s)",
                    SQL.identifier(Line._table),
                    SQL(", ").join(SQL.identifier(name) for name in ANALYZED),
                )
            )
        return lines

    def _check_created_lines(self, lines):
        """Record rules of the created lines, checked in one query (the ORM
        filters them in Python, 1,000 at a time)."""
        if self.env.su:
            return
        Line = self.env["mrp.drs.optimization.line"]
        domain = self.env["ir.rule"]._compute_domain(Line._name, "create")
        if not domain:
            return
        # only lines of these runs can be among the created ones; an anti-join
        # (NOT IN over 100,000s of ids is not hashed within work_mem)
        allowed = (
            Line.sudo()
            .with_context(active_test=False)
            ._search(expression.AND([domain, [("run_id", "in", self.ids)]]))
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT created.id
                  FROM unnest(%s::int4[]) AS created(id)
                  LEFT JOIN (%s) AS allowed(id) ON allowed.id = created.id
                 WHERE allowed.id IS NULL
                 LIMIT 10
                """,
                lines.ids,
                allowed.subselect(),
            )
        )
        forbidden = Line.browse(row[0] for row in self.env.cr.fetchall())
        if forbidden:
            raise self.env["ir.rule"]._make_access_error("create", forbidden)

    def _product_lines(self, products, proposal):
        """Lines of the products in scope (a list of DataFrames): one 'skipped'
        line per product that was not optimised (with the engine's reason) or
        has no reorder rule to change; else one line for its reorder rule (min,
        max and multiple together) when one of them changes, which also carries
        the lead time of its bill of materials when that changes; a lead time
        that changes without its product's reorder rule is a line of its own.

        A reorder rule becomes an (r, nQ) policy: ``min = r``, ``max = r + Q``,
        ``multiple = Q``. When forecast stock falls below min, Odoo 18 orders up
        to max rounded *down* to a multiple of Q (max > 0), i.e. the smallest
        number of lots of Q that brings the stock position back above r.

        The product's own figures (flow, demand, demand model, expected fill
        rate and stock) go on its first line only: the reorder rule's, else the
        lead time's.
        """
        bad = ~proposal["feasible"].to_numpy()
        has_rule = products["orderpoint_id"].notna().to_numpy()
        create = (
            ~has_rule & products["can_manufacture"].to_numpy() & self.create_orderpoints
        )
        no_rule = ~bad & ~has_rule & ~create
        ok = ~bad & (has_rule | create)
        frame = pd.DataFrame(
            {
                "product_id": products.index.to_numpy(),
                "orderpoint_id": products["orderpoint_id"].to_numpy(dtype=float),
                "kind": "orderpoint",
                "field_name": "reorder_rule",
            }
        )
        old_min = products["min_qty"].fillna(0.0).to_numpy()
        old_max = products["max_qty"].fillna(0.0).to_numpy()
        old_multiple = products["multiple"].fillna(0.0).to_numpy()
        current = {
            "old_value": old_min,
            "old_max_qty": old_max,
            "old_multiple": old_multiple,
        }
        skipped = frame[bad | no_rule].assign(
            **{name: values[bad | no_rule] for name, values in current.items()},
            state="skipped",
            selected=False,
            reason=np.where(
                bad,
                proposal["reason"].replace("", self.env._("not optimised")),
                self.env._(
                    "no reorder rule in the warehouse and none created (no "
                    "manufacture route, or creation not requested)"
                ),
            )[bad | no_rule],
        )
        new_min = proposal["reorder"].to_numpy()
        new_multiple = proposal["lot"].to_numpy()
        new_max = new_min + new_multiple
        rounding = products["rounding"].to_numpy()
        # how far the rule moves: its largest relative change of min, max or
        # multiple, and whether any of them changes by half a rounding or more
        share = np.zeros(len(products))
        changed = np.zeros(len(products), dtype=bool)
        for old, new in (
            (old_min, new_min),
            (old_max, new_max),
            (old_multiple, new_multiple),
        ):
            with np.errstate(invalid="ignore"):
                moved = np.abs(new - old) / np.maximum(np.abs(old), rounding)
                changed |= np.abs(new - old) > rounding / 2
            share = np.fmax(share, np.where(create, 0.0, moved))
        changed = ok & (create | changed)
        flagged = ok & (share > self.review_threshold)
        flag_reason = self._flag_reasons(
            share,
            flagged,
            lambda share, threshold: self.env._(
                "changes the reorder rule by up to %(share)s (more than %(threshold)s)",
                share=share,
                threshold=threshold,
            ),
        )
        statistics = pd.DataFrame(
            {
                "product_flow_id": products["flow_id"].to_numpy(dtype=float),
                "demand_model": proposal["demand_model"].to_numpy(),
                "model_reason": proposal["model_reason"].to_numpy(),
                "service_floor": _finite_array(proposal["service_floor"]),
                "expected_stock": _finite_array(proposal["expected_stock"]),
                "demand_mean": products["demand_mean"].to_numpy(),
                "demand_std": products["demand_std"].to_numpy(),
                "safety_stock": _finite_array(proposal["safety_stock"]),
                "days_of_supply": _finite_array(proposal["days_of_supply"]),
                "fill_rate": _finite_array(proposal["fill_rate"]),
            },
            index=products.index,
        )
        lead_hours = _finite_array(proposal["lead_hours"])
        rules = frame[changed].assign(
            create_orderpoint=create[changed],
            **{name: values[changed] for name, values in current.items()},
            new_value=new_min[changed],
            difference=(new_min - old_min)[changed],
            new_max_qty=new_max[changed],
            new_multiple=new_multiple[changed],
            flagged=flagged[changed],
            selected=~flagged[changed],
            flag_reason=flag_reason[changed],
            lead_time_hours=lead_hours[changed],
            **{name: column.to_numpy()[changed] for name, column in statistics.items()},
        )
        # manufacturing lead time of the bill of materials, per BoM; a BoM
        # shared by variants takes the longest lead time of its products
        lead = pd.DataFrame(
            {
                "product_id": products.index.to_numpy(),
                "bom_id": products["bom_id"].to_numpy(),
                "old_value": products["produce_delay"].to_numpy(dtype=float),
                "new_value": proposal["lead_days"].to_numpy(),
                "lead_time_hours": proposal["lead_hours"].to_numpy(),
            }
        )[~bad]
        lead = lead[np.isfinite(lead["new_value"].to_numpy())]
        lead = lead.sort_values(
            ["bom_id", "new_value", "product_id"], ascending=[True, False, True]
        ).drop_duplicates("bom_id")
        lead = lead[lead["new_value"] != lead["old_value"]]
        drs_active = lead["product_id"].map(products["drs_lead_time_active"])
        drs_active = drs_active.fillna(False).to_numpy(dtype=bool)
        old_days = lead["old_value"].to_numpy()
        moved = np.abs(lead["new_value"].to_numpy() - old_days) / np.maximum(
            old_days, 1.0
        )
        big = moved > self.review_threshold
        lead = lead.assign(
            flagged=big,
            flag_reason=self._flag_reasons(
                moved,
                big,
                lambda share, threshold: self.env._(
                    "changes the lead time by %(share)s (more than %(threshold)s)",
                    share=share,
                    threshold=threshold,
                ),
            ),
            reason=np.where(
                drs_active,
                self.env._(
                    "DRS plans this product with its own planned lead time while "
                    "it is computed; this manufacturing lead time only applies "
                    "when DRS falls back to it"
                ),
                "",
            ),
        )
        # the lead time of a product whose reorder rule changes goes on the
        # rule's line: the proposed reorder point covers the demand over it, so
        # the two are applied together
        carried = lead["product_id"].isin(rules["product_id"]).to_numpy()
        rules = self._carry_lead_times(rules, lead[carried])
        lead = lead[~carried]
        # the product's figures, unless its reorder-rule line has them
        first = ~lead["product_id"].isin(rules["product_id"]).to_numpy()
        figures = statistics.reindex(lead["product_id"].to_numpy())
        figures[~first] = np.nan
        lead = lead.assign(
            **{name: column.to_numpy() for name, column in figures.items()}
        )
        lines = [skipped, rules]
        lines.append(
            lead.assign(
                kind="lead_time",
                field_name="produce_delay",
                difference=lead["new_value"] - lead["old_value"],
                selected=~lead["flagged"].to_numpy(dtype=bool),
            )
        )
        return lines

    def _carry_lead_times(self, rules, lead):
        """``rules`` (reorder-rule lines, one per product) with the lead-time
        changes ``lead`` of their products' bills of materials: BoM, old and
        new days; the line is flagged (and not selected) when either change
        is, with both reasons."""
        lead = lead.set_index("product_id").reindex(rules["product_id"].to_numpy())
        has = lead["bom_id"].notna().to_numpy()
        rule_flagged = rules["flagged"].to_numpy(dtype=bool)
        lead_flagged = lead["flagged"].fillna(False).to_numpy(dtype=bool)
        flagged = rule_flagged | lead_flagged
        reasons = np.array(
            [
                "; ".join(part for part in pair if isinstance(part, str) and part)
                for pair in zip(
                    rules["flag_reason"].to_numpy(dtype=object),
                    lead["flag_reason"].to_numpy(dtype=object),
                    strict=True,
                )
            ],
            dtype=object,
        )
        return rules.assign(
            bom_id=np.where(has, lead["bom_id"].to_numpy(dtype=float), np.nan),
            old_lead_days=lead["old_value"].to_numpy(dtype=float),
            new_lead_days=lead["new_value"].to_numpy(dtype=float),
            flagged=flagged,
            selected=~flagged,
            flag_reason=reasons,
            reason=lead["reason"].fillna("").to_numpy(dtype=object),
        )

    def _flag_reasons(self, shares, flagged, sentence):
        """Why each flagged line is to review (an array, empty where not
        flagged): ``sentence(share, threshold)`` of the line's relative change
        and the run's threshold as percents, each distinct text written once."""
        reasons = np.full(len(shares), "", dtype=object)
        if not flagged.any():
            return reasons
        threshold = f"{self.review_threshold:.0%}"
        reasons[flagged] = _each_distinct(
            pd.Series(shares[flagged]).map("{:.0%}".format),
            lambda share: sentence(share, threshold),
        )
        return reasons

    @api.model
    def _assignment_shares(self, data, result, routing_columns):
        """The engine's workcenter shares (result.assignment) as Odoo ids, one row
        per product, step and workcenter, joined to ``routing_columns`` of the
        extracted routing."""
        shares = result.assignment
        key = ["product_id", "step", "workcenter_id"]
        return pd.DataFrame(
            {
                "product_id": shares["sku"].astype(int).to_numpy(),
                "step": shares["operation"].astype(int).to_numpy(),
                "workcenter_id": shares["workcenter"].astype(int).to_numpy(),
                "share": shares["share"].to_numpy(dtype=float),
            }
        ).merge(data["routing"][key + routing_columns], on=key)

    def _assignment_lines(self, data, result):
        """Operations whose majority of demand moves to an alternative workcenter.

        The engine splits an operation's demand among its eligible workcenters to
        minimise the largest utilisation; Odoo has one workcenter per operation
        (planning may still pick an alternative), so the operation moves to the
        workcenter with the largest demand-weighted share.
        """
        routing, products = data["routing"], data["products"]
        if result.assignment.empty:
            return pd.DataFrame()
        frame = self._assignment_shares(data, result, ["operation_id"])
        options = frame.groupby("operation_id")["workcenter_id"].transform("nunique")
        frame = frame[(options > 1).to_numpy()]
        frame = frame[
            frame["product_id"].map(products["in_scope"]).to_numpy(dtype=bool)
        ]
        if frame.empty:
            return pd.DataFrame()
        demand = frame["product_id"].map(products["demand_mean"]).to_numpy()
        frame = frame.assign(weighted=frame["share"] * np.maximum(demand, 1e-12))
        per_center = frame.groupby(["operation_id", "workcenter_id"])["weighted"].sum()
        total = per_center.groupby(level=0).transform("sum")
        share = (per_center / total).rename("share").reset_index()
        best = share.sort_values(
            ["operation_id", "share", "workcenter_id"], ascending=[True, False, True]
        ).drop_duplicates("operation_id")
        current = routing[routing["is_primary"]].drop_duplicates("operation_id")
        current = current.set_index("operation_id")["workcenter_id"]
        best = best.assign(current=best["operation_id"].map(current))
        moved = best[
            best["current"].notna() & (best["current"] != best["workcenter_id"])
        ]
        product_of = frame.drop_duplicates("operation_id").set_index("operation_id")[
            "product_id"
        ]
        return pd.DataFrame(
            {
                "kind": "assignment",
                "field_name": "workcenter_id",
                "operation_id": moved["operation_id"].astype(int).to_numpy(),
                "product_id": moved["operation_id"].map(product_of).to_numpy(),
                "old_workcenter_id": moved["current"].astype(int).to_numpy(),
                "new_workcenter_id": moved["workcenter_id"].astype(int).to_numpy(),
                "old_value": 1.0,
                "new_value": moved["share"].to_numpy(dtype=float),
                "difference": moved["share"].to_numpy(dtype=float) - 1.0,
            }
        )

    def _item_reasons(self, reasons, center_names):
        """The engine's reasons of the items in the planner's words, each
        distinct reason translated once."""
        return _each_distinct(
            reasons, lambda text: self._item_reason(text, center_names)
        )

    def _item_reason(self, reason, center_names):
        """The engine's reason for an item, in the planner's words (workcenters
        by name)."""
        if not reason:
            return ""
        overloaded = OVERLOAD_REASON.match(reason)
        if overloaded:
            key = int(overloaded["workcenter"])
            return self.env._(
                "%(workcenter)s is loaded %(load)s without setups, no room under "
                "the %(ceiling)s utilisation ceiling",
                workcenter=center_names.get(key, key),
                load=overloaded["load"],
                ceiling=overloaded["ceiling"],
            )
        known = {
            "no routing": self.env._("no operation in its bill of materials"),
            "no demand": self.env._(
                "no demand in the history window (no done delivery or consumption)"
            ),
            "no workcenter with capacity for an operation": self.env._(
                "an operation has no workcenter with working hours in the horizon"
            ),
        }
        if reason.startswith("no holding cost"):
            return self.env._("no holding cost: the product has no cost")
        return known.get(reason, reason)
