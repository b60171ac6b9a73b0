//! Herald's configuration: where it listens, where it keeps its data, how it
//! names itself. Every option can be given as a command-line flag, as an
//! environment variable, or in a TOML config file, under the same name; the
//! flag wins over the variable, the variable over the file, the file over the
//! default.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use url::Url;

/// The shortest token `/metrics` may be locked with.
const MIN_METRICS_TOKEN_CHARS: usize = 16;

/// Options shared by every command, as given on the command line or in the
/// environment (clap reads both). `None` means "not given here".
#[derive(Debug, Default, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Config file (TOML) with the same option names.
    #[arg(long, env = "HERALD_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Data folder: the SQLite database and the keys live here.
    #[arg(long, env = "HERALD_DATA", global = true)]
    pub data: Option<PathBuf>,
    /// Address the web server listens on.
    #[arg(long, env = "HERALD_BIND", global = true)]
    pub bind: Option<SocketAddr>,
    /// Public address of the site, used in canonical links, feeds and sitemaps.
    #[arg(long = "base-url", env = "HERALD_BASE_URL", global = true)]
    pub base_url: Option<String>,
    /// Contact for push services (RFC 8292): a mailto: or https: URL.
    #[arg(long = "vapid-subject", env = "HERALD_VAPID_SUBJECT", global = true)]
    pub vapid_subject: Option<String>,
    /// Extra push-service hosts, comma-separated `[scheme://]host[:port]`.
    #[arg(
        long = "push-allowed-hosts",
        env = "HERALD_PUSH_ALLOWED_HOSTS",
        global = true
    )]
    pub push_allowed_hosts: Option<String>,
    /// Subscription registrations allowed per IP address per hour; 0 = no limit.
    #[arg(
        long = "push-registrations-per-ip-per-hour",
        env = "HERALD_PUSH_REGISTRATIONS_PER_IP_PER_HOUR",
        global = true
    )]
    pub push_registrations_per_ip_per_hour: Option<u32>,
    /// Delivery workers in this process; 0 makes a web-only node.
    #[arg(long, env = "HERALD_WORKERS", global = true)]
    pub workers: Option<usize>,
    /// PostgreSQL to use instead of SQLite in the data folder, e.g.
    /// `postgres://herald@db.example.org/herald`.
    #[arg(long = "database-url", env = "HERALD_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Database connections each process opens at most (default: 10 on
    /// PostgreSQL, 8 on SQLite).
    #[arg(
        long = "database-pool-size",
        env = "HERALD_DATABASE_POOL_SIZE",
        global = true
    )]
    pub database_pool_size: Option<u32>,
    /// The bearer token `/metrics` requires (at least 16 characters);
    /// without one, `/metrics` is refused.
    #[arg(long = "metrics-token", env = "HERALD_METRICS_TOKEN", global = true)]
    pub metrics_token: Option<String>,
    /// A second address serving `/metrics` alone (for a scraper on a
    /// private network); the public address then refuses `/metrics`.
    #[arg(long = "metrics-bind", env = "HERALD_METRICS_BIND", global = true)]
    pub metrics_bind: Option<SocketAddr>,
    /// The site's secret keys (base64, 32 bytes each; the current one
    /// first), which seal two-factor secrets and, on PostgreSQL, the VAPID
    /// key. Give it in the environment, not as a flag.
    #[arg(
        long = "secret-key",
        env = "HERALD_SECRET_KEY",
        hide_env_values = true,
        hide = true,
        global = true
    )]
    pub secret_key: Option<String>,
    /// A file holding the secret keys, one per line, the current one first.
    #[arg(
        long = "secret-key-file",
        env = "HERALD_SECRET_KEY_FILE",
        global = true
    )]
    pub secret_key_file: Option<PathBuf>,
    /// Memory, in MiB, that the images being decoded and resized in one
    /// process may take together (default 512).
    #[arg(
        long = "image-memory-mb",
        env = "HERALD_IMAGE_MEMORY_MB",
        global = true
    )]
    pub image_memory_mb: Option<u32>,
}

