"""SPEC §8 read literally, in plain Python, from the work rows of tests/oracle.py: theSindex's tiers
and the researcher score.

Imports nothing from `datarank`. Like the DataRank oracle it works on floating-point values, so two
values equal to within float noise (rel 1e-9, abs 1e-12) are taken as tied: where the pipeline's
fixed-point order may break such a near-tie either way, the oracle gives the range of ranks and of
"strictly lower" counts it may take (the tiers take near-ties as ties, as the fixed point does for
mathematically equal values).

- Percentile of a work (and of a researcher): 100 × the share of the others with a strictly lower
  value; a set of one is 100.
- Tiers: with top-percent cut-offs t1 < t2 < t3 < t4, a work with DataRank > 0 is S1 when its
  percentile ≥ 100 − t1, …, S4 when ≥ 100 − t4, else S5; DataRank 0 is `unranked`.
- Researcher score: for every author id of the kept works (distinct work–author pairs), `works` =
  how many works, `researcher_score` = the mean DataRank of the author's min(10, works) highest-DataRank
  works (ties by work id asc); rank by score desc, ties by author number asc.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

from oracle import OracleResult, author_entries, author_number

TOP_WORKS = 10


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _tie_groups(values: dict[int, float]) -> dict[int, tuple[int, int]]:
    """For each key: (how many keys have a value below its near-tie group, the group's size).
    Groups chain values that are close to their neighbour in sorted order."""
    ordered = sorted(values, key=lambda key: values[key])
    groups: list[list[int]] = []
    for key in ordered:
        if groups and _close(values[groups[-1][-1]], values[key]):
            groups[-1].append(key)
        else:
            groups.append([key])
    out: dict[int, tuple[int, int]] = {}
    below = 0
    for group in groups:
        for key in group:
            out[key] = (below, len(group))
        below += len(group)
    return out


def work_tiers(result: OracleResult, cuts: tuple[float, ...] = (20, 40, 60, 80)) -> dict[int, str]:
    """Each work's tier (SPEC §8), from the oracle's DataRanks; works whose DataRanks are equal to
    within float noise are tied (none of them is strictly lower than another)."""
    groups = _tie_groups({number: row.datarank for number, row in result.rows.items()})
    n = len(result.rows)
    return {
        number: "unranked" if row.datarank == 0
        else _tier(Fraction(100) if n == 1 else Fraction(100 * groups[number][0], n - 1), cuts)
        for number, row in result.rows.items()
    }


def _tier(percentile: Fraction, cuts: tuple[float, ...]) -> str:
    for position, cut in enumerate(cuts, start=1):
        if percentile >= 100 - Fraction(cut):
            return f"S{position}"
    return f"S{len(cuts) + 1}"


@dataclass
class ResearcherRow:
    author_number: int
    works: int
    researcher_score: float
    #: The works whose mean the score is, best first.
    top_works: list[int] = field(default_factory=list)
    rank: int = 0
    #: The ranks it may take when other authors' scores equal its own to within float noise.
    rank_range: tuple[int, int] = (0, 0)
    #: How many other authors may have a strictly lower score (the percentile's numerator).
    lower_range: tuple[int, int] = (0, 0)

    def percentile_range(self, authors: int) -> tuple[float, float]:
        if authors == 1:
            return (100.0, 100.0)
        return (100.0 * self.lower_range[0] / (authors - 1), 100.0 * self.lower_range[1] / (authors - 1))


def researchers(result: OracleResult) -> dict[int, ResearcherRow]:
    """The researcher score of every author of the oracle's kept works, by author number."""
    by_author: dict[int, set[int]] = {}
    for number, record in result.records.items():
        for author in {a for a in map(author_number, author_entries(record)) if a is not None}:
            by_author.setdefault(author, set()).add(number)
    rows: dict[int, ResearcherRow] = {}
    for author, works in by_author.items():
        best = sorted(works, key=lambda w: (-result.rows[w].datarank, w))[:TOP_WORKS]
        score = sum(result.rows[w].datarank for w in best) / len(best)
        rows[author] = ResearcherRow(author, len(works), score, best)
    ranked = sorted(rows.values(), key=lambda r: (-r.researcher_score, r.author_number))
    for position, row in enumerate(ranked, start=1):
        row.rank = position
    groups = _tie_groups({row.author_number: row.researcher_score for row in ranked})
    for row in ranked:
        below, size = groups[row.author_number]
        row.lower_range = (below, below + size - 1)
        # Ranks run best first: the group sits just above the `below` authors beneath it.
        row.rank_range = (len(ranked) - below - size + 1, len(ranked) - below)
    return rows
