//! The editorial service itself (src/editorial), on the configured backend
//! (PostgreSQL when `TEST_DATABASE_URL` is set, SQLite otherwise): who may
//! do what to a story, lost-update detection, slugs, schedules, the outbox
//! (publish writes one fan-out job, unpublish cancels it), revisions, and
//! the newsroom list.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::TestStore;
use herald::accounts::{Principal, Role, Via};
use herald::content::input::{StoryInput, parse_story_json};
use herald::editorial::{
    self, AuthorFilter, DiffBase, DiffTag, EditorialError, NewTopic, PushOptions, RevisionAction,
    StoryFilter, StoryStatus,
};
use herald::store::{NewUser, Store};
use serde_json::json;

/// A newsroom member, with an account in the store.
async fn member(store: &Store, name: &str, role: Role) -> Principal {
    let email = format!("{}@example.org", name.to_lowercase().replace(' ', "."));
    let user_id = store
        .create_user(
            &NewUser {
                email: email.clone(),
                name: name.to_owned(),
                role,
                password_hash: "not a real hash".to_owned(),
            },
            0,
        )
        .await
        .expect("user");
    Principal {
        user_id,
        email,
        name: name.to_owned(),
        role,
        via: Via::Token { token_id: user_id },
    }
}

fn input(value: serde_json::Value) -> StoryInput {
    parse_story_json(&value.to_string()).expect("story JSON")
}

fn story(slug: &str, headline: &str, topics: &[&str]) -> StoryInput {
    input(json!({
        "slug": slug,
        "headline": headline,
        "standfirst": format!("Standfirst of {headline}."),
        "body_markdown": format!("First paragraph of {headline}.\n\nSecond paragraph."),
        "topics": topics,
        "authors": ["Ana Reporter"],
    }))
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

/// The fan-out jobs of a story: (state, breaking, silent), oldest first.
async fn jobs(store: &Store, story_id: i64) -> Vec<(String, bool, bool)> {
    store
        .push_stats(story_id)
        .await
        .expect("stats")
        .jobs
        .into_iter()
        .map(|j| (j.state, j.breaking, j.silent))
        .collect()
}

fn code<T: std::fmt::Debug>(result: Result<T, EditorialError>) -> &'static str {
    result.expect_err("refused").code()
}

/// An editor, a contributor, another contributor, and a topic that exists.
async fn newsroom(store: &Store) -> (Principal, Principal, Principal) {
    let editor = member(store, "Eda Editor", Role::Editor).await;
    let contributor = member(store, "Cole Contributor", Role::Contributor).await;
    let other = member(store, "Otto Other", Role::Contributor).await;
    editorial::create_topic(
        store,
        &editor,
        NewTopic {
            name: "Politics".into(),
            slug: None,
            description: None,
        },
        now(),
    )
    .await
    .expect("topic");
    (editor, contributor, other)
}

#[tokio::test]
async fn a_new_story_is_a_draft_owned_by_its_creator() {
    let test = TestStore::open().await;
    let (_, contributor, _) = newsroom(&test.store).await;
    let saved = editorial::create_story(
        &test.store,
        &contributor,
        story("floods", "Floods hit the valley", &["Politics"]),
        now(),
    )
    .await
    .expect("created");
    assert_eq!(saved.status, StoryStatus::Draft);
    assert_eq!(saved.version, 1);
    assert_eq!(saved.path, "/stories/floods");

    let loaded = editorial::get_story(&test.store, &contributor, saved.id, now())
        .await
        .expect("loaded");
    assert_eq!(loaded.owner_id, Some(contributor.user_id));
    assert_eq!(loaded.owner_name.as_deref(), Some("Cole Contributor"));
    assert_eq!(loaded.revision_count, 1);
    assert_eq!(loaded.story.published_at, None);
    assert!(!loaded.slug_locked);
    assert!(loaded.allowed.edit && !loaded.allowed.publish);
    assert!(
        jobs(&test.store, saved.id).await.is_empty(),
        "no job for a draft"
    );
}

