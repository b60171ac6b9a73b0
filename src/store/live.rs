//! Live coverage's storage: the entries of a live story and the end of its
//! coverage. Every write of an entry takes the site's next live change
//! number (`site_state.live_seq`) as the entry's `seq` and bumps the
//! content version in the same transaction, so cached pages are dropped
//! and a stream can later resume after any change, edits and deletions
//! included. The rules (who may post, what an entry may hold) are the
//! domain's (`editorial::live`), and so is whether a write notifies the
//! story's followers of a key event: asked (`notify`), the write also
//! writes the entry's key-event notification job in its transaction (the
//! outbox), once per entry however often it is written.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::fanout::enqueue_key_event;
use super::rows::time;
use super::{Conflict, Store, StoreError};

/// Where an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryState {
    /// Written, not on the site (a contributor's, or held back).
    Draft,
    /// On the site.
    Posted,
    /// Taken off the site; kept so that an edit is told, and a stream can
    /// announce it.
    Deleted,
}

impl EntryState {
    const ALL: [EntryState; 3] = [EntryState::Draft, EntryState::Posted, EntryState::Deleted];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryState::Draft => "draft",
            EntryState::Posted => "posted",
            EntryState::Deleted => "deleted",
        }
    }

    fn parse(s: &str) -> Result<EntryState, StoreError> {
        EntryState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| StoreError::Corrupt(format!("live entry state {s:?}")))
    }
}

/// The fields an entry write sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryWrite {
    pub title: Option<String>,
    pub body_markdown: String,
    pub key_event: bool,
    pub breaking: bool,
    pub state: EntryState,
}

/// Who wrote an entry: a newsroom account, or, for imported content, only
/// a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryAuthor {
    pub user_id: Option<i64>,
    pub name: String,
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveEntryRecord {
    pub id: i64,
    pub story_id: i64,
    pub author_id: Option<i64>,
    pub author_name: String,
    pub title: Option<String>,
    pub body_markdown: String,
    pub key_event: bool,
    pub breaking: bool,
    pub state: EntryState,
    /// When first posted; `None` while a draft never posted.
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The site's live change number of the entry's last write.
    pub seq: i64,
}

const ENTRY_COLUMNS: &str = "id, story_id, author_id, author_name, title, body_markdown, \
     key_event, breaking, state, published_at, created_at, updated_at, seq";

