//! Reminders in delivery, end to end: the real server and delivery engine,
//! with the engine's clock under the test's control, sending to the
//! recording push service of common::sink, on SQLite or (TEST_DATABASE_URL)
//! PostgreSQL. A reader in their quiet hours gets nothing when a story is
//! published and one digest naming it once the clock passes their end; a
//! reader at their daily cap gets the rest in their digest; breaking news
//! cuts through (unless the reader turned that off); an opened story is
//! left out of the digest; a silent subscription is asked "still
//! interested?" once, then pruned. A live story's key event held in a
//! follower's quiet hours reaches their digest (even though they had read
//! the story), and a later one after it. And the sweeps' queries read indexes.

mod common;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use common::TestDatabase;
use common::devices::subscribe;
use common::sink::{Answer, Received, Sink};
use herald::config::Config;
use herald::content::input::{StoryDraft, parse_story_json};
use herald::delivery::worker::Clock;
use herald::server;
use herald::store::Store;
use herald::subscriptions::token::token_hash;
use herald::web::AppState;
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// A delivering site whose engine reads a clock the test moves forward.
struct ClockedSite {
    base: String,
    store: Store,
    client: reqwest::Client,
    /// How far the engine's clock is ahead of the real one, in seconds.
    ahead: Arc<AtomicI64>,
    stop: Option<oneshot::Sender<()>>,
    _data: tempfile::TempDir,
    /// Declared last: dropped after the server has been told to stop.
    _database: Option<TestDatabase>,
}

impl ClockedSite {
    /// Starts the site as common::TestSite::start_delivering does, but with
    /// the engine's clock and its sweeper's pace set by the test.
    async fn start(sink: &Sink) -> ClockedSite {
        let data = tempfile::tempdir().expect("temp dir");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let mut config = Config::for_data(data.path());
        config.bind = address;
        config.base_url = format!("http://{address}/").parse().expect("url");
        config.push.vapid_subject = Some("mailto:tests@example.org".into());
        config.push.workers = 2;
        config.push.retry_base_ms = 100;
        config.push.allowed_hosts = vec![sink.base.clone()];
        let database = TestDatabase::create().await;
        config.database_url = database.as_ref().map(|d| d.url().to_owned());
        let store = match &database {
            Some(database) => {
                common::with_test_key(Store::connect(database.url(), 5).await.expect("store")).await
            }
            None => Store::open_data_folder(data.path()).await.expect("store"),
        };
        let vapid = herald::delivery::keys::site_keys(&store, data.path())
            .await
            .expect("keys");
        let state =
            AppState::new(store.clone(), config, &vapid, common::resolver()).expect("state");
        let mut engine = state
            .engine(vapid)
            .expect("engine")
            .expect("delivery is on");
        let ahead = Arc::new(AtomicI64::new(0));
        let offset = ahead.clone();
        engine.clock =
            Clock::from_fn(move || Utc::now() + TimeDelta::seconds(offset.load(Ordering::SeqCst)));
        engine.settings.sweep_interval = Duration::from_millis(100);
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(server::serve(listener, state, Some(engine), async {
            let _ = stopped.await;
        }));
        let site = ClockedSite {
            base: format!("http://{address}"),
            store,
            client: reqwest::Client::new(),
            ahead,
            stop: Some(stop),
            _data: data,
            _database: database,
        };
        // The topics exist once a story names them; its fan-out (to nobody)
        // is over before anyone subscribes.
        let seed = site
            .publish(draft("seed", "Seed", &["Politics", "Sport"]), false)
            .await;
        site.wait_done(seed).await;
        site
    }

