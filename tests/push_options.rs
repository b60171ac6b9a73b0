//! The newsroom's push panel, on the delivery side: breaking news to every
//! subscriber, publishing without a notification, "send an update" that
//! replaces the original on devices, the stats of a story with several
//! notifications, and the payload preview that counts exactly the bytes
//! sent. Through the real server and delivery workers, to the recording
//! push service of common::sink, on SQLite or (TEST_DATABASE_URL)
//! PostgreSQL.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::accounts::{api_token, create_user};
use common::devices::{Device, delivering_site, register, wait_done};
use common::sink::Sink;
use common::{TestSite, TestStore};
use herald::accounts::Role;
use herald::content::input::{StoryDraft, parse_story_json};
use herald::delivery::payload::{self, PanelInput, SiteVoice};
use herald::store::{
    Checkpoint, JobKind, NewSubscription, Outcomes, RetryEntry, Store, UpdateError, UpdateSettings,
};
use serde_json::{Value, json};

/// How long a fan-out of these few devices may take.
const LIMIT: Duration = Duration::from_secs(20);

async fn pause(site: &TestSite, device: &Device) {
    let response = site
        .client
        .put(format!("{}/api/v1/push/subscriptions/paused", site.base))
        .bearer_auth(&device.token)
        .json(&json!({"paused": true}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
}

fn draft(slug: &str, headline: &str, topics: &[&str]) -> StoryDraft {
    parse_story_json(&common::story_json(slug, headline, topics))
        .and_then(|input| input.validate())
        .expect("valid story")
}

/// Publishes `draft` now with the push panel's `send` and `breaking`.
async fn publish_with(store: &Store, mut draft: StoryDraft, send: bool, breaking: bool) -> i64 {
    draft.notification.send = send;
    draft.notification.breaking = breaking;
    herald::editorial::import_story(store, &draft, None, true, false, Utc::now())
        .await
        .expect("saved")
        .id
}

/// An account with `role` and an API token for it.
async fn token_for(site: &TestSite, role: Role) -> String {
    let email = format!("{role}@example.org");
    create_user(site, &email, role).await;
    api_token(site, &email).await
}

/// POSTs JSON to the admin API with a token (or none); status and body.
async fn admin_post(site: &TestSite, token: Option<&str>, path: &str, body: Value) -> (u16, Value) {
    let mut request = site.client.post(format!("{}{path}", site.base)).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn decrypt(device: &Device, body: &[u8]) -> Value {
    device.shown(body)
}

fn header<'a>(message: &'a common::sink::Received, name: &str) -> &'a str {
    message.headers[name].to_str().expect("ascii")
}

#[tokio::test]
async fn breaking_news_reaches_every_active_subscriber_with_high_urgency() {
    let sink = Sink::start().await;
    let site = delivering_site(&sink).await;
    let follower = register(&site, &sink, "follower", &["politics"]).await;
    let other = register(&site, &sink, "other", &["sport"]).await;
    let nothing = register(&site, &sink, "nothing", &[]).await;
    let paused = register(&site, &sink, "paused", &["politics"]).await;
    pause(&site, &paused).await;

    let story = publish_with(
        &site.store,
        draft("flood", "Flood", &["Politics"]),
        true,
        true,
    )
    .await;
    let s = wait_done(&site, story, LIMIT).await;
    assert_eq!(
        (s["queued"].as_i64(), s["delivered"].as_i64()),
        (Some(3), Some(3)),
        "{s}"
    );
    assert_eq!(s["jobs"][0]["breaking"], true, "{s}");
    for (name, device) in [
        ("follower", &follower),
        ("other", &other),
        ("nothing", &nothing),
    ] {
        let got = sink.received_by(name);
        assert_eq!(got.len(), 1, "{name}");
        assert_eq!(header(&got[0], "urgency"), "high", "{name}");
        assert_eq!(decrypt(device, &got[0].body)["tag"], story.to_string());
    }
    assert!(sink.received_by("paused").is_empty(), "paused stays paused");

    // A normal story: its followers only, Urgency normal.
    let normal = publish_with(
        &site.store,
        draft("vote", "Vote", &["Politics"]),
        true,
        false,
    )
    .await;
    let s = wait_done(&site, normal, LIMIT).await;
    assert_eq!(s["queued"], 1, "{s}");
    let got = sink.received_by("follower");
    assert_eq!(got.len(), 2);
    assert_eq!(decrypt(&follower, &got[1].body)["tag"], normal.to_string());
    assert_eq!(header(&got[1], "urgency"), "normal");
    assert_eq!(sink.received_by("other").len(), 1);
    assert_eq!(sink.received_by("nothing").len(), 1);
}

#[tokio::test]
async fn publishing_without_a_notification_sends_nothing_and_says_so() {
    let sink = Sink::start().await;
    let site = delivering_site(&sink).await;
    let device = register(&site, &sink, "d", &["politics"]).await;

    let quiet = publish_with(
        &site.store,
        draft("quiet", "Quiet", &["Politics"]),
        false,
        false,
    )
    .await;
    let s = wait_done(&site, quiet, LIMIT).await;
    let jobs = s["jobs"].as_array().expect("jobs");
    assert_eq!(jobs.len(), 1, "the job is recorded: {s}");
    assert_eq!(
        (&jobs[0]["silent"], &jobs[0]["state"], &jobs[0]["kind"]),
        (&json!(true), &json!("done"), &json!("original")),
        "{s}"
    );
    assert_eq!(
        (s["queued"].as_i64(), s["sent"].as_i64()),
        (Some(0), Some(0)),
        "{s}"
    );
    assert!(s["shards"].as_array().expect("shards").is_empty());

    // A later story is delivered; the silent one never was.
    let loud = publish_with(
        &site.store,
        draft("loud", "Loud", &["Politics"]),
        true,
        false,
    )
    .await;
    wait_done(&site, loud, LIMIT).await;
    let got = sink.received_by("d");
    assert_eq!(got.len(), 1);
    assert_eq!(decrypt(&device, &got[0].body)["tag"], loud.to_string());
}

#[tokio::test]
async fn an_update_replaces_the_original_on_the_same_devices() {
    let sink = Sink::start().await;
    let site = delivering_site(&sink).await;
    let a = register(&site, &sink, "a", &["politics"]).await;
    let b = register(&site, &sink, "b", &["politics", "sport"]).await;
    register(&site, &sink, "c", &["sport"]).await;

    let story = publish_with(
        &site.store,
        draft("count", "The count", &["Politics"]),
        true,
        false,
    )
    .await;
    wait_done(&site, story, LIMIT).await;
    let editor = token_for(&site, Role::Editor).await;
    let (status, queued) = admin_post(
        &site,
        Some(&editor),
        &format!("/api/v1/admin/stories/{story}/push"),
        json!({"title": "Result: a hung parliament", "body": "No party  has a majority."}),
    )
    .await;
    assert_eq!(status, 202, "{queued}");
    assert_eq!(queued["story_id"], story);
    let job = queued["job_id"].as_i64().expect("job id");
    let s = wait_done(&site, story, LIMIT).await;

    for (name, device) in [("a", &a), ("b", &b)] {
        let got = sink.received_by(name);
        assert_eq!(got.len(), 2, "{name}: the original, then the update");
        let (original, updated) = (decrypt(device, &got[0].body), decrypt(device, &got[1].body));
        assert_eq!(header(&got[0], "topic"), header(&got[1], "topic"), "{name}");
        assert_eq!(
            header(&got[1], "topic"),
            webpush::Topic::from_story_id(story).as_str()
        );
        assert_eq!(original["tag"], updated["tag"], "{name}");
        assert_eq!(updated["tag"], story.to_string());
        assert_eq!(original["title"], "The count");
        assert_eq!(original.get("renotify"), None);
        assert_eq!(original["navigate"], updated["navigate"], "{name}");
        assert_eq!(
            (&updated["title"], &updated["body"], &updated["renotify"]),
            (
                &json!("Result: a hung parliament"),
                &json!("No party has a majority."),
                &json!(true)
            )
        );
        assert_eq!(header(&got[1], "urgency"), "normal");
    }
    assert!(
        sink.received_by("c").is_empty(),
        "c follows no topic of the story"
    );

    // Stats: totals over both jobs, and each job's own.
    assert_eq!(
        (s["queued"].as_i64(), s["delivered"].as_i64()),
        (Some(4), Some(4)),
        "{s}"
    );
    let jobs = s["jobs"].as_array().expect("jobs");
    assert_eq!(jobs.len(), 2, "{s}");
    assert_eq!(
        (&jobs[0]["kind"], &jobs[1]["kind"]),
        (&json!("original"), &json!("update"))
    );
    assert_eq!(jobs[1]["id"], job);
    for j in jobs {
        assert_eq!(
            (j["queued"].as_i64(), j["delivered"].as_i64()),
            (Some(2), Some(2)),
            "{s}"
        );
        assert_eq!(
            (&j["silent"], &j["breaking"]),
            (&json!(false), &json!(false))
        );
    }
}

#[tokio::test]
async fn an_update_of_a_breaking_story_goes_to_everyone_again() {
    let sink = Sink::start().await;
    let site = delivering_site(&sink).await;
    register(&site, &sink, "follower", &["politics"]).await;
    register(&site, &sink, "other", &["sport"]).await;
    let story = publish_with(
        &site.store,
        draft("quake", "Quake", &["Politics"]),
        true,
        true,
    )
    .await;
    wait_done(&site, story, LIMIT).await;
    site.store
        .enqueue_update(story, &UpdateSettings::default(), Utc::now().timestamp())
        .await
        .expect("update queued");
    let s = wait_done(&site, story, LIMIT).await;
    for name in ["follower", "other"] {
        let got = sink.received_by(name);
        assert_eq!(got.len(), 2, "{name}");
        assert_eq!(header(&got[1], "urgency"), "high");
    }
    assert_eq!(s["jobs"][1]["breaking"], true, "{s}");
}

#[tokio::test]
async fn an_update_of_a_story_that_is_not_published_is_refused() {
    let test = TestStore::open().await;
    let store = &test.store;
    let now = Utc::now();
    let draft_id = herald::editorial::import_story(
        store,
        &draft("draft", "Draft", &["Politics"]),
        None,
        false,
        false,
        now,
    )
    .await
    .expect("saved")
    .id;
    let mut later = draft("later", "Later", &["Politics"]);
    later.published_at = Some(now + chrono::Duration::hours(2));
    let scheduled = herald::editorial::import_story(store, &later, None, true, false, now)
        .await
        .expect("saved")
        .id;
    let settings = UpdateSettings::default();
    for id in [draft_id, scheduled] {
        let refused = store.enqueue_update(id, &settings, now.timestamp()).await;
        assert!(
            matches!(refused, Err(UpdateError::NotPublished)),
            "{refused:?}"
        );
    }
    let unknown = store
        .enqueue_update(999_999, &settings, now.timestamp())
        .await;
    assert!(
        matches!(unknown, Err(UpdateError::UnknownStory)),
        "{unknown:?}"
    );
    assert!(
        store
            .push_stats(draft_id)
            .await
            .expect("stats")
            .jobs
            .is_empty()
    );
    let scheduled_jobs = store.push_stats(scheduled).await.expect("stats").jobs;
    assert_eq!(
        scheduled_jobs.len(),
        1,
        "only the original, waiting for its time"
    );
    assert_eq!(scheduled_jobs[0].kind, JobKind::Original);
}

/// Registers `count` subscriptions following `topic_id` straight in the store.
async fn subscribers(store: &Store, topic_id: i64, count: i64) {
    for n in 0..count {
        let subscription = NewSubscription {
            endpoint: format!("https://fcm.googleapis.com/fcm/send/device-{n}"),
            p256dh: format!("p256dh-{n}"),
            auth: format!("auth-{n}"),
            expiration_time: None,
        };
        store
            .register_subscription(&subscription, &format!("token-{n}"), &[topic_id], None, 0)
            .await
            .expect("registered");
    }
}

#[tokio::test]
async fn an_update_waits_for_the_original_to_finish_and_supersedes_its_retries() {
    let test = TestStore::open().await;
    let store = &test.store;
    let story = publish_with(store, draft("storm", "Storm", &["Weather"]), true, false).await;
    // After the publish: a second that turned in between would make the
    // story published after `now`.
    let now = Utc::now();
    let topics = store
        .topic_ids(&["weather".to_owned()])
        .await
        .expect("topics");
    subscribers(store, topics[0].1, 3).await;
    let now_ms = now.timestamp_millis() + 1000;
    let original = store.plan_due_jobs(now_ms, 10).await.expect("planned");
    assert_eq!(original.len(), 1);
    // Workers count a planned job's subscribers beside its sending.
    store.count_planned(original[0]).await.expect("counted");

    // The update, queued while the original's shard is still open, waits.
    let update = store
        .enqueue_update(story, &UpdateSettings::default(), now.timestamp())
        .await
        .expect("queued");
    assert!(
        store
            .plan_due_jobs(now_ms, 10)
            .await
            .expect("plan")
            .is_empty()
    );
    let waiting = store.push_stats(story).await.expect("stats");
    assert_eq!(waiting.pending_jobs, 1);
    assert_eq!(waiting.jobs[1].state, "pending");

    // The original's shard finishes, one message left waiting for a retry.
    let lease = store
        .lease_shard("w", now_ms, 60_000)
        .await
        .expect("lease")
        .expect("a shard");
    assert_eq!(lease.job_id, original[0]);
    let batch = store
        .shard_batch(
            &store
                .job_info(lease.job_id)
                .await
                .expect("job")
                .expect("job")
                .audience,
            lease.checkpoint,
            lease.last_subscriber,
            100,
        )
        .await
        .expect("batch");
    assert_eq!(batch.len(), 3);
    let outcomes = Outcomes {
        sent: 3,
        delivered: 2,
        retries: vec![RetryEntry {
            subscription_id: batch[2].id,
            attempt: 1,
            due_at_ms: now_ms + 60_000,
            expires_at_ms: now_ms + 3_600_000,
            error: "503".into(),
        }],
        ..Outcomes::default()
    };
    let done = Checkpoint {
        subscriber: lease.last_subscriber,
        handled: 3,
        done: true,
    };
    store
        .record_batch(&lease, &done, &outcomes, now_ms, 60_000)
        .await
        .expect("recorded");
    assert_eq!(store.push_stats(story).await.expect("stats").retrying, 1);

    // Now the update is planned; the original's retry is dropped (the
    // update goes to that subscriber too) and the original is finished.
    assert_eq!(
        store.plan_due_jobs(now_ms, 10).await.expect("plan"),
        [update]
    );
    store.count_planned(update).await.expect("counted");
    let s = store.push_stats(story).await.expect("stats");
    assert_eq!((s.retrying, s.superseded), (0, 1), "{s:?}");
    assert_eq!(
        (
            s.jobs[0].state.as_str(),
            s.jobs[0].superseded,
            s.jobs[0].delivered
        ),
        ("done", 1, 2)
    );
    assert_eq!(
        (s.jobs[1].kind, s.jobs[1].state.as_str()),
        (JobKind::Update, "planned")
    );
    assert_eq!(s.jobs[1].queued, Some(3));
    assert_eq!((s.queued, s.sent, s.delivered), (6, 3, 2));
}

#[tokio::test]
async fn the_preview_counts_the_bytes_actually_sent() {
    let sink = Sink::start().await;
    let site = delivering_site(&sink).await;
    let device = register(&site, &sink, "d", &["politics"]).await;
    let mut story_draft = parse_story_json(
        &json!({
            "slug": "budget", "headline": "Budget day", "standfirst": "What changes for you.",
            "body_markdown": "x", "topics": ["Politics"],
            "image": {"url": "https://img.example.org/b.jpg", "alt": "The minister"},
            "notification": {"title": "Budget: «what it means» 💶", "body": "Tax, \"benefits\" and fuel."}
        })
        .to_string(),
    )
    .and_then(|input| input.validate())
    .expect("valid");
    story_draft.notification.breaking = true;
    let story = publish_with(&site.store, story_draft.clone(), true, true).await;
    wait_done(&site, story, LIMIT).await;
    let got = sink.received_by("d");
    assert_eq!(got.len(), 1);
    let plaintext = device.keys.decrypt(&got[0].body).expect("decrypts");

    // The newsroom's preview of the same settings (any role may preview).
    let contributor = token_for(&site, Role::Contributor).await;
    let preview_path = "/api/v1/admin/push/preview";
    let (status, preview) = admin_post(
        &site,
        Some(&contributor),
        preview_path,
        json!({
            "story_id": story,
            "title": story_draft.notification.title,
            "body": story_draft.notification.body,
            "breaking": true
        }),
    )
    .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["problems"], json!([]));
    assert_eq!(preview["payload_bytes"], plaintext.len(), "{preview}");
    assert_eq!(
        got[0].body.len(),
        plaintext.len() + webpush::MAX_BODY - webpush::MAX_PLAINTEXT,
        "the encrypted body is the payload and RFC 8291's fixed overhead"
    );
    let sent = device.shown(&got[0].body);
    assert_eq!(
        (&sent["title"], &sent["body"]),
        (&preview["title"], &preview["body"])
    );
    assert_eq!(
        (&preview["urgency"], header(&got[0], "urgency")),
        (&json!("high"), "high")
    );
    assert_eq!(
        (&preview["fits"], &preview["truncated"]),
        (&json!(true), &json!(false))
    );
    assert_eq!(preview["budget_bytes"], webpush::MAX_PLAINTEXT);

    // The same, through the function the endpoint calls.
    let stored = site
        .store
        .stories_by_ids(&[story])
        .await
        .expect("story")
        .pop()
        .expect("story");
    let (direct, _) = payload::preview_panel(
        Some(&stored),
        PanelInput {
            title: story_draft.notification.title.clone(),
            body: story_draft.notification.body.clone(),
            breaking: true,
            ..PanelInput::default()
        },
        JobKind::Original,
        0,
        &SiteVoice::of(&site.config),
    );
    assert_eq!(direct.payload_bytes, plaintext.len());

    // An over-long body is shown shortened to fit, and named as a problem.
    let (status, long) = admin_post(
        &site,
        Some(&contributor),
        preview_path,
        json!({"story_id": story, "body": "🌧 ".repeat(2_000)}),
    )
    .await;
    assert_eq!(status, 200, "{long}");
    assert_eq!(
        (&long["fits"], &long["truncated"]),
        (&json!(false), &json!(true)),
        "{long}"
    );
    let (payload_bytes, written, budget) = (
        long["payload_bytes"].as_u64().expect("bytes"),
        long["written_bytes"].as_u64().expect("bytes"),
        long["budget_bytes"].as_u64().expect("bytes"),
    );
    assert!(payload_bytes <= budget && written > budget, "{long}");
    assert!(long["body"].as_str().expect("body").ends_with('…'));
    assert_eq!(long["problems"][0]["field"], "notification.body", "{long}");
}

