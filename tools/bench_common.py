# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the benchmark scripts of this folder share (imported by them, run as
``python3 tools/bench_*.py``: this folder is then on the import path)."""


def vacuum_analyze(database, tables):
    """``VACUUM ANALYZE`` ``tables`` of ``database``, outside any transaction.

    What autovacuum does between two runs; the PostgreSQL of the benchmark
    machines runs with autovacuum off, where each rolled-back or reverted run
    would leave its dead rows to the scans of the next.
    """
    import odoo  # noqa: PLC0415

    connection = odoo.sql_db.db_connect(database)
    with connection.cursor() as cr:
        cr._cnx.autocommit = True  # VACUUM cannot run in a transaction
        for table in tables:
            cr.execute(f"VACUUM ANALYZE {table}")  # pylint: disable=sql-injection
