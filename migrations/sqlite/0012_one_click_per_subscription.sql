-- A notification click counts once per subscription and story (issue 19,
-- finding 4): earlier duplicates are folded into the first, and the rule
-- is kept by a unique index. Clicks without a subscription (before clicks
-- needed the subscription's token) stay as they were counted.
DELETE FROM push_clicks
WHERE subscription_id IS NOT NULL
  AND id NOT IN (
    SELECT MIN(id) FROM push_clicks
    WHERE subscription_id IS NOT NULL
    GROUP BY subscription_id, story_id
  );
CREATE UNIQUE INDEX push_clicks_once ON push_clicks (subscription_id, story_id);