#[tokio::test]
async fn contributors_cannot_publish_schedule_unpublish_push_or_correct() {
    let test = TestStore::open().await;
    let store = &test.store;
    let (editor, contributor, _) = newsroom(store).await;
    let own = editorial::create_story(store, &contributor, story("own", "Own", &[]), now())
        .await
        .expect("created");
    let push = PushOptions {
        title: Some("Read this".into()),
        ..PushOptions::default()
    };
    let later = now() + Duration::hours(2);

    assert_eq!(
        code(editorial::publish_story(store, &contributor, own.id, None, now()).await),
        "forbidden"
    );
    assert_eq!(
        code(editorial::publish_story(store, &contributor, own.id, Some(&push), now()).await),
        "forbidden"
    );
    assert_eq!(
        code(editorial::schedule_story(store, &contributor, own.id, later, None, now()).await),
        "forbidden"
    );
    assert_eq!(
        code(editorial::set_correction(store, &contributor, own.id, "Oops", now()).await),
        "forbidden"
    );
    let loaded = editorial::get_story(store, &editor, own.id, now())
        .await
        .expect("loaded");
    assert_eq!(loaded.status, StoryStatus::Draft, "nothing changed");
    assert_eq!(loaded.version, 1);
    assert!(jobs(store, own.id).await.is_empty());

    editorial::publish_story(store, &editor, own.id, None, now())
        .await
        .expect("an editor publishes");
    assert_eq!(
        code(editorial::unpublish_story(store, &contributor, own.id, now()).await),
        "forbidden"
    );
    assert_eq!(
        editorial::get_story(store, &editor, own.id, now())
            .await
            .expect("loaded")
            .status,
        StoryStatus::Published
    );
}

#[tokio::test]
async fn contributors_edit_only_their_own_drafts() {
    let test = TestStore::open().await;
    let store = &test.store;
    let (editor, contributor, other) = newsroom(store).await;
    let theirs = editorial::create_story(store, &other, story("theirs", "Theirs", &[]), now())
        .await
        .expect("created");
    let own = editorial::create_story(store, &contributor, story("own", "Own", &[]), now())
        .await
        .expect("created");

    // Another contributor's draft is not theirs to see, or to change.
    assert_eq!(
        code(editorial::get_story(store, &contributor, theirs.id, now()).await),
        "not_found"
    );
    assert_eq!(
        code(
            editorial::update_story(
                store,
                &contributor,
                theirs.id,
                story("theirs", "Changed", &[]),
                1,
                now()
            )
            .await
        ),
        "not_found"
    );
    assert_eq!(
        code(editorial::restore_revision(store, &contributor, theirs.id, 1, now()).await),
        "not_found"
    );

    // Their own draft, yes.
    let saved = editorial::update_story(
        store,
        &contributor,
        own.id,
        story("own", "Own, revised", &[]),
        1,
        now(),
    )
    .await
    .expect("own draft edited");
    assert_eq!(saved.version, 2);

    // Once an editor has published it, no more.
    let published = editorial::publish_story(store, &editor, own.id, None, now())
        .await
        .expect("published");
    let refused = editorial::update_story(
        store,
        &contributor,
        own.id,
        story("own", "Sneaky change", &[]),
        published.version,
        now(),
    )
    .await;
    assert_eq!(code(refused), "forbidden");
    // Scheduled stories are not theirs to change either.
    let scheduled =
        editorial::create_story(store, &contributor, story("later", "Later", &[]), now())
            .await
            .expect("created");
    let scheduled = editorial::schedule_story(
        store,
        &editor,
        scheduled.id,
        now() + Duration::days(1),
        None,
        now(),
    )
    .await
    .expect("scheduled");
    assert_eq!(
        code(
            editorial::update_story(
                store,
                &contributor,
                scheduled.id,
                story("later", "Sooner", &[]),
                scheduled.version,
                now()
            )
            .await
        ),
        "forbidden"
    );
    let headline = editorial::get_story(store, &editor, own.id, now())
        .await
        .expect("loaded")
        .story
        .headline;
    assert_eq!(headline, "Own, revised");

    // Editors edit anyone's story, published or not.
    editorial::update_story(
        store,
        &editor,
        theirs.id,
        story("theirs", "Edited by an editor", &[]),
        1,
        now(),
    )
    .await
    .expect("an editor edits any story");
}

#[tokio::test]
async fn contributors_cannot_create_topics() {
    let test = TestStore::open().await;
    let store = &test.store;
    let (editor, contributor, _) = newsroom(store).await;

    let refused = editorial::create_story(
        store,
        &contributor,
        story("new-topic", "A story", &["Politics", "Gardening"]),
        now(),
    )
    .await;
    match refused {
        Err(EditorialError::TopicCreationForbidden { topics }) => assert_eq!(topics, "Gardening"),
        other => panic!("expected topic_creation_forbidden, got {other:?}"),
    }
    assert!(
        store
            .topic_by_slug("gardening", now())
            .await
            .expect("read")
            .is_none(),
        "no topic created"
    );
    assert!(
        store
            .story_by_slug("new-topic")
            .await
            .expect("read")
            .is_none(),
        "no story stored"
    );
    assert_eq!(
        code(
            editorial::create_topic(
                store,
                &contributor,
                NewTopic {
                    name: "Gardening".into(),
                    slug: None,
                    description: None
                },
                now()
            )
            .await
        ),
        "forbidden"
    );
    // A topic that exists, by name in any case, is fine.
    editorial::create_story(
        store,
        &contributor,
        story("known-topic", "A story", &["politics"]),
        now(),
    )
    .await
    .expect("known topic");
    // Editors create topics as they name them.
    editorial::create_story(
        store,
        &editor,
        story("garden", "Gardens", &["Gardening"]),
        now(),
    )
    .await
    .expect("an editor's new topic");
    assert!(
        store
            .topic_by_slug("gardening", now())
            .await
            .expect("read")
            .is_some()
    );
}

