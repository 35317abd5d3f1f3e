"""The Spark engine: the same scoring SQL files, run on Apache Spark (`--engine spark`).

There is one source of truth for the metric: `sql/int/` and `sql/out/`, written in DuckDB's dialect.
This module turns each file into Spark SQL with sqlglot at run time, binds `$cap`, `$damping` and the tier cut-offs as
Spark named parameters (validated numbers, never spliced into the text), reads the lake's core
tables, and writes the outputs as Parquet where the DuckDB engine writes them: `scores.parquet` and
`citers.parquet` in the staged version, which check and publish then treat like the DuckDB engine's.
It runs the full mode only (every work scored): a night with `--engine spark` scores every work.

Spark writes a folder of part files per table; the published layout is one file per table, so the
finished folders are compacted into one ZSTD Parquet file by DuckDB (a streaming copy).

Where a construct in the SQL does not transpile or behaves differently in Spark, the SQL itself is
changed to a form both engines run identically (docs/spark.md lists those forms); there is no
second copy of the metric.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import shutil
import subprocess
import sys
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from datarank import DataRankError
from datarank.db import connect, copy_to_parquet, literal, sql_text
from datarank.models import SCORE_MODELS, SCORE_OUTPUTS, for_mode
from datarank.settings import Settings, parse_memory

INSTALL_HINT = "pip install 'datarank[spark]'"
CONNECT_HINT = "pip install 'datarank[spark-connect]'"
JAVA_HINT = (
    "install Java 17 or 21 (Debian/Ubuntu: apt-get install openjdk-17-jre-headless; macOS: brew install "
    "openjdk@17) or set JAVA_HOME to one"
)
#: Spark 4 runs on Java 17 and 21.
MIN_JAVA = 17
_LOG_CONFIG = Path(__file__).resolve().parent / "spark-log4j2.properties"
#: PySpark 4.x warns about pandas 3 when Spark Connect loads pandas; nothing we call is affected.
_PANDAS_3_WARNING = r"PySpark does not yet fully support pandas >= 3\.0\.0"
#: With `--engine spark` in local mode the limit is split while the driver JVM is up: its heap gets
#: SPARK_HEAP_SHARE (the JVM adds its own overhead above the heap), and the DuckDB connection that
#: compacts Spark's output meanwhile is given SPARK_COMPACT_SHARE of the limit. Measured at 4x
#: with `--memory-limit 2GB` (benchmarks/README.md): with the whole limit as heap and DuckDB's
#: usual share, the process tree peaked at 2.53e9 bytes (JVM 1.91e9 + Python 0.62e9), over the
#: limit + 450 MB.
SPARK_HEAP_SHARE = 0.6
SPARK_COMPACT_SHARE = 0.25


@dataclass(frozen=True)
class SparkStatement:
    """One scoring SQL file in Spark's dialect.

    Attributes:
        text: The Spark SQL; DuckDB's `$name` parameters are Spark's `:name` markers in it.
        parameters: The names of those parameters, read from the parsed statement.
    """

    text: str
    parameters: frozenset[str]


def spark_sql(step: str) -> SparkStatement:
    """`sql/<step>.sql`, transpiled from DuckDB's dialect to Spark's by sqlglot.

    Raises:
        DataRankError: sqlglot cannot express part of the statement in Spark SQL (the statement
            should then be rewritten in a form both engines run).
    """
    return transpile(sql_text(step))


@cache
def transpile(text: str) -> SparkStatement:
    """DuckDB SQL → Spark SQL; anything sqlglot cannot carry over is an error, never a warning."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ErrorLevel, SqlglotError

    try:
        trees = sqlglot.parse(text, read="duckdb")
        if len(trees) != 1 or trees[0] is None:
            raise DataRankError(f"a scoring SQL file must hold one statement, found {len(trees)}")
        tree = trees[0]
        if tree.find(exp.Qualify):
            # sqlglot rewrites QUALIFY into a subquery whose helper column leaks through `select *`.
            raise DataRankError("scoring SQL must not use QUALIFY (Spark has none): filter the window in a subquery")
        # sqlglot writes list_has_any (ArrayOverlaps) as `a && b`, which Spark cannot parse; Spark's
        # name for it is arrays_overlap.
        tree = tree.transform(
            lambda node: exp.Anonymous(this="ARRAYS_OVERLAP", expressions=[node.this, node.expression])
            if isinstance(node, exp.ArrayOverlaps) else node
        )
        spark_text = tree.sql(dialect="spark", unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as error:
        raise DataRankError(f"scoring SQL does not transpile to Spark SQL: {str(error).splitlines()[0]}") from None
    names = frozenset(node.name for node in tree.find_all(exp.Placeholder))
    return SparkStatement(text=spark_text, parameters=names)


#: The parameters that are text, each with the only form its value may take: the core corpus's
#: types (`,article,review,` or '', datarank.settings.CoreCorpus).
TEXT_PARAMETERS = {"core_types": re.compile(r"^(,([a-z][a-z0-9-]*,)+)?$")}


def spark_params(statement: SparkStatement, params: dict[str, Any]) -> dict[str, int | float | str]:
    """The parameters the statement names, checked to be plain finite numbers (or, for the few
    `TEXT_PARAMETERS`, text of their one form).

    They travel as Spark named parameters, typed by Python (int → INT, float → DOUBLE, str →
    STRING, as the DuckDB engine binds them), never as SQL text.
    """
    missing = statement.parameters - set(params)
    if missing:
        raise DataRankError(f"scoring SQL needs parameter(s) {', '.join(sorted(missing))}, which were not given")
    used: dict[str, int | float | str] = {}
    for name in sorted(statement.parameters):
        value = params[name]
        if name in TEXT_PARAMETERS:
            if not isinstance(value, str) or not TEXT_PARAMETERS[name].match(value):
                raise DataRankError(f"parameter {name} must be text of the form ',a,b,', got {value!r}")
            used[name] = value
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DataRankError(f"parameter {name} must be a number, got {value!r}")
        if isinstance(value, float) and not math.isfinite(value):
            raise DataRankError(f"parameter {name} must be finite, got {value!r}")
        used[name] = value
    return used


class SparkEngine:
    """Scores on Spark: the score stage's full-mode models (every work), the same SQL transpiled."""

    modes = ("full",)

    def score(self, settings: Settings, mode: str, sources: dict[str, Path], staged: Path) -> dict[str, int]:
        """Run the score stage's models on Spark over `sources`; write the outputs into `staged`.

        Every table or output model is written to Parquet and read back before the next one uses
        it, so Spark never recomputes a step (the DuckDB engine keeps its steps as tables instead);
        Spark's folders are removed once the published outputs are compacted into the staged version.
        """
        assert mode in self.modes, f"the spark engine scores every work, not {mode}"
        work = staged / "intermediate"
        params = settings.score_params
        try:
            spark = spark_session(settings)
            _keep_two_stage_top_k(spark, settings.cap)
            for name, path in sources.items():
                spark.read.parquet(_uri(path)).createOrReplaceTempView(name)
            for model in for_mode(SCORE_MODELS, mode):
                statement = spark_sql(model.sql(mode))
                frame = spark.sql(statement.text, args=spark_params(statement, params))
                if model.materialized == "view":
                    frame.createOrReplaceTempView(model.name)
                    continue
                frame.write.mode("overwrite").option("compression", "zstd").parquet(_uri(work / model.name))
                spark.read.parquet(_uri(work / model.name)).createOrReplaceTempView(model.name)
            return _compact(settings, work, staged, SCORE_OUTPUTS)
        except Exception as error:
            if isinstance(error, DataRankError) or not _is_spark_error(error):
                raise
            raise DataRankError(f"the spark engine failed: {_first_line(error)}") from error
        finally:
            shutil.rmtree(work, ignore_errors=True)


def spark_session(settings: Settings) -> Any:
    """The SparkSession to score with: an existing one if this process has it, else a new one.

    `sc://` masters get a Spark Connect session (no local JVM); every other master starts a local
    driver JVM, so Java must be there. In local mode Spark's scratch files go under the data dir
    (like DuckDB's spill files) and `--memory-limit` becomes the driver's heap.
    """
    pyspark = _import_pyspark()
    from pyspark.sql import SparkSession

    master = settings.spark_master
    if master and master.startswith("sc://"):
        # Where the process's __main__ has no file (`python -c`, an embedding host, a pytest-xdist
        # worker) PySpark takes itself to be running its doctests when a client library is missing:
        # it prints "Skipping doctests" and calls sys.exit(0) instead of raising ImportError. A run
        # that stopped there would end "successfully" having done nothing; it fails here with the one
        # line below, and PySpark's stderr is passed on only when it did not exit.
        said, exited = io.StringIO(), False
        try:
            with warnings.catch_warnings(), contextlib.redirect_stderr(said):
                warnings.filterwarnings("ignore", message=_PANDAS_3_WARNING, category=FutureWarning)
                # create(), not getOrCreate(): a classic session already active in this process would
                # otherwise be handed back, and the run would score locally instead of on the server.
                return SparkSession.builder.remote(master).appName("datarank").create()
        except (ImportError, SystemExit) as error:
            exited = isinstance(error, SystemExit)
            raise DataRankError(
                f"Spark Connect ({master}) needs its client libraries ({_connect_missing(error)}): {CONNECT_HINT}"
            ) from None
        finally:
            if not exited:
                sys.stderr.write(said.getvalue())
    # Under spark-submit the JVM is already up with spark-submit's --master and --conf: only a run
    # that starts its own driver checks Java and gets the local settings.
    under_spark_submit = "PYSPARK_GATEWAY_PORT" in os.environ
    if not under_spark_submit and getattr(pyspark.SparkContext, "_active_spark_context", None) is None:
        find_java()
    builder = SparkSession.builder.appName("datarank").config("spark.ui.showConsoleProgress", "false")
    if master:
        builder = builder.master(master)
    if (master or "").startswith("local") or (master is None and not under_spark_submit):
        scratch = settings.data_dir / "tmp" / "spark"
        scratch.mkdir(parents=True, exist_ok=True)
        builder = builder.config("spark.local.dir", str(scratch))
        if settings.memory_limit:
            builder = builder.config("spark.driver.memory", spark_memory(settings.memory_limit))
    if not under_spark_submit and not _user_log_config():
        builder = builder.config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={_LOG_CONFIG.as_uri()}")
    return builder.getOrCreate()


def find_java() -> Path:
    """The `java` Spark will start (JAVA_HOME's, else the one on PATH), checked to be 17 or newer.

    Raises:
        DataRankError: no Java, or one too old for Spark 4; the message says how to get one.
    """
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        java = Path(java_home) / "bin" / "java"
        if not java.is_file():
            raise DataRankError(f"the spark engine needs Java, and JAVA_HOME={java_home} has no bin/java: {JAVA_HINT}")
    else:
        found = shutil.which("java")
        if found is None:
            raise DataRankError(f"the spark engine needs Java, and none is on PATH: {JAVA_HINT}")
        java = Path(found)
    try:
        process = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=60, check=False)
    except OSError as error:
        raise DataRankError(f"the spark engine cannot run {java} ({error}): {JAVA_HINT}") from None
    version = java_major_version(process.stderr + process.stdout)
    if version is None:
        raise DataRankError(f"the spark engine cannot tell which Java {java} is: {JAVA_HINT}")
    if version < MIN_JAVA:
        raise DataRankError(f"the spark engine needs Java {MIN_JAVA} or newer, {java} is Java {version}: {JAVA_HINT}")
    return java


