"""Read a June-2026 Parquet part file: only the columns DataRank keeps, as Arrow batches of one schema.

DuckDB prunes top-level and struct columns of a Parquet file but reads a list of structs whole, and
`authorships` (affiliations, institutions, raw strings for every author) and `locations` are among
the heaviest columns of a work. PyArrow reads single leaves of nested columns
(``authorships…author.id``, ``locations…license``), so only the bytes DataRank needs leave the
object store. Python touches schemas and batches here, never records: the batches go to DuckDB
(`sql/raw/raw_openalex__works_parquet.sql`) as they are.

Every batch has the same schema whatever the file holds (`batch_schema`): a column the file lacks is
all null, a timestamp with a time zone becomes UTC wall time, and the SQL casts the scalars. A
column DataRank's metric needs of an unexpected kind (say `referenced_works` as a string) fails the
file with a message naming it; a leaf only fair_v1 reads of an unexpected kind (a `license` that is
a number, `locations` that is not a list) is read as missing, which never counts (SPEC §7).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from datarank import DataRankError

#: Scalar columns kept as they are (the SQL casts them to their declared types).
SCALARS = (
    "id", "doi", "title", "display_name", "publication_year", "type", "cited_by_count",
    "referenced_works_count", "is_retracted", "updated_date", "fwci",
)
_TEXT = pa.string()
LOCATION_TYPE = pa.struct([
    ("is_oa", pa.bool_()), ("license", _TEXT), ("version", _TEXT), ("pdf_url", _TEXT),
    ("source", pa.struct([("type", _TEXT), ("display_name", _TEXT)])),
])
#: The primary location adds what the units read of its source (its id, ISSN-L).
PRIMARY_LOCATION_TYPE = pa.struct([
    ("is_oa", pa.bool_()), ("license", _TEXT), ("version", _TEXT), ("pdf_url", _TEXT),
    ("source", pa.struct([("type", _TEXT), ("display_name", _TEXT), ("id", _TEXT), ("issn_l", _TEXT)])),
])
AUTHORSHIPS_TYPE = pa.list_(pa.struct([
    ("author", pa.struct([("id", _TEXT), ("orcid", _TEXT)])),
    ("institutions", pa.list_(pa.struct([("ror", _TEXT), ("id", _TEXT), ("display_name", _TEXT), ("country_code", _TEXT)]))),
    ("countries", pa.list_(_TEXT)),
]))
_NAMED = pa.struct([("id", _TEXT), ("display_name", _TEXT)])
TOPIC_TYPE = pa.struct([
    ("id", _TEXT), ("display_name", _TEXT), ("subfield", _NAMED), ("field", _NAMED), ("domain", _NAMED),
])
#: Nested columns and the type each has in every batch, read leaf by leaf (`_WANTED`).
NESTED = {
    "referenced_works": pa.list_(_TEXT),
    "authorships": AUTHORSHIPS_TYPE,
    "open_access": pa.struct([("is_oa", pa.bool_()), ("oa_status", _TEXT), ("any_repository_has_fulltext", pa.bool_())]),
    "indexed_in": pa.list_(_TEXT),
    "locations": pa.list_(LOCATION_TYPE),
    "primary_location": PRIMARY_LOCATION_TYPE,
    "best_oa_location": LOCATION_TYPE,
    "corresponding_author_ids": pa.list_(_TEXT),
    "primary_topic": TOPIC_TYPE,
    "citation_normalized_percentile": pa.struct([
        ("value", pa.float64()), ("is_in_top_1_percent", pa.bool_()), ("is_in_top_10_percent", pa.bool_()),
    ]),
}
#: Lists whose elements fair_v1 only counts (SPEC §7: non-empty): each is read by one leaf and handed
#: over as a list of booleans, true where the element is there (not null).
PRESENCE_LISTS = ("funders", "grants", "awards", "mesh")
#: The Parquet layout's `ids` is a MAP<string, string>; only these keys are kept, as strings.
ID_KEYS = ("pmid", "pmcid")
#: Kept only when abstracts are (`--abstracts`): a JSON string in this layout.
ABSTRACT = "abstract_inverted_index"
BATCH_ROWS = 65_536

#: The leaves read of each nested column, as logical paths (`*` for a list's element).
_WANTED = {
    "referenced_works": ("referenced_works.*",),
    "authorships": (
        "authorships.*.author.id", "authorships.*.author.orcid",
        *(f"authorships.*.institutions.*.{leaf}" for leaf in ("ror", "id", "display_name", "country_code")),
        "authorships.*.countries.*",
    ),
    "open_access": ("open_access.is_oa", "open_access.oa_status", "open_access.any_repository_has_fulltext"),
    "indexed_in": ("indexed_in.*",),
    "locations": tuple(f"locations.*.{leaf}" for leaf in ("is_oa", "license", "version", "pdf_url", "source.type")),
    "primary_location": tuple(
        f"primary_location.{leaf}"
        for leaf in ("is_oa", "license", "version", "pdf_url", "source.type", "source.display_name", "source.id", "source.issn_l")
    ),
    "best_oa_location": tuple(f"best_oa_location.{leaf}" for leaf in ("is_oa", "license", "version", "pdf_url", "source.type")),
    "corresponding_author_ids": ("corresponding_author_ids.*",),
    "primary_topic": tuple(
        f"primary_topic.{leaf}"
        for leaf in ("id", "display_name", *(f"{level}.{name}" for level in ("subfield", "field", "domain") for name in ("id", "display_name")))
    ),
    "citation_normalized_percentile": tuple(
        f"citation_normalized_percentile.{leaf}" for leaf in ("value", "is_in_top_1_percent", "is_in_top_10_percent")
    ),
}


def batch_schema() -> pa.Schema:
    """The schema of every batch handed to DuckDB, less the scalars (which keep the file's type).
    The abstract's column is there either way, all null unless abstracts are read."""
    fields = [pa.field(name, kind) for name, kind in NESTED.items()]
    fields += [pa.field(name, pa.list_(pa.bool_())) for name in PRESENCE_LISTS]
    fields += [pa.field(f"ids_{key}", _TEXT) for key in ID_KEYS]
    fields.append(pa.field("is_paratext", pa.bool_()))
    fields.append(pa.field(ABSTRACT, _TEXT))
    return pa.schema(fields)


def read_batches(handle: Any, where: str, abstracts: bool = False) -> tuple[pa.Schema, Iterator[pa.RecordBatch], int]:
    """(schema, batches, rows) of the part file open as `handle`, ready for DuckDB.

    Batches carry `line_number` (the 1-based row of the file), the columns of `SCALARS` and those of
    `batch_schema()`, the abstract's read only when `abstracts`; `where` names the file in errors.
    """
    try:
        parquet = pq.ParquetFile(handle)
    except (pa.ArrowException, OSError) as error:
        raise DataRankError(f"{where}: not a readable Parquet file ({_first_line(error)})") from None
    top = {field.name: field.type for field in parquet.schema_arrow}
    leaves = dict(zip(_logical_leaves(parquet.schema_arrow), (parquet.schema.column(i).path for i in range(len(parquet.schema))),
                      strict=True))
    wanted = [name for name in SCALARS if name in top and name in leaves]
    _check_scalars(top, wanted, where)
    if "id" not in wanted:
        raise DataRankError(f"{where}: the Parquet file has no `id` column")
    if "referenced_works" in top and not _is_list_of_strings(top["referenced_works"]):
        raise DataRankError(
            f"{where}: column referenced_works is {top['referenced_works']}, expected a list of strings; "
            "read the JSON Lines copy instead (--snapshot …/data/jsonl/works)"
        )
    columns = list(wanted)
    for logical in (path for paths in _WANTED.values() for path in paths):
        if logical in leaves:
            columns.append(leaves[logical])
    for name in PRESENCE_LISTS:  # any one leaf of the element tells whether it is there
        first = next((path for logical, path in leaves.items() if logical.startswith(f"{name}.*")), None)
        if first is not None:
            columns.append(first)
    if pa.types.is_map(top.get("ids", pa.null())):
        columns += [path for logical, path in leaves.items() if logical.startswith("ids.*")]
    else:
        columns += [leaves[f"ids.{key}"] for key in ID_KEYS if f"ids.{key}" in leaves]
    for name in ("is_paratext", *([ABSTRACT] if abstracts else [])):
        if name in leaves:
            columns.append(leaves[name])
    schema = _output_schema(top, wanted)
    rows = parquet.metadata.num_rows

    def batches() -> Iterator[pa.RecordBatch]:
        offset = 0
        try:
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns, use_threads=False):
                yield _normalise(batch, schema, offset)
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
    return pa.schema(fields + list(batch_schema()))


