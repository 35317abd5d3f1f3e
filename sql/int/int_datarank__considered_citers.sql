-- int_datarank__considered_citers: the citers each work's network score is made of.
-- Grain: one row per (cited work, considered citer).
-- Among the capped citers (int_datarank__capped_citers), those sharing an author id with the
-- cited work are marked as self-citations: cap first, then this filter (that is what the
-- published numbers fit). Only capped pairs are checked.
-- Each work's author ids travel as one list, so a pair is one lookup on each side and one list
-- overlap, not a join through every (pair, author) row: measured at 300k works / 3.1M capped
-- pairs, 1.1 s against 1.9 s for the join form, which also ran out of memory at --memory-limit
-- 256MB (hyper-authored works multiply the rows). list_has_any becomes Spark's arrays_overlap.
with

work_authors as (
    select
        work_id,
        list(author_id) as author_ids
    from core_openalex__authorships
    group by work_id
),

final as (
    select
        considered.cited_id,
        considered.citing_id,
        considered.citer_rank,
        considered.citer_cited_by_count,
        considered.citer_outdegree,
        considered.citer_signal,
        -- a work without any author id has no self-citations
        coalesce(list_has_any(cited_authors.author_ids, citing_authors.author_ids), false) as is_self_citation
    from int_datarank__capped_citers as considered
    left join work_authors as cited_authors
        on cited_authors.work_id = considered.cited_id
    left join work_authors as citing_authors
        on citing_authors.work_id = considered.citing_id
)

select * from final
