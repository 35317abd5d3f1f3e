-- core_openalex__abstracts: the abstract of each current copy that has one (abstracts.parquet), for
-- explain and the report's paper pages: its abstract_inverted_index as JSON text (`abstract_index`),
-- rebuilt into text when read (openalex_abstract_text; the `abstracts` view). Kept apart from the
-- copies (core_openalex__winners) so that they stay narrow: abstracts are most of a record's text,
-- and a run that does not keep them (--abstracts off: the raw files' column is all null) writes an
-- empty table.
-- Grain: one row per work id whose current copy has an abstract; merged and deleted ids included
-- (readers look works up by id), so a night that only adds part files can carry the other rows
-- (core_openalex__abstracts.incremental.sql) whatever the merges and deletions do.
-- Inputs: raw_openalex__works (the raw rows of every part file), core_openalex__winners.
with

final as (
    select
        raw.work_id,
        raw.abstract_index
    from raw_openalex__works as raw
    semi join core_openalex__winners as winners
        on winners.work_id = raw.work_id
        and winners.file_key = raw.file_key
        and winners.line_number = raw.line_number
    where raw.abstract_index is not null
)

select * from final
