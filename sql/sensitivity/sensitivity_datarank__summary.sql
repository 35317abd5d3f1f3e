-- sensitivity_datarank__summary: how far one setting's ranking is from the published one.
-- Grain: one row. Inputs: sensitivity_datarank__pairs. Parameters: $top_small, $top_large (100, 1000).
-- spearman: Pearson's correlation of the two average ranks (ties share the mean rank), from exact
-- integer sums of the doubled ranks: cov / sqrt(var_x · var_y), so equal rankings give exactly 1.
-- kendall_tau_b: (n_c − n_d) / sqrt((n0 − n1)(n0 − n2)), n0 = n(n − 1)/2, n1 / n2 the pairs tied in
-- the published / the setting's DataRank, n3 the pairs tied in both, n_c − n_d = n0 − n1 − n2 + n3 − 2·n_d.
-- n_d (discordant pairs) is counted exactly without comparing every pair (Knight's method): sort the
-- works by (x, y); a discordant pair is then an inversion of y. Each pair (i < j in that order) is
-- counted once, at the highest bit where positions i and j differ: at level b the positions split
-- into blocks of 2^(b+1) whose lower half holds i and upper half j; each upper-half work counts the
-- lower-half works of its block with a strictly greater y. Per level, one running count over the
-- works sorted by (block, y descending, upper half first among equal y, so a tie in y is never
-- counted), packed into one integer sort key (block, max y − y, 1 for the lower half); the
-- lower-half works of earlier blocks (every earlier block is full: 2^b of them each) are subtracted.
-- ceil(log2 n) levels, each a sort of n rows: O(n log² n) work, no self-join.
-- top_small_overlap, top_large_overlap: the share of the published top N (by rank, ties by id) that
-- is also in the setting's top N (N = the smaller of the parameter and the works compared).
-- tier_changed: the share of works whose tier (S1…S5, unranked) differs.
with

pairs as (
    select *
    from sensitivity_datarank__pairs
),

ordered as (
    select
        y_key,
        row_number() over (order by x_key, y_key, work_number) - 1 as position
    from pairs
),

widths as (
    select
        cast(ceil(log2(greatest(count(*), 2))) as bigint) as levels,
        max(y_key) as max_y,
        cast(ceil(log2(greatest(max(y_key), 2))) as bigint) + 2 as y_bits
    from ordered
),

levels as (
    select bits.level
    from range(0, 62) as bits (level)
    cross join widths
    where bits.level < widths.levels
),

keyed as (
    select
        levels.level,
        ((ordered.position >> (levels.level + 1)) << widths.y_bits)
        | ((widths.max_y - ordered.y_key) << 1)
        | (1 - ((ordered.position >> levels.level) & 1)) as sort_key
    from ordered
    cross join levels
    cross join widths
),

counted as (
    select
        level,
        sort_key,
        sum(sort_key & 1) over (
            partition by level order by sort_key
            rows between unbounded preceding and current row
        ) as lower_so_far
    from keyed
),

discordant as (
    select
        coalesce(sum(
            counted.lower_so_far - (counted.sort_key >> widths.y_bits) * (cast(1 as bigint) << counted.level)
        ), 0) as n_d
    from counted
    cross join widths
    where (counted.sort_key & 1) = 0
),

x_ties as (
    select coalesce(sum(tied * (tied - 1) / 2), 0) as n1
    from (select count(*) as tied from pairs group by x_key)
),

y_ties as (
    select coalesce(sum(tied * (tied - 1) / 2), 0) as n2
    from (select count(*) as tied from pairs group by y_key)
),

both_ties as (
    select coalesce(sum(tied * (tied - 1) / 2), 0) as n3
    from (select count(*) as tied from pairs group by x_key, y_key)
),

totals as (
    select
        count(*) as works,
        count(*) * sum(cast(x_twice as hugeint) * y_twice) - sum(cast(x_twice as hugeint)) * sum(y_twice) as co_xy,
        count(*) * sum(cast(x_twice as hugeint) * x_twice) - sum(cast(x_twice as hugeint)) * sum(x_twice) as co_xx,
        count(*) * sum(cast(y_twice as hugeint) * y_twice) - sum(cast(y_twice as hugeint)) * sum(y_twice) as co_yy,
        count(*) filter (where rank_published <= $top_small and rank_setting <= $top_small) as top_small_both,
        count(*) filter (where rank_published <= $top_large and rank_setting <= $top_large) as top_large_both,
        count(*) filter (where tier_published is distinct from tier_setting) as tier_changes
    from pairs
),

final as (
    select
        totals.works,
        case
            when totals.co_xx > 0 and totals.co_yy > 0
                then cast(totals.co_xy as double) / sqrt(cast(totals.co_xx as double) * cast(totals.co_yy as double))
        end as spearman,
        case
            when (totals.works * (totals.works - 1) / 2 - x_ties.n1) * (totals.works * (totals.works - 1) / 2 - y_ties.n2) > 0
                then (
                    cast(totals.works * (totals.works - 1) / 2 - x_ties.n1 - y_ties.n2 + both_ties.n3 as double)
                    - 2.0 * discordant.n_d
                ) / sqrt(
                    cast(totals.works * (totals.works - 1) / 2 - x_ties.n1 as double)
                    * cast(totals.works * (totals.works - 1) / 2 - y_ties.n2 as double)
                )
        end as kendall_tau_b,
        discordant.n_d as discordant_pairs,
        totals.top_small_both / nullif(least($top_small, totals.works), 0) as top_small_overlap,
        totals.top_large_both / nullif(least($top_large, totals.works), 0) as top_large_overlap,
        totals.tier_changes,
        totals.tier_changes / nullif(totals.works, 0) as tier_changed
    from totals
    cross join discordant
    cross join x_ties
    cross join y_ties
    cross join both_ties
)

select * from final
