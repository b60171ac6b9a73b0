//! The newsroom's view of stories: one with its owner, version and
//! status, and the filtered, paged story list.

use super::*;

/// The columns `record_from_row` reads, beside `STORY_COLUMNS`.
pub(in crate::store) const EDITORIAL_COLUMNS: &str = "s.version, s.owner_id, u.name AS owner_name, s.correction, \
     s.correction_at, s.created_at, s.first_published_at, \
     (SELECT COUNT(*) FROM story_revisions r WHERE r.story_id = s.id) AS revision_count";

pub(in crate::store) fn record_from_row(
    row: &AnyRow,
    now: DateTime<Utc>,
) -> Result<EditorialRecord, StoreError> {
    let correction: Option<String> = row.try_get("correction")?;
    let correction_at: Option<i64> = row.try_get("correction_at")?;
    let first_published_at = row
        .try_get::<Option<i64>, _>("first_published_at")?
        .map(rows::time)
        .transpose()?
        .filter(|at| *at <= now);
    Ok(EditorialRecord {
        story: rows::story_from_row(row)?,
        version: row.try_get("version")?,
        owner_id: row.try_get("owner_id")?,
        owner_name: row.try_get("owner_name")?,
        correction: match (correction, correction_at) {
            (Some(text), Some(at)) => Some(Correction {
                text,
                at: rows::time(at)?,
            }),
            _ => None,
        },
        created_at: rows::time(row.try_get("created_at")?)?,
        first_published_at,
        revision_count: row.try_get("revision_count")?,
    })
}

/// The values of a query built piece by piece, each numbered as it is
/// added.
#[derive(Default)]
pub(in crate::store) struct Binds(Vec<BindValue>);

pub(in crate::store) enum BindValue {
    Int(i64),
    Text(String),
}

impl Binds {
    /// Adds an integer; returns its placeholder.
    fn int(&mut self, value: i64) -> String {
        self.0.push(BindValue::Int(value));
        format!("${}", self.0.len())
    }

    /// Adds a text; returns its placeholder.
    fn text(&mut self, value: String) -> String {
        self.0.push(BindValue::Text(value));
        format!("${}", self.0.len())
    }

    fn apply<'q>(
        &self,
        mut query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
        for value in &self.0 {
            query = match value {
                BindValue::Int(n) => query.bind(*n),
                BindValue::Text(t) => query.bind(t.clone()),
            };
        }
        query
    }
}

/// `text` with LIKE's wildcards escaped (with `\`), inside `%…%`.
pub(in crate::store) fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

impl Store {
    /// A story by id with its version, owner, correction and revision
    /// count, whatever its state.
    pub async fn editorial_story(
        &self,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<EditorialRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {STORY_COLUMNS}, {EDITORIAL_COLUMNS}
             FROM stories s LEFT JOIN users u ON u.id = s.owner_id WHERE s.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut record = record_from_row(&row, now)?;
        record.story.topics = self
            .topics_of(&[id])
            .await?
            .into_iter()
            .map(|(_, topic)| topic)
            .collect();
        Ok(Some(record))
    }

    /// The newsroom's story list: newest first (by creation), with the
    /// total number of stories matching.
    pub async fn editorial_stories(
        &self,
        query: &StoryQuery,
        now: DateTime<Utc>,
    ) -> Result<(Vec<ListedStory>, i64), StoreError> {
        let mut binds = Binds::default();
        let mut conditions = vec!["1 = 1".to_owned()];
        match query.status {
            Some(StoryStatus::Draft) => conditions.push("s.published_at IS NULL".into()),
            Some(StoryStatus::Scheduled) => {
                conditions.push(format!("s.published_at > {}", binds.int(now.timestamp())))
            }
            Some(StoryStatus::Published) => {
                conditions.push(format!("s.published_at <= {}", binds.int(now.timestamp())))
            }
            None => {}
        }
        if let Some(owner) = query.owner_id {
            conditions.push(format!("s.owner_id = {}", binds.int(owner)));
        }
        if let Some(reader) = query.readable_by {
            conditions.push(format!(
                "(s.owner_id = {} OR s.published_at <= {})",
                binds.int(reader),
                binds.int(now.timestamp())
            ));
        }
        if let Some(topic) = &query.topic {
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM story_topics st JOIN topics t ON t.id = st.topic_id
                  WHERE st.story_id = s.id AND t.slug = {})",
                binds.text(topic.clone())
            ));
        }
        if let Some(author) = &query.author {
            // A name is one JSON string in the authors array.
            let quoted = serde_json::to_string(author.trim())
                .map_err(|e| StoreError::Corrupt(format!("author: {e}")))?;
            conditions.push(format!(
                "lower(s.authors) LIKE lower({}) ESCAPE '\\'",
                binds.text(like_pattern(&quoted))
            ));
        }
        if let Some(headline) = &query.headline {
            conditions.push(format!(
                "lower(s.headline) LIKE lower({}) ESCAPE '\\'",
                binds.text(like_pattern(headline.trim()))
            ));
        }
        let filter = conditions.join(" AND ");
        let list_sql = format!(
            "SELECT s.id, s.slug, s.headline, s.authors, s.owner_id, u.name AS owner_name, s.version,
                    s.published_at, s.updated_at, s.created_at, s.modified_at
             FROM stories s LEFT JOIN users u ON u.id = s.owner_id
             WHERE {filter} ORDER BY s.created_at DESC, s.id DESC LIMIT {} OFFSET {}",
            query.limit.clamp(0, 1000),
            query.offset.max(0)
        );
        let count_sql = format!("SELECT COUNT(*) FROM stories s WHERE {filter}");
        let rows = binds
            .apply(sqlx::query(&list_sql))
            .fetch_all(&self.pool)
            .await?;
        let total: i64 = binds
            .apply(sqlx::query(&count_sql))
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        let mut stories = rows
            .iter()
            .map(|row| {
                let authors: String = row.try_get("authors")?;
                Ok(ListedStory {
                    id: row.try_get("id")?,
                    slug: row.try_get("slug")?,
                    headline: row.try_get("headline")?,
                    authors: serde_json::from_str(&authors)
                        .map_err(|e| StoreError::Corrupt(format!("authors: {e}")))?,
                    topics: Vec::new(),
                    owner_id: row.try_get("owner_id")?,
                    owner_name: row.try_get("owner_name")?,
                    version: row.try_get("version")?,
                    published_at: row
                        .try_get::<Option<i64>, _>("published_at")?
                        .map(rows::time)
                        .transpose()?,
                    updated_at: row
                        .try_get::<Option<i64>, _>("updated_at")?
                        .map(rows::time)
                        .transpose()?,
                    created_at: rows::time(row.try_get("created_at")?)?,
                    modified_at: rows::time(row.try_get("modified_at")?)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let ids: Vec<i64> = stories.iter().map(|s| s.id).collect();
        let topics = self.topics_of(&ids).await?;
        for story in &mut stories {
            story.topics = topics
                .iter()
                .filter(|(id, _)| *id == story.id)
                .map(|(_, t)| t.clone())
                .collect();
        }
        Ok((stories, total))
    }
}
