//! The newsroom's live desk (`/newsroom/stories/{id}/live`) over HTTP
//! against the real server, on SQLite and, when `TEST_DATABASE_URL` is
//! set, PostgreSQL: an editor posts, edits, deletes and ends through its
//! forms and readers see each change; a contributor's entry is a draft an
//! editor posts; a bad entry keeps what was typed and names the field;
//! deleting and ending ask first; CSRF and strangers are refused.

mod common;

use common::accounts::{LoggedIn, login_as};
use common::api::Api;
use common::editor::location;
use common::live::{LiveApi, page_showing};
use common::{TestSite, select_attr, select_text};
use herald::accounts::Role;

/// A live story made through the API; its id.
async fn live_story(site: &TestSite, slug: &str) -> i64 {
    let editor = Api::for_user(site, &format!("api-{slug}@example.org"), Role::Editor).await;
    editor.story(slug, true).await
}

/// The desk's entries as listed: each item's text.
async fn desk_items(user: &LoggedIn, id: i64) -> Vec<String> {
    let (status, page) = user.text(&format!("/newsroom/stories/{id}/live")).await;
    assert_eq!(status, 200, "{page}");
    select_text(&page, ".nr-desk-entry")
}

#[tokio::test]
async fn an_editor_posts_edits_deletes_and_ends_from_the_desk() {
    let site = TestSite::start().await;
    let id = live_story(&site, "desk-live").await;
    let editor = login_as(&site, Role::Editor).await;

    let (status, page) = editor.text(&format!("/newsroom/stories/{id}/live")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Live desk: Headline of desk-live"), "{page}");
    assert_eq!(
        select_attr(&page, "textarea#body_markdown", "data-ctrl-enter").len(),
        1
    );

    // A key event asks first whom it notifies, and keeps what was typed.
    let mut fields = vec![
        ("title", "Bridge closed"),
        ("body_markdown", "The **old bridge** is shut."),
        ("key_event", "1"),
        ("action", "post"),
    ];
    let asked = editor
        .post_form(&format!("/newsroom/stories/{id}/live"), &fields)
        .await;
    assert_eq!(asked.status(), 200);
    let page = asked.text().await.expect("page");
    assert_eq!(
        select_text(&page, "#confirm-question"),
        ["Post this key event? Nobody follows this story yet."]
    );
    assert_eq!(select_attr(&page, "#title", "value"), ["Bridge closed"]);
    assert_eq!(
        select_attr(&page, "dialog button[form=live-composer]", "value"),
        ["post-confirmed"]
    );
    assert!(
        desk_items(&editor, id).await.is_empty(),
        "nothing posted yet"
    );
    fields[3] = ("action", "post-confirmed");
    let posted = editor
        .post_form(&format!("/newsroom/stories/{id}/live"), &fields)
        .await;
    assert_eq!(posted.status(), 303);
    assert_eq!(
        location(&posted),
        format!("/newsroom/stories/{id}/live?done=posted")
    );
    let (_, page) = editor.text(&location(&posted)).await;
    assert!(page.contains("Posted: it is on the story"), "the flash");
    assert_eq!(
        select_attr(&page, "#title", "autofocus").len(),
        1,
        "ready for the next"
    );
    let items = desk_items(&editor, id).await;
    assert_eq!(items.len(), 1);
    assert!(
        items[0].contains("Bridge closed") && items[0].contains("Key event"),
        "{items:?}"
    );
    page_showing(&site, "/stories/desk-live", "<strong>old bridge</strong>").await;

    let entry = site
        .store
        .latest_live_entries(id, herald::store::EntryState::Posted, 1)
        .await
        .expect("store")[0]
        .id;
    let (status, form) = editor
        .text(&format!("/newsroom/stories/{id}/live/entries/{entry}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(select_attr(&form, "#title", "value"), ["Bridge closed"]);
    let saved = editor
        .post_form(
            &format!("/newsroom/stories/{id}/live/entries/{entry}"),
            &[
                ("title", "Bridge closed both ways"),
                ("body_markdown", "The **old bridge** is shut both ways."),
                ("key_event", "1"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    page_showing(&site, "/stories/desk-live", "Bridge closed both ways").await;

    // Deleting asks first; the confirmation's form does it.
    let path = format!("/newsroom/stories/{id}/live/entries/{entry}/delete");
    let asked = editor.post_form(&path, &[]).await;
    assert_eq!(asked.status(), 200);
    assert!(
        asked
            .text()
            .await
            .expect("page")
            .contains("Delete this entry?")
    );
    assert_eq!(
        desk_items(&editor, id).await.len(),
        1,
        "nothing deleted yet"
    );
    let deleted = editor.post_form(&path, &[("confirmed", "1")]).await;
    assert_eq!(
        location(&deleted),
        format!("/newsroom/stories/{id}/live?done=deleted")
    );
    assert!(desk_items(&editor, id).await.is_empty());

    let end = format!("/newsroom/stories/{id}/live/end");
    let asked = editor.post_form(&end, &[]).await;
    assert!(
        asked
            .text()
            .await
            .expect("page")
            .contains("End the live coverage?")
    );
    let ended = editor.post_form(&end, &[("confirmed", "1")]).await;
    assert_eq!(ended.status(), 303);
    let (_, page) = editor.text(&format!("/newsroom/stories/{id}/live")).await;
    assert!(page.contains("Coverage ended at"), "{page}");
    assert!(
        select_attr(&page, "form.nr-composer", "action").is_empty(),
        "no composer after the end"
    );
    page_showing(&site, "/stories/desk-live", "Coverage ended at").await;
}

#[tokio::test]
async fn a_contributor_drafts_and_an_editor_posts_the_draft() {
    let site = TestSite::start().await;
    let id = live_story(&site, "draft-live").await;
    let contributor = login_as(&site, Role::Contributor).await;
    let (_, page) = contributor
        .text(&format!("/newsroom/stories/{id}/live"))
        .await;
    assert_eq!(select_text(&page, ".nr-composer button"), ["Save as draft"]);
    let drafted = contributor
        .post_form(
            &format!("/newsroom/stories/{id}/live"),
            &[
                ("body_markdown", "Crews are on the way."),
                ("action", "post"),
            ],
        )
        .await;
    assert_eq!(
        location(&drafted),
        format!("/newsroom/stories/{id}/live?done=drafted")
    );

    let editor = login_as(&site, Role::Editor).await;
    let items = desk_items(&editor, id).await;
    assert!(items[0].contains("Draft"), "{items:?}");
    let (_, reader_page) = site.text("/stories/draft-live").await;
    assert!(
        !reader_page.contains("Crews are on the way"),
        "a draft stays off the site"
    );
    let entry = site
        .store
        .live_entries(id, herald::store::EntryState::Draft, 0, 10)
        .await
        .expect("store")[0]
        .id;
    let posted = editor
        .post_form(
            &format!("/newsroom/stories/{id}/live/entries/{entry}"),
            &[
                ("body_markdown", "Crews are on the way."),
                ("action", "post"),
            ],
        )
        .await;
    assert_eq!(
        location(&posted),
        format!("/newsroom/stories/{id}/live?done=posted#desk-entry-{entry}")
    );
    page_showing(&site, "/stories/draft-live", "Crews are on the way").await;
}

#[tokio::test]
async fn a_bad_entry_keeps_what_was_typed_and_strangers_are_refused() {
    let site = TestSite::start().await;
    let id = live_story(&site, "bad-live").await;
    let editor = login_as(&site, Role::Editor).await;
    let refused = editor
        .post_form(
            &format!("/newsroom/stories/{id}/live"),
            &[
                ("title", "Kept title"),
                ("body_markdown", "   "),
                ("action", "post"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.expect("page");
    assert_eq!(select_attr(&page, "#title", "value"), ["Kept title"]);
    assert_eq!(
        select_attr(&page, "#body_markdown", "aria-invalid"),
        ["true"]
    );
    assert!(
        select_text(&page, ".nr-error-summary a")[0].starts_with("The update "),
        "{page}"
    );
    assert!(desk_items(&editor, id).await.is_empty(), "nothing written");

    let too_long = "x".repeat(herald::editorial::live::MAX_ENTRY_CHARS + 1);
    let refused = editor
        .post_form(
            &format!("/newsroom/stories/{id}/live"),
            &[("body_markdown", &too_long), ("action", "post")],
        )
        .await;
    assert_eq!(refused.status(), 422);

    // Without the CSRF field, nothing is written.
    let forged = editor
        .post_form_raw(
            &format!("/newsroom/stories/{id}/live"),
            &[("body_markdown", "Forged."), ("action", "post")],
        )
        .await;
    assert_eq!(forged.status(), 403);
    assert!(desk_items(&editor, id).await.is_empty());

    // A story that is not live has no desk; nobody logged out gets one.
    let plain = Api::for_user(&site, "plain@example.org", Role::Editor)
        .await
        .story("plain-desk", false)
        .await;
    let (status, page) = editor
        .text(&format!("/newsroom/stories/{plain}/live"))
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("not live"), "says why: {page}");
    let anonymous = site.get(&format!("/newsroom/stories/{id}/live")).await;
    assert_eq!(anonymous.status(), 303, "sent to the login page");
}

#[tokio::test]
async fn any_entry_on_the_desk_opens_for_editing_however_old_and_no_other() {
    use herald::store::{EntryAuthor, EntryState, EntryWrite};
    let site = TestSite::start().await;
    let id = live_story(&site, "long-live").await;
    let other = live_story(&site, "other-live").await;
    let write = |body: &str, state: EntryState| EntryWrite {
        title: None,
        body_markdown: body.to_owned(),
        key_event: false,
        breaking: false,
        state,
    };
    let desk = EntryAuthor {
        user_id: None,
        name: "The desk".to_owned(),
    };
    let now = chrono::Utc::now();
    let store = &site.store;
    let insert = |story: i64, entry: EntryWrite| {
        let desk = desk.clone();
        async move {
            store
                .insert_live_entry(story, &desk, &entry, false, now)
                .await
                .expect("entry")
                .id
        }
    };
    let first = insert(id, write("The very first entry.", EntryState::Posted)).await;
    // More than the desk lists: the first is off its list.
    for n in 0..herald::editorial::live::MAX_ENTRIES_SHOWN {
        insert(id, write(&format!("Entry {n}."), EntryState::Posted)).await;
    }
    let draft = insert(id, write("Someone else's draft.", EntryState::Draft)).await;
    let elsewhere = insert(other, write("Of another story.", EntryState::Posted)).await;

    let editor = login_as(&site, Role::Editor).await;
    let items = desk_items(&editor, id).await;
    assert!(!items.iter().any(|i| i.contains("The very first entry")));
    let edit = |entry: i64| format!("/newsroom/stories/{id}/live/entries/{entry}");
    let (status, page) = editor.text(&edit(first)).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("The very first entry."), "{page}");
    assert_eq!(
        editor.text(&edit(draft)).await.0,
        200,
        "an editor's desk shows drafts"
    );
    assert_eq!(
        editor.text(&edit(elsewhere)).await.0,
        404,
        "another story's entry"
    );

    let contributor = login_as(&site, Role::Contributor).await;
    assert_eq!(contributor.text(&edit(first)).await.0, 200);
    assert_eq!(
        contributor.text(&edit(draft)).await.0,
        404,
        "another's draft is not on a contributor's desk"
    );
}
