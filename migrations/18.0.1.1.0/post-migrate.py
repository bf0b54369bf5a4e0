# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Proposal lines of 18.0.1.0.0 runs: a reorder rule's min, max and multiple
were three lines (the multiple of kind 'lot_size'); from 18.0.1.1.0 they are
one line (field ``reorder_rule``) with the three old and new values.

Each run's lines of one product are merged into its min line (the first
found when there is none). A value without a line did not change: its old and
new values are the rule's value now, so applying or reverting the merged
line leaves it as it is, as the former lines did. In a run where only some
of a product's lines were applied, the values of the others are taken from
the rule in the same way, so a revert restores only what was applied.
"""

import logging

from odoo.tools import SQL

_logger = logging.getLogger(__name__)

FIELDS = ("product_min_qty", "product_max_qty", "qty_multiple")
#: (old, new) columns of each field on the merged line
COLUMNS = {
    "product_min_qty": ("old_value", "new_value"),
    "product_max_qty": ("old_max_qty", "new_max_qty"),
    "qty_multiple": ("old_multiple", "new_multiple"),
}
#: state of a merged line, the first of its lines' states in this order
STATES = ("applied", "reverted", "proposed", "unchanged", "skipped")


def merge_reorder_rule_lines(cr):
    """Merge the per-field reorder-rule lines (every line of kind 'lot_size'
    is a multiple's, merged too); returns the merged count."""
    cr.execute(
        """
        SELECT l.id, l.run_id, l.product_id, l.field_name, l.state, l.selected,
               l.old_value, l.new_value, o.product_min_qty, o.product_max_qty,
               o.qty_multiple
          FROM mrp_drs_optimization_line l
          LEFT JOIN stock_warehouse_orderpoint o ON o.id = l.orderpoint_id
         WHERE l.field_name IN %s
         ORDER BY l.run_id, l.product_id, l.field_name != 'product_min_qty', l.id
        """,
        [FIELDS],
    )
    groups = {}
    for row in cr.dictfetchall():
        groups.setdefault((row["run_id"], row["product_id"]), []).append(row)
    obsolete = []
    for lines in groups.values():
        keep = lines[0]
        state = next(s for s in STATES if any(line["state"] == s for line in lines))
        values = {"state": state}
        by_field = {line["field_name"]: line for line in lines}
        for field, (old, new) in COLUMNS.items():
            line = by_field.get(field)
            if line is None or (state == "applied" and line["state"] != "applied"):
                # unchanged (or not applied): the rule's value now
                values[old] = values[new] = keep[field]
            else:
                values[old], values[new] = line["old_value"], line["new_value"]
            if state == "skipped" and field != "product_min_qty":
                values[new] = None  # a product not optimised has no proposal
        values["selected"] = all(line["selected"] for line in lines)
        values["difference"] = (values["new_value"] or 0.0) - (
            values["old_value"] or 0.0
        )
        values["kind"] = "orderpoint"
        values["field_name"] = "reorder_rule"
        cr.execute(
            SQL(
                "UPDATE mrp_drs_optimization_line SET %s WHERE id = %s",
                SQL(", ").join(
                    SQL("%s = %s", SQL.identifier(column), value)
                    for column, value in values.items()
                ),
                keep["id"],
            )
        )
        obsolete += [line["id"] for line in lines[1:]]
    if obsolete:
        cr.execute(
            "DELETE FROM mrp_drs_optimization_line WHERE id IN %s", [tuple(obsolete)]
        )
    return len(groups)


def migrate(cr, version):
    if not version:
        return
    merged = merge_reorder_rule_lines(cr)
    _logger.info("mrp_drs: %s reorder-rule proposals merged into one line", merged)
