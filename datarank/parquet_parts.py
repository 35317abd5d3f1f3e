"""Read a June-2026 Parquet part file: only the columns DataRank keeps, as Arrow batches of one schema.

DuckDB prunes top-level and struct columns of a Parquet file but reads a list of structs whole, and
`authorships` (affiliations, institutions, raw strings for every author) is among the heaviest
columns of a work. PyArrow reads single leaves of nested columns (``authorships…author.id``), so
only the bytes DataRank needs leave the object store. Python touches schemas and batches here,
never records: the batches go to DuckDB (`sql/raw/raw_openalex__works_parquet.sql`) as they are.

Every batch has the same flat schema whatever the file holds: a column the file lacks is all null,
a timestamp with a time zone becomes UTC wall time, and the SQL casts the rest. A column of an
unexpected kind (say `referenced_works` as a string) fails the file with a message naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from datarank import DataRankError

#: Scalar columns kept as they are (the SQL casts them to their declared types).
SCALARS = (
    "id", "doi", "title", "display_name", "publication_year", "type", "cited_by_count",
    "referenced_works_count", "is_retracted", "updated_date",
)
AUTHORSHIPS_TYPE = pa.list_(pa.struct([pa.field("author", pa.struct([pa.field("id", pa.string())]))]))
#: The schema of every batch handed to DuckDB (scalars keep the file's type; these are fixed).
FIXED = {
    "referenced_works": pa.list_(pa.string()),
    "authorships": AUTHORSHIPS_TYPE,
    "is_oa": pa.bool_(),
    "oa_status": pa.string(),
}
BATCH_ROWS = 65_536

_REFERENCED = re.compile(r"^referenced_works\.[^.]+\.[^.]+$")
_AUTHOR_ID = re.compile(r"^authorships\.[^.]+\.[^.]+\.author\.id$")
_OPEN_ACCESS = {"is_oa": "open_access.is_oa", "oa_status": "open_access.oa_status"}


def read_batches(handle: Any, where: str) -> tuple[pa.Schema, Iterator[pa.RecordBatch], int]:
    """(schema, batches, rows) of the part file open as `handle`, ready for DuckDB.

    Batches carry `line_number` (the 1-based row of the file) and the columns of `FIXED` and
    `SCALARS`; `where` names the file in errors.
    """
    try:
        parquet = pq.ParquetFile(handle)
    except (pa.ArrowException, OSError) as error:
        raise DataRankError(f"{where}: not a readable Parquet file ({_first_line(error)})") from None
    leaves = [parquet.schema.column(i).path for i in range(len(parquet.schema))]
    top = {field.name: field.type for field in parquet.schema_arrow}
    wanted = [name for name in SCALARS if name in leaves]
    _check_scalars(top, wanted, where)
    referenced = [leaf for leaf in leaves if _REFERENCED.match(leaf)]
    if "referenced_works" in top and not _is_list_of_strings(top["referenced_works"]):
        raise DataRankError(
            f"{where}: column referenced_works is {top['referenced_works']}, expected a list of strings; "
            "read the JSON Lines copy instead (--snapshot …/data/jsonl/works)"
        )
    author_ids = [leaf for leaf in leaves if _AUTHOR_ID.match(leaf)]
    open_access = [leaf for leaf in _OPEN_ACCESS.values() if leaf in leaves]
    columns = wanted + referenced + author_ids + open_access
    if "id" not in wanted:
        raise DataRankError(f"{where}: the Parquet file has no `id` column")
    schema = _output_schema(top, wanted)
    rows = parquet.metadata.num_rows

    def batches() -> Iterator[pa.RecordBatch]:
        offset = 0
        try:
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns, use_threads=False):
                yield _normalise(batch, schema, offset, bool(author_ids))
                offset += batch.num_rows
        except (pa.ArrowException, OSError) as error:
            raise DataRankError(f"{where}: cannot be read ({_first_line(error)})") from None

    return schema, batches(), rows


def _output_schema(top: dict[str, pa.DataType], wanted: list[str]) -> pa.Schema:
    fields = [pa.field("line_number", pa.int64())]
    for name in SCALARS:
        kind = top.get(name, pa.string()) if name in wanted else pa.string()
        if pa.types.is_timestamp(kind) and kind.tz is not None:
            kind = pa.timestamp(kind.unit)
        fields.append(pa.field(name, kind))
    fields.extend(pa.field(name, kind) for name, kind in FIXED.items())
    return pa.schema(fields)


def _normalise(batch: pa.RecordBatch, schema: pa.Schema, offset: int, has_author_ids: bool) -> pa.RecordBatch:
    rows = batch.num_rows
    names = batch.schema.names
    ones = pa.repeat(pa.scalar(1, pa.int64()), rows)
    columns: list[pa.Array] = [pc.add(pc.cumulative_sum(ones), offset)]
    for name in SCALARS:
        kind = schema.field(name).type
        if name in names:
            column = batch.column(name)
            columns.append(column if column.type == kind else column.cast(kind))
        else:
            columns.append(pa.nulls(rows, kind))
    if "referenced_works" in names:
        columns.append(batch.column("referenced_works").cast(FIXED["referenced_works"]))
    else:
        columns.append(pa.nulls(rows, FIXED["referenced_works"]))
    if has_author_ids and "authorships" in names:
        columns.append(_authorships(batch.column("authorships")))
    else:
        columns.append(pa.nulls(rows, AUTHORSHIPS_TYPE))
    open_access = batch.column("open_access") if "open_access" in names else None
    for child in ("is_oa", "oa_status"):
        kind = FIXED[child]
        if open_access is not None and open_access.type.get_field_index(child) >= 0:
            columns.append(pc.struct_field(open_access, child).cast(kind))
        else:
            columns.append(pa.nulls(rows, kind))
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def _authorships(column: pa.Array) -> pa.Array:
    """`authorships` as read (only author.id selected) under the fixed type's field names."""
    return column.cast(AUTHORSHIPS_TYPE)


def _check_scalars(top: dict[str, pa.DataType], wanted: list[str], where: str) -> None:
    for name in wanted:
        kind = top[name]
        if pa.types.is_nested(kind):
            raise DataRankError(
                f"{where}: column {name} is {kind}, expected a single value; "
                "read the JSON Lines copy instead (--snapshot …/data/jsonl/works)"
            )


def _is_list_of_strings(kind: pa.DataType) -> bool:
    return (pa.types.is_list(kind) or pa.types.is_large_list(kind)) and (
        pa.types.is_string(kind.value_type) or pa.types.is_large_string(kind.value_type)
    )


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