/// What a config file may hold. Unknown keys are refused so that a typo does
/// not silently fall back to a default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bind: Option<SocketAddr>,
    data: Option<PathBuf>,
    #[serde(alias = "base-url")]
    base_url: Option<String>,
    #[serde(alias = "database-url")]
    database_url: Option<String>,
    #[serde(alias = "database-pool-size")]
    database_pool_size: Option<u32>,
    #[serde(alias = "metrics-token")]
    metrics_token: Option<String>,
    #[serde(alias = "metrics-bind")]
    metrics_bind: Option<SocketAddr>,
    #[serde(alias = "secret-key")]
    secret_key: Option<String>,
    #[serde(alias = "secret-key-file")]
    secret_key_file: Option<PathBuf>,
    http: Option<HttpFileConfig>,
    #[serde(alias = "image-memory-mb")]
    image_memory_mb: Option<u32>,
    site: Option<SiteFileConfig>,
    push: Option<PushFileConfig>,
    prompt: Option<PromptFileConfig>,
    reminders: Option<RemindersFileConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PushFileConfig {
    vapid_subject: Option<String>,
    allowed_hosts: Option<Vec<String>>,
    registrations_per_ip_per_hour: Option<u32>,
    max_topics: Option<usize>,
    workers: Option<usize>,
    shard_size: Option<i64>,
    batch_size: Option<i64>,
    concurrency_per_origin: Option<usize>,
    retry_base_ms: Option<u64>,
    lease_seconds: Option<u64>,
    poll_ms: Option<u64>,
    max_messages_per_second: Option<u32>,
    encryption_threads: Option<usize>,
    encryption_nice: Option<i32>,
}

/// `[http]`: how long a connection may take and how many there may be.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpFileConfig {
    header_timeout_seconds: Option<u64>,
    idle_timeout_seconds: Option<u64>,
    max_connections: Option<usize>,
    listen_backlog: Option<u32>,
    max_streams_per_address: Option<u32>,
    stream_heartbeat_seconds: Option<u64>,
}

/// Limits on the web server's connections, so that slow or idle clients
/// cannot hold its file descriptors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpConfig {
    /// How long a client may take to send a request's headers, the first
    /// or the next on a kept-alive connection.
    pub header_timeout: std::time::Duration,
    /// How long a connection may stay open with no request in progress
    /// (Server-Sent Events streams are requests in progress: exempt).
    pub idle_timeout: std::time::Duration,
    /// Connections served at once; the next wait in the listen backlog.
    pub max_connections: usize,
    /// Connections the kernel queues, complete, before they are accepted
    /// (`listen(2)`'s backlog, capped by `net.core.somaxconn`): room for a
    /// storm of readers connecting at once, who would otherwise retry
    /// after a second.
    pub listen_backlog: u32,
    /// Live event streams (`/stories/{slug}/events`) one client address
    /// may hold open at once; the next is refused with 429.
    pub max_streams_per_address: u32,
    /// How often an event stream with nothing to say sends a comment, so
    /// that proxies and browsers keep it open and a dead reader is found.
    pub stream_heartbeat: std::time::Duration,
}

/// `[reminders]`: the site's policy around each reader's own settings.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RemindersFileConfig {
    max_per_day: Option<u32>,
    breaking_overrides: Option<bool>,
    inactive_days: Option<u32>,
    default_digest_time: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PromptFileConfig {
    text: Option<String>,
    delay_seconds: Option<u32>,
    scroll_fraction: Option<f64>,
    snooze_days: Option<u32>,
}

/// Web Push settings.
#[derive(Debug, Clone)]
pub struct PushConfig {
    /// The VAPID `sub` claim; sending refuses without it.
    pub vapid_subject: Option<String>,
    /// Push-service hosts the operator added to the built-in allow-list.
    pub allowed_hosts: Vec<String>,
    /// 0 means no limit.
    pub registrations_per_ip_per_hour: u32,
    /// Most topics one subscription may follow.
    pub max_topics: usize,
    /// Delivery worker tasks in `herald serve`; 0 turns delivery off.
    pub workers: usize,
    /// Subscriber ids per fan-out shard.
    pub shard_size: i64,
    /// Messages between two checkpoints (the most a crash can send twice).
    pub batch_size: i64,
    /// Requests in flight to one push service at a time.
    pub concurrency_per_origin: usize,
    /// The first retry's delay; each later one doubles it.
    pub retry_base_ms: u64,
    /// How long a shard stays leased without a checkpoint before another
    /// worker may resume it.
    pub lease_seconds: u64,
    /// How often an idle worker looks for due work: scheduled stories,
    /// retries, and jobs whose wake-up was lost. A story published in any
    /// process wakes the workers at once (see `store::wake`).
    pub poll_ms: u64,
    /// Messages this process sends per second at most, whichever worker
    /// sends them; 0 means no limit (see `delivery::pacing`).
    pub max_messages_per_second: u32,
    /// Threads that encrypt push messages, apart from the web server's
    /// (see `delivery::encryption`); 0 encrypts inline, on the web
    /// server's threads. By default one per CPU.
    pub encryption_threads: usize,
    /// How many steps (0–19) below the process's priority the encryption
    /// threads run, so that pages are served before notifications are
    /// encrypted; 10 by default.
    pub encryption_nice: i32,
}

