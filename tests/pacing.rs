//! Paced delivery (issue 20): `push.max_messages_per_second` holds a
//! fan-out to the process's pace, measured where the messages arrive (the
//! local push service of `common::sink`). Bounds are generous (2× either
//! way, the upper one over the pace plus what the same fan-out takes
//! unpaced on the machine at that moment): the machine running the tests
//! is shared and noisy.

mod common;

use std::time::Duration;

use common::TestSite;
use common::accounts::{api_token, create_user};
use common::devices::{register_many, stats, wait_done};
use common::sink::Sink;
use herald::roles::Role;
use serde_json::{Value, json};

const MESSAGES: usize = 2000;
const PER_SECOND: u32 = 500;
const TOKEN: &str = "a-long-metrics-token-for-pacing";

/// Publishes a story to `MESSAGES` followers on a site whose pace is
/// `per_second` (0: none), and returns the site and the time from the
/// first message's arrival at the push service to the last's.
async fn fanout_span(per_second: u32) -> (TestSite, Duration) {
    let sink = Sink::start().await;
    let base = sink.base.clone();
    let site = TestSite::start_delivering(move |c| {
        c.push.allowed_hosts = vec![base];
        c.push.max_messages_per_second = per_second;
        c.metrics_token = Some(TOKEN.into());
    })
    .await;
    let seed = site
        .publish(&common::story_json("seed", "Seed", &["Politics"]))
        .await;
    wait_done(&site, seed.id, Duration::from_secs(20)).await;
    register_many(&site, &sink, "politics", MESSAGES).await;

    let story = site
        .publish(&common::story_json("paced", "Paced", &["Politics"]))
        .await;
    let stats = wait_done(&site, story.id, Duration::from_secs(60)).await;
    assert_eq!(stats["delivered"], MESSAGES, "{stats}");
    let received = sink.received();
    assert_eq!(received.len(), MESSAGES);
    let first = received.iter().map(|r| r.arrived_at).min().expect("first");
    let last = received.iter().map(|r| r.arrived_at).max().expect("last");
    (site, last - first)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paced_fanout_of_2000_at_500_a_second_takes_about_4_seconds() {
    // The same fan-out unpaced first: what this machine, as busy as it is
    // now, takes without a pace (a debug build under a parallel test run
    // can be slower than 500 a second on its own).
    let (_, unpaced) = fanout_span(0).await;
    let (site, span) = fanout_span(PER_SECOND).await;
    // 2,000 messages at 500 a second: 4 s. Never faster than half that;
    // never slower than twice the pace plus what the machine took unpaced.
    let pace = Duration::from_secs(4);
    eprintln!("{MESSAGES} messages at {PER_SECOND}/s arrived over {span:?} (unpaced: {unpaced:?})");
    assert!(
        span >= pace / 2 && span <= 2 * (pace + unpaced),
        "{MESSAGES} messages at {PER_SECOND}/s arrived over {span:?} (unpaced: {unpaced:?})"
    );

    let metrics = site.metrics(TOKEN).await;
    assert!(
        metrics.contains("herald_push_max_messages_per_second 500"),
        "{metrics}"
    );
    let waited: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("herald_push_paced_seconds_total "))
        .and_then(|v| v.trim().parse().ok())
        .expect("the paced seconds");
    assert!(waited > 0.0, "messages waited for their turn: {metrics}");
}

