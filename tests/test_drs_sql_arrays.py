# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Large lists sent as one array literal read back exactly in PostgreSQL."""

import math

from odoo.tests import TransactionCase, tagged

from odoo.addons.mrp_drs.models.sql_arrays import sql_array


@tagged("post_install", "-at_install")
class TestDrsSqlArrays(TransactionCase):
    def _read(self, values, kind, sql_type):
        self.env.cr.execute(f"SELECT %s::{sql_type}", [sql_array(values, kind)])
        return self.env.cr.fetchone()[0]

    def test_text_with_quotes_backslashes_and_nulls_round_trips(self):
        values = ['a"b', None, "c\\d", "", "x,y {z}", "NULL", "it's", "é", 'q\\"', "a"]
        self.assertEqual(self._read(values, "text", "varchar[]"), values)

    def test_numbers_and_flags_round_trip(self):
        floats = [0.1, None, 1 / 3, -2.5e-20, 1e300, math.nan, math.inf]
        self.assertEqual(
            self._read(floats, "float", "float8[]"),
            [0.1, None, 1 / 3, -2.5e-20, 1e300, None, None],
        )
        self.assertEqual(
            self._read([5, None, 2**31 - 1, 7.0], "int", "int4[]"),
            [5, None, 2**31 - 1, 7],
        )
        self.assertEqual(
            self._read([True, None, False], "bool", "bool[]"), [True, None, False]
        )
        self.assertEqual(self._read([], "int", "int4[]"), [])
        with self.assertRaises(ValueError):
            sql_array([1], "date")
