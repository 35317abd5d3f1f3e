-- core_openalex__dirty_citers: on an incremental build, the works whose outgoing citations (and
-- authorships) may differ from the previous build's; the rows of every other work are carried.
-- Grain: one row per work id (some may no longer be works: their previous rows are dropped).
-- A work's citations are a function of its own copy (referenced_ids), of the merge map, and of
-- which ids are works; what it gives the works it cites depends on its C, outdegree and authors.
-- So a work is dirty when
--   - its current copy changed in one of those fields (a newer copy won that differs in
--     referenced_ids, author_ids, cited_by_count or referenced_works_count: a copy re-exported
--     with changes only in fields DataRank does not read changes nothing here), or it was added or
--     removed; or
--   - one of its references resolves differently now: the referenced id was added or removed as a
--     work, its merge entry is new, retargeted or gone, or it is merged into a work that was added
--     or removed.
-- Inputs: core_openalex__new_copies, core_openalex__winners, core_openalex__work_records,
--   core_openalex__merge_map and the previous build's previous_openalex__winners,
--   previous_openalex__works, previous_openalex__merge_map. No parameters.
with

changed_copies as (
    select winners.work_id
    from core_openalex__winners as winners
    semi join core_openalex__new_copies as new_copies
        on new_copies.work_id = winners.work_id
    left join previous_openalex__winners as previous
        on previous.work_id = winners.work_id
    where previous.work_id is null
        or winners.referenced_ids is distinct from previous.referenced_ids
        or winners.author_ids is distinct from previous.author_ids
        or winners.cited_by_count is distinct from previous.cited_by_count
        or winners.referenced_works_count is distinct from previous.referenced_works_count
),

added as (
    select work_id from core_openalex__work_records
    anti join previous_openalex__works using (work_id)
),

removed as (
    select work_id from previous_openalex__works
    anti join core_openalex__work_records using (work_id)
),

presence_changed as (
    select work_id from added
    union
    select work_id from removed
),

merges_changed as (
    select work_id from (
        select work_id, merge_into_id from core_openalex__merge_map
        except
        select work_id, merge_into_id from previous_openalex__merge_map
    )
    union
    select work_id from (
        select work_id, merge_into_id from previous_openalex__merge_map
        except
        select work_id, merge_into_id from core_openalex__merge_map
    )
),

resolution_changed as (
    select work_id from presence_changed
    union
    select work_id from merges_changed
    union
    select merge_map.work_id
    from core_openalex__merge_map as merge_map
    semi join presence_changed on presence_changed.work_id = merge_map.merge_into_id
),

references_ as (
    select
        work_id,
        unnest(referenced_ids) as referenced_id
    from core_openalex__work_records
),

referencing as (
    select references_.work_id
    from references_
    semi join resolution_changed on resolution_changed.work_id = references_.referenced_id
),

final as (
    select work_id from changed_copies
    union
    select work_id from presence_changed
    union
    select work_id from referencing
)

select * from final
