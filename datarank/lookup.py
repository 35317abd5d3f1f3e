"""Finding works by what a reader has in hand: an OpenAlex work id or a DOI, one at a time
(`datarank explain 10.7717/peerj.4375`, `datarank.open().explain("https://doi.org/…")`) or a file
of them at once (`datarank explain --from-file ids.txt`).

A DOI is found through the version's `dois` table (one row per DOI and work, in lookup form, sorted
by it), so one lookup reads the row group that can hold the DOI, not every work. Inputs are
resolved together by one query (sql/lookup/lookup_datarank__resolved.sql), loaded as a table:
a file of a hundred thousand ids costs a few scans, not a hundred thousand queries.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import BinaryIO

import duckdb
import polars as pl

from datarank import DataRankError, UsageError
from datarank.db import literal, run_sql, sql_text
from datarank.destinations import STDOUT, check_destination, deliver, staging_file, suffix
from datarank.lake import Lake
from datarank.outputs import Explanation, explain_many, parse_work_id

#: The DOI forms a lookup accepts (the same as sql/macros/doi_key.sql): bare, behind a resolver,
#: or with the `doi:` scheme; any case.
_DOI = re.compile(r"^(?:doi:\s*|https?://(?:dx\.|www\.)?doi\.org/)?10\.[0-9]+(?:\.[0-9]+)*/\S+$", re.IGNORECASE)
#: The formats of `datarank explain --from-file`.
BATCH_FORMATS = ("jsonl", "csv")
#: The macro the lookup queries use.
_MACROS = ("macros/doi_key",)


def is_doi(text: str) -> bool:
    """Whether `text` is a DOI in a form lookups accept: `10.1073/pnas.2016239118`,
    `https://doi.org/10.1073/…`, `http://dx.doi.org/10.1073/…`, `doi:10.1073/…` (any case)."""
    return bool(_DOI.match(text.strip()))


def work_number(text: str) -> int:
    """The number of the work id `text` (a usage error when it is neither a work id nor a DOI)."""
    try:
        return parse_work_id(text)
    except UsageError:
        raise UsageError(f"not an OpenAlex work id or DOI: {text!r} (expected e.g. W2741809807 or "
                         "10.7717/peerj.4375)") from None


def explain_works(folder: Path, text: str, top: int = 10) -> list[Explanation]:
    """Explanations of the work `text` names in one published version (`folder`, held by the caller):
    one for a work id, one per work with that DOI for a DOI (best rank first; each lists the others
    in `same_doi`).

    Raises:
        UsageError: `text` is neither a work id nor a DOI.
        DataRankError: no work of the version has that id or DOI.
    """
    if not is_doi(text):
        number = work_number(text)
        found = explain_many(folder, [number], top=top)
        if not found:
            raise DataRankError(f"explain: W{number} is not in the snapshot of version {folder.name}")
        return found
    row = resolve(folder, [text]).row(0, named=True)
    if row["work_number"] is None:
        raise DataRankError(f"explain: no work with DOI {text.strip()!r} in version {folder.name}")
    works = [f"W{row['work_number']}", *row["same_doi"]]
    found = explain_many(folder, [int(work[1:]) for work in works], top=top)
    order = {work: position for position, work in enumerate(works)}
    found.sort(key=lambda explanation: order[explanation.work["work_id"]])
    return [dataclasses.replace(explanation, same_doi=[w for w in works if w != explanation.work["work_id"]])
            for explanation in found]


def resolve(folder: Path, inputs: list[str] | pl.Series) -> pl.DataFrame:
    """Which work each input names, in one query: `line` (1-based position), `input`, `kind`
    (`work_id`, `doi` or null), `work_number` (null when none), `same_doi` (other works with the DOI),
    `error` (why no work, else null)."""
    frame = pl.DataFrame({"input": pl.Series(inputs, dtype=pl.String)}).with_row_index("line", offset=1)
    connection = _connection(folder, frame.with_columns(pl.col("line").cast(pl.Int64)))
    try:
        return connection.sql(f"select * from ({sql_text('lookup/lookup_datarank__resolved')}) order by line").pl()
    finally:
        connection.close()


def read_inputs(text: str) -> pl.DataFrame:
    """The inputs of a batch file: one work id or DOI a line; blank lines and lines starting with
    `#` are skipped. `line` is the input's line number in the file."""
    lines = pl.DataFrame({"input": pl.Series(text.splitlines(), dtype=pl.String)}).with_row_index("line", offset=1)
    stripped = pl.col("input").str.strip_chars()
    return lines.filter((stripped != "") & ~stripped.str.starts_with("#")).with_columns(
        pl.col("line").cast(pl.Int64), stripped.alias("input"))