def java_major_version(version_output: str) -> int | None:
    """17 from `openjdk version "17.0.15" …`, 8 from `java version "1.8.0_402"`."""
    match = re.search(r'version "(\d+)(?:\.(\d+))?', version_output)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def spark_memory(memory_limit: str) -> str:
    """The local driver's heap for a `--memory-limit` (read as DuckDB reads it: `4GB` is 4e9
    bytes, `4GiB` 2^32): `SPARK_HEAP_SHARE` of it, as a JVM size (`2288m`)."""
    size = parse_memory(memory_limit)
    if size is None:
        raise DataRankError(f"--memory-limit {memory_limit!r} is not a size the spark engine understands (e.g. 4GB)")
    mebibytes = int(size * SPARK_HEAP_SHARE) >> 20
    if mebibytes < 1:
        raise DataRankError(f"--memory-limit {memory_limit!r} is too small for the spark engine")
    return f"{mebibytes}m"


def _keep_two_stage_top_k(spark: Any, cap: int) -> None:
    """Spark plans `row_number() … <= cap` as a per-map-task top-k before the shuffle (so a work
    with 400,000 citers sends at most `cap` rows per task), but only while cap is at most
    `spark.sql.optimizer.windowGroupLimitThreshold` (1000 by default): raise it for larger caps."""
    key = "spark.sql.optimizer.windowGroupLimitThreshold"
    current = int(spark.conf.get(key, "1000"))
    if 0 <= current < cap:
        spark.conf.set(key, str(cap))