/// The site's own invitation to receive notifications (the "soft prompt").
#[derive(Debug, Clone)]
pub struct PromptConfig {
    pub text: String,
    /// Seconds on a page before the prompt may appear.
    pub delay_seconds: u32,
    /// Or: how far down the story (0–1) the reader has scrolled.
    pub scroll_fraction: f64,
    /// Days "Not now" keeps the prompt away.
    pub snooze_days: u32,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteFileConfig {
    name: Option<String>,
    description: Option<String>,
    language: Option<String>,
    page_size: Option<u32>,
    feed_content: Option<FeedContent>,
    feed_items: Option<u32>,
    time_zone: Option<String>,
    short_name: Option<String>,
    theme_color: Option<String>,
    background_color: Option<String>,
    icon: Option<PathBuf>,
    nav_topics: Option<Vec<String>>,
}

/// Whether feeds carry each story's whole body or only its standfirst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedContent {
    Full,
    Summary,
}

/// How the site presents itself.
#[derive(Debug, Clone)]
pub struct SiteConfig {
    pub name: String,
    pub description: String,
    /// BCP 47 language tag of the content, e.g. `en-GB`.
    pub language: String,
    /// Stories per page on the home and topic pages.
    pub page_size: u32,
    pub feed_content: FeedContent,
    /// Stories per feed.
    pub feed_items: u32,
    /// The zone every time is shown in, on the site and in the newsroom
    /// (`site.time_zone`, an IANA name; UTC by default).
    pub time_zone: chrono_tz::Tz,
    /// The name under the icon on a phone's Home Screen (`site.short_name`;
    /// the name when it is short, else its first word).
    pub short_name: String,
    /// The colour of the browser's bar and the installed app's title bar
    /// (`site.theme_color`, `#rrggbb`).
    pub theme_color: String,
    /// Behind the installed app's splash screen and its icons' margins
    /// (`site.background_color`, `#rrggbb`).
    pub background_color: String,
    /// The logo the web app's icons are drawn from: an SVG, PNG, JPEG or
    /// WebP file (`site.icon`); Herald's own logo when not set.
    pub icon: Option<PathBuf>,
    /// The header navigation's topics, by slug, in the site's order
    /// (`site.nav_topics`); `None` shows every topic with stories, most
    /// followed first.
    pub nav_topics: Option<Vec<String>>,
}

/// The resolved configuration every command runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub data: PathBuf,
    /// Always ends without a trailing slash, e.g. `https://news.example.org`.
    pub base_url: Url,
    /// PostgreSQL's URL; `None` keeps the database in SQLite in `data`.
    pub database_url: Option<String>,
    /// Connections the database pool opens at most; `None` leaves it to the
    /// backend's default (`store::DEFAULT_POOL_SIZE` on PostgreSQL,
    /// `store::SQLITE_POOL_SIZE` on SQLite).
    pub database_pool_size: Option<u32>,
    /// The bearer token `/metrics` requires; `None` refuses `/metrics`
    /// (on the public address: see `metrics_bind`).
    pub metrics_token: Option<String>,
    /// Where `/metrics` is served alone, with no token, when set.
    pub metrics_bind: Option<SocketAddr>,
    /// The site's secret keys as given (`HERALD_SECRET_KEY`); never logged.
    pub secret_key: Option<SecretText>,
    /// The file of secret keys the operator keeps (`secret_key_file`).
    pub secret_key_file: Option<PathBuf>,
    pub http: HttpConfig,
    /// How often a serving process looks for content another process
    /// changed, to drop the pages it touched (its own changes wake it at
    /// once). Not in the file: one second, shorter in tests that count on it.
    pub content_poll: std::time::Duration,
    /// The memory budget, in MiB (1,048,576 bytes), of the images being
    /// decoded and resized at once in this process (`images::ImageMemoryBudget`):
    /// an upload waits while others hold it, and one that alone needs more
    /// is refused.
    pub image_memory_mb: u32,
    pub site: SiteConfig,
    pub push: PushConfig,
    pub prompt: PromptConfig,
    /// Caps, quiet hours and digests: the site's defaults and switches.
    pub reminders: crate::reminders::SitePolicy,
}

/// A setting that is a secret: shown as `[redacted]` by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretText(pub String);

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The browser bar's colour when the site sets none: the logo's red.
const DEFAULT_THEME_COLOR: &str = "#8a1c1c";
const DEFAULT_BACKGROUND_COLOR: &str = "#ffffff";

