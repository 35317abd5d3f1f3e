-- Check: the ranked table must hold exactly one row per work of the snapshot.
with

counts as (
    select
        (select count(*) from core_openalex__works) as works,
        (select count(*) from out_datarank__scores) as scores,
        (select count(distinct work_id) from out_datarank__scores) as distinct_scores
)

select * from counts where works <> scores or scores <> distinct_scores
