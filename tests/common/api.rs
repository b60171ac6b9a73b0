//! The admin API as a newsroom account calls it: a user of a role with a
//! bearer token of their own, and answers read back as status and JSON.

use reqwest::{Method, RequestBuilder};
use serde_json::Value;

use super::TestSite;
use super::accounts::{api_token, create_user};
use herald::accounts::Role;

/// An API client with a bearer token.
pub struct Api {
    pub base: String,
    pub token: String,
    pub client: reqwest::Client,
}

impl Api {
    /// Creates user `email` with `role` and a token of theirs.
    pub async fn for_user(site: &TestSite, email: &str, role: Role) -> Api {
        create_user(site, email, role).await;
        Api {
            base: site.base.clone(),
            token: api_token(site, email).await,
            client: reqwest::Client::new(),
        }
    }

    /// A request to `path` on the site, with the token.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    /// Sends `method` to `path`, with `body` as JSON when given.
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request).await
    }
}

impl Api {
    /// Creates and publishes story `slug` (`live` or not, in `topics`)
    /// without a notification; returns its id.
    pub async fn publish_quietly(&self, slug: &str, live: bool, topics: &[&str]) -> i64 {
        let story = serde_json::json!({
            "slug": slug,
            "headline": format!("Headline of {slug}"),
            "standfirst": "A standfirst.",
            "body_markdown": "The story so far.",
            "authors": ["Ana Reporter"],
            "topics": topics,
            "live": live,
        });
        let (status, body) = self
            .send(Method::POST, "/api/v1/admin/stories", Some(story))
            .await;
        assert_eq!(status, 201, "{body}");
        let id = body["id"].as_i64().expect("id");
        let (status, body) = self
            .send(
                Method::POST,
                &format!("/api/v1/admin/stories/{id}/publish"),
                Some(serde_json::json!({"push": {"send": false}})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        id
    }
}

/// Sends `request` and reads its answer: the status, and the body as JSON
/// (or, when it is not JSON, as a string).
pub async fn answer(request: RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}