/// A Home Screen name from the site's name: all of it when it fits (12
/// characters), else its first word, cut to fit.
/// `site.nav_topics`, checked: each a topic slug, none twice.
fn nav_topics(slugs: Vec<String>) -> Result<Vec<String>, ConfigError> {
    let mut checked: Vec<String> = Vec::with_capacity(slugs.len());
    for slug in slugs {
        let trimmed = slug.trim();
        if !crate::content::slug::is_valid(trimmed) {
            return Err(ConfigError::NavTopic(slug));
        }
        if checked.iter().any(|s| s == trimmed) {
            return Err(ConfigError::NavTopicTwice(slug));
        }
        checked.push(trimmed.to_owned());
    }
    Ok(checked)
}

fn short_name_of(name: &str) -> String {
    if name.chars().count() <= 12 {
        return name.to_owned();
    }
    let first = name.split_whitespace().next().unwrap_or(name);
    first.chars().take(12).collect()
}

/// A configuration that cannot be used, with what is wrong and where.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("base_url {value:?} is not valid: {reason}")]
    BaseUrl { value: String, reason: String },
    #[error(
        "metrics_token must have at least {MIN_METRICS_TOKEN_CHARS} characters: it is the only lock on /metrics"
    )]
    MetricsToken,
    #[error("site.page_size must be between 1 and 100, got {0}")]
    PageSize(u32),
    #[error(
        "site.time_zone must be an IANA time zone name such as \"Europe/London\" or \"UTC\", got {0:?}"
    )]
    TimeZone(String),
    #[error("site.{name} must be a colour written #rrggbb, such as \"#8a1c1c\", got {value:?}")]
    Colour { name: &'static str, value: String },
    #[error("site.short_name must have 1 to 12 characters (it is shown under the icon), got {0:?}")]
    ShortName(String),
    #[error(
        "site.nav_topics must list topic slugs (lowercase letters, digits and hyphens, as in \"world-news\"), got {0:?}"
    )]
    NavTopic(String),
    #[error("site.nav_topics lists {0:?} twice")]
    NavTopicTwice(String),
    #[error("prompt.scroll_fraction must be between 0 and 1, got {0}")]
    ScrollFraction(f64),
    #[error("database_pool_size must be between 1 and {MAX_POOL_SIZE}, got {0}")]
    PoolSize(u32),
    #[error("http.{name} must be between {min} and {max}, got {value}")]
    Http {
        name: &'static str,
        min: u64,
        max: u64,
        value: u64,
    },
    #[error("reminders.default_digest_time must be a time of day as \"HH:MM\", got {0:?}")]
    DigestTime(String),
    #[error(
        "image_memory_mb must be between {MIN_IMAGE_MEMORY_MB} and {MAX_IMAGE_MEMORY_MB} (MiB), got {0}"
    )]
    ImageMemory(u32),
}

const DEFAULT_BIND: &str = "127.0.0.1:8080";
const DEFAULT_DATA: &str = "herald-data";
/// A pool larger than this is a typo: PostgreSQL's own default
/// `max_connections` is 100 for every node together.
const MAX_POOL_SIZE: u32 = 1_000;
/// The image memory budget by default: one 40-megapixel photo (the
/// largest upload, about 435 MiB for a JPEG) or three 12-megapixel ones
/// (about 160 MiB each) at a time.
const DEFAULT_IMAGE_MEMORY_MB: u32 = 512;
/// Less would hold no picture at all: a 640 × 480 one needs about 12 MiB.
const MIN_IMAGE_MEMORY_MB: u32 = 16;
/// More is a typo (1 TiB).
const MAX_IMAGE_MEMORY_MB: u32 = 1_048_576;

