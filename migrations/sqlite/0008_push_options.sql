-- Push options from the newsroom's push panel (issue 6).
--
-- breaking:   the job goes to every subscription that is not paused, not
--             only to the followers of the story's topics, with Urgency high.
-- kind:       'original' (written when the story is published) or 'update'
--             (the newsroom's "send an update": same tag and Topic header,
--             so devices replace the original notification).
-- silent:     publishing with "send a notification" off: the job is written
--             all the same (the outbox keeps one record per publication) but
--             finished at once, never planned and never delivered.
-- superseded: messages of this job still waiting for a retry when a later
--             job of the same story (an update) was planned; they were
--             dropped, the update going to the same subscribers.
--
-- Columns are added rather than new states: SQLite cannot change the CHECK
-- on push_jobs.state.

ALTER TABLE push_jobs ADD COLUMN breaking INTEGER NOT NULL DEFAULT 0;
ALTER TABLE push_jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'original' CHECK (kind IN ('original', 'update'));
ALTER TABLE push_jobs ADD COLUMN silent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE push_jobs ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0;
