"""The floor for a whole run: a plain, single-file DuckDB script, the kind people hand-roll.

Reads every part file with read_json and an explicit column list, keeps everything in memory, and
computes the same DataRank (dedup by updated_date, merges, cap by C desc / id asc, self-citations
after the cap) — no lake, no versions, no checks, no quarantine. Used by benchmarks/run.py only.

    python benchmarks/plain_script.py SNAPSHOT_ROOT OUT.parquet [--cap 200] [--damping 0.85]
"""

from __future__ import annotations

import argparse
import glob
import json
import time
from pathlib import Path

import duckdb

COLUMNS = """{'id': 'VARCHAR', 'cited_by_count': 'BIGINT', 'referenced_works_count': 'BIGINT',
    'referenced_works': 'VARCHAR[]', 'authorships': 'STRUCT(author STRUCT(id VARCHAR))[]',
    'updated_date': 'VARCHAR', 'title': 'VARCHAR', 'publication_year': 'INTEGER', 'type': 'VARCHAR'}"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("snapshot", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--cap", type=int, default=200)
    parser.add_argument("--damping", type=float, default=0.85)
    args = parser.parse_args()
    started = time.perf_counter()
    manifest = json.loads((args.snapshot / "data/works/manifest").read_text())
    files = [str(args.snapshot / e["url"].split("openalex/", 1)[1]) for e in manifest["entries"]]
    merged = glob.glob(str(args.snapshot / "data/merged_ids/works/*.csv.gz"))
    con = duckdb.connect()
    con.execute(f"""
        create table raw as
        select cast(substr(id, 23) as bigint) as work_id, *, filename
        from read_json({files!r}, format = 'newline_delimited', columns = {COLUMNS}, filename = true)
    """).fetchall()
    con.execute(f"""
        create table merged as
        select cast(substr(id, 2) as bigint) as work_id, cast(substr(merge_into_id, 2) as bigint) as into_id
        from read_csv({merged!r}, columns = {{'merge_date': 'VARCHAR', 'id': 'VARCHAR', 'merge_into_id': 'VARCHAR'}}, header = true)
    """ if merged else "create table merged (work_id bigint, into_id bigint)").fetchall()
    con.execute("""
        create table works as
        select * from raw
        where work_id not in (select work_id from merged)
        qualify row_number() over (partition by work_id order by updated_date desc, filename desc) = 1
    """).fetchall()
    con.execute("""
        create table citations as
        with recursive chain as (
            select work_id, into_id, 1 as hops from merged
            union all
            select c.work_id, m.into_id, c.hops + 1 from chain c join merged m on m.work_id = c.into_id where c.hops < 32
        ),
        redirect as (select work_id, arg_max(into_id, hops) as into_id from chain group by work_id),
        refs as (select work_id as citing_id, cast(substr(unnest(referenced_works), 23) as bigint) as ref from works)
        select distinct refs.citing_id, coalesce(redirect.into_id, refs.ref) as cited_id
        from refs left join redirect on redirect.work_id = refs.ref
        where coalesce(redirect.into_id, refs.ref) in (select work_id from works)
            and refs.citing_id <> coalesce(redirect.into_id, refs.ref)
    """).fetchall()
    con.execute("""
        create table authors as
        select distinct work_id, cast(substr(unnest(authorships).author.id, 23) as bigint) as author_id from works
    """).fetchall()
    con.execute(f"""
        copy (
            with w as (
                select work_id, greatest(coalesce(cited_by_count, 0), 0) as c,
                    coalesce(referenced_works_count, len(list_distinct(referenced_works))) as outdeg
                from works
            ),
            ranked as (
                select citations.cited_id, citations.citing_id,
                    row_number() over (partition by cited_id order by w.c * 34359738368 + (34359738367 - w.work_id) desc) as r
                from citations join w on w.work_id = citations.citing_id
            ),
            considered as (select * from ranked where r <= {args.cap}),
            self as (
                select distinct k.cited_id, k.citing_id from considered k
                join authors a on a.work_id = k.cited_id
                join authors b on b.work_id = k.citing_id and b.author_id = a.author_id
            ),
            n as (
                select k.cited_id, sum(ln(1 + w.c) / greatest(w.outdeg, 1)) as n
                from considered k join w on w.work_id = k.citing_id
                anti join self on self.cited_id = k.cited_id and self.citing_id = k.citing_id
                group by k.cited_id
            )
            select w.work_id, (1 - {args.damping}) * ln(1 + w.c) + {args.damping} * coalesce(n.n, 0) as datarank
            from w left join n on n.cited_id = w.work_id
        ) to '{args.out}' (format parquet)
    """).fetchall()
    print(json.dumps({"seconds": round(time.perf_counter() - started, 3)}))


if __name__ == "__main__":
    main()