def _normalise(batch: pa.RecordBatch, schema: pa.Schema, offset: int) -> pa.RecordBatch:
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
    for name, kind in NESTED.items():
        columns.append(conform(batch.column(name) if name in names else None, kind, rows))
    for name in PRESENCE_LISTS:
        columns.append(_presence(batch.column(name)) if name in names else pa.nulls(rows, pa.list_(pa.bool_())))
    ids = batch.column("ids") if "ids" in names else None
    for key in ID_KEYS:
        columns.append(_id_value(ids, key, rows))
    for field in list(schema)[len(columns):]:  # is_paratext and the abstract (when read)
        columns.append(conform(batch.column(field.name) if field.name in names else None, field.type, rows))
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def conform(array: pa.Array | None, kind: pa.DataType, rows: int) -> pa.Array:
    """`array` as `kind`: struct fields by name (a field it lacks is null), lists element by element,
    scalars of the same kind (large strings cast); anything of another kind is null."""
    if array is None:
        return pa.nulls(rows, kind)
    if pa.types.is_large_list(array.type):
        array = array.cast(pa.list_(array.type.value_type))
    if pa.types.is_large_string(array.type):
        array = array.cast(pa.string())
    if pa.types.is_struct(kind):
        if not pa.types.is_struct(array.type):
            return pa.nulls(rows, kind)
        present = {array.type.field(i).name for i in range(array.type.num_fields)}
        children = [conform(array.field(field.name) if field.name in present else None, field.type, rows) for field in kind]
        return pa.StructArray.from_arrays(children, fields=list(kind), mask=array.is_null())
    if pa.types.is_list(kind):
        if not pa.types.is_list(array.type):
            return pa.nulls(rows, kind)
        offsets, values = _list_parts(array)
        return pa.ListArray.from_arrays(offsets, conform(values, kind.value_type, len(values)), mask=array.is_null())
    return array if array.type == kind else pa.nulls(rows, kind)


