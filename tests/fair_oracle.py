"""An independent, plain-Python fair_v1: SPEC §7 read literally, record by record.

Written from the SPEC, not from `sql/`, and importing nothing from `datarank`: it takes the kept
records and the citation links of `oracle.compute` (SPEC §2–§3, also independent of the pipeline)
and scores them. Slow, for snapshots of a few thousand works at most.

Reading rules (SPEC §7): strings are compared trimmed (of leading and trailing spaces) and
case-insensitively; a field that is missing, null, of the wrong type (a string "true" for a
boolean, a number for a string, `locations` that is not a list) or an empty string or list does
not count. A list of objects (funders, grants, awards, mesh) counts when it holds an object; a list
of strings when it holds a non-empty string. "Locations" are the objects of `locations[]` plus
`primary_location` and `best_oa_location`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from oracle import OracleResult, outdegree

WEIGHTS = {
    "findable": {"doi": 40, "pubmed_id": 10, "indexed_in_each": 10, "indexed_in_max": 20, "in_repository": 20,
                 "any_orcid": 10},
    "accessible": {"open_access": 50, "repository_fulltext": 20, "oa_pdf": 15, "oa_version": 15},
    "interoperable": {"linked_datasets": 40, "datacite": 15, "references": 15, "mesh": 10, "ror": 10, "funding": 10},
    "reusable": {"licence_open": 50, "licence_restricted": 35, "licence_other_oa": 20, "licence_publisher": 10,
                 "version_history": 20, "all_orcid": 10, "funding": 10, "corresponding": 10},
}
OPEN = {"cc-by", "cc-by-sa", "cc0", "public-domain", "mit", "apache-2-0", "isc", "gpl-v2", "gpl-v3"}
RESTRICTED = {"cc-by-nc", "cc-by-nd", "cc-by-nc-sa", "cc-by-nc-nd"}
CHECKLIST = ("has_doi", "in_repository", "is_oa", "datacite_registered", "linked_datasets", "open_licence", "version_history")
DIMENSIONS = ("findable", "accessible", "interoperable", "reusable")


def text(value: Any) -> str | None:
    """A string as SPEC §7 compares it: trimmed of spaces; None for anything else or nothing left."""
    if not isinstance(value, str):
        return None
    return value.strip(" ") or None


def lower(value: Any) -> str | None:
    found = text(value)
    return found.lower() if found is not None else None


def obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def locations(record: dict[str, Any]) -> list[dict[str, Any]]:
    listed = items(record.get("locations")) + [record.get("primary_location"), record.get("best_oa_location")]
    return [location for location in listed if isinstance(location, dict)]


def licence_class(location: dict[str, Any]) -> int:
    licence = lower(location.get("license"))
    if licence in OPEN:
        return 4
    if licence in RESTRICTED:
        return 3
    return {"other-oa": 2, "publisher-specific-oa": 1}.get(licence or "", 0)


@dataclass
class FairRow:
    work_number: int
    scored: bool
    dimensions: tuple[int, int, int, int] | None
    checklist: dict[str, bool]
    venue: str | None
    abstract: str | None
    year: int | None
    type: str | None
    research_article: bool
    fair_raw: float | None = None
    fair_score: float | None = None
    fair_year_type_score: float | None = None


@dataclass
class FairResult:
    rows: dict[int, FairRow]
    validation: list[dict[str, Any]] = field(default_factory=list)


def signals(record: dict[str, Any]) -> dict[str, Any]:
    """Every signal of one record, as SPEC §7 names them."""
    places = locations(record)
    open_access = obj(record.get("open_access"))
    indexed = {value for value in (lower(v) for v in items(record.get("indexed_in"))) if value}
    authorships = items(record.get("authorships"))
    orcids = [text(obj(obj(a).get("author")).get("orcid")) is not None for a in authorships]
    rors = [any(text(obj(i).get("ror")) for i in items(obj(a).get("institutions"))) for a in authorships]
    ids = obj(record.get("ids"))
    funding = any(isinstance(entry, dict) for key in ("funders", "grants", "awards") for entry in items(record.get(key)))
    repository_fulltext = open_access.get("any_repository_has_fulltext") is True
    return {
        "has_doi": text(record.get("doi")) is not None,
        "pubmed_id": text(ids.get("pmid")) is not None or text(ids.get("pmcid")) is not None,
        "indexed_in": len(indexed),
        "datacite_registered": "datacite" in indexed,
        "in_repository": any(lower(obj(p.get("source")).get("type")) == "repository" for p in places) or repository_fulltext,
        "any_orcid": any(orcids),
        "all_orcid": bool(orcids) and all(orcids),
        "ror": any(rors),
        "is_oa": open_access.get("is_oa") is True,
        "repository_fulltext": repository_fulltext,
        "oa_pdf": any(p.get("is_oa") is True and text(p.get("pdf_url")) for p in places),
        "oa_version": any(p.get("is_oa") is True and lower(p.get("version")) in ("acceptedversion", "publishedversion")
                          for p in places),
        "mesh": any(isinstance(entry, dict) for entry in items(record.get("mesh"))),
        "funding": funding,
        "corresponding": any(text(entry) for entry in items(record.get("corresponding_author_ids"))),
        "licence": max((licence_class(p) for p in places), default=0),
        "versions": len({v for v in (lower(p.get("version")) for p in places) if v}),
        "paratext": record.get("is_paratext") is True or lower(record.get("type")) == "paratext",
        "retracted": record.get("is_retracted") is True,
        "references": outdegree(record) > 0,
        "venue": text(obj(obj(record.get("primary_location")).get("source")).get("display_name")),
    }


def points(found: dict[str, Any], linked: bool, weights: dict[str, dict[str, int]] = WEIGHTS) -> tuple[int, int, int, int]:
    f, a, i, r = (weights[d] for d in DIMENSIONS)
    findable = (f["doi"] * found["has_doi"] + f["pubmed_id"] * found["pubmed_id"]
                + min(found["indexed_in"] * f["indexed_in_each"], f["indexed_in_max"])
                + f["in_repository"] * found["in_repository"] + f["any_orcid"] * found["any_orcid"])
    accessible = (a["open_access"] * found["is_oa"] + a["repository_fulltext"] * found["repository_fulltext"]
                  + a["oa_pdf"] * found["oa_pdf"] + a["oa_version"] * found["oa_version"])
    interoperable = (i["linked_datasets"] * linked + i["datacite"] * found["datacite_registered"]
                     + i["references"] * found["references"] + i["mesh"] * found["mesh"] + i["ror"] * found["ror"]
                     + i["funding"] * found["funding"])
    licence = {4: r["licence_open"], 3: r["licence_restricted"], 2: r["licence_other_oa"], 1: r["licence_publisher"]}
    reusable = (licence.get(found["licence"], 0) + r["version_history"] * (found["versions"] >= 2)
                + r["all_orcid"] * found["all_orcid"] + r["funding"] * found["funding"]
                + r["corresponding"] * found["corresponding"])
    return int(findable), int(accessible), int(interoperable), int(reusable)


def abstract(record: dict[str, Any]) -> str | None:
    """abstract_inverted_index rebuilt: every (position, word) pair in position order."""
    index = record.get("abstract_inverted_index")
    if not isinstance(index, dict):
        return None
    pairs = sorted((position, word) for word, positions in index.items() for position in items(positions)
                   if isinstance(position, int) and not isinstance(position, bool))
    return " ".join(word for _, word in pairs) or None


def mid_rank_percentiles(values: dict[int, int]) -> dict[int, float]:
    """100 · (lower + equal / 2) / n for each key, over `values`."""
    ordered = sorted(values.values())
    n = len(ordered)
    out = {}
    for key, value in values.items():
        lower_count = sum(1 for v in ordered if v < value)
        equal = sum(1 for v in ordered if v == value)
        out[key] = 100 * (lower_count + equal / 2) / n
    return out


def compute_fair(datarank: OracleResult, year_type_percentile: dict[int, float] | None = None) -> FairResult:
    """fair_v1 for every work of `datarank` (the DataRank oracle's kept records and citers)."""
    records = datarank.records
    citers = {p: datarank.citer_links.get(p, set()) for p in records}  # after merges, self-links dropped (SPEC §2)
    datasets = {n for n, rec in records.items() if lower(rec.get("type")) == "dataset"}
    linked: set[int] = set()
    for d in datasets:
        linked |= citers[d]  # works citing a dataset
        linked |= {p for p, cs in citers.items() if d in cs}  # works a dataset cites
    rows: dict[int, FairRow] = {}
    for n, rec in records.items():
        found = signals(rec)
        dims = None if found["paratext"] else ((0, 0, 0, 0) if found["retracted"] else points(found, n in linked))
        year = rec.get("publication_year") if isinstance(rec.get("publication_year"), int) else None
        kind = rec.get("type") if isinstance(rec.get("type"), str) else None
        rows[n] = FairRow(
            work_number=n,
            scored=dims is not None,
            dimensions=dims,
            checklist={
                "has_doi": found["has_doi"], "in_repository": found["in_repository"], "is_oa": found["is_oa"],
                "datacite_registered": found["datacite_registered"], "linked_datasets": n in linked,
                "open_licence": found["licence"] == 4, "version_history": found["versions"] >= 2,
            },
            venue=found["venue"],
            abstract=abstract(rec),
            year=year,
            type=kind,
            research_article=lower(rec.get("type")) in ("article", "review"),
            fair_raw=sum(dims) / 4 if dims is not None else None,
        )
    scored = {n: sum(row.dimensions) for n, row in rows.items() if row.dimensions is not None}
    for n, score in mid_rank_percentiles(scored).items():
        rows[n].fair_score = score
    groups: dict[tuple[int | None, str | None], dict[int, int]] = {}
    for n, total in scored.items():
        groups.setdefault((rows[n].year, rows[n].type), {})[n] = total
    for members in groups.values():
        for n, score in mid_rank_percentiles(members).items():
            rows[n].fair_year_type_score = score
    result = FairResult(rows)
    if year_type_percentile is not None:
        result.validation = validation(records, rows, year_type_percentile)
    return result


def year_type_percentiles(datarank: OracleResult) -> dict[int, float]:
    """DataRank's percentile within publication_year × type: 100 · (works of the group with a lower
    DataRank) / (n − 1), 100 alone; DataRanks equal to float noise are ties."""
    groups: dict[tuple[Any, Any], list[int]] = {}
    for n, rec in datarank.records.items():
        year = rec.get("publication_year") if isinstance(rec.get("publication_year"), int) else None
        kind = rec.get("type") if isinstance(rec.get("type"), str) else None
        groups.setdefault((year, kind), []).append(n)
    out = {}
    for members in groups.values():
        for n in members:
            mine = datarank.rows[n].datarank
            lower_count = sum(1 for m in members if datarank.rows[m].datarank < mine
                              and not math.isclose(datarank.rows[m].datarank, mine, rel_tol=1e-9, abs_tol=1e-12))
            out[n] = 100.0 if len(members) == 1 else 100 * lower_count / (len(members) - 1)
    return out


def spearman(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's correlation of the mid-ranks; None with fewer than 3 values or no spread."""
    if len(xs) < 3:
        return None
    rx, ry = _mid_ranks(xs), _mid_ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    sxx = sum((x - mx) ** 2 for x in rx)
    syy = sum((y - my) ** 2 for y in ry)
    if sxx == 0 or syy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(rx, ry, strict=True)) / math.sqrt(sxx * syy)


def _mid_ranks(values: list[float]) -> list[float]:
    return [sum(1 for w in values if w < v) + (sum(1 for w in values if w == v) + 1) / 2 for v in values]


def validation(records: dict[int, dict[str, Any]], rows: dict[int, FairRow], percentile: dict[int, float]) -> list[dict[str, Any]]:
    """The check of fair_v1 against DataRank: recent (the snapshot's year and the four before it,
    the snapshot's year being its newest updated_date's) scored articles and reviews, overall and
    within OA and closed works, whole and with each dimension left out."""
    stamps = [_timestamp(rec.get("updated_date")) for rec in records.values()]
    years = [stamp.year for stamp in stamps if stamp is not None]
    year_to = max(years) if years else max((row.year for row in rows.values() if row.year is not None), default=None)
    if year_to is None:
        return []
    cohort = [row for row in rows.values() if row.research_article and row.scored and row.year is not None
              and year_to - 4 <= row.year <= year_to]
    out = []
    for name, members in (("all", cohort), ("open access", [r for r in cohort if r.checklist["is_oa"]]),
                          ("closed", [r for r in cohort if not r.checklist["is_oa"]])):
        if not members:
            continue
        for left_out in ("none", *DIMENSIONS):
            kept = [i for i, d in enumerate(DIMENSIONS) if d != left_out]
            xs = [float(sum(row.dimensions[i] for i in kept)) for row in members]  # type: ignore[index]
            ys = [percentile[row.work_number] for row in members]
            out.append({"cohort": name, "left_out": left_out, "works": len(members), "spearman": spearman(xs, ys),
                        "year_from": year_to - 4, "year_to": year_to})
    return out


def _timestamp(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
