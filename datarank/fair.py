"""fair_v1's weights: the documented file a run scores with (`--fair-weights`, default
`datarank/fair_v1.toml`), checked and turned into the scoring SQL's parameters (`$fair_f_doi` …).

The score itself is SQL (`sql/fair/`, docs/fair.md); this module only reads the numbers. It knows
nothing of the lake or the engines, so settings, the score stage and the manifest can all use it.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from datarank import DataRankError

#: Every weight, by dimension, in the order the file lists them; the SQL parameter of
#: `[findable] doi` is `$fair_f_doi`.
WEIGHTS: dict[str, tuple[str, ...]] = {
    "findable": ("doi", "pubmed_id", "indexed_in_each", "indexed_in_max", "in_repository", "any_orcid"),
    "accessible": ("open_access", "repository_fulltext", "oa_pdf", "oa_version"),
    "interoperable": ("linked_datasets", "datacite", "references", "mesh", "ror", "funding"),
    "reusable": ("licence_open", "licence_restricted", "licence_other_oa", "licence_publisher", "version_history",
                 "all_orcid", "funding", "corresponding"),
}
LICENCE_ORDER = ("licence_open", "licence_restricted", "licence_other_oa", "licence_publisher")


@dataclass(frozen=True)
class FairWeights:
    """One weights file, checked.

    Attributes:
        version: Its `version` tag (`fair_v1` for the shipped file).
        path: Where it was read from.
        sha256: Of its bytes, so a run's manifest tells which file it was even if it changes later.
        points: dimension → weight → points.
    """

    version: str
    path: Path
    sha256: str
    points: dict[str, dict[str, int]]

    @property
    def params(self) -> dict[str, int]:
        """The scoring SQL's parameters: `fair_<first letter of the dimension>_<weight>`."""
        return {f"fair_{dimension[0]}_{name}": value for dimension, names in self.points.items()
                for name, value in names.items()}

    def maxima(self) -> dict[str, int]:
        """The most points each dimension can give."""
        points = self.points
        findable = points["findable"]
        return {
            # indexed_in counts at most 100 distinct values (sql/macros/openalex_fair_signals.sql)
            "findable": sum(v for k, v in findable.items() if k not in ("indexed_in_each", "indexed_in_max"))
            + min(findable["indexed_in_max"], 100 * findable["indexed_in_each"]),
            "accessible": sum(points["accessible"].values()),
            "interoperable": sum(points["interoperable"].values()),
            "reusable": sum(v for k, v in points["reusable"].items() if k not in LICENCE_ORDER)
            + points["reusable"]["licence_open"],
        }

    def record(self) -> dict[str, object]:
        """What a run manifest keeps of it."""
        return {"version": self.version, "weights_file": str(self.path), "weights_sha256": self.sha256,
                "weights": self.points}


def load_weights(path: Path) -> FairWeights:
    """The weights in `path`, checked; one clear line when the file cannot be used."""
    path = Path(path).expanduser().resolve()
    try:
        body = path.read_bytes()
        document = tomllib.loads(body.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise DataRankError(f"--fair-weights {path}: cannot be read ({_first_line(error)})") from None
    version = document.get("version")
    if not isinstance(version, str) or not version.strip():
        raise DataRankError(f"--fair-weights {path}: needs a `version` tag (the shipped file's is fair_v1)")
    unknown = sorted(set(document) - {"version", *WEIGHTS})
    if unknown:
        raise DataRankError(f"--fair-weights {path}: unknown section(s) {', '.join(unknown)}")
    points: dict[str, dict[str, int]] = {}
    for dimension, names in WEIGHTS.items():
        section = document.get(dimension)
        if not isinstance(section, dict):
            raise DataRankError(f"--fair-weights {path}: no [{dimension}] section")
        extra = sorted(set(section) - set(names))
        missing = [name for name in names if name not in section]
        if extra or missing:
            raise DataRankError(
                f"--fair-weights {path}: [{dimension}] "
                + "; ".join(part for part in (f"unknown {', '.join(extra)}" if extra else "",
                                              f"missing {', '.join(missing)}" if missing else "") if part)
            )
        for name in names:
            value = section[name]
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
                raise DataRankError(f"--fair-weights {path}: [{dimension}] {name} must be a whole number from 0 to 100, "
                                    f"got {value!r}")
        points[dimension] = {name: section[name] for name in names}
    licences = [points["reusable"][name] for name in LICENCE_ORDER]
    if licences != sorted(licences, reverse=True):
        raise DataRankError(f"--fair-weights {path}: [reusable] licence points must not rise from open to "
                            f"publisher-specific ({', '.join(f'{n} {v}' for n, v in zip(LICENCE_ORDER, licences, strict=True))})")
    weights = FairWeights(version.strip(), path, hashlib.sha256(body).hexdigest(), points)
    over = {dimension: most for dimension, most in weights.maxima().items() if most > 100}
    if over:
        raise DataRankError(f"--fair-weights {path}: a dimension can give at most 100 points; "
                            + ", ".join(f"{d} gives up to {m}" for d, m in over.items()))
    return weights


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
