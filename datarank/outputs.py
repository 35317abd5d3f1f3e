"""What people read from a published version: exports, `explain`, read-only SQL.

Everything here reads the lake's published Parquet files; nothing here writes into the lake.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import duckdb
import polars as pl

from datarank import DataRankError, UsageError
from datarank.catalog import VIEW_MACROS, catalog_views
from datarank.db import limits, literal, run_sql, sql_text
from datarank.destinations import STDOUT, check_destination, deliver, is_url, staging_file, suffix
from datarank.faults import checkpoint
from datarank.lake import VERSION_TABLES, Lake
from datarank.provenance import export_provenance, parquet_kv_metadata, read_descriptor, write_descriptor
from datarank.settings import DEFAULT_TIERS, EXPORT_FORMATS, EXPORT_TABLES, ExportSpec

_ID_PATTERN = r"^(?:https?://openalex\.org/)?[Ww](\d{1,18})$"
#: `datarank query --format csv|json` fetches and writes this many rows at a time.
QUERY_BATCH_ROWS = 100_000


def read_only_connection(
    data_dir: Path, folder: Path, memory_limit: str | None = None, threads: int | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose views (`scores`, `works`, …, `runs`) read one published version
    (`folder`, held by the caller with `Lake.reading`), and which can read nothing else: external
    access is off except for the lake's own files."""
    lake = Lake(data_dir)
    connection = duckdb.connect(config=limits(memory_limit, threads))
    allowed = [str(folder / f"{table}.parquet") for table in VERSION_TABLES]
    allowed += [str(path) for path in lake.run_files()]
    run_sql(connection, f"set allowed_paths = [{', '.join(literal(p) for p in allowed)}]")
    run_sql(connection, "set enable_external_access = false")
    for statement in catalog_views(folder, lake.run_files()):
        run_sql(connection, statement)
    run_sql(connection, "set lock_configuration = true")
    return connection


def query(data_dir: Path, sql: str, version: str | None = None) -> pl.DataFrame:
    """Run one read-only SELECT over the published views; every row, as a Polars DataFrame (for
    results that fit in memory; `query_rows` and `stream_query` bound what they hold).

    Raises:
        DataRankError: the text is not exactly one SELECT (or EXPLAIN) statement, or DuckDB
            refuses it (unknown column, a file outside the lake, …).
    """
    with Lake(data_dir).reading(version) as folder:
        connection = read_only_connection(data_dir, folder)
        try:
            return _select(connection, sql).pl()
        finally:
            connection.close()


def query_rows(data_dir: Path, sql: str, limit: int, version: str | None = None) -> tuple[pl.DataFrame, bool]:
    """The first `limit` rows of a read-only SELECT, and whether it has more (only `limit` + 1 rows
    are ever fetched)."""
    with Lake(data_dir).reading(version) as folder:
        connection = read_only_connection(data_dir, folder)
        try:
            frame = _fetch(_select(connection, sql).limit(limit + 1))
        finally:
            connection.close()
    return frame.head(limit), frame.height > limit


def stream_query(
    data_dir: Path, sql: str, out: BinaryIO, fmt: str, version: str | None = None, limit: int | None = None,
    batch_rows: int = QUERY_BATCH_ROWS,
) -> int:
    """Write a read-only SELECT's rows to `out` as CSV (with a header) or JSON Lines, `batch_rows`
    at a time, so a result larger than memory streams through; returns the rows written."""
    written = 0
    with Lake(data_dir).reading(version) as folder:
        connection = read_only_connection(data_dir, folder)
        try:
            relation = _select(connection, sql)
            if limit is not None:
                relation = relation.limit(limit)
            header = fmt == "csv"
            try:
                for batch in relation.to_arrow_reader(batch_rows):
                    frame = pl.DataFrame(pl.from_arrow(batch))
                    if fmt == "csv":
                        frame.write_csv(out, include_header=header)
                        header = False
                    else:
                        frame.write_ndjson(out)
                    written += frame.height
                if header:  # no batch at all: the header alone
                    pl.DataFrame(schema=dict.fromkeys(relation.columns, pl.String)).write_csv(out)
            except duckdb.Error as error:
                raise DataRankError(f"query: {_first_line(error)}") from None
        finally:
            connection.close()
    return written


