"""What an ingest reports beside its tables: where every line of every part file went, what
changed since the last ingest, record counts against the manifest, and part files that left the
manifest with their works (the core stage's report queries, `datarank.models.CORE_REPORTS`)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import duckdb

from datarank.db import literal, materialize, rows_table, run_sql, sql_text
from datarank.ingest.core import RAW_FILES_COLUMNS, raw_view
from datarank.snapshot import Snapshot

log = logging.getLogger(__name__)

#: Where each line of a part file went (sql/core/core_openalex__file_accounting.sql).
ACCOUNTING = ("works_kept", "duplicates_superseded", "merged_or_deleted_dropped", "quarantined")


def account_files(connection: duckdb.DuckDBPyConnection, files: list[dict[str, Any]]) -> None:
    """Add to each file's row where its lines went: lines = works kept + duplicates superseded +
    merged or deleted dropped + quarantined (recomputed every run: a newer copy in another file
    supersedes a line of an old one)."""
    cursor = connection.execute(sql_text("core/core_openalex__file_accounting"))
    columns = [d[0] for d in cursor.description]
    by_key = {row[0]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}
    for row in files:
        row.update({name: by_key[row["key"]][name] for name in ACCOUNTING})


def vanished_report(
    connection: duckdb.DuckDBPyConnection, raw_dir: Path, vanished: dict[str, dict[str, Any]], out: Path
) -> list[dict[str, Any]]:
    """Files read before that are no longer in the manifest, with how many of their works are
    nowhere in the snapshot now (listed in vanished_works.parquet)."""
    present = {key: entry for key, entry in vanished.items() if entry.get("raw") and (raw_dir / entry["raw"]).exists()}
    report = [
        {"key": key, "url": entry.get("url"), "works": None, "works_not_superseded": None}
        for key, entry in sorted(vanished.items())
        if key not in present
    ]
    if not present:
        return report
    rows_table(
        connection, "raw_openalex__vanished_files", RAW_FILES_COLUMNS,
        [(str(raw_dir / entry["raw"]), key, "", 0) for key, entry in present.items()],
    )
    raw_view(
        connection,
        "raw_openalex__vanished_works",
        [str(raw_dir / entry["raw"]) for entry in present.values()],
        "raw_openalex__vanished_files",
    )
    materialize(connection, "core/core_openalex__vanished_works", out / "vanished_works.parquet")
    counts = connection.execute(
        """
        select raw.file_key, count(distinct raw.work_id), count(distinct lost.work_id)
        from raw_openalex__vanished_works as raw
        left join core_openalex__vanished_works as lost
            on lost.work_id = raw.work_id and lost.source_file = raw.file_key
        where raw.quarantine_reason is null
        group by raw.file_key
        """
    ).fetchall()
    by_key = {key: (works, lost) for key, works, lost in counts}
    for key, entry in sorted(present.items()):
        works, lost = by_key.get(key, (0, 0))
        report.append({"key": key, "url": entry.get("url"), "works": works, "works_not_superseded": lost})
    return sorted(report, key=lambda row: row["key"])


def changes(
    connection: duckdb.DuckDBPyConnection, previous_core: Path | None, out: Path, incremental: bool = False
) -> dict[str, Any]:
    """Works added, updated and removed, and merges and deletions new since the last ingest.

    On an incremental build only the works read again and the dirty ones (core_openalex__dirty_citers:
    every work added or removed is one) are compared; the others' rows are the previous build's.
    """
    only_dirty = (
        " semi join (select work_id from core_openalex__new_copies union select work_id from core_openalex__dirty_citers)"
        " using (work_id)"
    ) if incremental else ""
    for table in ("works", "merge_map", "deleted_ids"):
        dirty = only_dirty if table == "works" else ""
        current = literal(str(out / f"{table}.parquet"))
        run_sql(connection, f"create or replace view current__{table} as select * from read_parquet({current}){dirty}")
        previous = previous_core / f"{table}.parquet" if previous_core else None
        if previous is not None and previous.exists():
            source = f"read_parquet({literal(str(previous))})"
            run_sql(connection, f"create or replace view previous__{table} as select * from {source}{dirty}")
        else:
            run_sql(connection, f"create or replace view previous__{table} as select * from current__{table} limit 0")
    cursor = connection.execute(sql_text("core/core_openalex__changes"))
    columns = [d[0] for d in cursor.description]
    values = cursor.fetchall()[0]
    return {"since": previous_core.name if previous_core else None, **dict(zip(columns, values, strict=True))}


def count_report(snapshot: Snapshot, files: list[dict[str, Any]]) -> dict[str, Any]:
    """Record counts against the manifest: per file, and in total."""
    mismatches = [
        {"key": f["key"], "manifest_records": f.get("manifest_records"), "lines": f["lines"]}
        for f in files
        if f.get("manifest_records") is not None and f["lines"] != f["manifest_records"]
    ]
    listed = [file.record_count for file in snapshot.files]
    return {
        "record_count_mismatches": mismatches,
        "records": {
            "manifest_total": snapshot.manifest_record_count,
            "manifest_files_total": sum(listed) if all(n is not None for n in listed) else None,
            "lines_read": sum(f["lines"] for f in files),
        },
    }


def log_report(report: dict[str, Any]) -> None:
    for row in report["record_count_mismatches"]:
        log.warning("%s: %d lines but the manifest says %d records", row["key"], row["lines"], row["manifest_records"])
    records = report["records"]
    for name in ("manifest_total", "manifest_files_total"):
        if records[name] is not None and records[name] != records["lines_read"]:
            log.warning("the manifest counts %d records (%s), the part files hold %d lines",
                        records[name], name.replace("_", " "), records["lines_read"])
    for row in report["vanished_files"]:
        if row["works_not_superseded"]:
            log.warning("%s left the manifest; %d of its works are nowhere in the snapshot now",
                        row["key"], row["works_not_superseded"])
