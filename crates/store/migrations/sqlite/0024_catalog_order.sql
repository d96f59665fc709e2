-- The public catalog at scale (issue #11: 1,000,000 items, catalog page p99 under 20 ms).
-- `items::catalog::catalog` lists public items newest (or oldest) first. This partial index
-- holds only what can ever be public (its WHERE is implied by `PUBLIC_CONDITION`), in
-- publication order, with the columns the filters and the site scope test, so a page is read
-- in order without sorting every match, and the count reads the index alone.
CREATE INDEX items_public_order ON items (published_at, org_id, state, catalog_code, topic_code, genre_code, validity, published_on,
    withdrawn_at, published_revision_id, disclosure, classified)
    WHERE withdrawn_at IS NULL AND published_revision_id IS NOT NULL AND published_at IS NOT NULL
      AND disclosure = 'proactive' AND classified = FALSE;
