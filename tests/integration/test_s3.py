"""Reading snapshots over S3, for real: a local S3 server (moto's server mode, started here on a
loopback port) holds an `openalex` bucket with the three layouts and a public-read policy, and a
private mirror bucket. Nothing here reaches the internet: AWS_ENDPOINT_URL points botocore at the
local server, and the instance-metadata lookup is off."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import polars as pl
import pytest
from click.testing import CliRunner
from published import assert_same_table

from datarank import snapshot
from datarank.cli import main
from datarank.pipeline import run
from datarank.settings import Settings
from tests.factory.layouts import write_release
from tests.factory.randoms import random_release

BUCKET = "openalex"
MIRROR = "mirror-bucket"
#: Anyone may list and read the bucket, as for the real s3://openalex. (moto checks HEAD requests
#: against `s3:HeadObject`; AWS checks them against s3:GetObject.)
PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["s3:GetObject", "s3:HeadObject", "s3:ListBucket"],
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
        }
    ],
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server on a loopback port, for this module."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
                    break
            except OSError:
                if server.poll() is not None:
                    pytest.fail("the moto S3 server did not start")
                time.sleep(0.1)
        else:
            pytest.fail("the moto S3 server did not answer within 30 s")
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def aws_env(s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """AWS settings of a machine with no credentials, whose S3 endpoint is the local server; a
    profile `mirror` exists in its config files. Yields the folder of those files."""
    folder = tmp_path_factory.mktemp("aws")
    (folder / "credentials").write_text("[mirror]\naws_access_key_id = mirrorkey\naws_secret_access_key = mirrorsecret\n")
    (folder / "config").write_text("[profile mirror]\nregion = eu-west-1\n")
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
                     "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_DEFAULT_REGION"):
            patch.delenv(name, raising=False)
        patch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
        patch.setenv("AWS_CONFIG_FILE", str(folder / "config"))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(folder / "credentials"))
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        yield folder
        _forget_s3_clients()


def _forget_s3_clients() -> None:
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()


@pytest.fixture(scope="module")
def buckets(aws_env: Path, s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`openalex` (public-read) and `mirror-bucket` (private), uploaded from local copies. Returns
    the local copies: the bucket root and each layout alone (for the local runs to compare with)."""
    local = tmp_path_factory.mktemp("local")
    release = random_release(seed=11, works=120, partitions=4)
    for layout in ("parquet", "jsonl", "legacy"):  # legacy last: the layouts share merged_ids
        write_release(local / "bucket", release, layout)
        write_release(local / layout, release, layout)
    client = _admin(s3_endpoint)
    client.create_bucket(Bucket=BUCKET)
    client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_READ))
    client.create_bucket(Bucket=MIRROR)
    for bucket, source in ((BUCKET, local / "bucket"), (MIRROR, local / "jsonl")):
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            client.put_object(Bucket=bucket, Key=path.relative_to(source).as_posix(), Body=path.read_bytes())
    return {"bucket": local / "bucket", **{layout: local / layout for layout in ("parquet", "jsonl", "legacy")}}


def _admin(endpoint: str):
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="admin", aws_secret_access_key="admin"
    )