impl Config {
    /// Resolves the configuration from flags and environment (`args`) over
    /// the config file (when one is named) over the defaults.
    pub fn load(args: &GlobalArgs) -> Result<Config, ConfigError> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let site_file = file.site.unwrap_or_default();
        let push_file = file.push.unwrap_or_default();
        let prompt_file = file.prompt.unwrap_or_default();
        let reminders = reminders_policy(file.reminders.unwrap_or_default())?;
        let allowed_hosts = match &args.push_allowed_hosts {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(str::to_owned)
                .collect(),
            None => push_file.allowed_hosts.unwrap_or_default(),
        };
        let scroll_fraction = prompt_file.scroll_fraction.unwrap_or(0.5);
        if !(0.0..=1.0).contains(&scroll_fraction) {
            return Err(ConfigError::ScrollFraction(scroll_fraction));
        }
        let bind = args
            .bind
            .or(file.bind)
            .unwrap_or_else(|| DEFAULT_BIND.parse().expect("the default address parses"));
        let data = args
            .data
            .clone()
            .or(file.data)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA));
        let base_url = match args.base_url.clone().or(file.base_url) {
            Some(value) => parse_base_url(&value)?,
            None => parse_base_url(&format!("http://{bind}"))?,
        };
        let page_size = site_file.page_size.unwrap_or(12);
        if !(1..=100).contains(&page_size) {
            return Err(ConfigError::PageSize(page_size));
        }
        let time_zone = match site_file.time_zone {
            Some(name) => name.parse().map_err(|_| ConfigError::TimeZone(name))?,
            None => chrono_tz::Tz::UTC,
        };
        let colour = |name: &'static str, value: Option<String>, default: &str| {
            let value = value.unwrap_or_else(|| default.to_owned());
            match crate::content::icons::parse_colour(&value) {
                Some(_) => Ok(value.to_ascii_lowercase()),
                None => Err(ConfigError::Colour { name, value }),
            }
        };
        let theme_color = colour("theme_color", site_file.theme_color, DEFAULT_THEME_COLOR)?;
        let background_color = colour(
            "background_color",
            site_file.background_color,
            DEFAULT_BACKGROUND_COLOR,
        )?;
        let name = site_file.name.unwrap_or_else(|| "Herald".to_owned());
        let short_name = match site_file.short_name {
            Some(short) if (1..=12).contains(&short.trim().chars().count()) => {
                short.trim().to_owned()
            }
            Some(short) => return Err(ConfigError::ShortName(short)),
            None => short_name_of(&name),
        };
        let nav_topics = site_file.nav_topics.map(nav_topics).transpose()?;
        let database_pool_size = args.database_pool_size.or(file.database_pool_size);
        if let Some(size) = database_pool_size.filter(|s| !(1..=MAX_POOL_SIZE).contains(s)) {
            return Err(ConfigError::PoolSize(size));
        }
        let image_memory_mb = args
            .image_memory_mb
            .or(file.image_memory_mb)
            .unwrap_or(DEFAULT_IMAGE_MEMORY_MB);
        if !(MIN_IMAGE_MEMORY_MB..=MAX_IMAGE_MEMORY_MB).contains(&image_memory_mb) {
            return Err(ConfigError::ImageMemory(image_memory_mb));
        }
        let metrics_token = args.metrics_token.clone().or(file.metrics_token);
        if metrics_token
            .as_ref()
            .is_some_and(|t| t.trim().chars().count() < MIN_METRICS_TOKEN_CHARS)
        {
            return Err(ConfigError::MetricsToken);
        }
        Ok(Config {
            bind,
            data,
            base_url,
            database_url: args.database_url.clone().or(file.database_url),
            database_pool_size,
            metrics_token,
            metrics_bind: args.metrics_bind.or(file.metrics_bind),
            secret_key: args.secret_key.clone().or(file.secret_key).map(SecretText),
            secret_key_file: args.secret_key_file.clone().or(file.secret_key_file),
            http: http_limits(file.http.unwrap_or_default())?,
            content_poll: CONTENT_POLL,
            image_memory_mb,
            site: SiteConfig {
                name,
                description: site_file.description.unwrap_or_else(|| {
                    "News as it happens, and a reminder when a story lands on a topic you follow."
                        .to_owned()
                }),
                language: site_file.language.unwrap_or_else(|| "en".to_owned()),
                page_size,
                feed_content: site_file.feed_content.unwrap_or(FeedContent::Full),
                feed_items: site_file.feed_items.unwrap_or(30).clamp(1, 200),
                time_zone,
                short_name,
                theme_color,
                background_color,
                icon: site_file.icon,
                nav_topics,
            },
            push: PushConfig {
                vapid_subject: args.vapid_subject.clone().or(push_file.vapid_subject),
                allowed_hosts,
                registrations_per_ip_per_hour: args
                    .push_registrations_per_ip_per_hour
                    .or(push_file.registrations_per_ip_per_hour)
                    .unwrap_or(30),
                max_topics: push_file.max_topics.unwrap_or(50).clamp(1, 500),
                workers: args.workers.or(push_file.workers).unwrap_or(2).min(64),
                shard_size: push_file.shard_size.unwrap_or(5_000).clamp(1, 1_000_000),
                batch_size: push_file.batch_size.unwrap_or(500).clamp(1, 10_000),
                concurrency_per_origin: push_file.concurrency_per_origin.unwrap_or(100).clamp(1, 10_000),
                retry_base_ms: push_file.retry_base_ms.unwrap_or(5_000).clamp(10, 3_600_000),
                lease_seconds: push_file.lease_seconds.unwrap_or(60).clamp(1, 3600),
                poll_ms: push_file.poll_ms.unwrap_or(50).clamp(10, 3_600_000),
                max_messages_per_second: push_file.max_messages_per_second.unwrap_or(0),
                encryption_threads: push_file
                    .encryption_threads
                    .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from))
                    .min(64),
                encryption_nice: push_file
                    .encryption_nice
                    .unwrap_or(10)
                    .clamp(0, 19),
            },
            prompt: PromptConfig {
                text: prompt_file.text.unwrap_or_else(|| {
                    "Never miss your favourite new stories: we can send you a reminder when one lands. Press OK, then Allow.".to_owned()
                }),
                delay_seconds: prompt_file.delay_seconds.unwrap_or(10),
                scroll_fraction,
                snooze_days: prompt_file.snooze_days.unwrap_or(14),
            },
            reminders,
        })
    }

    /// A configuration for tests: everything default but the data folder.
    pub fn for_data(data: &Path) -> Config {
        Config::load(&GlobalArgs {
            data: Some(data.to_path_buf()),
            ..GlobalArgs::default()
        })
        .expect("the default configuration is valid")
    }

    /// The absolute URL of a site path such as `/stories/x`.
    pub fn absolute(&self, path: &str) -> String {
        let base = self.base_url.as_str().trim_end_matches('/');
        format!("{base}{path}")
    }
}

