"""`datarank report` on the shipped sample, opened in a real headless Chromium (Debian's package,
installed by .ci/run) through the DevTools protocol: the leaderboard renders the rows of
scores.parquet, sorts and filters them, its links lead to the work pages, nothing is fetched from
any network, and a screenshot is taken.

Set DATARANK_REPORT_SCREENSHOT=path.png to keep the leaderboard's screenshot (docs/ has one).
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
import shutil
import struct
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner
from fair_oracle import FairResult, compute_fair, year_type_percentiles
from oracle import OracleResult, author_entries, author_number, citation_count, compute, outdegree
from researcher_oracle import ResearcherRow, researchers, work_tiers

from datarank.cli import main

TOP = 100
#: Researchers in the report's researcher leaderboard: a cut no tie straddles, deep enough to reach
#: an author (rank 118, five works) one of whose works has no page in the report.
RESEARCHERS = 120
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"  # what `datarank run` reads by default
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--remote-debugging-port=0", "--window-size=1280,900",
]


class Browser:
    """A headless Chromium and one page of it, driven over the DevTools protocol (JSON over a
    WebSocket): navigate, evaluate JavaScript, wait for loads, take screenshots."""

    def __init__(self, binary: str, profile: Path) -> None:
        from websockets.sync.client import connect

        self.process = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"chromium did not start (exit status {self.process.poll()})")
            time.sleep(0.1)
        port = port_file.read_text().splitlines()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            page = next(t for t in json.load(response) if t["type"] == "page")
        self.socket = connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=30)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        for domain in ("Page", "Network", "Runtime"):
            self.call(f"{domain}.enable")
        # The window size flag includes the browser's frame; fix the page's viewport itself.
        self.call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self.events.append(message)

    def wait_for(self, event: str, since: int) -> None:
        """Wait until `event` arrives after the first `since` events."""
        deadline = time.monotonic() + 60
        while not any(e.get("method") == event for e in self.events[since:]):
            if time.monotonic() > deadline:
                raise TimeoutError(event)
            self.events.append(json.loads(self.socket.recv(timeout=60)))

    def navigate(self, url: str) -> None:
        since = len(self.events)
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired", since)

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def click_and_wait(self, selector: str) -> None:
        """Click a link as a user would and wait for the page it leads to."""
        since = len(self.events)
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")
        self.wait_for("Page.loadEventFired", since)

    def screenshot(self, path: Path) -> bytes:
        png = base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
        path.write_bytes(png)
        return png

    def close(self) -> None:
        self.socket.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def report_dir(published_sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("report") / "report"
    result = CliRunner().invoke(
        main, ["report", "--data-dir", str(published_sample), "--output", str(output), "--top", str(TOP),
               "--researchers", str(RESEARCHERS), "--units", "0"]  # the units' pages: test_units.py
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        f"wrote a report of {TOP} of 339 works and {RESEARCHERS} of 743 researchers (version v000001)")
    return output


@pytest.fixture(scope="module")
def expected(published_sample: Path) -> pl.DataFrame:
    """The leaderboard the report must show: the top rows of the published scores.parquet."""
    return pl.read_parquet(published_sample / "current" / "scores.parquet").sort("rank").head(TOP)


@pytest.fixture(scope="module")
def sample_oracle() -> OracleResult:
    """tests/oracle.py's DataRank of the shipped sample (cap 200, d 0.85, as the published run)."""
    return compute(SAMPLE)


def oracle_top(result: OracleResult) -> list[int]:
    """The oracle's top TOP work numbers in rank order. The report's cut is only well defined if
    no near-tie straddles it (oracle.py's rank_range)."""
    ranked = sorted(result.rows.values(), key=lambda row: row.rank)
    assert all(row.rank_range[1] <= TOP for row in ranked[:TOP]), "a near-tie straddles the report's cut"
    return [row.work_number for row in ranked[:TOP]]


