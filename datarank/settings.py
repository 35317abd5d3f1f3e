"""One settings object for every stage: paths, metric parameters and DuckDB limits.

Built lazily from arguments and environment variables (never at import time), so tests and the
Prefect flow can construct their own.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path

from datarank import DataRankError

#: Repository root when running from a source checkout (editable install); the sample lives there.
_REPO_ROOT = Path(__file__).resolve().parent.parent

ENGINES = ("duckdb", "spark")
EXPORT_FORMATS = ("csv", "parquet", "json")


@dataclass(frozen=True)
class ExportSpec:
    """One ranked table the nightly run writes after publishing (`datarank export`'s options).

    Attributes:
        output: The file to write; a relative path is taken under `<data_dir>/exports/`.
        format: csv, parquet or json (JSON Lines); None = from the file extension.
        top: Only the N best-ranked works (after the filters).
        year: Only works published in this year.
        type: Only works of this type.
    """

    output: str
    format: str | None = None
    top: int | None = None
    year: int | None = None
    type: str | None = None

    def path(self, data_dir: Path) -> Path:
        output = Path(self.output).expanduser()
        return output if output.is_absolute() else data_dir / "exports" / output


#: Tier cut-offs as top percentages: S1 = top 1%, S2 = top 5%, S3 = top 10%, S4 = top 50%, S5 = the
#: rest (by percentile; works with DataRank 0 are "unranked"). See docs/metric.md.
DEFAULT_TIERS = (1.0, 5.0, 10.0, 50.0)


#: Spark master URLs we accept: local, local[N], local[*], local[N,F], spark://…, sc://…, yarn, k8s://….
_SPARK_MASTER = re.compile(r"^(local(\[(\*|[1-9][0-9]*)(,[0-9]+)?\])?|(spark|sc|k8s)://\S+|yarn)$")


def default_snapshot() -> str:
    """The small real-record sample shipped in `data/sample` (legacy OpenAlex layout)."""
    return str(_REPO_ROOT / "data" / "sample")


def default_data_dir() -> Path:
    """A git-ignored folder beside the sample; `DATARANK_DATA_DIR` overrides it."""
    return _REPO_ROOT / "data" / "out"


#: The share of `--memory-limit` given to DuckDB's own limit. DuckDB's buffer manager does not count
#: all of the process's memory (allocator caches, its hash tables' overhead, Python, the gzip pipes):
#: with DuckDB at the whole limit, peak RSS went 158 MB over it at 256 MB and 0.5-0.6 GB over it at
#: 8 GB (benchmarks/README.md). The rest is left for that, so the process stays near the limit.
DUCKDB_SHARE = 0.9
#: With `--engine spark` in local mode the limit is split while the driver JVM is up: its heap gets
#: SPARK_HEAP_SHARE (the JVM adds its own overhead above the heap), and the DuckDB connection that
#: compacts Spark's output meanwhile is given SPARK_COMPACT_SHARE of the limit. Measured at 4x
#: with `--memory-limit 2GB` (benchmarks/README.md): with the whole limit as heap and DuckDB's
#: usual share, the process tree peaked at 2.53e9 bytes (JVM 1.91e9 + Python 0.62e9), over the
#: limit + 450 MB.
SPARK_HEAP_SHARE = 0.6
SPARK_COMPACT_SHARE = 0.25
#: An incremental ingest writes only the winners that changed since the base winners file; when
#: they outnumber this share of the base, it writes a new base instead. A night rewriting k% of the
#: ids adds k% to the changed file each night, so over n nights before a new base the writes add up
#: to (k·n²/2)% of the base plus one base: per night, lowest near n = √(200/k) — about 11 nights and
#: a share near 0.17 for the 1.5% of ids a 1% benchmark night changes (benchmarks/README.md).
WINNERS_COMPACT_SHARE = 0.2


def parse_memory(limit: str | None) -> int | None:
    """Bytes in a DuckDB memory limit such as ``4GB``, ``500MiB`` or ``2.5 GB``; None if unset or unknown."""
    if not limit:
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(I?B)?\s*", limit.upper())
    if not match:
        return None
    number, prefix, unit = float(match.group(1)), match.group(2), match.group(3) or "B"
    base = 1024 if unit == "IB" else 1000
    return int(number * base ** " KMGT".index(prefix or " "))


def duckdb_memory_limit(limit: str | None) -> str | None:
    """DuckDB's `memory_limit` for a `--memory-limit`: `DUCKDB_SHARE` of it, in bytes. A value this
    cannot read is passed on as it is, for DuckDB to take or refuse with its own message."""
    size = parse_memory(limit)
    return f"{int(size * DUCKDB_SHARE)}B" if size else limit


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know. Paths are absolute once built.

    Attributes:
        snapshot: Where the OpenAlex snapshot is: a local folder or an fsspec URL.
        data_dir: The lake: cached raw Parquet, published versions, the DuckDB catalog.
        cap: How many citers per work are considered (SPEC §2), ordered by cited_by_count desc.
        damping: d in DataRank = (1 - d)·B + d·N.
        memory_limit: What the process may use (e.g. "4GB"); DuckDB gets `DUCKDB_SHARE` of it and
            spills the rest. None lets DuckDB choose (80% of RAM).
        threads: DuckDB threads; None lets DuckDB choose (all cores).
        engine: Which engine scores: "duckdb" (default) or "spark".
        max_row_drop: The check before publish refuses a version with fewer works than the previous
            one by more than this fraction (0.05 = 5%); 1 turns the check off.
        exports: Ranked tables the export stage writes from the version just published.
        tiers: The top-percent cut-offs of tiers S1–S4 (S5 is the rest), strictly increasing in
            (0, 100]; a work is in S1 when its percentile is at least 100 − tiers[0], and so on.
        spark_master: Where the spark engine runs: `local[N]`, `spark://host:port`, a Spark Connect
            `sc://host:port` URL (also `yarn`, `k8s://…`); None lets Spark decide (spark-submit's
            `--master`, `spark-defaults.conf`, else `local[*]`).
        full_rebuild: Rebuild the core tables from every part file and rescore every work, even
            when the run could extend the last one (new part files only; docs/incremental.md).
    """

    snapshot: str = field(default_factory=default_snapshot)
    data_dir: Path = field(default_factory=default_data_dir)
    cap: int = 200
    damping: float = 0.85
    memory_limit: str | None = None
    threads: int | None = None
    engine: str = "duckdb"
    max_row_drop: float = 0.05
    exports: tuple[ExportSpec, ...] = ()
    tiers: tuple[float, ...] = DEFAULT_TIERS
    spark_master: str | None = None
    full_rebuild: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir).expanduser().resolve())
        if "://" not in self.snapshot:
            object.__setattr__(self, "snapshot", str(Path(self.snapshot).expanduser().resolve()))
        if self.cap < 1:
            raise DataRankError(f"--cap must be at least 1, got {self.cap}")
        if not 0.0 <= self.damping <= 1.0:
            raise DataRankError(f"--damping must be between 0 and 1, got {self.damping}")
        if self.threads is not None and self.threads < 1:
            raise DataRankError(f"--threads must be at least 1, got {self.threads}")
        if self.engine not in ENGINES:
            raise DataRankError(f"--engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        if not 0.0 <= self.max_row_drop <= 1.0:
            raise DataRankError(f"--max-row-drop must be a fraction between 0 and 1, got {self.max_row_drop}")
        object.__setattr__(self, "exports", tuple(self.exports))
        for spec in self.exports:
            if spec.format not in (None, *EXPORT_FORMATS):
                raise DataRankError(f"export {spec.output}: unknown format {spec.format!r}")
        object.__setattr__(self, "tiers", parse_tiers(self.tiers))
        if self.spark_master is not None and not _SPARK_MASTER.match(self.spark_master):
            raise DataRankError(
                f"--spark-master must be local[N], spark://host:port or sc://host:port (also yarn, k8s://…), "
                f"got {self.spark_master!r}"
            )

    @property
    def score_params(self) -> dict[str, float]:
        """The scoring SQL's parameters, for every engine: $cap, $damping, $tier_s1 … $tier_s4."""
        return {"cap": self.cap, "damping": self.damping, **self.tier_params}

    @property
    def tier_params(self) -> dict[str, float]:
        """The cut-offs as the scoring SQL's parameters: $tier_s1 … $tier_s4."""
        return {f"tier_s{number}": cut for number, cut in enumerate(self.tiers, start=1)}

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from `DATARANK_*` environment variables, then explicit overrides (None = unset)."""
        env: dict[str, object] = {}
        if value := os.environ.get("DATARANK_SNAPSHOT"):
            env["snapshot"] = value
        if value := os.environ.get("DATARANK_DATA_DIR"):
            env["data_dir"] = Path(value)
        if value := os.environ.get("DATARANK_MEMORY_LIMIT"):
            env["memory_limit"] = value
        if value := os.environ.get("DATARANK_THREADS"):
            env["threads"] = _int_env("DATARANK_THREADS", value)
        if value := os.environ.get("DATARANK_ENGINE"):
            env["engine"] = value
        if value := os.environ.get("DATARANK_MAX_ROW_DROP"):
            env["max_row_drop"] = _float_env("DATARANK_MAX_ROW_DROP", value)
        if value := os.environ.get("DATARANK_TIERS"):
            env["tiers"] = value
        if value := os.environ.get("DATARANK_SPARK_MASTER"):
            env["spark_master"] = value
        if value := os.environ.get("DATARANK_FULL_REBUILD"):
            env["full_rebuild"] = value.strip().lower() in ("1", "true", "yes")
        env.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**env)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


def _int_env(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise DataRankError(f"{name} must be an integer, got {value!r}") from None


def _float_env(name: str, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise DataRankError(f"{name} must be a number, got {value!r}") from None


def parse_tiers(value: str | tuple[float, ...] | list[float]) -> tuple[float, ...]:
    """Tier cut-offs from `"1,5,10,50"` or a sequence: four top percentages, strictly increasing,
    each in (0, 100]."""
    text = value if isinstance(value, str) else ",".join(str(v) for v in value)
    try:
        cuts = tuple(float(part) for part in text.split(","))
    except ValueError:
        cuts = ()
    if (
        len(cuts) != 4
        or not all(0 < cut <= 100 for cut in cuts)
        or any(later <= earlier for earlier, later in pairwise(cuts))
    ):
        raise DataRankError(
            f"--tiers must be four increasing top percentages in (0, 100] for S1–S4, e.g. 1,5,10,50; got {text!r}"
        )
    return cuts
