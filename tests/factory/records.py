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
        record |= {
            "display_name": f"Work {number}",
            "is_retracted": False,
            "abstract_inverted_index": {word: [i] for i, word in enumerate(words)},
        }
        record["open_access"]["oa_url"] = None
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
