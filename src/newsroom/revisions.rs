//! A story's revision history in the newsroom: the list, one revision's
//! changes (against the revision before it, or against the story now), and
//! restoring a revision. The history, the diff and the rules are
//! [`crate::editorial`]'s.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use chrono_tz::Tz;
use serde::Deserialize;

use super::layout::{self, Chrome, Section};
use super::page_error;
use crate::accounts::Principal;
use crate::content::dates;
use crate::editorial::{self, DiffBase, DiffLine, DiffTag, EditorialError, RevisionSummary};
use crate::web::AppState;
use crate::web::NewsroomUser;
use crate::web::csrf::CsrfForm;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/stories/{id}/revisions", get(list_revisions))
        .route(
            "/newsroom/stories/{id}/revisions/{number}",
            get(show_revision),
        )
        .route(
            "/newsroom/stories/{id}/revisions/{number}/restore",
            post(restore_revision),
        )
}

/// A revision in the list.
#[derive(Debug, Clone)]
pub struct RevisionRow {
    pub number: i64,
    pub action: &'static str,
    pub who: String,
    pub when_iso: String,
    pub when_text: String,
    pub href: String,
}

impl RevisionRow {
    fn of(story_id: i64, r: &RevisionSummary, zone: Tz) -> RevisionRow {
        RevisionRow {
            number: r.number,
            action: r.action.as_str(),
            who: r
                .user_name
                .clone()
                .unwrap_or_else(|| "the command line".to_owned()),
            when_iso: dates::iso(r.created_at),
            when_text: dates::full(r.created_at, zone),
            href: format!("/newsroom/stories/{story_id}/revisions/{}", r.number),
        }
    }
}

/// A line of a diff, marked for people as well as for colour.
#[derive(Debug, Clone)]
pub struct Line {
    /// `ins`, `del` or `same`.
    pub kind: &'static str,
    /// "+", "−" or " ", shown before the line.
    pub sign: &'static str,
    pub text: String,
}

/// A diff's lines, marked for the page.
pub fn diff_lines(diff: &[DiffLine]) -> Vec<Line> {
    diff.iter()
        .map(|l| {
            let (kind, sign) = match l.tag {
                DiffTag::Insert => ("ins", "+"),
                DiffTag::Delete => ("del", "−"),
                DiffTag::Equal => ("same", " "),
            };
            Line {
                kind,
                sign,
                text: l.text.clone(),
            }
        })
        .collect()
}

/// Only the changed lines and `radius` lines around each, with "…" where
/// unchanged lines are left out.
pub fn around_changes(lines: Vec<Line>, radius: usize) -> Vec<Line> {
    let changed: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].kind != "same")
        .collect();
    let near = |i: usize| changed.iter().any(|&c| c.abs_diff(i) <= radius);
    let mut kept = Vec::new();
    let mut skipped = false;
    for (i, line) in lines.into_iter().enumerate() {
        if near(i) {
            if skipped && !kept.is_empty() {
                kept.push(Line {
                    kind: "same",
                    sign: " ",
                    text: "…".to_owned(),
                });
            }
            skipped = false;
            kept.push(line);
        } else {
            skipped = true;
        }
    }
    kept
}

#[derive(Template)]
#[template(path = "newsroom/revisions.html")]
pub struct RevisionsPage {
    pub chrome: Chrome,
    pub story_id: i64,
    pub headline: String,
    pub rows: Vec<RevisionRow>,
}

#[derive(Template)]
#[template(path = "newsroom/revision.html")]
pub struct RevisionPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub story_id: i64,
    pub headline: String,
    pub revision: RevisionRow,
    /// What the changes are measured against, in words.
    pub against: String,
    pub against_current: bool,
    pub lines: Vec<Line>,
    pub changed: bool,
    pub can_restore: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct BaseQuery {
    pub base: Option<String>,
}

fn ids(id: &str, number: Option<&str>) -> Result<(i64, i64), EditorialError> {
    let id = id.parse().map_err(|_| EditorialError::NotFound("story"))?;
    let number = match number {
        Some(n) => n
            .parse()
            .map_err(|_| EditorialError::NotFound("revision"))?,
        None => 0,
    };
    Ok((id, number))
}