def _fetch(relation: duckdb.DuckDBPyRelation) -> pl.DataFrame:
    try:
        return relation.pl()
    except duckdb.Error as error:
        raise DataRankError(f"query: {_first_line(error)}") from None


def _select(connection: duckdb.DuckDBPyConnection, sql: str) -> duckdb.DuckDBPyRelation:
    """`sql` as a relation of `connection`, once it is known to be one read-only SELECT."""
    try:
        statements = connection.extract_statements(sql)
    except duckdb.Error as error:
        raise DataRankError(f"query: {_first_line(error)}") from None
    if len(statements) != 1:
        raise DataRankError(f"query: give exactly one statement, got {len(statements)}")
    kind = statements[0].type
    if kind == duckdb.StatementType.EXPLAIN:  # EXPLAIN [ANALYZE] runs its statement: a SELECT only
        inner = re.sub(r"^\s*explain\s+(analy[sz]e\s+)?", "", statements[0].query, flags=re.IGNORECASE)
        try:
            explained = connection.extract_statements(inner)
        except duckdb.Error:
            explained = []
        kind = explained[0].type if len(explained) == 1 else kind
    if kind != duckdb.StatementType.SELECT:
        raise DataRankError(f"query: only SELECT statements are allowed (read-only), got {kind.name}")
    try:
        return connection.sql(sql)
    except duckdb.Error as error:
        raise DataRankError(f"query: {_first_line(error)}") from None


def export(data_dir: Path, spec: ExportSpec, version: str | None = None, stdout: BinaryIO | None = None) -> int:
    """Write a ranked table (best first), filtered as `spec` says, to `spec.destination(data_dir)`:
    a local file, `-` (standard output, or `stdout`), or an fsspec URL such as `s3://bucket/key.csv`;
    returns rows written.

    `spec.table` picks the table: `scores` (works; `--year` and `--type` filter them),
    `researchers` (authors) or a unit's (`institutions`, `sources`, `countries`, `fields`;
    docs/units.md). `version` picks a published version (default: the current one), held
    against `datarank prune` while it is read.

    The format comes from `spec.format` or the file's extension (csv for `-`); `json` writes JSON
    Lines (one row per line). The table is written to a local file first, then delivered whole or
    not at all (`datarank.destinations`). It says where it came from (datarank.provenance): in its
    metadata (Parquet), or in `datapackage.json` beside a local csv or json file (unless
    `spec.descriptor` is false).
    """
    destination = spec.destination(data_dir)
    fmt = spec.format or suffix(destination) or ("csv" if destination == STDOUT else "")
    if fmt == "jsonl" or fmt == "ndjson":
        fmt = "json"
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"export: unknown format {fmt!r}; use --format {'|'.join(EXPORT_FORMATS)}")
    if spec.table not in EXPORT_TABLES:
        raise UsageError(f"export: unknown table {spec.table!r}; use --table {'|'.join(EXPORT_TABLES)}")
    if spec.table != "scores" and any(v is not None for v in (spec.year, spec.type, spec.field, spec.subfield)):
        raise UsageError(f"export: --year, --type, --field and --subfield filter works; the {spec.table} table has none of them")
    if spec.top is not None and spec.top < 1:
        raise UsageError("export: --top must be at least 1")
    check_destination(destination)
    described = fmt != "parquet" and spec.descriptor and destination != STDOUT and not is_url(destination)
    with Lake(data_dir).reading(version) as folder, staging_file(destination) as local:
        path = folder / f"{spec.table}.parquet"
        if not path.exists():
            raise DataRankError(f"export: version {folder.name} has no {spec.table} table (published by an older release)")
        provenance = export_provenance(folder, spec)
        package = read_descriptor(Path(destination)) if described else None
        groups = {kind: _topic_group(path, folder.name, kind, value)
                  for kind, value in (("field", spec.field), ("subfield", spec.subfield)) if value is not None}
        rows, columns = _write_ranked(path, local, fmt, spec, destination, provenance, groups)
        checkpoint("export.written")
        deliver(local, destination, stdout)
    if package is not None:
        write_descriptor(Path(destination), package, fmt, provenance, columns)
    return rows