/// How often a serving process looks for content changed by another
/// process (see [`Config::content_poll`]).
const CONTENT_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// The listen backlog by default: a thousand readers or more connecting
/// in the same instant are queued, not dropped (Linux's default
/// `net.core.somaxconn` is 4096 since 5.4).
const DEFAULT_LISTEN_BACKLOG: u64 = 4096;

/// The largest listen backlog accepted (Linux caps it at
/// `net.core.somaxconn` anyway).
const MAX_LISTEN_BACKLOG: u64 = 65_535;

/// The `[http]` section over its defaults: 10 s for headers, 60 s idle,
/// 10,000 connections, a backlog of 4,096, 20 event streams per address
/// with a heartbeat every 15 s.
fn http_limits(file: HttpFileConfig) -> Result<HttpConfig, ConfigError> {
    let within = |name: &'static str, value: Option<u64>, default: u64, min: u64, max: u64| {
        let value = value.unwrap_or(default);
        if (min..=max).contains(&value) {
            Ok(value)
        } else {
            Err(ConfigError::Http {
                name,
                min,
                max,
                value,
            })
        }
    };
    let header = within(
        "header_timeout_seconds",
        file.header_timeout_seconds,
        10,
        1,
        3600,
    )?;
    let idle = within(
        "idle_timeout_seconds",
        file.idle_timeout_seconds,
        60,
        1,
        86_400,
    )?;
    let connections = within(
        "max_connections",
        file.max_connections.map(|n| n as u64),
        10_000,
        1,
        1_000_000,
    )?;
    let backlog = within(
        "listen_backlog",
        file.listen_backlog.map(u64::from),
        DEFAULT_LISTEN_BACKLOG,
        1,
        MAX_LISTEN_BACKLOG,
    )?;
    let streams = within(
        "max_streams_per_address",
        file.max_streams_per_address.map(u64::from),
        20,
        1,
        1_000_000,
    )?;
    let heartbeat = within(
        "stream_heartbeat_seconds",
        file.stream_heartbeat_seconds,
        15,
        1,
        300,
    )?;
    Ok(HttpConfig {
        header_timeout: std::time::Duration::from_secs(header),
        idle_timeout: std::time::Duration::from_secs(idle),
        max_connections: connections as usize,
        listen_backlog: backlog as u32,
        max_streams_per_address: streams as u32,
        stream_heartbeat: std::time::Duration::from_secs(heartbeat),
    })
}

