//! What every request handler shares: the store, the configuration, the
//! page cache and the push registration state, built once at start.

use std::sync::Arc;
use std::time::Duration;

use super::cache::PageCache;
use super::memo::Memo;
use crate::config::Config;
use crate::content::icons::{AppIcons, DEFAULT_LOGO, parse_colour};
use crate::delivery::allowlist::{AllowList, Resolver};
use crate::store::{Store, TopicFollowers};
use crate::subscriptions::limits::RegistrationLimiter;

/// What every request handler shares, passed by axum's `State`; cloning
/// it clones handles, never data.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The one way to the database: every read and every decided write.
    pub store: Store,
    /// The resolved configuration, read by handlers for the site's name,
    /// base URL, prompt and limits; never changed while serving.
    pub config: Arc<Config>,
    /// Rendered reader pages, shared by every request and dropped when
    /// content changes (see `server::watch_content`).
    pub pages: Arc<PageCache>,
    /// What the push API and `/metrics` need besides the store.
    pub push: Arc<PushState>,
    /// The memory that image uploads being decoded and resized may take
    /// together (`image_memory_mb`): shared by every upload this process
    /// serves, so many large ones wait instead of exhausting memory.
    pub images: crate::images::ImageMemoryBudget,
    /// The web app's icons, drawn from the site's logo on first request.
    pub icons: Arc<crate::content::icons::AppIcons>,
    /// Followers per topic, for the navigation's order: a count over every
    /// follow, made at most once a minute rather than at every render.
    pub nav_followers: Arc<Memo<Vec<TopicFollowers>>>,
    /// Live coverage's streams on this node (see `super::live_hub`).
    pub live: Arc<super::live_hub::LiveHub>,
}

/// What the push API needs besides the store.
#[derive(Debug)]
pub struct PushState {
    /// The delivery engine's counters, which `/metrics` serves; shared with
    /// the engine this process runs, if any.
    pub metrics: Arc<crate::delivery::metrics::Metrics>,
    /// The site's VAPID public key, base64url, as browsers take it.
    pub public_key: String,
    /// The SSRF guard a subscription's endpoint must pass at registration
    /// (and the sender at each connection).
    pub allow_list: Arc<AllowList>,
    /// Registrations per address per hour, counted in this process.
    pub limiter: RegistrationLimiter,
}

/// How long the navigation's order by followers may lag the follows.
const NAV_FOLLOWERS_PERIOD: Duration = Duration::from_secs(60);

/// A configuration the server cannot start with.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StateError(String);

impl AppState {
    /// The delivery engine for this state, signing with `vapid` as the
    /// configured subject; `None` when workers are off or no subject is set
    /// (then the log says how to set one).
    pub fn engine(
        &self,
        vapid: webpush::VapidKeys,
    ) -> Result<Option<crate::delivery::worker::Engine>, StateError> {
        let push = &self.config.push;
        if push.workers == 0 {
            return Ok(None);
        }
        let Some(subject) = &push.vapid_subject else {
            tracing::warn!(
                "notifications are not sent: set push.vapid_subject (or HERALD_VAPID_SUBJECT) to a mailto: or https: URL where push services can reach you"
            );
            return Ok(None);
        };
        let subject = webpush::Subject::new(subject)
            .map_err(|e| StateError(format!("push.vapid_subject: {e}")))?;
        let mut sender = crate::delivery::sender::Sender::new(
            webpush::Vapid::new(vapid, subject),
            self.push.allow_list.clone(),
            push.concurrency_per_origin,
        )
        .map_err(|e| StateError(format!("cannot create the HTTP client: {e}")))?;
        if push.encryption_threads > 0 {
            let threads = crate::delivery::encryption::EncryptionThreads::start(
                push.encryption_threads,
                push.encryption_nice,
            )
            .map_err(|e| StateError(format!("cannot start the encryption threads: {e}")))?;
            sender = sender.encrypting_on(threads);
        }
        self.push
            .metrics
            .pace_limit
            .set(i64::from(push.max_messages_per_second));
        Ok(Some(crate::delivery::worker::Engine {
            store: self.store.clone(),
            sender: Arc::new(sender),
            metrics: self.push.metrics.clone(),
            settings: crate::delivery::worker::WorkerSettings {
                workers: push.workers,
                shard_size: push.shard_size,
                batch_size: push.batch_size,
                lease: Duration::from_secs(push.lease_seconds),
                poll: Duration::from_millis(push.poll_ms),
                retry: crate::delivery::retry::RetryPolicy {
                    base: Duration::from_millis(push.retry_base_ms),
                    ..Default::default()
                },
                ..Default::default()
            },
            voice: crate::delivery::payload::SiteVoice::of(&self.config),
            site_name: self.config.site.name.clone(),
            reminders: self.config.reminders.clone(),
            pace: Arc::new(crate::delivery::pacing::Pace::per_second(
                push.max_messages_per_second,
                self.push.metrics.paced_seconds.clone(),
            )),
            clock: crate::delivery::worker::Clock::system(),
        }))
    }

    /// The state for `config`, signing with `vapid`, resolving push hosts with
    /// `resolver`.
    pub fn new(
        store: Store,
        config: Config,
        vapid: &webpush::VapidKeys,
        resolver: Resolver,
    ) -> Result<AppState, StateError> {
        let allow_list =
            Arc::new(AllowList::new(&config.push.allowed_hosts, resolver).map_err(StateError)?);
        for entry in allow_list.explicit_entries() {
            tracing::warn!(
                entry = %entry,
                "PUSH ALLOW-LIST: {entry} is trusted without the private-address check; use this only for local push services"
            );
        }
        let limiter = RegistrationLimiter::new(config.push.registrations_per_ip_per_hour);
        let icons = app_icons(&config)?;
        Ok(AppState {
            live: Arc::new(super::live_hub::LiveHub::new(
                config.http.max_streams_per_address,
                config.http.stream_heartbeat,
            )),
            icons: Arc::new(icons),
            nav_followers: Arc::new(Memo::new(NAV_FOLLOWERS_PERIOD)),
            store,
            images: crate::images::ImageMemoryBudget::new(config.image_memory_mb),
            pages: Arc::new(PageCache::default()),
            push: Arc::new(PushState {
                metrics: Arc::new(crate::delivery::metrics::Metrics::default()),
                public_key: vapid.public_key_base64url(),
                allow_list,
                limiter,
            }),
            config: Arc::new(config),
        })
    }
}

/// The icons of `config`'s logo; a logo of the site's own that cannot be
/// read or drawn stops the start, named.
fn app_icons(config: &Config) -> Result<AppIcons, StateError> {
    let background = parse_colour(&config.site.background_color)
        .ok_or_else(|| StateError("site.background_color is not #rrggbb".to_owned()))?;
    let Some(path) = &config.site.icon else {
        return Ok(AppIcons::new(DEFAULT_LOGO.to_vec(), background));
    };
    let logo = std::fs::read(path)
        .map_err(|e| StateError(format!("site.icon: cannot read {}: {e}", path.display())))?;
    let icons = AppIcons::new(logo, background);
    icons
        .check()
        .map_err(|e| StateError(format!("site.icon {}: {e}", path.display())))?;
    Ok(icons)
}
