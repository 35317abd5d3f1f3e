-- int_fair__dimensions: the four FAIR dimensions of every work (fair_v1, SPEC §7), each the sum of its
-- points, and the checklist.
-- Grain: one row per work.
-- Inputs: core_openalex__works (is_retracted), core_openalex__fair_signals, int_datarank__work_signal
--   (outdegree, SPEC §2), int_fair__linked_datasets.
-- Parameters: the points of each signal, from the weights file (datarank/fair_v1.toml):
--   $fair_f_doi, $fair_f_pubmed_id, $fair_f_indexed_in_each, $fair_f_indexed_in_max, $fair_f_in_repository,
--   $fair_f_any_orcid; $fair_a_open_access, $fair_a_repository_fulltext, $fair_a_oa_pdf, $fair_a_oa_version;
--   $fair_i_linked_datasets, $fair_i_datacite, $fair_i_references, $fair_i_mesh, $fair_i_ror,
--   $fair_i_funding; $fair_r_licence_open, $fair_r_licence_restricted, $fair_r_licence_other_oa,
--   $fair_r_licence_publisher, $fair_r_version_history, $fair_r_all_orcid, $fair_r_funding,
--   $fair_r_corresponding.
-- Gates: a paratext work is not scored (dimensions NULL); a retracted one scores 0 on all four.
-- fair_points = F + A + I + R, an exact integer (fair_raw = fair_points / 4): calibration orders
-- and ties works by it, the same in every engine.
-- Checklist (context, every work): has_doi, in_repository, is_oa, datacite_registered,
-- linked_datasets, open_licence (the best licence is in the open class, licence_class 4),
-- version_history (at least two distinct versions over the locations).
with

signals as (
    select
        fair.*,
        coalesce(works.is_retracted, false) as is_retracted,
        coalesce(work_signal.outdegree, 0) > 0 as has_references,
        linked.work_id is not null as linked_datasets
    from core_openalex__fair_signals as fair
    inner join core_openalex__works as works
        on works.work_id = fair.work_id
    inner join int_datarank__work_signal as work_signal
        on work_signal.work_id = fair.work_id
    left join int_fair__linked_datasets as linked
        on linked.work_id = fair.work_id
),

points as (
    select
        work_id,
        paratext,
        is_retracted,
        research_article,
        has_doi,
        in_repository,
        is_oa,
        datacite_registered,
        linked_datasets,
        licence = 4 as open_licence,
        versions >= 2 as version_history,
        -- Findable
        (case when has_doi then $fair_f_doi else 0 end)
            + (case when has_pubmed_id then $fair_f_pubmed_id else 0 end)
            + least(indexed_in * $fair_f_indexed_in_each, $fair_f_indexed_in_max)
            + (case when in_repository then $fair_f_in_repository else 0 end)
            + (case when any_orcid then $fair_f_any_orcid else 0 end) as findable,
        -- Accessible
        (case when is_oa then $fair_a_open_access else 0 end)
            + (case when repository_fulltext then $fair_a_repository_fulltext else 0 end)
            + (case when oa_pdf then $fair_a_oa_pdf else 0 end)
            + (case when oa_version then $fair_a_oa_version else 0 end) as accessible,
        -- Interoperable
        (case when linked_datasets then $fair_i_linked_datasets else 0 end)
            + (case when datacite_registered then $fair_i_datacite else 0 end)
            + (case when has_references then $fair_i_references else 0 end)
            + (case when has_mesh then $fair_i_mesh else 0 end)
            + (case when any_ror then $fair_i_ror else 0 end)
            + (case when has_funding then $fair_i_funding else 0 end) as interoperable,
        -- Reusable
        (case licence
            when 4 then $fair_r_licence_open
            when 3 then $fair_r_licence_restricted
            when 2 then $fair_r_licence_other_oa
            when 1 then $fair_r_licence_publisher
            else 0
        end)
            + (case when versions >= 2 then $fair_r_version_history else 0 end)
            + (case when all_orcid then $fair_r_all_orcid else 0 end)
            + (case when has_funding then $fair_r_funding else 0 end)
            + (case when has_corresponding then $fair_r_corresponding else 0 end) as reusable
    from signals
),

gated as (
    select
        work_id,
        research_article,
        has_doi,
        in_repository,
        is_oa,
        datacite_registered,
        linked_datasets,
        open_licence,
        version_history,
        case when paratext then null when is_retracted then 0 else findable end as fair_findable,
        case when paratext then null when is_retracted then 0 else accessible end as fair_accessible,
        case when paratext then null when is_retracted then 0 else interoperable end as fair_interoperable,
        case when paratext then null when is_retracted then 0 else reusable end as fair_reusable
    from points
),

final as (
    select
        *,
        fair_findable + fair_accessible + fair_interoperable + fair_reusable as fair_points
    from gated
)

select * from final