/// The `[reminders]` section over its defaults: 6 a day, breaking news may
/// cut through, 60 days of silence, digests at 08:00.
fn reminders_policy(
    file: RemindersFileConfig,
) -> Result<crate::reminders::SitePolicy, ConfigError> {
    let defaults = crate::reminders::SitePolicy::default();
    let default_digest_time = match file.default_digest_time {
        Some(text) => text.parse().map_err(|_| ConfigError::DigestTime(text))?,
        None => defaults.default_digest_time,
    };
    Ok(crate::reminders::SitePolicy {
        default_max_per_day: file
            .max_per_day
            .unwrap_or(defaults.default_max_per_day)
            .min(crate::reminders::preferences::MAX_PER_DAY_LIMIT),
        breaking_may_override: file
            .breaking_overrides
            .unwrap_or(defaults.breaking_may_override),
        inactive_days: file.inactive_days.unwrap_or(defaults.inactive_days),
        default_digest_time,
    })
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn parse_base_url(value: &str) -> Result<Url, ConfigError> {
    let invalid = |reason: &str| ConfigError::BaseUrl {
        value: value.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(value).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a base URL has no query or fragment"));
    }
    if url.path() != "/" {
        return Err(invalid(
            "Herald serves from the root of its host; drop the path",
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_wins_over_file_and_file_over_default() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("herald.toml");
        std::fs::write(
            &file,
            "bind = \"127.0.0.1:9000\"\ndata = \"from-file\"\n[site]\nname = \"The Courier\"\n",
        )
        .expect("write");
        let args = GlobalArgs {
            config: Some(file),
            data: Some(PathBuf::from("from-flag")),
            ..GlobalArgs::default()
        };
        let config = Config::load(&args).expect("loads");
        assert_eq!(config.data, PathBuf::from("from-flag"));
        assert_eq!(config.bind.port(), 9000);
        assert_eq!(config.site.name, "The Courier");
        assert_eq!(config.base_url.as_str(), "http://127.0.0.1:9000/");
    }

    #[test]
    fn the_listen_backlog_defaults_for_a_storm_and_refuses_nonsense() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("herald.toml");
        let args = GlobalArgs {
            config: Some(file.clone()),
            ..GlobalArgs::default()
        };
        std::fs::write(&file, "").expect("write");
        let http = Config::load(&args).expect("loads").http;
        assert_eq!(http.listen_backlog, 4096);
        std::fs::write(&file, "[http]\nlisten_backlog = 16384\n").expect("write");
        assert_eq!(
            Config::load(&args).expect("loads").http.listen_backlog,
            16384
        );
        for bad in ["0", "100000"] {
            std::fs::write(&file, format!("[http]\nlisten_backlog = {bad}\n")).expect("write");
            let err = Config::load(&args).expect_err("refused").to_string();
            assert_eq!(
                err,
                format!("http.listen_backlog must be between 1 and 65535, got {bad}")
            );
        }
    }

    #[test]
    fn the_web_apps_names_and_colours_have_defaults_and_are_checked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("herald.toml");
        let args = GlobalArgs {
            config: Some(file.clone()),
            ..GlobalArgs::default()
        };
        std::fs::write(&file, "[site]\nname = \"The Marrowby Courier\"\n").expect("write");
        let site = Config::load(&args).expect("loads").site;
        assert_eq!(site.short_name, "The");
        assert_eq!(site.theme_color, "#8a1c1c");
        assert_eq!(site.background_color, "#ffffff");
        std::fs::write(
            &file,
            "[site]\nname = \"Courier\"\ntheme_color = \"#0B5CAD\"\nshort_name = \"Courier\"\n",
        )
        .expect("write");
        let site = Config::load(&args).expect("loads").site;
        assert_eq!(
            (site.short_name.as_str(), site.theme_color.as_str()),
            ("Courier", "#0b5cad")
        );

        std::fs::write(&file, "[site]\ntheme_color = \"blue\"\n").expect("write");
        let err = Config::load(&args).expect_err("refused").to_string();
        assert!(
            err.contains("site.theme_color") && err.contains("\"blue\""),
            "{err}"
        );
        std::fs::write(&file, "[site]\nshort_name = \"The Marrowby Courier\"\n").expect("write");
        let err = Config::load(&args).expect_err("refused").to_string();
        assert!(err.contains("site.short_name"), "{err}");
    }

    #[test]
    fn nav_topics_are_slugs_in_the_sites_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("herald.toml");
        let args = GlobalArgs {
            config: Some(file.clone()),
            ..GlobalArgs::default()
        };
        std::fs::write(&file, "[site]\n").expect("write");
        assert_eq!(Config::load(&args).expect("loads").site.nav_topics, None);
        std::fs::write(
            &file,
            "[site]\nnav_topics = [\"world-news\", \"politics\"]\n",
        )
        .expect("write");
        assert_eq!(
            Config::load(&args).expect("loads").site.nav_topics,
            Some(vec!["world-news".to_owned(), "politics".to_owned()])
        );
        std::fs::write(&file, "[site]\nnav_topics = [\"World News\"]\n").expect("write");
        let err = Config::load(&args).expect_err("refused").to_string();
        assert!(
            err.contains("site.nav_topics") && err.contains("\"World News\""),
            "{err}"
        );
        std::fs::write(&file, "[site]\nnav_topics = [\"politics\", \"politics\"]\n")
            .expect("write");
        let err = Config::load(&args).expect_err("refused").to_string();
        assert!(err.contains("twice"), "{err}");
    }

    #[test]
    fn reminders_section_sets_the_site_policy() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("herald.toml");
        std::fs::write(
            &file,
            "[reminders]\nmax_per_day = 3\nbreaking_overrides = false\ninactive_days = 30\ndefault_digest_time = \"07:15\"\n",
        )
        .expect("write");
        let args = GlobalArgs {
            config: Some(file.clone()),
            ..GlobalArgs::default()
        };
        let policy = Config::load(&args).expect("loads").reminders;
        assert_eq!(policy.default_max_per_day, 3);
        assert!(!policy.breaking_may_override);
        assert_eq!(policy.inactive_days, 30);
        assert_eq!(policy.default_digest_time.to_string(), "07:15");
        let defaults = Config::load(&GlobalArgs::default())
            .expect("loads")
            .reminders;
        assert_eq!(defaults, crate::reminders::SitePolicy::default());
        std::fs::write(&file, "[reminders]\ndefault_digest_time = \"8am\"\n").expect("write");
        let err = Config::load(&args).expect_err("refused").to_string();
        assert!(err.contains("reminders.default_digest_time"), "{err}");
    }

    #[test]
    fn site_time_zone_is_an_iana_name_and_defaults_to_utc() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("herald.toml");
        let args = GlobalArgs {
            config: Some(file.clone()),
            ..GlobalArgs::default()
        };
        std::fs::write(&file, "[site]\ntime_zone = \"Europe/London\"\n").expect("write");
        assert_eq!(
            Config::load(&args).expect("loads").site.time_zone,
            chrono_tz::Tz::Europe__London
        );
        assert_eq!(
            Config::load(&GlobalArgs::default())
                .expect("loads")
                .site
                .time_zone,
            chrono_tz::Tz::UTC
        );
        std::fs::write(&file, "[site]\ntime_zone = \"Europe/Londn\"\n").expect("write");
        let err = Config::load(&args).expect_err("refused").to_string();
        assert!(err.contains("site.time_zone"), "{err}");
        assert!(err.contains("\"Europe/Londn\""), "{err}");
    }

    #[test]
    fn unknown_key_in_file_is_refused_with_its_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("herald.toml");
        std::fs::write(&file, "bnd = \"x\"\n").expect("write");
        let args = GlobalArgs {
            config: Some(file),
            ..GlobalArgs::default()
        };
        let err = Config::load(&args).expect_err("refused").to_string();
        assert!(err.contains("bnd"), "{err}");
    }

    #[test]
    fn database_pool_size_flag_wins_over_file_and_defaults_to_the_backend() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("herald.toml");
        std::fs::write(&file, "database_pool_size = 25\n").expect("write");
        let from_file = GlobalArgs {
            config: Some(file.clone()),
            ..GlobalArgs::default()
        };
        assert_eq!(
            Config::load(&from_file).expect("loads").database_pool_size,
            Some(25)
        );
        let from_flag = GlobalArgs {
            database_pool_size: Some(4),
            ..from_file
        };
        assert_eq!(
            Config::load(&from_flag).expect("loads").database_pool_size,
            Some(4)
        );
        assert_eq!(
            Config::load(&GlobalArgs::default())
                .expect("loads")
                .database_pool_size,
            None
        );
    }

    #[test]
    fn database_pool_size_out_of_range_is_refused_with_its_name() {
        for bad in [0, MAX_POOL_SIZE + 1] {
            let args = GlobalArgs {
                database_pool_size: Some(bad),
                ..GlobalArgs::default()
            };
            let err = Config::load(&args).expect_err("refused").to_string();
            assert!(err.contains("database_pool_size"), "{err}");
        }
    }

    #[test]
    fn image_memory_mb_flag_wins_over_file_and_is_checked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("herald.toml");
        std::fs::write(&file, "image_memory_mb = 256\n").expect("write");
        let from_file = GlobalArgs {
            config: Some(file),
            ..GlobalArgs::default()
        };
        assert_eq!(
            Config::load(&from_file).expect("loads").image_memory_mb,
            256
        );
        let from_flag = GlobalArgs {
            image_memory_mb: Some(64),
            ..from_file
        };
        assert_eq!(Config::load(&from_flag).expect("loads").image_memory_mb, 64);
        assert_eq!(
            Config::load(&GlobalArgs::default())
                .expect("loads")
                .image_memory_mb,
            DEFAULT_IMAGE_MEMORY_MB
        );
        for bad in [0, MIN_IMAGE_MEMORY_MB - 1, MAX_IMAGE_MEMORY_MB + 1] {
            let args = GlobalArgs {
                image_memory_mb: Some(bad),
                ..GlobalArgs::default()
            };
            let err = Config::load(&args).expect_err("refused").to_string();
            assert!(
                err.starts_with("image_memory_mb must be between 16 and"),
                "{err}"
            );
        }
    }

    #[test]
    fn base_url_must_be_http_without_path() {
        for bad in ["ftp://x.org", "https://x.org/news", "not a url"] {
            let args = GlobalArgs {
                base_url: Some(bad.to_owned()),
                ..GlobalArgs::default()
            };
            assert!(Config::load(&args).is_err(), "{bad} accepted");
        }
    }
}
