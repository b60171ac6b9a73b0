//! The story editor over HTTP, for tests: the editor's form fields, a
//! draft made through it, the version it holds, and where a save led.

use super::accounts::LoggedIn;
use super::{TestSite, select_attr, story_json};

/// The story id in an editor URL (`/newsroom/stories/7?done=…`).
pub fn story_id_in(location: &str) -> i64 {
    location
        .trim_start_matches("/newsroom/stories/")
        .split(['?', '/'])
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no story id in {location}"))
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .unwrap_or_else(|| panic!("no Location in a {} answer", response.status()))
        .to_str()
        .expect("ascii")
        .to_owned()
}

/// The editor's fields for a story, to post with an action.
pub fn story_fields<'a>(headline: &'a str, body: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("headline", headline),
        ("slug", ""),
        ("standfirst", "The standfirst."),
        ("body_markdown", body),
        ("image_url", ""),
        ("image_alt", ""),
        ("image_credit", ""),
        ("topics", "Politics"),
        ("cta_text", ""),
        ("cta_url", ""),
        ("authors", "Ana Reporter"),
    ]
}

/// Sets field `name` to `value`, replacing what `story_fields` put there.
pub fn set<'a>(fields: &mut Vec<(&'a str, &'a str)>, name: &'a str, value: &'a str) {
    fields.retain(|(k, _)| *k != name);
    fields.push((name, value));
}

/// Creates a draft through the editor; returns its id.
pub async fn create_draft(user: &LoggedIn, headline: &str, body: &str) -> i64 {
    let mut fields = story_fields(headline, body);
    fields.push(("action", "save"));
    let response = user.post_form("/newsroom/stories/new", &fields).await;
    assert_eq!(
        response.status(),
        303,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let to = location(&response);
    assert!(to.ends_with("?done=created"), "{to}");
    story_id_in(&to)
}

/// The editor page's hidden version.
pub async fn version_of(user: &LoggedIn, id: i64) -> String {
    let (status, html) = user.text(&format!("/newsroom/stories/{id}")).await;
    assert_eq!(status, 200, "{html}");
    select_attr(&html, "#story-form input[name=version]", "value")
        .pop()
        .expect("a version field")
}

pub async fn politics_site() -> TestSite {
    let site = TestSite::start().await;
    site.publish(&story_json("seed", "Seed", &["Politics", "Science"]))
        .await;
    site
}
