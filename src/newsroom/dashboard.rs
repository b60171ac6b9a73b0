//! The newsroom's dashboard at `/newsroom`: each recent story's delivery
//! numbers (server-rendered, then kept current by newsroom.js while a
//! fan-out runs) and subscribers per topic with their trend, as SVG charts
//! with the same numbers in tables.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Duration, Utc};

use super::charts::{self, BarChart, LineChart};
use super::layout::{self, Chrome, Section};
use crate::content::dates::Shown;
use crate::editorial::{self, StoryFilter, StoryStatus};
use crate::store::{JobKind, JobStats, PushStats};
use crate::subscriptions::follower_trend::{self, TopicTrend};
use crate::web::AppState;
use crate::web::NewsroomUser;
use crate::web::page_error::AppError;
use chrono_tz::Tz;

/// How many recent stories the dashboard shows.
const RECENT_STORIES: i64 = 20;
/// Topics in the bar chart; the table lists them all.
const BAR_TOPICS: usize = 12;
/// Topics drawn in the trend chart: the most followed.
const TREND_TOPICS: usize = 6;

pub fn routes() -> Router<AppState> {
    Router::new().route("/newsroom", get(show_dashboard))
}

/// A story's delivery numbers, ready to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryNumbers {
    pub queued: i64,
    pub sent: i64,
    pub delivered: i64,
    pub gone: i64,
    pub failed: i64,
    pub clicked: i64,
    /// Clicks per delivered notification, e.g. "12.5%"; "—" before any delivery.
    pub click_through: String,
    /// Whether the fan-out still has work: a job not yet planned, a shard
    /// not done, or a retry waiting.
    pub running: bool,
    /// Shards or retries are being worked on (not only waiting to start).
    pub sending: bool,
}

impl DeliveryNumbers {
    /// The story's first notification's numbers (an update goes to the
    /// same readers again: adding it would count them twice), with the
    /// story's clicks; running while any of its notifications is.
    pub fn from_stats(stats: &PushStats) -> DeliveryNumbers {
        let sending = stats.retrying > 0 || stats.shards.iter().any(|s| s.state != "done");
        let first = stats.jobs.iter().find(|j| j.kind == JobKind::Original);
        let count = |of: fn(&JobStats) -> i64| first.map_or(0, of);
        let delivered = count(|j| j.delivered);
        DeliveryNumbers {
            queued: count(|j| j.queued.unwrap_or(0)),
            sent: count(|j| j.sent),
            delivered,
            gone: count(|j| j.gone),
            failed: count(|j| j.failed),
            clicked: stats.clicked,
            click_through: click_through(stats.clicked, delivered),
            running: stats.pending_jobs > 0 || sending,
            sending,
        }
    }
}

/// Clicks as a share of deliveries, to one decimal; newsroom.js computes
/// the same when it updates the numbers.
pub fn click_through(clicked: i64, delivered: i64) -> String {
    if delivered <= 0 {
        return "—".to_owned();
    }
    let tenths = (clicked as f64 * 1000.0 / delivered as f64).round() / 10.0;
    format!("{tenths:.1}%")
}

/// A row of the recent stories table.
#[derive(Debug, Clone)]
pub struct StoryRow {
    pub id: i64,
    pub headline: String,
    pub edit_href: String,
    pub public_href: String,
    /// "Published" or "Scheduled".
    pub status: &'static str,
    /// Publication time, relative to now: the list is scanned.
    pub when: Option<Shown>,
    pub stats_href: String,
    pub numbers: DeliveryNumbers,
    /// Whether newsroom.js should keep the numbers current: the story is
    /// out and its fan-out is under way, or about to start.
    pub live: bool,
    /// "Sending…" or "Waiting to send" while the fan-out is not over.
    pub phase: &'static str,
}

/// A row of the topics table.
#[derive(Debug, Clone)]
pub struct TopicRow {
    pub name: String,
    pub href: String,
    pub followers: i64,
    pub week: String,
    pub month: String,
}

/// A row of the trend's numbers: a day and each charted topic's followers.
#[derive(Debug, Clone)]
pub struct TrendRow {
    pub day: String,
    pub values: Vec<String>,
}

#[derive(Template)]
#[template(path = "newsroom/dashboard.html")]
pub struct DashboardPage {
    pub chrome: Chrome,
    pub stories: Vec<StoryRow>,
    pub subscribers: i64,
    pub topics: Vec<TopicRow>,
    pub bars: BarChart,
    pub trend: LineChart,
    pub trend_names: Vec<String>,
    pub trend_rows: Vec<TrendRow>,
}

