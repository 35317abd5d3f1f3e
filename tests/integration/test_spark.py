"""`--engine spark` publishes what the DuckDB engine publishes, from the same SQL files.

Spark runs in local mode on 2 cores, one session for the whole test run. The oracle for the Spark
engine is the DuckDB engine on the same ingest: every column of every work must match (floats to a
relative 1e-9: no two engines add floats in the same order, and Java's `ln` may differ from glibc's
in the last bit; counts, ranks, ids and flags exactly). The fixtures are checked to reach the cases
where engines could part: ties at the cap, self-citations, cap-bound works, works with equal
DataRanks.

Without the `spark` extra these tests skip, except where DATARANK_REQUIRE_SPARK=1 (as in .ci/run),
where a missing PySpark or sqlglot fails them.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
from click.testing import CliRunner

from datarank import DataRankError
from datarank.cli import main
from datarank.db import sql_dir
from datarank.settings import Settings
from tests.factory.corners import write_corners_snapshot


def _require(module: str) -> None:
    if os.environ.get("DATARANK_REQUIRE_SPARK") == "1":
        __import__(module)  # fails the test: CI promised the spark extra
    else:
        pytest.importorskip(module, reason=f"{module} not installed (pip install 'datarank[spark]')")


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


# ---------------------------------------------------------------- the SQL, transpiled
#: What each scoring file Spark runs (the full mode's) takes as parameters, by hand from the files'
#: header comments.
EXPECTED_PARAMETERS = {
    "int_datarank__work_signal": set(),
    "int_datarank__scored_citations": set(),
    "int_datarank__capped_citers": {"cap"},
    "int_datarank__considered_citers": {"damping"},
    "int_datarank__scored_network": set(),
    "int_datarank__network": set(),
    "out_datarank__scores": {"cap", "damping", "tier_s1", "tier_s2", "tier_s3", "tier_s4"},
    "out_datarank__citers": set(),
    "out_datarank__researchers": {"damping"},
    "int_datarank__unit_works": {"damping", "core_paratext", "core_retracted", "core_types"},
    "int_datarank__unit_links": set(),
    "int_datarank__unit_totals": set(),
    "out_datarank__institutions": set(),
    "out_datarank__openalex_agreement": set(),
    "out_datarank__sources": set(),
    "out_datarank__countries": set(),
    "out_datarank__fields": set(),
    "int_fair__linked_datasets": set(),
    "int_fair__dimensions": {
        f"fair_{name}" for name in (
            "f_doi", "f_pubmed_id", "f_indexed_in_each", "f_indexed_in_max", "f_in_repository", "f_any_orcid",
            "a_open_access", "a_repository_fulltext", "a_oa_pdf", "a_oa_version", "i_linked_datasets", "i_datacite",
            "i_references", "i_mesh", "i_ror", "i_funding", "r_licence_open", "r_licence_restricted",
            "r_licence_other_oa", "r_licence_publisher", "r_version_history", "r_all_orcid", "r_funding",
            "r_corresponding",
        )
    },
    "int_fair__scores": set(),
    "out_fair__validation": set(),
}


def test_every_scoring_sql_file_transpiles() -> None:
    _require("sqlglot")
    import sqlglot

    from datarank.engines.spark import spark_sql
    from datarank.models import FULL, SCORE_MODELS, for_mode

    files = sorted(
        p for folder in ("int", "out", "fair") for p in (sql_dir() / folder).glob("*.sql")
        if not p.name.endswith(".incremental.sql")
    )
    assert {p.stem for p in files} == set(EXPECTED_PARAMETERS)
    assert {model.name for model in for_mode(SCORE_MODELS, FULL)} == set(EXPECTED_PARAMETERS)
    for path in files:
        statement = spark_sql(f"{path.parent.name}/{path.stem}")
        assert statement.parameters == EXPECTED_PARAMETERS[path.stem], path.name
        # What sqlglot wrote must read back as one Spark statement with the same parameters.
        reparsed = sqlglot.parse(statement.text, read="spark")
        assert len(reparsed) == 1, path.name
        names = {node.name for node in reparsed[0].find_all(sqlglot.exp.Placeholder)}
        assert names == EXPECTED_PARAMETERS[path.stem], path.name


def test_a_construct_spark_cannot_run_is_an_error_not_a_warning() -> None:
    _require("sqlglot")
    from datarank.engines.spark import transpile

    # sqlglot would turn QUALIFY into a subquery that leaks its helper column through `select *`.
    with pytest.raises(DataRankError, match="must not use QUALIFY"):
        transpile("select * from t qualify row_number() over (partition by a order by b) <= $cap")
    # What sqlglot cannot write in Spark's dialect is an error too, not a logged warning.
    with pytest.raises(DataRankError, match="does not transpile to Spark SQL: READ_PARQUET with multiple"):
        transpile("select * from read_parquet(['a.parquet', 'b.parquet'], union_by_name = true)")


def test_parameters_are_numbers_bound_by_spark_never_text() -> None:
    """Numbers, or for the core corpus's types, text of its one form (still bound, never spliced)."""
    _require("sqlglot")
    from datarank.engines.spark import spark_params, transpile

    statement = transpile("select * from t where n <= $cap and d = $damping")
    assert ":cap" in statement.text and "200" not in statement.text
    assert spark_params(statement, {"cap": 200, "damping": 0.85, "unused": "x"}) == {"cap": 200, "damping": 0.85}
    for bad in ({"cap": "200; drop table t", "damping": 0.85}, {"cap": True, "damping": 0.85},
                {"cap": 200, "damping": float("nan")}, {"cap": 200}):
        with pytest.raises(DataRankError):
            spark_params(statement, bad)
    typed = transpile("select * from t where $core_types = '' or strpos($core_types, type) > 0")
    assert spark_params(typed, {"core_types": ",article,review,"}) == {"core_types": ",article,review,"}
    assert spark_params(typed, {"core_types": ""}) == {"core_types": ""}
    for bad_text in ("',x", ",Article,", "article", 3):
        with pytest.raises(DataRankError):
            spark_params(typed, {"core_types": bad_text})


