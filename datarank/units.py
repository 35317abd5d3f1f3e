"""What people read about the units from a published version: `datarank explain I…` (an
institution), `S…` (a source), `country:US` and `field:17`, the report's unit pages and
`Results.explain(…)`.

A unit's figures are its row of the version's `institutions`, `sources`, `countries` or `fields`
table (sql/out/, docs/units.md); this module lists the ten best works its top10_mean is the mean
of, from the version's `scores`, `work_context` and link tables, over the core corpus the version
was published with (its manifest's `parameters.core_corpus`). It reads the published layout only.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb

from datarank import DataRankError, UsageError
from datarank.db import literal
from datarank.lake import Lake
from datarank.outputs import group_rows, rows_by_key
from datarank.settings import DEFAULT_CORE_CORPUS, CoreCorpus

#: How many of a unit's works are listed: those its top10_mean is the mean of.
TOP_WORKS = 10


@dataclass(frozen=True)
class UnitKind:
    """One kind of unit: its published table, its id column, and how a work is linked to it.

    Attributes:
        table: The published table (and view) of its leaderboard.
        id_column: Its id column there (`institution_id` 'I…', `source_id` 'S…', …).
        noun: What one unit is called, for people.
        pattern: What `datarank explain` accepts for it (the number or code is group 1).
        links: SQL over the version's files giving (unit key, work_id, weight) rows; `{folder}`
            is filled with literals of the version's files.
        key: The published id from the parsed number or code.
    """

    table: str
    id_column: str
    noun: str
    pattern: str
    links: str

    def key(self, value: str) -> str | int:
        if self.table == "institutions":
            return f"I{int(value)}"
        if self.table == "sources":
            return f"S{int(value)}"
        if self.table == "countries":
            return value.upper()
        return int(value)


KINDS = (
    UnitKind("institutions", "institution_id", "institution", r"^(?:https?://openalex\.org/)?[Ii](\d{1,18})$",
             "select 'I' || cast(institution_id as varchar) as unit, work_id, sum(weight) as weight "
             "from read_parquet({work_institutions}) group by all"),
    UnitKind("sources", "source_id", "source", r"^(?:https?://openalex\.org/)?[Ss](\d{1,18})$",
             "select 'S' || cast(source_id as varchar) as unit, work_id, 1.0 as weight "
             "from read_parquet({work_context}) where source_id is not null"),
    UnitKind("countries", "country_code", "country", r"^country:([A-Za-z]{2})$",
             "select country_code as unit, work_id, sum(weight) as weight "
             "from read_parquet({work_countries}) group by all"),
    UnitKind("fields", "field_id", "field", r"^(?:field:|https?://openalex\.org/fields/)(\d{1,9})$",
             "select field_id as unit, work_id, 1.0 as weight "
             "from read_parquet({work_context}) where field_id is not null"),
)


@dataclass(frozen=True)
class UnitWork:
    """One of a unit's ten best works, with its standing and the unit's share of it."""

    position: int
    work_id: str
    title: str | None
    publication_year: int | None
    type: str | None
    datarank: float
    rank: int
    year_type_percentile: float
    weight: float


@dataclass(frozen=True)
class UnitExplanation:
    """Why a unit has its figures: its leaderboard row as it is (`unit`), and its min(10, works)
    best works (`works`), best first. `table` names its kind; `core_corpus` the works that count."""

    version: str
    table: str
    noun: str
    units_ranked: int
    works_ranked: int
    core_corpus: str
    unit: dict[str, Any]
    works: list[UnitWork]

    @property
    def unit_id(self) -> str:
        """The unit's id as `datarank explain` takes it (I…, S…, country:US, field:17)."""
        value = self.unit[kind(self.table).id_column]
        return {"countries": f"country:{value}", "fields": f"field:{value}"}.get(self.table, str(value))

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str, indent=2)


def kind(table: str) -> UnitKind:
    return next(entry for entry in KINDS if entry.table == table)


