-- core_openalex__abstracts on a night: the abstracts of the copies that won tonight (from the new
-- part files' raw rows) and the previous build's of every other id. An id with a new copy whose
-- previous copy still wins keeps its previous row; an id whose new copy wins takes that copy's
-- abstract, or none.
-- Grain: one row per work id whose current copy has an abstract.
-- Inputs: raw_openalex__works (the new part files' raw rows), core_openalex__winning_copies (the
-- current copy of every id with a new copy tonight), previous_openalex__abstracts.
with

won_tonight as (
    select
        winning.work_id,
        winning.file_key,
        winning.line_number
    from core_openalex__winning_copies as winning
    semi join raw_openalex__works as raw
        on raw.work_id = winning.work_id
        and raw.file_key = winning.file_key
        and raw.line_number = winning.line_number
),

final as (
    select
        raw.work_id,
        raw.abstract_index
    from raw_openalex__works as raw
    semi join won_tonight
        on won_tonight.work_id = raw.work_id
        and won_tonight.file_key = raw.file_key
        and won_tonight.line_number = raw.line_number
    where raw.abstract_index is not null
    union all
    select
        previous.work_id,
        previous.abstract_index
    from previous_openalex__abstracts as previous
    anti join won_tonight on won_tonight.work_id = previous.work_id
)

select * from final
