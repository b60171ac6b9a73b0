//! The digest sweep: leasing the readers whose held stories are due, with
//! those stories, and recording what was sent or must wait.

use super::*;

impl Store {
    /// Leases, for `lease_seconds`, up to `limit` subscriptions with
    /// reminders due at `now`, and returns each with its due reminders.
    /// Reads only the head of the `due_at` index (what is due, oldest
    /// first), never the whole table nor every subscriber; the lease moves
    /// the taken reminders' `due_at` past `now`, so the next call takes the
    /// next subscriptions, and a sweeper that dies leaves them to be taken
    /// again when the lease ends. On PostgreSQL concurrent sweepers skip
    /// each other's subscriptions.
    ///
    /// A handful of statements per call, whatever `limit` (at most
    /// [`MAX_DIGESTS_PER_CLAIM`]): the lease, the stories, their topics and
    /// which of them each reader follows are each read for the whole batch.
    pub async fn claim_due_digests(
        &self,
        now: i64,
        limit: usize,
        lease_seconds: i64,
    ) -> Result<Vec<DueDigest>, StoreError> {
        let limit = limit.clamp(1, MAX_DIGESTS_PER_CLAIM);
        let mut tx = self.begin_write().await?;
        // A subscription can have several due reminders: read a few rows
        // more than the subscriptions wanted.
        let head = sqlx::query(&due_reminders_sql(self.backend, limit.saturating_mul(4)))
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
        let mut seen = HashSet::with_capacity(limit);
        let mut candidates: Vec<i64> = Vec::with_capacity(limit);
        for row in &head {
            let id: i64 = row.try_get(0)?;
            if candidates.len() == limit {
                break;
            }
            if seen.insert(id) {
                candidates.push(id);
            }
        }
        if candidates.is_empty() {
            tx.rollback().await?;
            return Ok(Vec::new());
        }
        // The subscription's row is the lock a sweeper holds on all of its
        // reminders (SQLite has one writer and needs none).
        let lock = match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        };
        let rows = fetch_batched(&mut tx, &[], &candidates, |ids| {
            format!(
                "SELECT id, endpoint, p256dh, auth, paused FROM push_subscriptions WHERE id IN ({ids}) ORDER BY id {lock}"
            )
        })
        .await?;
        let mut recipients = Vec::with_capacity(candidates.len());
        let mut paused = Vec::new();
        for row in rows {
            let recipient = Recipient {
                id: row.try_get(0)?,
                endpoint: row.try_get(1)?,
                p256dh: row.try_get(2)?,
                auth: row.try_get(3)?,
            };
            if row.try_get::<i64, _>(4)? != 0 {
                paused.push(recipient.id);
            } else {
                recipients.push(recipient);
            }
        }
        if !paused.is_empty() {
            // A reader who paused everything gets no digest: what was due
            // is done with, still listed on their missed page.
            execute_batched(&mut tx, &[now], &paused, |ids| {
                format!(
                    "UPDATE push_reminders SET due_at = NULL, digested_at = $1
                     WHERE subscription_id IN ({ids}) AND due_at <= $1"
                )
            })
            .await?;
        }
        if recipients.is_empty() {
            tx.commit().await?;
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = recipients.iter().map(|r| r.id).collect();
        // A story unpublished since it was held is not reminded.
        execute_batched(&mut tx, &[now], &ids, |ids| {
            format!(
                "DELETE FROM push_reminders WHERE subscription_id IN ({ids}) AND due_at <= $1
                   AND EXISTS (SELECT 1 FROM stories st
                               WHERE st.id = push_reminders.story_id AND st.published_at IS NULL)"
            )
        })
        .await?;
        let until = now + lease_seconds.max(1);
        let leased = fetch_batched(&mut tx, &[until, now], &ids, |ids| {
            format!(
                "UPDATE push_reminders SET due_at = $1
                 WHERE subscription_id IN ({ids}) AND due_at <= $2
                 RETURNING subscription_id, story_id, reason, attempts"
            )
        })
        .await?;
        let mut by_subscription: HashMap<i64, Vec<(i64, HoldReason, i64)>> = HashMap::new();
        let mut story_ids: Vec<i64> = Vec::new();
        for row in &leased {
            let reason: String = row.try_get(2)?;
            let reason = HoldReason::parse(&reason).ok_or_else(|| {
                StoreError::Corrupt(format!("unknown reminder reason {reason:?}"))
            })?;
            let story_id: i64 = row.try_get(1)?;
            story_ids.push(story_id);
            by_subscription.entry(row.try_get(0)?).or_default().push((
                story_id,
                reason,
                row.try_get(3)?,
            ));
        }
        story_ids.sort_unstable();
        story_ids.dedup();
        let stories = digest_stories(&mut tx, &story_ids).await?;
        let topic_ids: Vec<i64> = {
            let mut all: Vec<i64> = stories
                .values()
                .flat_map(|s| s.topics.iter().map(|(id, _)| *id))
                .collect();
            all.sort_unstable();
            all.dedup();
            all
        };
        let follows = followed_among(&mut tx, &ids, &topic_ids).await?;
        tx.commit().await?;

        let mut digests = Vec::with_capacity(recipients.len());
        for recipient in recipients {
            let Some(items) = by_subscription.remove(&recipient.id) else {
                continue;
            };
            let mut attempts = 0;
            let mut reminders = Vec::with_capacity(items.len());
            for (story_id, reason, tries) in items {
                let Some(story) = stories.get(&story_id) else {
                    continue;
                };
                attempts = attempts.max(u32::try_from(tries).unwrap_or(u32::MAX));
                let followed: Vec<TopicRef> = story
                    .topics
                    .iter()
                    .filter(|(topic, _)| follows.contains(&(recipient.id, *topic)))
                    .map(|(_, t)| t.clone())
                    .collect();
                reminders.push(PendingReminder {
                    story_id,
                    slug: story.slug.clone(),
                    headline: story.headline.clone(),
                    topics: if followed.is_empty() {
                        story.topics.iter().map(|(_, t)| t.clone()).collect()
                    } else {
                        followed
                    },
                    published_at: story.published_at,
                    breaking: story.topics.iter().any(|(_, t)| t.slug == BREAKING_TOPIC),
                    reason,
                    due_at: Some(until),
                    digested_at: None,
                });
            }
            if reminders.is_empty() {
                continue;
            }
            reminders.sort_by_key(|r| std::cmp::Reverse((r.published_at, r.story_id)));
            digests.push(DueDigest {
                recipient,
                reminders,
                attempts,
            });
        }
        Ok(digests)
    }

