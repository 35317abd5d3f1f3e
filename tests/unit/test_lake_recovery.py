"""The next run's clean-up removes only what a killed run half-published, never a real version."""

from __future__ import annotations

from pathlib import Path

from datarank.lake import Lake, switch_symlink


def test_clear_staging_removes_only_unswitched_versions(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    for name in ("v000001", "v000002", "v000003"):
        (lake.versions_dir / name).mkdir(parents=True)
    switch_symlink(tmp_path / "current", "versions/v000001")  # an operator rolled back from v000002
    (lake.versions_dir / "v000003" / ".publishing").touch()  # renamed, then the run was killed
    (lake.staging_dir / "version-x").mkdir(parents=True)
    lake.clear_staging()
    assert lake.versions() == ["v000001", "v000002"]
    assert not lake.staging_dir.exists()


def test_a_current_version_is_never_removed_even_if_still_marked(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    (lake.versions_dir / "v000001").mkdir(parents=True)
    (lake.versions_dir / "v000001" / ".publishing").touch()  # killed after the switch, before unmarking
    switch_symlink(tmp_path / "current", "versions/v000001")
    lake.clear_staging()
    assert lake.versions() == ["v000001"]
    assert not (lake.versions_dir / "v000001" / ".publishing").exists()
