# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Large lists sent as one array literal read back exactly in PostgreSQL."""

import math

import numpy as np

from odoo.tests import TransactionCase, tagged
from odoo.tools import float_round

from odoo.addons.mrp_drs.models.sql_arrays import round_half_up, sql_array


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

    def test_rounding_is_the_orms(self):
        """The proposal rounds its floats as the ORM's ``float_round`` does
        (HALF-UP after an epsilon): ties written in decimal, values just
        below them, negatives, zeros, large and tiny values, NaN kept."""
        rng = np.random.default_rng(7)
        values = np.concatenate(
            [
                [2.675, -2.675, 0.125, -0.125, 1.005, 0.5, 1.5, 2.5, -0.5, 0.285],
                [1.115, 0.0, -0.0, 1e-9, 123456789.125, 2.6749999, 7.0, 1e15],
                rng.normal(0.0, 100.0, 5000),
                np.round(rng.normal(0.0, 1000.0, 5000), 3),
                rng.lognormal(0.0, 5.0, 5000),
            ]
        )
        for digits in (0, 1, 2, 3, 6):
            expected = [float_round(value, precision_digits=digits) for value in values]
            self.assertEqual(round_half_up(values, digits).tolist(), expected, digits)
        self.assertEqual(round_half_up([2.675], 2).tolist(), [2.68])
        self.assertTrue(np.isnan(round_half_up([math.nan], 2)[0]))
