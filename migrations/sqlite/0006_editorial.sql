-- newsroom story management: owners, versions, corrections, revisions.
SELECT 1;
