"""One settings object for every stage: paths, metric parameters and DuckDB limits.

Built lazily from arguments and environment variables (never at import time), so tests and the
Prefect flow can construct their own.
"""

from __future__ import annotations

import os
import re
from dataclasses import MISSING, dataclass, field, fields, replace
from itertools import pairwise
from pathlib import Path

from datarank import UsageError

_PACKAGE = Path(__file__).resolve().parent
#: Repository root when running from a source checkout (editable install); the sample lives there.
_REPO_ROOT = _PACKAGE.parent
#: Where a wheel carries the sample (pyproject.toml force-includes data/sample there).
_PACKAGED_SAMPLE = _PACKAGE / "data" / "sample"

ENGINES = ("duckdb", "spark")
EXPORT_FORMATS = ("csv", "parquet", "json")
#: The ranked tables an export can write: works (`scores`), authors (`researchers`), and the units
#: of docs/units.md.
EXPORT_TABLES = ("scores", "researchers", "institutions", "sources", "countries", "fields")
#: The units' leaderboards (docs/units.md), each a published table of that name.
UNIT_TABLES = ("institutions", "sources", "countries", "fields")


@dataclass(frozen=True)
class ExportSpec:
    """One ranked table to write (`datarank export`'s options, and each of the Prefect flows'
    `exports`; Prefect validates them from this declaration).

    Attributes:
        output: Where to write: a file, `-` (standard output) or an fsspec URL (`s3://bucket/top.csv`);
            for the nightly's exports a relative path is taken under `<data_dir>/exports/`
            (`datarank export` passes an absolute path).
        format: csv, parquet or json (JSON Lines); None = from the file extension.
        top: Only the N best-ranked works (after the filters).
        year: Only works published in this year (scores only).
        type: Only works of this type (scores only).
        field: Only works of this OpenAlex field of their primary topic: its id (`18`, `fields/18`)
            or its name, any case (scores only; docs/standing.md).
        subfield: Only works of this OpenAlex subfield: its id (`1804`, `subfields/1804`) or its
            name, any case (scores only).
        table: Which ranked table: `scores` (one row per work, the default), `researchers` (one
            row per author), or a unit's: `institutions`, `sources`, `countries`,
            `fields` (docs/units.md).
        descriptor: For csv and json, write or update `datapackage.json` beside the file (its
            provenance and column schema); a Parquet export carries them in its metadata.
    """

    output: str
    format: str | None = None
    top: int | None = None
    year: int | None = None
    type: str | None = None
    field: str | None = None
    subfield: str | None = None
    table: str = "scores"
    descriptor: bool = True

    def destination(self, data_dir: Path) -> str:
        """`output` as written to: a URL or `-` as it is, a relative path under `<data_dir>/exports/`."""
        if self.output == "-" or "://" in self.output:
            return self.output
        output = Path(self.output).expanduser()
        return str(output if output.is_absolute() else data_dir / "exports" / output)


#: Tier cut-offs as top percentages: theSindex's equal quintiles, S1 = top 20%, S2 = top 40%, S3 = top
#: 60%, S4 = top 80%, S5 = the rest (by percentile; works with DataRank 0 are "unranked"). See
#: docs/metric.md; `--tiers 1,5,10,50` gives finer tiers at the top.
DEFAULT_TIERS = (20.0, 40.0, 60.0, 80.0)

#: Which works count for institutions, sources, countries and fields (docs/units.md, Core corpus):
#: every work but paratext and retracted works.
DEFAULT_CORE_CORPUS = "no-paratext,no-retracted"
_CORPUS_TYPE = re.compile(r"^type:([a-z][a-z0-9-]*)$")


#: Spark master URLs we accept: local, local[N], local[*], local[N,F], spark://…, sc://…, yarn, k8s://….
_SPARK_MASTER = re.compile(r"^(local(\[(\*|[1-9][0-9]*)(,[0-9]+)?\])?|(spark|sc|k8s)://\S+|yarn)$")


def default_snapshot() -> str:
    """The small real-record sample shipped with DataRank (legacy OpenAlex layout): inside the
    package when installed from a wheel, `data/sample` of a source checkout otherwise."""
    for folder in (_PACKAGED_SAMPLE, _REPO_ROOT / "data" / "sample"):
        if (folder / "data").is_dir():
            return str(folder)
    return str(_PACKAGED_SAMPLE)


