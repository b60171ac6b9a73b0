//! A story's stats page, `/newsroom/stories/{id}/stats`: real deliveries
//! through the server's workers to the recording push service of
//! common::sink (some delivered, one gone, one refused, one asked to wait),
//! then the page: the original and the update apart with their own
//! numbers, the push service's host (never an endpoint), deliveries over
//! time as a chart with its table, and the "keep current" switch while a
//! job runs. On SQLite or (TEST_DATABASE_URL) PostgreSQL.

mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use common::accounts::{LoggedIn, login_as};
use common::devices::{Device, delivering_site, register, stats, wait_done};
use common::sink::{Answer, Sink};
use common::{TestSite, select_attr, select_text};
use herald::accounts::Role;
use herald::content::input::parse_story_json;
use herald::store::UpdateSettings;
use serde_json::json;

const LIMIT: Duration = Duration::from_secs(20);

async fn click(site: &TestSite, device: &Device, story_id: i64) {
    let response = site
        .client
        .post(format!("{}/api/v1/push/clicks", site.base))
        .bearer_auth(&device.token)
        .json(&json!({"story_id": story_id}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 204);
}

/// The cells of the job table's row `n` (0: the original), by field.
fn job_cells(html: &str, n: usize) -> Vec<(String, String)> {
    let fields = [
        "queued",
        "sent",
        "delivered",
        "gone",
        "failed",
        "retrying",
        "held",
        "clicked",
        "click_through",
    ];
    fields
        .iter()
        .map(|f| {
            let cells = select_text(html, &format!("tr.nr-stats-job [data-field={f}]"));
            (f.to_string(), cells.get(n).cloned().unwrap_or_default())
        })
        .collect()
}

fn expect(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn page(editor: &LoggedIn, id: i64) -> String {
    let (status, html) = editor.text(&format!("/newsroom/stories/{id}/stats")).await;
    assert_eq!(status, 200, "{html}");
    html
}

#[tokio::test]
async fn the_original_and_its_update_are_counted_apart_per_job_and_per_push_service() {
    let sink = Sink::start().await;
    let site = delivering_site(&sink).await;
    let mut devices = Vec::new();
    for name in ["a", "b", "c", "gone", "bad"] {
        devices.push(register(&site, &sink, name, &["politics"]).await);
    }
    sink.script("gone", vec![Answer::Status(410)]);
    sink.script("bad", vec![Answer::Status(400)]);

    let story = site
        .publish(&common::story_json("vote", "The vote", &["Politics"]))
        .await;
    wait_done(&site, story.id, LIMIT).await;
    // "Send an update", breaking: to every subscription left (gone went).
    let update = UpdateSettings {
        breaking: true,
        ..UpdateSettings::default()
    };
    site.store
        .enqueue_update(story.id, &update, Utc::now().timestamp())
        .await
        .expect("update");
    let done = wait_done(&site, story.id, LIMIT).await;
    assert_eq!(done["jobs"].as_array().expect("jobs").len(), 2, "{done}");
    // Two readers open the notification they have now: the update's.
    click(&site, &devices[0], story.id).await;
    click(&site, &devices[1], story.id).await;

    let editor = login_as(&site, Role::Editor).await;
    let html = page(&editor, story.id).await;

    // Each notification apart, the original first, each with its own numbers.
    let names = select_text(&html, "tr.nr-stats-job th");
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names[0].starts_with("Original notification"), "{names:?}");
    assert!(!names[0].contains("Breaking"), "{names:?}");
    assert!(names[1].starts_with("Update 1 Breaking"), "{names:?}");
    for name in &names {
        assert!(name.contains("sent ") && name.contains("UTC"), "{name}");
        assert!(name.contains("Finished"), "{name}");
    }
    assert_eq!(
        job_cells(&html, 0),
        expect(&[
            ("queued", "5"),
            ("sent", "5"),
            ("delivered", "3"),
            ("gone", "1"),
            ("failed", "1"),
            ("retrying", "0"),
            ("held", "0"),
            ("clicked", "0"),
            ("click_through", "0.0%"),
        ])
    );
    assert_eq!(
        job_cells(&html, 1),
        expect(&[
            ("queued", "4"),
            ("sent", "4"),
            ("delivered", "4"),
            ("gone", "0"),
            ("failed", "0"),
            ("retrying", "0"),
            ("held", "0"),
            ("clicked", "2"),
            ("click_through", "50.0%"),
        ])
    );

    // Per push service: the host, over both notifications.
    let hosts = select_text(&html, "table.nr-stats-hosts tbody tr");
    assert_eq!(hosts.len(), 1, "{hosts:?}");
    assert_eq!(
        select_text(&html, "table.nr-stats-hosts tbody tr > *"),
        ["127.0.0.1", "7", "1", "1"]
    );
    assert_eq!(
        select_text(&html, "table.nr-stats-hosts caption").len(),
        1,
        "the table says what it is"
    );
    // No endpoint anywhere: an endpoint is a capability.
    for device in ["a", "b", "c", "gone", "bad"] {
        assert!(
            !html.contains(&sink.endpoint(device)),
            "{device}'s endpoint shown"
        );
        assert!(
            !html.contains(&format!("/push/{device}")),
            "{device}'s path shown"
        );
    }
    assert!(
        !html.contains(&sink.base),
        "the push service's address shown"
    );

    // Deliveries over time: a chart that says what it is, and the same
    // numbers in a table behind a disclosure.
    let labelled = select_attr(&html, "svg[role=img]", "aria-labelledby");
    assert_eq!(labelled, ["timeline-chart-title timeline-chart-desc"]);
    assert_eq!(
        select_text(&html, "#timeline-chart-title"),
        ["Notifications delivered per minute"]
    );
    assert_eq!(select_text(&html, "#timeline-chart-desc").len(), 1);
    assert_eq!(
        select_text(&html, "details#timeline-numbers > summary"),
        ["The chart's numbers, per minute"]
    );
    assert_eq!(
        select_text(&html, "details#timeline-numbers thead th"),
        ["From", "Original", "Update 1"]
    );
    assert_eq!(
        select_text(&html, "details#timeline-numbers caption").len(),
        1
    );
    let column = |n: usize| -> i64 {
        select_text(
            &html,
            &format!("details#timeline-numbers tbody td:nth-of-type({n})"),
        )
        .iter()
        .filter_map(|v| v.parse::<i64>().ok())
        .sum()
    };
    assert_eq!((column(1), column(2)), (3, 4));
    assert_eq!(select_text(&html, "path[stroke]").len(), 2);

    // Every job is done: nothing to keep current.
    assert!(
        !html.contains("data-running"),
        "finished jobs still watched"
    );
    assert!(select_attr(&html, "a[data-refresh]", "href").is_empty());

    // The numbers alone, for the script that keeps them current.
    let (status, body) = editor
        .text(&format!("/newsroom/stories/{}/stats?part=body", story.id))
        .await;
    assert_eq!(status, 200);
    assert!(
        body.trim_start().starts_with("<div id=\"story-stats\""),
        "{body}"
    );
    assert!(!body.contains("<html"), "the part is not a page");
    assert_eq!(job_cells(&body, 1)[7], ("clicked".into(), "2".into()));

    // The dashboard keeps the original's numbers, and links here.
    let (_, dashboard) = editor.text("/newsroom").await;
    let row = format!("tr[data-story-id=\"{}\"]", story.id);
    assert_eq!(
        select_text(&dashboard, &format!("{row} [data-field=delivered]")),
        ["3"]
    );
    let stats_href = format!("/newsroom/stories/{}/stats", story.id);
    assert!(
        select_attr(&dashboard, &format!("{row} a"), "href").contains(&stats_href),
        "the dashboard links to the stats"
    );
    let (_, list) = editor.text("/newsroom/stories").await;
    assert!(select_attr(&list, "a", "href").contains(&stats_href));
    let (_, editor_page) = editor
        .text(&format!("/newsroom/stories/{}", story.id))
        .await;
    assert!(select_attr(&editor_page, "a", "href").contains(&stats_href));
}

#[tokio::test]
async fn a_running_job_is_watched_and_a_silent_one_has_no_click_through() {
    let sink = Sink::start().await;
    let site = delivering_site(&sink).await;
    register(&site, &sink, "soon", &["sport"]).await;
    register(&site, &sink, "later", &["sport"]).await;
    // The push service asks for 30 s: the job waits for its retry.
    sink.script("later", vec![Answer::RetryAfter(503, "30")]);
    let story = site
        .publish(&common::story_json("match", "The match", &["Sport"]))
        .await;
    let started = Instant::now();
    loop {
        let s = stats(&site, story.id).await;
        if s["retrying"] == 1 && s["delivered"] == 1 {
            break;
        }
        assert!(started.elapsed() < LIMIT, "no retry waiting: {s}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let editor = login_as(&site, Role::Editor).await;
    let html = page(&editor, story.id).await;
    assert_eq!(select_attr(&html, "#story-stats", "data-running"), ["true"]);
    assert_eq!(
        select_attr(&html, "#story-stats a[data-refresh]", "href"),
        [format!("/newsroom/stories/{}/stats", story.id)]
    );
    assert_eq!(select_text(&html, "[data-field=state]"), ["Sending…"]);
    assert_eq!(
        job_cells(&html, 0)[..6],
        expect(&[
            ("queued", "2"),
            ("sent", "2"),
            ("delivered", "1"),
            ("gone", "0"),
            ("failed", "0"),
            ("retrying", "1"),
        ])[..]
    );

    // Published without a notification: nothing delivered, no ratio.
    let mut quiet = parse_story_json(&common::story_json("quiet", "Quiet", &["Sport"]))
        .and_then(|i| i.validate())
        .expect("valid");
    quiet.notification.send = false;
    let quiet = herald::editorial::import_story(&site.store, &quiet, None, true, false, Utc::now())
        .await
        .expect("saved");
    let html = page(&editor, quiet.id).await;
    assert_eq!(
        select_text(&html, "[data-field=state]"),
        ["Not sent: published without a notification"]
    );
    assert_eq!(job_cells(&html, 0)[8], ("click_through".into(), "—".into()));
    assert_eq!(
        select_text(&html, "#timeline-heading + p"),
        ["Nothing delivered yet."]
    );
}

#[tokio::test]
async fn the_page_is_for_the_newsroom_and_a_bad_id_is_not_found() {
    let site = TestSite::start().await;
    let story = site
        .publish(&common::story_json("open", "Open", &["Politics"]))
        .await;
    let path = format!("/newsroom/stories/{}/stats", story.id);
    // Without a login: to the login page.
    let response = site.get(&path).await;
    assert_eq!(response.status(), 303);
    let contributor = login_as(&site, Role::Contributor).await;
    let (status, _) = contributor.text(&path).await;
    assert_eq!(
        status, 200,
        "a contributor may read a published story's stats"
    );
    for bad in ["999999", "abc", "-1"] {
        let (status, html) = contributor
            .text(&format!("/newsroom/stories/{bad}/stats"))
            .await;
        assert_eq!(status, 404, "{bad}");
        assert!(html.contains("Not found"), "{html}");
    }
}
