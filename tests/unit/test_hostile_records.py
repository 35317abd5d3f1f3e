"""Hostile and odd records (hypothesis): any field null, missing or of the wrong type, huge lists,
a 10 MB line, unicode line separators, bare carriage returns, duplicate and non-OpenAlex ids. The run
never crashes, and every line goes where the independent reader of tests/oracle.py sends it: kept
as its work's current copy, superseded by a newer copy, or quarantined for the reason its text
gives (docs/ingest.md, "Lines and quarantine")."""

from __future__ import annotations

import gzip
import json
import math
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import fsspec
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import compute, parse_line, read_lines, work_number
from published import Published, run_pipeline

from datarank import DataRankError
from datarank.ingest import plan, pool
from tests.factory.layouts import write_legacy_snapshot
from tests.factory.records import OPENALEX, work

SPLIT = ("works_kept", "duplicates_superseded", "merged_or_deleted_dropped", "quarantined")
MISSING = object()
#: C from here on is refused by a data check (it would overflow the cap's order key).
C_LIMIT = 2**28

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
# What cited_by_count may hold in a test about parsing: any JSON value that reads as a C below the
# limit (a list or object reads as null whatever it holds; a string without digits never reads as
# a number). The limit itself has a test of its own.
counts = st.one_of(
    st.integers(-5, C_LIMIT - 1),
    st.integers(-5, C_LIMIT - 1).map(str),
    st.floats(-1e6, 1e6),
    st.sampled_from([math.nan, math.inf, -math.inf]),
    st.text(alphabet=st.characters(exclude_characters="0123456789", exclude_categories=("Cs",)), max_size=10),
    st.none(),
    st.booleans(),
    st.lists(json_values, max_size=3),
    st.dictionaries(st.text(max_size=5), json_values, max_size=3),
)
ids = st.one_of(
    st.integers(1, 8).map(lambda n: f"{OPENALEX}W{n}"),  # few distinct: duplicates are common
    st.integers(1, 8).map(lambda n: f"W{n}"),
    st.sampled_from([f"{OPENALEX}A5", "https://doi.org/10.1/x", "W", "W-1", "w0", f"{OPENALEX}W99999999999999999999",
                     "", "W\u20281", " W3 ", "W3\r"]),
    json_values,
)
reference = st.one_of(st.integers(1, 8).map(lambda n: f"{OPENALEX}W{n}"), ids)
author = st.one_of(st.fixed_dictionaries({"author": st.fixed_dictionaries({"id": st.one_of(
    st.integers(1, 5).map(lambda n: f"{OPENALEX}A{n}"), json_values)})}), json_values)
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "id": ids,
    "cited_by_count": counts,
    "referenced_works": st.one_of(st.lists(reference, max_size=6), json_values),
    "referenced_works_count": st.one_of(st.integers(-1, 10), json_values),
    "authorships": st.one_of(st.lists(author, max_size=4), json_values),
    "updated_date": st.one_of(st.sampled_from(["2024-01-01T00:00:00", "2024-02-30", "not a date", "2024-01-02"]),
                              json_values),
    "title": st.one_of(st.text(max_size=30), st.just("a\u2028b\u2029c\u0085d\r\ne"), json_values),
    "publication_year": st.one_of(st.integers(-3000, 3000), st.integers(), json_values),
    "type": json_values,
    "doi": json_values,
    "open_access": st.one_of(st.fixed_dictionaries({"is_oa": json_values, "oa_status": json_values}), json_values),
    "is_retracted": json_values,
}
records = st.fixed_dictionaries({name: st.one_of(st.just(MISSING), st.none(), strategy)
                                 for name, strategy in FIELDS.items()}).map(
    lambda record: {key: value for key, value in record.items() if value is not MISSING})


def _render(record: dict[str, Any], how: str) -> str:
    if how == "carriage returns between tokens":  # JSON whitespace: still the same record
        return "\r" + json.dumps(record, ensure_ascii=False, separators=(",\r", ":\r")) + "\r"
    text = json.dumps(record, ensure_ascii=False)
    if how == "raw carriage returns in strings":  # a raw control character in a string: not JSON
        return text.replace("\\r", "\r")
    return text


