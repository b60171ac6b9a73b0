//! A real Herald site for tests: a fresh data folder, the real router and
//! server on an ephemeral loopback port, and helpers to add stories and to
//! fetch pages.
//!
//! The database is SQLite in the data folder, or, when `TEST_DATABASE_URL`
//! names a PostgreSQL server (e.g.
//! `postgres://postgres@127.0.0.1:5432/test`), a database of the test's own:
//! created from that URL's connection for this test alone, and dropped when
//! the test ends, so that runs never see each other's rows.

#![allow(dead_code)]

pub mod accounts;
pub mod api;
pub mod devices;
pub mod editor;
pub mod feeds;
pub mod live;
pub mod pg_cluster;
pub mod process;
pub mod sink;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use herald::config::Config;
use herald::content::input::parse_story_json;
use herald::server;
use herald::store::{JOBS_CHANNEL, SaveOutcome, Store, WORKERS_SOCKET_FILE};
use herald::web::AppState;
use tokio::sync::oneshot;

pub struct TestSite {
    pub base: String,
    pub store: Store,
    pub config: Config,
    pub client: reqwest::Client,
    pub data: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    /// The server, which ends once stopped and its requests are finished.
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    /// Declared last: dropped after the server has been told to stop.
    database: Option<TestDatabase>,
}

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    /// PostgreSQL when `TEST_DATABASE_URL` is set, SQLite otherwise.
    Configured,
    /// SQLite in the data folder, always: for tests whose mechanics are
    /// SQLite's own (another process opening the same data folder).
    Sqlite,
}

/// The environment variable naming the PostgreSQL server tests may use.
pub const TEST_DATABASE_URL: &str = "TEST_DATABASE_URL";

/// For a test whose subject exists only on PostgreSQL. Such a test is
/// marked `#[ignore = "PostgreSQL only: …"]`, so the SQLite run lists it as
/// skipped; scripts/test.sh runs it in its PostgreSQL pass
/// (`--run-ignored all`). Run without `TEST_DATABASE_URL` it fails: it
/// never passes without having tested anything.
pub fn require_postgres() {
    assert!(
        std::env::var(TEST_DATABASE_URL).is_ok_and(|u| !u.is_empty()),
        "this test is PostgreSQL only: set {TEST_DATABASE_URL} (scripts/test.sh does)"
    );
}

/// A PostgreSQL database made for one test and dropped when it ends.
pub struct TestDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl TestDatabase {
    /// A fresh, empty database on the server `TEST_DATABASE_URL` names, or
    /// `None` when the variable is not set.
    pub async fn create() -> Option<TestDatabase> {
        let admin_url = std::env::var(TEST_DATABASE_URL)
            .ok()
            .filter(|u| !u.is_empty())?;
        let name = format!(
            "herald_t_{}_{:016x}",
            std::process::id(),
            getrandom::u64().expect("random")
        );
        let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
        url.set_path(&format!("/{name}"));
        admin(&admin_url, &format!("CREATE DATABASE {name}")).await;
        Some(TestDatabase {
            admin_url,
            name,
            url: url.to_string(),
        })
    }

    /// The URL of this test's database.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot be blocked on:
        // the database is dropped from a thread with a runtime of its own.
        // FORCE ends the connections the site's pool still holds.
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(admin(&admin_url, &sql));
        })
        .join();
        if dropped.is_err() && !std::thread::panicking() {
            panic!("could not drop the test database {}", self.name);
        }
    }
}

/// Runs one statement on the admin connection (CREATE and DROP DATABASE
/// cannot run in a transaction, nor from a pool's prepared statements).
async fn admin(admin_url: &str, sql: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {TEST_DATABASE_URL}: {e}"));
    sqlx::raw_sql(sql)
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let _ = conn.close().await;
}

/// A store of its own for a storage test, on the configured database, with
/// what it needs kept alive beside it.
pub struct TestStore {
    pub store: Store,
    pub data: tempfile::TempDir,
    /// Declared last: dropped after the store.
    pub database: Option<TestDatabase>,
}

