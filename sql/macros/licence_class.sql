-- licence_class(licence): how open a location's licence is, for fair_v1's R points (SPEC §7), from
-- a cleaned, lower-case licence: 4 open (cc-by, cc-by-sa, cc0, public-domain, mit, apache-2-0, isc,
-- gpl-v2, gpl-v3), 3 open with restrictions (cc-by-nc, cc-by-nd, cc-by-nc-sa, cc-by-nc-nd),
-- 2 other-oa, 1 publisher-specific-oa, 0 anything else or none. The points of each class are
-- weights (datarank/fair_v1.toml); the best class over a work's locations counts.
create or replace macro licence_class(licence) as
    case
        when licence in ('cc-by', 'cc-by-sa', 'cc0', 'public-domain', 'mit', 'apache-2-0', 'isc', 'gpl-v2', 'gpl-v3')
            then 4
        when licence in ('cc-by-nc', 'cc-by-nd', 'cc-by-nc-sa', 'cc-by-nc-nd') then 3
        when licence = 'other-oa' then 2
        when licence = 'publisher-specific-oa' then 1
        else 0
    end