# ---------------------------------------------------------------- settings and errors
def test_spark_master_is_validated() -> None:
    for good in ("local", "local[2]", "local[*]", "local[4,2]", "spark://host:7077", "sc://host:15002", "yarn"):
        assert Settings(spark_master=good).spark_master == good
    code, output = invoke("compute", "--engine", "spark", "--spark-master", "lokal[2]")
    assert code == 2  # a usage error
    assert output.startswith("datarank: error: --spark-master must be local[N], spark://host:port or sc://")


def test_a_share_of_the_memory_limit_becomes_the_driver_heap() -> None:
    from datarank.engines.spark import spark_memory

    # 60% of the limit, read as DuckDB reads it (GB = 1e9 bytes), in MiB rounded down:
    assert spark_memory("4GB") == "2288m"  # 2.4e9 / 2^20 = 2288.8
    assert spark_memory("512MiB") == "307m"  # 307.2
    assert spark_memory("1.5G") == "858m"  # 0.9e9 / 2^20 = 858.3
    with pytest.raises(DataRankError, match="not a size"):
        spark_memory("lots")
    with pytest.raises(DataRankError, match="too small"):
        spark_memory("1MB")


def test_java_is_found_or_the_error_says_how_to_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from datarank.engines.spark import find_java, java_major_version

    assert java_major_version('openjdk version "17.0.15" 2025-04-15') == 17
    assert java_major_version('java version "1.8.0_402"') == 8
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DataRankError, match=r"none is on PATH: install Java 17 or 21 \(Debian/Ubuntu: apt-get install"):
        find_java()
    old = tmp_path / "jdk8"
    (old / "bin").mkdir(parents=True)
    (old / "bin" / "java").write_text('#!/bin/sh\necho \'java version "1.8.0_402"\' >&2\n')
    (old / "bin" / "java").chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(old))
    with pytest.raises(DataRankError, match="needs Java 17 or newer, .* is Java 8"):
        find_java()


# ---------------------------------------------------------------- both engines, compared
@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One local[2] session for the test run; the engine's own `getOrCreate` finds and reuses it."""
    _require("pyspark")
    _require("sqlglot")
    from datarank.engines.spark import spark_session

    # A short-lived JVM: the C1 compiler alone warms up sooner (about halves the first run here).
    saved = os.environ.get("JDK_JAVA_OPTIONS")
    os.environ["JDK_JAVA_OPTIONS"] = "-XX:TieredStopAtLevel=1"
    try:
        session = spark_session(Settings(spark_master="local[2]", data_dir=tmp_path_factory.mktemp("spark")))
    finally:
        if saved is None:
            del os.environ["JDK_JAVA_OPTIONS"]
        else:
            os.environ["JDK_JAVA_OPTIONS"] = saved
    # Small data: a few shuffle partitions instead of 200 (a runtime setting, as a user would).
    session.conf.set("spark.sql.shuffle.partitions", "4")
    yield session
    session.stop()


