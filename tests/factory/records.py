"""The one builder of an OpenAlex work record, in the snapshot's JSON shape.

Every generator of the factory (hand-made snapshots, random snapshots and releases, the corner-case
snapshot, the sample's growth) builds its records here; the scale generator (`scale.py`) writes the
same shape from DuckDB SQL.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

OPENALEX = "https://openalex.org/"


def work_url(number: int) -> str:
    return f"{OPENALEX}W{number}"


def work(
    number: int,
    *,
    cited_by_count: Any = 0,
    refs: Sequence[int | str | None] = (),
    authors: Sequence[int | str | None] = (),
    updated_date: str = "2024-01-01T00:00:00",
    referenced_works_count: Any = "auto",
    heavy: bool = False,
    rng: random.Random | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A work record as OpenAlex writes it.

    Ints in `refs`/`authors` become full `https://openalex.org/W…`/`A…` urls; strings and None are
    kept verbatim (malformed ids, null author ids). `referenced_works_count="auto"` writes the
    length of `refs`. `extra` sets or replaces any field (``title=…``, ``publication_year=…``,
    ``type=…``, ``doi=None``); a field given as ``...`` (Ellipsis) is left out of the record, and
    ``None`` writes an explicit null.

    Args:
        heavy: Also write the fields DataRank never reads, as a real record carries them (display
            name, authors' names, institutions and affiliation strings, ``oa_url``,
            ``is_retracted``, an ``abstract_inverted_index`` of 5–39 words): what the readers must
            skip, and most of a Parquet part's bytes.
        rng: Draws the abstract's words (default: seeded by `number`, so a record is the same
            every time it is built).
    """
    referenced = [work_url(r) if isinstance(r, int) else r for r in refs]
    record: dict[str, Any] = {
        "id": work_url(number),
        "cited_by_count": cited_by_count,
        "referenced_works": referenced,
        "authorships": [_authorship(a, position, heavy) for position, a in enumerate(authors)],
        "updated_date": updated_date,
        "title": f"Work {number}",
        "publication_year": 2000 + number % 25,
        "type": "article",
        "doi": f"https://doi.org/10.1234/w{number}",
        "open_access": {"is_oa": number % 2 == 0, "oa_status": "gold" if number % 2 == 0 else "closed"},
        "referenced_works_count": len(referenced) if referenced_works_count == "auto" else referenced_works_count,
    }
    if heavy:
        rng = rng or random.Random(number)
        words = [f"w{rng.randrange(10_000)}" for _ in range(rng.randrange(5, 40))]
        # What fair_v1 reads, drawn with the record's own generator (docs/fair.md): the same record
        # scores the same in every layout.
        fair = fair_fields(rng, number)
        record |= {
            "display_name": f"Work {number}",
            "is_retracted": fair["is_retracted"],
            "abstract_inverted_index": {word: [i] for i, word in enumerate(words)} if fair["has_abstract"] else None,
            **{key: fair[key] for key in FAIR_RECORD_FIELDS},
        }
        record["open_access"] |= {"oa_url": None, "any_repository_has_fulltext": fair["any_repository_has_fulltext"]}
        record |= openalex_indicators(number)
        for i, authorship in enumerate(record["authorships"]):
            authorship["author"]["orcid"] = fair["orcids"][i % 4]
            for institution in authorship["institutions"]:
                institution["ror"] = fair["rors"][i % 3]
        with_units(record, random.Random(f"units {number}"))
    record.update(extra)
    return {key: value for key, value in record.items() if value is not ...}


def _authorship(author: int | str | None, position: int, heavy: bool) -> dict[str, Any]:
    author_id = f"{OPENALEX}A{author}" if isinstance(author, int) else author
    if not heavy:
        return {"author": {"id": author_id}}
    n = author if isinstance(author, int) else position
    return {
        "author_position": "first" if position == 0 else "middle",
        "author": {"id": author_id, "display_name": f"Author {n}", "orcid": None},
        "institutions": [{"id": f"{OPENALEX}I{n % 7}", "display_name": f"Institution {n % 7} " * 4}],
        "raw_affiliation_strings": [f"Department {n}, University {n % 7}, Somewhere " * 2],
    }