/// `GET /newsroom/stories/{id}/revisions`.
async fn list_revisions(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(id): Path<String>,
) -> Response {
    match revisions_page(&state, &user, &id).await {
        Ok(page) => layout::render(&page),
        Err(e) => page_error(&state, &user, e),
    }
}

async fn revisions_page(
    state: &AppState,
    user: &Principal,
    id: &str,
) -> Result<RevisionsPage, EditorialError> {
    let (id, _) = ids(id, None)?;
    let now = Utc::now();
    let story = editorial::get_story(&state.store, user, id, now).await?;
    let revisions = editorial::list_revisions(&state.store, user, id, now).await?;
    Ok(RevisionsPage {
        chrome: Chrome::for_user(state, user, Section::Stories),
        story_id: id,
        headline: story.story.headline,
        rows: revisions
            .iter()
            .map(|r| RevisionRow::of(id, r, state.config.site.time_zone))
            .collect(),
    })
}

/// `GET /newsroom/stories/{id}/revisions/{number}[?base=current]`.
async fn show_revision(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path((id, number)): Path<(String, String)>,
    Query(query): Query<BaseQuery>,
) -> Response {
    match revision_page(&state, &user, &id, &number, &query).await {
        Ok(page) => layout::render(&page),
        Err(e) => page_error(&state, &user, e),
    }
}

async fn revision_page(
    state: &AppState,
    user: &Principal,
    id: &str,
    number: &str,
    query: &BaseQuery,
) -> Result<RevisionPage, EditorialError> {
    let (id, number) = ids(id, Some(number))?;
    let now = Utc::now();
    let base = match query.base.as_deref() {
        Some("current") => DiffBase::Current,
        _ => DiffBase::Previous,
    };
    let story = editorial::get_story(&state.store, user, id, now).await?;
    let detail = editorial::get_revision(&state.store, user, id, number, base, now).await?;
    let against = match (base, detail.base_number) {
        (DiffBase::Current, _) => {
            "the story as it is now (removed lines are this revision's, added lines are today's)"
                .to_owned()
        }
        (DiffBase::Previous, Some(n)) => format!("revision {n}, the one before it"),
        (DiffBase::Previous, None) => "nothing: it is the first revision".to_owned(),
    };
    let lines = diff_lines(&detail.diff);
    Ok(RevisionPage {
        chrome: Chrome::for_user(state, user, Section::Stories),
        csrf: user.csrf_token().unwrap_or_default().to_owned(),
        story_id: id,
        headline: story.story.headline,
        revision: RevisionRow::of(id, &detail.revision, state.config.site.time_zone),
        against,
        against_current: base == DiffBase::Current,
        changed: lines.iter().any(|l| l.kind != "same"),
        lines,
        can_restore: story.allowed.edit,
    })
}

/// `POST /newsroom/stories/{id}/revisions/{number}/restore`.
async fn restore_revision(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path((id, number)): Path<(String, String)>,
    CsrfForm(_fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let restored = match ids(&id, Some(&number)) {
        Ok((id, number)) => {
            editorial::restore_revision(&state.store, &user, id, number, Utc::now()).await
        }
        Err(e) => Err(e),
    };
    match restored {
        Ok(saved) => {
            Redirect::to(&format!("/newsroom/stories/{}?done=restored", saved.id)).into_response()
        }
        Err(e) => page_error(&state, &user, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(kind: &'static str, text: &str) -> Line {
        Line {
            kind,
            sign: " ",
            text: text.to_owned(),
        }
    }

    #[test]
    fn only_changes_and_their_neighbours_are_kept_with_gaps_marked() {
        let mut lines: Vec<Line> = (0..10).map(|i| line("same", &i.to_string())).collect();
        lines[5] = line("del", "five");
        lines.push(line("ins", "ten"));
        let kept: Vec<String> = around_changes(lines, 1)
            .into_iter()
            .map(|l| l.text)
            .collect();
        assert_eq!(kept, ["4", "five", "6", "…", "9", "ten"]);
        assert!(around_changes(vec![line("same", "a")], 2).is_empty());
    }
}
