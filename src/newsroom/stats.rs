//! A story's notification stats at `/newsroom/stories/{id}/stats`, for
//! anyone in the newsroom who may see the story: each notification job
//! apart (the original, then each update), the outcomes per push service
//! (its host name only, never an endpoint), and deliveries over time as an
//! SVG chart with its table. While a job runs, newsroom.js fetches
//! `?part=body` (the numbers alone) every few seconds and puts it in place;
//! without a script there is a "Refresh" link. The numbers are
//! [`editorial::story_stats`]'s.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::dashboard::{DeliveryNumbers, click_through, watched};
use super::delivery_chart::{ChartJob, DeliveryChart, delivery_chart};
use super::layout::{self, Chrome, Section};
use super::page_error;
use crate::content::dates::Shown;
use crate::editorial::{self, EditorialError, HostCounts, JobReport, StoryStats, StoryStatus};
use crate::store::JobKind;
use crate::web::AppState;
use crate::web::NewsroomUser;

pub fn routes() -> Router<AppState> {
    Router::new().route("/newsroom/stories/{id}/stats", get(show_stats))
}

/// `?part=body`: the numbers alone, for the script that keeps them current.
#[derive(Debug, Default, Deserialize)]
pub struct StatsQuery {
    pub part: Option<String>,
}

/// A notification job's row.
#[derive(Debug, Clone)]
pub struct JobRow {
    /// "Original notification", "Update 1"…
    pub name: String,
    /// When it started sending, if it has.
    pub sent: Option<Shown>,
    pub breaking: bool,
    /// "over 30 minutes" for a notification delivered at a pace.
    pub spread: Option<String>,
    /// "Sending…", "Finished", "Waiting to send"…
    pub state: &'static str,
    /// "counting…" while its readers are being counted.
    pub queued: String,
    pub sent_count: i64,
    pub delivered: i64,
    pub gone: i64,
    pub failed: i64,
    pub retrying: i64,
    pub held: i64,
    pub clicked: i64,
    pub click_through: String,
}

/// The numbers, which the script replaces while a job runs.
#[derive(Template)]
#[template(path = "newsroom/stats_body.html")]
pub struct StatsBody {
    pub self_href: String,
    /// A job is still being sent (or about to be): keep the numbers current.
    pub running: bool,
    pub jobs: Vec<JobRow>,
    /// Per push service: its host name only.
    pub hosts: Vec<HostCounts>,
    pub chart: Option<DeliveryChart>,
    pub read_at: Shown,
}

#[derive(Template)]
#[template(path = "newsroom/stats.html")]
pub struct StatsPage {
    pub chrome: Chrome,
    pub headline: String,
    pub edit_href: String,
    /// The story on the site, once published.
    pub public_href: Option<String>,
    pub status: &'static str,
    pub body: StatsBody,
}

/// `GET /newsroom/stories/{id}/stats`.
async fn show_stats(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Path(id): Path<String>,
    Query(query): Query<StatsQuery>,
) -> Response {
    let now = Utc::now();
    let stats = match id.parse::<i64>() {
        Ok(id) => editorial::story_stats(&state.store, &user, id, now).await,
        Err(_) => Err(EditorialError::NotFound("story")),
    };
    let stats = match stats {
        Ok(stats) => stats,
        Err(e) => return page_error(&state, &user, e),
    };
    let body = stats_body(&stats, now, state.config.site.time_zone);
    if query.part.as_deref() == Some("body") {
        return layout::render(&body);
    }
    let story = &stats.story;
    let page = StatsPage {
        chrome: Chrome::for_user(&state, &user, Section::Stories),
        headline: story.story.headline.clone(),
        edit_href: format!("/newsroom/stories/{}", story.story.id),
        public_href: (story.status == StoryStatus::Published).then(|| story.story.path()),
        status: super::stories::status_label(story.status),
        body,
    };
    layout::render(&page)
}

/// The numbers of `stats` read at `now`, times shown in `zone`.
pub fn stats_body(stats: &StoryStats, now: DateTime<Utc>, zone: Tz) -> StatsBody {
    let story = &stats.story.story;
    let numbers = DeliveryNumbers::from_stats(&stats.push);
    let out = story.published_at.is_some_and(|at| at <= now);
    let mut updates = 0;
    let mut key_events = 0;
    let mut chart_jobs = Vec::with_capacity(stats.jobs.len());
    let jobs = stats
        .jobs
        .iter()
        .map(|report| {
            let name = match report.job.kind {
                JobKind::Original => "Original notification".to_owned(),
                JobKind::Update => {
                    updates += 1;
                    format!("Update {updates}")
                }
                JobKind::KeyEvent => {
                    key_events += 1;
                    format!("Key event {key_events}")
                }
            };
            chart_jobs.push(ChartJob {
                id: report.job.id,
                name: match report.job.kind {
                    JobKind::Original => "Original".to_owned(),
                    JobKind::Update | JobKind::KeyEvent => name.clone(),
                },
                start: report.job.planned_at_ms.map(|ms| ms.div_euclid(60_000)),
            });
            job_row(name, report, &stats.push.shards, out, zone)
        })
        .collect();
    StatsBody {
        self_href: format!("/newsroom/stories/{}/stats", story.id),
        running: watched(story.published_at, &numbers, now),
        jobs,
        hosts: stats.hosts.clone(),
        chart: delivery_chart(&chart_jobs, &stats.tallies, zone),
        read_at: Shown::full(now, zone),
    }
}

/// A job's row; `out` says whether its story is on the site yet.
fn job_row(
    name: String,
    report: &JobReport,
    shards: &[crate::store::ShardProgress],
    out: bool,
    zone: Tz,
) -> JobRow {
    let job = &report.job;
    let sending = job.retrying > 0
        || shards
            .iter()
            .any(|s| s.job_id == job.id && s.state != "done");
    let state = match job.state.as_str() {
        _ if job.silent => "Not sent: published without a notification",
        "cancelled" => "Cancelled: the story was unpublished first",
        "pending" if out => "Waiting to send",
        "pending" => "Goes out when the story is published",
        "done" => "Finished",
        _ if sending || job.queued.is_none() => "Sending…",
        _ => "Finishing",
    };
    JobRow {
        name,
        sent: job
            .planned_at_ms
            .and_then(DateTime::from_timestamp_millis)
            .map(|at| Shown::full(at, zone)),
        breaking: job.breaking,
        spread: match crate::content::spread::minutes(
            u32::try_from(job.spread_minutes).unwrap_or(0),
            job.spread_breaking,
            job.breaking,
        ) {
            0 => None,
            1 => Some("delivered over 1 minute".to_owned()),
            n => Some(format!("delivered over {n} minutes")),
        },
        state,
        queued: job
            .queued
            .map_or_else(|| "counting…".to_owned(), |q| q.to_string()),
        sent_count: job.sent,
        delivered: job.delivered,
        gone: job.gone,
        failed: job.failed,
        retrying: job.retrying,
        held: job.held,
        clicked: report.clicked,
        click_through: click_through(report.clicked, job.delivered),
    }
}