    /// Marks the reminders a digest sent: no longer due, listed as missed
    /// until pruned.
    pub async fn finish_digest(
        &self,
        subscription_id: i64,
        story_ids: &[i64],
        now: i64,
    ) -> Result<(), StoreError> {
        let sent: Vec<(i64, i64)> = story_ids.iter().map(|s| (subscription_id, *s)).collect();
        self.finish_digests(&sent, now).await
    }

    /// [`Store::finish_digest`] for many digests at once, as
    /// `(subscription_id, story_id)` pairs: one statement per
    /// [`crate::store::batch::ROWS_PER_STATEMENT`] pairs.
    pub async fn finish_digests(&self, sent: &[(i64, i64)], now: i64) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        execute_batched(&mut conn, &[now], sent, |rows| {
            format!(
                "UPDATE push_reminders SET due_at = NULL, digested_at = $1, attempts = 0
                 FROM (VALUES {rows}) AS v
                 WHERE push_reminders.subscription_id = v.column1
                   AND push_reminders.story_id = v.column2 AND push_reminders.due_at IS NOT NULL"
            )
        })
        .await?;
        Ok(())
    }

    /// Digests the push service asked to retry: their reminders are due
    /// again at each one's `due_at`, with one more attempt counted.
    pub async fn postpone_digests(&self, postponed: &[PostponedDigest]) -> Result<(), StoreError> {
        let rows: Vec<(i64, i64, i64)> = postponed
            .iter()
            .flat_map(|p| {
                p.story_ids
                    .iter()
                    .map(move |story| (p.subscription_id, *story, p.due_at))
            })
            .collect();
        let mut conn = self.pool.acquire().await?;
        execute_batched(&mut conn, &[], &rows, |rows| {
            format!(
                "UPDATE push_reminders SET due_at = v.column3, attempts = attempts + 1
                 FROM (VALUES {rows}) AS v
                 WHERE push_reminders.subscription_id = v.column1
                   AND push_reminders.story_id = v.column2 AND push_reminders.due_at IS NOT NULL"
            )
        })
        .await?;
        Ok(())
    }

    /// Takes the reminders' housekeeping for this sweep when it last ran
    /// at least `interval_seconds` before `now`, for the whole site (every
    /// process asks; one gets it). True when the caller should run it.
    pub async fn claim_housekeeping(
        &self,
        now: i64,
        interval_seconds: i64,
    ) -> Result<bool, StoreError> {
        let taken = sqlx::query(
            "UPDATE reminder_housekeeping SET last_run_at = $1 WHERE id = 1 AND last_run_at <= $2",
        )
        .bind(now)
        .bind(now - interval_seconds)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(taken == 1)
    }
}