@pytest.fixture(scope="module")
def local_scores(buckets: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    """The same release scored from the local disk (the layouts agree: test_layouts.py)."""
    out = tmp_path_factory.mktemp("local-run")
    run(Settings(snapshot=str(buckets["jsonl"]), data_dir=out))
    return pl.read_parquet(out / "current" / "scores.parquet").sort("work_number")


@pytest.mark.parametrize(
    ("uri", "layout"),
    [
        (f"s3://{BUCKET}", "parquet"),
        (f"s3://{BUCKET}/data/jsonl/works", "jsonl"),
        (f"s3://{BUCKET}/data/works/", "legacy"),
    ],
)
def test_s3_openalex_is_read_anonymously_in_every_layout(
    buckets: dict[str, Path], local_scores: pl.DataFrame, tmp_path: Path, uri: str, layout: str
) -> None:
    state = run(Settings(snapshot=uri, data_dir=tmp_path))
    assert state.ingest_summary["snapshot"]["layout"] == layout
    assert state.ingest_summary["snapshot"]["works_dir"].startswith(f"s3://{BUCKET}/")
    files = state.ingest_summary["files"]
    assert files and all(f["status"] == "read" and f["fingerprint"].startswith("ETag=") for f in files)
    scores = pl.read_parquet(tmp_path / "current" / "scores.parquet").sort("work_number")
    assert scores.height > 100
    assert_same_table(scores, local_scores, "scores")


def test_reads_really_are_anonymous(buckets: dict[str, Path], s3_endpoint: str, tmp_path: Path) -> None:
    """Without the public-read policy the same run is refused: its requests carry no credentials."""
    client = _admin(s3_endpoint)
    client.delete_bucket_policy(Bucket=BUCKET)
    try:
        result = CliRunner().invoke(main, ["ingest", "--snapshot", f"s3://{BUCKET}/data/jsonl", "--data-dir", str(tmp_path)])
    finally:
        client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_READ))
    assert result.exit_code == 1
    assert "datarank: error:" in result.output
    assert "Forbidden" in result.output or "Access Denied" in result.output