def read_version(data_dir: Path, version: str, table: str) -> pl.DataFrame:
    return pl.read_parquet(data_dir / "versions" / version / f"{table}.parquet")


def assert_same_table(duck: pl.DataFrame, spark: pl.DataFrame, key: list[str]) -> None:
    """Every column of every row equal: floats to a relative 1e-9, everything else exactly."""
    assert duck.schema == spark.schema
    assert duck.height == spark.height
    duck, spark = duck.sort(key), spark.sort(key)
    for column in duck.columns:
        a, b = duck[column], spark[column]
        assert a.is_null().equals(b.is_null()), column
        if a.dtype == pl.Float64:
            for x, y in zip(a.drop_nulls().to_list(), b.drop_nulls().to_list(), strict=True):
                assert math.isclose(x, y, rel_tol=1e-9, abs_tol=0.0), (column, x, y)
        else:
            differ = (a != b).sum()
            assert a.equals(b), f"{column}: {differ} of {a.len()} works differ"


def assert_same_version(data_dir: Path, duck_version: str, spark_dir: Path, spark_version: str) -> None:
    for table, key in (("scores", ["work_number"]), ("researchers", ["author_number"]), ("citers", ["cited_id", "citing_id"]),
                       ("fair_validation", ["cohort", "left_out"]), ("openalex_agreement", ["field_id"]),
                       ("institutions", ["institution_id"]), ("sources", ["source_id"]), ("countries", ["country_code"]),
                       ("fields", ["field_id"])):
        assert_same_table(read_version(data_dir, duck_version, table), read_version(spark_dir, spark_version, table), key)
    engines = [json.loads((d / "versions" / v / "manifest.json").read_text())["engine"]
               for d, v in ((data_dir, duck_version), (spark_dir, spark_version))]
    assert engines == ["duckdb", "spark"]


@pytest.mark.slow
def test_datarank_run_on_spark_publishes_the_sample_as_duckdb_does(spark: Any, tmp_path: Path) -> None:
    duck, on_spark = tmp_path / "duckdb", tmp_path / "spark"
    code, output = invoke("run", "--data-dir", str(duck))
    assert code == 0, output
    code, output = invoke("run", "--engine", "spark", "--spark-master", "local[2]", "--data-dir", str(on_spark))
    assert code == 0, output
    assert "v000001: 339 works scored" in output
    assert_same_version(duck, "v000001", on_spark, "v000001")
    # The sample's researchers include authors tied on their score (co-authors of one work only),
    # which both engines must order by author id.
    researchers = read_version(on_spark, "v000001", "researchers")
    tied = researchers.group_by("researcher_score").agg(pl.len().alias("n"), pl.col("author_number").sort_by("rank"))
    assert tied.filter(pl.col("n") > 1).height > 0
    assert all(ids == sorted(ids) for ids in tied["author_number"].to_list())
    # So do its institutions (those of one work, with equal shares), which both order by id.
    institutions = read_version(on_spark, "v000001", "institutions")
    tied = institutions.group_by("datarank_sum").agg(pl.len().alias("n"), pl.col("institution_id").sort_by("rank"))
    assert tied.filter(pl.col("n") > 1).height > 0
    assert all(ids == sorted(ids, key=lambda i: int(i[1:])) for ids in tied["institution_id"].to_list())
    assert not (on_spark / "current" / "intermediate").exists()
    # What comes downstream reads the Spark-made version as it reads any other.
    code, output = invoke("query", "select engine from runs", "--format", "csv", "--data-dir", str(on_spark))
    assert (code, output) == (0, "engine\nspark\n")
    code, output = invoke("explain", "W2741809807", "--data-dir", str(on_spark))
    assert code == 0 and "ln(1 + 962)" in output, output