/// `INDEXED BY index` on SQLite, whose planner, without statistics, may
/// prefer to scan a table it believes small (and with it fails rather than
/// scan); nothing on PostgreSQL, whose planner is checked by the plan test.
pub(in crate::store) fn indexed_by(backend: Backend, index: &str) -> String {
    match backend {
        Backend::Sqlite => format!("INDEXED BY {index}"),
        Backend::Postgres => String::new(),
    }
}

/// The head of the `due_at` index: up to `rows` due reminders' subscribers,
/// oldest due first (`$1`: now).
pub(in crate::store) fn due_reminders_sql(backend: Backend, rows: usize) -> String {
    format!(
        "SELECT r.subscription_id FROM push_reminders r {}
         WHERE r.due_at <= $1 ORDER BY r.due_at LIMIT {rows}",
        indexed_by(backend, "push_reminders_due")
    )
}

/// A held story as a digest shows it.
pub(in crate::store) struct DigestStory {
    slug: String,
    headline: String,
    published_at: Option<i64>,
    /// In the story's order, with their ids.
    topics: Vec<(i64, TopicRef)>,
}

/// The stories of a digest batch, with their topics: two statements.
pub(in crate::store) async fn digest_stories(
    conn: &mut AnyConnection,
    story_ids: &[i64],
) -> Result<HashMap<i64, DigestStory>, StoreError> {
    let mut stories = HashMap::with_capacity(story_ids.len());
    let rows = fetch_batched(conn, &[], story_ids, |ids| {
        format!("SELECT id, slug, headline, published_at FROM stories WHERE id IN ({ids})")
    })
    .await?;
    for row in rows {
        stories.insert(
            row.try_get::<i64, _>(0)?,
            DigestStory {
                slug: row.try_get(1)?,
                headline: row.try_get(2)?,
                published_at: row.try_get(3)?,
                topics: Vec::new(),
            },
        );
    }
    let rows = fetch_batched(conn, &[], story_ids, |ids| {
        format!(
            "SELECT st.story_id, t.id, t.slug, t.name FROM story_topics st JOIN topics t ON t.id = st.topic_id
             WHERE st.story_id IN ({ids}) ORDER BY st.story_id, st.position"
        )
    })
    .await?;
    for row in rows {
        if let Some(story) = stories.get_mut(&row.try_get::<i64, _>(0)?) {
            story.topics.push((
                row.try_get(1)?,
                TopicRef {
                    slug: row.try_get(2)?,
                    name: row.try_get(3)?,
                },
            ));
        }
    }
    Ok(stories)
}

/// Which of `topic_ids` each of `subscription_ids` follows, as
/// `(subscription_id, topic_id)` pairs: one statement per chunk of
/// subscriptions, through the follows' primary key.
pub(in crate::store) async fn followed_among(
    conn: &mut AnyConnection,
    subscription_ids: &[i64],
    topic_ids: &[i64],
) -> Result<HashSet<(i64, i64)>, StoreError> {
    let mut follows = HashSet::new();
    if topic_ids.is_empty() {
        return Ok(follows);
    }
    let topic_list = placeholders(1, topic_ids.len());
    let rows = fetch_batched(conn, topic_ids, subscription_ids, |ids| {
        format!(
            "SELECT subscription_id, topic_id FROM push_follows
             WHERE subscription_id IN ({ids}) AND topic_id IN ({topic_list})"
        )
    })
    .await?;
    for row in rows {
        follows.insert((row.try_get(0)?, row.try_get(1)?));
    }
    Ok(follows)
}