def test_a_private_store_is_read_with_the_profile_named_by_aws_profile(
    buckets: dict[str, Path], local_scores: pl.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uri = f"s3://{MIRROR}/data/jsonl/works"
    result = CliRunner().invoke(main, ["ingest", "--snapshot", uri, "--data-dir", str(tmp_path / "nocreds")])
    assert result.exit_code == 1
    assert "credentials" in result.output.lower()
    assert result.output.count("\n") == 1

    monkeypatch.setenv("AWS_PROFILE", "mirror")
    _forget_s3_clients()
    try:
        run(Settings(snapshot=uri, data_dir=tmp_path / "profile"))
    finally:
        _forget_s3_clients()
    scores = pl.read_parquet(tmp_path / "profile" / "current" / "scores.parquet").sort("work_number")
    assert_same_table(scores, local_scores, "scores")


def test_nightly_runs_on_s3_read_only_changed_objects(
    buckets: dict[str, Path], s3_endpoint: str, tmp_path: Path
) -> None:
    """The lake remembers each object's ETag: an unchanged bucket is not read again; an object
    rewritten in place (new ETag, manifest rewritten last) is read alone."""
    uri = f"s3://{MIRROR}/data/jsonl/works"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_PROFILE", "mirror")
        _forget_s3_clients()
        try:
            first = run(Settings(snapshot=uri, data_dir=tmp_path / "nightly"), stages=("ingest",))
            again = run(Settings(snapshot=uri, data_dir=tmp_path / "nightly"), stages=("ingest",))
            assert [f["status"] for f in again.ingest_summary["files"]] == ["cached"] * len(first.ingest_summary["files"])

            # Rewrite one part in place with one record fewer, as a release does, manifest last.
            local = buckets["jsonl"]
            changed = _drop_last_record(local, first.ingest_summary["files"][-1]["key"])
            client = _admin(s3_endpoint)
            for key in (changed, "data/jsonl/works/manifest.json"):
                client.put_object(Bucket=MIRROR, Key=key, Body=(local / key).read_bytes())
            night = run(Settings(snapshot=uri, data_dir=tmp_path / "nightly"))
            fresh = run(Settings(snapshot=uri, data_dir=tmp_path / "fresh"))
        finally:
            _forget_s3_clients()
    assert [f["key"] for f in night.ingest_summary["files"] if f["status"] == "read"] == [changed]
    assert night.ingest_summary["counts"]["lines_read"] == first.ingest_summary["counts"]["lines_read"] - 1
    nightly_scores = pl.read_parquet(tmp_path / "nightly" / "current" / "scores.parquet").sort("work_number")
    fresh_scores = pl.read_parquet(tmp_path / "fresh" / "current" / "scores.parquet").sort("work_number")
    assert_same_table(nightly_scores, fresh_scores, "scores")
    assert fresh.ingest_summary["counts"]["works"] == night.ingest_summary["counts"]["works"]


def test_transient_errors_are_retried_with_backoff(buckets: dict[str, Path], local_scores: pl.DataFrame,
                                                   s3_endpoint: str, tmp_path: Path) -> None:
    """A proxy in front of the S3 server answers the first reads of part files with 503 SlowDown,
    as S3 does under load: the run retries them and completes with the same result."""
    proxy = _FlakyProxy(int(s3_endpoint.rsplit(":", 1)[1]), failures=3)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{proxy.server_address[1]}")
            _forget_s3_clients()
            try:
                run(Settings(snapshot=f"s3://{BUCKET}/data/jsonl/works", data_dir=tmp_path))
            finally:
                _forget_s3_clients()
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert proxy.failed == 3
    scores = pl.read_parquet(tmp_path / "current" / "scores.parquet").sort("work_number")
    assert_same_table(scores, local_scores, "scores")


def test_a_store_that_keeps_failing_ends_the_run_with_one_line(buckets: dict[str, Path], s3_endpoint: str,
                                                               tmp_path: Path) -> None:
    """503 SlowDown on every read of a part file: the retries run out (2 attempts per request here,
    10 by default), the run fails with one error line naming the file, and nothing is published."""
    proxy = _FlakyProxy(int(s3_endpoint.rsplit(":", 1)[1]), failures=10**9)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{proxy.server_address[1]}")
            patch.setenv("DATARANK_S3_MAX_ATTEMPTS", "2")
            # botocore's adaptive mode also slows every later request down to half a request a
            # second once the store throttles: right for a real run, 90 s of waiting here
            config = snapshot.S3_OPTIONS["config_kwargs"]
            patch.setitem(snapshot.S3_OPTIONS, "config_kwargs", {**config, "retries": {**config["retries"], "mode": "standard"}})
            _forget_s3_clients()
            try:
                result = CliRunner().invoke(
                    main, ["run", "--snapshot", f"s3://{BUCKET}/data/jsonl/works", "--data-dir", str(tmp_path)]
                )
            finally:
                _forget_s3_clients()
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert result.exit_code == 1
    assert proxy.failed >= 2  # retried before giving up
    assert result.output.startswith(f"datarank: error: s3://{BUCKET}/data/jsonl/works/"), result.output
    assert result.output.count("\n") == 1, result.output
    assert not (tmp_path / "current").exists()


# ---------------------------------------------------------------- helpers
def _drop_last_record(root: Path, key: str) -> str:
    import gzip

    path = root / key
    lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    body = gzip.compress(b"".join(lines[:-1]), mtime=0)
    path.write_bytes(body)
    manifest_path = root / "data/jsonl/works/manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for entry in manifest["files"]:
        if entry["url"].endswith(key):
            entry["meta"] = {"content_length": len(body), "record_count": len(lines) - 1}
    manifest_path.write_text(json.dumps(manifest))
    return key


class _FlakyProxy(ThreadingHTTPServer):
    """Forwards requests to the S3 server, but answers the first `failures` GETs of part files
    with 503 SlowDown."""

    daemon_threads = True

    def __init__(self, upstream_port: int, failures: int) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.upstream_port = upstream_port
        self.remaining = failures
        self.failed = 0
        self.lock = threading.Lock()

    def should_fail(self, method: str, path: str) -> bool:
        if method != "GET" or "updated_date" not in path:  # (the = may be percent-encoded)
            return False
        with self.lock:
            if self.remaining <= 0:
                return False
            self.remaining -= 1
            self.failed += 1
            return True


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _FlakyProxy

    def do_GET(self) -> None:
        self._forward()

    def do_HEAD(self) -> None:
        self._forward()

    def _forward(self) -> None:
        try:
            if self.server.should_fail(self.command, self.path):
                body = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
                self.send_response(503)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
            upstream.request(self.command, self.path, headers=headers)
            response = upstream.getresponse()
            body = response.read()
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                    self.send_header(name, value)
            # A HEAD answer has no body but the object's length.
            self.send_header("Content-Length", response.getheader("Content-Length", "0") if self.command == "HEAD" else str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            upstream.close()
        except OSError:
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


