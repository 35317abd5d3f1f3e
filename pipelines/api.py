"""Is a Prefect API configured? Asked by the command line to decide whether a run goes through the
flow (`datarank run` without `--prefect/--no-prefect`).

Prefect's own settings answer (`prefect.settings`: the environment, the active profile of
profiles.toml as `prefect config set` or `prefect cloud login` leave it, `.env`, `prefect.toml`,
`pyproject.toml`'s `[tool.prefect]`). Importing them takes seconds, more than a cached run, so they
are asked only when one of those sources could name an API URL; when none exists, as on a machine
that never configured Prefect, the answer is no without importing anything.
"""

from __future__ import annotations

import os
from pathlib import Path


def configured_api_url() -> str | None:
    """The API URL Prefect's settings give (PREFECT_API_URL from any of its sources), or None."""
    if not _a_source_may_name_one():
        return None
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return str(url) if url else None


def _a_source_may_name_one() -> bool:
    """Whether any of Prefect's settings sources exists and could hold PREFECT_API_URL (a cheap
    look at the environment and a few files; Prefect itself gives the value)."""
    if any(os.environ.get(name) for name in ("PREFECT_API_URL", "PREFECT_PROFILE", "PREFECT_PROFILES_PATH")):
        return True
    here = Path.cwd()
    if (here / "prefect.toml").is_file() or _mentions(here / ".env", "PREFECT_") or _mentions(
        here / "pyproject.toml", "tool.prefect"
    ):
        return True
    home = Path(os.environ["PREFECT_HOME"]) if os.environ.get("PREFECT_HOME") else Path.home() / ".prefect"
    return _mentions(home / "profiles.toml", "PREFECT_API_URL")


def _mentions(path: Path, text: str) -> bool:
    try:
        return text in path.read_text(errors="replace")
    except OSError:
        return False