def default_fair_weights() -> Path:
    """The weights fair_v1 is defined with, shipped with the package (docs/fair.md)."""
    return Path(__file__).resolve().parent / "fair_v1.toml"


def default_data_dir() -> Path:
    """The user's data folder, the same from any working folder and outside the package:
    `$XDG_DATA_HOME/datarank` (`~/.local/share/datarank`) on Linux, `~/Library/Application
    Support/datarank` on macOS, `%LOCALAPPDATA%\\datarank` on Windows. `DATARANK_DATA_DIR` or
    `--data-dir` choose another (a nightly deployment names its own)."""
    from platformdirs import user_data_path

    return user_data_path("datarank", appauthor=False)


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


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know. Paths are absolute once built.

    Attributes:
        snapshot: Where the OpenAlex snapshot is: a local folder or an fsspec URL.
        data_dir: The lake: cached raw Parquet, published versions, the DuckDB catalog.
        cap: How many citers per work are considered (SPEC §2), ordered by cited_by_count desc.
        damping: d in DataRank = (1 - d)·B + d·N.
        memory_limit: What the process may use (e.g. "4GB"); DuckDB gets `datarank.db.DUCKDB_SHARE` of it and
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
        keep: After publishing, keep this many newest versions and remove the others (`datarank
            prune`); None keeps every version.
        keep_days: With `keep`, also keep every version published in the last this many days.
        abstracts: Keep each work's abstract (rebuilt from abstract_inverted_index) for `explain`
            and the report's paper pages. Off, the abstract is never parsed and nothing is stored;
            turning it on or off makes the next ingest read every part file again.
        fair_weights: The weights file of the calibrated FAIR score (docs/fair.md); the default
            is fair_v1's, shipped with the package.
        core_corpus: Which works count for the units (institutions, sources, countries, fields):
            comma-separated terms `no-paratext`, `no-retracted` and `type:T` (only works of the
            listed types), or `all` (docs/units.md, Core corpus); kept in its canonical spelling.
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
    keep: int | None = None
    keep_days: float | None = None
    abstracts: bool = False
    fair_weights: Path = field(default_factory=default_fair_weights)
    core_corpus: str = DEFAULT_CORE_CORPUS

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir).expanduser().resolve())
        object.__setattr__(self, "fair_weights", Path(self.fair_weights).expanduser().resolve())
        if "://" not in self.snapshot:
            object.__setattr__(self, "snapshot", str(Path(self.snapshot).expanduser().resolve()))
        if self.cap < 1:
            raise UsageError(f"--cap must be at least 1, got {self.cap}")
        if not 0.0 <= self.damping <= 1.0:
            raise UsageError(f"--damping must be between 0 and 1, got {self.damping}")
        if self.threads is not None and self.threads < 1:
            raise UsageError(f"--threads must be at least 1, got {self.threads}")
        if self.engine not in ENGINES:
            raise UsageError(f"--engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        if not 0.0 <= self.max_row_drop <= 1.0:
            raise UsageError(f"--max-row-drop must be a fraction between 0 and 1, got {self.max_row_drop}")
        object.__setattr__(self, "exports", tuple(self.exports))
        for spec in self.exports:
            if spec.format not in (None, *EXPORT_FORMATS):
                raise UsageError(f"export {spec.output}: unknown format {spec.format!r}")
            if spec.table not in EXPORT_TABLES:
                raise UsageError(f"export {spec.output}: unknown table {spec.table!r}; use {' or '.join(EXPORT_TABLES)}")
        if self.keep is not None and self.keep < 1:
            raise UsageError(f"--keep must be at least 1 (the current version is always kept), got {self.keep}")
        if self.keep_days is not None and self.keep_days < 0:
            raise UsageError(f"--keep-days must not be negative, got {self.keep_days}")
        object.__setattr__(self, "tiers", parse_tiers(self.tiers))
        object.__setattr__(self, "core_corpus", CoreCorpus.parse(self.core_corpus).text)
        if self.spark_master is not None and not _SPARK_MASTER.match(self.spark_master):
            raise UsageError(
                f"--spark-master must be local[N], spark://host:port or sc://host:port (also yarn, k8s://…), "
                f"got {self.spark_master!r}"
            )

    @property
    def score_params(self) -> dict[str, float]:
        """The scoring SQL's parameters, for every engine: $cap, $damping, $tier_s1 … $tier_s4,
        fair_v1's weights ($fair_f_doi …, read from `fair_weights`) and the core corpus
        ($core_paratext, $core_retracted, $core_types)."""
        from datarank.fair import load_weights

        return {"cap": self.cap, "damping": self.damping, **self.tier_params, **load_weights(self.fair_weights).params,
                **CoreCorpus.parse(self.core_corpus).params}

    @property
    def tier_params(self) -> dict[str, float]:
        """The cut-offs as the scoring SQL's parameters: $tier_s1 … $tier_s4."""
        return {f"tier_s{number}": cut for number, cut in enumerate(self.tiers, start=1)}

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from `DATARANK_*` environment variables (`SETTINGS`), then explicit overrides
        (None = unset)."""
        env: dict[str, object] = {}
        for setting in SETTINGS:
            raw = os.environ.get(setting.env) if setting.env else None
            if raw:
                env[setting.name] = setting.parse(raw)
        env.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**env)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


def parse_tiers(value: str | tuple[float, ...] | list[float]) -> tuple[float, ...]:
    """Tier cut-offs from `"20,40,60,80"` or a sequence: four top percentages, strictly increasing,
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
        raise UsageError(
            f"--tiers must be four increasing top percentages in (0, 100] for S1–S4, e.g. 20,40,60,80; got {text!r}"
        )
    return cuts


@dataclass(frozen=True)
class CoreCorpus:
    """Which works count for the units' leaderboards (docs/units.md, Core corpus).

    Attributes:
        paratext: Paratext counts (is_paratext true or type paratext); `no-paratext` leaves it out.
        retracted: Retracted works count; `no-retracted` leaves them out.
        types: Only works of these types count (lower-case OpenAlex types); empty = every type.
    """

    paratext: bool = True
    retracted: bool = True
    types: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> CoreCorpus:
        """`no-paratext,no-retracted,type:article,type:review`, or `all` (also an empty text):
        every work."""
        terms = [term.strip().lower() for term in text.split(",") if term.strip()]
        if terms == ["all"]:
            return cls()
        paratext, retracted, types = True, True, set()
        for term in terms:
            match = _CORPUS_TYPE.match(term)
            if term == "no-paratext":
                paratext = False
            elif term == "no-retracted":
                retracted = False
            elif match:
                types.add(match.group(1))
            else:
                raise UsageError(
                    f"--core-corpus: unknown term {term!r}; give all, or comma-separated no-paratext, no-retracted "
                    "and type:T (e.g. no-paratext,no-retracted,type:article,type:review)"
                )
        return cls(paratext, retracted, tuple(sorted(types)))

    @property
    def text(self) -> str:
        """The canonical spelling: `no-paratext`, `no-retracted`, then the types in order; `all`."""
        terms = [*(["no-paratext"] if not self.paratext else []), *(["no-retracted"] if not self.retracted else []),
                 *(f"type:{name}" for name in self.types)]
        return ",".join(terms) or "all"

    @property
    def params(self) -> dict[str, int | str]:
        """The SQL's parameters: $core_paratext and $core_retracted (1 = they count), $core_types
        (`,article,review,`, or '' for every type)."""
        return {"core_paratext": int(self.paratext), "core_retracted": int(self.retracted),
                "core_types": f",{','.join(self.types)}," if self.types else ""}


def _parse_bool(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes")


@dataclass(frozen=True)
class Setting:
    """One setting, declared once: the `Settings` field, its type, its environment variable and its
    help. The command line's options, `Settings.from_env` and the Prefect flows' parameters are
    made from these declarations.

    Attributes:
        name: The `Settings` field (the option is `--name-with-dashes`, the flow parameter `name`).
        type: int, float, str, bool or Path; what the environment's text is turned into.
        env: The environment variable read by `Settings.from_env` and the command line, if any.
        help: The option's help text (the default is shown from `Settings`).
        group: Which commands take it: snapshot, lake, metric, engine, check, build, retention, limits.
        choices: The allowed values, where there is a fixed list.
    """

    name: str
    type: type
    env: str | None
    help: str
    group: str
    choices: tuple[str, ...] | None = None

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    def parse(self, text: str) -> object:
        """The value of an environment variable's text; one clear line when it is not one."""
        if self.type is bool:
            return _parse_bool(text)
        if self.type is Path:
            return Path(text)
        if self.type in (int, float):
            try:
                return self.type(text)
            except ValueError:
                kind = "an integer" if self.type is int else "a number"
                raise UsageError(f"{self.env} must be {kind}, got {text!r}") from None
        return text

    @property
    def default(self) -> object:
        """The `Settings` default (computed for paths, so it is where this machine would put them)."""
        found = {f.name: f for f in fields(Settings)}[self.name]
        return found.default_factory() if found.default_factory is not MISSING else found.default  # type: ignore[misc]


#: Every setting a user can give, in the order `--help` lists them.
SETTINGS: tuple[Setting, ...] = (
    Setting("snapshot", str, "DATARANK_SNAPSHOT",
            "OpenAlex snapshot: a folder or fsspec URL (default: the sample shipped with the package).", "snapshot"),
    Setting("data_dir", Path, "DATARANK_DATA_DIR",
            "The lake: raw cache, core tables, published versions, the DuckDB catalog (default: the user's "
            "data folder, ~/.local/share/datarank on Linux).", "lake"),
    Setting("cap", int, None, "Citers considered per work, by their cited_by_count (default 200).", "metric"),
    Setting("damping", float, None, "d in DataRank = (1-d)·B + d·N (default 0.85).", "metric"),
    Setting("tiers", str, "DATARANK_TIERS",
            "Top-percent cut-offs of tiers S1–S4 by percentile (default 20,40,60,80: theSindex's quintiles; "
            "1,5,10,50 gives finer tiers at the top).", "metric"),
    Setting("engine", str, "DATARANK_ENGINE",
            "Scoring engine (default duckdb). spark needs `pip install 'datarank[spark]'`.", "engine", ENGINES),
    Setting("spark_master", str, "DATARANK_SPARK_MASTER",
            "Where --engine spark runs: local[N], spark://host:port or Spark Connect sc://host:port "
            "(default: spark-submit's --master, else local[*]).", "engine"),
    Setting("max_row_drop", float, "DATARANK_MAX_ROW_DROP",
            "Refuse to publish a version with more than this fraction fewer works than the previous one "
            "(default 0.05; 1 turns the check off).", "check"),
    Setting("abstracts", bool, "DATARANK_ABSTRACTS",
            "Keep each work's abstract for explain and the report (off by default: never parsed, nothing "
            "stored; switching reads every part file again).", "snapshot"),
    Setting("fair_weights", Path, "DATARANK_FAIR_WEIGHTS",
            "The weights file of the calibrated FAIR score (default: fair_v1's, shipped with the package; "
            "docs/fair.md).", "metric"),
    Setting("core_corpus", str, "DATARANK_CORE_CORPUS",
            "Which works count for the institutions, sources, countries and fields: comma-separated "
            "no-paratext, no-retracted and type:T (only those types), or all (default no-paratext,no-retracted; "
            "docs/units.md).", "metric"),
    Setting("full_rebuild", bool, "DATARANK_FULL_REBUILD",
            "Rebuild the core tables from every part file and rescore every work, even when only new part "
            "files arrived (docs/incremental.md).", "build"),
    Setting("keep", int, "DATARANK_KEEP",
            "Keep this many newest published versions (and `current`) and remove older ones with the lake "
            "files only they use; run and compute prune after publishing (default: keep every version; "
            "the nightly deployment keeps 7).", "retention"),
    Setting("keep_days", float, "DATARANK_KEEP_DAYS",
            "With --keep, also keep every version published in the last this many days.", "retention"),
    Setting("memory_limit", str, "DATARANK_MEMORY_LIMIT",
            "Memory the run may use, e.g. 4GB; DuckDB gets 90% of it and spills the rest to disk.", "limits"),
    Setting("threads", int, "DATARANK_THREADS", "DuckDB threads (default: all cores).", "limits"),
)


def setting(name: str) -> Setting:
    """The declaration of one setting."""
    return next(s for s in SETTINGS if s.name == name)