#[tokio::test]
async fn the_second_of_two_concurrent_edits_is_told_and_nothing_of_it_is_stored() {
    let test = TestStore::open().await;
    let store = &test.store;
    let (editor, _, _) = newsroom(store).await;
    let other_editor = member(store, "Bea Editor", Role::Editor).await;
    let created = editorial::create_story(store, &editor, story("race", "Race", &[]), now())
        .await
        .expect("created");

    // Both load version 1.
    let first = editorial::get_story(store, &editor, created.id, now())
        .await
        .expect("loaded");
    let second = editorial::get_story(store, &other_editor, created.id, now())
        .await
        .expect("loaded");
    assert_eq!((first.version, second.version), (1, 1));

    editorial::update_story(
        store,
        &editor,
        created.id,
        story("race", "First save wins", &[]),
        first.version,
        now(),
    )
    .await
    .expect("first save");
    let refused = editorial::update_story(
        store,
        &other_editor,
        created.id,
        story("race", "Second save loses", &[]),
        second.version,
        now(),
    )
    .await;
    match refused {
        Err(EditorialError::EditConflict(conflict)) => {
            assert_eq!(conflict.current_version, 2);
            assert_eq!(conflict.saved_by.as_deref(), Some("Eda Editor"));
            assert!(conflict.saved_at.is_some());
            let message = EditorialError::EditConflict(conflict).to_string();
            assert!(message.contains("Eda Editor"), "{message}");
        }
        other => panic!("expected edit_conflict, got {other:?}"),
    }
    let stored = editorial::get_story(store, &editor, created.id, now())
        .await
        .expect("loaded");
    assert_eq!(stored.story.headline, "First save wins");
    assert_eq!(stored.version, 2);
    assert_eq!(stored.revision_count, 2, "no revision for the refused save");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_simultaneous_saves_from_one_version_exactly_one_wins() {
    let test = TestStore::open().await;
    let store = &test.store;
    let (editor, _, _) = newsroom(store).await;
    let created = editorial::create_story(store, &editor, story("race", "Race", &[]), now())
        .await
        .expect("created");
    let saves = (0..6).map(|n| {
        let store = store.clone();
        let editor = editor.clone();
        tokio::spawn(async move {
            editorial::update_story(
                &store,
                &editor,
                created.id,
                story("race", &format!("Save {n}"), &[]),
                1,
                Utc::now(),
            )
            .await
        })
    });
    let mut won = 0;
    for save in saves {
        match save.await.expect("task") {
            Ok(saved) => {
                assert_eq!(saved.version, 2);
                won += 1;
            }
            Err(e) => assert_eq!(e.code(), "edit_conflict", "{e}"),
        }
    }
    assert_eq!(won, 1);
    let stored = editorial::get_story(store, &editor, created.id, now())
        .await
        .expect("loaded");
    assert_eq!((stored.version, stored.revision_count), (2, 2));
}

#[tokio::test]
async fn slugs_are_unique_and_fixed_once_published() {
    let test = TestStore::open().await;
    let store = &test.store;
    let (editor, _, _) = newsroom(store).await;
    let first = editorial::create_story(store, &editor, story("taken", "First", &[]), now())
        .await
        .expect("created");
    assert_eq!(
        code(editorial::create_story(store, &editor, story("taken", "Second", &[]), now()).await),
        "slug_taken"
    );
    let second = editorial::create_story(store, &editor, story("second", "Second", &[]), now())
        .await
        .expect("created");
    assert_eq!(
        code(
            editorial::update_story(
                store,
                &editor,
                second.id,
                story("taken", "Second", &[]),
                second.version,
                now()
            )
            .await
        ),
        "slug_taken"
    );
    // A draft may be renamed freely.
    let renamed = editorial::update_story(
        store,
        &editor,
        second.id,
        story("second-renamed", "Second", &[]),
        second.version,
        now(),
    )
    .await
    .expect("draft renamed");
    assert_eq!(renamed.slug, "second-renamed");
    // Without a slug, an update keeps the story's own (not the headline's).
    let kept = editorial::update_story(
        store,
        &editor,
        second.id,
        input(json!({"headline": "A new headline", "body_markdown": "Body."})),
        renamed.version,
        now(),
    )
    .await
    .expect("saved");
    assert_eq!(kept.slug, "second-renamed");

    // Published: the slug is fixed, unless renamed on purpose.
    let published = editorial::publish_story(store, &editor, first.id, None, now())
        .await
        .expect("published");
    let locked = editorial::update_story(
        store,
        &editor,
        first.id,
        story("taken-renamed", "First", &[]),
        published.version,
        now(),
    )
    .await;
    assert_eq!(code(locked), "slug_locked");
    let mut rename = story("taken-renamed", "First", &[]);
    rename.previous_slug = Some("taken".into());
    let renamed =
        editorial::update_story(store, &editor, first.id, rename, published.version, now())
            .await
            .expect("renamed on purpose");
    assert_eq!(renamed.slug, "taken-renamed");
    assert_eq!(
        store.redirect_for("taken").await.expect("read").as_deref(),
        Some("taken-renamed"),
        "the old URL redirects"
    );
}

#[tokio::test]
async fn absurd_publication_times_are_refused_and_change_nothing() {
    let test = TestStore::open().await;
    let store = &test.store;
    let (editor, _, _) = newsroom(store).await;
    let created = editorial::create_story(store, &editor, story("when", "When", &[]), now())
        .await
        .expect("created");
    let absurd = [
        now() - Duration::minutes(5),
        Utc.with_ymd_and_hms(1999, 12, 31, 23, 0, 0)
            .single()
            .expect("time"),
        now() + Duration::days(5 * 366 + 2),
        Utc.with_ymd_and_hms(9999, 1, 1, 0, 0, 0)
            .single()
            .expect("time"),
    ];
    for at in absurd {
        let refused = editorial::schedule_story(store, &editor, created.id, at, None, now()).await;
        match refused {
            Err(EditorialError::BadSchedule(message)) => {
                assert!(message.contains(&at.format("%Y").to_string()), "{message}")
            }
            other => panic!("{at}: expected bad_schedule, got {other:?}"),
        }
    }
    let loaded = editorial::get_story(store, &editor, created.id, now())
        .await
        .expect("loaded");
    assert_eq!((loaded.status, loaded.version), (StoryStatus::Draft, 1));
    assert!(jobs(store, created.id).await.is_empty());

    // A publication time inside the story JSON is not how to publish.
    let refused = editorial::update_story(
        store,
        &editor,
        created.id,
        input(json!({
            "headline": "",
            "body_markdown": "B",
            "published_at": "2030-01-01T00:00:00Z",
            "notification": {"title": "T"},
        })),
        1,
        now(),
    )
    .await
    .expect_err("refused");
    let fields: Vec<&str> = refused
        .field_errors()
        .iter()
        .map(|f| f.field.as_str())
        .collect();
    assert_eq!(refused.code(), "invalid_story");
    assert_eq!(fields, ["headline", "published_at", "notification"]);
}

#[tokio::test]
async fn publishing_writes_exactly_one_job_and_updates_send_nothing() {
    let test = TestStore::open().await;
    let store = &test.store;
    let (editor, _, _) = newsroom(store).await;
    let created =
        editorial::create_story(store, &editor, story("news", "News", &["Politics"]), now())
            .await
            .expect("created");
    let published = editorial::publish_story(store, &editor, created.id, None, now())
        .await
        .expect("published");
    assert_eq!(published.status, StoryStatus::Published);
    assert_eq!(
        jobs(store, created.id).await,
        [("pending".to_owned(), false, false)]
    );
    assert_eq!(
        code(editorial::publish_story(store, &editor, created.id, None, now()).await),
        "already_published"
    );

    let edited_at = now() + Duration::seconds(5);
    editorial::update_story(
        store,
        &editor,
        created.id,
        story("news", "News, updated", &["Politics"]),
        published.version,
        edited_at,
    )
    .await
    .expect("updated");
    assert_eq!(
        jobs(store, created.id).await.len(),
        1,
        "no second notification"
    );
    let loaded = editorial::get_story(store, &editor, created.id, edited_at)
        .await
        .expect("loaded");
    assert_eq!(
        loaded.story.updated_at.map(|t| t.timestamp()),
        Some(edited_at.timestamp())
    );
    assert!(loaded.slug_locked);
}

#[tokio::test]
async fn push_options_reach_the_fan_out_job() {
    let test = TestStore::open().await;
    let store = &test.store;
    let (editor, _, _) = newsroom(store).await;
    let quiet = editorial::create_story(store, &editor, story("quiet", "Quiet", &[]), now())
        .await
        .expect("created");
    let breaking = editorial::create_story(store, &editor, story("loud", "Loud", &[]), now())
        .await
        .expect("created");
    editorial::publish_story(
        store,
        &editor,
        quiet.id,
        Some(&PushOptions {
            send: Some(false),
            ..PushOptions::default()
        }),
        now(),
    )
    .await
    .expect("published");
    editorial::publish_story(
        store,
        &editor,
        breaking.id,
        Some(&PushOptions {
            breaking: Some(true),
            title: Some("Breaking: loud".into()),
            ..PushOptions::default()
        }),
        now(),
    )
    .await
    .expect("published");
    assert_eq!(
        jobs(store, quiet.id).await,
        [("done".to_owned(), false, true)]
    );
    assert_eq!(
        jobs(store, breaking.id).await,
        [("pending".to_owned(), true, false)]
    );

    let too_long = PushOptions {
        title: Some("x".repeat(500)),
        ..PushOptions::default()
    };
    let other = editorial::create_story(store, &editor, story("other", "Other", &[]), now())
        .await
        .expect("created");
    let refused = editorial::publish_story(store, &editor, other.id, Some(&too_long), now())
        .await
        .expect_err("refused");
    assert_eq!(refused.field_errors()[0].field, "push.title");
    assert!(jobs(store, other.id).await.is_empty());
}

#[tokio::test]
async fn a_scheduled_story_waits_keeps_one_job_and_can_be_published_now() {
    let test = TestStore::open().await;
    let store = &test.store;
    let (editor, _, _) = newsroom(store).await;
    let created = editorial::create_story(store, &editor, story("later", "Later", &[]), now())
        .await
        .expect("created");
    let at = now() + Duration::hours(3);
    let scheduled = editorial::schedule_story(store, &editor, created.id, at, None, now())
        .await
        .expect("scheduled");
    assert_eq!(scheduled.status, StoryStatus::Scheduled);
    let loaded = editorial::get_story(store, &editor, created.id, now())
        .await
        .expect("loaded");
    assert_eq!(
        loaded.story.published_at.map(|t| t.timestamp()),
        Some(at.timestamp())
    );
    assert!(!loaded.slug_locked, "not on the site yet");
    assert!(
        store
            .story_by_slug("later")
            .await
            .expect("read")
            .is_some_and(|s| !s.is_visible(now()))
    );
    assert_eq!(
        jobs(store, created.id).await,
        [("pending".to_owned(), false, false)]
    );

    // Moved later: still one job.
    let moved = editorial::schedule_story(
        store,
        &editor,
        created.id,
        at + Duration::hours(1),
        None,
        now(),
    )
    .await
    .expect("moved");
    assert_eq!(jobs(store, created.id).await.len(), 1);
    // Moved with new push options: the waiting job is replaced.
    let replaced = editorial::schedule_story(
        store,
        &editor,
        created.id,
        at,
        Some(&PushOptions {
            breaking: Some(true),
            ..PushOptions::default()
        }),
        now(),
    )
    .await
    .expect("replaced");
    assert!(replaced.version > moved.version);
    assert_eq!(
        jobs(store, created.id).await,
        [
            ("cancelled".to_owned(), false, false),
            ("pending".to_owned(), true, false)
        ]
    );
    // Published now after all.
    let published = editorial::publish_story(store, &editor, created.id, None, now())
        .await
        .expect("published now");
    assert_eq!(published.status, StoryStatus::Published);
    assert!(
        store
            .story_by_slug("later")
            .await
            .expect("read")
            .is_some_and(|s| s.is_visible(now()))
    );
    assert_eq!(
        jobs(store, created.id)
            .await
            .iter()
            .filter(|j| j.0 == "pending")
            .count(),
        1
    );
    // And a published story is not scheduled again.
    assert_eq!(
        code(editorial::schedule_story(store, &editor, created.id, at, None, now()).await),
        "already_published"
    );
}

#[tokio::test]
async fn unpublishing_cancels_the_waiting_job_and_leaves_the_site() {
    let test = TestStore::open().await;
    let store = &test.store;
    let (editor, _, _) = newsroom(store).await;
    let scheduled = editorial::create_story(store, &editor, story("soon", "Soon", &[]), now())
        .await
        .expect("created");
    editorial::schedule_story(
        store,
        &editor,
        scheduled.id,
        now() + Duration::hours(1),
        None,
        now(),
    )
    .await
    .expect("scheduled");
    let back = editorial::unpublish_story(store, &editor, scheduled.id, now())
        .await
        .expect("unpublished");
    assert_eq!(back.status, StoryStatus::Draft);
    assert_eq!(
        jobs(store, scheduled.id).await,
        [("cancelled".to_owned(), false, false)]
    );
    // Planning later sends nothing for it.
    store
        .plan_due_jobs((now() + Duration::hours(2)).timestamp_millis(), 100)
        .await
        .expect("planned");
    assert_eq!(jobs(store, scheduled.id).await[0].0, "cancelled");
    assert_eq!(
        code(editorial::unpublish_story(store, &editor, scheduled.id, now()).await),
        "not_published"
    );

    let live = editorial::create_story(store, &editor, story("live", "Live", &[]), now())
        .await
        .expect("created");
    editorial::publish_story(store, &editor, live.id, None, now())
        .await
        .expect("published");
    assert_eq!(
        store
            .published_stories(None, now(), 10, 0)
            .await
            .expect("list")
            .total,
        1
    );
    editorial::unpublish_story(store, &editor, live.id, now())
        .await
        .expect("unpublished");
    assert_eq!(jobs(store, live.id).await[0].0, "cancelled");
    assert_eq!(
        store
            .published_stories(None, now(), 10, 0)
            .await
            .expect("list")
            .total,
        0
    );
    assert!(
        store
            .published_since(now() - Duration::days(1), now())
            .await
            .expect("feed")
            .is_empty()
    );
    let loaded = editorial::get_story(store, &editor, live.id, now())
        .await
        .expect("loaded");
    assert_eq!(loaded.status, StoryStatus::Draft);
    assert!(
        loaded.slug_locked,
        "it was on the site: its URL stays its own"
    );
}

#[tokio::test]
async fn revisions_record_every_change_compare_and_restore() {
    let test = TestStore::open().await;
    let store = &test.store;
    let (editor, _, _) = newsroom(store).await;
    let created = editorial::create_story(
        store,
        &editor,
        input(json!({"slug": "rev", "headline": "Original", "body_markdown": "Line one.\n\nLine two."})),
        now(),
    )
    .await
    .expect("created");
    let saved = editorial::update_story(
        store,
        &editor,
        created.id,
        input(json!({"headline": "Changed", "body_markdown": "Line one.\n\nLine 2, rewritten."})),
        created.version,
        now(),
    )
    .await
    .expect("saved");
    let published = editorial::publish_story(store, &editor, created.id, None, now())
        .await
        .expect("published");
    editorial::set_correction(
        store,
        &editor,
        created.id,
        "An earlier version misspelt a name.",
        now(),
    )
    .await
    .expect("corrected");
    assert!(published.version > saved.version);

    let revisions = editorial::list_revisions(store, &editor, created.id, now())
        .await
        .expect("revisions");
    let actions: Vec<(i64, RevisionAction)> =
        revisions.iter().map(|r| (r.number, r.action)).collect();
    assert_eq!(
        actions,
        [
            (4, RevisionAction::Corrected),
            (3, RevisionAction::Published),
            (2, RevisionAction::Saved),
            (1, RevisionAction::Created)
        ]
    );
    assert!(
        revisions
            .iter()
            .all(|r| r.user_name.as_deref() == Some("Eda Editor"))
    );

    let second = editorial::get_revision(store, &editor, created.id, 2, DiffBase::Previous, now())
        .await
        .expect("revision");
    assert_eq!(second.base_number, Some(1));
    let changed = |tag: DiffTag| -> Vec<String> {
        second
            .diff
            .iter()
            .filter(|l| l.tag == tag)
            .map(|l| l.text.clone())
            .collect()
    };
    assert_eq!(
        changed(DiffTag::Delete),
        ["Headline: Original", "Line two."]
    );
    assert_eq!(
        changed(DiffTag::Insert),
        ["Headline: Changed", "Line 2, rewritten."]
    );
    assert!(
        second.unified.contains("-Line two.\n+Line 2, rewritten."),
        "{}",
        second.unified
    );

    let first_vs_now =
        editorial::get_revision(store, &editor, created.id, 1, DiffBase::Current, now())
            .await
            .expect("revision");
    assert!(
        first_vs_now.diff.iter().any(|l| l.tag == DiffTag::Insert
            && l.text == "Correction: An earlier version misspelt a name.")
    );

    let restored = editorial::restore_revision(store, &editor, created.id, 1, now())
        .await
        .expect("restored");
    let loaded = editorial::get_story(store, &editor, created.id, now())
        .await
        .expect("loaded");
    assert_eq!(loaded.version, restored.version);
    assert_eq!(loaded.story.headline, "Original");
    assert_eq!(loaded.story.body_markdown, "Line one.\n\nLine two.");
    assert_eq!(loaded.status, StoryStatus::Published, "still published");
    assert!(loaded.correction.is_some(), "the correction stays");
    assert_eq!(loaded.revision_count, 5);
    let latest = &editorial::list_revisions(store, &editor, created.id, now())
        .await
        .expect("revisions")[0];
    assert_eq!(
        (latest.number, latest.action),
        (5, RevisionAction::Restored)
    );
    assert_eq!(
        jobs(store, created.id).await.len(),
        1,
        "restoring sends nothing"
    );
    assert_eq!(
        code(
            editorial::get_revision(store, &editor, created.id, 99, DiffBase::Previous, now())
                .await
        ),
        "not_found"
    );
}

#[tokio::test]
async fn corrections_are_set_and_cleared() {
    let test = TestStore::open().await;
    let store = &test.store;
    let (editor, _, _) = newsroom(store).await;
    let created = editorial::create_story(store, &editor, story("fix", "Fix", &[]), now())
        .await
        .expect("created");
    editorial::publish_story(store, &editor, created.id, None, now())
        .await
        .expect("published");
    editorial::set_correction(
        store,
        &editor,
        created.id,
        "  The mayor is Ana, not Anna.  ",
        now(),
    )
    .await
    .expect("corrected");
    let correction = store
        .story_correction(created.id)
        .await
        .expect("read")
        .expect("set");
    assert_eq!(correction.text, "The mayor is Ana, not Anna.");
    assert_eq!(
        code(editorial::set_correction(store, &editor, created.id, &"x".repeat(1001), now()).await),
        "invalid_story"
    );
    editorial::set_correction(store, &editor, created.id, "", now())
        .await
        .expect("cleared");
    assert!(
        store
            .story_correction(created.id)
            .await
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn the_preview_renders_like_the_site_and_defuses_hostile_html() {
    let preview = editorial::preview_markdown(
        "# Title\n\nHello <script>alert(1)</script> <img src=x alt=x onerror=alert(1)> \
         [click](javascript:alert(1)) <iframe src=\"https://evil.example\"></iframe>",
    )
    .expect("preview");
    let html = preview.html.to_lowercase();
    assert!(html.contains("<h2>title</h2>"), "{html}");
    for bad in ["<script", "onerror", "javascript:", "<iframe"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    assert_eq!(editorial::preview_markdown("").expect("empty").html, "");
    assert_eq!(
        code(editorial::preview_markdown(&"x".repeat(200_001))),
        "invalid_story"
    );
}

#[tokio::test]
async fn the_list_filters_pages_and_hides_others_drafts_from_contributors() {
    let test = TestStore::open().await;
    let store = &test.store;
    let (editor, contributor, other) = newsroom(store).await;
    let t0 = now();
    let mut ids = Vec::new();
    for (n, (who, slug, headline, topics)) in [
        (
            &contributor,
            "c-draft",
            "Contributor's Draft",
            vec!["Politics"],
        ),
        (&other, "o-draft", "Other's draft", vec![]),
        (&editor, "e-live", "Editor's LIVE story", vec!["Politics"]),
        (&editor, "e-later", "Editor's later story", vec![]),
    ]
    .into_iter()
    .enumerate()
    {
        let saved = editorial::create_story(
            store,
            who,
            story(slug, headline, &topics),
            t0 + Duration::seconds(n as i64),
        )
        .await
        .expect("created");
        ids.push(saved.id);
    }
    editorial::publish_story(store, &editor, ids[2], None, now())
        .await
        .expect("published");
    editorial::schedule_story(
        store,
        &editor,
        ids[3],
        now() + Duration::days(1),
        None,
        now(),
    )
    .await
    .expect("scheduled");

    let slugs = |list: &editorial::StoryList| -> Vec<String> {
        list.stories.iter().map(|s| s.story.slug.clone()).collect()
    };
    let list = |who: Principal, filter: StoryFilter| {
        let store = store.clone();
        async move {
            editorial::list_stories(&store, &who, &filter, now())
                .await
                .expect("list")
        }
    };
    let all = list(editor.clone(), StoryFilter::default()).await;
    assert_eq!(
        slugs(&all),
        ["e-later", "e-live", "o-draft", "c-draft"],
        "newest first"
    );
    assert_eq!(all.total, 4);
    assert_eq!(all.stories[0].status, StoryStatus::Scheduled);

    let by_status = |status| StoryFilter {
        status: Some(status),
        ..StoryFilter::default()
    };
    assert_eq!(
        slugs(&list(editor.clone(), by_status(StoryStatus::Draft)).await),
        ["o-draft", "c-draft"]
    );
    assert_eq!(
        slugs(&list(editor.clone(), by_status(StoryStatus::Scheduled)).await),
        ["e-later"]
    );
    assert_eq!(
        slugs(&list(editor.clone(), by_status(StoryStatus::Published)).await),
        ["e-live"]
    );
    let by_topic = StoryFilter {
        topic: Some("politics".into()),
        ..StoryFilter::default()
    };
    assert_eq!(
        slugs(&list(editor.clone(), by_topic).await),
        ["e-live", "c-draft"]
    );
    let by_owner = StoryFilter {
        author: Some(AuthorFilter::parse(&other.user_id.to_string())),
        ..StoryFilter::default()
    };
    assert_eq!(slugs(&list(editor.clone(), by_owner).await), ["o-draft"]);
    let by_byline = StoryFilter {
        author: Some(AuthorFilter::parse("ana reporter")),
        ..StoryFilter::default()
    };
    assert_eq!(list(editor.clone(), by_byline).await.total, 4);
    let by_headline = StoryFilter {
        q: Some("live".into()),
        ..StoryFilter::default()
    };
    assert_eq!(slugs(&list(editor.clone(), by_headline).await), ["e-live"]);
    let wildcard = StoryFilter {
        q: Some("%".into()),
        ..StoryFilter::default()
    };
    assert_eq!(
        list(editor.clone(), wildcard).await.total,
        0,
        "% is a character, not a wildcard"
    );
    let paged = StoryFilter {
        page: 2,
        per_page: 3,
        ..StoryFilter::default()
    };
    let page_two = list(editor.clone(), paged).await;
    assert_eq!(
        (slugs(&page_two), page_two.pages, page_two.total),
        (vec!["c-draft".to_owned()], 2, 4)
    );

    // A contributor sees their own stories and the site's.
    let theirs = list(contributor.clone(), StoryFilter::default()).await;
    assert_eq!(slugs(&theirs), ["e-live", "c-draft"]);
    assert!(theirs.stories[1].allowed.edit && !theirs.stories[0].allowed.edit);
    assert_eq!(
        code(editorial::get_story(store, &contributor, ids[3], now()).await),
        "not_found",
        "a scheduled story is not public yet"
    );
}

#[tokio::test]
async fn a_story_image_may_be_an_upload_but_not_a_local_file() {
    let test = TestStore::open().await;
    let store = &test.store;
    let (editor, _, _) = newsroom(store).await;
    let with_path = input(json!({
        "headline": "H", "body_markdown": "B",
        "image": {"path": "photo.jpg", "alt": "A photo"},
    }));
    let refused = editorial::create_story(store, &editor, with_path, now())
        .await
        .expect_err("refused");
    assert_eq!(refused.field_errors()[0].field, "image.path");
    let unknown_upload = input(json!({
        "headline": "H", "body_markdown": "B",
        "image": {"url": "/media/nothing-here.jpg", "alt": "A photo"},
    }));
    let refused = editorial::create_story(store, &editor, unknown_upload, now())
        .await
        .expect_err("refused");
    assert_eq!(refused.field_errors()[0].field, "image.url");
    let hosted = input(json!({
        "headline": "H", "body_markdown": "B",
        "image": {"url": "https://images.example.org/a.jpg", "alt": "A photo", "credit": "Ana"},
    }));
    let saved = editorial::create_story(store, &editor, hosted, now())
        .await
        .expect("hosted image");
    let loaded = editorial::get_story(store, &editor, saved.id, now())
        .await
        .expect("loaded");
    assert_eq!(
        loaded.story.image.map(|i| i.src),
        Some("https://images.example.org/a.jpg".to_owned())
    );

    // An uploaded image, stored as the command line stores one.
    let upload = herald::store::MediaUpload {
        bytes: b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec(),
        content_type: "image/svg+xml",
        extension: "svg",
    };
    let media_path = format!("/media/{}", upload.name());
    let with_file = parse_story_json(
        &json!({"headline": "Carrier", "body_markdown": "B", "image": {"path": "x.svg", "alt": "A drawing"}})
            .to_string(),
    )
    .and_then(|i| i.validate())
    .expect("valid");
    herald::editorial::import_story(store, &with_file, Some(&upload), false, false, now())
        .await
        .expect("stored");
    let uploaded = input(json!({
        "headline": "Uploaded", "body_markdown": "B",
        "image": {"url": media_path, "alt": "A drawing"},
    }));
    let saved = editorial::create_story(store, &editor, uploaded, now())
        .await
        .expect("uploaded image");
    let loaded = editorial::get_story(store, &editor, saved.id, now())
        .await
        .expect("loaded");
    assert_eq!(loaded.story.image.map(|i| i.src), Some(media_path));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_simultaneous_creations_with_one_slug_exactly_one_wins() {
    let test = TestStore::open().await;
    let store = &test.store;
    let (editor, _, _) = newsroom(store).await;
    let creations = (0..6).map(|n| {
        let store = store.clone();
        let editor = editor.clone();
        tokio::spawn(async move {
            editorial::create_story(
                &store,
                &editor,
                story("same-slug", &format!("Take {n}"), &["Politics"]),
                Utc::now(),
            )
            .await
        })
    });
    let mut won = 0;
    for creation in creations {
        match creation.await.expect("task") {
            Ok(_) => won += 1,
            Err(e) => assert_eq!(e.code(), "slug_taken", "{e}"),
        }
    }
    assert_eq!(won, 1);
}
