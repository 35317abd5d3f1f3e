"""The units' leaderboards (docs/units.md) read literally, in plain Python, from the kept records
and work rows of tests/oracle.py: institutions, sources, countries and fields.

Imports nothing from `datarank`. It reads each kept work's own JSON record:

- Authorships: every element of `authorships[]` counts in n (with or without an author or an
  institution). An authorship's institutions are the distinct valid ids of its `institutions[]`
  (`https://openalex.org/I…` or `I…`, any case); its countries the distinct valid codes of its
  `countries[]` (two letters, trimmed, upper-cased). Weight of a (work, authorship, unit) =
  1 / (n × the authorship's distinct units); an authorship without one assigns nothing.
- A work's source is `primary_location.source.id` (S…), its field `primary_topic.field.id`
  (`https://openalex.org/fields/17` → 17); each takes the work whole (weight 1).
- Core corpus: a work counts unless it is paratext (`is_paratext` true or type `paratext`) and
  paratext is left out, or retracted (`is_retracted` true) and retracted works are left out, or a
  type list is given and its type (trimmed, lower-case) is not in it.
- Top x% of its publication_year × type (year an int, type a string, else a group of its own):
  DataRank > 0 and 100 · lower ≥ (100 − x) · (n − 1), where lower counts the group's works with a
  DataRank lower by more than float noise (rel 1e-9) and n is the group's size (a group of one
  is at the top).
- works_full = distinct works; works_fractional = Σ weight; datarank_sum = Σ weight · DataRank;
  datarank_mean = sum / fractional; PP = Σ weight over top works / Σ weight (or counts, full);
  top10_mean = the mean DataRank of the ten best works (DataRank desc, id asc); rank by
  datarank_sum desc, ties by id asc, with the range a unit may take when other sums equal its
  own to within float noise.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from oracle import OracleResult

_INSTITUTION = re.compile(r"(?:https?://openalex\.org/)?i([0-9]{1,18})", re.IGNORECASE | re.ASCII)
_SOURCE = re.compile(r"(?:https?://openalex\.org/)?s([0-9]{1,18})", re.IGNORECASE | re.ASCII)
_FIELD = re.compile(r"(?:https?://openalex\.org/fields/)?([0-9]{1,9})", re.IGNORECASE | re.ASCII)
_COUNTRY = re.compile(r"[A-Za-z]{2}", re.ASCII)
TOP_WORKS = 10


@dataclass(frozen=True)
class Corpus:
    paratext: bool = False
    retracted: bool = False
    types: tuple[str, ...] = ()


@dataclass
class UnitRow:
    key: Any
    #: work → the unit's weight of it
    weights: dict[int, float] = field(default_factory=dict)
    works_full: int = 0
    works_fractional: float = 0.0
    datarank_sum: float = 0.0
    datarank_mean: float = 0.0
    pp_top10_full: float = 0.0
    pp_top10_fractional: float = 0.0
    pp_top1_full: float = 0.0
    pp_top1_fractional: float = 0.0
    top10_mean: float = 0.0
    rank: int = 0
    rank_range: tuple[int, int] = (0, 0)


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _number(pattern: re.Pattern[str], value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    match = pattern.fullmatch(value.strip(" "))
    return int(match.group(1)) if match else None


def _kind(record: dict[str, Any]) -> str | None:
    value = record.get("type")
    return value.strip().lower() if isinstance(value, str) else None


def in_corpus(record: dict[str, Any], corpus: Corpus) -> bool:
    if not corpus.paratext and (record.get("is_paratext") is True or _kind(record) == "paratext"):
        return False
    if not corpus.retracted and record.get("is_retracted") is True:
        return False
    return not corpus.types or _kind(record) in corpus.types


def top_flags(result: OracleResult) -> dict[int, tuple[bool, bool]]:
    """(in the top 10%, in the top 1%) of each work's publication_year × type."""
    groups: dict[tuple[Any, Any], list[int]] = {}
    for number, record in result.records.items():
        year = record.get("publication_year")
        year = year if isinstance(year, int) and not isinstance(year, bool) else None
        kind = record.get("type") if isinstance(record.get("type"), str) else None
        groups.setdefault((year, kind), []).append(number)
    flags = {}
    for members in groups.values():
        n = len(members)
        for number in members:
            mine = result.rows[number].datarank
            lower = sum(1 for other in members if result.rows[other].datarank < mine
                        and not math.isclose(result.rows[other].datarank, mine, rel_tol=1e-9, abs_tol=1e-12))
            flags[number] = (mine > 0 and 10 * lower >= 9 * (n - 1), mine > 0 and 100 * lower >= 99 * (n - 1))
    return flags


