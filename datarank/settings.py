"""One settings object for every stage: paths, metric parameters and DuckDB limits.

Built lazily from arguments and environment variables (never at import time), so tests and the
Prefect flow can construct their own.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from datarank import DataRankError

#: Repository root when running from a source checkout (editable install); the sample lives there.
_REPO_ROOT = Path(__file__).resolve().parent.parent

ENGINES = ("duckdb", "spark")
#: Spark master URLs we accept: local, local[N], local[*], local[N,F], spark://…, sc://…, yarn, k8s://….
_SPARK_MASTER = re.compile(r"^(local(\[(\*|[1-9][0-9]*)(,[0-9]+)?\])?|(spark|sc|k8s)://\S+|yarn)$")


def default_snapshot() -> str:
    """The small real-record sample shipped in `data/sample` (legacy OpenAlex layout)."""
    return str(_REPO_ROOT / "data" / "sample")


def default_data_dir() -> Path:
    """A git-ignored folder beside the sample; `DATARANK_DATA_DIR` overrides it."""
    return _REPO_ROOT / "data" / "out"


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know. Paths are absolute once built.

    Attributes:
        snapshot: Where the OpenAlex snapshot is: a local folder or an fsspec URL.
        data_dir: The lake: cached raw Parquet, published versions, the DuckDB catalog.
        cap: How many citers per work are considered (SPEC §2), ordered by cited_by_count desc.
        damping: d in DataRank = (1 - d)·B + d·N.
        memory_limit: DuckDB `memory_limit` (e.g. "4GB"); None lets DuckDB choose (80% of RAM).
        threads: DuckDB threads; None lets DuckDB choose (all cores).
        engine: Which engine scores: "duckdb" (default) or "spark".
        spark_master: Where the spark engine runs: `local[N]`, `spark://host:port`, a Spark Connect
            `sc://host:port` URL (also `yarn`, `k8s://…`); None lets Spark decide (spark-submit's
            `--master`, `spark-defaults.conf`, else `local[*]`).
    """

    snapshot: str = field(default_factory=default_snapshot)
    data_dir: Path = field(default_factory=default_data_dir)
    cap: int = 200
    damping: float = 0.85
    memory_limit: str | None = None
    threads: int | None = None
    engine: str = "duckdb"
    spark_master: str | None = None

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
        if self.spark_master is not None and not _SPARK_MASTER.match(self.spark_master):
            raise DataRankError(
                f"--spark-master must be local[N], spark://host:port or sc://host:port (also yarn, k8s://…), "
                f"got {self.spark_master!r}"
            )

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
        if value := os.environ.get("DATARANK_SPARK_MASTER"):
            env["spark_master"] = value
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