def _topic_group(path: Path, version: str, kind: str, value: str) -> list[int]:
    """The ids of the OpenAlex field (or subfield) `value` names in a version's scores: an id (`18`,
    `fields/18`, `https://openalex.org/fields/18`) or a name, any case. An unknown one is a usage error."""
    text = value.strip()
    match = re.fullmatch(rf"(?:https?://openalex\.org/)?(?:{kind}s/)?([0-9]{{1,9}})", text, re.IGNORECASE)
    connection = duckdb.connect()
    try:
        # Only literal text chosen here is spliced in: the column names of `kind`.
        found = connection.sql(
            f"""
            select distinct {kind}_id
            from read_parquet({literal(str(path))})
            where {kind}_id = $number or lower({kind}_name) = lower($name)
            order by 1
            """,
            params={"number": int(match.group(1)) if match else None, "name": text},
        ).fetchall()
    except duckdb.Error:
        raise DataRankError(
            f"export: version {version} has no {kind} standing (published by an older release); "
            "run `datarank compute` to publish a new version"
        ) from None
    finally:
        connection.close()
    if not found:
        raise UsageError(
            f"export: no {kind} {value!r} in version {version}; give an id or a name (any case), listed by "
            f"datarank query \"select {kind}_id, {kind}_name, count(*) as works from scores group by all order by 1\""
        )
    return [row[0] for row in found]


def _write_ranked(
    path: Path, local: Path, fmt: str, spec: ExportSpec, destination: str, provenance: dict[str, Any],
    groups: dict[str, list[int]] | None = None,
) -> tuple[int, list[tuple[str, str]]]:
    """The ranked rows `spec` selects (`groups`: the field and subfield ids its --field and
    --subfield name), as one `fmt` file at `local`; how many, and their columns."""
    # Only literal text chosen here is spliced in: the table's own number column and filters (the
    # units' tables have no number column: their ids are the exported ones).
    number, filters = _EXPORTED.get(spec.table, ("", "true"))
    connection = duckdb.connect()
    try:
        relation = connection.sql(
            f"""
            select *{f" exclude ({number})" if number else ""}
            from read_parquet({literal(str(path))})
            where {filters}
            order by rank
            limit coalesce($top, 9223372036854775807)
            """,
            params={"top": spec.top, **({"year": spec.year, "type": spec.type, "field_ids": (groups or {}).get("field"),
                                          "subfield_ids": (groups or {}).get("subfield")}
                                         if spec.table == "scores" else {})},
        )
        relation.create_view("export_rows")
        columns = list(zip(relation.columns, map(str, relation.types), strict=True))
        options = {"csv": "format csv, header true", "json": "format json",
                   "parquet": f"format parquet, compression zstd, {parquet_kv_metadata(provenance, relation.columns)}"}
        run_sql(connection, f"copy export_rows to {literal(str(local))} ({options[fmt]})")
        return connection.sql("select count(*) from export_rows").fetchall()[0][0], columns
    except (duckdb.Error, OSError) as error:
        raise DataRankError(f"export: cannot write {destination}: {_first_line(error)}") from None
    finally:
        connection.close()


_WORK_FILTERS = ("($year is null or publication_year = $year) and ($type is null or lower(type) = lower($type))"
                 " and ($field_ids is null or list_contains($field_ids, field_id))"
                 " and ($subfield_ids is null or list_contains($subfield_ids, subfield_id))")
#: Per ranked table: the number column an export leaves out, and its filters.
_EXPORTED = {"scores": ("work_number", _WORK_FILTERS), "researchers": ("author_number", "true")}


@dataclass(frozen=True)
class Citer:
    """One considered citer of the explained work."""

    rank: int
    work_id: str
    title: str | None
    cited_by_count: int
    outdegree: int
    signal: float
    is_self_citation: bool
    contribution: float


