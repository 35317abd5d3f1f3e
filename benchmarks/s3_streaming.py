"""Peak memory of ingesting one part file over S3, for part files of growing size.

    .venv/bin/python benchmarks/s3_streaming.py [--sizes 50 200]

Starts a local S3 server (moto, loopback only), uploads one gzip JSON Lines part file of each size
(MB of gzip; the records carry an incompressible field DataRank skips, so the gzip size is the
bytes streamed) into a public-read `openalex` bucket, and ingests each, in a fresh process, from
`s3://openalex` (anonymously, through s3fs, DuckDB reading through the registered filesystem).
If a part sat whole in memory, peak memory would grow with the part's size; streamed, it stays flat.
moto serves ranged reads slowly, so the seconds here say nothing about S3's speed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject", "s3:HeadObject", "s3:ListBucket"],
                   "Resource": ["arn:aws:s3:::openalex", "arn:aws:s3:::openalex/*"]}],
}


def part(megabytes: int) -> tuple[bytes, int]:
    """A gzip part of about `megabytes` MB: works with a 1 KB random hex field."""
    number, size, members = 0, 0, []
    while size < megabytes * 1_000_000:
        chunk = [
            json.dumps({"id": f"https://openalex.org/W{number + i}", "cited_by_count": i % 7,
                        "referenced_works": [f"https://openalex.org/W{number + i - 1}"],
                        "abstract_inverted_index": {os.urandom(512).hex(): [0]}}) + "\n"
            for i in range(10_000)
        ]
        number += len(chunk)
        block = gzip.compress("".join(chunk).encode(), compresslevel=1)
        members.append(block)  # gzip members one after another make one gzip file
        size += len(block)
    return b"".join(members), number


def child(snapshot: str, data_dir: str) -> None:
    from datarank.pipeline import run
    from datarank.settings import Settings

    started = time.perf_counter()
    state = run(Settings(snapshot=snapshot, data_dir=Path(data_dir), threads=1), stages=("ingest",))
    peak = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:"))
    print(json.dumps({"seconds": time.perf_counter() - started, "peak_rss_mb": peak / 1024,
                      "lines": state.ingest_summary["counts"]["lines_read"]}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    import boto3

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id="admin", aws_secret_access_key="admin")
        client.create_bucket(Bucket="openalex")
        client.put_bucket_policy(Bucket="openalex", Policy=json.dumps(POLICY))
        env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_EC2_METADATA_DISABLED": "true", "PYTHONPATH": str(REPO)}
        for megabytes in args.sizes:
            body, records = part(megabytes)
            prefix = f"size{megabytes}"
            key = f"{prefix}/data/works/updated_date=2025-01-01/part_000.gz"
            client.put_object(Bucket="openalex", Key=key, Body=body)
            manifest = {"entries": [{"url": f"s3://openalex/{key}",
                                     "meta": {"content_length": len(body), "record_count": records}}]}
            client.put_object(Bucket="openalex", Key=f"{prefix}/data/works/manifest", Body=json.dumps(manifest).encode())
            with tempfile.TemporaryDirectory() as data_dir:
                output = subprocess.run([sys.executable, __file__, "--child", f"s3://openalex/{prefix}", data_dir],
                                        check=True, capture_output=True, text=True, env=env).stdout
            result = json.loads(output.strip().splitlines()[-1])
            assert result["lines"] == records
            with tempfile.TemporaryDirectory() as local:  # the same part on the local disk, for comparison
                folder = Path(local) / "snapshot" / "data/works"
                (folder / "updated_date=2025-01-01").mkdir(parents=True)
                (folder / "updated_date=2025-01-01/part_000.gz").write_bytes(body)
                (folder / "manifest").write_text(json.dumps(manifest))
                output = subprocess.run([sys.executable, __file__, "--child", str(Path(local) / "snapshot"), f"{local}/lake"],
                                        check=True, capture_output=True, text=True, env=env).stdout
            on_disk = json.loads(output.strip().splitlines()[-1])
            print(f"part of {len(body) / 1e6:6.0f} MB gzip ({records:,} records): peak RSS {result['peak_rss_mb']:6.0f} MB "
                  f"over S3, {on_disk['peak_rss_mb']:6.0f} MB from the local disk; {result['seconds']:.1f} s over S3")
            client.delete_object(Bucket="openalex", Key=key)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