def oracle_citers(result: OracleResult, work: int, shown: int = 10, damping: float = 0.85) -> list[tuple[int, str, bool]]:
    """What a work page lists, from SPEC §2 and the page's rule (the `shown` first by contribution,
    ties in the cap's order): (position in the cap's order, citer id, is a self-citation) per row.
    A self-citation contributes 0; any other considered citer d·ln(1 + C(q)) / max(outdegree(q), 1)."""

    def authors(number: int) -> set[int]:
        return {a for a in map(author_number, author_entries(result.records[number])) if a is not None}

    rows = []
    for position, citer in enumerate(result.rows[work].considered, start=1):
        is_self = bool(authors(citer) & authors(work))
        record = result.records[citer]
        contribution = 0.0 if is_self else damping * math.log1p(citation_count(record)) / max(outdegree(record), 1)
        rows.append((-contribution, position, f"W{citer}", is_self))
    return [(position, work_id, is_self) for _, position, work_id, is_self in sorted(rows)[:shown]]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    binary = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(binary).exists():
        pytest.fail("Debian's chromium is needed for the report tests: apt-get install -y chromium (.ci/run does)")
    chromium = Browser(binary, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield chromium
    finally:
        chromium.close()


def leaderboard_rows(browser: Browser) -> list[dict[str, Any]]:
    return browser.evaluate("""
        Array.from(document.querySelectorAll('#leaderboard tbody tr'))
            .filter(row => !row.hidden && row.offsetParent !== null)
            .map(row => ({work: row.querySelector('a.work').getAttribute('href'),
                          rank: row.cells[0].innerText.trim(), tier: row.cells[1].innerText.trim(),
                          datarank: row.cells[5].innerText.trim()}))
    """)


def test_the_report_is_one_folder_that_needs_no_network(report_dir: Path) -> None:
    assert (report_dir / "index.html").is_file()
    pages = sorted(p.name for p in (report_dir / "works").iterdir())
    assert len(pages) == TOP
    marker = json.loads((report_dir / "report.json").read_text())
    assert (marker["version"], marker["works_in_report"], marker["works_ranked"]) == ("v000001", TOP, 339)
    for page in [report_dir / "index.html", report_dir / "works" / pages[0]]:
        html = page.read_text()
        # Nothing is loaded from elsewhere: no script, stylesheet or image by URL (plots are inline SVG).
        assert not re.search(r"<(script|img|iframe)[^>]*\ssrc=", html)
        assert not re.search(r"<link[^>]*stylesheet", html)
        assert "@import" not in html and "url(http" not in html


def test_leaderboard_shows_the_top_rows_of_scores_parquet(
    browser: Browser, report_dir: Path, expected: pl.DataFrame, sample_oracle: OracleResult, tmp_path: Path
) -> None:
    browser.navigate((report_dir / "index.html").as_uri())
    assert browser.evaluate("document.title") == "DataRank leaderboard · v000001"
    rows = leaderboard_rows(browser)
    assert [r["work"] for r in rows] == [f"works/{w}.html" for w in expected["work_id"]]
    assert [r["work"] for r in rows] == [f"works/W{n}.html" for n in oracle_top(sample_oracle)]
    assert [int(r["rank"]) for r in rows] == list(range(1, TOP + 1))
    assert [r["tier"] for r in rows] == expected["tier"].to_list()
    assert [r["datarank"] for r in rows] == [f"{d:.3f}" for d in expected["datarank"]]
    # By hand: 339 works, no ties in the top 50, so rank r ≤ 50 has percentile 100·(339 − r)/338;
    # S1 (the top quintile) needs ≥ 80, i.e. 339 − r ≥ 270.4: all of the top 50.
    assert [r["tier"] for r in rows[:50]] == ["S1"] * 50
    # Further down ties decide where S1 ends (ranks 67 and 68 are tied): the oracle's tiers.
    tiers = work_tiers(sample_oracle)
    assert [r["tier"] for r in rows] == [tiers[n] for n in oracle_top(sample_oracle)]
    assert {r["tier"] for r in rows} == {"S1", "S2"}
    assert browser.evaluate("document.getElementById('shown').textContent") == str(TOP)
    # The three plots, the FAIR score's check and the comparison with OpenAlex are there, as inline SVG.
    assert browser.evaluate("document.querySelectorAll('figure.plot svg').length") == 5
    assert browser.evaluate("document.querySelectorAll('#plot-fair-validation svg').length") == 1
    assert browser.evaluate("document.querySelectorAll('#plot-openalex svg').length") == 1

    png = browser.screenshot(tmp_path / "leaderboard.png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1280, 900)
    assert len(png) > 20_000  # a rendered page, not a blank one
    if keep := os.environ.get("DATARANK_REPORT_SCREENSHOT"):
        shutil.copyfile(tmp_path / "leaderboard.png", keep)


def test_leaderboard_sorts_and_filters_in_the_browser(
    browser: Browser, report_dir: Path, expected: pl.DataFrame
) -> None:
    browser.navigate((report_dir / "index.html").as_uri())
    # Sort by "cited by" (the 8th column): ascending first, then descending; ties keep rank order.
    browser.evaluate("document.querySelectorAll('#leaderboard th button')[7].click()")
    ascending = expected.sort(["cited_by_count", "rank"])["work_id"]
    assert [r["work"] for r in leaderboard_rows(browser)] == [f"works/{w}.html" for w in ascending]
    browser.evaluate("document.querySelectorAll('#leaderboard th button')[7].click()")
    descending = expected.sort(["cited_by_count", "rank"], descending=[True, False])["work_id"]
    assert [r["work"] for r in leaderboard_rows(browser)] == [f"works/{w}.html" for w in descending]

    def choose(select: str, value: str) -> None:
        browser.evaluate(f"""(() => {{ const s = document.getElementById('{select}'); s.value = '{value}';
                          s.dispatchEvent(new Event('change')); }})()""")

    choose("year-filter", "2018")
    in_2018 = set(expected.filter(pl.col("publication_year") == 2018)["work_id"])
    assert in_2018 and {r["work"] for r in leaderboard_rows(browser)} == {f"works/{w}.html" for w in in_2018}
    assert browser.evaluate("document.getElementById('shown').textContent") == str(len(in_2018))
    choose("year-filter", "")
    choose("type-filter", "book")
    books = set(expected.filter(pl.col("type") == "book")["work_id"])
    assert books and {r["work"] for r in leaderboard_rows(browser)} == {f"works/{w}.html" for w in books}
    choose("tier-filter", "S2")
    both = set(expected.filter((pl.col("type") == "book") & (pl.col("tier") == "S2"))["work_id"])
    assert both and both < books  # the filters combine: some books of the leaderboard are S1
    assert {r["work"] for r in leaderboard_rows(browser)} == {f"works/{w}.html" for w in both}


def test_a_leaderboard_link_opens_the_work_page(
    browser: Browser, report_dir: Path, expected: pl.DataFrame, sample_oracle: OracleResult
) -> None:
    browser.navigate((report_dir / "index.html").as_uri())
    # W2741809807 (rank 5): the seed page's example paper.
    browser.click_and_wait('a.work[href="works/W2741809807.html"]')
    assert browser.evaluate("location.href") == (report_dir / "works" / "W2741809807.html").as_uri()
    row = expected.filter(pl.col("work_id") == "W2741809807").to_dicts()[0]
    assert browser.evaluate("document.getElementById('title').textContent") == row["title"]
    assert browser.evaluate("document.getElementById('datarank').textContent") == "1.5"
    assert browser.evaluate("document.getElementById('tier').textContent") == "S1"  # percentile 98.8 ≥ 80
    text = browser.evaluate("document.body.innerText")
    assert "(0.15 × ln(1 + 962) = 1.0305)" in text
    assert "roughly 69% from base citations, 31% from the citation network" in text
    assert "from 2 citing papers with measurable signal" in text
    assert "https://doi.org/10.7717/peerj.4375" in text
    # Its citers are listed by contribution, as explain does (the oracle's three: C 8 and 3, then
    # C 0, whose signal ln(1) is 0); none of them is in the top 100.
    citers = browser.evaluate("Array.from(document.querySelectorAll('#citers tbody tr')).map(r => r.cells[1].innerText)")
    assert citers == [work_id for _, work_id, _ in oracle_citers(sample_oracle, 2741809807)]
    assert len(citers) == 3
    # Back to the leaderboard by its link.
    browser.click_and_wait('a[href="../index.html"]')
    assert browser.evaluate("location.href") == (report_dir / "index.html").as_uri()

    # A citer that has its own page in the report is linked to it, and the link works: the first
    # such pair of the oracle's top 100 (by cited, then citing id).
    top = oracle_top(sample_oracle)
    pages = {f"W{n}" for n in top}
    linked = sorted(
        (cited, int(citing[1:])) for cited in top for _, citing, _ in oracle_citers(sample_oracle, cited) if citing in pages
    )
    assert linked, "the sample's top 100 has citers among themselves"
    cited, citing = linked[0]
    browser.navigate((report_dir / "works" / f"W{cited}.html").as_uri())
    browser.click_and_wait(f'a.citer[href="W{citing}.html"]')
    assert browser.evaluate("document.getElementById('work-id').textContent") == f"W{citing}"


CITER_ROW = re.compile(
    r'<tr( class="muted")?>\s*<td class="num">(\d+)</td>\s*<td>(?:<a class="citer" href="(W\d+)\.html">)?(W\d+)'
)


def test_every_work_page_lists_the_citers_the_oracle_lists(report_dir: Path, sample_oracle: OracleResult) -> None:
    """All 100 pages, read as files: which citers, in which order, their position in the cap's order
    (the # column), self-citations greyed out, and a link exactly for those with a page. The sample's
    top 100 has pages where contribution reorders the cap's order (W2153579005: the 5th citer by C,
    0.85·ln(1 + C)/outdegree = 0.1562, comes before the 3rd, 0.1098) and self-citations (W2962739339,
    W2096537696), so a page that kept the cap's order or reversed it would fail here."""
    top = oracle_top(sample_oracle)
    assert sorted(p.stem for p in (report_dir / "works").iterdir()) == sorted(f"W{n}" for n in top)
    pages = {f"W{n}" for n in top}
    for work in top:
        html = (report_dir / "works" / f"W{work}.html").read_text()
        section = html[html.index('id="citers"'):]
        section = section[: section.index("</section>")]
        shown = [(int(position), work_id, bool(muted), link) for muted, position, link, work_id in CITER_ROW.findall(section)]
        expected_rows = oracle_citers(sample_oracle, work)
        assert [(p, w, s) for p, w, s, _ in shown] == expected_rows, f"W{work}"
        assert [link for _, _, _, link in shown] == [w if w in pages else "" for _, w, _ in expected_rows], f"W{work}"


def test_nothing_was_fetched_and_no_script_failed(browser: Browser, report_dir: Path) -> None:
    browser.navigate((report_dir / "index.html").as_uri())
    requested = [e["params"]["request"]["url"] for e in browser.events if e.get("method") == "Network.requestWillBeSent"]
    assert requested, "the browser's requests were recorded"
    assert all(url.startswith(("file://", "data:")) for url in requested), requested
    errors = [e for e in browser.events if e.get("method") == "Runtime.exceptionThrown"]
    assert errors == []


def test_report_replaces_an_earlier_report_but_nothing_else(published_sample: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    for top in ("3", "2"):
        result = CliRunner().invoke(main, ["report", "--data-dir", str(published_sample), "-o", str(output), "--top", top])
        assert result.exit_code == 0, result.output
    assert len(list((output / "works").iterdir())) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no partial or old folders left

    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "mine.txt").write_text("keep me")
    result = CliRunner().invoke(main, ["report", "--data-dir", str(published_sample), "-o", str(foreign)])
    assert result.exit_code == 1
    assert "holds files that are not a DataRank report" in result.output
    assert [p.name for p in foreign.iterdir()] == ["mine.txt"]


# ---------------------------------------------------------------- researchers
def oracle_researchers(result: OracleResult) -> list[ResearcherRow]:
    """tests/researcher_oracle.py's top RESEARCHERS authors of the sample, in rank order; the cut
    must not split a near-tie."""
    ranked = sorted(researchers(result).values(), key=lambda row: row.rank)
    assert all(row.rank_range[1] <= RESEARCHERS for row in ranked[:RESEARCHERS]), "a near-tie straddles the cut"
    return ranked[:RESEARCHERS]


def test_the_researcher_leaderboard_and_pages_show_the_oracles_researchers(
    browser: Browser, report_dir: Path, sample_oracle: OracleResult
) -> None:
    expected = oracle_researchers(sample_oracle)
    # From the works leaderboard, by the link in the header.
    browser.navigate((report_dir / "index.html").as_uri())
    browser.click_and_wait("a#nav-researchers")
    assert browser.evaluate("document.title") == "Researchers · v000001"
    rows = browser.evaluate("""
        Array.from(document.querySelectorAll('#researchers tbody tr')).map(row => ({
            rank: row.cells[0].innerText.trim(), author: row.cells[1].innerText.trim(),
            score: row.cells[2].innerText.trim(), works: row.cells[4].innerText.trim(),
            best: row.cells[5].querySelector('.id').innerText.trim()}))
    """)
    assert [r["author"] for r in rows] == [f"A{x.author_number}" for x in expected]
    assert [int(r["rank"]) for r in rows] == list(range(1, RESEARCHERS + 1))
    assert [r["score"] for r in rows] == [f"{x.researcher_score:.3f}" for x in expected]
    assert [int(r["works"]) for r in rows] == [x.works for x in expected]
    assert [r["best"].split(" · ")[0] for r in rows] == [f"W{x.top_works[0]}" for x in expected]

    # The page of A5108104297 (rank 118): five works, one of them (W91322025) outside the top 100
    # works, so listed without a link.
    author = next(x for x in expected if x.author_number == 5108104297)
    assert (author.rank, author.works) == (118, 5)
    browser.click_and_wait('a.researcher[href="researchers/A5108104297.html"]')
    assert browser.evaluate("document.getElementById('author-id').textContent") == "A5108104297"
    assert browser.evaluate("document.getElementById('researcher-score').textContent") == f"{author.researcher_score:.1f}"
    listed = browser.evaluate("""
        Array.from(document.querySelectorAll('#works tbody tr')).map(row => ({
            work: row.cells[1].innerText.trim(),
            link: row.cells[1].querySelector('a') ? row.cells[1].querySelector('a').getAttribute('href') : null}))
    """)
    pages = {f"W{n}" for n in oracle_top(sample_oracle)}
    assert [r["work"] for r in listed] == [f"W{n}" for n in author.top_works]
    assert [r["link"] for r in listed] == [f"../works/{r['work']}.html" if r["work"] in pages else None for r in listed]
    assert None in [r["link"] for r in listed] and "W91322025" not in pages
    assert "the mean DataRank of all 5 works" in browser.evaluate("document.body.innerText")
    # A linked work opens its page.
    linked = next(r["work"] for r in listed if r["link"])
    browser.click_and_wait(f'a.work[href="../works/{linked}.html"]')
    assert browser.evaluate("document.getElementById('work-id').textContent") == linked


WORK_ROW = re.compile(r'<tr>\s*<td class="num">(\d+)</td>\s*<td>(?:<a class="work" href="\.\./works/(W\d+)\.html">)?(W\d+)')


def test_every_researcher_page_lists_the_oracles_works(report_dir: Path, sample_oracle: OracleResult) -> None:
    """All the researcher pages, read as files: the works whose mean the score is, best first,
    linked exactly where the work has a page."""
    expected = oracle_researchers(sample_oracle)
    assert sorted(p.stem for p in (report_dir / "researchers").iterdir()) == sorted(f"A{x.author_number}" for x in expected)
    pages = {f"W{n}" for n in oracle_top(sample_oracle)}
    for author in expected:
        html = (report_dir / "researchers" / f"A{author.author_number}.html").read_text()
        section = html[html.index('id="works"'):]
        shown = WORK_ROW.findall(section[: section.index("</section>")])
        assert [(int(p), w) for p, _, w in shown] == list(enumerate((f"W{n}" for n in author.top_works), start=1))
        assert [link for _, link, w in shown] == [w if w in pages else "" for _, _, w in shown], author.author_number
@pytest.fixture(scope="module")
def sample_fair(sample_oracle: OracleResult) -> FairResult:
    """tests/fair_oracle.py's fair_v1 of the shipped sample."""
    return compute_fair(sample_oracle, year_type_percentiles(sample_oracle))


def half_up(score: float) -> str:
    return f"{math.floor(score + 0.5)}/100"


def test_the_paper_page_shows_the_fair_score_venue_and_abstract(
    browser: Browser, report_dir: Path, sample_fair: FairResult
) -> None:
    """The seed page's paper context, in Chromium: "Its calibrated FAIR score is N/100" with the four
    dimensions and the checklist, "published in VENUE (YEAR)", and the abstract (shortened, whole
    when opened); the leaderboard's FAIR column. Expected values from tests/fair_oracle.py."""
    want = sample_fair.rows[2741809807]
    browser.navigate((report_dir / "works" / "W2741809807.html").as_uri())
    text = browser.evaluate("document.body.innerText")
    assert f"Its calibrated FAIR score is {half_up(want.fair_score)}" in text
    assert want.venue == "PeerJ"
    assert browser.evaluate("document.getElementById('venue').innerText") == "published in PeerJ (2018)"
    dimensions = [browser.evaluate(f"document.getElementById('{c}').innerText") for c in
                  ("fair_findable", "fair_accessible", "fair_interoperable", "fair_reusable")]
    assert dimensions == [f"{d}/100" for d in want.dimensions]
    checklist = browser.evaluate("Array.from(document.querySelectorAll('#fair-checklist li')).map(li => li.className)")
    assert checklist == ["yes" if want.checklist[c] else "no" for c in
                         ("has_doi", "in_repository", "is_oa", "datacite_registered", "linked_datasets", "open_licence",
                          "version_history")]
    assert "context only, not used in DataRank" in text
    abstract = browser.evaluate("document.querySelector('#abstract-text summary .preview').innerText")
    assert want.abstract and abstract.endswith(" …") and want.abstract.startswith(abstract.removesuffix(" …"))
    browser.evaluate("document.querySelector('#abstract-text summary').click()")
    assert browser.evaluate("document.querySelector('#abstract-text p').innerText") == want.abstract

    browser.navigate((report_dir / "index.html").as_uri())
    shown = browser.evaluate("""Object.fromEntries(Array.from(document.querySelectorAll('#leaderboard tbody tr'))
        .map(row => [row.dataset.work, row.querySelector('td.fair').innerText]))""")
    scores = {f"W{n}": row.fair_score for n, row in sample_fair.rows.items()}
    assert len(shown) == TOP
    assert shown == {work: "–" if scores[work] is None else half_up(scores[work]) for work in shown}