impl Store {
    /// Writes a new entry of story `story_id` by `author` (an account, or
    /// only a name: imported content), while the story's coverage is open
    /// ([`Conflict::LiveCoverageClosed`] otherwise, nothing written); with
    /// `notify`, and its key-event notification.
    pub async fn insert_live_entry(
        &self,
        story_id: i64,
        author: &EntryAuthor,
        write: &EntryWrite,
        notify: bool,
        now: DateTime<Utc>,
    ) -> Result<LiveEntryRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        // The story's row is locked by now: an end of its coverage
        // committed meanwhile is seen, and one to come waits.
        let seq = next_change(&mut tx, story_id, now).await?;
        let open = sqlx::query(
            "SELECT 1 FROM stories WHERE id = $1 AND live = 1 AND live_ended_at IS NULL",
        )
        .bind(story_id)
        .fetch_optional(&mut *tx)
        .await?;
        if open.is_none() {
            return Err(StoreError::Conflict(Conflict::LiveCoverageClosed(story_id)));
        }
        let now_s = now.timestamp();
        let posted_at = (write.state == EntryState::Posted).then_some(now_s);
        let row = sqlx::query(&format!(
            "INSERT INTO live_entries (story_id, author_id, author_name, title, body_markdown,
                key_event, breaking, state, published_at, created_at, updated_at, seq)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)
             RETURNING {ENTRY_COLUMNS}"
        ))
        .bind(story_id)
        .bind(author.user_id)
        .bind(&author.name)
        .bind(&write.title)
        .bind(&write.body_markdown)
        .bind(i64::from(write.key_event))
        .bind(i64::from(write.breaking))
        .bind(write.state.as_str())
        .bind(posted_at)
        .bind(now_s)
        .bind(seq)
        .fetch_one(&mut *tx)
        .await?;
        let entry = entry_from_row(&row)?;
        self.commit_entry(tx, &entry, notify, now_s).await?;
        Ok(entry)
    }

    /// Rewrites entry `entry_id`; it keeps its first posting time. With
    /// `notify`, its key-event notification is written too, unless it has
    /// one already.
    pub async fn update_live_entry(
        &self,
        entry_id: i64,
        write: &EntryWrite,
        notify: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<LiveEntryRecord>, StoreError> {
        let mut tx = self.begin_write().await?;
        let story_id: Option<i64> = sqlx::query("SELECT story_id FROM live_entries WHERE id = $1")
            .bind(entry_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|row| row.try_get(0))
            .transpose()?;
        let Some(story_id) = story_id else {
            return Ok(None);
        };
        let seq = next_change(&mut tx, story_id, now).await?;
        let now_s = now.timestamp();
        let posted_at = (write.state == EntryState::Posted).then_some(now_s);
        let row = sqlx::query(&format!(
            "UPDATE live_entries SET title = $1, body_markdown = $2, key_event = $3,
                breaking = $4, state = $5, published_at = COALESCE(published_at, $6),
                updated_at = $7, seq = $8
             WHERE id = $9
             RETURNING {ENTRY_COLUMNS}"
        ))
        .bind(&write.title)
        .bind(&write.body_markdown)
        .bind(i64::from(write.key_event))
        .bind(i64::from(write.breaking))
        .bind(write.state.as_str())
        .bind(posted_at)
        .bind(now_s)
        .bind(seq)
        .bind(entry_id)
        .fetch_one(&mut *tx)
        .await?;
        let entry = entry_from_row(&row)?;
        self.commit_entry(tx, &entry, notify, now_s).await?;
        Ok(Some(entry))
    }

    /// Writes `entry`'s key-event notification when asked, commits, and
    /// wakes the readers' streams, and the delivery workers for the
    /// notification.
    async fn commit_entry(
        &self,
        mut tx: Transaction<'_, Any>,
        entry: &LiveEntryRecord,
        notify: bool,
        now: i64,
    ) -> Result<(), StoreError> {
        if notify {
            enqueue_key_event(&mut tx, entry.story_id, entry.id, entry.breaking, now).await?;
        }
        tx.commit().await?;
        self.announce_live().await;
        if notify {
            self.announce_job().await;
        }
        Ok(())
    }

    /// Entry `entry_id`, whatever its state.
    pub async fn live_entry(&self, entry_id: i64) -> Result<Option<LiveEntryRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM live_entries WHERE id = $1"
        ))
        .bind(entry_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(entry_from_row).transpose()
    }

    /// Story `story_id`'s entries in `state`, in id order, after id
    /// `after` (0: from the first), at most `limit`.
    pub async fn live_entries(
        &self,
        story_id: i64,
        state: EntryState,
        after: i64,
        limit: i64,
    ) -> Result<Vec<LiveEntryRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM live_entries
             WHERE story_id = $1 AND state = $2 AND id > $3
             ORDER BY id LIMIT $4"
        ))
        .bind(story_id)
        .bind(state.as_str())
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Story `story_id`'s latest `limit` entries in `state`, newest
    /// (highest id) first.
    pub async fn latest_live_entries(
        &self,
        story_id: i64,
        state: EntryState,
        limit: i64,
    ) -> Result<Vec<LiveEntryRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM live_entries
             WHERE story_id = $1 AND state = $2
             ORDER BY id DESC LIMIT $3"
        ))
        .bind(story_id)
        .bind(state.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Story `story_id`'s latest `limit` entries that are not deleted,
    /// drafts and posted, newest (highest id) first: the live desk's list.
    pub async fn desk_live_entries(
        &self,
        story_id: i64,
        limit: i64,
    ) -> Result<Vec<LiveEntryRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM live_entries
             WHERE story_id = $1 AND state <> 'deleted'
             ORDER BY id DESC LIMIT $2"
        ))
        .bind(story_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Ends story `story_id`'s live coverage at `now`.
    pub async fn end_live_coverage(
        &self,
        story_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let seq = next_change(&mut tx, story_id, now).await?;
        sqlx::query("UPDATE stories SET live_ended_at = $1, live_end_seq = $2 WHERE id = $3")
            .bind(now.timestamp())
            .bind(seq)
            .bind(story_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.announce_live().await;
        Ok(())
    }

    /// The site's latest live change number: a page that shows the
    /// entries read after it is at least this current.
    pub async fn live_seq(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT live_seq FROM site_state WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// The live changes after change number `after`, of story `story_id`
    /// or of every story, in change order, at most `limit`: each entry
    /// written (its state now), and each end of coverage. Every change up
    /// to the last one returned is in the list; the next read starts
    /// after it.
    pub async fn live_changes_since(
        &self,
        after: i64,
        story_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<LiveChange>, StoreError> {
        let story_filter = |column: &str| match story_id {
            Some(_) => format!("AND {column} = $3"),
            None => String::new(),
        };
        let entries_sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM live_entries
             WHERE seq > $1 {} ORDER BY seq LIMIT $2",
            story_filter("story_id")
        );
        let ends_sql = format!(
            "SELECT id, live_ended_at, live_end_seq FROM stories
             WHERE live_end_seq > $1 {} ORDER BY live_end_seq LIMIT $2",
            story_filter("id")
        );
        let mut entries = sqlx::query(&entries_sql).bind(after).bind(limit);
        let mut ends = sqlx::query(&ends_sql).bind(after).bind(limit);
        if let Some(story_id) = story_id {
            entries = entries.bind(story_id);
            ends = ends.bind(story_id);
        }
        let entries = entries.fetch_all(&self.pool).await?;
        let ends = ends.fetch_all(&self.pool).await?;
        let mut changes = entries
            .iter()
            .map(|row| entry_from_row(row).map(LiveChange::Entry))
            .collect::<Result<Vec<_>, _>>()?;
        for row in ends {
            let at: Option<i64> = row.try_get(1)?;
            changes.push(LiveChange::Ended {
                story_id: row.try_get(0)?,
                at: time(at.unwrap_or_default())?,
                seq: row.try_get(2)?,
            });
        }
        // Each list is complete up to its own last change; together, up
        // to the `limit`-th change of both.
        changes.sort_by_key(LiveChange::seq);
        changes.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(changes)
    }
}

/// One change of live coverage, as a reader's stream tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveChange {
    /// An entry was written: posted, edited or deleted (its state now).
    Entry(LiveEntryRecord),
    /// Story `story_id`'s coverage ended `at`.
    Ended {
        story_id: i64,
        at: DateTime<Utc>,
        seq: i64,
    },
}

impl LiveChange {
    /// The site's live change number of this change.
    pub fn seq(&self) -> i64 {
        match self {
            LiveChange::Entry(entry) => entry.seq,
            LiveChange::Ended { seq, .. } => *seq,
        }
    }

    /// The story it changed.
    pub fn story_id(&self) -> i64 {
        match self {
            LiveChange::Entry(entry) => entry.story_id,
            LiveChange::Ended { story_id, .. } => *story_id,
        }
    }
}

/// Takes the site's next live change number, records the story's change
/// (its cached pages go, on every node) and marks it modified, in `tx`.
async fn next_change(
    tx: &mut Transaction<'_, Any>,
    story_id: i64,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let seq: i64 = sqlx::query(
        "UPDATE site_state SET live_seq = live_seq + 1 WHERE id = 1 RETURNING live_seq",
    )
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    sqlx::query("UPDATE stories SET modified_at = $1 WHERE id = $2")
        .bind(now.timestamp())
        .bind(story_id)
        .execute(&mut **tx)
        .await?;
    super::content_changes::story_pages_changed(tx, story_id).await?;
    Ok(seq)
}

fn entry_from_row(row: &AnyRow) -> Result<LiveEntryRecord, StoreError> {
    let state: String = row.try_get("state")?;
    let published_at: Option<i64> = row.try_get("published_at")?;
    Ok(LiveEntryRecord {
        id: row.try_get("id")?,
        story_id: row.try_get("story_id")?,
        author_id: row.try_get("author_id")?,
        author_name: row.try_get("author_name")?,
        title: row.try_get("title")?,
        body_markdown: row.try_get("body_markdown")?,
        key_event: row.try_get::<i64, _>("key_event")? != 0,
        breaking: row.try_get::<i64, _>("breaking")? != 0,
        state: EntryState::parse(&state)?,
        published_at: published_at.map(time).transpose()?,
        created_at: time(row.try_get("created_at")?)?,
        updated_at: time(row.try_get("updated_at")?)?,
        seq: row.try_get("seq")?,
    })
}
