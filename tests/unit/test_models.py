"""The declared pipeline (datarank.models) is the files in sql/: every model's file exists, its
declared inputs are exactly the tables its SQL reads, every input is made earlier in the same mode
or is a source of the stage, and every SQL file of a stage's folders is some model's."""

from __future__ import annotations

import pytest

from datarank.db import sql_dir, sql_text
from datarank.lake import CORE_TABLES
from datarank.models import (
    CHECK_PREPARE_MODELS,
    CHECK_SOURCES,
    CHECKS,
    CORE_MODELS,
    CORE_REPORTS,
    CORE_SOURCES,
    MODES,
    SCORE_MODELS,
    SCORE_OUTPUTS,
    SCORE_SOURCES,
    SENSITIVITY_MODELS,
    SENSITIVITY_SOURCES,
    for_mode,
    tables_read,
)


@pytest.mark.parametrize("mode", MODES)
def test_score_models_read_only_what_is_made_before_them(mode: str) -> None:
    available = {source.name for source in SCORE_SOURCES if mode in source.modes}
    made: list[str] = []
    for model in for_mode(SCORE_MODELS, mode):
        assert (sql_dir() / f"{model.sql(mode)}.sql").is_file(), model.sql(mode)
        assert set(model.inputs) == tables_read(sql_text(model.sql(mode))), model.sql(mode)
        assert set(model.inputs) <= available | set(made), (model.name, set(model.inputs) - available - set(made))
        assert model.name not in made, f"{model.name} made twice in {mode} mode"
        made.append(model.name)
    assert set(SCORE_OUTPUTS.values()) <= set(made)
    files = [model.file for model in for_mode(SCORE_MODELS, mode) if model.file]
    assert sorted(files) == sorted(set(files)) == [
        "citers.parquet", "countries.parquet", "fair_validation.parquet", "fields.parquet", "institutions.parquet",
        "network.parquet", "openalex_agreement.parquet", "researchers.parquet", "scores.parquet", "sources.parquet",
    ]


@pytest.mark.parametrize("mode", MODES)
def test_core_models_read_only_what_is_made_before_them(mode: str) -> None:
    available = {source.name for source in CORE_SOURCES if mode in source.modes}
    made: list[str] = []
    for model in for_mode(CORE_MODELS, mode):
        if model.materialized != "hook":  # made by Python: no statement to read
            assert (sql_dir() / f"{model.sql(mode)}.sql").is_file(), model.sql(mode)
            assert set(model.inputs) == tables_read(sql_text(model.sql(mode))), model.sql(mode)
        assert set(model.inputs) <= available | set(made), (model.name, set(model.inputs) - available - set(made))
        made.append(model.name)
    files = {model.file.removesuffix(".parquet") for model in for_mode(CORE_MODELS, mode) if model.file}
    assert set(CORE_TABLES) <= files


def test_every_core_file_is_a_model_or_a_report() -> None:
    declared = {model.sql(mode) for mode in MODES for model in for_mode(CORE_MODELS, mode) if model.materialized != "hook"}
    on_disk = {f"core/{path.name.removesuffix('.sql')}" for path in (sql_dir() / "core").glob("*.sql")}
    assert declared | set(CORE_REPORTS) == on_disk
    assert not declared & set(CORE_REPORTS)


def test_every_scoring_file_is_a_model() -> None:
    declared = {model.sql(mode) for mode in MODES for model in for_mode(SCORE_MODELS, mode)}
    on_disk = {
        f"{folder}/{path.name.removesuffix('.sql')}" for folder in ("int", "out", "fair")
        for path in (sql_dir() / folder).glob("*.sql")
    }
    assert declared == on_disk


def test_checks_are_declared_with_what_they_read() -> None:
    available = {source.name for source in CHECK_SOURCES} | {model.name for model in CHECK_PREPARE_MODELS}
    for model in CHECK_PREPARE_MODELS:
        assert set(model.inputs) == tables_read(sql_text(model.sql("full")))
    for check in CHECKS:
        assert set(check.inputs) == tables_read(sql_text(check.sql())), check.name
        assert set(check.inputs) <= available, check.name
    assert {check.name for check in CHECKS} == {path.stem for path in (sql_dir() / "checks").glob("*.sql")}
    assert {m.name for m in CHECK_PREPARE_MODELS} == {p.stem for p in (sql_dir() / "checks" / "prepare").glob("*.sql")}


def test_tables_read_sees_joins_and_skips_ctes_and_comments() -> None:
    text = """
    -- from core_openalex__ignored
    with a as (select * from core_openalex__works),
    b as (select * from a inner join int_datarank__network as n on true)
    select * from b semi join checks_x on true
    """
    assert tables_read(text) == {"core_openalex__works", "int_datarank__network", "checks_x"}


def test_sensitivity_models_read_the_published_scores_and_one_settings_scores() -> None:
    """Each sensitivity model reads what its declaration says, made before it or a source; the
    scores it compares are the score stage's own model's, and every file of sql/sensitivity is one."""
    available = {source.name for source in SENSITIVITY_SOURCES} | {"out_datarank__scores"}
    for model in SENSITIVITY_MODELS:
        assert set(model.inputs) == tables_read(sql_text(model.sql("full"))), model.name
        assert set(model.inputs) <= available, model.name
        available.add(model.name)
    assert "out_datarank__scores" in {model.name for model in SCORE_MODELS}
    on_disk = {f"sensitivity/{path.name.removesuffix('.sql')}" for path in (sql_dir() / "sensitivity").glob("*.sql")}
    assert on_disk == {model.sql("full") for model in SENSITIVITY_MODELS}
