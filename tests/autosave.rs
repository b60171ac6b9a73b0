//! The editor between saves, over HTTP on both backends: autosave keeps
//! what was typed without touching the story (a published story's page
//! stays as it was), gives it back on return until it is saved or
//! discarded, makes a new story a draft, says who else is editing and
//! that someone saved meanwhile; a stale save shows what differs.

mod common;

use common::accounts::{LoggedIn, login_as};
use common::editor::{create_draft, location, politics_site, story_fields, version_of};
use common::{select_attr, select_text};
use herald::accounts::Role;
use serde_json::Value;

/// Autosaves `fields` (the editor's form) over `version`.
async fn autosave(
    user: &LoggedIn,
    id: i64,
    version: &str,
    fields: &[(&str, &str)],
) -> (u16, Value) {
    let mut all = fields.to_vec();
    all.extend([("autosave", "changes"), ("version", version)]);
    answer(
        user.post_form(&format!("/newsroom/stories/{id}/autosave"), &all)
            .await,
    )
    .await
}

/// A check-in (`check-in`) or a goodbye (`leaving`).
async fn check_in(user: &LoggedIn, id: i64, kind: &str) -> Value {
    let response = user
        .post_form(
            &format!("/newsroom/stories/{id}/autosave"),
            &[("autosave", kind)],
        )
        .await;
    let (status, body) = answer(response).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, json)
}

async fn stored_body(site: &common::TestSite, id: i64) -> String {
    site.store
        .stories_by_ids(&[id])
        .await
        .expect("store")
        .pop()
        .expect("story")
        .body_markdown
}

