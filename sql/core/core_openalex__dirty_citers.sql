-- core_openalex__dirty_citers: on an incremental build, the works whose outgoing citations (and
-- authorships) may differ from the previous build's; the rows of every other work are carried.
-- Grain: one row per work id (some may no longer be works: their previous rows are dropped).
-- A work's citations are a function of its own copy (referenced_ids), of the merge map, and of
-- which ids are works. So a work is dirty when
--   - a new copy of it was read (core_openalex__new_copies), or it was added or removed; or
--   - one of its references resolves differently now: the referenced id was added or removed as a
--     work, its merge entry is new, retargeted or gone, or it is merged into a work that was added
--     or removed.
-- Inputs: core_openalex__new_copies, core_openalex__works, core_openalex__merge_map and the
--   previous build's previous__works, previous__merge_map. No parameters.
with

added as (
    select work_id from core_openalex__works
    anti join previous__works using (work_id)
),

removed as (
    select work_id from previous__works
    anti join core_openalex__works using (work_id)
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
        select work_id, merge_into_id from previous__merge_map
    )
    union
    select work_id from (
        select work_id, merge_into_id from previous__merge_map
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
    from core_openalex__works
),

referencing as (
    select references_.work_id
    from references_
    semi join resolution_changed on resolution_changed.work_id = references_.referenced_id
),

final as (
    select work_id from core_openalex__new_copies
    union
    select work_id from presence_changed
    union
    select work_id from referencing
)

select * from final
