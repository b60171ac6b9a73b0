//! `site.time_zone`: the reader's site and the newsroom show every time in
//! the configured zone with its abbreviation as it is at that instant (BST
//! in summer, GMT in winter for Europe/London), in one style, while
//! `<time datetime>` keeps the exact instant. Through the real server, on
//! SQLite or (TEST_DATABASE_URL) PostgreSQL.

mod common;

use chrono::{DateTime, Utc};
use common::accounts::login_as;
use common::{TestSite, select_attr, select_text};
use herald::accounts::Role;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("an instant")
}

#[tokio::test]
async fn the_site_and_the_newsroom_show_times_in_the_configured_zone() {
    let site = TestSite::start_with(|c| {
        c.site.time_zone = "Europe/London".parse().expect("zone");
    })
    .await;
    let summer = site
        .save(
            &common::story_json("summer", "Summer", &["Politics"]),
            true,
            at("2025-07-04T20:13:00Z"),
        )
        .await;
    site.save(
        &common::story_json("winter", "Winter", &["Politics"]),
        true,
        at("2025-12-04T20:13:00Z"),
    )
    .await;

    // The story page: local time, summer abbreviation, exact instant.
    let (status, html) = site.text("/stories/summer").await;
    assert_eq!(status, 200);
    assert!(html.contains("4 July 2025, 21:13 BST"), "{html}");
    let instants = select_attr(&html, "time", "datetime");
    assert!(
        instants
            .iter()
            .any(|t| t.parse::<DateTime<Utc>>().ok() == Some(at("2025-07-04T20:13:00Z"))),
        "{instants:?}"
    );
    // Lists: each card in its own season's abbreviation.
    let (_, home) = site.text("/").await;
    assert!(home.contains("4 July 2025, 21:13 BST"), "{home}");
    assert!(home.contains("4 December 2025, 20:13 GMT"), "{home}");
    let (_, topic) = site.text("/topics/politics").await;
    assert!(topic.contains("4 December 2025, 20:13 GMT"), "{topic}");
    // Feeds keep their standards' formats.
    let (_, rss) = site.text("/feed.xml").await;
    assert!(rss.contains("Jul 2025 20:13:00 +0000"), "{rss}");

    // The newsroom: the editor shows the full date; the stories list, which
    // is scanned, a relative time with the full date as its title.
    let editor = login_as(&site, Role::Editor).await;
    let (_, page) = editor
        .text(&format!("/newsroom/stories/{}", summer.id))
        .await;
    assert!(page.contains("4 July 2025, 21:13 BST"), "{page}");
    let (_, list) = editor.text("/newsroom/stories").await;
    let titles = select_attr(&list, "table.nr-stories time", "title");
    assert!(
        titles.contains(&"4 July 2025, 21:13 BST".to_owned()),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"4 December 2025, 20:13 GMT".to_owned()),
        "{titles:?}"
    );
    // A year ago is not "yesterday": the full date is the text too.
    assert!(
        select_text(&list, "table.nr-stories time").contains(&"4 July 2025, 21:13 BST".to_owned())
    );
    for instant in select_attr(&list, "table.nr-stories time", "datetime") {
        assert!(instant.ends_with('Z'), "{instant}");
    }
}