#: JSON that Python's parser and DuckDB's read differently (DuckDB also takes a trailing comma and
#: inf/nan in any case): no soup below makes one, and the free text leaves them out.


def _duckdb_only_number(text: str) -> bool:
    return text.strip(" \t\r\x0b\x0c").lower().lstrip("+-") in ("inf", "infinity", "nan")


_SOUP = ["{", "}", "[", "]", '"id"', ":", f'"{OPENALEX}W2"', '"W3"', "1", "null", " ", "\r", "\x1e", "\t", "\u00a0"]
lines = st.one_of(
    st.builds(_render, records, st.sampled_from(["plain", "carriage returns between tokens",
                                                 "raw carriage returns in strings"])),
    st.builds(_render, records, st.just("plain")),
    # not JSON, or JSON by chance: any text but a line break, a bare \r included; not the spellings
    # of infinity and NaN that DuckDB reads as numbers and Python's parser refuses (see above)
    st.text(max_size=40).filter(lambda text: "\n" not in text and not _duckdb_only_number(text)),
    st.lists(st.sampled_from(_SOUP), max_size=8).map("".join),
)


def _check_counts(published: Published, written: int) -> None:
    manifest = json.loads((published.current / "manifest.json").read_text())
    assert manifest["ingest_counts"]["lines_read"] == written
    for row in manifest["files"]:
        assert row["lines"] == sum(row[name] for name in SPLIT), row
    assert sum(row["works_kept"] for row in manifest["files"]) == published.scores.height
    assert sum(row["quarantined"] for row in manifest["files"]) == published.quarantine.height


def _reason(text: str) -> str:
    """The quarantine reason docs/ingest.md gives a line the oracle refuses, from its text alone."""
    if all(unicodedata.category(char) == "Zs" for char in text):
        return "empty line"
    try:
        value = json.loads(text)
    except ValueError:
        return "not valid JSON"
    if not isinstance(value, dict):
        kind = {list: "array", str: "string", type(None): "null", bool: "boolean"}.get(type(value), "number")
        return f"JSON {kind}, not an object"
    return "no work id" if value.get("id") is None else "invalid work id"


def _canonical(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True)  # NaN != NaN, but its text is equal


def expected_fates(root: Path) -> dict[tuple[str, int], tuple[Any, ...]]:
    """Where tests/oracle.py sends every line: ("kept", n), ("superseded",) or ("quarantined", why).

    The oracle gives each work's winning record; its line is the last line of that work holding
    that very record (equal copies tie on updated_date, and then the later line wins).
    """
    winners = {number: _canonical(record) for number, record in compute(root).records.items()}
    fates: dict[tuple[str, int], tuple[Any, ...]] = {}
    last: dict[int, tuple[str, int]] = {}
    for line in read_lines(root):
        where = (line.source_file, line.line_number)
        record = parse_line(line.text)
        if record is None:
            fates[where] = ("quarantined", _reason(line.text))
            continue
        number = work_number(record["id"])
        assert number is not None
        fates[where] = ("superseded",)
        if _canonical(record) == winners.get(number):
            last[number] = where
    for number, where in last.items():
        fates[where] = ("kept", number)
    return fates


def published_fates(published: Published) -> dict[tuple[str, int], tuple[Any, ...]]:
    """Where the run sent every line it read: the lake's winners say which line each work's
    current copy came from (a full build writes every id's), the published works which are kept."""
    fates: dict[tuple[str, int], tuple[Any, ...]] = {}
    for row in published.quarantine.iter_rows(named=True):
        fates[(row["source_file"], row["line_number"])] = ("quarantined", row["reason"])
    winners = pl.read_parquet(published.current.parent / "lake" / "core" / "current" / "winners.parquet")
    kept = set(pl.read_parquet(published.current / "works.parquet")["work_id"])
    for row in winners.select("file_key", "line_number", "work_id").iter_rows(named=True):
        if row["work_id"] in kept:
            fates[(row["file_key"], row["line_number"])] = ("kept", row["work_id"])
    return fates


def _check_fates(root: Path, published: Published) -> None:
    want = expected_fates(root)
    got = published_fates(published)
    for where, fate in want.items():
        assert got.get(where, ("superseded",)) == fate, (where, fate, got.get(where))
    assert set(got) <= set(want), sorted(set(got) - set(want))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(january=st.lists(lines, max_size=12), february=st.lists(lines, max_size=12))