@dataclass(frozen=True)
class Explanation:
    """The breakdown the seed page shows for one paper, from a published version.

    `work` is the paper's row of `scores` as it is (every column, same names, the FAIR score and
    its checklist among them); `context` adds what only `works` and the FAIR tables have (the DOI
    itself, OA status, retraction, the venue, whether FAIR scoring passed it over as paratext);
    `abstract` is the paper's abstract when the version kept abstracts (`--abstracts`), else None;
    `fair` names the FAIR score's version and weights file; `tiers` are the version's tier
    cut-offs (top percentages of S1–S4); `same_doi` the other works with the DOI it was looked up
    by (`datarank.lookup`; empty for a lookup by id).
    """

    version: str
    cap: int
    damping: float
    works_ranked: int
    work: dict[str, Any]
    citers: list[Citer]
    context: dict[str, Any] = field(default_factory=dict)
    tiers: list[float] = field(default_factory=list)
    abstract: str | None = None
    fair: dict[str, Any] = field(default_factory=dict)
    same_doi: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str, indent=2)


def explain(data_dir: Path, work_id: str, top: int = 10, version: str | None = None) -> Explanation:
    """The score of one work with its parts and its top considered citers (by contribution)."""
    number = parse_work_id(work_id)
    with Lake(data_dir).reading(version) as folder:
        found = explain_many(folder, [number], top=top)
    if not found:
        raise DataRankError(f"explain: W{number} is not in the snapshot of version {folder.name}")
    return found[0]


