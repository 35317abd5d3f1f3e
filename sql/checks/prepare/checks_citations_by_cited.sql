-- checks_citations_by_cited: the citations table grouped by cited work, made once before the checks
-- for the two that need it (citations_outside_works, scores_counts_inconsistent_with_citations):
-- grouping 115M links by cited work takes 5.5 s at 10M works, a third of what both checks cost
-- if each read the links itself (benchmarks/README.md).
-- Grain: one row per cited work.
--   citation_rows  links citing it
--   self_links     of those, links from the work to itself (an invariant says there are none)
select
    cited_id,
    count(*) as citation_rows,
    count(*) filter (where citing_id = cited_id) as self_links
from core_openalex__citations
group by cited_id