@pytest.fixture(scope="module")
def generated(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated snapshot of 3,000 works (tests/factory/corners.py), ingested once, then scored four
    times from that ingest: v000001 duckdb cap 200, v000002 spark cap 200, v000003 duckdb cap 3,
    v000004 spark cap 3."""
    snapshot = tmp_path_factory.mktemp("snapshot")
    write_corners_snapshot(snapshot, works=3000, seed=11, twin_pairs=150)
    data_dir = tmp_path_factory.mktemp("generated")
    code, output = invoke("ingest", "--snapshot", str(snapshot), "--data-dir", str(data_dir))
    assert code == 0, output
    for cap in ("200", "3"):
        for engine in ("duckdb", "spark"):
            code, output = invoke("compute", "--engine", engine, "--spark-master", "local[2]", "--cap", cap,
                                  "--data-dir", str(data_dir))
            assert code == 0, output
    assert sorted(p.name for p in (data_dir / "versions").iterdir() if p.is_dir()) == [f"v00000{i}" for i in range(1, 5)]
    return data_dir


@pytest.mark.slow
@pytest.mark.parametrize("duck_version, spark_version", [("v000001", "v000002"), ("v000003", "v000004")])
def test_spark_matches_duckdb_on_a_generated_snapshot(generated: Path, duck_version: str, spark_version: str) -> None:
    assert_same_version(generated, duck_version, generated, spark_version)


@pytest.mark.slow
@pytest.mark.parametrize("version, cap", [("v000001", 200), ("v000003", 3)])
def test_the_generated_snapshot_reaches_the_hard_cases(generated: Path, version: str, cap: int) -> None:
    """Without these, the comparison above could pass on data where engines cannot differ."""
    folder = generated / "versions" / version
    connection = duckdb.connect()
    for table in ("citations", "works", "scores"):
        connection.execute(f"create view {table} as from '{folder / f'{table}.parquet'}'")
    # Ties at the cap: a cap-bound work whose cap-th and (cap+1)-th citers have the same C, so
    # only the id decides which one is considered. Computed from the citations, not the scores.
    ties = connection.execute(
        """
        with citers as (
            select citations.cited_id, greatest(coalesce(works.cited_by_count, 0), 0) as c,
                row_number() over (partition by citations.cited_id
                    order by greatest(coalesce(works.cited_by_count, 0), 0) desc, citations.citing_id) as position
            from citations join works on works.work_id = citations.citing_id
        )
        select count(*) from citers as at_cap join citers as past_cap
            on past_cap.cited_id = at_cap.cited_id and past_cap.position = $cap + 1
        where at_cap.position = $cap and at_cap.c = past_cap.c
        """,
        {"cap": cap},
    ).fetchall()[0][0]
    assert ties > 0
    cap_bound, self_citations = connection.execute(
        "select count(*) filter (where cap_bound), sum(self_citations_excluded) from scores"
    ).fetchall()[0]
    assert cap_bound > 0 and self_citations > 0
    # Works with equal DataRanks from a network part: rank falls back to the id (SPEC §4).
    twins = connection.execute(
        """
        select list(work_number order by rank) = list(work_number order by work_number)
        from scores where network_score > 0
        group by round(datarank, 12) having count(*) > 1
        """
    ).fetchall()
    assert twins and all(ordered for (ordered,) in twins)
    # fair_v1: works tied on the raw score (calibration's mid-ranks), paratext not scored, linked
    # datasets, and a validation with all three cohorts.
    fair = connection.execute(
        """
        select count(*) - count(distinct fair_raw), count(*) - count(fair_raw), count(*) filter (where linked_datasets)
        from scores
        """
    ).fetchall()[0]
    assert all(count > 0 for count in fair), fair
    cohorts = duckdb.sql(f"select distinct cohort from '{folder / 'fair_validation.parquet'}' where spearman is not null")
    assert {row[0] for row in cohorts.fetchall()} == {"all", "open access", "closed"}
    # Researchers with more than ten works, of whom only ten count (authors tied on their score
    # are the sample's, compared in test_datarank_run_on_spark_publishes_the_sample_as_duckdb_does).
    researchers = pl.read_parquet(folder / "researchers.parquet")
    assert researchers.filter(pl.col("works") > 10).height > 0
    # Units where the engines could part: fractional weights that are not whole, units with more
    # than ten works (top10_mean), works in the top 10% and out of it (tied sums: the sample's, in
    # test_datarank_run_on_spark_publishes_the_sample_as_duckdb_does).
    for table in ("institutions", "sources", "countries", "fields"):
        units = pl.read_parquet(folder / f"{table}.parquet")
        assert units.filter(pl.col("works_full") > 10).height > 0, table
        assert units.filter((pl.col("pp_top10_full") > 0) & (pl.col("pp_top10_full") < 1)).height > 0, table
    institutions = pl.read_parquet(folder / "institutions.parquet")
    assert institutions.filter(pl.col("works_fractional") != pl.col("works_full").cast(pl.Float64)).height > 0


@pytest.mark.slow
def test_without_pyspark_the_error_says_how_to_install(generated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = (generated / "current").resolve()
    monkeypatch.setitem(sys.modules, "pyspark", None)  # `import pyspark` now fails as if absent
    code, output = invoke("compute", "--engine", "spark", "--data-dir", str(generated))
    assert code == 1
    assert output == (
        "datarank: error: the spark engine needs PySpark and sqlglot, which are not installed: "
        "pip install 'datarank[spark]'\n"
    )
    assert (generated / "current").resolve() == before


@pytest.mark.slow
def test_without_java_the_cli_says_how_to_get_it(generated: Path, tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "JAVA_HOME"}
    env["PATH"] = str(tmp_path)  # nothing on it, so no java
    process = subprocess.run(
        [sys.executable, "-m", "datarank", "compute", "--engine", "spark", "--data-dir", str(generated)],
        capture_output=True, text=True, env=env, check=False, timeout=120,
    )
    assert process.returncode == 1
    assert process.stderr.count("\n") == 1
    assert process.stderr.startswith("datarank: error: the spark engine needs Java, and none is on PATH: install Java 17")


@pytest.mark.slow
@pytest.mark.parametrize("cap", [200, 1500])
def test_the_cap_is_planned_as_a_two_stage_top_k(spark: Any, generated: Path, cap: int) -> None:
    """A work with 400,000 citers must not send them all through one shuffle partition: Spark
    limits each group to `cap` rows before the shuffle (WindowGroupLimit Partial) and after it."""
    from datarank.engines.spark import _keep_two_stage_top_k, spark_sql

    _keep_two_stage_top_k(spark, cap)  # what SparkEngine.score does; the views are the last compute's
    statement = spark_sql("int/int_datarank__capped_citers")
    plan = spark.sql(statement.text, args={"cap": cap})._jdf.queryExecution().executedPlan().toString()
    assert f"row_number(), {cap}, Partial" in plan
    assert f"row_number(), {cap}, Final" in plan


def test_spark_connect_without_its_client_libraries_says_how_to_install(tmp_path: Path) -> None:
    _require("pyspark")
    if importlib.util.find_spec("pandas") and importlib.util.find_spec("grpc"):
        pytest.skip("the Spark Connect client libraries are installed here")
    code, output = invoke("run", "--engine", "spark", "--spark-master", "sc://127.0.0.1:1", "--data-dir", str(tmp_path))
    assert code == 1, output
    assert output.startswith("datarank: error: Spark Connect (sc://127.0.0.1:1) needs its client libraries")
    assert output.endswith(": pip install 'datarank[spark-connect]'\n")
    assert not (tmp_path / "current").exists()


def test_spark_connect_without_its_client_from_python_c_fails_too(tmp_path: Path) -> None:
    """Where __main__ has no file (`python -c`, an embedding host), PySpark exits with status 0 instead
    of raising ImportError (it takes itself to be running its doctests): the run must still fail."""
    _require("pyspark")
    if importlib.util.find_spec("pandas") and importlib.util.find_spec("grpc"):
        pytest.skip("the Spark Connect client libraries are installed here")
    code = (
        "import sys; from datarank.cli import main; "
        f"sys.argv = ['datarank', 'run', '--engine', 'spark', '--spark-master', 'sc://127.0.0.1:1', '--data-dir', {str(tmp_path)!r}]; "
        "main()"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)
    output = result.stderr + result.stdout
    assert result.returncode == 1, output
    assert output.startswith("datarank: error: Spark Connect (sc://127.0.0.1:1) needs its client libraries ([PACKAGE_NOT_INSTALLED] ")
    assert output.count("\n") == 1, output  # one line: PySpark's "Skipping doctests" is not passed on
    assert not (tmp_path / "current").exists()