/// `GET /newsroom`.
async fn show_dashboard(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
) -> Result<Response, AppError> {
    let now = Utc::now();
    // The daily task normally has taken today's snapshot; if this node has
    // just started or the day has just begun, the first view takes it.
    if let Err(e) = state.store.snapshot_followers(now).await {
        tracing::warn!(error = %e, "cannot record today's followers per topic");
    }
    // Scheduled stories first (soonest last, nearest the published ones),
    // then the latest published, by publication time.
    let scheduled = StoryFilter {
        status: Some(StoryStatus::Scheduled),
        per_page: RECENT_STORIES,
        ..StoryFilter::default()
    };
    let scheduled = match editorial::list_stories(&state.store, &user, &scheduled, now).await {
        Ok(list) => list.stories,
        Err(e) => return Ok(super::page_error(&state, &user, e)),
    };
    let published = state
        .store
        .published_stories(None, now, RECENT_STORIES, 0)
        .await?;
    let mut recent: Vec<(i64, String, String, Option<DateTime<Utc>>)> = scheduled
        .iter()
        .map(|item| {
            let s = &item.story;
            (s.id, s.headline.clone(), s.slug.clone(), s.published_at)
        })
        .chain(published.stories.iter().map(|s| {
            (
                s.id,
                s.headline.clone(),
                s.slug.clone(),
                Some(s.published_at),
            )
        }))
        .collect();
    recent.sort_by(|a, b| b.3.cmp(&a.3).then(b.0.cmp(&a.0)));
    recent.truncate(RECENT_STORIES as usize);
    let mut stories = Vec::with_capacity(recent.len());
    for (id, headline, slug, published_at) in &recent {
        let stats = state.store.push_stats(*id).await?;
        stories.push(story_row(
            *id,
            headline,
            slug,
            *published_at,
            &stats,
            now,
            state.config.site.time_zone,
        ));
    }
    let counts = state.store.follower_counts().await?;
    let history = state
        .store
        .follower_history(follower_trend::trend_start(now))
        .await?;
    let trends = follower_trend::trend(now, &counts, &history);
    let page = dashboard_page(
        Chrome::for_user(&state, &user, Section::Dashboard),
        stories,
        state.store.subscription_count().await?,
        &trends,
        &follower_trend::trend_days(now),
    );
    Ok(layout::render(&page))
}

/// A story's row; `published_at` in the future means scheduled.
pub fn story_row(
    id: i64,
    headline: &str,
    slug: &str,
    published_at: Option<DateTime<Utc>>,
    stats: &PushStats,
    now: DateTime<Utc>,
    zone: Tz,
) -> StoryRow {
    let numbers = DeliveryNumbers::from_stats(stats);
    let out = published_at.is_some_and(|at| at <= now);
    let phase = match (out, numbers.sending, numbers.running) {
        (true, true, _) => "Sending…",
        (true, false, true) => "Waiting to send",
        _ => "",
    };
    StoryRow {
        id,
        headline: headline.to_owned(),
        edit_href: format!("/newsroom/stories/{id}"),
        public_href: crate::content::model::story_path(slug),
        status: if out { "Published" } else { "Scheduled" },
        when: published_at.map(|at| Shown::relative(at, now, zone)),
        stats_href: format!("/newsroom/stories/{id}/stats"),
        live: watched(published_at, &numbers, now),
        phase,
        numbers,
    }
}

/// Whether a page should keep a story's numbers current: the story is
/// out and its fan-out is under way, or about to start. A job still
/// waiting a day after publication waits for a worker that is not
/// running; watching it would only poll for nothing.
pub fn watched(
    published_at: Option<DateTime<Utc>>,
    numbers: &DeliveryNumbers,
    now: DateTime<Utc>,
) -> bool {
    let out = published_at.is_some_and(|at| at <= now);
    let recent = published_at.is_some_and(|at| now - at < Duration::days(1));
    out && (numbers.sending || (numbers.running && recent))
}

/// Signed change, e.g. "+3", "−2", "0"; "–" when the day was not recorded.
fn change(value: Option<i64>) -> String {
    match value {
        None => "–".to_owned(),
        Some(v) if v > 0 => format!("+{v}"),
        Some(v) if v < 0 => format!("−{}", v.unsigned_abs()),
        Some(_) => "0".to_owned(),
    }
}