    /// The engine's time.
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + TimeDelta::seconds(self.ahead.load(Ordering::SeqCst))
    }

    /// Moves the engine's clock forward to `at`.
    fn move_clock_to(&self, at: DateTime<Utc>) {
        let ahead = (at - Utc::now()).num_seconds().max(0);
        self.ahead.fetch_max(ahead, Ordering::SeqCst);
    }

    /// Publishes a story now (real time), marked breaking by the newsroom
    /// or not; its id.
    async fn publish(&self, mut draft: StoryDraft, breaking: bool) -> i64 {
        draft.notification.breaking = breaking;
        herald::editorial::import_story(&self.store, &draft, None, true, false, Utc::now())
            .await
            .expect("saved")
            .id
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn stats(&self, story: i64) -> Value {
        self.client
            .get(format!("{}/api/v1/stories/{story}/push-stats", self.base))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json")
    }

    /// Waits until every notification of the story is settled; its stats.
    async fn wait_done(&self, story: i64) -> Value {
        let started = Instant::now();
        loop {
            let s = self.stats(story).await;
            let shards = s["shards"].as_array().expect("shards");
            if s["pending_jobs"] == 0
                && shards.iter().all(|sh| sh["state"] == "done")
                && s["retrying"] == 0
            {
                return s;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "fan-out not finished: {s}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The reader's missed stories, as the API lists them.
    async fn missed(&self, reader: &Reader) -> Vec<Value> {
        let (status, body) = self
            .call(
                reqwest::Method::GET,
                "/api/v1/push/subscriptions/missed",
                &reader.token,
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["stories"].as_array().expect("stories").clone()
    }
}

impl Drop for ClockedSite {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A reader: the device name at the sink, its keys (to decrypt what it
/// receives) and its token.
struct Reader {
    device: String,
    keys: webpush::UserAgentKeys,
    token: String,
}

impl Reader {
    async fn register(site: &ClockedSite, sink: &Sink, device: &str, topics: &[&str]) -> Reader {
        let (keys, body) =
            subscribe(&site.client, &site.base, &sink.endpoint(device), topics).await;
        Reader {
            device: device.to_owned(),
            keys,
            token: body["token"].as_str().expect("token").to_owned(),
        }
    }

    /// Changes the reader's reminder settings through the API.
    async fn prefer(&self, site: &ClockedSite, preferences: Value) {
        let (status, body) = site
            .call(
                reqwest::Method::PUT,
                "/api/v1/push/subscriptions/preferences",
                &self.token,
                Some(preferences),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    fn received(&self, sink: &Sink) -> Vec<Received> {
        sink.received_by(&self.device)
    }

    fn decrypt(&self, message: &Received) -> Value {
        common::devices::shown(&self.keys, &message.body)
    }
}

fn draft(slug: &str, headline: &str, topics: &[&str]) -> StoryDraft {
    parse_story_json(&common::story_json(slug, headline, topics))
        .and_then(|input| input.validate())
        .expect("valid story")
}

/// "HH:MM" of `at` in UTC.
fn hm(at: DateTime<Utc>) -> String {
    at.format("%H:%M").to_string()
}

/// Quiet hours in UTC that cover now and end about two hours from now.
fn quiet_now() -> Value {
    let now = Utc::now();
    json!({"time_zone": "UTC",
           "quiet_hours": {"start": hm(now - TimeDelta::hours(1)), "end": hm(now + TimeDelta::hours(2))}})
}

/// A fixed-offset zone whose clock shows about noon now, so that a test
/// counting a reader's day never straddles their midnight.
fn zone_at_noon() -> String {
    // From UTC-11 to UTC+12: every such zone exists.
    let offset = 12 - i64::from(Utc::now().hour());
    match offset {
        0 => "Etc/GMT".to_owned(),
        // The IANA names' signs are inverted: Etc/GMT-3 is UTC+3.
        n if n > 0 => format!("Etc/GMT-{n}"),
        n => format!("Etc/GMT+{}", -n),
    }
}

fn instant(text: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text.as_str().expect("a time"))
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

/// Waits until `check` holds (at most 20 s).
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{what} did not happen within 20 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the reader has `count` messages, then for a few more sweeps,
/// and returns them all (so that a second digest would show).
async fn messages(sink: &Sink, reader: &Reader, count: usize) -> Vec<Received> {
    eventually(
        &format!("{count} message(s) for {}", reader.device),
        || async { reader.received(sink).len() >= count },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    reader.received(sink)
}

#[tokio::test]
async fn quiet_hours_hold_a_story_until_one_digest_names_it() {
    let sink = Sink::start().await;
    let site = ClockedSite::start(&sink).await;
    let quiet = Reader::register(&site, &sink, "quiet", &["politics"]).await;
    quiet.prefer(&site, quiet_now()).await;
    let awake = Reader::register(&site, &sink, "awake", &["politics"]).await;

    let story = site
        .publish(
            draft("vote", "Parliament votes tonight", &["Politics"]),
            false,
        )
        .await;
    let s = site.wait_done(story).await;
    assert_eq!(
        (
            s["queued"].as_i64(),
            s["sent"].as_i64(),
            s["held"].as_i64(),
            s["delivered"].as_i64()
        ),
        (Some(2), Some(1), Some(1), Some(1)),
        "queued = sent + held: {s}"
    );
    assert_eq!(s["jobs"][0]["held"], 1, "{s}");
    assert_eq!(messages(&sink, &awake, 1).await.len(), 1);
    assert!(
        quiet.received(&sink).is_empty(),
        "nothing during quiet hours"
    );
    let missed = site.missed(&quiet).await;
    assert_eq!(missed.len(), 1, "{missed:?}");
    assert_eq!(missed[0]["reason"], "quiet_hours");
    let due = instant(&missed[0]["due_at"]);
    assert!(
        due > Utc::now() + TimeDelta::minutes(110),
        "due when quiet hours end: {due}"
    );

    // The clock passes the end of the quiet hours: one digest.
    site.move_clock_to(due + TimeDelta::seconds(5));
    let got = messages(&sink, &quiet, 1).await;
    assert_eq!(got.len(), 1, "exactly one digest");
    let digest = quiet.decrypt(&got[0]);
    assert_eq!(digest["title"], "1 new story in Politics", "{digest}");
    assert_eq!(digest["body"], "Parliament votes tonight");
    assert_eq!(
        digest["navigate"],
        format!("{}/notifications/missed", site.base)
    );
    assert_eq!(
        (
            digest["tag"].as_str(),
            digest["data"]["herald"]["kind"].as_str()
        ),
        (Some("digest"), Some("digest"))
    );
    assert_eq!(got[0].headers["urgency"], "normal");
    assert_eq!(
        awake.received(&sink).len(),
        1,
        "the awake reader got no digest"
    );

    // Sent: still listed as missed, now with when it was reminded.
    eventually("the digest recorded", || async {
        site.missed(&quiet).await[0]["reminded_at"].is_string()
    })
    .await;

    // The page the digest opens.
    let page = site
        .client
        .get(format!("{}/notifications/missed", site.base))
        .send()
        .await
        .expect("request");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("<h1 id=\"missed-heading\""), "{html}");
    assert!(html.contains("/assets/missed.js?v="), "{html}");
    assert!(html.contains("noindex"));
}

#[tokio::test]
async fn a_reader_at_their_daily_cap_gets_the_rest_in_the_digest() {
    let sink = Sink::start().await;
    let site = ClockedSite::start(&sink).await;
    let capped = Reader::register(&site, &sink, "capped", &["politics"]).await;
    let zone = zone_at_noon();
    // Noon there now: the digest at 15:00 their time.
    capped
        .prefer(
            &site,
            json!({"max_per_day": 1, "time_zone": zone, "digest_time": "15:00"}),
        )
        .await;

    let first = site
        .publish(draft("first", "First story", &["Politics"]), false)
        .await;
    site.wait_done(first).await;
    assert_eq!(
        messages(&sink, &capped, 1).await.len(),
        1,
        "the first is sent"
    );
    let second = site
        .publish(draft("second", "Second story", &["Politics"]), false)
        .await;
    let s = site.wait_done(second).await;
    assert_eq!(
        (s["sent"].as_i64(), s["held"].as_i64()),
        (Some(0), Some(1)),
        "{s}"
    );
    let third = site
        .publish(draft("third", "Third story", &["Politics"]), false)
        .await;
    site.wait_done(third).await;
    assert_eq!(
        capped.received(&sink).len(),
        1,
        "over the cap: nothing more now"
    );

    let missed = site.missed(&capped).await;
    assert_eq!(missed.len(), 2, "{missed:?}");
    assert!(missed.iter().all(|m| m["reason"] == "cap"), "{missed:?}");
    let due = instant(&missed[0]["due_at"]);
    assert!(
        due > Utc::now() + TimeDelta::minutes(100) && due < Utc::now() + TimeDelta::hours(4),
        "due at their digest time: {due}"
    );

    site.move_clock_to(due + TimeDelta::seconds(5));
    let got = messages(&sink, &capped, 2).await;
    assert_eq!(got.len(), 2, "one digest");
    let digest = capped.decrypt(&got[1]);
    assert_eq!(digest["title"], "2 new stories in Politics", "{digest}");
    assert_eq!(digest["body"], "Third story", "the newest headline");
}

#[tokio::test]
async fn breaking_news_cuts_through_unless_the_reader_turned_that_off() {
    let sink = Sink::start().await;
    let site = ClockedSite::start(&sink).await;
    // Quiet now and at their cap (0: everything waits for the digest).
    let through = Reader::register(&site, &sink, "through", &["politics"]).await;
    let mut settings = quiet_now();
    settings["max_per_day"] = json!(0);
    through.prefer(&site, settings).await;
    // Quiet now, and breaking news may not interrupt.
    let strict = Reader::register(&site, &sink, "strict", &["politics"]).await;
    let mut settings = quiet_now();
    settings["breaking_overrides"] = json!(false);
    strict.prefer(&site, settings).await;

    let ordinary = site
        .publish(draft("ordinary", "Ordinary news", &["Politics"]), false)
        .await;
    let s = site.wait_done(ordinary).await;
    assert_eq!(
        (s["sent"].as_i64(), s["held"].as_i64()),
        (Some(0), Some(2)),
        "{s}"
    );

    let flood = site
        .publish(draft("flood", "Flood warning", &["Politics"]), true)
        .await;
    let s = site.wait_done(flood).await;
    assert_eq!(
        (s["delivered"].as_i64(), s["held"].as_i64()),
        (Some(1), Some(1)),
        "{s}"
    );
    let got = messages(&sink, &through, 1).await;
    assert_eq!(got.len(), 1);
    assert_eq!(through.decrypt(&got[0])["title"], "Flood warning");
    assert_eq!(got[0].headers["urgency"], "high");
    assert!(strict.received(&sink).is_empty(), "overriding turned off");

    // The strict reader has both in their digest when their quiet hours end.
    let missed = site.missed(&strict).await;
    assert_eq!(missed.len(), 2, "{missed:?}");
    let due = missed
        .iter()
        .map(|m| instant(&m["due_at"]))
        .max()
        .expect("due");
    site.move_clock_to(due + TimeDelta::seconds(5));
    let got = messages(&sink, &strict, 1).await;
    assert_eq!(got.len(), 1);
    let digest = strict.decrypt(&got[0]);
    assert_eq!(digest["title"], "2 new stories in Politics", "{digest}");
    assert_eq!(digest["body"], "Flood warning", "the newest headline");
}

#[tokio::test]
async fn a_story_already_opened_is_not_in_the_digest() {
    let sink = Sink::start().await;
    let site = ClockedSite::start(&sink).await;
    let reader = Reader::register(&site, &sink, "reader", &["politics", "sport"]).await;
    reader.prefer(&site, quiet_now()).await;
    let read = site
        .publish(draft("read-it", "Already read", &["Politics"]), false)
        .await;
    site.wait_done(read).await;
    let unread = site
        .publish(draft("not-yet", "Not read yet", &["Sport"]), false)
        .await;
    site.wait_done(unread).await;
    assert_eq!(site.missed(&reader).await.len(), 2);

    // A visit to the first story from this browser.
    let (status, body) = site
        .call(
            reqwest::Method::POST,
            "/api/v1/push/subscriptions/opened",
            &reader.token,
            Some(json!({"slug": "read-it"})),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let missed = site.missed(&reader).await;
    assert_eq!(missed.len(), 1, "{missed:?}");

    site.move_clock_to(instant(&missed[0]["due_at"]) + TimeDelta::seconds(5));
    let got = messages(&sink, &reader, 1).await;
    assert_eq!(got.len(), 1);
    let digest = reader.decrypt(&got[0]);
    assert_eq!(digest["title"], "1 new story in Sport", "{digest}");
    assert_eq!(digest["body"], "Not read yet");
}

#[tokio::test]
async fn a_silent_subscription_is_asked_once_then_pruned() {
    let sink = Sink::start().await;
    let site = ClockedSite::start(&sink).await;
    let silent = Reader::register(&site, &sink, "silent", &["politics"]).await;
    let active = Reader::register(&site, &sink, "active", &["politics"]).await;

    // 61 days on (the default is 60 days without a visit or a click); the
    // active reader visits then.
    let later = site.now() + TimeDelta::days(61);
    site.store
        .subscription_by_token(&token_hash(&active.token), later.timestamp())
        .await
        .expect("store")
        .expect("registered");
    site.move_clock_to(later);
    let got = messages(&sink, &silent, 1).await;
    assert_eq!(got.len(), 1, "asked once");
    let question = silent.decrypt(&got[0]);
    assert_eq!(
        question["title"], "Still interested in news from Herald?",
        "{question}"
    );
    assert_eq!(question["navigate"], format!("{}/notifications", site.base));
    assert_eq!(question["data"]["herald"]["kind"], "still_interested");
    assert!(
        active.received(&sink).is_empty(),
        "a reader seen lately is not asked"
    );

    // A week and a day later, still silent: pruned (after one question).
    site.move_clock_to(later + TimeDelta::days(8));
    eventually("the silent subscription pruned", || async {
        site.call(
            reqwest::Method::GET,
            "/api/v1/push/subscriptions",
            &silent.token,
            None,
        )
        .await
        .0 == 401
    })
    .await;
    assert_eq!(silent.received(&sink).len(), 1, "never asked twice");
    let (status, _) = site
        .call(
            reqwest::Method::GET,
            "/api/v1/push/subscriptions",
            &active.token,
            None,
        )
        .await;
    assert_eq!(status, 200, "the active reader stays");
}

#[tokio::test]
async fn digests_are_retried_gone_readers_deleted_and_paused_readers_spared() {
    let sink = Sink::start().await;
    let site = ClockedSite::start(&sink).await;
    let flaky = Reader::register(&site, &sink, "flaky", &["politics"]).await;
    let gone = Reader::register(&site, &sink, "gone", &["politics"]).await;
    let paused = Reader::register(&site, &sink, "paused", &["politics"]).await;
    for reader in [&flaky, &gone, &paused] {
        reader.prefer(&site, quiet_now()).await;
    }
    sink.script("flaky", vec![Answer::Status(503)]);
    sink.script("gone", vec![Answer::Status(410)]);
    let story = site
        .publish(draft("late", "Late news", &["Politics"]), false)
        .await;
    let s = site.wait_done(story).await;
    assert_eq!(s["held"], 3, "{s}");
    let (status, _) = site
        .call(
            reqwest::Method::PUT,
            "/api/v1/push/subscriptions/paused",
            &paused.token,
            Some(json!({"paused": true})),
        )
        .await;
    assert_eq!(status, 200);

    let due = instant(&site.missed(&flaky).await[0]["due_at"]);
    site.move_clock_to(due + TimeDelta::seconds(5));
    // 503, then (a retry policy's delay later) 201.
    let got = messages(&sink, &flaky, 2).await;
    assert_eq!(
        got.iter().map(|m| m.answered).collect::<Vec<_>>(),
        [503, 201]
    );
    assert_eq!(flaky.decrypt(&got[1])["title"], "1 new story in Politics");
    // 410: the subscription is deleted.
    eventually("the gone subscription deleted", || async {
        site.call(
            reqwest::Method::GET,
            "/api/v1/push/subscriptions",
            &gone.token,
            None,
        )
        .await
        .0 == 401
    })
    .await;
    assert_eq!(gone.received(&sink).len(), 1, "not tried again");
    // Paused: no digest; the story stays on the missed page.
    assert!(paused.received(&sink).is_empty());
    eventually("the paused reader's reminder settled", || async {
        site.missed(&paused).await[0]["due_at"].is_null()
    })
    .await;
    assert!(paused.received(&sink).is_empty());
}

/// Posts a key event in live story `story` now, as the live desk does
/// (the entry and its notification in one write); its id.
async fn post_key_event(site: &ClockedSite, story: i64, title: &str) -> i64 {
    let author = herald::store::EntryAuthor {
        user_id: None,
        name: "Ana".to_owned(),
    };
    let write = herald::store::EntryWrite {
        title: Some(title.to_owned()),
        body_markdown: "What happened.".to_owned(),
        key_event: true,
        breaking: false,
        state: herald::store::EntryState::Posted,
    };
    site.store
        .insert_live_entry(story, &author, &write, true, Utc::now())
        .await
        .expect("posted")
        .id
}

#[tokio::test]
async fn a_key_event_held_in_quiet_hours_reaches_the_digest_and_again_after_it() {
    let sink = Sink::start().await;
    let site = ClockedSite::start(&sink).await;
    let mut live = draft("flood-live", "Flood: live", &["Politics"]);
    live.live = true;
    let story = site.publish(live, false).await;
    site.wait_done(story).await;
    let quiet = Reader::register(&site, &sink, "quiet", &[]).await;
    quiet.prefer(&site, quiet_now()).await;
    let awake = Reader::register(&site, &sink, "awake", &[]).await;
    for reader in [&quiet, &awake] {
        let (status, body) = site
            .call(
                reqwest::Method::PUT,
                "/api/v1/push/subscriptions/stories/flood-live",
                &reader.token,
                None,
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    // A follower has read the story: its key events are news all the same.
    let (status, _) = site
        .call(
            reqwest::Method::POST,
            "/api/v1/push/subscriptions/opened",
            &quiet.token,
            Some(json!({"slug": "flood-live"})),
        )
        .await;
    assert_eq!(status, 204);

    post_key_event(&site, story, "Levee breached").await;
    let s = site.wait_done(story).await;
    let job = &s["jobs"][1];
    assert_eq!(job["kind"], "key_event", "{s}");
    assert_eq!(
        (&job["queued"], &job["sent"], &job["held"]),
        (&json!(2), &json!(1), &json!(1)),
        "{s}"
    );
    assert_eq!(
        awake.decrypt(&messages(&sink, &awake, 1).await[0])["body"],
        "Levee breached"
    );
    assert!(
        quiet.received(&sink).is_empty(),
        "nothing during quiet hours"
    );
    let missed = site.missed(&quiet).await;
    assert_eq!(missed.len(), 1, "{missed:?}");
    assert_eq!(missed[0]["headline"], "Flood: live");
    assert_eq!(missed[0]["reason"], "quiet_hours");
    let due = instant(&missed[0]["due_at"]);

    // The quiet hours end: the digest names the story.
    site.move_clock_to(due + TimeDelta::seconds(5));
    let got = messages(&sink, &quiet, 1).await;
    assert_eq!(got.len(), 1, "exactly one digest");
    let digest = quiet.decrypt(&got[0]);
    assert_eq!(digest["title"], "1 new story in Politics", "{digest}");
    assert_eq!(digest["body"], "Flood: live");
    assert_eq!(digest["tag"], "digest");
    eventually("the digest recorded", || async {
        site.missed(&quiet).await[0]["reminded_at"].is_string()
    })
    .await;

    // After the digest, a reader who takes everything in the digest has
    // the story held again by the next key event, and digested again.
    quiet.prefer(&site, json!({"max_per_day": 0})).await;
    post_key_event(&site, story, "Bridge closed").await;
    site.wait_done(story).await;
    let missed = site.missed(&quiet).await;
    assert_eq!(missed[0]["reason"], "cap", "{missed:?}");
    let due = instant(&missed[0]["due_at"]);
    site.move_clock_to(due + TimeDelta::seconds(5));
    let got = messages(&sink, &quiet, 2).await;
    assert_eq!(got.len(), 2, "a second digest");
    assert_eq!(quiet.decrypt(&got[1])["body"], "Flood: live");
    assert_eq!(
        awake.received(&sink).len(),
        2,
        "the awake reader got both key events"
    );
}
