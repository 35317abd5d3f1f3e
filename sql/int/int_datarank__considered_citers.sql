-- int_datarank__considered_citers: the citers each work's network score is made of.
-- Grain: one row per (cited work, considered citer).
-- Among the capped citers (int_datarank__capped_citers), those sharing an author id with the
-- cited work are marked as self-citations: cap first, then this filter (that is what the
-- published numbers fit). Only capped pairs are checked.
-- Two passes, so that most pairs never move an author list through a join:
--   1. each work's authors as a 62-bit signature (one bit per author id, by hash): two works
--      whose signatures share no bit share no author, exactly;
--   2. the pairs whose signatures do share a bit (18% at 300k works) are tested on their author
--      lists (list_has_any, Spark's arrays_overlap).
-- Measured at 300k works / 3.2M capped pairs: 0.38 s against 0.65 s for the list test on every
-- pair, and 1.9 s for a join through every (pair, author) row (benchmarks/README.md). The hash
-- only chooses which pairs get the exact test, so engines with another hash agree on the result.
-- contribution: what the citer adds to the cited work's DataRank (out_datarank__citers publishes
-- these rows). Parameters: $damping.
with

work_authors as (
    select
        work_id,
        list(author_id) as author_ids,
        bit_or(cast(1 as bigint) << cast(((hash(author_id) % 62) + 62) % 62 as integer)) as author_signature
    from core_openalex__authorships
    group by work_id
),

signed as (
    select
        considered.cited_id,
        considered.citing_id,
        considered.citer_rank,
        considered.citer_cited_by_count,
        considered.citer_outdegree,
        considered.citer_signal,
        -- a work without any author id has no signature, and no self-citations
        coalesce(cited_authors.author_signature & citing_authors.author_signature, 0) <> 0 as may_share_authors
    from int_datarank__capped_citers as considered
    left join work_authors as cited_authors
        on cited_authors.work_id = considered.cited_id
    left join work_authors as citing_authors
        on citing_authors.work_id = considered.citing_id
),

self_citations as (
    select
        signed.cited_id,
        signed.citing_id
    from signed
    inner join work_authors as cited_authors
        on cited_authors.work_id = signed.cited_id
    inner join work_authors as citing_authors
        on citing_authors.work_id = signed.citing_id
    where signed.may_share_authors
        and list_has_any(cited_authors.author_ids, citing_authors.author_ids)
),

final as (
    select
        signed.cited_id,
        signed.citing_id,
        signed.citer_rank,
        signed.citer_cited_by_count,
        signed.citer_outdegree,
        signed.citer_signal,
        self_citations.cited_id is not null as is_self_citation,
        -- what the citer adds to the cited work's DataRank: d · its signal, 0 for a self-citation
        case when self_citations.cited_id is not null then 0.0 else $damping * signed.citer_signal end as contribution
    from signed
    left join self_citations
        on self_citations.cited_id = signed.cited_id
        and self_citations.citing_id = signed.citing_id
)

select * from final
