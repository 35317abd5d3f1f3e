"""`datarank sensitivity` against an independent computation: on a generated snapshot whose hubs have
more citers than a cap of 5 (tests/factory/corners.py), the oracle (tests/oracle.py) scores each
setting, and Spearman's rho, Kendall's tau-b, the top-N overlaps and the tier changes are computed
here in plain Python (every pair of works for tau-b), then compared with the command's figures.
Also: the published setting's row is exactly 1, the command publishes nothing, bad lists are
usage errors."""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from datarank.cli import main
from tests import oracle
from tests.factory.corners import write_corners_snapshot

WORKS = 1100
SETTINGS = [(5, 0.5), (5, 0.85), (200, 0.5), (200, 0.85)]  # --cap 5,200 --damping 0.5,0.85 --grid
TIERS = (20, 40, 60, 80)


@pytest.fixture(scope="module")
def corners(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(snapshot root, data dir with one version published at cap 200, damping 0.85)."""
    root = tmp_path_factory.mktemp("sensitivity-snapshot")
    write_corners_snapshot(root, WORKS, seed=11)
    data_dir = tmp_path_factory.mktemp("sensitivity-data")
    result = CliRunner().invoke(main, ["run", "--snapshot", str(root), "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    return root, data_dir


@pytest.fixture(scope="module")
def compared(corners: tuple[Path, Path]) -> dict:
    _, data_dir = corners
    result = CliRunner().invoke(main, ["sensitivity", "--data-dir", str(data_dir), "--cap", "5,200",
                                       "--damping", "0.5,0.85", "--grid", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# ---------------------------------------------------------------- the independent figures
def _tie_groups(scores: dict[int, float]) -> dict[int, int]:
    """Work → its place among the distinct DataRanks, ascending; values within float noise tie
    (the product ties works whose DataRank is equal in fixed point)."""
    ordered = sorted(scores.items(), key=lambda item: item[1])
    groups, group, last = {}, -1, None
    for work, value in ordered:
        if last is None or not math.isclose(value, last, rel_tol=1e-12, abs_tol=1e-12):
            group += 1
        groups[work] = group
        last = value
    return groups


def _average_ranks(groups: dict[int, int]) -> dict[int, float]:
    sizes: dict[int, int] = {}
    for group in groups.values():
        sizes[group] = sizes.get(group, 0) + 1
    below, start = {}, 0
    for group in sorted(sizes):
        below[group] = start
        start += sizes[group]
    return {work: below[g] + (sizes[g] + 1) / 2 for work, g in groups.items()}


def _pearson(xs: list[float], ys: list[float]) -> float:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return cov / math.sqrt(sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys))


def _kendall_tau_b(xs: list[int], ys: list[int]) -> float:
    """Every pair compared: (concordant − discordant) / sqrt((pairs − x ties)(pairs − y ties))."""
    concordant = discordant = x_only = y_only = 0
    for i in range(len(xs)):
        for j in range(i + 1, len(xs)):
            dx, dy = xs[i] - xs[j], ys[i] - ys[j]
            if dx and dy:
                if (dx > 0) == (dy > 0):
                    concordant += 1
                else:
                    discordant += 1
            elif dx:
                x_only += 1
            elif dy:
                y_only += 1
    return (concordant - discordant) / math.sqrt((concordant + discordant + x_only) * (concordant + discordant + y_only))


def _top(groups: dict[int, int], n: int) -> set[int]:
    return {work for work, _ in sorted(groups.items(), key=lambda item: (-item[1], item[0]))[:n]}


def _tiers(scores: dict[int, float], groups: dict[int, int]) -> dict[int, str]:
    """SPEC's tiers: percentile = share of works strictly lower; S1 at ≥ 100 − 20, …; 0 unranked."""
    n = len(groups)
    below: dict[int, int] = {}
    for group in sorted(set(groups.values())):
        below[group] = sum(1 for g in groups.values() if g < group)
    tiers = {}
    for work, group in groups.items():
        lower = below[group]
        tier = "S5"
        for number, cut in enumerate(TIERS, start=1):
            if 100 * lower >= (100 - cut) * (n - 1):
                tier = f"S{number}"
                break
        tiers[work] = "unranked" if scores[work] == 0 else tier
    return tiers


def _expected(root: Path) -> dict[tuple[int, float], dict[str, float]]:
    results = {setting: oracle.compute(root, cap=setting[0], damping=setting[1]) for setting in SETTINGS}
    published = {work: row.datarank for work, row in results[(200, 0.85)].rows.items()}
    works = sorted(published)
    p_groups = _tie_groups(published)
    p_ranks, p_tiers = _average_ranks(p_groups), _tiers(published, p_groups)
    expected = {}
    for setting, result in results.items():
        scores = {work: row.datarank for work, row in result.rows.items()}
        groups = _tie_groups(scores)
        ranks, tiers = _average_ranks(groups), _tiers(scores, groups)
        expected[setting] = {
            "works": len(works),
            "spearman": _pearson([p_ranks[w] for w in works], [ranks[w] for w in works]),
            "kendall_tau_b": _kendall_tau_b([p_groups[w] for w in works], [groups[w] for w in works]),
            "top_100_overlap": len(_top(p_groups, 100) & _top(groups, 100)) / 100,
            "top_1000_overlap": len(_top(p_groups, 1000) & _top(groups, 1000)) / min(1000, len(works)),
            "tier_changes": sum(p_tiers[w] != tiers[w] for w in works),
        }
    return expected


# ---------------------------------------------------------------- tests
def test_figures_match_an_independent_computation(corners: tuple[Path, Path], compared: dict) -> None:
    root, _ = corners
    expected = _expected(root)
    rows = {(row["cap"], row["damping"]): row for row in compared["settings"]}
    assert sorted(rows) == SETTINGS
    assert expected[(5, 0.85)]["spearman"] < 0.999  # the snapshot makes cap 5 and cap 200 differ
    assert expected[(5, 0.85)]["top_100_overlap"] < 1
    assert expected[(5, 0.5)]["top_1000_overlap"] < 1
    for setting, figures in expected.items():
        row = rows[setting]
        assert row["works"] == figures["works"]
        assert row["spearman"] == pytest.approx(figures["spearman"], abs=1e-9), setting
        assert row["kendall_tau_b"] == pytest.approx(figures["kendall_tau_b"], abs=1e-9), setting
        assert row["top_100_overlap"] == figures["top_100_overlap"], setting
        assert row["top_1000_overlap"] == figures["top_1000_overlap"], setting
        assert row["tier_changes"] == figures["tier_changes"], setting
        assert row["tier_changed"] == pytest.approx(figures["tier_changes"] / figures["works"], abs=1e-12), setting


def test_the_published_setting_is_exactly_one(compared: dict) -> None:
    assert compared["published"]["cap"] == 200 and compared["published"]["damping"] == 0.85
    (row,) = [row for row in compared["settings"] if row["published"]]
    assert (row["cap"], row["damping"]) == (200, 0.85)
    assert (row["spearman"], row["kendall_tau_b"], row["top_100_overlap"], row["top_1000_overlap"]) == (1, 1, 1, 1)
    assert row["tier_changes"] == 0 and row["discordant_pairs"] == 0


def _state(data_dir: Path) -> dict[str, str]:
    """Every file of every version (hash), and where `current` points."""
    state = {"current": os.readlink(data_dir / "current"), "newest": (data_dir / ".newest-version").read_text()}
    for path in sorted((data_dir / "versions").rglob("*")):
        if path.is_file():
            state[str(path.relative_to(data_dir))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def test_it_publishes_nothing_and_keeps_its_table_for_the_report(corners: tuple[Path, Path], tmp_path: Path) -> None:
    _, data_dir = corners
    before = _state(data_dir)
    table = tmp_path / "sensitivity.csv"
    result = CliRunner().invoke(main, ["sensitivity", "--data-dir", str(data_dir), "--cap", "5",
                                       "--damping", "0.9", "--format", "csv", "--output", str(table)])
    assert result.exit_code == 0, result.output
    assert _state(data_dir) == before
    lines = table.read_text().splitlines()
    assert lines[0].startswith("version,cap,damping,published,works,spearman,kendall_tau_b")
    assert [line.split(",")[1:3] for line in lines[1:]] == [["5", "0.85"], ["200", "0.85"], ["200", "0.9"]]
    kept = json.loads((data_dir / "sensitivity.json").read_text())
    assert kept["version"] == before["current"].rsplit("/", 1)[-1]
    assert [(row["cap"], row["damping"]) for row in kept["settings"]] == [(5, 0.85), (200, 0.85), (200, 0.9)]


@pytest.mark.parametrize("arguments", [["--cap", "0"], ["--cap", "x"], ["--cap", "5,,10"], ["--damping", "1.5"],
                                       ["--damping", "-0.1"], ["--damping", "nan"], ["--damping", "0.8,y"]])
def test_bad_lists_are_usage_errors(arguments: list[str], tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["sensitivity", "--data-dir", str(tmp_path), *arguments])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("datarank: error: --") and len(result.stderr.splitlines()) == 1


def test_the_report_shows_the_table_of_its_version(corners: tuple[Path, Path], tmp_path: Path) -> None:
    from datarank.report import write_report

    _, data_dir = corners
    result = CliRunner().invoke(main, ["sensitivity", "--data-dir", str(data_dir), "--cap", "5",
                                       "--damping", "0.85", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["settings"]
    write_report(data_dir, tmp_path / "report", top=5, researchers=0)
    page = (tmp_path / "report" / "index.html").read_text()
    table = page[page.index('<table id="sensitivity-table">'):]
    table = table[:table.index("</table>")]
    body = [line for line in table.splitlines() if line.startswith("<tr")]
    assert len(body) == len(rows) == 2
    assert '<td class="num">5</td><td class="num">0.85</td>' in body[0]
    assert f'<td class="num">{rows[0]["spearman"]:.4f}</td>' in body[0]
    assert 'class="published"' in body[1] and '<td class="num">1.0000</td>' in body[1]
    # A table computed against another version is not shown as this one's.
    kept = json.loads((data_dir / "sensitivity.json").read_text())
    (data_dir / "sensitivity.json").write_text(json.dumps({**kept, "version": "v999999"}))
    try:
        write_report(data_dir, tmp_path / "report", top=5, researchers=0)
    finally:
        (data_dir / "sensitivity.json").write_text(json.dumps(kept))
    assert "Not computed for this version" in (tmp_path / "report" / "index.html").read_text()


def test_a_run_that_publishes_and_prunes_meanwhile_breaks_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While the first setting is being scored, a full rebuild publishes v000002 (a new core
    replaces the old one) and `prune --keep 1` runs: the comparison is still of v000001 and its
    own core tables, which prune leaves alone while they are read."""
    import datarank.sensitivity as module
    from datarank.settings import Settings

    data_dir = tmp_path / "data"
    assert CliRunner().invoke(main, ["run", "--data-dir", str(data_dir)]).exit_code == 0
    real_run_models, calls = module.run_models, []

    def run_models_with_a_run_meanwhile(*args: object, **kwargs: object) -> None:
        calls.append(1)
        if len(calls) == 2:  # the prepared models are made; the first setting's are next
            for command in (["run", "--full-rebuild"], ["prune", "--keep", "1"]):
                result = CliRunner().invoke(main, [*command, "--data-dir", str(data_dir)])
                assert result.exit_code == 0, result.output
            assert os.readlink(data_dir / "current") == "versions/v000002"
        real_run_models(*args, **kwargs)

    monkeypatch.setattr(module, "run_models", run_models_with_a_run_meanwhile)
    result = module.sensitivity(Settings(data_dir=data_dir), (50, 200), (0.85,))
    assert len(calls) == 3
    assert result["version"] == "v000001" and result["current_core"] != result["core"]
    (row,) = [row for row in result["settings"] if row["published"]]
    assert (row["spearman"], row["kendall_tau_b"], row["tier_changes"]) == (1, 1, 0)
    # Once the comparison let go of v000001, prune removes it.
    assert CliRunner().invoke(main, ["prune", "--keep", "1", "--data-dir", str(data_dir)]).exit_code == 0
    assert not (data_dir / "versions" / "v000001").exists()


def test_nothing_published_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["sensitivity", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.startswith("datarank: error: no published DataRank")
    assert not (tmp_path / "sensitivity.json").exists()
