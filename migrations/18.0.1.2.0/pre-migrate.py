# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Queue positions of 18.0.1.1.0 were stored on the orders
(``drs_queue_position``, indexed) and renumbered behind every release; from
18.0.1.2.0 an order stores its rank (``drs_queue_rank``) and its flow an
offset (``drs_queue_offset``), the position being the rank less the offset.

The stored positions are the ranks at offset 0: the column is renamed, its
index dropped, and every flow starts at offset 0.
"""

from odoo.tools import sql


def migrate(cr, version):
    if not version:
        return
    if sql.column_exists(cr, "mrp_production", "drs_queue_position"):
        cr.execute("DROP INDEX IF EXISTS mrp_production__drs_queue_position_index")
        sql.rename_column(cr, "mrp_production", "drs_queue_position", "drs_queue_rank")
    if not sql.column_exists(cr, "mrp_drs_flow", "drs_queue_offset"):
        sql.create_column(cr, "mrp_drs_flow", "drs_queue_offset", "int4")
        cr.execute("UPDATE mrp_drs_flow SET drs_queue_offset = 0")