def test_every_hostile_line_goes_where_the_oracle_sends_it(tmp_path_factory, january, february) -> None:
    root = tmp_path_factory.mktemp("hostile")
    # One good work, so there is always something to publish; everything else is drawn. Two small
    # parts: read as one batch.
    partitions = {"2024-01-01": [work(1), *january], "2024-02-01": february}
    snapshot = write_legacy_snapshot(root / "snapshot", partitions)
    published = run_pipeline(snapshot, root / "out")
    _check_counts(published, 1 + len(january) + len(february))
    _check_fates(snapshot, published)


@pytest.mark.parametrize("count", [C_LIMIT, 2**63 - 1, str(C_LIMIT)], ids=["2^28", "2^63 - 1", "2^28 as a string"])
def test_a_cited_by_count_past_the_order_key_is_refused_by_name(tmp_path: Path, count: Any) -> None:
    # The cap orders citers by one BIGINT, C·2^35 + (2^35 − 1 − id) (docs/metric.md): C ≥ 2^28 would
    # overflow it, so a data check stops the run, one line naming it, before anything is published.
    snapshot = write_legacy_snapshot(tmp_path / "snapshot", {"2024-01-01": [work(1), work(2, cited_by_count=count)]})
    with pytest.raises(DataRankError, match=r"works_order_key_out_of_range") as refused:
        run_pipeline(snapshot, tmp_path / "out")
    assert "\n" not in str(refused.value)
    assert not (tmp_path / "out" / "current").exists()


def test_the_largest_cited_by_count_below_the_limit_is_scored(tmp_path: Path, publish: Callable[..., Published]) -> None:
    snapshot = write_legacy_snapshot(tmp_path / "snapshot", {"2024-01-01": [work(1, cited_by_count=C_LIMIT - 1)]})
    row = publish(snapshot).row("W1")
    assert row["cited_by_count"] == 268_435_455
    assert row["base_score"] == pytest.approx(math.log(268_435_456), rel=1e-12)


# ---------------------------------------------------------------- bare carriage returns
FIRST = "data/works/updated_date=2024-01-01/part_000.gz"
SECOND = "data/works/updated_date=2024-01-01/part_001.gz"
#: Lines with carriage returns (and 0x1E, the byte DuckDB's line reader splits columns at), in two
#: parts of one partition: (line, where it goes). Every line is one line, numbered as in the file.
CR_LINES: list[tuple[bytes, tuple[Any, ...]]] = [
    (json.dumps(work(1, title="Carriage\rreturn")).encode(), ("kept", 1)),  # an escaped \r: a title's character
    (b"not json\rstill the same line", ("quarantined", "not valid JSON")),
    (json.dumps(work(2, refs=[1]), separators=(",\r", ":\r")).encode(), ("kept", 2)),  # \r between tokens
    (b'{"id": "https://openalex.org/W3", "title": "raw \r in a string"}', ("quarantined", "not valid JSON")),
    (b"\r", ("quarantined", "not valid JSON")),
    (json.dumps(work(4, refs=[1, 2])).encode() + b"\r", ("kept", 4)),  # a Windows line ending
    (json.dumps(work(5)).encode() + b"\x1e", ("quarantined", "not valid JSON")),
    (json.dumps(work(6, refs=[2])).encode(), ("kept", 6)),
]


def _cr_snapshot(root: Path) -> Path:
    halves = {FIRST: CR_LINES[:4], SECOND: CR_LINES[4:]}
    snapshot = write_legacy_snapshot(root, {"2024-01-01": [line for line, _ in CR_LINES]}, parts_per_partition=2)
    for key, lines in halves.items():  # the factory wrote each line as given
        assert gzip.decompress((snapshot / key).read_bytes()).split(b"\n")[:-1] == [line for line, _ in lines]
    return snapshot


@pytest.fixture
def in_memory_store() -> Iterator[str]:
    """A folder of fsspec's memory:// store (read as a remote snapshot is), removed afterwards."""
    memory = fsspec.filesystem("memory")
    root = f"/cr-{uuid.uuid4().hex[:8]}"
    yield root
    if memory.exists(root):
        memory.rm(root, recursive=True)


