"""CONWIP admission and levelled release rules (engine.conwip, engine.heijunka).

Sources: Spearman, Woodruff and Hopp (1990), "CONWIP: a pull alternative to
kanban", IJPR 28(5) -- release while the WIP in standard units stays within the
cap; Monden, *Toyota Production System*, ch. 17 -- goal chasing.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from engine import conwip, heijunka

units_lists = st.lists(
    st.floats(min_value=0.0, max_value=20.0, allow_nan=False, allow_subnormal=False),
    max_size=30,
)


def test_order_fits_while_wip_stays_within_cap():
    assert conwip.release_fits(wip=6.0, units=4.0, cap=10.0, in_process=3)
    assert not conwip.release_fits(wip=6.5, units=4.0, cap=10.0, in_process=3)


def test_rounding_noise_does_not_refuse_an_exact_fit():
    assert conwip.release_fits(wip=0.1 + 0.2, units=9.7, cap=10.0, in_process=1)


def test_order_larger_than_the_cap_enters_an_empty_loop_alone():
    assert conwip.release_fits(wip=0.0, units=15.0, cap=10.0, in_process=0)
    # not beside another order, nor into a loop already at its cap
    assert not conwip.release_fits(wip=2.0, units=15.0, cap=10.0, in_process=1)
    assert not conwip.release_fits(wip=10.0, units=15.0, cap=10.0, in_process=0)


def test_walk_stops_at_the_first_order_that_does_not_fit():
    # 3 + 4 fit under 8, the 5 does not, the 1 behind it waits (no overtaking)
    assert conwip.releasable_count([3.0, 4.0, 5.0, 1.0], 0.0, 8.0, 0) == 2


@settings(max_examples=200, deadline=None)
@given(
    units=units_lists,
    wip=st.floats(min_value=0.0, max_value=30.0, allow_subnormal=False),
    cap=st.floats(min_value=0.5, max_value=30.0, allow_subnormal=False),
    in_process=st.integers(min_value=0, max_value=5),
)
def test_release_never_exceeds_the_cap_but_for_one_large_order(
    units, wip, cap, in_process
):
    count = conwip.releasable_count(units, wip, cap, in_process)
    assert 0 <= count <= len(units)
    released = units[:count]
    total = wip + sum(released)
    oversize_alone = count == 1 and in_process == 0 and wip < cap and released[0] > cap
    # nothing is released into a loop already at or above its cap
    assert count == 0 or total <= cap + 1e-6 or oversize_alone
    # the walk stops only at an order that does not fit
    if count < len(units):
        assert not conwip.release_fits(
            wip + sum(released), units[count], cap, in_process + count
        )


@settings(max_examples=100, deadline=None)
@given(units=units_lists, cap=st.floats(min_value=0.5, max_value=30.0))
def test_a_larger_cap_never_releases_fewer_orders(units, cap):
    small = conwip.releasable_count(units, 0.0, cap, 0)
    large = conwip.releasable_count(units, 0.0, cap + 5.0, 0)
    assert large >= small


def test_levelled_release_spreads_products_in_demand_proportions():
    # Monden's goal chasing on 6 A, 3 B, 3 C (one order = one unit): ABCA ABCA ABCA
    queued = [(i, 1.0, "A", None) for i in range(6)]
    queued += [(10 + i, 1.0, "B", None) for i in range(3)]
    queued += [(20 + i, 1.0, "C", None) for i in range(3)]
    order = heijunka.levelled_release_order(queued, {}, now=0)
    product = {row[0]: row[2] for row in queued}
    assert "".join(product[pid] for pid, _units in order) == "ABCAABCAABCA"
    # orders of one product keep their queue order
    assert [pid for pid, _ in order if product[pid] == "A"] == list(range(6))


def test_levelled_release_continues_from_the_orders_in_process():
    # A and A already in the loop: the chase goes on with B and C first
    queued = [(1, 1.0, "A", None), (2, 1.0, "B", None), (3, 1.0, "C", None)]
    order = heijunka.levelled_release_order(queued, {"A": 2}, now=0)
    assert [pid for pid, _ in order][:2] in ([2, 3], [3, 2])


def test_order_at_its_latest_start_goes_first():
    queued = [
        (1, 1.0, "A", None),
        (2, 1.0, "A", None),
        (3, 2.0, "B", 5),  # latest start 5 has come at now = 10
    ]
    order = heijunka.levelled_release_order(queued, {}, now=10)
    assert order[0] == (3, 2.0)
