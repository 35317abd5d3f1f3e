"""The id macros (sql/macros/openalex_*_id.sql): their fast path for the form snapshot records use
must give exactly what the plain rule gives — checked by hand on the edge cases and, over many
generated strings, against that rule written out on its own (the macros' previous definition)."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datarank.db import sql_dir

PLAIN = {
    "W": r"try_cast(regexp_extract(upper(trim(v)), '^(?:HTTPS?://OPENALEX\.ORG/)?W([0-9]{1,18})$', 1) as bigint)",
    "A": r"try_cast(regexp_extract(upper(trim(v)), '^(?:HTTPS?://OPENALEX\.ORG/)?A([0-9]{1,18})$', 1) as bigint)",
}
MACRO = {"W": "openalex_work_id", "A": "openalex_author_id"}


@pytest.fixture(scope="module")
def connection() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    for macro in sorted((sql_dir() / "macros").glob("*.sql")):  # in the order db.connect loads them
        connection.execute(macro.read_text(encoding="utf-8"))
    return connection


def parse(connection: duckdb.DuckDBPyConnection, kind: str, values: list[str | None]) -> list[tuple]:
    """(macro, plain rule) for each value, in order."""
    return connection.execute(
        f"select {MACRO[kind]}(v), {PLAIN[kind]} from unnest($values) with ordinality as t(v, i) order by i",
        {"values": values},
    ).fetchall()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://openalex.org/W2741809807", 2741809807),
        ("W2741809807", 2741809807),
        ("  https://OpenAlex.org/w0012 ", 12),
        ("http://openalex.org/W7", 7),
        ("https://openalex.org/W" + "9" * 18, int("9" * 18)),
        ("https://openalex.org/W" + "9" * 19, None),  # more than 18 digits: not an id
        ("https://openalex.org/W", None),
        ("https://openalex.org/W+12", None),  # a cast alone would take these three
        ("https://openalex.org/W 12", None),
        ("https://openalex.org/W12 ", 12),  # blanks around the whole value are allowed
        ("https://openalex.org/W1_000", None),
        ("https://openalex.org/W12x", None),
        ("https://openalex.org/A12", None),
        ("https://openalex.org/W12\n", None),
        ("https://openalex.org/W١٢", None),  # non-ASCII digits
        ("https://openalexXorg/W12", None),  # the dot is a dot
        (None, None),
    ],
)
def test_work_ids_by_hand(connection: duckdb.DuckDBPyConnection, value: str | None, expected: int | None) -> None:
    assert parse(connection, "W", [value]) == [(expected, expected)]


def test_author_ids_by_hand(connection: duckdb.DuckDBPyConnection) -> None:
    values = ["https://openalex.org/A5010225522", "a5", "https://openalex.org/W5", "https://openalex.org/A-5", None]
    assert [got for got, _ in parse(connection, "A", values)] == [5010225522, 5, None, None, None]


ID_LIKE = st.builds(
    lambda scheme, host, letter, digits, tail: scheme + host + letter + digits + tail,
    st.sampled_from(["https://", "http://", "HTTPS://", "", " ", "htps://"]),
    st.sampled_from(["openalex.org/", "OPENALEX.ORG/", "openalex.org", "openalexXorg/", ""]),
    st.sampled_from(["W", "w", "A", "a", "X", ""]),
    st.text(alphabet="0123456789+-_ .x٣", max_size=21),
    st.sampled_from(["", " ", "\t", "\n", "\u2028", "/"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(ID_LIKE, st.text(max_size=30), st.none()), max_size=40))
def test_macros_agree_with_the_plain_rule(connection: duckdb.DuckDBPyConnection, values: list[str | None]) -> None:
    for kind in MACRO:
        for got, plain in parse(connection, kind, values):
            assert got == plain
