"""What the units and the field standing read of each record — primary topic, primary source,
OpenAlex's indicators, institutions and countries per authorship — worked out by hand for every
layout: work_context, work_institutions and work_countries row by row, fractional weights included.

Weights: a work's 1 is split over all its authorships, then an authorship's share over its distinct
institutions (or countries); authorships without one assign nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from datarank.outputs import query
from datarank.pipeline import run
from datarank.settings import Settings
from tests.factory.layouts import Release, write_release
from tests.factory.records import OPENALEX

LAYOUTS = ("legacy", "jsonl", "parquet")


def W(n: int) -> str:
    return f"{OPENALEX}W{n}"


def inst(number: Any, name: str, country: str | None, ror: str | None = None) -> dict[str, Any]:
    identifier = number if isinstance(number, str) else f"{OPENALEX}I{number}"
    return {"id": identifier, "display_name": name, "ror": ror, "country_code": country}


def record(number: int, **fields: Any) -> dict[str, Any]:
    return {"id": W(number), "title": f"Work {number}", "publication_year": 2021, "type": "article",
            "cited_by_count": 0, "referenced_works": [], "referenced_works_count": 0, "authorships": [],
            "updated_date": "2025-01-01T00:00:00", **fields}


TOPIC = {
    "id": f"{OPENALEX}T10102", "display_name": " Scientometrics ", "score": 0.99,
    "subfield": {"id": f"{OPENALEX}subfields/1804", "display_name": "Statistics"},
    "field": {"id": f"{OPENALEX}fields/18", "display_name": "Decision Sciences"},
    "domain": {"id": f"{OPENALEX}domains/2", "display_name": "Social Sciences"},
}

RECORDS = [
    record(
        1,
        primary_topic=TOPIC,
        primary_location={"is_oa": True, "source": {"id": f"{OPENALEX}S1983995261", "display_name": "PeerJ",
                                                    "type": "Journal", "issn_l": "2167-8359"}},
        fwci=76.282,
        citation_normalized_percentile={"value": 0.999768, "is_in_top_1_percent": True, "is_in_top_10_percent": True},
        authorships=[
            # two institutions (one listed twice): each gets 1/4 × 1/2 = 0.125; two countries: 0.125 each
            {"author": {"id": f"{OPENALEX}A1"},
             "institutions": [inst(10, "Uni A", "us", "https://ror.org/a"), inst(20, "Uni B", "CA"), inst(10, "Uni A", "us")],
             "countries": ["us", "CA", "US"]},
            # no institution, no country: its 1/4 goes nowhere
            {"author": {"id": f"{OPENALEX}A2"}, "institutions": [], "countries": []},
            # an institution without a valid id is not one: the other gets the whole 1/4
            {"author": {"id": f"{OPENALEX}A3"}, "institutions": [inst("not-an-id", "Nowhere", "FR"), inst(30, "Uni C", "FR")],
             "countries": ["FR", "France", "1x"]},
            # the same institution as authorship 1: a row of its own, 1/4
            {"author": {"id": f"{OPENALEX}A4"}, "institutions": [inst(10, "Uni A", "US")], "countries": ["US"]},
        ],
    ),
    # nothing: no topic, no source, no indicators, no authorships
    record(2),
    # wrong types: none of them counts, and the run goes on
    record(3, primary_topic="T1", fwci="high", citation_normalized_percentile={"value": "x"},
           primary_location={"source": {"id": 12, "display_name": "Venue"}},
           authorships=[{"author": {"id": f"{OPENALEX}A5"}, "institutions": [inst(40, "Uni D", None)], "countries": None}]),
]

#: The Parquet layout has no form for a string topic or fwci: its work 3 carries what that layout can
#: hold wrong (an id that is no source id, a name that is blank).
PARQUET_RECORDS = [*RECORDS[:2], record(
    3, primary_location={"source": {"id": "12", "display_name": "  "}}, citation_normalized_percentile={"value": None},
    authorships=[{"author": {"id": f"{OPENALEX}A5"}, "institutions": [inst(40, "Uni D", None)], "countries": None}],
)]

#: (topic, subfield, field, domain ids; names; source; fwci; percentile; top 1/10; n_authorships)
CONTEXT = {
    1: (10102, "Scientometrics", 1804, "Statistics", 18, "Decision Sciences", 2, "Social Sciences",
        1983995261, "PeerJ", "journal", "2167-8359", 76.282, 0.999768, True, True, 4),
    2: (None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, 0),
}
INSTITUTIONS = [  # work, authorship, institution, name, ror, country, weight
    (1, 1, 10, "Uni A", "https://ror.org/a", "US", 0.125),
    (1, 1, 20, "Uni B", None, "CA", 0.125),
    (1, 3, 30, "Uni C", None, "FR", 0.25),
    (1, 4, 10, "Uni A", None, "US", 0.25),
    (3, 1, 40, "Uni D", None, None, 1.0),
]
COUNTRIES = [  # work, authorship, country, weight
    (1, 1, "CA", 0.125),
    (1, 1, "US", 0.125),
    (1, 3, "FR", 0.25),
    (1, 4, "US", 0.25),
]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("units-ingest")
    out = {}
    for layout in LAYOUTS:
        lines = PARQUET_RECORDS if layout == "parquet" else RECORDS
        write_release(base / layout, Release(files={"updated_date=2025-01-01/part_000": lines}), layout)
        out[layout] = base / f"out-{layout}"
        run(Settings(snapshot=str(base / layout), data_dir=out[layout]))
    return out


def rows(data_dir: Path, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in query(data_dir, sql).iter_rows()]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_work_context_as_worked_out(runs: dict[str, Path], layout: str) -> None:
    got = {row[0]: row[1:] for row in rows(runs[layout], """
        select work_id, topic_id, topic_name, subfield_id, subfield_name, field_id, field_name, domain_id, domain_name,
               source_id, source_name, source_type, source_issn_l, openalex_fwci, openalex_normalized_percentile,
               openalex_top_1_percent, openalex_top_10_percent, n_authorships
        from work_context order by work_id""")}
    assert got[1] == CONTEXT[1]
    assert got[2] == CONTEXT[2]
    # work 3: every value of the wrong type is missing (its source's name is a string in JSON, blank in
    # Parquet); its one authorship still counts
    venue = None if layout == "parquet" else "Venue"
    assert got[3] == (*(None,) * 9, venue, *(None,) * 6, 1)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_fractional_shares_as_worked_out(runs: dict[str, Path], layout: str) -> None:
    institutions = rows(runs[layout], """
        select work_id, authorship, institution_id, institution_name, ror, country_code, weight
        from work_institutions order by all""")
    assert institutions == INSTITUTIONS
    assert rows(runs[layout], "select work_id, authorship, country_code, weight from work_countries order by all") == COUNTRIES
    # what work 1 assigns: 3 of its 4 authorships have an institution, 3 a country
    assert rows(runs[layout], "select sum(weight) from work_institutions where work_id = 1") == [(0.75,)]
    assert rows(runs[layout], "select sum(weight) from work_countries where work_id = 1") == [(0.75,)]
