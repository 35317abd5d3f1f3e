"""Credentials in snapshot URIs are masked wherever DataRank writes text."""

from __future__ import annotations

import logging

import pytest

from datarank.redact import RedactingFilter, redact, redact_all


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s3://AKIAEXAMPLE:wJalrXUtnFEMI@bucket/data/works", "s3://***@bucket/data/works"),
        ("cannot open s3://KEY@bucket/x: denied", "cannot open s3://***@bucket/x: denied"),
        ("https://user:p%40ss@host:8080/snap/manifest", "https://***@host:8080/snap/manifest"),
        (
            "https://host/a.gz?X-Amz-Credential=AKIA%2F2026&X-Amz-Signature=abc123&X-Amz-Expires=60",
            "https://host/a.gz?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Expires=60",
        ),
        ("https://host/snap?token=t0k3n&part=3", "https://host/snap?token=***&part=3"),
        ("gs://bucket/x?access_token=ya29.secret", "gs://bucket/x?access_token=***"),
        ("https://host/x?sig=zz&api_key=kk", "https://host/x?sig=***&api_key=***"),
        # nothing secret: unchanged
        ("s3://openalex/data/works/updated_date=2024-01-01/part_000.gz", "s3://openalex/data/works/updated_date=2024-01-01/part_000.gz"),
        ("/data/snapshot/updated_date=2024-01-01", "/data/snapshot/updated_date=2024-01-01"),
        ("user@example.org wrote W123", "user@example.org wrote W123"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_redact_all_walks_nested_values() -> None:
    value = {"snapshot": {"uri": "s3://K:S@b/x", "files": 3}, "files": [{"url": "s3://K:S@b/x/p.gz", "lines": 2}],
             "pair": ("https://h/?token=t", None)}
    assert redact_all(value) == {"snapshot": {"uri": "s3://***@b/x", "files": 3},
                                 "files": [{"url": "s3://***@b/x/p.gz", "lines": 2}], "pair": ("https://h/?token=***", None)}


def test_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("datarank.test_redact")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="datarank.test_redact"):
        logger.info("snapshot %s: %d files", "s3://KEY:SECRET@bucket/x", 3)
    assert caplog.messages == ["snapshot s3://***@bucket/x: 3 files"]
    assert "SECRET" not in caplog.text