@pytest.mark.parametrize("path", ["one file at a time", "a batch of small parts", "remote"])
def test_a_bare_carriage_return_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_memory_store: str, path: str
) -> None:
    snapshot = _cr_snapshot(tmp_path / "snapshot")
    uri = str(snapshot)
    batches: list[int] = []
    if path == "one file at a time":
        monkeypatch.setattr(plan, "SMALL_PART", 0)
    elif path == "a batch of small parts":
        read_batch = pool.read_batch

        def spy(cursor: Any, snapshot: Any, task: Any, strict: bool, abstracts: bool = False) -> Any:
            result = read_batch(cursor, snapshot, task, strict, abstracts)
            batches.append(len(task))
            return result

        monkeypatch.setattr(pool, "read_batch", spy)
    else:
        memory = fsspec.filesystem("memory")
        for file in snapshot.rglob("*"):
            if file.is_file():
                memory.pipe(f"{in_memory_store}/{file.relative_to(snapshot)}", file.read_bytes())
        uri = f"memory://{in_memory_store}"
    published = run_pipeline(uri, tmp_path / "out")  # type: ignore[arg-type]
    if path == "a batch of small parts":
        assert batches == [2]  # both parts read as one statement, none read again alone

    want = {(file, number): fate for file, half in ((FIRST, CR_LINES[:4]), (SECOND, CR_LINES[4:]))
            for number, (_, fate) in enumerate(half, start=1)}
    assert published_fates(published) == want
    assert published.counts["lines_read"] == 8
    # The head of a quarantined line shows a tab for a \r and 0x1F for 0x1E (docs/ingest.md).
    heads = {(row["source_file"], row["line_number"]): row["line_head"] for row in published.quarantine.iter_rows(named=True)}
    assert heads[(FIRST, 2)] == "not json\tstill the same line"
    assert heads[(FIRST, 4)] == '{"id": "https://openalex.org/W3", "title": "raw \t in a string"}'
    assert heads[(SECOND, 1)] == "\t"
    assert heads[(SECOND, 3)] == json.dumps(work(5)) + "\x1f"
    assert published.row("W1")["title"] == "Carriage\rreturn"
    # W2's references survive the \r around them: W1 is cited by W2 (C 0) and W4 (C 0), W2 by W4 and W6.
    assert published.row("W1")["citers_in_snapshot"] == 2
    assert published.row("W2")["citers_in_snapshot"] == 2


def test_a_carriage_return_inside_a_parquet_string_is_kept(tmp_path: Path) -> None:
    # The Parquet layout has no lines to split: a \r in a value is a character like any other.
    from tests.factory.layouts import Release, write_release

    release = Release()
    release.files["updated_date=2025-01-01/part_0000"] = [
        work(1, cited_by_count=3, heavy=True) | {"title": "Carriage\rreturn", "display_name": "Carriage\rreturn"},
        work(2, refs=[1], heavy=True) | {"type": "article\r"},
    ]
    write_release(tmp_path / "snapshot", release, "parquet")
    published = run_pipeline(tmp_path / "snapshot", tmp_path / "out")
    assert published.row("W1")["title"] == "Carriage\rreturn"
    assert published.row("W2")["type"] == "article\r"
    assert published.row("W1")["citers_in_snapshot"] == 1
    assert published.quarantine.height == 0


def test_huge_records_are_read(tmp_path: Path, publish: Callable[..., Published]) -> None:
    huge_title = "x\u2028" * (5 * 1024 * 1024 // 4) + "y" * (5 * 1024 * 1024)  # a ~10 MB line
    lines = [
        work(1, authors=list(range(1, 10_001))),  # 10,000 authors
        work(2, refs=[*range(3, 5_003)]),  # 5,000 references (most to works not in the snapshot)
        work(3, title=huge_title, refs=[1]),
        work(4, refs=[1, 2, 3], title="Ends with a separator\u2028"),
    ]
    snapshot = write_legacy_snapshot(tmp_path / "snapshot", {"2024-01-01": lines})
    published = publish(snapshot)
    _check_counts(published, len(lines))
    assert published.quarantine.height == 0
    assert published.scores.height == 4
    authorships = published.counts["authorships"]
    assert authorships == 10_000
    assert published.counts["references"] == 5_000 + 1 + 3
