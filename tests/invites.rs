//! Invites over HTTP, against the real server: an admin invites a person
//! on the Users page, the person opens the one-time link, sets a password
//! and is logged in; links that are used, expired, revoked, replaced or
//! unknown say so. Every test runs on SQLite, and on PostgreSQL when
//! `TEST_DATABASE_URL` is set.

mod common;

use common::accounts::{LoggedIn, browser, create_user, csrf_in, login, login_as, submit_login};
use common::{TestSite, select_attr, select_text};
use herald::accounts::Role;
use herald::accounts::invites::{INVITE_HOURS, InviteRequest, create_invite};

/// A password the rules accept, for invitees.
const NEW_PASSWORD: &str = "tidal barge lantern quay";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Invites `email` as `role` on the Users page; returns the link's path
/// (`/newsroom/invite/…`), read from the page that answers.
async fn invite(admin: &LoggedIn, site: &TestSite, email: &str, role: &str) -> String {
    let response = admin
        .post_form(
            "/newsroom/users/invites",
            &[("email", email), ("name", ""), ("role", role)],
        )
        .await;
    assert_eq!(response.status(), 201);
    link_path(site, &response.text().await.expect("body"))
}

/// The path of the invite link a Users page shows once.
fn link_path(site: &TestSite, html: &str) -> String {
    let url = select_attr(html, "#new-invite-link", "value")
        .pop()
        .unwrap_or_else(|| panic!("no invite link in {html}"));
    let path = url
        .strip_prefix(&site.base)
        .unwrap_or_else(|| panic!("{url} is not under the site's base_url"))
        .to_owned();
    assert!(path.starts_with("/newsroom/invite/"), "{path}");
    path
}

