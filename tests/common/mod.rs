//! A real Herald site for tests: a fresh data folder, the real router and
//! server on an ephemeral loopback port, and helpers to add stories and to
//! fetch pages.

#![allow(dead_code)]

pub mod sink;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use herald::config::Config;
use herald::content::input::parse_story_json;
use herald::server::{self, AppState};
use herald::store::{SaveOutcome, Store};
use tokio::sync::oneshot;

pub struct TestSite {
    pub base: String,
    pub store: Store,
    pub config: Config,
    pub client: reqwest::Client,
    pub data: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
}

impl TestSite {
    pub async fn start() -> TestSite {
        Self::start_with(|_| {}).await
    }

    /// Starts a site after `adjust` has changed its configuration.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestSite {
        Self::launch(adjust, false).await
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
        )
        .await
    }

    async fn launch(adjust: impl FnOnce(&mut Config), deliver: bool) -> TestSite {
        let data = tempfile::tempdir().expect("temp dir");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let mut config = Config::for_data(data.path());
        config.bind = address;
        config.base_url = format!("http://{address}/").parse().expect("url");
        adjust(&mut config);
        let store = Store::open_data_folder(data.path()).await.expect("store");
        let vapid = herald::push::keys::load_or_generate(data.path()).expect("keys");
        let state =
            AppState::new(store.clone(), config.clone(), &vapid, resolver()).expect("state");
        let engine = if deliver {
            state.engine(vapid).expect("engine")
        } else {
            None
        };
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(server::serve(listener, state, engine, async {
            let _ = stopped.await;
        }));
        TestSite {
            base: format!("http://{address}"),
            store,
            config,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            data,
            stop: Some(stop),
        }
    }

    pub fn data_path(&self) -> PathBuf {
        self.data.path().to_path_buf()
    }

    /// Saves a story from import JSON, published now unless it says otherwise.
    pub async fn publish(&self, json: &str) -> SaveOutcome {
        self.save(json, true, Utc::now()).await
    }

    pub async fn save(&self, json: &str, publish: bool, now: DateTime<Utc>) -> SaveOutcome {
        let draft = parse_story_json(json)
            .and_then(|i| i.validate())
            .expect("valid story");
        let outcome = self
            .store
            .save_story(&draft, None, publish, false, now)
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

    /// Waits until the page cache has noticed the latest write (the content
    /// watcher polls every second).
    pub async fn settle(&self) {
        tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    }
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
pub fn resolver() -> herald::push::allowlist::Resolver {
    let table = [
        ("fcm.googleapis.com", "142.250.180.10"),
        ("updates.push.services.mozilla.com", "34.117.1.1"),
        ("web.push.apple.com", "17.188.1.1"),
        ("rebind.notify.windows.com", "127.0.0.1"),
        ("inside.notify.windows.com", "10.0.0.7"),
    ];
    herald::push::allowlist::Resolver::Static(
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
/// frame, an object or a style element.
pub fn assert_no_active_content(html: &str) {
    let doc = scraper::Html::parse_document(html);
    let all = scraper::Selector::parse("*").expect("selector");
    for element in doc.select(&all) {
        let el = element.value();
        match el.name() {
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