#[tokio::test]
async fn autosave_keeps_changes_off_the_site_until_they_are_saved() {
    let site = politics_site().await;
    let editor = login_as(&site, Role::Editor).await;
    let id = create_draft(&editor, "Budget day", "As published.").await;
    let version = version_of(&editor, id).await;
    let mut fields = story_fields("Budget day", "As published.");
    fields.extend([("action", "publish"), ("version", version.as_str())]);
    let response = editor
        .post_form(&format!("/newsroom/stories/{id}"), &fields)
        .await;
    assert_eq!(response.status(), 303, "published without a notification");
    let version = version_of(&editor, id).await;

    let typed = "A rewrite in progress,\nnot for readers yet.";
    let (status, kept) = autosave(&editor, id, &version, &story_fields("Budget day", typed)).await;
    assert_eq!(status, 200, "{kept}");
    assert!(
        kept["status"]
            .as_str()
            .expect("status")
            .contains("not yet saved"),
        "{kept}"
    );
    assert_eq!(kept["newer"], false);

    // Readers and the story itself see nothing of it.
    assert_eq!(stored_body(&site, id).await, "As published.");
    let (status, page) = site.text("/stories/budget-day").await;
    assert_eq!(status, 200);
    assert!(page.contains("As published.") && !page.contains("rewrite in progress"));

    // Back in the editor, the typing is there, with a way to drop it.
    let (status, html) = editor.text(&format!("/newsroom/stories/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        select_text(&html, "#body_markdown"),
        [typed.replace('\n', " ")]
    );
    assert!(html.contains("unsaved changes"), "the restore is said");
    assert_eq!(
        select_attr(&html, "form.nr-discard", "action"),
        [format!("/newsroom/stories/{id}/autosave/discard")]
    );
    assert_eq!(
        select_attr(&html, "#story-form input[name=version]", "value"),
        std::slice::from_ref(&version),
        "saved over the version it was typed on"
    );

    // Saving makes it the story, and there is nothing left to restore.
    let mut fields = story_fields("Budget day", typed);
    fields.extend([("action", "save"), ("version", version.as_str())]);
    let response = editor
        .post_form(&format!("/newsroom/stories/{id}"), &fields)
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(stored_body(&site, id).await, typed);
    let (_, html) = editor.text(&format!("/newsroom/stories/{id}")).await;
    assert!(!html.contains("unsaved changes"), "cleared by the save");
    assert!(select_attr(&html, "form.nr-discard", "action").is_empty());
}

#[tokio::test]
async fn kept_changes_can_be_discarded_and_are_each_editors_own() {
    let site = politics_site().await;
    let editor = login_as(&site, Role::Editor).await;
    let colleague = login_as(&site, Role::Admin).await;
    let id = create_draft(&editor, "Budget day", "Saved text.").await;
    let version = version_of(&editor, id).await;
    let (status, _) = autosave(
        &editor,
        id,
        &version,
        &story_fields("Budget day", "Typed text."),
    )
    .await;
    assert_eq!(status, 200);

    // A colleague opening the story sees it as saved.
    let (_, html) = colleague.text(&format!("/newsroom/stories/{id}")).await;
    assert_eq!(select_text(&html, "#body_markdown"), ["Saved text."]);

    let response = editor
        .post_form(&format!("/newsroom/stories/{id}/autosave/discard"), &[])
        .await;
    assert_eq!(response.status(), 303);
    let to = location(&response);
    assert_eq!(to, format!("/newsroom/stories/{id}?done=discarded"));
    let (_, html) = editor.text(&to).await;
    assert_eq!(select_text(&html, "#body_markdown"), ["Saved text."]);
    assert!(html.contains("discarded"));
}

#[tokio::test]
async fn a_new_story_becomes_a_draft_on_its_first_autosave() {
    let site = politics_site().await;
    let writer = login_as(&site, Role::Contributor).await;
    let mut fields = story_fields("Late vote", "The count goes on.");
    fields.push(("autosave", "changes"));
    let (status, made) = answer(
        writer
            .post_form("/newsroom/stories/new/autosave", &fields)
            .await,
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_i64().expect("id");
    assert_eq!(made["url"], format!("/newsroom/stories/{id}"));
    let story = site
        .store
        .stories_by_ids(&[id])
        .await
        .expect("store")
        .pop()
        .expect("made");
    assert_eq!(story.headline, "Late vote");
    assert!(story.published_at.is_none(), "a draft");

    // What a save would refuse is refused, and nothing is made.
    let before = site.store.stories_by_ids(&[id + 1]).await.expect("store");
    assert!(before.is_empty());
    let mut fields = story_fields("", "A body without a headline.");
    fields.push(("autosave", "changes"));
    let (status, refused) = answer(
        writer
            .post_form("/newsroom/stories/new/autosave", &fields)
            .await,
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .expect("message")
            .contains("headline"),
        "{refused}"
    );
    assert!(
        site.store
            .stories_by_ids(&[id + 1])
            .await
            .expect("store")
            .is_empty()
    );
}

#[tokio::test]
async fn autosave_is_refused_without_the_form_token_or_the_right_to_edit() {
    let site = politics_site().await;
    let editor = login_as(&site, Role::Editor).await;
    let writer = login_as(&site, Role::Contributor).await;
    let id = create_draft(&editor, "Budget day", "Saved text.").await;
    let version = version_of(&editor, id).await;

    let mut fields = story_fields("Budget day", "Forged.");
    fields.extend([("autosave", "changes"), ("version", version.as_str())]);
    let response = editor
        .post_form_raw(&format!("/newsroom/stories/{id}/autosave"), &fields)
        .await;
    assert_eq!(response.status(), 403, "no CSRF token");

    // A contributor cannot even see an editor's draft.
    let (status, body) =
        autosave(&writer, id, &version, &story_fields("Budget day", "Mine.")).await;
    assert!(matches!(status, 403 | 404), "{status} {body}");
    assert!(body["error"]["code"].is_string(), "{body}");
    let (status, _) = autosave(&editor, 999_999, "1", &story_fields("X", "Y")).await;
    assert_eq!(status, 404);
    assert_eq!(stored_body(&site, id).await, "Saved text.");
}

#[tokio::test]
async fn a_second_editor_is_told_who_else_is_editing_and_who_saved_meanwhile() {
    let site = politics_site().await;
    let ana = login_as(&site, Role::Editor).await;
    let ben = login_as(&site, Role::Admin).await;
    let id = create_draft(&ana, "Budget day", "First text.").await;
    let version = version_of(&ana, id).await; // Ana has it open.

    let (_, html) = ben.text(&format!("/newsroom/stories/{id}")).await;
    let notice = select_text(&html, "#editing-notice").join(" ");
    assert!(
        notice.contains("editor is also editing this story"),
        "{notice}"
    );
    let seen = check_in(&ana, id, "check-in").await;
    assert!(
        seen["others"].as_str().expect("others").contains("admin"),
        "{seen}"
    );

    // Ben saves; Ana's next autosave is told, and her save would be refused.
    let mut fields = story_fields("Budget day", "Ben's text.");
    fields.extend([("action", "save"), ("version", version.as_str())]);
    let response = ben
        .post_form(&format!("/newsroom/stories/{id}"), &fields)
        .await;
    assert_eq!(response.status(), 303);
    let (status, kept) = autosave(
        &ana,
        id,
        &version,
        &story_fields("Budget day", "Ana's text."),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(kept["newer"], true, "{kept}");
    assert!(
        kept["newer_text"]
            .as_str()
            .expect("text")
            .contains("admin saved a newer version"),
        "{kept}"
    );

    // Once Ben has left, Ana is alone again.
    check_in(&ben, id, "leaving").await;
    let seen = check_in(&ana, id, "check-in").await;
    assert_eq!(seen["others"], "", "{seen}");
}
