-- int_fair__linked_datasets: the works with linked datasets (fair_v1's I points, SPEC §7): in the
-- snapshot's citation links (core_openalex__citations: after merges, self-links dropped) the work
-- cites, or is cited by, a work whose type is dataset (core_openalex__fair_signals.is_dataset).
-- Grain: one row per such work. Inputs: core_openalex__citations, core_openalex__fair_signals.
-- One pass over the links with a small build side (the datasets), whatever the snapshot's size.
with

datasets as (
    select work_id
    from core_openalex__fair_signals
    where is_dataset
),

citing_a_dataset as (
    select citations.citing_id as work_id
    from core_openalex__citations as citations
    semi join datasets on datasets.work_id = citations.cited_id
),

cited_by_a_dataset as (
    select citations.cited_id as work_id
    from core_openalex__citations as citations
    semi join datasets on datasets.work_id = citations.citing_id
),

final as (
    select work_id from citing_a_dataset
    union
    select work_id from cited_by_a_dataset
)

select * from final