impl TestStore {
    pub async fn open() -> TestStore {
        let data = tempfile::tempdir().expect("temp dir");
        let database = TestDatabase::create().await;
        let store = open_store(data.path(), database.as_ref()).await;
        TestStore {
            store,
            data,
            database,
        }
    }
}

async fn open_store(data: &std::path::Path, database: Option<&TestDatabase>) -> Store {
    match database {
        Some(database) => {
            with_test_key(Store::connect(database.url(), 5).await.expect("store")).await
        }
        None => Store::open_data_folder(data).await.expect("store"),
    }
}

/// The secret key every PostgreSQL node of a test site shares (a SQLite
/// site makes its own in its data folder). For tests only.
pub const TEST_SECRET_KEY: &str = "HNNk77PK2KEv0sRr7SqSmwPrYYEW8KMtB3wvL8zxueo=";

/// `store` (a PostgreSQL node's) sealing with [`TEST_SECRET_KEY`], as a
/// node configured with `HERALD_SECRET_KEY` does.
pub async fn with_test_key(store: Store) -> Store {
    let keyring = herald::secrets::Keyring::from_text(TEST_SECRET_KEY).expect("test key");
    store.use_keyring(keyring).await.expect("keyring")
}

impl TestSite {
    pub async fn start() -> TestSite {
        Self::start_with(|_| {}).await
    }