/// The dashboard's view model from its numbers.
pub fn dashboard_page(
    chrome: Chrome,
    stories: Vec<StoryRow>,
    subscribers: i64,
    trends: &[TopicTrend],
    days: &[DateTime<Utc>],
) -> DashboardPage {
    let topics = trends
        .iter()
        .map(|t| TopicRow {
            name: t.name.clone(),
            href: format!("/topics/{}", t.slug),
            followers: t.followers,
            week: change(t.change_over(7)),
            month: change(t.change_over(days.len().saturating_sub(1))),
        })
        .collect();
    let bars = charts::bar_chart(
        &trends
            .iter()
            .take(BAR_TOPICS)
            .map(|t| (t.name.clone(), t.followers))
            .collect::<Vec<_>>(),
    );
    let charted: Vec<&TopicTrend> = trends.iter().take(TREND_TOPICS).collect();
    let day_labels: Vec<String> = days
        .iter()
        .map(|d| d.format("%-d %b").to_string())
        .collect();
    let trend = charts::line_chart(
        &day_labels,
        &charted
            .iter()
            .map(|t| (t.name.clone(), t.daily.clone()))
            .collect::<Vec<_>>(),
    );
    let trend_rows = day_labels
        .iter()
        .enumerate()
        .rev()
        .map(|(i, day)| TrendRow {
            day: day.clone(),
            values: charted
                .iter()
                .map(|t| {
                    t.daily
                        .get(i)
                        .copied()
                        .flatten()
                        .map_or_else(|| "–".to_owned(), |v| v.to_string())
                })
                .collect(),
        })
        .collect();
    DashboardPage {
        chrome,
        stories,
        subscribers,
        topics,
        bars,
        trend,
        trend_names: charted.iter().map(|t| t.name.clone()).collect(),
        trend_rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ShardProgress;

    #[test]
    fn click_through_is_clicks_per_delivery() {
        assert_eq!(click_through(0, 0), "—");
        assert_eq!(click_through(3, 0), "—");
        assert_eq!(click_through(1, 8), "12.5%");
        assert_eq!(click_through(1, 3), "33.3%");
        assert_eq!(click_through(0, 10), "0.0%");
    }

    #[test]
    fn a_fan_out_runs_until_every_shard_is_done_and_no_retry_waits() {
        let shard = |state: &str| ShardProgress {
            id: 1,
            job_id: 1,
            first_subscriber: 1,
            last_subscriber: 10,
            checkpoint: 5,
            handled: 5,
            state: state.into(),
        };
        let mut stats = PushStats {
            pending_jobs: 1,
            ..PushStats::default()
        };
        assert!(DeliveryNumbers::from_stats(&stats).running);
        stats.pending_jobs = 0;
        stats.shards = vec![shard("done"), shard("leased")];
        assert!(DeliveryNumbers::from_stats(&stats).running);
        stats.shards = vec![shard("done")];
        stats.retrying = 2;
        assert!(DeliveryNumbers::from_stats(&stats).running);
        stats.retrying = 0;
        assert!(!DeliveryNumbers::from_stats(&stats).running);
        // No notification at all: nothing runs.
        assert!(!DeliveryNumbers::from_stats(&PushStats::default()).running);
    }

    #[test]
    fn a_scheduled_story_is_not_watched_live() {
        let now: DateTime<Utc> = "2026-03-30T12:00:00Z".parse().expect("time");
        let pending = PushStats {
            pending_jobs: 1,
            ..PushStats::default()
        };
        let later = "2026-03-31T08:00:00Z".parse().ok();
        let row = story_row(7, "Later", "later", later, &pending, now, Tz::UTC);
        assert_eq!(row.status, "Scheduled");
        assert!(!row.live);
        let earlier = "2026-03-30T11:59:00Z".parse().ok();
        let row = story_row(7, "Now", "now", earlier, &pending, now, Tz::UTC);
        assert_eq!(row.status, "Published");
        assert!(row.live);
        assert_eq!(row.phase, "Waiting to send");
        // Still waiting days later: no worker runs; shown, not watched.
        let long_ago = "2026-03-20T11:59:00Z".parse().ok();
        let row = story_row(7, "Old", "old", long_ago, &pending, now, Tz::UTC);
        assert!(!row.live);
        assert_eq!(row.phase, "Waiting to send");
        assert_eq!(row.edit_href, "/newsroom/stories/7");
        assert_eq!(row.public_href, "/stories/old");
    }

    #[test]
    fn changes_are_signed() {
        assert_eq!(change(None), "–");
        assert_eq!(change(Some(3)), "+3");
        assert_eq!(change(Some(-2)), "−2");
        assert_eq!(change(Some(0)), "0");
    }
}
