-- report_standing_vs_openalex: a 2-D histogram of DataRank's subfield × year percentile (0–100)
-- against OpenAlex's normalised citation percentile (0–1), over the works that have both (a primary
-- topic and OpenAlex's value), for a heat map that stays the same size whatever the snapshot. Each
-- axis is cut into $bins equal-width bins of its fixed range; the top value falls in the last bin.
-- Grain: one row per non-empty (x_bin, y_bin). Parameters: $bins.
with

pairs as (
    select
        subfield_year_percentile / 100 as x,
        openalex_normalized_percentile as y
    from scores
    where subfield_id is not null
        and openalex_normalized_percentile is not null
),

binned as (
    select
        least(greatest(cast(floor(x * $bins) as bigint), 0), $bins - 1) as x_bin,
        least(greatest(cast(floor(y * $bins) as bigint), 0), $bins - 1) as y_bin
    from pairs
),

final as (
    select x_bin, y_bin, count(*) as works
    from binned
    group by x_bin, y_bin
)

select * from final
