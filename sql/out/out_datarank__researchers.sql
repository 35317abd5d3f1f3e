-- out_datarank__researchers: theSindex's researcher score, "the mean of the author's top-10 paper
-- DataRanks", for every author id in the kept works' authorships (SPEC §8).
-- Grain: one row per author id of core_openalex__authorships (whose rows are distinct (work, author)
-- pairs of kept works: the core makes author ids distinct per work).
--   works             how many works list the author
--   researcher_score  the mean DataRank of the author's min(10, works) best works: the first ten by
--                     out_datarank__scores.rank (DataRank desc, ties by work id asc)
--   rank              by researcher_score desc, ties by author id asc (1…n)
--   percentile        100 × the share of other authors with a strictly lower score (100 = best,
--                     tied authors share one value, one author alone is 100), as for works
-- Ties for rank and percentile are decided in fixed point, as the works' are: each work's key is
-- out_datarank__scores's rank_key (base contribution floored to units of 2^-32, plus d × the exact
-- integer network sum of int_datarank__network), and an author's key is the integer sum of the ten
-- keys divided by their count in one floating-point division, so authors whose means are equal get
-- the same key in any engine and in any run (exact while the sum stays below 2^53, i.e. DataRanks
-- below ~200). The published researcher_score itself is the floating-point mean.
-- Computed for every author on every run (a night too): a work's DataRank moving anywhere can move
-- any author's rank.
-- Plain SQL (window functions, no QUALIFY) so Spark runs it as transpiled.
-- Parameters: $damping.
with

scores as (
    select work_number as work_id, datarank, rank, base_contribution
    from out_datarank__scores
),

network as (
    select cited_id, network_fixed
    from int_datarank__network
),

-- The same key as out_datarank__scores's rank_key (keep the two in step).
keyed as (
    select
        scores.work_id,
        scores.datarank,
        scores.rank,
        cast(floor(scores.base_contribution * 4294967296.0) as bigint)
            + cast(floor($damping * coalesce(network.network_fixed, 0)) as bigint) as rank_key
    from scores
    left join network
        on network.cited_id = scores.work_id
),

authored as (
    select
        authorships.author_id,
        keyed.datarank,
        keyed.rank_key,
        row_number() over (partition by authorships.author_id order by keyed.rank asc) as position,
        count(*) over (partition by authorships.author_id) as works
    from core_openalex__authorships as authorships
    inner join keyed
        on keyed.work_id = authorships.work_id
),

top_works as (
    select
        author_id,
        max(works) as works,
        avg(datarank) as researcher_score,
        cast(sum(rank_key) as double) / count(*) as score_key
    from authored
    where position <= 10
    group by author_id
),

ranked as (
    select
        *,
        -- cast: Spark's row_number() is an INT, DuckDB's a BIGINT
        cast(row_number() over (order by score_key desc, author_id asc) as bigint) as rank,
        case
            when count(*) over () = 1 then 100.0
            else 100.0 * percent_rank() over (order by score_key asc)
        end as percentile
    from top_works
),

final as (
    select
        -- identity
        'A' || cast(author_id as varchar) as author_id,
        author_id as author_number,
        -- the score
        works,
        researcher_score,
        -- standing
        rank,
        percentile
    from ranked
)

select * from final
