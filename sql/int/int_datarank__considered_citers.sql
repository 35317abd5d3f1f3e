-- int_datarank__considered_citers: the citers each work's network score is made of.
-- Grain: one row per (cited work, considered citer).
-- Among the capped citers (int_datarank__capped_citers), those sharing an author id with the
-- cited work are marked as self-citations: cap first, then this filter (that is what the
-- published numbers fit). A step of its own, so the capped pairs are read from Parquet twice
-- rather than held as one in-memory CTE (which failed at --memory-limit 256MB).
with

self_citations as (
    select distinct
        considered.cited_id,
        considered.citing_id
    from int_datarank__capped_citers as considered
    inner join core_openalex__authorships as cited_authors
        on cited_authors.work_id = considered.cited_id
    inner join core_openalex__authorships as citing_authors
        on citing_authors.work_id = considered.citing_id
        and citing_authors.author_id = cited_authors.author_id
),

final as (
    select
        considered.cited_id,
        considered.citing_id,
        considered.citer_rank,
        considered.citer_cited_by_count,
        considered.citer_outdegree,
        considered.citer_signal,
        self_citations.citing_id is not null as is_self_citation
    from int_datarank__capped_citers as considered
    left join self_citations
        on self_citations.cited_id = considered.cited_id
        and self_citations.citing_id = considered.citing_id
)

select * from final