def explain_batch(
    data_dir: Path, text: str, destination: str = STDOUT, fmt: str | None = None, version: str | None = None,
    stdout: BinaryIO | None = None,
) -> tuple[int, int]:
    """`datarank explain --from-file`: each input of `text` (see `read_inputs`) with the work it
    names and that work's figures, as JSON Lines (`jsonl`) or CSV (`csv`; `same_doi` as
    space-separated ids), in input order, to `destination` (a file, `-` for standard output or
    `stdout`, or an fsspec URL; written whole or not at all, as exports are). The format is `fmt`,
    else the destination's extension (`.csv` → csv), else JSON Lines. Returns (inputs, inputs that
    named no work).

    Every input gets a row: one that names no work has empty figures and says why in `error`, so one
    bad line never fails the batch.
    """
    fmt = fmt or ("csv" if suffix(destination) == "csv" else "jsonl")
    if fmt not in BATCH_FORMATS:
        raise UsageError(f"explain: unknown format {fmt!r}; use --format {'|'.join(BATCH_FORMATS)}")
    try:
        check_destination(destination)
    except DataRankError as error:  # the destination's words say export: this is explain
        raise DataRankError(str(error).replace("export:", "explain:", 1)) from None
    inputs = read_inputs(text)
    with Lake(data_dir).reading(version) as folder, staging_file(destination) as local:
        connection = _connection(folder, inputs)
        try:
            run_sql(connection, "create temp table lookup_datarank__resolved as "
                    f"select * from ({sql_text('lookup/lookup_datarank__resolved')})")
            rows = connection.sql(f"select * from ({sql_text('lookup/lookup_datarank__batch')}) order by line").pl()
        except duckdb.Error as error:
            raise DataRankError(f"explain: {str(error).strip().splitlines()[0]}") from None
        finally:
            connection.close()
        rows = rows.with_columns(pl.lit(folder.name).alias("version"))
        if fmt == "csv":
            rows.with_columns(pl.col("same_doi").list.join(" ")).write_csv(local)
        else:
            rows.write_ndjson(local)
        try:
            deliver(local, destination, stdout)
        except DataRankError as error:
            raise DataRankError(str(error).replace("export:", "explain:", 1)) from None
    return rows.height, int(rows["error"].is_not_null().sum())


def _connection(folder: Path, inputs: pl.DataFrame) -> duckdb.DuckDBPyConnection:
    """A connection with the lookup's macro, the inputs as `lookup_inputs` and the version's tables
    as views; a version published before the `dois` table gets it from `works` (every row read)."""
    connection = duckdb.connect()
    try:
        for macro in _MACROS:
            run_sql(connection, sql_text(macro))
        connection.register("lookup_inputs", inputs.to_arrow())
        for table in ("scores", "works", "dois", "fair_signals"):
            path = folder / f"{table}.parquet"
            if path.exists():
                run_sql(connection, f"create view {table} as select * from read_parquet({literal(str(path))})")
        if not (folder / "dois.parquet").exists():
            run_sql(connection, "create view dois as select doi_key(doi) as doi, work_id from works "
                    "where doi_key(doi) is not null")
        if not (folder / "fair_signals.parquet").exists():
            run_sql(connection, "create view fair_signals as select null::bigint as work_id, "
                    "null::varchar as venue, null::boolean as paratext where false")
    except BaseException:
        connection.close()
        raise
    return connection
