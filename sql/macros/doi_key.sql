-- doi_key(value): a DOI in the one form lookups compare (README, "Lookup by DOI"): lower case (DOIs
-- are case-insensitive), without the resolver or scheme in front (https://doi.org/,
-- http://dx.doi.org/, https://www.doi.org/, doi:) and without surrounding spaces; NULL when nothing
-- of the form 10.<registrant>/<suffix> is left. `https://doi.org/10.1073/PNAS.2016239118` →
-- `10.1073/pnas.2016239118`.
create or replace macro doi_key(value) as
    case
        when regexp_full_match(
            regexp_replace(lower(trim(value)), '^(https?://(dx\.|www\.)?doi\.org/|doi:\s*)', ''),
            '10\.[0-9]+(\.[0-9]+)*/\S+'
        )
            then regexp_replace(lower(trim(value)), '^(https?://(dx\.|www\.)?doi\.org/|doi:\s*)', '')
    end
