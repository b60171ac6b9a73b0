//! Newsroom accounts over HTTP, against the real server: logging in and
//! out, throttling, CSRF, session cookies, two-factor login, roles, and API
//! tokens. Every test runs on SQLite, and on PostgreSQL when
//! `TEST_DATABASE_URL` is set.

mod common;

use common::accounts::{
    PASSWORD, api_token, browser, create_user, csrf_in, login, login_as, submit_login,
};
use common::{TestSite, select_attr, select_text};
use herald::accounts::{Role, totp};
use reqwest::Method;
use serde_json::{Value, json};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A valid TOTP code of `secret` for a time step after `used` (the last
/// one used), within the step either side of now.
fn fresh_code(secret: &str, used: i64) -> (i64, String) {
    let current = totp::step_at(now());
    let step = (current - 1..=current + 1)
        .find(|step| *step > used)
        .expect("a step after the last used one");
    (
        step,
        totp::code_at(secret, step * totp::STEP_SECONDS).expect("code"),
    )
}

/// A 6-digit code that is no valid code of `secret` right now.
fn wrong_code(secret: &str) -> String {
    let valid: Vec<String> = (-1..=1)
        .filter_map(|d| totp::code_at(secret, now() + d * totp::STEP_SECONDS))
        .collect();
    (0..)
        .map(|n| format!("{:06}", n * 111_111 % 1_000_000))
        .find(|code| !valid.contains(code))
        .expect("a wrong code")
}

#[tokio::test]
async fn logging_in_with_the_right_password_opens_the_newsroom() {
    let site = TestSite::start().await;
    create_user(&site, "Ana@Example.org", Role::Editor).await;
    let client = browser();

    // A newsroom page sends a visitor to the login page, and back after.
    let page = client
        .get(format!("{}/newsroom/account?x=1", site.base))
        .send()
        .await
        .expect("request");
    assert_eq!(page.status(), 303);
    assert_eq!(
        page.headers()["location"],
        "/newsroom/login?next=%2Fnewsroom%2Faccount%3Fx%3D1"
    );

    let form = client
        .get(format!(
            "{}/newsroom/login?next=/newsroom/tokens",
            site.base
        ))
        .send()
        .await
        .expect("login page");
    let html = form.text().await.expect("body");
    let csrf = csrf_in(&html);
    assert_eq!(
        select_attr(&html, "input[name=next]", "value"),
        ["/newsroom/tokens"]
    );
    // Emails are not case-sensitive.
    let response = client
        .post(format!("{}/newsroom/login", site.base))
        .form(&[
            ("email", "ana@example.ORG"),
            ("password", PASSWORD),
            ("csrf", &csrf),
            ("next", "/newsroom/tokens"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/newsroom/tokens");
    let cookie = response.headers()["set-cookie"].to_str().expect("ascii");
    assert!(cookie.starts_with("herald_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    assert!(cookie.contains("Path=/"));

    let account = client
        .get(format!("{}/newsroom/account", site.base))
        .send()
        .await
        .expect("account");
    assert_eq!(account.status(), 200);
    let html = account.text().await.expect("body");
    assert!(html.contains("ana@example.org"), "{html}");
}

#[tokio::test]
async fn a_login_goes_back_only_to_newsroom_paths() {
    let site = TestSite::start().await;
    create_user(&site, "ana@example.org", Role::Editor).await;
    for next in [
        "https://evil.example/",
        "//evil.example/newsroom",
        "/stories/x",
    ] {
        let client = browser();
        let form = client
            .get(format!("{}/newsroom/login", site.base))
            .send()
            .await
            .expect("login page");
        let csrf = csrf_in(&form.text().await.expect("body"));
        let response = client
            .post(format!("{}/newsroom/login", site.base))
            .form(&[
                ("email", "ana@example.org"),
                ("password", PASSWORD),
                ("csrf", &csrf),
                ("next", next),
            ])
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/newsroom", "{next}");
    }
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let site = TestSite::start().await;
    create_user(&site, "ana@example.org", Role::Editor).await;

    let wrong = submit_login(
        &browser(),
        &site.base,
        "ana@example.org",
        "not the password",
    )
    .await;
    assert_eq!(wrong.status(), 422);
    assert!(
        wrong
            .headers()
            .get("set-cookie")
            .is_none_or(|c| { !c.to_str().unwrap_or_default().starts_with("herald_session") })
    );
    let wrong = wrong.text().await.expect("body");

    let unknown = submit_login(&browser(), &site.base, "bob@example.org", PASSWORD).await;
    assert_eq!(unknown.status(), 422);
    let unknown = unknown.text().await.expect("body");

    let message = |html: &str| select_text(html, ".nr-error-summary li");
    assert_eq!(message(&wrong), message(&unknown));
    assert_eq!(
        message(&wrong),
        ["The email address or the password is not right. Check both and try again."]
    );
    // The error is tied to the field, and the email is kept.
    assert_eq!(
        select_attr(&wrong, "#email", "aria-describedby"),
        ["email-error"]
    );
    assert_eq!(select_attr(&wrong, "#email", "value"), ["ana@example.org"]);
    assert_eq!(
        select_attr(&wrong, "#password", "value"),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn the_login_form_needs_its_own_csrf_token() {
    let site = TestSite::start().await;
    create_user(&site, "ana@example.org", Role::Editor).await;
    let client = browser();
    // No login page first: neither the cookie nor the field.
    let response = client
        .post(format!("{}/newsroom/login", site.base))
        .form(&[
            ("email", "ana@example.org"),
            ("password", PASSWORD),
            ("csrf", "guess"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 403);
    let html = response.text().await.expect("body");
    assert!(html.contains("This login form had expired"), "{html}");

    // The field alone, without the cookie it must match, is not enough.
    let other = browser();
    let form = other
        .get(format!("{}/newsroom/login", site.base))
        .send()
        .await
        .expect("page");
    let csrf = csrf_in(&form.text().await.expect("body"));
    let response = browser()
        .post(format!("{}/newsroom/login", site.base))
        .form(&[
            ("email", "ana@example.org"),
            ("password", PASSWORD),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn five_failures_pause_logins_to_the_account() {
    let site = TestSite::start().await;
    create_user(&site, "ana@example.org", Role::Editor).await;
    for _ in 0..5 {
        let response =
            submit_login(&browser(), &site.base, "ana@example.org", "wrong password!").await;
        assert_eq!(response.status(), 422);
    }
    // The right password is not even tried now.
    let response = submit_login(&browser(), &site.base, "ana@example.org", PASSWORD).await;
    assert_eq!(response.status(), 429);
    let retry: i64 = response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((840..=900).contains(&retry), "{retry}");
    let html = response.text().await.expect("body");
    let text = select_text(&html, ".nr-error-summary p").join(" ");
    assert!(
        text.contains("Too many failed attempts to log in to this account")
            && text.contains("try again in 15 minutes"),
        "{text}"
    );
    // Another account from the same address is not affected.
    create_user(&site, "bob@example.org", Role::Editor).await;
    login(&site, "bob@example.org", PASSWORD).await;
}

#[tokio::test]
async fn twenty_failures_pause_logins_from_the_address() {
    let site = TestSite::start().await;
    create_user(&site, "ana@example.org", Role::Editor).await;
    // 19 failures over several accounts, none of which reaches its own limit.
    for i in 0..19 {
        let email = format!("nobody{}@example.org", i % 5);
        let response = submit_login(&browser(), &site.base, &email, "wrong password!").await;
        assert_eq!(response.status(), 422);
    }
    // A success does not reset the address's count…
    login(&site, "ana@example.org", PASSWORD).await;
    let response = submit_login(&browser(), &site.base, "ana@example.org", "wrong password!").await;
    assert_eq!(response.status(), 422);
    // …so the twentieth failure pauses every login from this address.
    let response = submit_login(&browser(), &site.base, "ana@example.org", PASSWORD).await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    let html = response.text().await.expect("body");
    assert!(
        html.contains("Too many failed login attempts from your network address"),
        "{html}"
    );
}

#[tokio::test]
async fn a_form_without_the_right_csrf_token_is_refused_and_changes_nothing() {
    let site = TestSite::start().await;
    let ana = login_as(&site, Role::Editor).await;
    for fields in [
        vec![("name", "Mallory")],
        vec![("name", "Mallory"), ("csrf", "wrong")],
        vec![("name", "Mallory"), ("csrf", "")],
    ] {
        let response = ana.post_form_raw("/newsroom/account/name", &fields).await;
        assert_eq!(response.status(), 403, "{fields:?}");
        let html = response.text().await.expect("body");
        assert!(html.contains("This form has expired"), "{html}");
    }
    // Log out everywhere, without the token, does not log anybody out.
    let response = ana
        .post_form_raw("/newsroom/account/logout-everywhere", &[])
        .await;
    assert_eq!(response.status(), 403);
    let (status, html) = ana.text("/newsroom/account").await;
    assert_eq!(status, 200);
    assert_eq!(select_attr(&html, "#name", "value"), ["editor"]);

    // With the token, the change is made.
    let response = ana
        .post_form("/newsroom/account/name", &[("name", "Ana Reporter")])
        .await;
    assert_eq!(response.status(), 303);
    let (_, html) = ana.text("/newsroom/account").await;
    assert_eq!(select_attr(&html, "#name", "value"), ["Ana Reporter"]);
}

#[tokio::test]
async fn api_writes_with_a_session_need_the_csrf_header() {
    let site = TestSite::start().await;
    let ana = login_as(&site, Role::Editor).await;
    // Reading needs no token.
    let response = ana
        .client
        .get(ana.url("/api/v1/admin/tokens"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    for header in [None, Some("wrong")] {
        let mut request = ana
            .client
            .post(ana.url("/api/v1/admin/tokens"))
            .json(&json!({"name": "script"}));
        if let Some(value) = header {
            request = request.header("x-csrf-token", value);
        }
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), 403);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"]["code"], "csrf_failed");
    }
    let listed: Value = ana
        .api(Method::GET, "/api/v1/admin/tokens")
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(listed["tokens"], json!([]));
    let response = ana
        .api(Method::POST, "/api/v1/admin/tokens")
        .json(&json!({"name": "script"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 201);

    // Nothing at all: 401.
    let response = site
        .client
        .post(format!("{}/api/v1/admin/tokens", site.base))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "unauthenticated");
}

async fn session_cookie_on(site: &TestSite) -> String {
    create_user(site, "ana@example.org", Role::Editor).await;
    let response = submit_login(&browser(), &site.base, "ana@example.org", PASSWORD).await;
    assert_eq!(response.status(), 303);
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_owned())
        .find(|v| v.starts_with("herald_session="))
        .expect("a session cookie")
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_the_site_is_https() {
    let site = TestSite::start_with(|config| {
        config.base_url = "https://news.example.org/".parse().expect("url");
    })
    .await;
    let cookie = session_cookie_on(&site).await;
    assert!(cookie.ends_with("; Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");

    let plain = TestSite::start().await;
    let cookie = session_cookie_on(&plain).await;
    assert!(!cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn logging_out_ends_the_session() {
    let site = TestSite::start().await;
    let ana = login_as(&site, Role::Editor).await;
    let (_, html) = ana.text("/newsroom/account").await;
    // The layout's log-out form carries the session's token.
    assert_eq!(
        select_attr(
            &html,
            "form[action='/newsroom/logout'] input[name=csrf]",
            "value"
        ),
        std::slice::from_ref(&ana.csrf)
    );
    // Not without the token.
    assert_eq!(
        ana.post_form_raw("/newsroom/logout", &[]).await.status(),
        403
    );
    assert_eq!(ana.get("/newsroom/account").await.status(), 200);

    let response = ana.post_form("/newsroom/logout", &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/newsroom/login?notice=logged-out"
    );
    assert_eq!(ana.get("/newsroom/account").await.status(), 303);
    let response = ana
        .api(Method::GET, "/api/v1/admin/tokens")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn logging_out_everywhere_ends_every_session_of_the_account() {
    let site = TestSite::start().await;
    let laptop = login_as(&site, Role::Editor).await;
    let phone = login(&site, "editor@example.org", PASSWORD).await;
    create_user(&site, "bob@example.org", Role::Editor).await;
    let bob = login(&site, "bob@example.org", PASSWORD).await;

    // First the question, naming what ends; nothing ends yet.
    let (status, html) = common::text_of(
        laptop
            .post_form("/newsroom/account/logout-everywhere", &[])
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Every session of your account ends"),
        "{html}"
    );
    assert_eq!(phone.get("/newsroom/account").await.status(), 200);
    let response = laptop
        .post_form("/newsroom/account/logout-everywhere", &[("confirmed", "1")])
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(laptop.get("/newsroom/account").await.status(), 303);
    assert_eq!(phone.get("/newsroom/account").await.status(), 303);
    // Another account's session is not touched.
    assert_eq!(bob.get("/newsroom/account").await.status(), 200);
}

#[tokio::test]
async fn changing_the_password_checks_the_current_one_and_ends_other_sessions() {
    let site = TestSite::start().await;
    let laptop = login_as(&site, Role::Editor).await;
    let phone = login(&site, "editor@example.org", PASSWORD).await;
    let new = "a brand new passphrase";

    let response = laptop
        .post_form(
            "/newsroom/account/password",
            &[
                ("current_password", "not my password"),
                ("new_password", new),
                ("confirm_password", new),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("body");
    assert_eq!(
        select_attr(&html, "#current_password", "aria-describedby"),
        ["current_password-error"]
    );
    assert_eq!(
        select_text(&html, "#current_password-error"),
        ["this is not your current password"]
    );

    let response = laptop
        .post_form(
            "/newsroom/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "too short"),
                ("confirm_password", "too short"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("body");
    assert!(
        select_text(&html, "#new_password-error")[0].contains("at least 12 characters"),
        "{html}"
    );

    // NIST SP 800-63B: a common password, one character repeated, the
    // site's name or the email's name are refused on the field, whatever
    // their length.
    for (refused, why) in [
        ("Password1234", "in a list of commonly used passwords"),
        ("aaaaaaaaaaaa", "one character repeated"),
        ("herald and sons", "must not contain the site's name"),
        (
            "my editor's passphrase",
            "the name of the account's email address",
        ),
    ] {
        let response = laptop
            .post_form(
                "/newsroom/account/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", refused),
                    ("confirm_password", refused),
                ],
            )
            .await;
        assert_eq!(response.status(), 422, "{refused}");
        let html = response.text().await.expect("body");
        let message = &select_text(&html, "#new_password-error")[0];
        assert!(message.contains(why), "{refused}: {message}");
    }

    let response = laptop
        .post_form(
            "/newsroom/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new),
                ("confirm_password", new),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(laptop.get("/newsroom/account").await.status(), 200);
    assert_eq!(phone.get("/newsroom/account").await.status(), 303);
    let old = submit_login(&browser(), &site.base, "editor@example.org", PASSWORD).await;
    assert_eq!(old.status(), 422);
    login(&site, "editor@example.org", new).await;
}

/// Sets up two-factor login for a logged-in account; returns the secret
/// and the time step its enabling code used.
async fn turn_on_two_factor(user: &common::accounts::LoggedIn) -> (String, i64) {
    let response = user.post_form("/newsroom/account/two-factor", &[]).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("body");
    let secret = select_text(&html, "#totp-secret").remove(0);
    let uri = select_text(&html, "#totp-uri").remove(0);
    assert!(
        uri.starts_with("otpauth://totp/") && uri.contains(&format!("secret={secret}")),
        "{uri}"
    );
    // The QR code beside them says the same, read as a phone's camera would.
    assert_eq!(scan_qr(&html), uri);

    let response = user
        .post_form(
            "/newsroom/account/two-factor/enable",
            &[("code", &wrong_code(&secret))],
        )
        .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("body");
    assert_eq!(
        select_attr(&html, "#code", "aria-describedby"),
        ["code-error"]
    );

    let (step, code) = fresh_code(&secret, i64::MIN);
    let response = user
        .post_form("/newsroom/account/two-factor/enable", &[("code", &code)])
        .await;
    assert_eq!(response.status(), 303);
    (secret, step)
}

/// Logs in with the password only; returns the browser, waiting for its code.
async fn password_step(site: &TestSite, email: &str) -> reqwest::Client {
    let client = browser();
    let response = submit_login(&client, &site.base, email, PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/newsroom/login/code?next=%2Fnewsroom"
    );
    client
}

async fn submit_code(site: &TestSite, client: &reqwest::Client, code: &str) -> reqwest::Response {
    let page = client
        .get(format!("{}/newsroom/login/code", site.base))
        .send()
        .await
        .expect("code page");
    assert_eq!(page.status(), 200);
    let csrf = csrf_in(&page.text().await.expect("body"));
    client
        .post(format!("{}/newsroom/login/code", site.base))
        .form(&[("code", code), ("csrf", &csrf), ("next", "/newsroom")])
        .send()
        .await
        .expect("code")
}

#[tokio::test]
async fn two_factor_login_asks_for_a_code_that_works_once() {
    let site = TestSite::start().await;
    let ana = login_as(&site, Role::Editor).await;
    let (secret, enabled_at) = turn_on_two_factor(&ana).await;
    let (_, html) = ana.text("/newsroom/account?done=two-factor-on").await;
    assert!(
        html.contains("Two-factor login is <strong>on</strong>"),
        "{html}"
    );

    // The password alone does not log in.
    let client = password_step(&site, "editor@example.org").await;
    let page = client
        .get(format!("{}/newsroom/account", site.base))
        .send()
        .await
        .expect("request");
    assert_eq!(page.status(), 303);
    let api = client
        .get(format!("{}/api/v1/admin/tokens", site.base))
        .send()
        .await
        .expect("request");
    assert_eq!(api.status(), 401);

    let response = submit_code(&site, &client, &wrong_code(&secret)).await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("body");
    assert!(
        select_text(&html, "#code-error")[0].contains("not right, or it was already used"),
        "{html}"
    );

    let (login_step, code) = fresh_code(&secret, enabled_at);
    let response = submit_code(&site, &client, &code).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/newsroom");
    let page = client
        .get(format!("{}/newsroom/account", site.base))
        .send()
        .await
        .expect("request");
    assert_eq!(page.status(), 200);

    // The same code, again, is refused.
    let again = password_step(&site, "editor@example.org").await;
    let response = submit_code(&site, &again, &code).await;
    assert_eq!(response.status(), 422);

    // Turning it off needs a current, unused code.
    let response = ana
        .post_form("/newsroom/account/two-factor/disable", &[("code", &code)])
        .await;
    assert_eq!(response.status(), 422);
    let (_, code) = fresh_code(&secret, login_step);
    let response = ana
        .post_form("/newsroom/account/two-factor/disable", &[("code", &code)])
        .await;
    assert_eq!(response.status(), 303);
    login(&site, "editor@example.org", PASSWORD).await;
}

#[tokio::test]
async fn two_factor_login_is_for_editors_and_admins() {
    let site = TestSite::start().await;
    let carl = login_as(&site, Role::Contributor).await;
    let (_, html) = carl.text("/newsroom/account").await;
    assert!(!html.contains("Two-factor login"), "{html}");
    let response = carl.post_form("/newsroom/account/two-factor", &[]).await;
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn a_contributor_cannot_manage_accounts() {
    let site = TestSite::start().await;
    let carl = login_as(&site, Role::Contributor).await;
    let (_, html) = carl.text("/newsroom/account").await;
    assert!(!select_attr(&html, "nav a", "href").contains(&"/newsroom/users".to_owned()));
    assert_eq!(carl.get("/newsroom/users").await.status(), 403);
    let response = carl
        .post_form(
            "/newsroom/users/invites",
            &[("email", "mallory@example.org"), ("role", "admin")],
        )
        .await;
    assert_eq!(response.status(), 403);
    assert!(
        site.store
            .user_by_email("mallory@example.org")
            .await
            .expect("store")
            .is_none()
    );
    let admin = create_user(&site, "admin@example.org", Role::Admin).await;
    let response = carl
        .post_form(&format!("/newsroom/users/{admin}/disable"), &[])
        .await;
    assert_eq!(response.status(), 403);

    // Nor with a token: an admin-only API call is refused.
    let token = api_token(&site, "contributor@example.org").await;
    let response = site
        .client
        .get(format!("{}/api/v1/admin/tokens?all=true", site.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "forbidden");
}

#[tokio::test]
async fn admins_change_disable_and_remove_accounts() {
    let site = TestSite::start().await;
    let admin = login_as(&site, Role::Admin).await;
    let (status, html) = admin.text("/newsroom/users").await;
    assert_eq!(status, 200);
    assert_eq!(select_text(&html, "h1"), ["Users"]);
    // People are added by invite (tests/invites.rs), never with a password
    // the admin chose.
    assert!(select_attr(&html, "input[type=password]", "id").is_empty());
    create_user(&site, "dan@example.org", Role::Editor).await;
    let dan = site
        .store
        .user_by_email("dan@example.org")
        .await
        .expect("store")
        .expect("added");
    assert_eq!(dan.role, Role::Editor);
    let dan_session = login(&site, "dan@example.org", PASSWORD).await;
    let dan_token = api_token(&site, "dan@example.org").await;
    let tokens = |token: String| {
        let site_client = site.client.clone();
        let url = format!("{}/api/v1/admin/tokens", site.base);
        async move {
            site_client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("request")
        }
    };

    let response = admin
        .post_form(
            &format!("/newsroom/users/{}/role", dan.id),
            &[("role", "contributor")],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        site.store
            .user_by_id(dan.id)
            .await
            .expect("store")
            .expect("dan")
            .role,
        Role::Contributor
    );

    // Disabled: logged out, tokens refused, login refused.
    let response = admin
        .post_form(&format!("/newsroom/users/{}/disable", dan.id), &[])
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(dan_session.get("/newsroom/account").await.status(), 303);
    let response = tokens(dan_token.clone()).await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "account_disabled");
    // The right password of a disabled account gets the very answer a
    // wrong one gets: the page does not say whether the password was right.
    let right = submit_login(&browser(), &site.base, "dan@example.org", PASSWORD).await;
    let error_text = |html: &str| select_text(html, ".nr-error").join(" ");
    let right = (
        right.status(),
        error_text(&right.text().await.expect("body")),
    );
    let wrong = submit_login(
        &browser(),
        &site.base,
        "dan@example.org",
        "not the password!",
    )
    .await;
    let wrong = (
        wrong.status(),
        error_text(&wrong.text().await.expect("body")),
    );
    assert_eq!(right.0, 422);
    assert_eq!(right, wrong);
    assert!(!right.1.contains("disabled"), "{}", right.1);

    let response = admin
        .post_form(&format!("/newsroom/users/{}/enable", dan.id), &[])
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(tokens(dan_token.clone()).await.status(), 200);

    let remove = format!("/newsroom/users/{}/remove", dan.id);
    let (status, html) = common::text_of(admin.post_form(&remove, &[]).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("Remove"), "{html}");
    assert!(html.contains("their sessions and API tokens end"), "{html}");
    assert!(
        site.store
            .user_by_id(dan.id)
            .await
            .expect("store")
            .is_some(),
        "asked first, nothing removed"
    );
    let response = admin.post_form(&remove, &[("confirmed", "1")]).await;
    assert_eq!(response.status(), 303);
    assert!(
        site.store
            .user_by_id(dan.id)
            .await
            .expect("store")
            .is_none()
    );
    let response = tokens(dan_token).await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "unauthenticated");
}

#[tokio::test]
async fn the_last_admin_stays_an_admin() {
    let site = TestSite::start().await;
    let admin = login_as(&site, Role::Admin).await;
    let me = site
        .store
        .user_by_email("admin@example.org")
        .await
        .expect("store")
        .expect("admin")
        .id;
    let response = admin
        .post_form(&format!("/newsroom/users/{me}/role"), &[("role", "editor")])
        .await;
    assert_eq!(response.status(), 409);
    let html = response.text().await.expect("body");
    assert!(html.contains("this is the last active admin"), "{html}");
    assert_eq!(
        site.store
            .user_by_id(me)
            .await
            .expect("store")
            .expect("me")
            .role,
        Role::Admin
    );
    // With a second admin, the first may step down.
    let other = create_user(&site, "other@example.org", Role::Admin).await;
    let response = admin
        .post_form(&format!("/newsroom/users/{me}/role"), &[("role", "editor")])
        .await;
    assert_eq!(response.status(), 303);
    // And the other, now the last, cannot be demoted by anyone (nor by the
    // store, whoever asks).
    let error = site
        .store
        .set_user_role(other, Role::Contributor)
        .await
        .expect_err("last admin");
    assert!(error.to_string().contains("last active admin"), "{error}");
    assert!(site.store.delete_user(other).await.is_err());
    assert!(
        site.store
            .set_user_disabled(other, true, now())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn api_tokens_are_created_listed_and_revoked_over_the_api() {
    let site = TestSite::start().await;
    create_user(&site, "ana@example.org", Role::Editor).await;
    let first = api_token(&site, "ana@example.org").await;
    let api = |method: Method, path: &str, token: &str| {
        site.client
            .request(method, format!("{}{path}", site.base))
            .bearer_auth(token)
    };

    // A Bearer token needs no CSRF header, even to write.
    let response = api(Method::POST, "/api/v1/admin/tokens", &first)
        .json(&json!({"name": "wire import"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.expect("json");
    let second = created["token"].as_str().expect("token").to_owned();
    assert!(second.starts_with("hrd_"), "{second}");
    assert_eq!(created["name"], "wire import");

    let response = api(Method::POST, "/api/v1/admin/tokens", &first)
        .json(&json!({"name": "wire import"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "token_name_taken");

    let listed: Value = api(Method::GET, "/api/v1/admin/tokens", &second)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let tokens = listed["tokens"].as_array().expect("array");
    assert_eq!(tokens.len(), 2);
    assert!(!listed.to_string().contains(&first) && !listed.to_string().contains(&second));
    assert_eq!(tokens[0]["name"], "wire import");
    assert!(tokens[0]["last_used_at"].is_string(), "{listed}");

    let id = created["id"].as_i64().expect("id");
    let response = api(
        Method::DELETE,
        &format!("/api/v1/admin/tokens/{id}"),
        &first,
    )
    .send()
    .await
    .expect("request");
    assert_eq!(response.status(), 204);
    let response = api(Method::GET, "/api/v1/admin/tokens", &second)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "token_revoked");
    let response = api(
        Method::DELETE,
        &format!("/api/v1/admin/tokens/{id}"),
        &first,
    )
    .send()
    .await
    .expect("request");
    assert_eq!(response.status(), 404);

    // Someone else's token cannot be revoked by a non-admin.
    create_user(&site, "bob@example.org", Role::Editor).await;
    let bobs = api_token(&site, "bob@example.org").await;
    let bob_id = api(Method::GET, "/api/v1/admin/tokens", &bobs)
        .send()
        .await
        .expect("request")
        .json::<Value>()
        .await
        .expect("json")["tokens"][0]["id"]
        .as_i64()
        .expect("id");
    let response = api(
        Method::DELETE,
        &format!("/api/v1/admin/tokens/{bob_id}"),
        &first,
    )
    .send()
    .await
    .expect("request");
    assert_eq!(response.status(), 404);

    for bad in ["hrd_not-a-token", "not even the format", ""] {
        let response = api(Method::GET, "/api/v1/admin/tokens", bad)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 401, "{bad}");
    }
}

#[tokio::test]
async fn a_token_acts_with_its_users_current_role() {
    let site = TestSite::start().await;
    create_user(&site, "ana@example.org", Role::Admin).await;
    let token = api_token(&site, "ana@example.org").await;
    let everyone = || {
        site.client
            .get(format!("{}/api/v1/admin/tokens?all=true", site.base))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(everyone().await.expect("request").status(), 200);
    let boss = login_as(&site, Role::Admin).await;
    let ana = site
        .store
        .user_by_email("ana@example.org")
        .await
        .expect("store")
        .expect("ana");
    let response = boss
        .post_form(
            &format!("/newsroom/users/{}/role", ana.id),
            &[("role", "editor")],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(everyone().await.expect("request").status(), 403);
}

#[tokio::test]
async fn the_tokens_page_shows_a_new_token_once_and_revokes() {
    let site = TestSite::start().await;
    let ana = login_as(&site, Role::Contributor).await;
    let (status, html) = ana.text("/newsroom/tokens").await;
    assert_eq!(status, 200);
    assert!(html.contains("You have no API tokens."));

    let response = ana
        .post_form("/newsroom/tokens", &[("name", "laptop script")])
        .await;
    assert_eq!(response.status(), 201);
    let html = response.text().await.expect("body");
    let token = select_attr(&html, "#new-token", "value").remove(0);
    assert!(token.starts_with("hrd_"));
    assert!(html.contains("it is shown only this once"), "{html}");

    let use_it = || {
        site.client
            .get(format!("{}/api/v1/admin/tokens", site.base))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(use_it().await.expect("request").status(), 200);
    let (_, html) = ana.text("/newsroom/tokens").await;
    assert!(!html.contains(&token));
    let row = select_text(&html, "tbody tr").remove(0);
    assert!(
        row.contains("laptop script") && row.contains("UTC"),
        "{row}"
    );
    assert!(!row.contains("never"), "last used is shown: {row}");

    let id = select_attr(&html, "tbody tr", "id")
        .remove(0)
        .trim_start_matches("token-")
        .to_owned();
    assert_eq!(
        ana.post_form_raw(&format!("/newsroom/tokens/{id}/revoke"), &[])
            .await
            .status(),
        403
    );
    let revoke = format!("/newsroom/tokens/{id}/revoke");
    let (status, html) = common::text_of(ana.post_form(&revoke, &[]).await).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Every program that uses it is refused"),
        "{html}"
    );
    assert_eq!(
        use_it().await.expect("request").status(),
        200,
        "not revoked yet"
    );
    let response = ana.post_form(&revoke, &[("confirmed", "1")]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(use_it().await.expect("request").status(), 401);
    let (_, html) = ana.text("/newsroom/tokens?done=revoked").await;
    assert!(select_text(&html, "tbody tr")[0].contains("revoked"));
}

#[tokio::test]
async fn the_openapi_document_describes_the_token_routes_and_codes() {
    let site = TestSite::start().await;
    let (status, body) = site.text("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&body).expect("json");
    for (path, method) in [
        ("/api/v1/admin/tokens", "get"),
        ("/api/v1/admin/tokens", "post"),
        ("/api/v1/admin/tokens/{id}", "delete"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} undocumented"
        );
    }
    let codes =
        &doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"];
    for code in [
        "unauthenticated",
        "token_revoked",
        "account_disabled",
        "csrf_failed",
        "forbidden",
        "token_name_taken",
        "invalid_token_name",
    ] {
        assert!(
            codes.as_array().expect("codes").contains(&json!(code)),
            "{code} undocumented"
        );
    }
}

/// The text of the QR code drawn in `html` (inline SVG of unit squares,
/// `M{x} {y}h{w}v{h}H{x}V{y}`), decoded by rqrr from a raster of it.
fn scan_qr(html: &str) -> String {
    let document = scraper::Html::parse_document(html);
    let svg_selector = scraper::Selector::parse("svg.nr-qr").expect("selector");
    let svg = document
        .select(&svg_selector)
        .next()
        .expect("a QR code on the page");
    assert_eq!(svg.value().attr("role"), Some("img"));
    assert!(
        svg.value()
            .attr("aria-label")
            .is_some_and(|l| !l.is_empty())
    );
    let size: usize = svg
        .value()
        .attr("width")
        .expect("width")
        .parse()
        .expect("number");
    let path_selector = scraper::Selector::parse("path").expect("selector");
    let d = svg
        .select(&path_selector)
        .next()
        .and_then(|p| p.value().attr("d"))
        .expect("the dark modules");
    let mut dark = vec![false; size * size];
    for rect in d.split('M').filter(|r| !r.is_empty()) {
        let numbers: Vec<usize> = rect
            .split(|c: char| !c.is_ascii_digit())
            .filter(|n| !n.is_empty())
            .map(|n| n.parse().expect("number"))
            .collect();
        let (x, y, w, h) = (numbers[0], numbers[1], numbers[2], numbers[3]);
        for row in y..y + h {
            for col in x..x + w {
                dark[row * size + col] = true;
            }
        }
    }
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(size, size, |x, y| {
        if dark[y * size + x] { 0 } else { 255 }
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().expect("decodes").1
}