def _compact(settings: Settings, work: Path, staged: Path, outputs: dict[str, str]) -> dict[str, int]:
    """Spark's part-file folders → one ZSTD Parquet file per published table, and their row counts."""
    counts: dict[str, int] = {}
    # A local driver JVM is still up (a process keeps its session): DuckDB gets what its heap
    # leaves (a streaming copy needs little; with a remote master this is only conservative).
    size = parse_memory(settings.memory_limit)
    connection = connect(settings.with_(memory_limit=f"{int(size * SPARK_COMPACT_SHARE)}B") if size else settings)
    try:
        for published, step in outputs.items():
            parts = sorted((work / step).glob("*.parquet"))
            if not parts:
                raise DataRankError(f"internal error: Spark wrote no Parquet part files for {step}")
            files = ", ".join(literal(str(p)) for p in parts)
            order = next((m.order_by for m in SCORE_MODELS if m.name == step and m.order_by), None)
            query = f"select * from read_parquet([{files}])" + (f" order by {order}" if order else "")
            copy_to_parquet(connection, query, staged / f"{published}.parquet")
            counts[published] = connection.execute(
                f"select count(*) from read_parquet({literal(str(staged / f'{published}.parquet'))})"
            ).fetchall()[0][0]
    finally:
        connection.close()
    return counts


