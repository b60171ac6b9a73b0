//! The newsroom's pages over HTTP, and the audience numbers behind its
//! dashboard: who may see which page, what a form without its CSRF token
//! gets, that an edit conflict keeps the editor's text, and that the
//! dashboard shows delivery numbers and charts with their tables.

mod common;

use chrono::{Duration, Utc};
use common::{TestSite, TestStore, story_json};
use herald::store::{NewSubscription, Store};

/// Registers a subscription following the topics with these slugs.
async fn follower(store: &Store, n: u32, slugs: &[&str]) -> i64 {
    let topics = store
        .topic_ids(&slugs.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .await
        .expect("topics");
    let ids: Vec<i64> = topics.iter().map(|(_, id)| *id).collect();
    assert_eq!(ids.len(), slugs.len(), "{topics:?}");
    let subscription = NewSubscription {
        endpoint: format!("https://fcm.googleapis.com/fcm/send/reader-{n}"),
        p256dh: format!("p256dh-{n}"),
        auth: format!("auth-{n}"),
        expiration_time: None,
    };
    store
        .register_subscription(&subscription, &format!("token-{n}"), &ids, None, 0)
        .await
        .expect("registered")
        .id()
}

/// Saves and publishes a story straight into a store.
async fn publish_to(store: &Store, json: &str) {
    let draft = herald::content::input::parse_story_json(json)
        .and_then(|i| i.validate())
        .expect("valid story");
    herald::editorial::import_story(store, &draft, None, true, false, Utc::now())
        .await
        .expect("saved");
}

fn followers_of(counts: &[herald::store::TopicFollowers], slug: &str) -> i64 {
    counts
        .iter()
        .find(|c| c.slug == slug)
        .unwrap_or_else(|| panic!("no topic {slug} in {counts:?}"))
        .followers
}

#[tokio::test]
async fn followers_per_topic_are_counted_and_snapshotted_once_a_day() {
    let test = TestStore::open().await;
    let store = &test.store;
    publish_to(
        store,
        &story_json("vote", "The vote", &["Politics", "Sport"]),
    )
    .await;
    follower(store, 1, &["politics"]).await;
    follower(store, 2, &["politics", "sport"]).await;

    let counts = store.follower_counts().await.expect("counts");
    assert_eq!(followers_of(&counts, "politics"), 2);
    assert_eq!(followers_of(&counts, "sport"), 1);
    assert_eq!(followers_of(&counts, "breaking"), 0);
    assert_eq!(
        counts[0].slug, "politics",
        "most followed first: {counts:?}"
    );

    let today = Utc::now();
    // Every topic once, then nothing more that day, however often asked.
    assert_eq!(store.snapshot_followers(today).await.expect("snapshot"), 3);
    assert_eq!(store.snapshot_followers(today).await.expect("again"), 0);
    follower(store, 3, &["sport"]).await;
    assert_eq!(store.snapshot_followers(today).await.expect("again"), 0);

    // A topic created later that day gets its row.
    publish_to(store, &story_json("match", "The match", &["Football"])).await;
    assert_eq!(store.snapshot_followers(today).await.expect("new topic"), 1);

    // The next day has rows of its own, with the numbers of then.
    let tomorrow = today + Duration::days(1);
    assert_eq!(
        store.snapshot_followers(tomorrow).await.expect("next day"),
        4
    );

    let history = store.follower_history(today).await.expect("history");
    let sport_id = store.topic_ids(&["sport".to_owned()]).await.expect("ids")[0].1;
    let sport: Vec<i64> = history
        .iter()
        .filter(|p| p.topic_id == sport_id)
        .map(|p| p.followers)
        .collect();
    assert_eq!(
        sport,
        vec![1, 2],
        "first snapshot kept, next day's new: {history:?}"
    );
    assert!(
        history
            .windows(2)
            .all(|w| (w[0].topic_id, w[0].day) < (w[1].topic_id, w[1].day)),
        "by topic, then day: {history:?}"
    );
    // Only from the day asked for.
    let later = store.follower_history(tomorrow).await.expect("later");
    assert_eq!(later.len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn snapshots_from_many_nodes_at_once_write_each_row_once() {
    let test = TestStore::open().await;
    publish_to(&test.store, &story_json("vote", "The vote", &["Politics"])).await;
    follower(&test.store, 1, &["politics"]).await;
    let now = Utc::now();
    let tries: Vec<_> = (0..6)
        .map(|_| {
            let store = test.store.clone();
            tokio::spawn(async move { store.snapshot_followers(now).await })
        })
        .collect();
    let mut written = 0;
    for task in tries {
        written += task.await.expect("task").expect("snapshot");
    }
    assert_eq!(written, 2, "breaking and politics, once each");
    assert_eq!(
        test.store
            .follower_history(now)
            .await
            .expect("history")
            .len(),
        2
    );
}

// ---- Pages over HTTP -----------------------------------------------------

use common::accounts::login_as;
use common::editor::{
    create_draft, location, politics_site, set, story_fields, story_id_in, version_of,
};
use common::{select_attr, select_text};
use herald::accounts::Role;

#[tokio::test]
async fn the_newsroom_pages_need_a_login_and_show_each_role_its_controls() {
    let site = politics_site().await;
    for path in [
        "/newsroom",
        "/newsroom/stories",
        "/newsroom/stories/new",
        "/newsroom/stories/1",
    ] {
        let response = site.get(path).await;
        assert_eq!(response.status(), 303, "{path} without a login");
        assert!(location(&response).starts_with("/newsroom/login"), "{path}");
    }

    let writer = login_as(&site, Role::Contributor).await;
    let editor = login_as(&site, Role::Editor).await;
    for user in [&writer, &editor] {
        for path in [
            "/newsroom",
            "/newsroom/stories",
            "/newsroom/stories/new",
            "/newsroom/stories/1",
        ] {
            let (status, html) = user.text(path).await;
            assert_eq!(status, 200, "{path}: {html}");
            assert_eq!(select_text(&html, "h1").len(), 1, "{path} has one h1");
        }
    }

    let (_, page) = writer.text("/newsroom/stories/new").await;
    assert!(
        select_attr(&page, "button[value=publish]", "value").is_empty(),
        "no publish for contributors"
    );
    assert!(
        select_attr(&page, "#push-panel", "id").is_empty(),
        "no push panel for contributors"
    );
    assert!(
        select_attr(&page, "#new_topic", "id").is_empty(),
        "contributors pick topics only"
    );
    assert_eq!(
        select_attr(&page, "#authors", "value"),
        ["contributor"],
        "the writer is the author"
    );

    let (_, page) = editor.text("/newsroom/stories/new").await;
    assert_eq!(
        select_attr(&page, "button[value=publish]", "value"),
        ["publish"]
    );
    assert_eq!(
        select_attr(&page, "#push_send", "checked").len(),
        1,
        "a notification by default"
    );
    assert_eq!(
        select_attr(&page, "#schedule_at", "type"),
        ["datetime-local"]
    );
    let topics = select_attr(&page, "input[name=topics]", "value");
    assert!(topics.contains(&"Politics".to_owned()), "{topics:?}");
    // Every input has a label.
    for id in select_attr(
        &page,
        "#story-form input:not([type=hidden]), #story-form textarea",
        "id",
    ) {
        assert_eq!(
            select_attr(&page, &format!("label[for=\"{id}\"]"), "for").len(),
            1,
            "a label for #{id}"
        );
    }

    // A published story is read only to a contributor.
    let (status, page) = writer.text("/newsroom/stories/1").await;
    assert_eq!(status, 200);
    assert_eq!(
        select_attr(&page, "#story-form fieldset.nr-plain", "disabled").len(),
        1
    );
    assert!(select_attr(&page, "button[value=save]", "value").is_empty());
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    let site = politics_site().await;
    let editor = login_as(&site, Role::Editor).await;
    let mut fields = story_fields("Forged", "Text.");
    fields.push(("action", "save"));
    let response = editor.post_form_raw("/newsroom/stories/new", &fields).await;
    assert_eq!(response.status(), 403);
    fields.push(("csrf", "not-the-token"));
    let response = editor.post_form_raw("/newsroom/stories/new", &fields).await;
    assert_eq!(response.status(), 403);
    for path in [
        "/newsroom/stories/1/unpublish",
        "/newsroom/stories/1/correction",
    ] {
        let response = editor.post_form_raw(path, &[("correction", "x")]).await;
        assert_eq!(response.status(), 403, "{path}");
    }
    let (_, list) = editor.text("/newsroom/stories?q=Forged").await;
    assert!(
        select_text(&list, "table.nr-stories tbody tr").is_empty(),
        "{list}"
    );
    assert!(
        site.store
            .story_by_slug("seed")
            .await
            .expect("store")
            .expect("seed")
            .published_at
            .is_some()
    );
}

#[tokio::test]
async fn contributors_cannot_publish_schedule_unpublish_correct_or_push() {
    let site = politics_site().await;
    let writer = login_as(&site, Role::Contributor).await;
    let id = create_draft(&writer, "My draft", "Draft text.").await;
    let version = version_of(&writer, id).await;

    for action in ["publish", "schedule"] {
        let mut fields = story_fields("My draft", "Draft text.");
        fields.extend([
            ("action", action),
            ("version", version.as_str()),
            ("push_send", "on"),
            ("schedule_at", "2099-01-01T09:00"),
        ]);
        let response = writer
            .post_form(&format!("/newsroom/stories/{id}"), &fields)
            .await;
        assert_eq!(response.status(), 403, "{action}");
    }
    let path = |what: &str| format!("/newsroom/stories/{what}");
    assert_eq!(
        writer.post_form(&path("1/unpublish"), &[]).await.status(),
        403
    );
    assert_eq!(
        writer
            .post_form(&path("1/correction"), &[("correction", "No.")])
            .await
            .status(),
        403
    );
    assert_eq!(
        writer
            .post_form(&path("1/push"), &[("update_title", "No")])
            .await
            .status(),
        403
    );

    let draft = site
        .store
        .story_by_slug("my-draft")
        .await
        .expect("store")
        .expect("draft");
    assert_eq!(draft.published_at, None, "still a draft");
    let seed = site
        .store
        .story_by_slug("seed")
        .await
        .expect("store")
        .expect("seed");
    assert!(seed.published_at.is_some(), "still published");
    // Not even through the editor of someone else's story.
    let editor = login_as(&site, Role::Editor).await;
    let other = create_draft(&editor, "The editor's draft", "Text.").await;
    let mut fields = story_fields("Taken over", "Text.");
    fields.extend([("action", "save"), ("version", "1")]);
    let response = writer
        .post_form(&format!("/newsroom/stories/{other}"), &fields)
        .await;
    assert!(
        matches!(response.status().as_u16(), 403 | 404),
        "{}",
        response.status()
    );
}

#[tokio::test]
async fn an_edit_conflict_is_told_and_keeps_the_text() {
    let site = politics_site().await;
    let editor = login_as(&site, Role::Editor).await;
    let id = create_draft(&editor, "Budget day", "First text.").await;
    let stale = version_of(&editor, id).await;

    // Someone else saves first.
    let mut fields = story_fields("Budget day", "Their text.");
    fields.extend([("action", "save"), ("version", stale.as_str())]);
    let response = editor
        .post_form(&format!("/newsroom/stories/{id}"), &fields)
        .await;
    assert_eq!(response.status(), 303);

    let mine = "My careful rewrite,\nwith <b>markup</b> & all.";
    let mut fields = story_fields("Budget day, revised", mine);
    fields.extend([("action", "save"), ("version", stale.as_str())]);
    let response = editor
        .post_form(&format!("/newsroom/stories/{id}"), &fields)
        .await;
    assert_eq!(response.status(), 409);
    let html = response.text().await.expect("body");
    let conflict = select_text(&html, ".nr-conflict").join(" ");
    assert!(conflict.contains("not saved"), "{conflict}");
    assert!(
        conflict.contains("since you opened it, so your save was not stored"),
        "{conflict}"
    );
    // The text is all there, escaped, and the next save knows the new version.
    assert_eq!(
        select_text(&html, "#body_markdown"),
        [mine.replace('\n', " ")]
    );
    assert_eq!(
        select_attr(&html, "#headline", "value"),
        ["Budget day, revised"]
    );
    assert!(!html.contains("<b>markup"), "escaped");
    // What differs, line by line: theirs removed, mine added.
    let removed = select_text(&html, ".nr-conflict .nr-diff del").join("\n");
    let added = select_text(&html, ".nr-conflict .nr-diff ins").join("\n");
    assert!(removed.contains("Their text."), "{removed}");
    assert!(removed.contains("Headline: Budget day"), "{removed}");
    assert!(added.contains("My careful rewrite,"), "{added}");
    assert!(added.contains("Headline: Budget day, revised"), "{added}");
    let next = select_attr(&html, "#story-form input[name=version]", "value");
    assert_ne!(next, std::slice::from_ref(&stale));
    let stored = site
        .store
        .stories_by_ids(&[id])
        .await
        .expect("store")
        .pop()
        .expect("story");
    assert_eq!(
        stored.body_markdown, "Their text.",
        "nothing of the stale save stored"
    );

    // Saving again, knowingly, replaces theirs.
    let mut fields = story_fields("Budget day, revised", mine);
    fields.extend([("action", "save"), ("version", next[0].as_str())]);
    let response = editor
        .post_form(&format!("/newsroom/stories/{id}"), &fields)
        .await;
    assert_eq!(response.status(), 303);
    let stored = site
        .store
        .stories_by_ids(&[id])
        .await
        .expect("store")
        .pop()
        .expect("story");
    assert_eq!(stored.body_markdown, mine);
}

#[tokio::test]
async fn bad_fields_are_shown_beside_their_inputs_with_everything_kept() {
    let site = politics_site().await;
    let editor = login_as(&site, Role::Editor).await;
    let mut fields = story_fields("", "Kept body.");
    fields.push(("action", "save"));
    set(&mut fields, "image_url", "https://img.example.org/a.jpg");
    set(&mut fields, "cta_text", "Donate");
    let response = editor.post_form("/newsroom/stories/new", &fields).await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("body");
    for input in ["headline", "image_alt", "cta_url"] {
        assert_eq!(
            select_attr(&html, &format!("#{input}"), "aria-invalid"),
            ["true"],
            "{input}"
        );
        let described = select_attr(&html, &format!("#{input}"), "aria-describedby").join(" ");
        assert!(
            described.contains(&format!("{input}-error")),
            "{input}: {described}"
        );
        assert_eq!(
            select_text(&html, &format!("#{input}-error")).len(),
            1,
            "{input}"
        );
    }
    let summary = select_attr(&html, ".nr-error-summary a", "href");
    assert!(summary.contains(&"#headline".to_owned()), "{summary:?}");
    assert_eq!(select_text(&html, "#body_markdown"), ["Kept body."]);
    assert_eq!(select_attr(&html, "#cta_text", "value"), ["Donate"]);

    // An image of the body without alt text is named beside the body.
    let mut fields = story_fields("Pictures", "Text.\n\n<img src=\"/river.jpg\">");
    fields.push(("action", "save"));
    let response = editor.post_form("/newsroom/stories/new", &fields).await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("body");
    assert_eq!(
        select_attr(&html, "#body_markdown", "aria-invalid"),
        ["true"]
    );
    let message = select_text(&html, "#body_markdown-error").join(" ");
    assert!(
        message.contains("the image \"/river.jpg\" has no text"),
        "{message}"
    );
    assert!(
        site.store
            .story_by_slug("pictures")
            .await
            .expect("store")
            .is_none()
    );

    // A schedule that cannot be read is refused before anything is saved.
    let mut fields = story_fields("Later", "Text.");
    fields.extend([
        ("action", "schedule"),
        ("schedule_at", "soon"),
        ("push_send", "on"),
    ]);
    let response = editor.post_form("/newsroom/stories/new", &fields).await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("body");
    assert_eq!(select_text(&html, "#schedule_at-error").len(), 1, "{html}");
    assert!(
        site.store
            .story_by_slug("later")
            .await
            .expect("store")
            .is_none()
    );
}

#[tokio::test]
async fn the_server_side_preview_renders_the_body_as_the_site_does() {
    let site = politics_site().await;
    let writer = login_as(&site, Role::Contributor).await;
    let mut fields = story_fields(
        "Preview me",
        "Hello **world**.\n\nhttps://www.youtube.com/watch?v=GullPoint01\n\n<script>alert(1)</script>",
    );
    fields.push(("action", "preview"));
    let response = writer.post_form("/newsroom/stories/new", &fields).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("body");
    assert_eq!(select_text(&html, "#body-preview strong"), ["world"]);
    assert_eq!(
        select_attr(&html, "#body-preview figure.embed-youtube", "data-embed-id"),
        ["GullPoint01"]
    );
    assert!(!html.contains("<script>alert"), "sanitised");
    assert!(
        site.store
            .story_by_slug("preview-me")
            .await
            .expect("store")
            .is_none(),
        "not saved"
    );
}

#[tokio::test]
async fn an_editor_publishes_schedules_corrects_and_unpublishes_from_the_editor() {
    let site = politics_site().await;
    let editor = login_as(&site, Role::Editor).await;

    // Publish now, with a new topic: first the question, naming whom the
    // notification reaches (two readers follow Politics; nobody follows
    // the new topic yet), and nothing saved.
    follower(&site.store, 1, &["politics"]).await;
    follower(&site.store, 2, &["politics", "science"]).await;
    follower(&site.store, 3, &["science"]).await;
    let mut fields = story_fields("Polls open", "Vote today.");
    fields.extend([("push_send", "on"), ("new_topic", "Elections")]);
    let mut asking = fields.clone();
    asking.push(("action", "publish"));
    let (status, html) =
        common::text_of(editor.post_form("/newsroom/stories/new", &asking).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        select_text(&html, "dialog#confirm-dialog h2"),
        ["Publish and notify 2 readers who follow Politics or Elections?"]
    );
    assert_eq!(
        select_attr(
            &html,
            "dialog#confirm-dialog button[form=story-form]",
            "value"
        ),
        ["publish-confirmed"]
    );
    assert!(
        site.store
            .story_by_slug("polls-open")
            .await
            .expect("store")
            .is_none()
    );
    // The dialog's button sends the form with the count it showed, which
    // the answer reports without counting again.
    let carried = dialog_count(&html);
    assert_eq!(
        carried,
        [
            ("confirmed_audience", "2".into()),
            ("confirmed_held", "0".into())
        ]
    );
    fields.push(("action", "publish-confirmed"));
    fields.extend(carried.iter().map(|(name, value)| (*name, value.as_str())));
    let response = editor.post_form("/newsroom/stories/new", &fields).await;
    assert_eq!(response.status(), 303);
    let to = location(&response);
    assert!(to.ends_with("?done=published&reached=2&held=0"), "{to}");
    let id = story_id_in(&to);
    let (status, page) = editor.text(&to).await;
    assert_eq!(status, 200);
    assert!(
        select_text(&page, ".nr-flash-success")
            .join(" ")
            .contains("Published"),
        "{page}"
    );
    assert_eq!(
        select_attr(&page, "#slug", "readonly").len(),
        1,
        "the slug is fixed now"
    );
    assert_eq!(
        select_attr(&page, "#update-form", "id").len(),
        1,
        "send an update"
    );
    site.settle().await;
    let (status, story) = site.text("/stories/polls-open").await;
    assert_eq!(status, 200);
    assert!(
        select_text(&story, "a").iter().any(|t| t == "Elections"),
        "new topic on the story"
    );

    // Correct it.
    let response = editor
        .post_form(
            &format!("/newsroom/stories/{id}/correction"),
            &[("correction", "An earlier version gave the wrong date.")],
        )
        .await;
    assert_eq!(response.status(), 303);
    // Send an update of its notification: asked first, then sent.
    let update = format!("/newsroom/stories/{id}/push");
    let (status, html) = common::text_of(
        editor
            .post_form(
                &update,
                &[("update_title", "Polls open: queues"), ("update_body", "")],
            )
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        select_text(&html, "dialog#confirm-dialog h2"),
        ["Send an updated notification to 2 readers who follow Politics or Elections?"]
    );
    let response = editor
        .post_form(
            &update,
            &[
                ("update_title", "Polls open: queues"),
                ("update_body", ""),
                ("action", "send-confirmed"),
            ],
        )
        .await;
    assert_eq!(
        response.status(),
        303,
        "{}",
        response.text().await.unwrap_or_default()
    );

    // Unpublish: asked first, naming what is lost; then a draft again.
    let unpublish = format!("/newsroom/stories/{id}/unpublish");
    let asked = editor.post_form(&unpublish, &[]).await;
    assert_eq!(asked.status(), 200);
    let html = asked.text().await.expect("body");
    assert!(
        html.contains("It leaves the site, the feeds and the sitemap"),
        "{html}"
    );
    let response = editor.post_form(&unpublish, &[("confirmed", "1")]).await;
    assert_eq!(response.status(), 303);
    let stored = site
        .store
        .stories_by_ids(&[id])
        .await
        .expect("store")
        .pop()
        .expect("story");
    assert_eq!(stored.published_at, None);

    // Schedule it, entered in a zone two hours east of UTC.
    let version = version_of(&editor, id).await;
    let day = (Utc::now() + Duration::days(30)).format("%Y-%m-%d");
    let local = format!("{day}T09:30");
    let utc = format!("{day}T07:30:00Z");
    let mut fields = story_fields("Polls open", "Vote today.");
    fields.extend([
        ("version", version.as_str()),
        ("push_send", "on"),
        ("schedule_at", local.as_str()),
        ("tz_offset", "120"),
    ]);
    let mut asking = fields.clone();
    asking.push(("action", "schedule"));
    let (status, html) = common::text_of(
        editor
            .post_form(&format!("/newsroom/stories/{id}"), &asking)
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        select_text(&html, "dialog#confirm-dialog h2"),
        ["Schedule with a notification? Right now it would reach 2 readers who follow Politics."]
    );
    fields.push(("action", "schedule-confirmed"));
    let response = editor
        .post_form(&format!("/newsroom/stories/{id}"), &fields)
        .await;
    assert_eq!(
        response.status(),
        303,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let stored = site
        .store
        .stories_by_ids(&[id])
        .await
        .expect("store")
        .pop()
        .expect("story");
    assert_eq!(stored.published_at, Some(utc.parse().expect("time")));
    let (_, page) = editor.text(&format!("/newsroom/stories/{id}")).await;
    assert_eq!(
        select_attr(&page, "#schedule_at", "data-utc"),
        std::slice::from_ref(&utc)
    );
    assert_eq!(select_text(&page, "button[value=schedule]"), ["Reschedule"]);

    // The list finds it by status and headline.
    let (_, list) = editor
        .text("/newsroom/stories?status=scheduled&q=polls")
        .await;
    assert_eq!(
        select_text(&list, "table.nr-stories tbody th > a:first-child"),
        ["Polls open"]
    );
    let (_, list) = editor
        .text("/newsroom/stories?status=published&topic=science")
        .await;
    assert_eq!(
        select_text(&list, "table.nr-stories tbody th > a:first-child"),
        ["Seed"]
    );
}

#[tokio::test]
async fn the_dashboard_shows_delivery_numbers_and_charts_with_their_tables() {
    let site = politics_site().await;
    let reader = follower(&site.store, 1, &["politics"]).await;
    follower(&site.store, 2, &["politics", "science"]).await;
    let seed = site
        .store
        .story_by_slug("seed")
        .await
        .expect("store")
        .expect("seed");
    site.store
        .record_click(seed.id, reader, chrono::Utc::now().timestamp())
        .await
        .expect("click");
    let editor = login_as(&site, Role::Editor).await;
    let (status, html) = editor.text("/newsroom").await;
    assert_eq!(status, 200, "{html}");

    let row = format!("tr[data-story-id=\"{}\"]", seed.id);
    assert_eq!(
        select_text(&html, &format!("{row} th > a:first-child")),
        ["Seed"]
    );
    assert_eq!(
        select_text(&html, &format!("{row} [data-field=clicked]")),
        ["1"]
    );
    assert_eq!(
        select_text(&html, &format!("{row} [data-field=click_through]")),
        ["—"]
    );

    // Followers per topic: a chart that says what it is, and the same numbers in a table.
    let charts = select_attr(&html, "svg[role=img]", "aria-labelledby");
    assert_eq!(charts.len(), 2, "{charts:?}");
    for ids in &charts {
        for id in ids.split(' ') {
            assert_eq!(select_text(&html, &format!("#{id}")).len(), 1, "#{id}");
        }
    }
    assert_eq!(select_text(&html, "svg title").len(), 2);
    let names = select_text(&html, "table.nr-topics tbody th");
    let followers = select_text(&html, "table.nr-topics tbody td:nth-child(2)");
    let rows: Vec<(&str, &str)> = names
        .iter()
        .map(String::as_str)
        .zip(followers.iter().map(String::as_str))
        .collect();
    assert_eq!(
        rows,
        [("Politics", "2"), ("Science", "1"), ("Breaking news", "0")],
        "most followed first"
    );
    // Today's snapshot was taken by the view.
    let history = site
        .store
        .follower_history(chrono::Utc::now())
        .await
        .expect("history");
    assert!(history.iter().any(|p| p.followers == 2), "{history:?}");
    let trend = select_text(&html, "table.nr-trend tbody tr");
    assert_eq!(trend.len(), 30, "a row per day");
}

#[tokio::test]
async fn a_revision_is_shown_as_a_diff_and_restored() {
    let site = politics_site().await;
    let editor = login_as(&site, Role::Editor).await;
    let id = create_draft(&editor, "Harbour plan", "The first line.\nA second line.").await;
    let version = version_of(&editor, id).await;
    let mut fields = story_fields("Harbour plan", "The first line.\nA changed line.");
    fields.extend([("action", "save"), ("version", version.as_str())]);
    let response = editor
        .post_form(&format!("/newsroom/stories/{id}"), &fields)
        .await;
    assert_eq!(response.status(), 303);

    let (status, list) = editor
        .text(&format!("/newsroom/stories/{id}/revisions"))
        .await;
    assert_eq!(status, 200, "{list}");
    let revisions = select_text(&list, "table.nr-revisions tbody th");
    assert_eq!(revisions, ["Revision 2", "Revision 1"], "newest first");

    let (status, diff) = editor
        .text(&format!("/newsroom/stories/{id}/revisions/2"))
        .await;
    assert_eq!(status, 200, "{diff}");
    assert_eq!(
        select_text(&diff, ".nr-diff del"),
        ["−Removed: A second line."]
    );
    assert_eq!(
        select_text(&diff, ".nr-diff ins"),
        ["+Added: A changed line."]
    );

    let response = editor
        .post_form(&format!("/newsroom/stories/{id}/revisions/1/restore"), &[])
        .await;
    assert_eq!(response.status(), 303);
    assert!(location(&response).ends_with("?done=restored"));
    let stored = site
        .store
        .stories_by_ids(&[id])
        .await
        .expect("store")
        .pop()
        .expect("story");
    assert_eq!(stored.body_markdown, "The first line.\nA second line.");
    let (_, list) = editor
        .text(&format!("/newsroom/stories/{id}/revisions"))
        .await;
    assert_eq!(select_text(&list, "table.nr-revisions tbody th").len(), 3);
    // Restoring without the form's token does nothing.
    let response = editor
        .post_form_raw(&format!("/newsroom/stories/{id}/revisions/2/restore"), &[])
        .await;
    assert_eq!(response.status(), 403, "{:?}", response.headers());
}

#[tokio::test]
async fn editors_manage_topics_and_contributors_may_not() {
    let site = politics_site().await;
    let writer = login_as(&site, Role::Contributor).await;
    assert_eq!(writer.get("/newsroom/topics").await.status(), 403);
    let response = writer
        .post_form("/newsroom/topics", &[("name", "Sneaky")])
        .await;
    assert_eq!(response.status(), 403);

    let editor = login_as(&site, Role::Editor).await;
    follower(&site.store, 1, &["politics"]).await;
    let (status, page) = editor.text("/newsroom/topics").await;
    assert_eq!(status, 200, "{page}");
    let names = select_text(&page, "table.nr-topic-list tbody th a");
    assert!(names.contains(&"Politics".to_owned()), "{names:?}");

    let response = editor
        .post_form(
            "/newsroom/topics",
            &[
                ("name", "Climate"),
                ("slug", ""),
                ("description", "Our warming world."),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    // A name that is taken is told beside the input, the text kept.
    let response = editor
        .post_form(
            "/newsroom/topics",
            &[
                ("name", "climate"),
                ("slug", "climate-2"),
                ("description", "Again."),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("body");
    assert_eq!(select_text(&html, "#name-error").len(), 1, "{html}");
    assert_eq!(select_text(&html, "#description"), ["Again."]);

    let response = editor
        .post_form(
            "/newsroom/topics/climate",
            &[("name", "Climate crisis"), ("description", "Renamed.")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let (_, page) = editor.text("/newsroom/topics").await;
    let names = select_text(&page, "table.nr-topic-list tbody th a");
    assert!(names.contains(&"Climate crisis".to_owned()), "{names:?}");
    let (_, topic) = site.text("/topics/climate").await;
    assert!(topic.contains("Climate crisis"), "the address stays");
}

/// Registers a subscription at the test push service `sink`, following `topics`.
async fn sink_device(site: &TestSite, sink: &common::sink::Sink, device: &str, topics: &[&str]) {
    let keys = webpush::UserAgentKeys::generate().expect("keys");
    let mut subscription: serde_json::Value = serde_json::from_str(
        &keys
            .subscription("https://x.example/p")
            .expect("subscription")
            .to_json(),
    )
    .expect("json");
    subscription["endpoint"] = sink.endpoint(device).into();
    let response = site
        .client
        .post(format!("{}/api/v1/push/subscriptions", site.base))
        .json(&serde_json::json!({"subscription": subscription, "topics": topics}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 201);
}

/// Waits until story `id`'s fan-out is over, with `handled` subscribers.
async fn fan_out_over(site: &TestSite, id: i64, handled: i64) {
    let started = std::time::Instant::now();
    loop {
        let stats = site.store.push_stats(id).await.expect("stats");
        let done = stats.pending_jobs == 0
            && stats.retrying == 0
            && stats.shards.iter().all(|s| s.state == "done");
        if done && stats.delivered + stats.gone + stats.failed == handled {
            return;
        }
        assert!(
            started.elapsed().as_secs() < 20,
            "fan-out not over: {stats:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_dashboard_shows_a_publications_deliveries() {
    let sink = common::sink::Sink::start().await;
    let base = sink.base.clone();
    let site = TestSite::start_delivering(move |c| c.push.allowed_hosts = vec![base]).await;
    let seed = site
        .publish(&story_json("seed", "Seed", &["Politics"]))
        .await;
    // The seed's own fan-out (to nobody) is over before anyone subscribes.
    fan_out_over(&site, seed.id, 0).await;
    sink_device(&site, &sink, "reader", &["politics"]).await;
    sink_device(&site, &sink, "gone", &["politics"]).await;
    sink.script("gone", vec![common::sink::Answer::Status(410)]);

    let editor = login_as(&site, Role::Editor).await;
    let mut fields = story_fields("Harbour reopens", "The harbour reopened today.");
    fields.push(("push_send", "on"));
    let mut asking = fields.clone();
    asking.push(("action", "publish"));
    let (_, dialog) =
        common::text_of(editor.post_form("/newsroom/stories/new", &asking).await).await;
    let carried = dialog_count(&dialog);
    fields.push(("action", "publish-confirmed"));
    fields.extend(carried.iter().map(|(name, value)| (*name, value.as_str())));
    let response = editor.post_form("/newsroom/stories/new", &fields).await;
    assert_eq!(response.status(), 303);
    let to = location(&response);
    let id = story_id_in(&to);
    // The success message says how many it went to.
    let (_, page) = editor.text(&to).await;
    assert!(
        select_text(&page, ".nr-flash-success")
            .join(" ")
            .contains("The notification is on its way to 2 readers."),
        "{page}"
    );

    fan_out_over(&site, id, 2).await;
    let (status, html) = editor.text("/newsroom").await;
    assert_eq!(status, 200);
    let row = format!("tr[data-story-id=\"{id}\"]");
    let cell = |field: &str| select_text(&html, &format!("{row} [data-field={field}]"));
    assert_eq!(cell("queued"), ["2"]);
    assert_eq!(cell("sent"), ["2"]);
    assert_eq!(cell("delivered"), ["1"]);
    assert_eq!(cell("gone"), ["1"]);
    assert_eq!(cell("failed"), ["0"]);
    assert_eq!(cell("click_through"), ["0.0%"]);
    assert!(cell("state").is_empty(), "the fan-out is over");
    assert!(
        select_attr(&html, &row, "data-live").is_empty(),
        "not watched any more"
    );
    assert_eq!(sink.received_by("reader").len(), 1);

    // An update reaches the same reader again: the dashboard keeps showing
    // the first notification's numbers, not the two added together.
    let response = editor
        .post_form(
            &format!("/newsroom/stories/{id}/push"),
            &[
                ("update_title", "Harbour reopens: ferries too"),
                ("action", "send-confirmed"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    fan_out_over(&site, id, 3).await;
    assert_eq!(sink.received_by("reader").len(), 2, "the update arrived");
    let (_, html) = editor.text("/newsroom").await;
    let cell = |field: &str| select_text(&html, &format!("{row} [data-field={field}]"));
    assert_eq!(
        (cell("queued"), cell("sent"), cell("delivered")),
        (
            vec!["2".to_owned()],
            vec!["2".to_owned()],
            vec!["1".to_owned()]
        )
    );
}

#[tokio::test]
async fn the_editor_offers_what_fits_the_storys_state() {
    let site = politics_site().await;
    let editor = login_as(&site, Role::Editor).await;
    let draft = site
        .save(
            &story_json("plan", "Plan", &["Politics"]),
            false,
            Utc::now(),
        )
        .await;
    let (_, html) = editor
        .text(&format!("/newsroom/stories/{}", draft.id))
        .await;
    assert!(
        select_attr(&html, "#correction", "id").is_empty(),
        "no correction on a draft"
    );
    assert!(select_text(&html, "button[value=save]").contains(&"Save draft".to_owned()));

    let later = serde_json::json!({
        "slug": "later", "headline": "Later", "body_markdown": "x", "topics": ["Politics"],
        "published_at": (Utc::now() + Duration::hours(3)).to_rfc3339(),
    });
    let scheduled = site.publish(&later.to_string()).await;
    let (_, html) = editor
        .text(&format!("/newsroom/stories/{}", scheduled.id))
        .await;
    assert_eq!(select_text(&html, "button[value=save]"), ["Save changes"]);
    assert!(
        select_attr(&html, "#correction", "id").is_empty(),
        "not on the site yet"
    );

    let (_, html) = editor.text("/newsroom/stories/1").await;
    assert_eq!(
        select_attr(&html, "#correction", "id"),
        ["correction"],
        "published"
    );
}

#[tokio::test]
async fn the_preview_shows_the_typed_story_with_the_sites_template_and_saves_nothing() {
    let site = politics_site().await;
    let editor = login_as(&site, Role::Editor).await;
    let draft = site
        .save(
            &story_json("plan", "Plan", &["Politics"]),
            false,
            Utc::now(),
        )
        .await;
    // Saved: the site's own story page, in a frame.
    let (status, html) = editor
        .text(&format!("/newsroom/stories/{}/preview", draft.id))
        .await;
    assert_eq!(status, 200);
    let frame = select_attr(&html, "iframe", "srcdoc").remove(0);
    let page = scraper::Html::parse_document(&frame);
    let h1 = scraper::Selector::parse("h1").expect("selector");
    assert_eq!(
        page.select(&h1)
            .next()
            .map(|h| h.text().collect::<String>()),
        Some("Plan".to_owned())
    );
    assert!(frame.contains(r#"<meta name="robots" content="noindex">"#));
    assert!(frame.contains("/assets/"), "the site's stylesheet");

    // Typed, not saved: what the form holds, with its notification.
    let mut fields = story_fields("Plan B", "A new plan.");
    fields.extend([("push_send", "on"), ("push_title", "Plan B is on")]);
    let response = editor
        .post_form(&format!("/newsroom/stories/{}/preview", draft.id), &fields)
        .await;
    let (status, html) = common::text_of(response).await;
    assert_eq!(status, 200);
    assert!(select_attr(&html, "iframe", "srcdoc")[0].contains("Plan B"));
    assert_eq!(
        select_text(&html, ".nr-notification-title"),
        ["Plan B is on"]
    );
    let stored = site
        .store
        .story_by_slug("plan")
        .await
        .expect("store")
        .expect("story");
    assert_eq!(stored.headline, "Plan", "nothing saved");

    // A new story with a mistake says what to fix.
    let mut fields = story_fields("", "Body.");
    fields.push(("push_send", "on"));
    let (status, html) = common::text_of(
        editor
            .post_form("/newsroom/stories/new/preview", &fields)
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        select_text(&html, "[role=alert] li")
            .iter()
            .any(|p| p.starts_with("headline")),
        "{html}"
    );

    // Sharing from the editor: the link once, then listed and revocable.
    let (status, html) = common::text_of(
        editor
            .post_form(
                &format!("/newsroom/stories/{}/preview-links", draft.id),
                &[],
            )
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let link = select_attr(&html, "#new-preview-link", "value").remove(0);
    assert!(link.contains("/preview/"), "{link}");
    let (status, _) = site.text(link.trim_start_matches(&site.base)).await;
    assert_eq!(status, 200);
    let (_, html) = editor
        .text(&format!("/newsroom/stories/{}", draft.id))
        .await;
    assert!(
        select_attr(&html, "#new-preview-link", "value").is_empty(),
        "shown once"
    );
    let revoke = select_attr(&html, ".nr-links form", "action").remove(0);
    assert_eq!(editor.post_form(&revoke, &[]).await.status(), 303);
    let (status, _) = site.text(link.trim_start_matches(&site.base)).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_editor_saves_search_and_social_fields_and_shows_their_errors() {
    let site = politics_site().await;
    let editor = login_as(&site, Role::Editor).await;
    let id = create_draft(&editor, "Harbour plan", "Text.").await;
    let (_, html) = editor.text(&format!("/newsroom/stories/{id}")).await;
    assert_eq!(
        select_text(&html, "#seo-panel > summary"),
        ["Search and social: default"]
    );
    assert!(
        select_attr(&html, "#seo-panel", "open").is_empty(),
        "folded when it holds nothing wrong"
    );

    let version = version_of(&editor, id).await;
    let mut fields = story_fields("Harbour plan", "Text.");
    fields.extend([
        ("action", "save"),
        ("version", version.as_str()),
        ("seo_title", "Harbour plan: what changes"),
        ("seo_description", "Seven votes to four."),
        ("seo_image", "https://img.example.org/card.jpg"),
    ]);
    let response = editor
        .post_form(&format!("/newsroom/stories/{id}"), &fields)
        .await;
    assert_eq!(response.status(), 303);
    let stored = site
        .store
        .story_by_slug("harbour-plan")
        .await
        .expect("store")
        .expect("story");
    assert_eq!(
        stored.seo,
        herald::content::Seo {
            title: Some("Harbour plan: what changes".into()),
            description: Some("Seven votes to four.".into()),
            image: Some("https://img.example.org/card.jpg".into()),
        }
    );
    let (_, html) = editor.text(&format!("/newsroom/stories/{id}")).await;
    assert_eq!(
        select_text(&html, "#seo-panel > summary"),
        ["Search and social: custom"]
    );
    assert_eq!(
        select_attr(&html, "#seo_title", "value"),
        ["Harbour plan: what changes"]
    );
    assert_eq!(
        select_text(&html, "#seo_description"),
        ["Seven votes to four."]
    );
    assert_eq!(select_text(&html, "#seo_title-count"), ["26 characters"]);

    // Too long a title: refused beside its input, the panel open, what
    // was typed kept, the stored story unchanged.
    let long = "A title for search engines that goes on and on, far past what any results page shows, \
                until at last it passes the limit that the newsroom sets";
    assert!(long.chars().count() > 120);
    let version = version_of(&editor, id).await;
    let mut fields = story_fields("Harbour plan", "Text.");
    fields.extend([
        ("action", "save"),
        ("version", version.as_str()),
        ("seo_title", long),
        ("seo_image", "javascript:alert(1)"),
    ]);
    let response = editor
        .post_form(&format!("/newsroom/stories/{id}"), &fields)
        .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("body");
    assert_eq!(select_attr(&html, "#seo-panel", "open"), [""]);
    for input in ["seo_title", "seo_image"] {
        assert_eq!(
            select_attr(&html, &format!("#{input}"), "aria-invalid"),
            ["true"],
            "{input}"
        );
        let described = select_attr(&html, &format!("#{input}"), "aria-describedby").join(" ");
        assert!(described.contains(&format!("{input}-error")), "{described}");
    }
    let message = select_text(&html, "#seo_title-error").join(" ");
    assert!(
        message.starts_with("Title for search engines:") && message.contains("at most 120"),
        "{message}"
    );
    assert_eq!(select_attr(&html, "#seo_title", "value"), [long]);
    let summary = select_attr(&html, ".nr-error-summary a", "href");
    assert!(summary.contains(&"#seo_title".to_owned()), "{summary:?}");
    let unchanged = site
        .store
        .story_by_slug("harbour-plan")
        .await
        .expect("store")
        .expect("story");
    assert_eq!(unchanged.seo, stored.seo);
}

/// The count a confirmation dialog in `html` sends back with its button
/// (hidden inputs of the form it submits), as a browser would send it.
fn dialog_count(html: &str) -> Vec<(&'static str, String)> {
    ["confirmed_audience", "confirmed_held"]
        .into_iter()
        .map(|name| {
            let selector = format!("dialog#confirm-dialog input[type=hidden][name={name}]");
            (name, select_attr(html, &selector, "value").concat())
        })
        .collect()
}