def _presence(array: pa.Array) -> pa.Array:
    """A list column as a list of booleans: whether each element is there (not null)."""
    if pa.types.is_large_list(array.type):
        array = array.cast(pa.list_(array.type.value_type))
    if not pa.types.is_list(array.type):
        return pa.nulls(len(array), pa.list_(pa.bool_()))
    offsets, values = _list_parts(array)
    return pa.ListArray.from_arrays(offsets, pc.is_valid(values), mask=array.is_null())


def _list_parts(array: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The offsets (from 0) and the values of a list array's own slice."""
    start, end = array.offsets[0].as_py(), array.offsets[-1].as_py()
    return pc.subtract(array.offsets, start), array.values.slice(start, end - start)


def _id_value(ids: pa.Array | None, key: str, rows: int) -> pa.Array:
    """One key of `ids` (a MAP<string, string>, or a struct in other writers') as a string column."""
    if ids is None:
        return pa.nulls(rows, _TEXT)
    if pa.types.is_map(ids.type):
        value = pc.map_lookup(ids, pa.scalar(key, ids.type.key_type), "first")
    elif pa.types.is_struct(ids.type) and ids.type.get_field_index(key) >= 0:
        value = ids.field(key)
    else:
        return pa.nulls(rows, _TEXT)
    return conform(value, _TEXT, rows)


def _logical_leaves(schema: pa.Schema) -> list[str]:
    """Every leaf of `schema` in Parquet's column order, as a logical path: struct fields by name,
    `*` for the element of a list and for a map's entries (`ids.*.key`). Parquet's own paths name
    list levels as their writer did (`list.element`, `array`, `bag.array_element`)."""
    out: list[str] = []

    def walk(kind: pa.DataType, path: str) -> None:
        if pa.types.is_struct(kind):
            for i in range(kind.num_fields):
                walk(kind.field(i).type, f"{path}.{kind.field(i).name}")
        elif pa.types.is_map(kind):
            walk(kind.key_type, f"{path}.*.key")
            walk(kind.item_type, f"{path}.*.value")
        elif pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
            walk(kind.value_type, f"{path}.*")
        else:
            out.append(path)

    for field in schema:
        walk(field.type, field.name)
    return out


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