#: The fields `fair_fields` draws that go into a record as they are.
FAIR_RECORD_FIELDS = ("ids", "indexed_in", "primary_location", "best_oa_location", "locations", "funders", "grants",
                      "awards", "mesh", "corresponding_author_ids", "is_paratext")
_LICENCES = [None, None, "cc-by", " CC-BY ", "cc-by-nc-nd", "Other-OA", "publisher-specific-oa", "", "mit", "cc0"]
_VERSIONS = [None, "publishedVersion", "acceptedVersion", "submittedVersion", " PublishedVersion", ""]
_SOURCE_TYPES = [None, "journal", "repository", " Repository ", "conference", ""]


def _location(rng: random.Random, number: int) -> dict[str, Any]:
    return {
        "is_oa": rng.choice([True, False, None]),
        "landing_page_url": f"https://example.org/{number}",
        "pdf_url": rng.choice([None, "", "  ", f"https://example.org/{number}.pdf"]),
        "source": rng.choice([None, {"id": f"{OPENALEX}S{number % 50}", "display_name": rng.choice(
            [f"Journal {number % 50}", f"  Journal {number % 50} ", "", None]),
            "type": rng.choice(_SOURCE_TYPES), "issn_l": None}]),
        "license": rng.choice(_LICENCES),
        "version": rng.choice(_VERSIONS),
    }


def fair_fields(rng: random.Random, number: int) -> dict[str, Any]:
    """The fields fair_v1 reads, at random: every signal and gate of SPEC §7 shows up on a few
    hundred works, with the oddities any layout can hold. `orcids` and `rors` are cycled over a
    record's authorships."""
    locations = [_location(rng, number) for _ in range(rng.randrange(0, 4))]
    primary = rng.choice([None, _location(rng, number), *locations[:1]])  # sometimes not among locations
    return {
        "ids": {"openalex": work_url(number), "pmid": rng.choice([None, None, "", f"https://pubmed.ncbi.nlm.nih.gov/{number}"]),
                "pmcid": rng.choice([None, None, None, f"https://www.ncbi.nlm.nih.gov/pmc/articles/{number}"])},
        "indexed_in": rng.sample(["crossref", "Crossref ", "pubmed", "DataCite", "doaj", "", "arxiv"], rng.randrange(0, 4)),
        "primary_location": primary,
        "best_oa_location": rng.choice([None, primary, *locations[-1:]]),
        "locations": locations,
        "funders": rng.choice([[], [], [{"id": f"{OPENALEX}F{number % 9}", "display_name": "Funder", "ror": None}]]),
        "grants": rng.choice([[], [], None, [{"funder": f"{OPENALEX}F1", "award_id": "G-1"}]]),
        "awards": rng.choice([[], [], [{"id": f"{OPENALEX}G{number}", "display_name": None}]]),
        "mesh": rng.choice([[], [], [], [{"descriptor_ui": "D000001", "descriptor_name": "Calcimycin", "is_major_topic": True}]]),
        "corresponding_author_ids": rng.choice([[], [f"{OPENALEX}A{number % 11}"], [""]]),
        "is_paratext": rng.random() < 0.04,
        "is_retracted": rng.random() < 0.04,
        "any_repository_has_fulltext": rng.choice([True, False, False, None]),
        "orcids": [rng.choice([None, "", f"https://orcid.org/0000-000{i}"]) for i in range(4)],
        "rors": [rng.choice([None, "", " ", f"https://ror.org/0{i}"]) for i in range(3)],
        "has_abstract": rng.random() < 0.8,
    }


#: The topic hierarchy `openalex_indicators` draws from: subfield → (name, field, field name).
SUBFIELDS = {1804: ("Statistics, Probability and Uncertainty", 18, "Decision Sciences"),
             1805: ("Information Systems and Management", 18, "Decision Sciences"),
             2700: ("General Medicine", 27, "Medicine")}