def institution_links(record: dict[str, Any]) -> dict[int, float]:
    return _authorship_links(record, lambda a: {_number(_INSTITUTION, _obj(i).get("id")) for i in _list(a.get("institutions"))})


def country_links(record: dict[str, Any]) -> dict[str, float]:
    def codes(authorship: dict[str, Any]) -> set[str | None]:
        found = set()
        for code in _list(authorship.get("countries")):
            if isinstance(code, str) and _COUNTRY.fullmatch(code.strip(" ")):
                found.add(code.strip(" ").upper())
        return found
    return _authorship_links(record, codes)


def _authorship_links(record: dict[str, Any], units_of: Any) -> dict[Any, float]:
    authorships = _list(record.get("authorships"))
    links: dict[Any, float] = {}
    for authorship in authorships:
        units = {unit for unit in units_of(_obj(authorship)) if unit is not None}
        for unit in units:
            links[unit] = links.get(unit, 0.0) + 1.0 / (len(authorships) * len(units))
    return links


def source_of(record: dict[str, Any]) -> int | None:
    return _number(_SOURCE, _obj(_obj(record.get("primary_location")).get("source")).get("id"))


def field_of(record: dict[str, Any]) -> int | None:
    value = _obj(_obj(record.get("primary_topic")).get("field")).get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return _number(_FIELD, value)


def units(result: OracleResult, table: str, corpus: Corpus = Corpus()) -> dict[Any, UnitRow]:
    """The leaderboard of one kind of unit (institutions, sources, countries, fields), by key
    (`I…`/`S…` strings, country codes, field numbers)."""
    flags = top_flags(result)
    rows: dict[Any, UnitRow] = {}
    for number, record in result.records.items():
        if not in_corpus(record, corpus):
            continue
        if table == "institutions":
            links = {f"I{unit}": weight for unit, weight in institution_links(record).items()}
        elif table == "countries":
            links = country_links(record)
        else:
            unit = source_of(record) if table == "sources" else field_of(record)
            links = {} if unit is None else {f"S{unit}" if table == "sources" else unit: 1.0}
        for unit, weight in links.items():
            rows.setdefault(unit, UnitRow(unit)).weights[number] = weight
    for row in rows.values():
        works = row.weights
        drs = {w: result.rows[w].datarank for w in works}
        row.works_full = len(works)
        row.works_fractional = sum(works.values())
        row.datarank_sum = sum(works[w] * drs[w] for w in works)
        row.datarank_mean = row.datarank_sum / row.works_fractional
        row.pp_top10_full = sum(flags[w][0] for w in works) / len(works)
        row.pp_top1_full = sum(flags[w][1] for w in works) / len(works)
        row.pp_top10_fractional = sum(works[w] for w in works if flags[w][0]) / row.works_fractional
        row.pp_top1_fractional = sum(works[w] for w in works if flags[w][1]) / row.works_fractional
        best = sorted(works, key=lambda w: (-drs[w], w))[:TOP_WORKS]
        row.top10_mean = sum(drs[w] for w in best) / len(best)
    ordered = sorted(rows.values(), key=lambda r: (-r.datarank_sum, _id_order(r.key)))
    for position, row in enumerate(ordered, start=1):
        row.rank = position
    for row in ordered:
        same = [o.rank for o in ordered if math.isclose(o.datarank_sum, row.datarank_sum, rel_tol=1e-9, abs_tol=1e-12)]
        row.rank_range = (min(same), max(same))
    return rows


def _id_order(key: Any) -> Any:
    """Ties go to the smaller id: the number of I…/S…, the code, the field number."""
    return int(key[1:]) if isinstance(key, str) and key[:1] in "IS" and key[1:].isdigit() else key