#[tokio::test]
async fn the_push_routes_need_an_account_and_updates_an_editor() {
    let site = TestSite::start().await;
    let story = site
        .publish(&common::story_json("out", "Out now", &["Politics"]))
        .await
        .id;
    let draft_id = site
        .save(
            &common::story_json("not-yet", "Not yet", &["Politics"]),
            false,
            Utc::now(),
        )
        .await
        .id;
    let update = format!("/api/v1/admin/stories/{story}/push");
    let preview = "/api/v1/admin/push/preview";

    for path in [update.as_str(), preview] {
        let (status, body) = admin_post(&site, None, path, json!({})).await;
        assert_eq!(status, 401, "{path}: {body}");
    }
    let contributor = token_for(&site, Role::Contributor).await;
    let (status, body) = admin_post(&site, Some(&contributor), &update, json!({})).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (403, &json!("forbidden")),
        "{body}"
    );
    let (status, body) = admin_post(
        &site,
        Some(&contributor),
        preview,
        json!({"story_id": story}),
    )
    .await;
    assert_eq!(status, 200, "any role may preview: {body}");
    assert_eq!(body["title"], "Out now");
    let (status, body) = admin_post(
        &site,
        Some(&contributor),
        preview,
        json!({"story_id": draft_id}),
    )
    .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (404, &json!("not_found")),
        "another's draft is not a contributor's to read: {body}"
    );

    let editor = token_for(&site, Role::Editor).await;
    let refusals = [
        (
            format!("/api/v1/admin/stories/{draft_id}/push"),
            json!({}),
            409,
            "not_published",
        ),
        (
            "/api/v1/admin/stories/999999/push".to_owned(),
            json!({}),
            404,
            "not_found",
        ),
        (
            update.clone(),
            json!({"title": "t".repeat(201)}),
            400,
            "invalid_notification",
        ),
        (
            update.clone(),
            json!({"colour": "red"}),
            400,
            "invalid_json",
        ),
    ];
    for (path, request, code, error) in refusals {
        let (status, body) = admin_post(&site, Some(&editor), &path, request).await;
        assert_eq!(
            (status, &body["error"]["code"]),
            (code, &json!(error)),
            "{path}: {body}"
        );
    }
    assert_eq!(
        site.store
            .push_stats(story)
            .await
            .expect("stats")
            .jobs
            .len(),
        1,
        "no update was written"
    );
    let (status, body) = admin_post(&site, Some(&editor), &update, json!({})).await;
    assert_eq!(status, 202, "{body}");
    let jobs = site.store.push_stats(story).await.expect("stats").jobs;
    assert_eq!(
        jobs.iter().map(|j| j.kind).collect::<Vec<_>>(),
        [JobKind::Original, JobKind::Update]
    );
    assert_eq!(jobs[1].id, body["job_id"]);
}