/// Opens an invite link in `client`; its status and body.
async fn open(client: &reqwest::Client, site: &TestSite, path: &str) -> (u16, String) {
    let response = client
        .get(format!("{}{path}", site.base))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// Sets `password` (and `confirm`) on the invite page at `path`, with the
/// CSRF field of the page `client` opened.
async fn accept(
    client: &reqwest::Client,
    site: &TestSite,
    path: &str,
    password: &str,
    confirm: &str,
) -> reqwest::Response {
    let (status, html) = open(client, site, path).await;
    assert_eq!(status, 200, "{html}");
    client
        .post(format!("{}{path}", site.base))
        .form(&[
            ("csrf", csrf_in(&html).as_str()),
            ("password", password),
            ("confirm_password", confirm),
        ])
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn an_invitee_sets_a_password_once_and_is_logged_in() {
    let site = TestSite::start().await;
    let admin = login_as(&site, Role::Admin).await;
    let path = invite(&admin, &site, "Dan@Example.org", "editor").await;

    // Waiting: on the Users page, and no account yet, so no login.
    let (_, users) = admin.text("/newsroom/users").await;
    let waiting = select_text(&users, "#invites-heading + div tbody tr td");
    assert_eq!(waiting[..3], ["dan@example.org", "dan", "editor"]);
    assert!(select_attr(&users, "#new-invite-link", "value").is_empty());
    let refused = submit_login(&browser(), &site.base, "dan@example.org", NEW_PASSWORD).await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .expect("body")
            .contains("The email address or the password is not right."),
        "the same answer as a wrong password"
    );

    let dan = browser();
    let page = dan
        .get(format!("{}{path}", site.base))
        .send()
        .await
        .expect("request");
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let html = page.text().await.expect("body");
    assert_eq!(select_attr(&html, "#email", "value"), ["dan@example.org"]);
    assert!(html.contains("<strong>editor</strong>"), "{html}");

    // A weak password is refused, on its field; the link still works.
    let response = accept(&dan, &site, &path, "password1234", "password1234").await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("body");
    assert!(
        select_text(&html, "#password-error")[0].contains("in a list of commonly used passwords"),
        "{html}"
    );
    assert_eq!(
        select_attr(&html, ".nr-error-summary a", "href"),
        ["#password"]
    );
    let response = accept(&dan, &site, &path, NEW_PASSWORD, "tidal barge lantern").await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("body");
    assert!(select_text(&html, "#confirm_password-error")[0].contains("not the same"));
    assert!(
        site.store
            .user_by_email("dan@example.org")
            .await
            .expect("store")
            .is_none()
    );

    // Set: logged in at once, as an editor.
    let response = accept(&dan, &site, &path, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/newsroom");
    let cookie = response.headers()["set-cookie"].to_str().expect("ascii");
    assert!(cookie.starts_with("herald_session="), "{cookie}");
    let account = dan
        .get(format!("{}/newsroom/account", site.base))
        .send()
        .await
        .expect("request");
    assert_eq!(account.status(), 200);
    assert!(
        account
            .text()
            .await
            .expect("body")
            .contains("dan@example.org")
    );
    let stored = site
        .store
        .user_by_email("dan@example.org")
        .await
        .expect("store")
        .expect("the account exists");
    assert_eq!((stored.role, stored.name.as_str()), (Role::Editor, "dan"));
    login(&site, "dan@example.org", NEW_PASSWORD).await;

    // Once only: the link now says it was used, and posting to it does nothing.
    let (status, html) = open(&browser(), &site, &path).await;
    assert_eq!(status, 410);
    assert_eq!(select_text(&html, "h1"), ["This invite was already used"]);
    let again = browser()
        .post(format!("{}{path}", site.base))
        .form(&[
            ("csrf", "x"),
            ("password", "another fine passphrase"),
            ("confirm_password", "another fine passphrase"),
        ])
        .header("cookie", "herald_login_csrf=x")
        .send()
        .await
        .expect("request");
    assert_eq!(again.status(), 410);
    login(&site, "dan@example.org", NEW_PASSWORD).await;
    // Gone from the waiting list.
    let (_, users) = admin.text("/newsroom/users").await;
    assert!(
        select_text(&users, "#invites-heading").is_empty(),
        "{users}"
    );
}

#[tokio::test]
async fn links_that_no_longer_work_say_why_and_what_to_do() {
    let site = TestSite::start().await;
    let admin = login_as(&site, Role::Admin).await;

    // Unknown.
    let (status, html) = open(&browser(), &site, "/newsroom/invite/not-a-token").await;
    assert_eq!(status, 404);
    assert_eq!(select_text(&html, "h1"), ["This invite link does not work"]);
    assert!(html.contains("Ask the admin who invited you for a new invite."));

    // Expired: made 48 hours and a minute ago.
    let old = create_invite(
        &site.store,
        None,
        InviteRequest {
            email: "old@example.org".into(),
            name: String::new(),
            role: Role::Contributor,
        },
        now() - INVITE_HOURS * 3600 - 60,
    )
    .await
    .expect("invite");
    let (status, html) = open(&browser(), &site, &old.path).await;
    assert_eq!(status, 410);
    assert_eq!(select_text(&html, "h1"), ["This invite has expired"]);
    assert!(html.contains("Ask the admin who invited you for a new invite."));
    let (_, users) = admin.text("/newsroom/users").await;
    assert!(
        select_text(&users, &format!("#invite-{} td", old.id)).contains(&"expired".to_owned()),
        "{users}"
    );

    // Resent: a new link; the old one is withdrawn.
    let response = admin
        .post_form(&format!("/newsroom/users/invites/{}/resend", old.id), &[])
        .await;
    assert_eq!(response.status(), 201);
    let fresh = link_path(&site, &response.text().await.expect("body"));
    assert_ne!(fresh, old.path);
    let (status, html) = open(&browser(), &site, &old.path).await;
    assert_eq!(status, 410);
    assert_eq!(select_text(&html, "h1"), ["This invite was withdrawn"]);
    assert_eq!(open(&browser(), &site, &fresh).await.0, 200);

    // Revoked, after a confirmation; Cancel goes back.
    let (_, users) = admin.text("/newsroom/users").await;
    let ids = select_attr(&users, "#invites-heading + div tbody tr", "id");
    assert_eq!(ids.len(), 1, "one invite waits: {ids:?}");
    let id = ids[0].trim_start_matches("invite-").to_owned();
    let revoke = format!("/newsroom/users/invites/{id}/revoke");
    let response = admin.post_form(&revoke, &[]).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("body");
    assert_eq!(
        select_text(&html, "h1"),
        ["Revoke the invite for old@example.org?"]
    );
    assert_eq!(
        select_attr(&html, "form input[name=confirmed]", "value"),
        ["1"]
    );
    assert_eq!(
        select_attr(&html, "a.nr-cancel", "href"),
        ["/newsroom/users"]
    );
    assert_eq!(open(&browser(), &site, &fresh).await.0, 200, "not yet");
    let response = admin.post_form(&revoke, &[("confirmed", "1")]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/newsroom/users?done=invite-revoked"
    );
    let (status, html) = open(&browser(), &site, &fresh).await;
    assert_eq!(status, 410);
    assert_eq!(select_text(&html, "h1"), ["This invite was withdrawn"]);
    // Revoked twice, or resent once revoked: a clear refusal, not a 500.
    let response = admin.post_form(&revoke, &[("confirmed", "1")]).await;
    assert_eq!(response.status(), 404);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("this invite is no longer waiting")
    );
    let response = admin
        .post_form(&format!("/newsroom/users/invites/{id}/resend"), &[])
        .await;
    assert_eq!(response.status(), 404);
    assert!(
        site.store
            .user_by_email("old@example.org")
            .await
            .expect("store")
            .is_none()
    );
}

#[tokio::test]
async fn an_email_with_an_account_cannot_be_invited() {
    let site = TestSite::start().await;
    let admin = login_as(&site, Role::Admin).await;
    let response = admin
        .post_form(
            "/newsroom/users/invites",
            &[("email", "ADMIN@example.org"), ("role", "editor")],
        )
        .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("body");
    assert!(
        select_text(&html, "#email-error")[0]
            .contains("an account with the email admin@example.org already exists"),
        "{html}"
    );
    assert_eq!(
        select_attr(&html, ".nr-error-summary a", "href"),
        ["#email"]
    );
    assert_eq!(select_attr(&html, "#email", "value"), ["ADMIN@example.org"]);
    let response = admin
        .post_form(
            "/newsroom/users/invites",
            &[("email", "no-at-sign"), ("role", "editor")],
        )
        .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("body");
    assert!(select_text(&html, "#email-error")[0].contains("an email address has an @"));

    // An account made another way while the invite waited: the link says so.
    let path = invite(&admin, &site, "eve@example.org", "contributor").await;
    let eve = browser();
    let (status, html) = open(&eve, &site, &path).await;
    assert_eq!(status, 200);
    create_user(&site, "eve@example.org", Role::Editor).await;
    let response = eve
        .post(format!("{}{path}", site.base))
        .form(&[
            ("csrf", csrf_in(&html).as_str()),
            ("password", NEW_PASSWORD),
            ("confirm_password", NEW_PASSWORD),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 410);
    let html = response.text().await.expect("body");
    assert_eq!(select_text(&html, "h1"), ["You already have an account"]);
}

#[tokio::test]
async fn accepting_needs_the_pages_csrf_token_and_inviting_needs_an_admin() {
    let site = TestSite::start().await;
    let admin = login_as(&site, Role::Admin).await;
    let path = invite(&admin, &site, "fay@example.org", "editor").await;

    // A form posted from elsewhere has no cookie to repeat: refused.
    let response = browser()
        .post(format!("{}{path}", site.base))
        .form(&[
            ("csrf", "forged"),
            ("password", NEW_PASSWORD),
            ("confirm_password", NEW_PASSWORD),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 403);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("This form had expired")
    );
    assert!(
        site.store
            .user_by_email("fay@example.org")
            .await
            .expect("store")
            .is_none()
    );

    let editor = login_as(&site, Role::Editor).await;
    let response = editor
        .post_form(
            "/newsroom/users/invites",
            &[("email", "mallory@example.org"), ("role", "admin")],
        )
        .await;
    assert_eq!(response.status(), 403);
    let ids = select_attr(
        &admin.text("/newsroom/users").await.1,
        "#invites-heading + div tbody tr",
        "id",
    );
    assert_eq!(ids.len(), 1, "only fay's invite: {ids:?}");
    let id = ids[0].trim_start_matches("invite-");
    for action in ["resend", "revoke"] {
        let response = editor
            .post_form(
                &format!("/newsroom/users/invites/{id}/{action}"),
                &[("confirmed", "1")],
            )
            .await;
        assert_eq!(response.status(), 403, "{action}");
    }
    assert_eq!(open(&browser(), &site, &path).await.0, 200, "still works");
}