def explain_connection() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection for `explain_many`: it caches the Parquet footers it parses (scores.parquet
    is read three times an explain, and its footer holds 0.6 MB of row-group statistics at 9.5M
    works), so a caller that keeps it (`datarank.open()`) parses each footer once."""
    connection = duckdb.connect()
    run_sql(connection, "set parquet_metadata_cache = true")
    for macro in VIEW_MACROS:  # the abstract is rebuilt from its inverted index
        run_sql(connection, sql_text(macro))
    return connection


def explain_many(folder: Path, work_numbers: list[int], top: int = 10,
                 connection: duckdb.DuckDBPyConnection | None = None) -> list[Explanation]:
    """Explanations of several works of one published version (`folder`), in rank order.

    A fixed number of queries whatever the number of works (their scores rows, their context in
    works, fair_signals and abstracts, their top citers, those citers' titles, the count of works),
    so a report of N pages does not scan the version N times; each
    filters by work id, and the files are sorted by it, so each reads only the row groups that hold
    those ids. Works not in the version are left out. `connection`: one of `explain_connection()`
    to reuse (its cached footers), else one is opened and closed.
    """
    if top < 0:
        raise UsageError("explain: --top must not be negative")
    manifest = json.loads((folder / "manifest.json").read_text())
    parameters = manifest["parameters"]
    own = connection is None
    connection = connection or explain_connection()
    try:
        scores = literal(str(folder / "scores.parquet"))
        works = literal(str(folder / "works.parquet"))
        citers = literal(str(folder / "citers.parquet"))
        numbers = {"numbers": list(work_numbers)}
        # Each file by the list of ids, in a query of its own: DuckDB then reads only the row groups
        # (the files are sorted by work id) that hold one of them. A join would read every row group
        # of the other side, or every one between its smallest and largest id.
        rows = connection.sql(
            f"select * from read_parquet({scores}) where work_number in (select unnest($numbers)) order by rank",
            params=numbers,
        ).pl()
        # Versions published before the FAIR score have no venue, paratext flag or abstracts.
        context_queries = [f"select work_id, doi, oa_status, is_retracted from read_parquet({works})"]
        if (folder / "fair_signals.parquet").exists():
            context_queries.append(
                f"select work_id, venue, paratext from read_parquet({literal(str(folder / 'fair_signals.parquet'))})")
        if (folder / "abstracts.parquet").exists():
            context_queries.append(
                "select work_id, openalex_abstract_text(abstract_index) as abstract "
                f"from read_parquet({literal(str(folder / 'abstracts.parquet'))})")
        for query in context_queries:
            context = connection.sql(f"{query} where work_id in (select unnest($numbers))", params=numbers).pl()
            rows = rows.join(context.rename({"work_id": "work_number"}), on="work_number", how="left",
                             maintain_order="left")
        works_ranked = connection.sql(f"select count(*) from read_parquet({scores})").fetchall()[0][0]
        considered = connection.sql(
            f"""
            with considered as (
                select
                    *,
                    row_number() over (partition by cited_id order by contribution desc, citer_rank) as position
                from read_parquet({citers})
                where cited_id in (select unnest($numbers))
            )
            select cited_id, citer_rank, citing_id, citer_cited_by_count, citer_outdegree, citer_signal,
                is_self_citation, contribution
            from considered
            where position <= $top
            order by cited_id, position
            """,
            params={**numbers, "top": top},
        ).pl()
        citing = considered["citing_id"].unique().to_list()
        # no citers, no query: a scan with an empty list of ids still opens row groups
        titles = connection.sql(
            f"select work_number, title from read_parquet({scores}) where work_number in (select unnest($ids))",
            params={"ids": citing},
        ).pl() if citing else pl.DataFrame(schema={"work_number": pl.Int64, "title": pl.String})
    finally:
        if own:
            connection.close()
    top_citers = considered.join(titles, left_on="citing_id", right_on="work_number", how="left",
                                 maintain_order="left").select(
        "cited_id", "citer_rank", ("W" + pl.col("citing_id").cast(pl.String)).alias("work_id"), "title",
        "citer_cited_by_count", "citer_outdegree", "citer_signal", "is_self_citation", "contribution",
    )
    citers_by_work = {key[0]: frame.drop("cited_id").rows() for key, frame in top_citers.partition_by(
        "cited_id", as_dict=True, maintain_order=True).items()}
    context_columns = ["doi", "oa_status", "is_retracted", "venue", "paratext"]
    fair = manifest.get("fair") or {}
    return [
        Explanation(
            version=folder.name,
            cap=parameters["cap"],
            damping=parameters["damping"],
            works_ranked=works_ranked,
            work={key: value for key, value in row.items() if key not in (*context_columns, "abstract")},
            citers=[Citer(*citer) for citer in citers_by_work.get(row["work_number"], [])],
            context={key: row.get(key) for key in context_columns},
            tiers=list(parameters.get("tiers", DEFAULT_TIERS)),
            abstract=row.get("abstract"),
            fair={key: fair.get(key) for key in ("version", "weights_file", "abstracts")} if fair else {},
        )
        for row in rows.to_dicts()
    ]


def group_rows(
    connection: duckdb.DuckDBPyConnection, table: Path, id_column: str, keys: list[Any], scores: Path
) -> tuple[pl.DataFrame, int, int]:
    """What explaining researchers or units reads first: the rows of the published `table` whose
    `id_column` is one of `keys`, in rank order; how many rows `table` has; how many works `scores` has."""
    rows = connection.sql(
        f"select * from read_parquet({literal(str(table))}) where {id_column} in (select unnest($keys)) order by rank",
        params={"keys": list(keys)},
    ).pl()
    ranked = connection.sql(f"select count(*) from read_parquet({literal(str(table))})").fetchall()[0][0]
    works_ranked = connection.sql(f"select count(*) from read_parquet({literal(str(scores))})").fetchall()[0][0]
    return rows, ranked, works_ranked


def rows_by_key(frame: pl.DataFrame, key: str) -> dict[Any, list[tuple[Any, ...]]]:
    """The rows of `frame` grouped by the column `key` (dropped from the rows), in their order: the
    works that explain a researcher or a unit, by its id."""
    return {
        group[0]: part.drop(key).rows()
        for group, part in frame.partition_by(key, as_dict=True, maintain_order=True).items()
    }


def parse_work_id(text: str) -> int:
    """`W2741809807`, `w2741809807` or `https://openalex.org/W2741809807` → 2741809807."""
    match = re.match(_ID_PATTERN, text.strip())
    if not match:
        raise UsageError(f"not an OpenAlex work id: {text!r} (expected e.g. W2741809807)")
    return int(match.group(1))


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]
