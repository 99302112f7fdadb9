"""List cursors: opaque to clients, and refused (422 naming ``cursor``) when made by hand."""

from __future__ import annotations

import pytest

from projections.queries import BadCursor, cursor_position, decode_cursor, encode_cursor


def test_a_cursor_reads_back_as_the_sort_key_it_was_made_from() -> None:
    assert decode_cursor(encode_cursor(["2026-02-01", "c-1", "main"]), 3) == [
        "2026-02-01", "c-1", "main"]


@pytest.mark.parametrize("cursor", ["%%%", encode_cursor(["a"]), encode_cursor([True, "x"])])
def test_a_cursor_not_made_for_the_list_is_refused(cursor: str) -> None:
    with pytest.raises(BadCursor):
        decode_cursor(cursor, 2)


@pytest.mark.parametrize("position", [0, 17, "17", 2**63 - 1])
def test_a_position_within_the_log_is_read(position: int | str) -> None:
    assert cursor_position(position) == int(position)


@pytest.mark.parametrize("position", [-1, "-5", 2**63, "99999999999999999999", "١٢", "x", True])
def test_a_position_outside_the_log_is_refused(position: object) -> None:
    """A BIGINT cannot hold it: the database would fail, so the cursor is refused first."""
    with pytest.raises(BadCursor):
        cursor_position(position)