def parse_unit_id(text: str) -> tuple[UnitKind, str | int]:
    """`I4210166736`, `S1983995261` (or their URLs), `country:US`, `field:17` → (its kind, its key
    in the published table)."""
    for entry in KINDS:
        match = re.match(entry.pattern, text.strip())
        if match:
            return entry, entry.key(match.group(1))
    raise UsageError(f"not a unit id: {text!r} (expected e.g. I4210166736, S1983995261, country:US or field:17)")


def is_unit_id(text: str) -> bool:
    """Whether `text` names an institution, source, country or field rather than a work or an author."""
    return any(re.match(entry.pattern, text.strip()) for entry in KINDS)


def explain_unit(data_dir: Path, unit_id: str, version: str | None = None) -> UnitExplanation:
    """The figures of one unit and the works that make its top10_mean."""
    entry, key = parse_unit_id(unit_id)
    with Lake(data_dir).reading(version) as folder:
        found = explain_units(folder, entry.table, [key])
    if not found:
        raise DataRankError(f"explain: {unit_id.strip()} is no {entry.noun} of a core-corpus work in version {folder.name}")
    return found[0]


def explain_units(folder: Path, table: str, keys: list[Any]) -> list[UnitExplanation]:
    """Explanations of several units of one kind (`table`) of one published version, in rank
    order; units not in the version are left out. Three queries whatever the number of units."""
    entry = kind(table)
    if not (folder / f"{table}.parquet").exists():
        raise DataRankError(
            f"version {folder.name} was published before the units' leaderboards existed; "
            "run `datarank compute` to publish a new version"
        )
    manifest = json.loads((folder / "manifest.json").read_text())
    corpus = CoreCorpus.parse((manifest.get("parameters") or {}).get("core_corpus", DEFAULT_CORE_CORPUS))
    files = {name: literal(str(folder / f"{name}.parquet"))
             for name in (table, "scores", "work_context", "work_institutions", "work_countries")}
    links = entry.links.format(**files)
    params = {"keys": list(keys)}
    connection = duckdb.connect()
    try:
        rows, units_ranked, works_ranked = group_rows(
            connection, folder / f"{table}.parquet", entry.id_column, keys, folder / "scores.parquet"
        )
        # The core corpus as int_datarank__unit_works takes it (keep the two in step), and the
        # unit's works by rank, as its top10_mean takes them.
        top_works = connection.sql(
            f"""
            with links as ({links}),
            corpus as (
                select scores.*
                from read_parquet({files['scores']}) as scores
                left join read_parquet({files['work_context']}) as context on context.work_id = scores.work_number
                where ($core_paratext = 1 or not coalesce(context.paratext, false))
                    and ($core_retracted = 1 or not coalesce(context.is_retracted, false))
                    and ($core_types = '' or strpos($core_types, ',' || lower(trim(scores.type)) || ',') > 0)
            ),
            linked as (
                select
                    links.unit,
                    row_number() over (partition by links.unit order by corpus.rank) as position,
                    corpus.work_id, corpus.title, corpus.publication_year, corpus.type, corpus.datarank, corpus.rank,
                    corpus.year_type_percentile, links.weight
                from links
                inner join corpus on corpus.work_number = links.work_id
                where links.unit in (select unnest($keys))
            )
            select * from linked where position <= $top_works order by unit, position
            """,
            params={**params, **corpus.params, "top_works": TOP_WORKS},
        ).pl()
    except duckdb.IOException as error:
        raise DataRankError(f"explain: version {folder.name} lacks a table the units need: {error}") from None
    finally:
        connection.close()
    works_by_unit = rows_by_key(top_works, "unit")
    return [
        UnitExplanation(
            version=folder.name,
            table=table,
            noun=entry.noun,
            units_ranked=units_ranked,
            works_ranked=works_ranked,
            core_corpus=corpus.text,
            unit=row,
            works=[UnitWork(*work) for work in works_by_unit.get(row[entry.id_column], [])],
        )
        for row in rows.to_dicts()
    ]
