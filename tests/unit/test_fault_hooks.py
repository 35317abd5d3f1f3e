"""The fault-injection variables (datarank/faults.py) are loud: a run says which are set, refuses
names it does not know, and logs a pause before sleeping. In-process; test_faults.py drives the
same through the real `datarank` command."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from datarank import DataRankError, faults
from datarank.pipeline import run
from datarank.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
#: Written out by hand (docs/reliability.md lists the same six): each is a state a test kills a run in.
KNOWN = [
    "ingest.part_written", "ingest.core_staged", "score.step_written",
    "publish.manifest_written", "publish.renamed", "publish.switched", "export.written",
]
VARIABLES = ("DATARANK_KILL_AT", "DATARANK_FAIL_AT", "DATARANK_PAUSE_AT")


@pytest.fixture(autouse=True)
def _no_fault_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in VARIABLES:
        monkeypatch.delenv(variable, raising=False)


def test_the_checkpoint_list_is_the_one_the_code_calls() -> None:
    assert list(faults.CHECKPOINTS) == KNOWN
    called = {
        name
        for path in (ROOT / "datarank").rglob("*.py")
        for name in re.findall(r"""\bcheckpoint\(\s*["']([^"']+)["']\s*\)""", path.read_text())
    }
    assert called == set(KNOWN)


@pytest.mark.parametrize(("variable", "value", "says"), [
    ("DATARANK_KILL_AT", "publish.renamed", "kills itself (SIGKILL) at checkpoint publish.renamed"),
    ("DATARANK_FAIL_AT", "score.step_written", "fails with ENOSPC at checkpoint score.step_written"),
    ("DATARANK_FAIL_AT", "score.step_written:EACCES", "fails with EACCES at checkpoint score.step_written"),
    ("DATARANK_PAUSE_AT", "ingest.core_staged", "sleeps 3600 s at checkpoint ingest.core_staged, holding the lock"),
])
def test_announce_names_each_variable_that_is_set(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, variable: str, value: str, says: str
) -> None:
    monkeypatch.setenv(variable, value)
    with caplog.at_level(logging.WARNING):
        faults.announce()
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, f"fault injection: {variable}={value} is set: this run {says} (unset it outside tests)"),
    ]


def test_announce_is_silent_when_nothing_is_set(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("DATARANK_PAUSE_AT", "")  # set but empty: how a scheduler often "unsets" a variable
    with caplog.at_level(logging.DEBUG):
        faults.announce()
        faults.checkpoint("ingest.core_staged")
    assert caplog.records == []


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("DATARANK_KILL_AT", "publish.rename", "DATARANK_KILL_AT=publish.rename: unknown checkpoint 'publish.rename'"),
    ("DATARANK_PAUSE_AT", "score", "DATARANK_PAUSE_AT=score: unknown checkpoint 'score'"),
    ("DATARANK_FAIL_AT", "score.step_writen:EACCES",
     "DATARANK_FAIL_AT=score.step_writen:EACCES: unknown checkpoint 'score.step_writen'"),
    ("DATARANK_FAIL_AT", "score.step_written:ENOSPACE",
     "DATARANK_FAIL_AT=score.step_written:ENOSPACE: unknown errno name 'ENOSPACE'"),
    ("DATARANK_FAIL_AT", "score.step_written:errorcode", "unknown errno name 'errorcode'"),
])
def test_unknown_names_are_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(DataRankError) as refused:
        faults.announce()
    text = str(refused.value)
    assert message in text and "\n" not in text
    if "checkpoint" in message:
        assert ", ".join(KNOWN) in text  # the user sees what they may write
    # A checkpoint reached without announce() (a library caller) refuses the same way, never
    # with an AttributeError from the errno module.
    if variable == "DATARANK_FAIL_AT":
        with pytest.raises(DataRankError, match=re.escape(message)):
            faults.checkpoint("publish.renamed")


def test_fail_at_raises_the_named_errno_at_its_checkpoint_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATARANK_FAIL_AT", "publish.renamed:EACCES")
    faults.checkpoint("publish.switched")  # another checkpoint: nothing happens
    with pytest.raises(PermissionError, match=r"injected at publish\.renamed"):
        faults.checkpoint("publish.renamed")
    monkeypatch.setenv("DATARANK_FAIL_AT", "publish.renamed")
    with pytest.raises(OSError, match=r"No space left on device \(injected at publish\.renamed\)"):
        faults.checkpoint("publish.renamed")


def test_the_pause_is_logged_before_it_sleeps(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("DATARANK_PAUSE_AT", "score.step_written")
    slept: list[tuple[float, list[str]]] = []
    monkeypatch.setattr(faults.time, "sleep", lambda seconds: slept.append((seconds, [r.getMessage() for r in caplog.records])))
    with caplog.at_level(logging.WARNING):
        faults.checkpoint("ingest.core_staged")  # not the paused checkpoint
        assert slept == []
        faults.checkpoint("score.step_written")
    line = "fault injection: DATARANK_PAUSE_AT=score.step_written: pausing 3600 s at checkpoint score.step_written"
    # the line was there when the sleep began; the hour is slept in steps (so a task timeout can
    # interrupt it), 3600 s in all
    assert slept and all(logged == [line] for _, logged in slept)
    assert sum(seconds for seconds, _ in slept) == 3600
    assert [(r.levelno, r.name) for r in caplog.records] == [(logging.WARNING, "datarank.faults")]


def test_a_run_refuses_before_it_takes_the_lock(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Through `datarank.pipeline.run`, the one entry of the CLI and of the Prefect flows: nothing is
    created in the data dir, so no lock was taken and no stage ran."""
    monkeypatch.setenv("DATARANK_PAUSE_AT", "score.step_writen")
    data_dir = tmp_path / "out"
    with pytest.raises(DataRankError, match="unknown checkpoint 'score.step_writen'"):
        run(Settings(data_dir=data_dir))
    assert not data_dir.exists()
