"""Write small OpenAlex snapshots (legacy layout) for tests, by hand or at random.

`write_legacy_snapshot` lays out exactly what SPEC §3 describes for the 2022 – early 2026 bucket:
``data/works/manifest`` (written last, with each file's size and line count), gzip JSON Lines part
files under ``data/works/updated_date=YYYY-MM-DD/`` and the merged-id list under
``data/merged_ids/works/``. A `str`/`bytes` item is written verbatim as one line, so a test can
inject lines that are not JSON, not objects, or carry U+2028 inside a string.

`random_snapshot(rng)` makes a small messy graph (5–40 works) that hits every rule of SPEC
§2–§3 at least once; `random_snapshots()` is the same thing as a hypothesis strategy.
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

OPENALEX = "https://openalex.org/"

Line = dict[str, Any] | str | bytes


def work(
    number: int,
    *,
    cited_by_count: Any = 0,
    refs: Sequence[int | str | None] = (),
    authors: Sequence[int | str | None] = (),
    updated_date: str = "2024-01-01T00:00:00",
    referenced_works_count: Any = "auto",
    **extra: Any,
) -> dict[str, Any]:
    """A work record as OpenAlex writes it.

    Ints in `refs`/`authors` become full `https://openalex.org/W…`/`A…` urls; strings and None are
    kept verbatim (malformed ids, null author ids). `referenced_works_count="auto"` writes the
    length of `refs`; pass `None` to write an explicit null, or `...` (Ellipsis) to leave it out.
    """
    referenced = [f"{OPENALEX}W{r}" if isinstance(r, int) else r for r in refs]
    record: dict[str, Any] = {
        "id": f"{OPENALEX}W{number}",
        "cited_by_count": cited_by_count,
        "referenced_works": referenced,
        "authorships": [
            {"author": {"id": f"{OPENALEX}A{a}" if isinstance(a, int) else a}} for a in authors
        ],
        "updated_date": updated_date,
        "title": f"Work {number}",
        "publication_year": 2000 + number % 25,
        "type": "article",
        "doi": f"https://doi.org/10.1234/w{number}",
        "open_access": {"is_oa": number % 2 == 0, "oa_status": "gold" if number % 2 == 0 else "closed"},
    }
    if referenced_works_count == "auto":
        record["referenced_works_count"] = len(referenced)
    elif referenced_works_count is not ...:
        record["referenced_works_count"] = referenced_works_count
    if cited_by_count is ...:
        del record["cited_by_count"]
    record.update(extra)
    return record


def _line_bytes(item: Line) -> bytes:
    if isinstance(item, bytes):
        return item
    if isinstance(item, str):
        return item.encode("utf-8")
    # ensure_ascii=False: real OpenAlex lines carry raw UTF-8 (including U+2028).
    return json.dumps(item, ensure_ascii=False).encode("utf-8")


def _chunks(items: Sequence[Line], parts: int) -> list[Sequence[Line]]:
    """Split contiguously: the first items go to part_000, the last to the last part."""
    size, rest = divmod(len(items), parts)
    out, start = [], 0
    for i in range(parts):
        end = start + size + (1 if i < rest else 0)
        out.append(items[start:end])
        start = end
    return out


def write_legacy_snapshot(
    root: Path,
    partitions: Mapping[str, Sequence[Line]],
    merged: Iterable[tuple[str, str]] = (),
    parts_per_partition: int = 1,
) -> Path:
    """Write a legacy-layout works snapshot under `root` and return `root`.

    Args:
        root: The bucket root (what `--snapshot` points at).
        partitions: ``{"2024-01-01": [record_or_line, ...]}``; each item is one line.
        merged: ``(id, merge_into_id)`` pairs, short ids (``"W12"``), written to
            ``data/merged_ids/works/2024-01-01.csv.gz``; none → no merged-id file.
        parts_per_partition: Split each partition's lines contiguously over this many part files.
    """
    root = Path(root)
    works = root / "data" / "works"
    works.mkdir(parents=True, exist_ok=True)
    entries = []
    for date in sorted(partitions):
        folder = works / f"updated_date={date}"
        folder.mkdir(parents=True, exist_ok=True)
        for part, items in enumerate(_chunks(list(partitions[date]), parts_per_partition)):
            body = b"".join(_line_bytes(item) + b"\n" for item in items)
            path = folder / f"part_{part:03d}.gz"
            path.write_bytes(gzip.compress(body, mtime=0))
            entries.append(
                {
                    "url": f"s3://openalex/data/works/updated_date={date}/part_{part:03d}.gz",
                    "meta": {"content_length": path.stat().st_size, "record_count": len(items)},
                }
            )
    merged = list(merged)
    if merged:
        folder = root / "data" / "merged_ids" / "works"
        folder.mkdir(parents=True, exist_ok=True)
        text = "merge_date,id,merge_into_id\n" + "".join(f"2024-01-01,{a},{b}\n" for a, b in merged)
        (folder / "2024-01-01.csv.gz").write_bytes(gzip.compress(text.encode(), mtime=0))
    manifest = {
        "entries": entries,
        "meta": {
            "content_length": sum(e["meta"]["content_length"] for e in entries),
            "record_count": sum(e["meta"]["record_count"] for e in entries),
        },
    }
    (works / "manifest").write_text(json.dumps(manifest))  # last: the completion marker
    return root


# --------------------------------------------------------------------------- random snapshots


@dataclass
class RandomSnapshot:
    """What `random_snapshot` made: pass the fields to `write_legacy_snapshot`, run with `cap`."""

    partitions: dict[str, list[Line]]
    merged: list[tuple[str, str]]
    parts_per_partition: int
    cap: int
    notes: list[str] = field(default_factory=list)

    def write(self, root: Path) -> Path:
        return write_legacy_snapshot(root, self.partitions, self.merged, self.parts_per_partition)


# Few distinct values, so cap ties are common; None/"missing"/negative all mean C = 0.
_CITED_BY = [None, ..., -3, 0, 0, 1, 1, 2, 5, 5, 5, 10, 50, 2999]
_DATES = ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"]


def _stamp(rng: random.Random) -> str:
    return f"2024-0{rng.randint(1, 4)}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00"


def random_snapshot(rng: random.Random, min_works: int = 5, max_works: int = 40) -> RandomSnapshot:
    """A small messy snapshot that exercises every rule of SPEC §2–§3.

    Always present: a duplicate across partitions (and in the same partition with equal
    updated_date, so the partition/file/line tie-break matters), a merge chain, references to
    missing works, a self-reference, shared authors, null/missing/negative cited_by_count, a missing
    referenced_works_count, an author with a null id, malformed reference ids, equal cited_by_count
    among the citers of a popular work, and a cap of 1–4 that binds there.
    """
    n = rng.randint(min_works, max_works)
    # Ids of one to three digits, so numeric order (W9 < W10) differs from string order.
    numbers = rng.sample(range(1, 400), n + 6)
    ids, missing = numbers[:n], numbers[n:]  # `missing`: referenced but never exported
    authors = list(range(1, max(3, n // 3) + 1))
    popular = ids[0]  # many citers with tied C, so the cap binds and its tie-break shows
    cap = rng.randint(1, 4)
    notes: list[str] = []

    def refs_for(me: int) -> list[int | str | None]:
        k = rng.randint(0, min(6, n))
        refs: list[int | str | None] = list(rng.sample(ids, k))
        if rng.random() < 0.5:
            refs.append(popular)
        if rng.random() < 0.2:
            refs.append(rng.choice(missing))
        if rng.random() < 0.1:
            refs.append(me)  # self-reference
        if refs and rng.random() < 0.15:
            refs.append(rng.choice(refs))  # the same reference twice
        if rng.random() < 0.1:
            refs.append(rng.choice(["bad", None, f"{OPENALEX}Wabc", f"{OPENALEX}A5"]))
        if rng.random() < 0.1 and refs and isinstance(refs[0], int):
            refs[0] = rng.choice([f"W{refs[0]}", f"w{refs[0]}", f"{OPENALEX.upper()}W{refs[0]}"])
        rng.shuffle(refs)
        return refs

    def record(me: int, stamp: str | None = None) -> dict[str, Any]:
        refs = refs_for(me)
        rwc_choice = rng.random()
        if rwc_choice < 0.6:
            rwc: Any = "auto"
        elif rwc_choice < 0.75:
            rwc = ...
        elif rwc_choice < 0.85:
            rwc = None
        else:
            rwc = rng.choice([0, 1, 3, 40])  # disagrees with the list; the field wins
        author_list: list[int | str | None] = rng.sample(authors, rng.randint(0, min(3, len(authors))))
        if rng.random() < 0.1:
            author_list.append(None)
        rec = work(
            me,
            cited_by_count=rng.choice(_CITED_BY),
            refs=refs,
            authors=author_list,
            updated_date=stamp or _stamp(rng),
            referenced_works_count=rwc,
        )
        if rng.random() < 0.05:
            rec["authorships"] = rng.choice([None, [], [{"author": None}]])
        if rng.random() < 0.05:
            rec["referenced_works"] = None
        if rng.random() < 0.05:
            for key in ("title", "doi", "open_access", "publication_year", "type"):
                rec.pop(key, None)
        return rec

    placed: list[tuple[str, dict[str, Any] | str]] = []  # (partition, line)
    for me in ids:
        placed.append((rng.choice(_DATES), record(me)))

    records = {int(r["id"].rsplit("W", 1)[1]): r for d, r in placed if isinstance(r, dict)}
    tied = ids[1 : cap + 3]  # cap + 2 citers of `popular`, all with C = 5
    others = [i for i in ids[1:] if i not in tied] + tied  # who carries the guaranteed quirks

    # Guaranteed quirks (on works outside the tie group when there are enough works).
    records[others[0]]["cited_by_count"] = None
    records[others[1 % len(others)]].pop("cited_by_count", None)
    records[others[2 % len(others)]]["cited_by_count"] = -7
    no_count = records[others[3 % len(others)]]
    no_count.pop("referenced_works_count", None)
    no_count["referenced_works"] = [
        f"{OPENALEX}W{popular}", f"{OPENALEX}W{popular}", f"{OPENALEX}W{missing[0]}", "bad", None,
    ]
    self_ref = records[others[4 % len(others)]]
    self_ref["referenced_works"] = list(self_ref["referenced_works"] or []) + [self_ref["id"]]

    # Citers of `popular` with tied C: more than cap of them, so the id tie-break decides who is
    # considered; one shares an author with `popular` (a self-citation inside or outside the cap,
    # depending on where its id falls).
    records[popular]["authorships"] = [{"author": {"id": f"{OPENALEX}A1"}}, {"author": {"id": None}}]
    for number in tied:
        rec = records[number]
        rec["cited_by_count"] = 5
        rec["referenced_works"] = list(rec["referenced_works"] or []) + [f"{OPENALEX}W{popular}"]
    records[tied[-1]]["authorships"] = [{"author": {"id": f"{OPENALEX}A1"}}]
    notes.append(f"popular W{popular}, tied citers {tied}, cap {cap}")

    # Duplicates: newer copy in a later partition; newer copy in an EARLIER partition (updated_date
    # decides, not the folder); equal updated_date in two partitions (later partition wins).
    for me in rng.sample(ids, min(len(ids), rng.randint(2, 5))):
        kind = rng.choice(["newer", "older", "tie"])
        date = rng.choice(_DATES)
        stamp = _stamp(rng) if kind != "tie" else "2024-02-15T00:00:00"
        copy = record(me, stamp)
        placed.append((date, copy))
        if kind == "tie":
            existing = next(r for d, r in placed if isinstance(r, dict) and r["id"] == copy["id"])
            existing["updated_date"] = stamp
        notes.append(f"duplicate W{me} ({kind})")

    # Merges: a chain a → b → c (b may be in the snapshot or not), a merge into a missing work,
    # and a merge of an id that was never exported.
    if n >= 6:
        a, b, c = ids[-1], ids[-2], ids[-3]
        merged = [(f"W{a}", f"W{b}"), (f"W{b}", f"W{c}")]
        merged.append((f"W{ids[-4]}", f"W{missing[1]}"))
        merged.append((f"W{missing[2]}", f"W{ids[-5]}"))
        # Someone cites the head of the chain: the citation lands on c.
        head_citer = records[ids[0]]
        head_citer["referenced_works"] = list(head_citer["referenced_works"] or []) + [f"{OPENALEX}W{a}"]
        notes.append(f"merge chain W{a}->W{b}->W{c}")
    else:
        merged = [(f"W{missing[2]}", f"W{ids[-1]}")]

    # A few bad lines (quarantined, never crash the run).
    for _ in range(rng.choice([0, 0, 1, 2])):
        placed.append((rng.choice(_DATES), rng.choice(["not json {", "[1, 2]", '"W1"', '{"id": null}',
                                                        '{"title": "no id"}', '{"id": "X12"}'])))

    rng.shuffle(placed)
    partitions: dict[str, list[Line]] = {}
    for date, line in placed:
        partitions.setdefault(date, []).append(line)
    return RandomSnapshot(partitions, merged, rng.choice([1, 1, 2]), cap, notes)


@st.composite
def random_snapshots(draw: st.DrawFn, min_works: int = 5, max_works: int = 40) -> RandomSnapshot:
    """Hypothesis strategy over `random_snapshot`."""
    return random_snapshot(draw(st.randoms(use_true_random=False)), min_works, max_works)