/// Publishes draft `id` through the admin API with `push` options.
async fn publish(site: &TestSite, token: &str, id: i64, push: Value) -> (u16, Value) {
    let response = site
        .client
        .post(format!("{}/api/v1/admin/stories/{id}/publish", site.base))
        .bearer_auth(token)
        .json(&json!({ "push": push }))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A draft of `slug` in Politics, not yet published.
async fn draft(site: &TestSite, slug: &str) -> i64 {
    site.save(
        &common::story_json(slug, slug, &["Politics"]),
        false,
        chrono::Utc::now(),
    )
    .await
    .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spread_notification_trickles_out_and_breaking_news_goes_at_once() {
    const READERS: usize = 60;
    let sink = Sink::start().await;
    let site = common::devices::delivering_site(&sink).await;
    register_many(&site, &sink, "politics", READERS).await;
    let email = "editor@example.org";
    create_user(&site, email, Role::Editor).await;
    let token = api_token(&site, email).await;

    let slow = draft(&site, "slow").await;
    let (status, body) = publish(&site, &token, slow, json!({"spread_minutes": 5000})).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("push.spread_minutes"), "{body}");

    let (status, body) = publish(&site, &token, slow, json!({"spread_minutes": 1})).await;
    assert_eq!(status, 200, "{body}");
    let started = std::time::Instant::now();
    while sink.received().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(20), "nothing sent");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A minute for 60 readers: about one a second. Five seconds in, far
    // fewer than half have theirs (at once, all would).
    tokio::time::sleep(Duration::from_secs(5)).await;
    let so_far = sink.received().len();
    assert!(
        (1..READERS / 2).contains(&so_far),
        "{so_far} of {READERS} sent 5 s into a one-minute spread"
    );
    let s = stats(&site, slow).await;
    assert_eq!(s["jobs"][0]["spread_minutes"], 1, "{s}");

    // Breaking news ignores the spread unless the editor asks.
    let flash = draft(&site, "flash").await;
    let (status, body) = publish(
        &site,
        &token,
        flash,
        json!({"breaking": true, "spread_minutes": 1}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let s = wait_done(&site, flash, Duration::from_secs(20)).await;
    assert_eq!(s["delivered"], READERS, "{s}");
}

#[tokio::test]
async fn the_push_panel_spreads_a_notification_and_refuses_nonsense() {
    let site = TestSite::start().await;
    let editor = common::accounts::login_as(&site, Role::Editor).await;

    let mut fields = common::editor::story_fields("Slow news", "Slowly.");
    fields.extend([
        ("action", "publish-confirmed"),
        ("push_send", "on"),
        ("push_spread_minutes", "many"),
    ]);
    let (status, html) =
        common::text_of(editor.post_form("/newsroom/stories/new", &fields).await).await;
    assert_eq!(status, 422, "{html}");
    assert_eq!(
        common::select_text(&html, "#push_spread_minutes-error"),
        ["Deliver over: must be between 0 and 1440 minutes (a day)"]
    );

    // Asked first, the editor is told when readers get it: a share at a
    // time, not "now"; as breaking news, at once unless asked.
    // (A draft in Politics makes the topic a reader can follow.)
    common::editor::create_draft(&editor, "Slow draft", "Slowly.").await;
    let endpoint = "https://fcm.googleapis.com/fcm/send/slow-reader";
    common::devices::subscribe(&site.client, &site.base, endpoint, &["politics"]).await;
    let mut fields = common::editor::story_fields("Slow news", "Slowly.");
    fields.extend([
        ("action", "publish"),
        ("push_send", "on"),
        ("push_spread_minutes", "30"),
    ]);
    let (status, html) =
        common::text_of(editor.post_form("/newsroom/stories/new", &fields).await).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(
        common::select_text(&html, "#confirm-detail"),
        [
            "Nobody's quiet hours or daily limit holds it back. It is spread over 30 minutes: \
             readers get it a share at a time, the last about 30 minutes after sending starts."
        ]
    );
    fields.push(("push_breaking", "on"));
    let (_, html) = common::text_of(editor.post_form("/newsroom/stories/new", &fields).await).await;
    assert!(
        common::select_text(&html, "#confirm-detail")[0]
            .ends_with("not over 30 minutes: tick “Spread breaking news too” to spread it."),
        "{html}"
    );

    let mut fields = common::editor::story_fields("Slow news", "Slowly.");
    fields.extend([
        ("action", "publish-confirmed"),
        ("push_send", "on"),
        ("push_spread_minutes", "30"),
    ]);
    let response = editor.post_form("/newsroom/stories/new", &fields).await;
    assert_eq!(response.status(), 303);
    let id = common::editor::story_id_in(&common::editor::location(&response));
    let s = stats(&site, id).await;
    assert_eq!(s["jobs"][0]["spread_minutes"], 30, "{s}");
    let (_, page) = editor.text(&format!("/newsroom/stories/{id}/stats")).await;
    assert_eq!(
        common::select_text(&page, "[data-field=spread]"),
        ["delivered over 30 minutes"],
        "{page}"
    );
}

/// The spread of story `id`'s notification job `job`.
async fn spread_of(site: &TestSite, id: i64, job: &Value) -> Value {
    let s = stats(site, id).await;
    let jobs = s["jobs"].as_array().expect("jobs");
    let found = jobs.iter().find(|j| &j["id"] == job).expect("the job");
    found["spread_minutes"].clone()
}

#[tokio::test]
async fn an_update_is_spread_as_its_story_was_unless_its_sender_says() {
    let site = TestSite::start().await;
    let email = "api-editor@example.org";
    create_user(&site, email, Role::Editor).await;
    let token = api_token(&site, email).await;
    let id = draft(&site, "slow-update").await;
    let (status, body) = publish(&site, &token, id, json!({"spread_minutes": 30})).await;
    assert_eq!(status, 200, "{body}");

    let update = |push: Value| {
        let request = site
            .client
            .post(format!("{}/api/v1/admin/stories/{id}/push", site.base))
            .bearer_auth(&token)
            .json(&push);
        async move {
            let response = request.send().await.expect("request");
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    // Said nothing: as the story's notification.
    let (status, body) = update(json!({"title": "Slow update"})).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(spread_of(&site, id, &body["job_id"]).await, 30);
    // At once, as its sender says.
    let (status, body) = update(json!({"spread_minutes": 0})).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(spread_of(&site, id, &body["job_id"]).await, 0);
    let (status, body) = update(json!({"spread_minutes": 5000})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["error"]["fields"][0]["field"], "push.spread_minutes",
        "{body}"
    );

    // The newsroom's "Send an update" says the same.
    let editor = common::accounts::login_as(&site, Role::Editor).await;
    let path = format!("/newsroom/stories/{id}/push");
    let send = |minutes: &'static str| {
        [
            ("action", "update-confirmed"),
            ("update_title", "Slower update"),
            ("update_spread_minutes", minutes),
        ]
    };
    let (status, html) = common::text_of(editor.post_form(&path, &send("many")).await).await;
    assert_eq!(status, 422, "{html}");
    assert_eq!(
        common::select_text(&html, "#update_spread_minutes-error"),
        ["Deliver over: must be between 0 and 1440 minutes (a day)"]
    );
    // Refused as soon as it is asked, not after a confirmation.
    let ask = [("action", "update"), ("update_spread_minutes", "5000")];
    let (status, html) = common::text_of(editor.post_form(&path, &ask).await).await;
    assert_eq!(status, 422, "{html}");
    assert!(
        common::select_text(&html, "#confirm-detail").is_empty(),
        "{html}"
    );
    assert_eq!(
        common::select_text(&html, "#update_spread_minutes-error"),
        ["Deliver over: must be between 0 and 1440 minutes (a day)"]
    );
    let response = editor.post_form(&path, &send("12")).await;
    assert_eq!(response.status(), 303);
    let s = stats(&site, id).await;
    let last = s["jobs"]
        .as_array()
        .and_then(|jobs| jobs.iter().max_by_key(|j| j["id"].as_i64()))
        .expect("a job");
    assert_eq!(last["spread_minutes"], 12, "{s}");
    // Asked with the spread left empty, the dialog names the spread the
    // update inherits from that last one.
    let endpoint = "https://fcm.googleapis.com/fcm/send/slow-update-reader";
    common::devices::subscribe(&site.client, &site.base, endpoint, &["politics"]).await;
    let ask = [("action", "update"), ("update_spread_minutes", "")];
    let (status, html) = common::text_of(editor.post_form(&path, &ask).await).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        common::select_text(&html, "#confirm-detail")[0].ends_with(
            "It is spread over 12 minutes: readers get it a share at a time, \
             the last about 12 minutes after sending starts."
        ),
        "{html}"
    );
}
