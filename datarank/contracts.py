"""The typed contracts the stages hand each other and write down: an ingest's summary (the core's
ingest.json) and a published version's run manifest (manifest.json). They are JSON as written, so
they are typed dictionaries: the type checker holds every reader and writer to one shape, and a
reader of the files finds the same keys.

One rendering each: the terminal summary (`datarank.cli`), the Prefect artifact
(`pipelines.summary`), the `runs` row (`datarank.manifest.run_row`).
"""

from __future__ import annotations

from typing import Any, TypedDict


class SnapshotInfo(TypedDict):
    """Which snapshot an ingest read, as its manifest describes it."""

    uri: str
    layout: str
    file_format: str
    works_dir: str
    manifest: str
    manifest_record_count: int | None
    manifest_content_length: int | None
    files: int
    latest_partition: str | None


class FileStats(TypedDict, total=False):
    """One part file: where it is, what it held, and (after the core build) where its lines went."""

    key: str
    url: str
    format: str
    size: int
    fingerprint: str
    raw: str
    manifest_records: int | None
    lines: int
    quarantined: int
    invalid_references: int
    invalid_authors: int
    read_at: str
    status: str  # read | cached
    seconds: float
    works_kept: int
    duplicates_superseded: int
    merged_or_deleted_dropped: int


class Build(TypedDict):
    """How a stage got its tables: a full build, or extending `base` (a night)."""

    mode: str  # full | incremental
    base: str | None
    why_full: str | None


class IngestCounts(TypedDict):
    """What an ingest counted (docs/ingest.md, accounting)."""

    lines_read: int
    quarantined: int
    good_lines: int
    distinct_work_ids: int
    invalid_references: int
    invalid_authors: int
    works: int
    duplicates_superseded: int
    merged_or_deleted_dropped: int
    references: int
    citations: int
    authorships: int
    merged_ids: int
    deleted_ids: int
    references_dropped: int


class IngestSummary(TypedDict):
    """An ingest's ingest.json, beside its core tables."""

    snapshot: SnapshotInfo
    files: list[FileStats]
    build: Build
    counts: IngestCounts
    report: dict[str, Any]  # changes, record_count_mismatches, records, vanished_files
    parallel_files: int
    timings: dict[str, float]
    abstracts: bool  # whether the raw files keep abstracts (--abstracts)


class ScoreCounts(TypedDict):
    """What the score stage wrote."""

    scores: int
    researchers: int
    considered_citers: int
    rescored_works: int


class RunManifest(TypedDict):
    """A published version's manifest.json: what it is and how it was made."""

    version: str
    run_id: str
    started_at: str
    finished_at: str
    previous_version: str | None
    package_version: str
    software: dict[str, str | None]
    engine: str
    parameters: dict[str, Any]  # cap, damping, tiers
    check_parameters: dict[str, Any]
    limits: dict[str, Any]
    snapshot: SnapshotInfo | dict[str, Any]
    ingest_counts: IngestCounts | dict[str, Any]
    files: list[FileStats]
    score_counts: ScoreCounts | dict[str, Any]
    core: str | None
    scoring: Build | dict[str, Any]
    checks_passed: list[str]
    fair: dict[str, Any]  # version, weights_file, weights_sha256, weights, abstracts, validation
    openalex_agreement: list[dict[str, Any]]  # field_id, field_name, works, spearman (all fields first)
    changes: dict[str, Any] | None
    timings_s: dict[str, float]