def _import_pyspark() -> Any:
    try:
        import pyspark
        import sqlglot  # noqa: F401 - the transpiler comes with the same extra
    except ImportError:
        raise DataRankError(f"the spark engine needs PySpark and sqlglot, which are not installed: {INSTALL_HINT}") from None
    major = int(pyspark.__version__.split(".")[0])
    if major < 4:
        raise DataRankError(f"the spark engine needs PySpark 4 or newer, found {pyspark.__version__}: {INSTALL_HINT}")
    return pyspark


def _user_log_config() -> bool:
    """Whether the user configured Spark's logging themselves (then we leave it alone)."""
    conf_dir = os.environ.get("SPARK_CONF_DIR")
    return bool(conf_dir) and (Path(conf_dir) / "log4j2.properties").is_file()


def _is_spark_error(error: Exception) -> bool:
    return type(error).__module__.startswith(("pyspark", "py4j"))


def _uri(path: Path) -> str:
    """An explicit `file://` URI: a bare path would mean HDFS on a cluster whose default FS is HDFS."""
    return path.resolve().as_uri()


def _connect_missing(error: BaseException) -> str:
    """What Spark Connect's client lacks: the ImportError's first line, or, where PySpark exited
    instead of raising, PySpark's own statement of the missing requirement."""
    if isinstance(error, ImportError):
        return _first_line(error)
    from pyspark.testing.utils import connect_requirement_message

    return (connect_requirement_message or "a client library is missing").splitlines()[0]


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
