//! Accounts for tests: add a user, log in through the real login form (a
//! client with its own cookie store, and the session's CSRF token for
//! forms and API calls), and make API tokens.
//!
//! ```ignore
//! let site = TestSite::start().await;
//! create_user(&site, "ed@example.org", Role::Editor).await;
//! let ed = login(&site, "ed@example.org", PASSWORD).await;
//! let page = ed.post_form("/newsroom/topics", &[("name", "Sport")]).await; // csrf added
//! let token = api_token(&site, "ed@example.org").await;
//! ```

use herald::accounts::Role;
use herald::accounts::tokens::create_token;
use herald::accounts::users::{NewAccount, add_user};

use super::TestSite;

/// The password [`create_user`] gives every account.
pub const PASSWORD: &str = "correct horse battery staple";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Adds an account with [`PASSWORD`]; returns its id. The name is the
/// email's local part.
pub async fn create_user(site: &TestSite, email: &str, role: Role) -> i64 {
    create_user_with_password(site, email, role, PASSWORD).await
}

/// Adds an account with the given password; returns its id.
pub async fn create_user_with_password(
    site: &TestSite,
    email: &str,
    role: Role,
    password: &str,
) -> i64 {
    add_user(
        &site.store,
        NewAccount {
            email: email.to_owned(),
            name: String::new(),
            role,
            password: password.to_owned(),
        },
        &site.config.site.name,
        now(),
    )
    .await
    .expect("user added")
}

/// A browser logged in to the newsroom: its cookies, and the session's
/// CSRF token.
pub struct LoggedIn {
    /// Keeps the session cookie; does not follow redirects.
    pub client: reqwest::Client,
    /// The session's CSRF token (form field `csrf`, header `X-CSRF-Token`).
    pub csrf: String,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl LoggedIn {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// The status and body of a page.
    pub async fn text(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// Posts an urlencoded form with the session's `csrf` field added.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", self.csrf.as_str()));
        self.post_form_raw(path, &all).await
    }

    /// Posts an urlencoded form exactly as given (no `csrf` added).
    pub async fn post_form_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("request")
    }

    /// An API request with the session cookie and its `X-CSRF-Token`.
    pub fn api(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header("x-csrf-token", &self.csrf)
    }
}

/// A client with a cookie store that does not follow redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The value of the hidden `csrf` input of a page.
pub fn csrf_in(html: &str) -> String {
    super::select_attr(html, "input[name=csrf]", "value")
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no csrf field in {html}"))
}

/// Logs in through the login form (which must succeed without a second
/// factor) and reads the session's CSRF token from a newsroom page.
pub async fn login(site: &TestSite, email: &str, password: &str) -> LoggedIn {
    let client = browser();
    let response = submit_login(&client, &site.base, email, password).await;
    assert_eq!(
        response.status().as_u16(),
        303,
        "login as {email} failed: {}",
        response.text().await.unwrap_or_default()
    );
    let page = client
        .get(format!("{}/newsroom/account", site.base))
        .send()
        .await
        .expect("request");
    assert_eq!(page.status().as_u16(), 200, "not logged in as {email}");
    let csrf = csrf_in(&page.text().await.expect("body"));
    LoggedIn {
        client,
        csrf,
        base: site.base.clone(),
    }
}

/// Adds an account with `role` named after it (`admin@example.org`, …)
/// and logs in.
pub async fn login_as(site: &TestSite, role: Role) -> LoggedIn {
    let email = format!("{role}@example.org");
    create_user(site, &email, role).await;
    login(site, &email, PASSWORD).await
}

/// Fetches the login form (for its CSRF cookie and field) and posts
/// `email` and `password` with `client`; the answer is not followed.
pub async fn submit_login(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let form = client
        .get(format!("{base}/newsroom/login"))
        .send()
        .await
        .expect("login page");
    assert_eq!(form.status().as_u16(), 200, "the login page answers");
    let csrf = csrf_in(&form.text().await.expect("body"));
    client
        .post(format!("{base}/newsroom/login"))
        .form(&[("email", email), ("password", password), ("csrf", &csrf)])
        .send()
        .await
        .expect("login")
}

/// A new API token (`Authorization: Bearer …`) for the account `email`.
pub async fn api_token(site: &TestSite, email: &str) -> String {
    let user = site
        .store
        .user_by_email(&email.to_lowercase())
        .await
        .expect("store")
        .unwrap_or_else(|| panic!("no account {email}"));
    create_token(&site.store, user.id, None, now())
        .await
        .expect("token")
        .token
}
