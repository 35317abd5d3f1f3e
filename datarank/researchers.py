"""What people read about researchers from a published version: `datarank explain A…`, the
report's researcher pages and `Results.explain("A…")`.

A researcher's score (SPEC §8, `sql/out/out_datarank__researchers.sql`) is the mean DataRank of
their ten best works; this module lists those works from the version's `researchers`, `scores` and
`authorships` files. It reads the published layout only.
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

#: How many of an author's works make the score ("the mean of the author's top-10 paper DataRanks").
TOP_WORKS = 10
_AUTHOR_PATTERN = r"^(?:https?://openalex\.org/)?[Aa](\d{1,18})$"


@dataclass(frozen=True)
class ResearcherWork:
    """One of the works that make a researcher's score, with its standing among all works."""

    position: int
    work_id: str
    title: str | None
    publication_year: int | None
    type: str | None
    datarank: float
    rank: int
    tier: str | None


@dataclass(frozen=True)
class ResearcherExplanation:
    """Why an author has their researcher score: the version's `researchers` row as it is
    (`researcher`) and the min(10, works) works whose mean it is, best first (`works`)."""

    version: str
    researchers_ranked: int
    works_ranked: int
    researcher: dict[str, Any]
    works: list[ResearcherWork]

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str, indent=2)


def parse_author_id(text: str) -> int:
    """`A5023888391`, `a5023888391` or `https://openalex.org/A5023888391` → 5023888391."""
    match = re.match(_AUTHOR_PATTERN, text.strip())
    if not match:
        raise UsageError(f"not an OpenAlex author id: {text!r} (expected e.g. A5023888391)")
    return int(match.group(1))


def is_author_id(text: str) -> bool:
    """Whether `text` names an author (A…) rather than a work (W…)."""
    return re.match(_AUTHOR_PATTERN, text.strip()) is not None


def explain_researcher(data_dir: Path, author_id: str, version: str | None = None) -> ResearcherExplanation:
    """The score of one author and the works that make it."""
    number = parse_author_id(author_id)
    folder = Lake(data_dir).version_dir(version)
    found = explain_researchers(folder, [number])
    if not found:
        raise DataRankError(f"explain: A{number} is the author of no work in version {folder.name}")
    return found[0]


def explain_researchers(folder: Path, author_numbers: list[int]) -> list[ResearcherExplanation]:
    """Explanations of several authors of one published version (`folder`), in researcher rank
    order; authors not in the version are left out.

    Three queries whatever the number of authors (their researchers rows, their top works, the
    counts), so a report of N researcher pages does not scan the version N times.
    """
    if not (folder / "researchers.parquet").exists():
        raise DataRankError(
            f"version {folder.name} was published before researcher scores existed; "
            "run `datarank compute` to publish a new version"
        )
    scores = literal(str(folder / "scores.parquet"))
    authorships = literal(str(folder / "authorships.parquet"))
    numbers = {"numbers": list(author_numbers)}
    connection = duckdb.connect()
    try:
        rows, researchers_ranked, works_ranked = group_rows(
            connection, folder / "researchers.parquet", "author_number", author_numbers, folder / "scores.parquet"
        )
        # The same choice as the researcher score's: the author's works by rank (DataRank desc,
        # ties by work id asc), the first TOP_WORKS.
        top_works = connection.sql(
            f"""
            with authored as (
                select
                    authorships.author_id,
                    row_number() over (partition by authorships.author_id order by scores.rank) as position,
                    scores.work_id, scores.title, scores.publication_year, scores.type, scores.datarank,
                    scores.rank, scores.tier
                from read_parquet({authorships}) as authorships
                inner join read_parquet({scores}) as scores on scores.work_number = authorships.work_id
                where authorships.author_id in (select unnest($numbers))
            )
            select * from authored
            where position <= $top_works
            order by author_id, position
            """,
            params={**numbers, "top_works": TOP_WORKS},
        ).pl()
    finally:
        connection.close()
    works_by_author = rows_by_key(top_works, "author_id")
    return [
        ResearcherExplanation(
            version=folder.name,
            researchers_ranked=researchers_ranked,
            works_ranked=works_ranked,
            researcher=row,
            works=[ResearcherWork(*work) for work in works_by_author.get(row["author_number"], [])],
        )
        for row in rows.to_dicts()
    ]
