"""tracker.store.chunks: every value lands in exactly one slice, in order, none too long."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tracker.store.chunks import IN_CHUNK, chunks


@given(st.lists(st.integers(), max_size=2_000), st.integers(min_value=1, max_value=700))
def test_slices_cover_the_values_in_order_and_none_is_longer_than_the_size(
    values: list[int], size: int
) -> None:
    pieces = list(chunks(values, size))
    assert [value for piece in pieces for value in piece] == values
    assert all(0 < len(piece) <= size for piece in pieces)


def test_the_default_slice_stays_under_every_databases_parameter_limit() -> None:
    assert [len(piece) for piece in chunks(list(range(1_001)))] == [IN_CHUNK, IN_CHUNK, 1]
    assert IN_CHUNK <= 999  # SQLite before 3.32
