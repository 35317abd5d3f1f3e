"""`datarank export` to an object store, to standard output and from an older version, against the
local S3 server of test_s3.py (moto in server mode on a loopback port; nothing reaches the internet).
Credentials come from the environment's AWS profile, as on a cloud machine. An export appears whole
or not at all: an upload cut in the middle, or a failure after the local file is written, leaves the
previous object (or none)."""

from __future__ import annotations

import http.client
import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from test_s3 import _admin, _forget_s3_clients, aws_env, s3_endpoint  # noqa: F401 - fixtures

from datarank.cli import main

BUCKET = "exports"


@pytest.fixture(scope="module")
def bucket(aws_env: Path, s3_endpoint: str) -> str:
    _admin(s3_endpoint).create_bucket(Bucket=BUCKET)
    return BUCKET


@pytest.fixture
def profile(bucket: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Writes signed with the `mirror` profile's keys (AWS_PROFILE), as a nightly job's would be."""
    monkeypatch.setenv("AWS_PROFILE", "mirror")
    _forget_s3_clients()
    yield
    _forget_s3_clients()


def export(*args: str) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(main, ["export", *args])
    return result.exit_code, result.stdout_bytes, result.stderr


def _object(endpoint: str, key: str) -> bytes | None:
    client = _admin(endpoint)
    try:
        return client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    except client.exceptions.NoSuchKey:
        return None


def test_export_to_s3_writes_what_a_local_export_writes(published_sample: Path, s3_endpoint: str, profile: None,
                                                        tmp_path: Path) -> None:
    local = tmp_path / "top.csv"
    assert export("--data-dir", str(published_sample), "--output", str(local), "--top", "20")[0] == 0
    code, _, stderr = export("--data-dir", str(published_sample), "--output", f"s3://{BUCKET}/nightly/top.csv", "--top", "20")
    assert code == 0, stderr
    uploaded = _object(s3_endpoint, "nightly/top.csv")
    assert uploaded == local.read_bytes()
    assert pl.read_csv(io.BytesIO(uploaded))["rank"].to_list() == list(range(1, 21))


def test_export_to_standard_output_and_from_an_older_version(published_sample: Path, tmp_path: Path) -> None:
    local = tmp_path / "top.parquet"
    assert export("--data-dir", str(published_sample), "--output", str(local), "--top", "5")[0] == 0
    code, stdout, stderr = export("--data-dir", str(published_sample), "--output", "-", "--top", "5", "--format", "parquet")
    assert code == 0, stderr
    assert pl.read_parquet(io.BytesIO(stdout)).equals(pl.read_parquet(local))
    assert stderr == "wrote 5 works to standard output\n"
    code, stdout, _ = export("--data-dir", str(published_sample), "--output", "-", "--top", "3", "--version", "1")
    assert code == 0
    assert stdout.decode().splitlines()[0].startswith("work_id,cited_by_count,")  # csv by default
    assert len(stdout.decode().splitlines()) == 4
    code, _, stderr = export("--data-dir", str(published_sample), "--output", "-", "--version", "9")
    assert code == 1 and "no published version '9'" in stderr


def test_an_upload_cut_in_the_middle_leaves_the_previous_object(published_sample: Path, s3_endpoint: str,
                                                                profile: None, monkeypatch: pytest.MonkeyPatch) -> None:
    admin = _admin(s3_endpoint)
    admin.put_object(Bucket=BUCKET, Key="cut/top.csv", Body=b"last night's export\n")
    proxy = _CuttingProxy(int(s3_endpoint.rsplit(":", 1)[1]))
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{proxy.server_address[1]}")
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")  # botocore's; s3fs retries a few times on top
        _forget_s3_clients()
        for key in ("cut/top.csv", "cut/new.csv"):
            code, _, stderr = export("--data-dir", str(published_sample), "--output", f"s3://{BUCKET}/{key}")
            assert code == 1, stderr
            assert stderr.startswith(f"datarank: error: export: cannot write s3://{BUCKET}/{key}: ") and stderr.count("\n") == 1
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert proxy.cut >= 2  # each upload was cut after half its body, on every attempt
    assert _object(s3_endpoint, "cut/top.csv") == b"last night's export\n"
    assert _object(s3_endpoint, "cut/new.csv") is None


def test_a_failure_before_delivery_writes_nothing(published_sample: Path, s3_endpoint: str, profile: None,
                                                  tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Failing once the local file is written (ENOSPC injected at `export.written`): neither the
    bucket nor the local folder gets a file, and no temporary file stays behind."""
    monkeypatch.setenv("DATARANK_FAIL_AT", "export.written")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "top.csv").write_text("last night's export\n")
    for output in (f"s3://{BUCKET}/failed/top.csv", str(folder / "top.csv"), str(folder / "other.csv")):
        code, _, stderr = export("--data-dir", str(published_sample), "--output", output)
        assert code == 1 and "No space left on device" in stderr, stderr
    assert _object(s3_endpoint, "failed/top.csv") is None
    assert sorted(p.name for p in folder.iterdir()) == ["top.csv"]
    assert (folder / "top.csv").read_text() == "last night's export\n"


class _CuttingProxy(ThreadingHTTPServer):
    """Forwards requests to the S3 server, except that a PUT's connection is closed once half its
    body has arrived, with no answer: a network failure in the middle of an upload."""

    daemon_threads = True

    def __init__(self, upstream_port: int) -> None:
        super().__init__(("127.0.0.1", 0), _CuttingHandler)
        self.upstream_port = upstream_port
        self.cut = 0


class _CuttingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _CuttingProxy

    def do_PUT(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length // 2)
        self.server.cut += 1
        self.close_connection = True
        self.connection.shutdown(2)

    def do_GET(self) -> None:
        self._forward()

    def do_HEAD(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def do_DELETE(self) -> None:
        self._forward()

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
        upstream.request(self.command, self.path, body=body or None, headers=headers)
        response = upstream.getresponse()
        answer = response.read()
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", response.getheader("Content-Length", "0") if self.command == "HEAD" else str(len(answer)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer)
        upstream.close()

    def log_message(self, format: str, *args: object) -> None:
        pass
