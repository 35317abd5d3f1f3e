-- int_datarank__capped_citers: the citers each scored work's network score can be made of, after the cap.
-- Grain: one row per (cited work, considered citer).
-- Citers are ordered by their C desc, ties by id asc, and only the first $cap are considered
-- (int_datarank__considered_citers then marks self-citations among them). Parameters: $cap.
-- Inputs: int_datarank__scored_citations (the links of the works this run scores), int_datarank__work_signal.
with

citations as (
    select citing_id, cited_id
    from int_datarank__scored_citations
),

signal as (
    select work_id, cited_by_count, outdegree, citer_signal, citer_order_key
    from int_datarank__work_signal
),

ranked as (
    -- Only the ids travel through the window. The second sort key changes nothing (the order key
    -- is unique per citer) but keeps DuckDB from rewriting the window into its top-k aggregate:
    -- at 300k works / 3.4M links the plain window sort takes 0.6 s and spills to disk, the top-k
    -- aggregate 1.2 s and fails at --memory-limit 256MB (benchmarks/README.md).
    select
        citations.cited_id,
        citations.citing_id,
        -- cast: Spark's row_number() is an INT, DuckDB's a BIGINT
        cast(row_number() over (
            partition by citations.cited_id
            order by signal.citer_order_key desc, citations.citing_id asc
        ) as bigint) as citer_rank
    from citations
    inner join signal
        on signal.work_id = citations.citing_id
),

considered as (
    select
        ranked.cited_id,
        ranked.citing_id,
        signal.cited_by_count as citer_cited_by_count,
        signal.outdegree as citer_outdegree,
        signal.citer_signal,
        ranked.citer_rank
    from ranked
    inner join signal
        on signal.work_id = ranked.citing_id
    where ranked.citer_rank <= $cap
),

final as (
    select * from considered
)

select * from final
