"""DuckDB connections and the `.sql` files under `sql/`.

Every set-based step is one SQL statement in one file, named after the table it makes. Values are
bound as DuckDB parameters; the only text spliced into SQL is table names and paths the code itself
chose (see `literal`).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from datarank.settings import Settings, parse_memory

_PACKAGED_SQL = Path(__file__).resolve().parent / "sql"  # inside a built wheel
_SOURCE_SQL = Path(__file__).resolve().parent.parent / "sql"  # in a source checkout
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")

#: The share of `--memory-limit` given to DuckDB's own limit. DuckDB's buffer manager does not count
#: all of the process's memory (allocator caches, its hash tables' overhead, Python, the gzip pipes):
#: with DuckDB at the whole limit, peak RSS went 158 MB over it at 256 MB and 0.5-0.6 GB over it at
#: 8 GB (benchmarks/README.md). The rest is left for that, so the process stays near the limit.
DUCKDB_SHARE = 0.9


def duckdb_memory_limit(limit: str | None) -> str | None:
    """DuckDB's `memory_limit` for a `--memory-limit`: `DUCKDB_SHARE` of it, in bytes. A value this
    cannot read is passed on as it is, for DuckDB to take or refuse with its own message."""
    size = parse_memory(limit)
    return f"{int(size * DUCKDB_SHARE)}B" if size else limit


def sql_dir() -> Path:
    """Where the SQL files are: packaged in the wheel, or beside the package in a checkout."""
    return _PACKAGED_SQL if _PACKAGED_SQL.is_dir() else _SOURCE_SQL


@cache
def sql_text(name: str) -> str:
    """The text of `sql/<name>.sql`, e.g. ``sql_text("core/core_openalex__works")``."""
    return (sql_dir() / f"{name}.sql").read_text(encoding="utf-8")


def limits(memory_limit: str | None, threads: int | None) -> dict[str, Any]:
    """DuckDB's config for `--memory-limit` and `--threads`: DuckDB gets `DUCKDB_SHARE` of the
    limit (the rest is for the memory it does not count); unset ones are left to DuckDB."""
    config: dict[str, Any] = {}
    if memory_limit:
        config["memory_limit"] = duckdb_memory_limit(memory_limit)
    if threads:
        config["threads"] = threads
    return config


def connect(settings: Settings, database: str = ":memory:", read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the run's memory limit, threads and spill folder, and our macros.

    Memory is bounded by `settings.memory_limit` (DuckDB gets `DUCKDB_SHARE` of it, the rest is
    for what it does not count); whatever does not fit spills to `<data_dir>/tmp/duckdb` rather
    than failing.
    """
    connection = duckdb.connect(database, read_only=read_only, config=limits(settings.memory_limit, settings.threads))
    if not read_only:
        spill = settings.data_dir / "tmp" / "duckdb"
        spill.mkdir(parents=True, exist_ok=True)
        run_sql(connection, f"set temp_directory = {literal(str(spill))}")
        run_sql(connection, "set preserve_insertion_order = true")
        for macro in sorted((sql_dir() / "macros").glob("*.sql")):
            run_sql(connection, macro.read_text(encoding="utf-8"))
    return connection


def run_sql(connection: duckdb.DuckDBPyConnection, statement: str, params: dict[str, Any] | None = None) -> None:
    """Execute a statement that returns nothing worth reading, and drain its result (DuckDB 2
    refuses further work on a connection while a result is pending)."""
    connection.execute(statement, params or {}).fetchall()


def literal(value: str) -> str:
    """A SQL string literal for a value the code chose itself (a path in the lake)."""
    return "'" + value.replace("'", "''") + "'"


def identifier(name: str) -> str:
    """A table name from our fixed vocabulary; refuses anything else."""
    if not _NAME.match(name):
        raise ValueError(f"not a table name: {name!r}")
    return name


def parquet_view(connection: duckdb.DuckDBPyConnection, view: str, path: Path) -> None:
    """`view`: every row of one Parquet file of the lake."""
    run_sql(connection, f"create or replace view {identifier(view)} as select * from read_parquet({literal(str(path))})")


def row_count(connection: duckdb.DuckDBPyConnection, relation: str) -> int:
    """Rows in a table or view the code named (or a `read_parquet(...)` of a lake path)."""
    return connection.execute(f"select count(*) from {relation}").fetchall()[0][0]


def rows_table(
    connection: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str], rows: list[tuple[Any, ...]]
) -> None:
    """A table of a few rows the code holds (one per part file, never per work or link), built in
    DuckDB itself: registering an Arrow table would import PyArrow (~0.15 s of every run)."""
    name = identifier(table)
    run_sql(connection, f"create or replace table {name} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
    if rows:
        connection.executemany(f"insert into {name} values ({', '.join('?' for _ in columns)})", rows)


def create_table(
    connection: duckdb.DuckDBPyConnection, step: str, params: dict[str, Any] | None = None, name: str | None = None
) -> str:
    """Run `sql/<step>.sql` and keep its result as a table named `name` (default: after the file)."""
    table = identifier(name or Path(step).name)
    run_sql(connection, f"create or replace table {table} as\n{sql_text(step)}", used_params(step, params))
    return table


def copy_to_parquet(
    connection: duckdb.DuckDBPyConnection,
    query: str,
    path: Path,
    params: dict[str, Any] | None = None,
    row_group_size: int = 122_880,
) -> None:
    """Write a query's result as one ZSTD Parquet file, through a temporary name then a rename.

    The writer holds one row group in memory: readers that run side by side pass a smaller one.
    ZSTD level 1, not DuckDB's default 3: measured on the 16× tables (citers, scores, citations,
    winners: 12.6M, 1.2M, 13.6M, 1.2M rows), writing takes 10–25% less time (3.73 s against 4.52 s in all)
    for files within 3% of the size (benchmarks/README.md).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    run_sql(
        connection,
        f"copy ({query}) to {literal(str(partial))} "
        f"(format parquet, compression zstd, compression_level 1, row_group_size {int(row_group_size)})",
        params or {},
    )
    partial.replace(path)


def materialize(
    connection: duckdb.DuckDBPyConnection,
    step: str,
    path: Path,
    params: dict[str, Any] | None = None,
    name: str | None = None,
    order_by: str | None = None,
) -> str:
    """Write `sql/<step>.sql` to Parquet at `path` (sorted by `order_by`, a column list the code
    declared), then make its table name a view of that file.

    For results the lake keeps (core tables, published outputs); a step only the next steps read
    is a table of the connection's database (`create_table`), which DuckDB spills past its limit.
    """
    table = identifier(name or Path(step).name)
    query = sql_text(step) if order_by is None else f"select * from (\n{sql_text(step)}\n) order by {order_by}"
    copy_to_parquet(connection, query, path, used_params(step, params))
    parquet_view(connection, table, path)
    return table


def used_params(step: str, params: dict[str, Any] | None) -> dict[str, Any]:
    """Only the parameters the statement names: DuckDB refuses unused ones."""
    text = sql_text(step)
    return {key: value for key, value in (params or {}).items() if f"${key}" in text}
