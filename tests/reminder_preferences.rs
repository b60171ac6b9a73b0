//! The reader's reminder settings and missed stories through the real
//! server, and the reminders' storage (holding, caps, opened stories, the
//! digest sweep), on SQLite and, with `TEST_DATABASE_URL`, PostgreSQL.

mod common;

use chrono::Utc;
use common::TestSite;
use herald::reminders::HoldReason;
use herald::store::{HeldStory, OpenedStory, SlotClaim};
use herald::subscriptions::token::token_hash;
use reqwest::Method;
use serde_json::{Value, json};

/// A subscription JSON with real P-256 keys, as a browser would give it.
fn subscription(endpoint: &str) -> Value {
    let keys = webpush::UserAgentKeys::generate().expect("keys");
    let sub = keys.subscription(endpoint).expect("subscription");
    serde_json::from_str(&sub.to_json()).expect("json")
}

async fn call(
    site: &TestSite,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = site.client.request(method, format!("{}{path}", site.base));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("JSON answer")
    };
    (status, value)
}

/// Registers a reader following `topics`: their token and subscription id.
async fn reader(site: &TestSite, name: &str, topics: &[&str]) -> (String, i64) {
    let endpoint = format!("https://fcm.googleapis.com/fcm/send/{name}");
    let (status, answer) = call(
        site,
        Method::POST,
        "/api/v1/push/subscriptions",
        None,
        Some(json!({"subscription": subscription(&endpoint), "topics": topics})),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    let token = answer["token"].as_str().expect("token").to_owned();
    let id = site
        .store
        .subscription_by_token(&token_hash(&token), Utc::now().timestamp())
        .await
        .expect("store")
        .expect("registered")
        .id;
    (token, id)
}

async fn site_with_stories() -> TestSite {
    let site = TestSite::start().await;
    site.publish(&common::story_json(
        "budget",
        "Budget passes",
        &["Politics"],
    ))
    .await;
    site.publish(&common::story_json(
        "talks",
        "Talks resume",
        &["Russia", "Politics"],
    ))
    .await;
    site.publish(&common::story_json(
        "final",
        "Cup final tonight",
        &["Sport"],
    ))
    .await;
    site
}

const PREFS: &str = "/api/v1/push/subscriptions/preferences";
const MISSED: &str = "/api/v1/push/subscriptions/missed";

#[tokio::test]
async fn defaults_come_from_the_site() {
    let site = TestSite::start_with(|config| {
        config.reminders.default_max_per_day = 4;
        config.reminders.default_digest_time = "07:30".parse().expect("time");
    })
    .await;
    let (token, _) = reader(&site, "defaults", &["breaking"]).await;
    let (status, prefs) = call(&site, Method::GET, PREFS, Some(&token), None).await;
    assert_eq!(status, 200);
    assert_eq!(
        prefs,
        json!({"max_per_day": 4, "quiet_hours": null, "time_zone": "UTC", "digest_topics": [],
               "digest_time": "07:30", "breaking_overrides": true})
    );
}

#[tokio::test]
async fn a_put_changes_only_what_it_sends() {
    let site = site_with_stories().await;
    let (token, _) = reader(&site, "subset", &["politics", "russia"]).await;
    let full = json!({"max_per_day": 3, "quiet_hours": {"start": "22:00", "end": "07:00"},
                      "time_zone": "Europe/London", "digest_topics": ["politics"],
                      "digest_time": "08:15", "breaking_overrides": false});
    let (status, answer) = call(&site, Method::PUT, PREFS, Some(&token), Some(full.clone())).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer, full);

    let (status, answer) = call(
        &site,
        Method::PUT,
        PREFS,
        Some(&token),
        Some(json!({"max_per_day": 0})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let mut expected = full.clone();
    expected["max_per_day"] = json!(0);
    assert_eq!(answer, expected);

    // Quiet hours within a day, then off with null.
    let (_, answer) = call(
        &site,
        Method::PUT,
        PREFS,
        Some(&token),
        Some(json!({"quiet_hours": {"start": "13:00", "end": "14:00"}})),
    )
    .await;
    assert_eq!(
        answer["quiet_hours"],
        json!({"start": "13:00", "end": "14:00"})
    );
    let (_, answer) = call(
        &site,
        Method::PUT,
        PREFS,
        Some(&token),
        Some(json!({"quiet_hours": null})),
    )
    .await;
    assert_eq!(answer["quiet_hours"], Value::Null);
    assert_eq!(answer["time_zone"], "Europe/London");

    // Digest topics are replaced as a whole; an empty body changes nothing.
    let (_, answer) = call(
        &site,
        Method::PUT,
        PREFS,
        Some(&token),
        Some(json!({"digest_topics": ["russia", "sport"]})),
    )
    .await;
    assert_eq!(answer["digest_topics"], json!(["russia", "sport"]));
    let (status, same) = call(&site, Method::PUT, PREFS, Some(&token), Some(json!({}))).await;
    assert_eq!(status, 200);
    assert_eq!(same, answer);
    let (_, shown) = call(&site, Method::GET, PREFS, Some(&token), None).await;
    assert_eq!(shown, answer);

    // Changing what one follows does not forget how one takes it.
    let (status, _) = call(
        &site,
        Method::PUT,
        "/api/v1/push/subscriptions/topics",
        Some(&token),
        Some(json!({"topics": ["sport"]})),
    )
    .await;
    assert_eq!(status, 200);
    let (_, shown) = call(&site, Method::GET, PREFS, Some(&token), None).await;
    assert_eq!(shown["digest_topics"], json!(["russia", "sport"]));
}

#[tokio::test]
async fn every_validation_error_names_its_field_and_changes_nothing() {
    let site = site_with_stories().await;
    let (token, _) = reader(&site, "invalid", &["politics"]).await;
    let (_, before) = call(&site, Method::GET, PREFS, Some(&token), None).await;
    let cases = [
        (
            json!({"max_per_day": 51}),
            "invalid_preferences",
            "max_per_day",
        ),
        (
            json!({"max_per_day": -1}),
            "invalid_preferences",
            "max_per_day",
        ),
        (json!({"max_per_day": "six"}), "invalid_json", "max_per_day"),
        (
            json!({"quiet_hours": {"start": "24:00", "end": "07:00"}}),
            "invalid_preferences",
            "quiet_hours.start",
        ),
        (
            json!({"quiet_hours": {"start": "22:00", "end": "7"}}),
            "invalid_preferences",
            "quiet_hours.end",
        ),
        (
            json!({"quiet_hours": {"start": "07:00", "end": "07:00"}}),
            "invalid_preferences",
            "quiet_hours.end",
        ),
        (
            json!({"quiet_hours": {"start": "22:00"}}),
            "invalid_json",
            "quiet_hours",
        ),
        (
            json!({"time_zone": "Europe/Lodnon"}),
            "invalid_preferences",
            "time_zone",
        ),
        (json!({"time_zone": 1}), "invalid_json", "time_zone"),
        (
            json!({"digest_topics": ["politics", "no-such-topic"]}),
            "invalid_preferences",
            "digest_topics[1]",
        ),
        (
            json!({"digest_topics": "politics"}),
            "invalid_json",
            "digest_topics",
        ),
        (
            json!({"digest_time": "8am"}),
            "invalid_preferences",
            "digest_time",
        ),
        (
            json!({"breaking_overrides": "yes"}),
            "invalid_json",
            "breaking_overrides",
        ),
        (json!({"max_per_days": 3}), "invalid_json", "max_per_days"),
        // One good field beside a bad one: nothing is saved.
        (
            json!({"max_per_day": 2, "digest_time": "25:00"}),
            "invalid_preferences",
            "digest_time",
        ),
    ];
    for (body, code, field) in cases {
        let (status, answer) =
            call(&site, Method::PUT, PREFS, Some(&token), Some(body.clone())).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{body}: {answer}");
        let message = answer["error"]["message"].as_str().expect("message");
        assert!(
            message.contains(field),
            "{body}: {message} does not name {field}"
        );
    }
    let (_, after) = call(&site, Method::GET, PREFS, Some(&token), None).await;
    assert_eq!(after, before);
}

#[tokio::test]
async fn the_token_is_required() {
    let site = TestSite::start().await;
    for (method, path) in [
        (Method::GET, PREFS),
        (Method::PUT, PREFS),
        (Method::GET, MISSED),
        (Method::POST, "/api/v1/push/subscriptions/opened"),
    ] {
        let body = (method != Method::GET).then(|| json!({}));
        let (status, answer) = call(&site, method.clone(), path, None, body.clone()).await;
        assert_eq!(status, 401, "{method} {path}");
        assert_eq!(answer["error"]["code"], "token_missing");
        let (status, answer) = call(&site, method.clone(), path, Some("not-a-token"), body).await;
        assert_eq!(status, 401, "{method} {path}");
        assert_eq!(answer["error"]["code"], "token_invalid");
    }
}

#[tokio::test]
async fn missed_stories_are_listed_until_opened() {
    let site = site_with_stories().await;
    let budget = site
        .store
        .story_by_slug("budget")
        .await
        .expect("store")
        .expect("story")
        .id;
    let talks = site
        .store
        .story_by_slug("talks")
        .await
        .expect("store")
        .expect("story")
        .id;
    let final_ = site
        .store
        .story_by_slug("final")
        .await
        .expect("store")
        .expect("story")
        .id;
    let (token, me) = reader(&site, "missed", &["politics"]).await;
    let now = Utc::now().timestamp();
    let held = [
        HeldStory {
            subscription_id: me,
            story_id: budget,
            due_at: now + 3600,
            reason: HoldReason::QuietHours,
        },
        HeldStory {
            subscription_id: me,
            story_id: talks,
            due_at: now + 7200,
            reason: HoldReason::Cap,
        },
        HeldStory {
            subscription_id: me,
            story_id: final_,
            due_at: now + 7200,
            reason: HoldReason::Digest,
        },
    ];
    assert_eq!(
        site.store.hold_reminders(&held, now).await.expect("hold"),
        3
    );
    // Holding again does nothing.
    assert_eq!(
        site.store.hold_reminders(&held, now).await.expect("hold"),
        0
    );

    let (status, missed) = call(&site, Method::GET, MISSED, Some(&token), None).await;
    assert_eq!(status, 200, "{missed}");
    let stories = missed["stories"].as_array().expect("stories");
    assert_eq!(stories.len(), 3);
    let talks_view = stories
        .iter()
        .find(|s| s["headline"] == "Talks resume")
        .expect("talks listed");
    assert_eq!(talks_view["url"], format!("{}/stories/talks", site.base));
    assert_eq!(talks_view["reason"], "cap");
    // Only the topics that brought it to this reader.
    assert_eq!(
        talks_view["topics"],
        json!([{"slug": "politics", "name": "Politics"}])
    );
    assert!(
        talks_view["due_at"]
            .as_str()
            .expect("due_at")
            .ends_with('Z')
    );
    assert_eq!(talks_view["reminded_at"], Value::Null);
    // A story reaching them through no followed topic shows all its topics.
    let final_view = stories
        .iter()
        .find(|s| s["headline"] == "Cup final tonight")
        .expect("final listed");
    assert_eq!(
        final_view["topics"],
        json!([{"slug": "sport", "name": "Sport"}])
    );

    // A visit from this browser, by slug; a notification click, by id.
    let (status, _) = call(
        &site,
        Method::POST,
        "/api/v1/push/subscriptions/opened",
        Some(&token),
        Some(json!({"slug": "budget"})),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(
        &site,
        Method::POST,
        "/api/v1/push/clicks",
        Some(&token),
        Some(json!({"story_id": talks})),
    )
    .await;
    assert_eq!(status, 204);
    let (_, missed) = call(&site, Method::GET, MISSED, Some(&token), None).await;
    let headlines: Vec<&str> = missed["stories"]
        .as_array()
        .expect("stories")
        .iter()
        .map(|s| s["headline"].as_str().expect("headline"))
        .collect();
    assert_eq!(headlines, ["Cup final tonight"]);
    // Opened stories are not held again.
    assert_eq!(
        site.store.hold_reminders(&held, now).await.expect("hold"),
        0
    );

    let (status, answer) = call(
        &site,
        Method::POST,
        "/api/v1/push/subscriptions/opened",
        Some(&token),
        Some(json!({"slug": "no-such-story"})),
    )
    .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (404, Some("unknown_story"))
    );
    let (status, _) = call(
        &site,
        Method::POST,
        "/api/v1/push/subscriptions/opened",
        Some(&token),
        Some(json!({"slug": "budget", "story_id": budget})),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn send_slots_stop_at_the_cap_and_reset_on_a_new_local_day() {
    let site = site_with_stories().await;
    let (_, me) = reader(&site, "slots", &["politics"]).await;
    let (_, other) = reader(&site, "slots-other", &["politics"]).await;
    let claim = |id, day, cap| SlotClaim {
        subscription_id: id,
        local_day: day,
        cap,
    };
    for _ in 0..2 {
        let granted = site
            .store
            .claim_send_slots(&[claim(me, 100, Some(2)), claim(other, 100, Some(1))])
            .await
            .expect("claim");
        assert!(granted.contains(&me));
    }
    // Third on day 100: refused for me; the other reader had one slot.
    let granted = site
        .store
        .claim_send_slots(&[claim(me, 100, Some(2)), claim(other, 100, Some(1))])
        .await
        .expect("claim");
    assert!(granted.is_empty(), "{granted:?}");
    // Breaking news that overrides the cap always gets through, and counts.
    assert_eq!(
        site.store
            .claim_send_slots(&[claim(me, 100, None)])
            .await
            .expect("claim"),
        [me]
    );
    let states = site
        .store
        .reminder_states(&[me], &[])
        .await
        .expect("states");
    assert_eq!((states[0].1.sent_day, states[0].1.sent_count), (100, 3));
    // A new local day starts from one.
    assert_eq!(
        site.store
            .claim_send_slots(&[claim(me, 101, Some(2))])
            .await
            .expect("claim"),
        [me]
    );
    let states = site
        .store
        .reminder_states(&[me], &[])
        .await
        .expect("states");
    assert_eq!((states[0].1.sent_day, states[0].1.sent_count), (101, 1));
}

#[tokio::test]
async fn recipient_state_carries_preferences_and_digest_only() {
    let site = site_with_stories().await;
    let (token, me) = reader(&site, "state", &["politics", "russia"]).await;
    let (status, _) = call(&site, Method::PUT, PREFS, Some(&token),
        Some(json!({"max_per_day": 2, "quiet_hours": {"start": "22:00", "end": "07:00"}, "time_zone": "Asia/Kolkata",
                    "digest_topics": ["politics"], "digest_time": "18:30", "breaking_overrides": false}))).await;
    assert_eq!(status, 200);
    let topic = |slug: &str| {
        let slug = slug.to_owned();
        let store = site.store.clone();
        async move { store.topic_ids(&[slug]).await.expect("topics")[0].1 }
    };
    let (politics, russia) = (topic("politics").await, topic("russia").await);
    // A politics story reaches them only through a digest topic.
    let states = site
        .store
        .reminder_states(&[me], &[politics])
        .await
        .expect("states");
    // Stored as the store keeps them, decoded as the rules read them.
    let state = states[0].1.clone().decode();
    assert!(state.digest_only);
    assert_eq!(state.preferences.max_per_day, Some(2));
    assert_eq!(state.preferences.time_zone.as_deref(), Some("Asia/Kolkata"));
    assert_eq!(
        state
            .preferences
            .digest_time
            .map(|t| t.to_string())
            .as_deref(),
        Some("18:30")
    );
    assert_eq!(
        state
            .preferences
            .quiet_hours
            .map(|q| (q.start.to_string(), q.end.to_string())),
        Some(("22:00".into(), "07:00".into()))
    );
    assert_eq!(state.preferences.breaking_overrides, Some(false));
    // A story also in Russia (taken story by story) is not digest-only.
    let states = site
        .store
        .reminder_states(&[me], &[politics, russia])
        .await
        .expect("states");
    assert!(!states[0].1.digest_only);
}

#[tokio::test]
async fn the_digest_sweep_takes_what_is_due_once() {
    let site = site_with_stories().await;
    let budget = site
        .store
        .story_by_slug("budget")
        .await
        .expect("store")
        .expect("story")
        .id;
    let talks = site
        .store
        .story_by_slug("talks")
        .await
        .expect("store")
        .expect("story")
        .id;
    let (token, me) = reader(&site, "sweep-a", &["politics", "russia"]).await;
    let (_, later) = reader(&site, "sweep-b", &["politics"]).await;
    let now = Utc::now().timestamp();
    site.store
        .hold_reminders(
            &[
                HeldStory {
                    subscription_id: me,
                    story_id: budget,
                    due_at: now - 60,
                    reason: HoldReason::QuietHours,
                },
                HeldStory {
                    subscription_id: me,
                    story_id: talks,
                    due_at: now - 30,
                    reason: HoldReason::Digest,
                },
                HeldStory {
                    subscription_id: later,
                    story_id: budget,
                    due_at: now + 3600,
                    reason: HoldReason::Digest,
                },
            ],
            now,
        )
        .await
        .expect("hold");
    let due = site
        .store
        .claim_due_digests(now, 10, 120)
        .await
        .expect("claim");
    assert_eq!(due.len(), 1, "only the due subscription: {due:?}");
    assert_eq!(due[0].recipient.id, me);
    let mut headlines: Vec<&str> = due[0]
        .reminders
        .iter()
        .map(|r| r.headline.as_str())
        .collect();
    headlines.sort();
    assert_eq!(headlines, ["Budget passes", "Talks resume"]);
    let talks_item = due[0]
        .reminders
        .iter()
        .find(|r| r.story_id == talks)
        .expect("talks");
    let names: Vec<&str> = talks_item.topics.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["Russia", "Politics"]);
    // Leased: not taken again until the lease ends.
    assert!(
        site.store
            .claim_due_digests(now, 10, 120)
            .await
            .expect("claim")
            .is_empty()
    );
    let retaken = site
        .store
        .claim_due_digests(now + 121, 10, 120)
        .await
        .expect("claim");
    assert_eq!(retaken.len(), 1, "a dead sweeper's lease ends");
    site.store
        .finish_digest(me, &[budget, talks], now + 121)
        .await
        .expect("finish");
    assert!(
        site.store
            .claim_due_digests(now + 200, 10, 120)
            .await
            .expect("claim")
            .is_empty()
    );
    // Sent in a digest: still listed as missed, with when it was reminded.
    let (_, missed) = call(&site, Method::GET, MISSED, Some(&token), None).await;
    let stories = missed["stories"].as_array().expect("stories");
    assert_eq!(stories.len(), 2);
    assert!(
        stories
            .iter()
            .all(|s| s["due_at"].is_null() && s["reminded_at"].is_string()),
        "{missed}"
    );
    // Pruning old digested reminders removes them.
    assert_eq!(
        site.store.prune_reminders(now + 1000).await.expect("prune"),
        2
    );
    // Opening a story drops its pending reminder.
    site.store
        .mark_opened(later, OpenedStory::Id(budget), now)
        .await
        .expect("open");
    assert!(
        site.store
            .claim_due_digests(now + 7200, 10, 120)
            .await
            .expect("claim")
            .is_empty()
    );
}

#[tokio::test]
async fn hidden_stories_are_as_unknown_as_missing_ones_to_readers() {
    // A draft and a scheduled story must not be confirmable without a
    // newsroom login: whatever a reader or an anonymous caller asks of
    // them gets the answer an id or slug of no story gets.
    let site = site_with_stories().await;
    site.save(
        &common::story_json("embargoed", "Embargoed", &["Politics"]),
        false,
        Utc::now(),
    )
    .await;
    let later = json!({
        "slug": "scheduled", "headline": "Scheduled", "body_markdown": "x",
        "published_at": (Utc::now() + chrono::Duration::hours(3)).to_rfc3339(),
    });
    site.publish(&later.to_string()).await;
    let id_of = |slug: &'static str| {
        let store = site.store.clone();
        async move {
            store
                .story_by_slug(slug)
                .await
                .expect("store")
                .expect("story")
                .id
        }
    };
    let (draft, scheduled, visible) = (
        id_of("embargoed").await,
        id_of("scheduled").await,
        id_of("budget").await,
    );
    let unknown = (404, json!("unknown_story"));
    let stats = |id: i64| {
        let path = format!("/api/v1/stories/{id}/push-stats");
        let site = &site;
        async move { call(site, Method::GET, &path, None, None).await }
    };
    for id in [draft, scheduled, 999_999] {
        let (status, answer) = stats(id).await;
        assert_eq!(
            (status, answer["error"]["code"].clone()),
            unknown,
            "story {id}"
        );
    }
    assert_eq!(stats(visible).await.0, 200);

    let (token, _) = reader(&site, "hidden", &["politics"]).await;
    let opened = |slug: &'static str| {
        call(
            &site,
            Method::POST,
            "/api/v1/push/subscriptions/opened",
            Some(&token),
            Some(json!({ "slug": slug })),
        )
    };
    for slug in ["embargoed", "scheduled", "no-such-story"] {
        let (status, answer) = opened(slug).await;
        assert_eq!((status, answer["error"]["code"].clone()), unknown, "{slug}");
    }
    assert_eq!(opened("budget").await.0, 204);
}