def openalex_indicators(number: int) -> dict[str, Any]:
    """`primary_topic`, `fwci` and `citation_normalized_percentile` as OpenAlex writes them, drawn from
    the work's number alone (no random state, so records built before stay the same): three
    subfields of two fields, every ninth work without a topic, some without OpenAlex's values, and
    percentiles that tie."""
    if number % 9 == 0:
        return {"primary_topic": None, "fwci": None, "citation_normalized_percentile": None}
    subfield = (1804, 1804, 1805, 2700)[number // 3 % 4]
    name, field, field_name = SUBFIELDS[subfield]
    topic = 10000 + number % 40
    percentile = (number * 37 % 21) / 20
    return {
        "primary_topic": {
            "id": f"{OPENALEX}T{topic}", "display_name": f"Topic {topic}", "score": 0.95,
            "subfield": {"id": f"{OPENALEX}subfields/{subfield}", "display_name": name},
            "field": {"id": f"{OPENALEX}fields/{field}", "display_name": field_name},
            "domain": {"id": f"{OPENALEX}domains/{3 if field == 18 else 4}", "display_name": f"Domain {field}"},
        },
        "fwci": None if number % 13 == 0 else round(number % 17 / 4, 2),
        "citation_normalized_percentile": None if number % 11 == 0 else {
            "value": percentile, "is_in_top_1_percent": percentile >= 0.99, "is_in_top_10_percent": percentile >= 0.9},
    }
#: Countries the units' fields draw from (and a few a reader must drop or clean).
_COUNTRIES = ["US", "DE", "FR", "CN", "BR", "us", " GB "]
_BAD_COUNTRIES = ["", "USA", None, " "]
_FIELDS = [(17, "Computer Science"), (27, "Medicine"), (13, "Biochemistry, Genetics and Molecular Biology"),
           (33, "Social Sciences")]


def with_units(record: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """`record` with what the units' leaderboards read (docs/units.md), drawn from `rng`, where it
    has none yet: each authorship's `institutions` (none, one or two, now and then one without a
    valid id) and `countries` (none, one or two, now and then a malformed one), the work's
    `primary_topic` (sometimes none) and `primary_location.source` (sometimes none). Fields the
    record already has are left as they are. Returns the record (changed in place)."""
    authorships = record.get("authorships")
    for authorship in authorships if isinstance(authorships, list) else []:
        if not isinstance(authorship, dict):
            continue
        if "institutions" not in authorship:
            chosen = rng.sample(range(1, 8), rng.choice([0, 1, 1, 1, 2]))
            authorship["institutions"] = [
                {"id": f"{OPENALEX}I{n}", "display_name": f"Institution {n}" if rng.random() < 0.9 else f"Inst. {n}",
                 "country_code": _COUNTRIES[n % 5]} for n in chosen
            ] + ([{"id": rng.choice([None, "I-bad", ""]), "display_name": "No id"}] if rng.random() < 0.1 else [])
        if "countries" not in authorship:
            found = {i.get("country_code") for i in authorship.get("institutions") or [] if isinstance(i, dict)}
            codes = sorted(code for code in found if code) or rng.sample(_COUNTRIES, rng.choice([0, 0, 1, 2]))
            authorship["countries"] = codes + ([rng.choice(_BAD_COUNTRIES)] if rng.random() < 0.1 else [])
    if "primary_topic" not in record and rng.random() < 0.85:
        field_id, name = rng.choice(_FIELDS)
        record["primary_topic"] = {
            "id": f"{OPENALEX}T{10000 + field_id}", "display_name": f"Topic of {name}",
            "field": {"id": f"{OPENALEX}fields/{field_id}", "display_name": name},
        }
    location = record.get("primary_location")
    if "primary_location" not in record or (isinstance(location, dict) and "source" not in location):
        source = rng.choice([None, 1, 2, 3])
        record["primary_location"] = {**(location if isinstance(location, dict) else {}), "source": None if source is None else {
            "id": f"{OPENALEX}S{source}", "display_name": f"Journal {source}", "type": "journal"}}
    return record