    /// Starts a site after `adjust` has changed its configuration.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestSite {
        Self::launch(adjust, false, Db::Configured).await
    }

    /// Starts a site on SQLite in its data folder whatever
    /// `TEST_DATABASE_URL` says, for tests that run `herald` on the same
    /// data folder.
    pub async fn start_sqlite() -> TestSite {
        Self::launch(|_| {}, false, Db::Sqlite).await
    }

    /// Starts a site whose delivery workers send to the push services the
    /// configuration allows (set `push.allowed_hosts` in `adjust`).
    pub async fn start_delivering(adjust: impl FnOnce(&mut Config)) -> TestSite {
        Self::launch(
            |config| {
                config.push.vapid_subject = Some("mailto:tests@example.org".into());
                config.push.workers = 2;
                config.push.retry_base_ms = 100;
                adjust(config);
            },
            true,
            Db::Configured,
        )
        .await
    }

    async fn launch(adjust: impl FnOnce(&mut Config), deliver: bool, db: Db) -> TestSite {
        let data = tempfile::tempdir().expect("temp dir");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let mut config = Config::for_data(data.path());
        config.bind = address;
        config.base_url = format!("http://{address}/").parse().expect("url");
        adjust(&mut config);
        let database = match db {
            Db::Configured => TestDatabase::create().await,
            Db::Sqlite => None,
        };
        config.database_url = database.as_ref().map(|d| d.url().to_owned());
        let store = open_store(data.path(), database.as_ref()).await;
        // As `herald serve` does: the search index in the site's language.
        store
            .use_search_language(herald::search::text_search_config(&config.site.language))
            .await
            .expect("search language");
        let vapid = herald::delivery::keys::site_keys(&store, data.path())
            .await
            .expect("keys");
        let state =
            AppState::new(store.clone(), config.clone(), &vapid, resolver()).expect("state");
        let engine = if deliver {
            state.engine(vapid).expect("engine")
        } else {
            None
        };
        let (stop, server) = spawn_server(listener, state, engine);
        TestSite {
            base: format!("http://{address}"),
            store,
            config,
            client: test_client(),
            data,
            stop: Some(stop),
            server: Some(server),
            database,
        }
    }

    /// Another web node of this site (no delivery workers), on the same
    /// database (and on SQLite the same data folder), as `herald serve`
    /// run on a second machine would be. Dropped before this site.
    pub async fn second_node(&self) -> TestSite {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let mut config = self.config.clone();
        config.bind = address;
        let store = self.another_store().await;
        let vapid = herald::delivery::keys::site_keys(&store, self.data.path())
            .await
            .expect("keys");
        let state =
            AppState::new(store.clone(), config.clone(), &vapid, resolver()).expect("state");
        let (stop, server) = spawn_server(listener, state, None);
        TestSite {
            base: format!("http://{address}"),
            store,
            config,
            client: test_client(),
            data: tempfile::tempdir().expect("temp dir"),
            stop: Some(stop),
            server: Some(server),
            database: None,
        }
    }

    /// Stops the server and waits for it to finish its requests in flight;
    /// whether it did within `limit`.
    pub async fn stop_within(&mut self, limit: std::time::Duration) -> bool {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.server.take() {
            Some(server) => tokio::time::timeout(limit, server).await.is_ok(),
            None => true,
        }
    }

    pub fn data_path(&self) -> PathBuf {
        self.data.path().to_path_buf()
    }

    /// A second store on this site's database, as another process (the
    /// `herald` command line, another node) would open it.
    pub async fn another_store(&self) -> Store {
        open_store(self.data.path(), self.database.as_ref()).await
    }

    /// Waits until this site's delivery workers listen for jobs that other
    /// processes commit: the socket in the data folder on SQLite, `LISTEN`
    /// on PostgreSQL by a connection other than those in `not_by` (server
    /// process ids, see [`TestSite::job_listeners`]).
    pub async fn wait_until_workers_listen(&self, not_by: &[i32]) {
        let started = std::time::Instant::now();
        loop {
            let listening = match self.job_listeners().await {
                None => self.data.path().join(WORKERS_SOCKET_FILE).exists(),
                Some(pids) => pids.iter().any(|pid| !not_by.contains(pid)),
            };
            if listening {
                return;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(20),
                "the delivery workers never listened for other processes' jobs"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// On PostgreSQL, the server process ids of the connections listening
    /// for jobs (their `LISTEN` done: idle since); `None` on SQLite.
    pub async fn job_listeners(&self) -> Option<Vec<i32>> {
        self.listeners(JOBS_CHANNEL).await
    }

    /// On PostgreSQL, the server process ids of the connections listening
    /// on `channel` (their `LISTEN` done: idle since); `None` on SQLite.
    pub async fn listeners(&self, channel: &str) -> Option<Vec<i32>> {
        self.database.as_ref()?;
        Some(
            self.postgres(&format!(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
                 AND query LIKE 'LISTEN%{channel}%' AND state = 'idle'"
            ))
            .await,
        )
    }

    /// On PostgreSQL, waits until at least `count` connections listen on
    /// `channel` (a notification sent before is not kept for them).
    pub async fn wait_for_listeners(&self, channel: &str, count: usize) {
        let started = std::time::Instant::now();
        while self.listeners(channel).await.unwrap_or_default().len() < count {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(15),
                "{count} connections never listened on {channel}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// Runs `sql`, which returns one `int4` column, on this site's
    /// PostgreSQL database (a connection of its own).
    pub async fn postgres(&self, sql: &str) -> Vec<i32> {
        use sqlx::Connection;
        let database = self.database.as_ref().expect("a PostgreSQL site");
        let mut conn = sqlx::AnyConnection::connect(database.url())
            .await
            .expect("connect");
        sqlx::query_scalar(sql)
            .fetch_all(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Saves a story from import JSON, published now unless it says otherwise.
    pub async fn publish(&self, json: &str) -> SaveOutcome {
        self.save(json, true, Utc::now()).await
    }

    pub async fn save(&self, json: &str, publish: bool, now: DateTime<Utc>) -> SaveOutcome {
        let draft = parse_story_json(json)
            .and_then(|i| i.validate())
            .expect("valid story");
        let outcome =
            herald::editorial::import_story(&self.store, &draft, None, publish, false, now)
                .await
                .expect("saved");
        // The server notices changes within a second; tests need not wait.
        outcome
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request")
    }

    pub async fn text(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// `/metrics` as the scraper holding `token` reads it.
    pub async fn metrics(&self, token: &str) -> String {
        self.client
            .get(format!("{}/metrics", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text")
    }

    /// Waits until the page cache has noticed the latest write (the content
    /// watcher polls every second).
    pub async fn settle(&self) {
        tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    }
}

/// Serves `state` on `listener` in a task of its own; stopped through the
/// sender.
fn spawn_server(
    listener: tokio::net::TcpListener,
    state: AppState,
    engine: Option<herald::delivery::worker::Engine>,
) -> (
    oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(server::serve(listener, state, engine, async {
        let _ = stopped.await;
    }));
    (stop, server)
}

/// The HTTP client of a test site: redirects are the tests' to follow.
fn test_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

impl Drop for TestSite {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Test DNS: no test can control what real names resolve to, so push
/// hosts resolve from this fixed table (a stand-in for DNS, and only that).
pub fn resolver() -> herald::delivery::allowlist::Resolver {
    let table = [
        ("fcm.googleapis.com", "142.250.180.10"),
        ("updates.push.services.mozilla.com", "34.117.1.1"),
        ("web.push.apple.com", "17.188.1.1"),
        ("rebind.notify.windows.com", "127.0.0.1"),
        ("inside.notify.windows.com", "10.0.0.7"),
    ];
    herald::delivery::allowlist::Resolver::Static(
        table
            .iter()
            .map(|(h, ip)| (h.to_string(), vec![ip.parse().expect("ip")]))
            .collect(),
    )
}

/// A story's import JSON with the given slug, headline and topics.
pub fn story_json(slug: &str, headline: &str, topics: &[&str]) -> String {
    serde_json::json!({
        "slug": slug,
        "headline": headline,
        "standfirst": format!("Standfirst of {headline}."),
        "body_markdown": format!("First paragraph of {headline}.\n\n## A sub-head\n\nMore."),
        "topics": topics,
        "authors": ["Ana Reporter"],
    })
    .to_string()
}

/// The text of every element matching `selector`.
pub fn select_text(html: &str, selector: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector).expect("selector");
    doc.select(&sel)
        .map(|e| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The value of `attr` on every element matching `selector`.
pub fn select_attr(html: &str, selector: &str, attr: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector).expect("selector");
    doc.select(&sel)
        .filter_map(|e| e.value().attr(attr).map(str::to_owned))
        .collect()
}

/// Fails if the page has anything an attacker could run: an inline script
/// other than JSON-LD, an event-handler attribute, a `javascript:` URL, a
/// frame, an object, a style element, or a form other than the header's
/// search box.
pub fn assert_no_active_content(html: &str) {
    let doc = scraper::Html::parse_document(html);
    let all = scraper::Selector::parse("*").expect("selector");
    let mut site_search_forms = 0;
    for element in doc.select(&all) {
        let el = element.value();
        match el.name() {
            // The site's own search box in the header, once.
            "form"
                if el.classes().any(|c| c == "site-search")
                    && el.attr("action") == Some("/search") =>
            {
                site_search_forms += 1;
                assert!(site_search_forms == 1, "a second search form in {html}");
            }
            "script" => {
                let json_ld = el.attr("type") == Some("application/ld+json");
                let own = el.attr("src").is_some_and(|s| s.starts_with("/assets/"));
                assert!(json_ld || own, "script element in {html}");
            }
            "iframe" | "object" | "embed" | "style" | "form" | "base" => {
                panic!("{} element in {html}", el.name())
            }
            _ => {}
        }
        for (name, value) in el.attrs() {
            assert!(
                !name.to_ascii_lowercase().starts_with("on"),
                "{name} attribute in {html}"
            );
            let v = value.trim().to_ascii_lowercase();
            assert!(
                !v.starts_with("javascript:")
                    && !v.starts_with("data:text")
                    && !v.starts_with("vbscript:"),
                "{name}={value} in {html}"
            );
            assert!(name != "style", "style attribute in {html}");
        }
    }
}

/// A response's status and body.
pub async fn text_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// On SQLite, FTS5's own check of the search index in the data folder
/// `data`: every row of the index agrees with the stories table (external
/// content), topics included. Nothing on PostgreSQL.
pub async fn assert_search_index_intact(store: &Store, data: &std::path::Path) {
    if store.backend() != herald::store::Backend::Sqlite {
        return;
    }
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", data.join("herald.db").display());
    let mut conn = sqlx::AnyConnection::connect(&url).await.expect("connect");
    sqlx::query("INSERT INTO story_search (story_search, rank) VALUES ('integrity-check', 1)")
        .execute(&mut conn)
        .await
        .expect("the index agrees with the stories");
    let _ = conn.close().await;
}
