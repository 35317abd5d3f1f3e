"""The DOI lookup form (sql/macros/doi_key.sql): lower case, without resolver or scheme, NULL when no
DOI is left; and the command line's test of "is this a DOI" (datarank.lookup.is_doi) takes exactly
the strings the macro gives a key for. Expected keys are written by hand."""

from __future__ import annotations

import duckdb
import pytest

from datarank.db import sql_text
from datarank.lookup import is_doi

CASES = [
    ("10.7717/peerj.4375", "10.7717/peerj.4375"),
    ("https://doi.org/10.7717/peerj.4375", "10.7717/peerj.4375"),
    ("HTTPS://DOI.ORG/10.7717/PEERJ.4375", "10.7717/peerj.4375"),
    ("http://dx.doi.org/10.1073/pnas.2016239118", "10.1073/pnas.2016239118"),
    ("https://www.doi.org/10.1073/PNAS.2016239118", "10.1073/pnas.2016239118"),
    ("doi:10.1073/pnas.2016239118", "10.1073/pnas.2016239118"),
    ("DOI: 10.1073/pnas.2016239118", "10.1073/pnas.2016239118"),
    ("  10.1000.10/ab(c)<d>;e  ", "10.1000.10/ab(c)<d>;e"),
    ("10.1002/(SICI)1097-4636", "10.1002/(sici)1097-4636"),
    ("10.7717", None),
    ("10.7717/", None),
    ("11.7717/peerj.4375", None),
    ("https://example.org/10.7717/peerj.4375", None),
    ("W2741809807", None),
    ("", None),
    ("   ", None),
    ("10.7717/peer j", None),
    (None, None),
]


@pytest.fixture(scope="module")
def connection() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute(sql_text("macros/doi_key"))
    return connection


@pytest.mark.parametrize(("value", "expected"), CASES)
def test_doi_key_by_hand(connection: duckdb.DuckDBPyConnection, value: str | None, expected: str | None) -> None:
    assert connection.execute("select doi_key($v)", {"v": value}).fetchall()[0][0] == expected


@pytest.mark.parametrize(("value", "expected"), [case for case in CASES if case[0] is not None])
def test_is_doi_takes_what_the_macro_keys(value: str, expected: str | None) -> None:
    assert is_doi(value) == (expected is not None)
