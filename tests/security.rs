//! The outside probe (issue 19), kept as regression tests, each asked as
//! an attacker on the network would: the weaknesses it found (one test or
//! more per finding, named by it) and the probes that held (SSRF address
//! forms, forwarded-header spoofing, CSRF, open redirects, traversal,
//! oversized bodies, slow clients), so that they keep holding. Deeper
//! tests of each rule live beside its feature; SECURITY.md lists them.
//! Secrets at rest and backups (finding 1) are in `secrets_at_rest.rs`.

mod common;

use std::time::{Duration, Instant};

use common::TestSite;
use common::accounts::{PASSWORD, browser, create_user, csrf_in, login, submit_login};
use herald::config::HttpConfig;
use herald::roles::Role;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Short limits, so that the tests take seconds.
fn short_limits(max_connections: usize) -> HttpConfig {
    HttpConfig {
        header_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(2),
        max_connections,
        listen_backlog: 1024,
        max_streams_per_address: 20,
        stream_heartbeat: Duration::from_secs(15),
    }
}

fn address(site: &TestSite) -> String {
    site.base.trim_start_matches("http://").to_owned()
}

/// How long the server keeps `stream` open, reading what it sends, up to
/// `limit`; `None` if still open then.
async fn closed_after(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout(
            limit.saturating_sub(start.elapsed()),
            stream.read(&mut buffer),
        )
        .await
        {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(start.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn a_silent_connection_is_closed() {
    let site = TestSite::start_with(|c| c.http = short_limits(100)).await;
    let mut stream = TcpStream::connect(address(&site)).await.expect("connect");
    let closed = closed_after(&mut stream, Duration::from_secs(10)).await;
    let closed = closed.expect("closed by the server");
    assert!(closed < Duration::from_secs(5), "{closed:?}");
}

#[tokio::test]
async fn headers_sent_a_line_at_a_time_are_cut_off() {
    let site = TestSite::start_with(|c| c.http = short_limits(100)).await;
    // A page through hyper, and an event stream on its lean path.
    for request_line in ["GET / HTTP/1.1", "GET /stories/any/events HTTP/1.1"] {
        cut_off_a_line_at_a_time(&site, request_line).await;
    }
}

async fn cut_off_a_line_at_a_time(site: &TestSite, request_line: &str) {
    let mut stream = TcpStream::connect(address(site)).await.expect("connect");
    stream
        .write_all(format!("{request_line}\r\nHost: x\r\n").as_bytes())
        .await
        .expect("write");
    let start = Instant::now();
    let mut cut = false;
    // A header line every 300 ms: fast enough for any idle check, never
    // finishing the request.
    for n in 0..30 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        if stream
            .write_all(format!("X-Slow-{n}: {n}\r\n").as_bytes())
            .await
            .is_err()
        {
            cut = true;
            break;
        }
        let mut byte = [0u8; 512];
        if let Ok(Ok(read)) =
            tokio::time::timeout(Duration::from_millis(1), stream.read(&mut byte)).await
        {
            // The server's answer (408) or end of stream: cut off either way.
            cut = true;
            let _ = read;
            break;
        }
    }
    assert!(
        cut,
        "{request_line}: still open after {:?}",
        start.elapsed()
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{request_line}: {:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn a_kept_alive_connection_is_closed_when_idle_but_not_before() {
    let site = TestSite::start_with(|c| c.http = short_limits(100)).await;
    let mut stream = TcpStream::connect(address(&site)).await.expect("connect");
    for _ in 0..3 {
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .expect("write");
        let mut buffer = [0u8; 4096];
        let read = stream.read(&mut buffer).await.expect("answer");
        assert!(
            buffer[..read].starts_with(b"HTTP/1.1 200"),
            "{:?}",
            String::from_utf8_lossy(&buffer[..read])
        );
        // Less than the idle limit between requests: kept.
        tokio::time::sleep(Duration::from_millis(1200)).await;
    }
    let closed = closed_after(&mut stream, Duration::from_secs(10))
        .await
        .expect("closed once idle");
    assert!(closed >= Duration::from_millis(500), "{closed:?}");
    assert!(closed < Duration::from_secs(5), "{closed:?}");
}

#[tokio::test]
async fn connections_past_the_cap_wait_for_a_free_slot() {
    let site = TestSite::start_with(|c| c.http = short_limits(2)).await;
    let held: Vec<TcpStream> = futures_connect(&site, 2).await;
    // The third is accepted by the kernel but not served while two are open.
    let client = reqwest::Client::new();
    let third = tokio::time::timeout(
        Duration::from_millis(500),
        client.get(format!("{}/healthz", site.base)).send(),
    )
    .await;
    assert!(third.is_err(), "served past the cap");
    drop(held);
    let fourth = tokio::time::timeout(
        Duration::from_secs(5),
        client.get(format!("{}/healthz", site.base)).send(),
    )
    .await
    .expect("served once a slot is free")
    .expect("answer");
    assert_eq!(fourth.status(), 200);
}

async fn futures_connect(site: &TestSite, n: usize) -> Vec<TcpStream> {
    let mut streams = Vec::new();
    for _ in 0..n {
        let mut stream = TcpStream::connect(address(site)).await.expect("connect");
        // A request started keeps the slot busy until the idle limit.
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .expect("write");
        let mut buffer = [0u8; 1024];
        let _ = stream.read(&mut buffer).await.expect("answer");
        streams.push(stream);
    }
    streams
}

#[tokio::test]
async fn metrics_are_served_on_the_metrics_address_alone() {
    let metrics_port = common::process::free_port();
    let site = TestSite::start_with(|c| {
        c.metrics_bind = Some(
            format!("127.0.0.1:{metrics_port}")
                .parse()
                .expect("address"),
        );
    })
    .await;
    let client = reqwest::Client::new();
    let public = client
        .get(format!("{}/metrics", site.base))
        .send()
        .await
        .expect("public");
    assert_eq!(
        public.status(),
        403,
        "no token: refused on the public address"
    );
    let mut private = None;
    for _ in 0..50 {
        if let Ok(answer) = client
            .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
            .send()
            .await
        {
            private = Some(answer);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let private = private.expect("the metrics address answers");
    assert_eq!(private.status(), 200);
    let text = private.text().await.expect("text");
    assert!(text.contains("herald_push_pending_shards"), "{text}");
    let other = client
        .get(format!("http://127.0.0.1:{metrics_port}/"))
        .send()
        .await
        .expect("answer");
    assert_eq!(other.status(), 404, "nothing but /metrics there");
}

// ── Finding 2: hidden stories are as unknown as missing ones ──────────

#[tokio::test]
async fn finding_2_a_draft_cannot_be_confirmed_through_push_stats() {
    let site = TestSite::start().await;
    let draft = site
        .save(
            &common::story_json("embargo", "Embargoed merger", &["Politics"]),
            false,
            chrono::Utc::now(),
        )
        .await;
    let get = |id: i64| {
        let site = &site;
        async move {
            let response = site.get(&format!("/api/v1/stories/{id}/push-stats")).await;
            (
                response.status().as_u16(),
                response.text().await.expect("body"),
            )
        }
    };
    assert_eq!(get(draft.id).await, get(999_999).await);
    assert_eq!(get(draft.id).await.0, 404);
}

// ── Finding 3: feeds escape plain text ────────────────────────────────

#[tokio::test]
async fn finding_3_a_standfirst_cannot_inject_markup_into_rss() {
    let site = TestSite::start().await;
    let story = json!({
        "slug": "stand", "headline": "Stand", "body_markdown": "Body.",
        "standfirst": "STAND </script><svg onload=alert(1)>]]><script>alert(2)</script>",
        "topics": ["Politics"],
    });
    site.publish(&story.to_string()).await;
    let (status, rss) = site.text("/feed.xml").await;
    assert_eq!(status, 200);
    assert!(rss.contains("STAND"), "{rss}");
    assert!(!rss.contains("<svg"), "{rss}");
    assert!(!rss.contains("<script>"), "{rss}");
}

// ── Finding 4: clicks ─────────────────────────────────────────────────

#[tokio::test]
async fn finding_4_a_click_counts_once_per_subscription_and_only_for_a_published_story() {
    let site = TestSite::start().await;
    let story = site
        .publish(&common::story_json("s", "S", &["Politics"]))
        .await;
    let draft = site
        .save(
            &common::story_json("d", "Embargoed", &["Politics"]),
            false,
            chrono::Utc::now(),
        )
        .await;
    let (_, registered) = common::devices::subscribe(
        &site.client,
        &site.base,
        "https://fcm.googleapis.com/fcm/send/clicker",
        &["politics"],
    )
    .await;
    let token = registered["token"].as_str().expect("token").to_owned();
    let click = |story_id: i64, token: Option<&str>| {
        let mut request = site
            .client
            .post(format!("{}/api/v1/push/clicks", site.base))
            .json(&json!({"story_id": story_id}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let response = request.send().await.expect("request");
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    // The probe's case: twenty unauthenticated clicks were counted twenty times.
    for _ in 0..20 {
        let (status, answer) = click(story.id, None).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (401, Some("token_missing"))
        );
    }
    for _ in 0..20 {
        assert_eq!(click(story.id, Some(&token)).await.0, 204);
    }
    assert_eq!(site.store.click_count(story.id).await.expect("count"), 1);
    // A draft and an unknown story answer alike, and nothing is counted.
    let (draft_status, draft_answer) = click(draft.id, Some(&token)).await;
    assert_eq!(
        (draft_status, draft_answer),
        click(999_999, Some(&token)).await
    );
    assert_eq!(draft_status, 404);
    assert_eq!(site.store.click_count(draft.id).await.expect("count"), 0);
}

// ── Finding 6 (and the SSRF forms that held): addresses by what they reach ──

#[test]
fn finding_6_addresses_that_reach_private_networks_are_not_public() {
    use herald::delivery::allowlist::is_public;
    for address in [
        "127.0.0.1",
        "10.0.0.1",
        "169.254.169.254",
        "0.0.0.0",
        "100.64.0.1",
        "192.168.1.1",
        "::1",
        "::",
        "::ffff:127.0.0.1",
        "fe80::1",
        "fc00::1",
        // The probe's misses: NAT64, IPv4-compatible, 6to4, Teredo.
        "64:ff9b::7f00:1",
        "64:ff9b:1::a00:1",
        "::7f00:1",
        "2002:7f00:1::1",
        "2001::1",
    ] {
        let ip: std::net::IpAddr = address.parse().expect("an address");
        assert!(!is_public(ip), "{address} reaches a private network");
    }
    for address in [
        "142.250.74.206",
        "2a00:1450:4007:80f::200e",
        "64:ff9b::8efa:4ace",
    ] {
        let ip: std::net::IpAddr = address.parse().expect("an address");
        assert!(is_public(ip), "{address} is public");
    }
}

// ── Finding 8: /metrics ───────────────────────────────────────────────

#[tokio::test]
async fn finding_8_metrics_need_the_configured_token() {
    let open = TestSite::start().await;
    assert_eq!(
        open.get("/metrics").await.status(),
        403,
        "no token configured: refused"
    );
    let locked =
        TestSite::start_with(|c| c.metrics_token = Some("a-long-metrics-token".into())).await;
    let client = reqwest::Client::new();
    let with = |token: &'static str| {
        client
            .get(format!("{}/metrics", locked.base))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(
        with("wrong-token-wrong-token")
            .await
            .expect("answer")
            .status(),
        401
    );
    assert_eq!(
        with("a-long-metrics-token").await.expect("answer").status(),
        200
    );
}

// ── Finding 9: a disabled account's login ─────────────────────────────

#[tokio::test]
async fn finding_9_a_disabled_account_does_not_confirm_its_password() {
    let site = TestSite::start().await;
    let id = create_user(&site, "gone@example.org", Role::Editor).await;
    site.store
        .set_user_disabled(id, true, chrono::Utc::now().timestamp())
        .await
        .expect("disabled");
    let answer = |password: &'static str| {
        let base = site.base.clone();
        async move {
            let response = submit_login(&browser(), &base, "gone@example.org", password).await;
            let status = response.status().as_u16();
            let html = response.text().await.expect("body");
            // The page without its per-request CSRF token.
            (status, html.replace(&csrf_in(&html), ""))
        }
    };
    let right = answer(PASSWORD).await;
    let wrong = answer("not the password at all").await;
    assert_eq!(right, wrong);
    assert!(!right.1.contains("disabled"));
}

// ── Finding 10: HSTS, Retry-After, call-to-action URLs ────────────────

#[tokio::test]
async fn finding_10_an_https_site_sends_hsts() {
    let site =
        TestSite::start_with(|c| c.base_url = "https://news.example.org/".parse().expect("url"))
            .await;
    let response = site.get("/").await;
    let hsts = response.headers()["strict-transport-security"]
        .to_str()
        .expect("ascii");
    assert!(hsts.contains("max-age=31536000"), "{hsts}");
    let plain = TestSite::start().await;
    assert!(
        plain
            .get("/")
            .await
            .headers()
            .get("strict-transport-security")
            .is_none()
    );
}

#[tokio::test]
async fn finding_10_and_held_spoofed_forwarding_headers_do_not_lift_the_registration_limit() {
    let site = TestSite::start_with(|c| c.push.registrations_per_ip_per_hour = 1).await;
    let register = |n: u32, forwarded: &'static str| {
        site.client
            .post(format!("{}/api/v1/push/subscriptions", site.base))
            .header("x-forwarded-for", forwarded)
            .header("forwarded", format!("for={forwarded}"))
            .header("x-real-ip", forwarded)
            .json(&json!({"subscription": common::devices::subscription_json(&format!("https://fcm.googleapis.com/fcm/send/spoof-{n}")), "topics": []}))
            .send()
    };
    assert_eq!(
        register(1, "203.0.113.1").await.expect("answer").status(),
        201
    );
    let refused = register(2, "203.0.113.2").await.expect("answer");
    assert_eq!(
        refused.status(),
        429,
        "the limit counts the connecting address"
    );
    assert!(refused.headers().contains_key("retry-after"));
}

#[test]
fn finding_10_call_to_action_urls_cannot_lead_off_the_site() {
    for url in [
        "/\\evil.example",
        "/\tevil.example",
        "/\t/evil.example",
        "//evil.example",
        "javascript:alert(1)",
        "/ /evil.example",
    ] {
        let story = json!({
            "slug": "cta", "headline": "CTA", "body_markdown": "x",
            "call_to_action": {"text": "Go", "url": url},
        });
        let refused = herald::content::input::parse_story_json(&story.to_string())
            .and_then(|input| input.validate())
            .expect_err(url);
        assert!(
            format!("{refused:?}").contains("call_to_action.url"),
            "{url}: {refused:?}"
        );
    }
}

// ── Finding 11: sanitised author HTML stays valid ─────────────────────

#[test]
fn finding_11_a_refused_link_keeps_no_link_attributes() {
    let html = herald::content::markdown::render_body("<a href=\"javascript:alert(1)\">x</a>");
    assert!(!html.contains("rel="), "{html}");
    assert!(!html.contains("javascript"), "{html}");
}

// ── Probes that held ──────────────────────────────────────────────────

#[tokio::test]
async fn held_a_newsroom_form_without_its_csrf_token_is_refused() {
    let site = TestSite::start().await;
    create_user(&site, "ed@example.org", Role::Editor).await;
    let editor = login(&site, "ed@example.org", PASSWORD).await;
    let forged = editor
        .post_form_raw("/newsroom/account/name", &[("name", "Mallory")])
        .await;
    assert_eq!(forged.status(), 403);
    let user = site
        .store
        .user_by_email("ed@example.org")
        .await
        .expect("store")
        .expect("user");
    assert_ne!(user.name, "Mallory");
}

#[tokio::test]
async fn held_login_never_redirects_off_the_newsroom() {
    let site = TestSite::start().await;
    create_user(&site, "ed@example.org", Role::Editor).await;
    for next in [
        "//evil.example",
        "https://evil.example/",
        "/\\evil.example",
        "/newsroom//evil.example",
        "/newsroom/\\evil.example",
        "/newsroom/%0d%0aLocation:%20https://evil.example",
        "javascript:alert(1)",
    ] {
        let client = browser();
        let page = client
            .get(format!("{}/newsroom/login", site.base))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body");
        let response = client
            .post(format!("{}/newsroom/login", site.base))
            .form(&[
                ("email", "ed@example.org"),
                ("password", PASSWORD),
                ("csrf", &csrf_in(&page)),
                ("next", next),
            ])
            .send()
            .await
            .expect("login");
        let location = response.headers()["location"]
            .to_str()
            .expect("ascii")
            .to_owned();
        assert!(location.starts_with("/newsroom"), "{next} → {location}");
        assert!(!location.contains("evil"), "{next} → {location}");
    }
}

#[tokio::test]
async fn held_traversal_reaches_nothing_outside_media_and_assets() {
    let site = TestSite::start().await;
    for path in [
        "/media/../herald.db",
        "/media/..%2fherald.db",
        "/media/%2e%2e/herald.db",
        "/media/..%5cherald.db",
        "/assets/../Cargo.toml",
        "/assets/..%2f..%2fCargo.toml",
        "/assets/%2e%2e%2fsecret.key",
        "/media/....//secret.key",
        "/media/%252e%252e%252fsecret.key",
    ] {
        let response = site.get(path).await;
        let status = response.status().as_u16();
        let body = response.bytes().await.expect("body");
        assert!(matches!(status, 400 | 404), "{path}: {status}");
        assert!(!body.starts_with(b"SQLite format"), "{path}");
        assert!(
            !String::from_utf8_lossy(&body).contains("[package]"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn held_oversized_bodies_are_refused_before_they_are_read_whole() {
    let site = TestSite::start().await;
    let huge = format!("{{\"subscription\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let response = site
        .client
        .post(format!("{}/api/v1/push/subscriptions", site.base))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 413);
}

// ── Finding 7: passwords ──────────────────────────────────────────────

#[tokio::test]
async fn finding_7_common_repeated_and_contextual_passwords_are_refused() {
    let site = TestSite::start().await;
    for (password, why) in [
        ("password1234", "commonly used"),
        ("aaaaaaaaaaaa", "one character"),
        ("Herald-newsroom-2026", "site"),
        ("mallory.lastname99", "email"),
    ] {
        let refused = herald::accounts::users::add_user(
            &site.store,
            herald::accounts::users::NewAccount {
                email: "mallory.lastname@example.org".into(),
                name: String::new(),
                role: Role::Editor,
                password: password.into(),
            },
            &site.config.site.name,
            chrono::Utc::now().timestamp(),
        )
        .await
        .expect_err(password);
        assert!(refused.to_string().contains(why), "{password}: {refused}");
    }
}

// ── Finding 11: author images need a text ─────────────────────────────

#[tokio::test]
async fn finding_11_an_author_image_without_alt_is_refused_not_passed_through() {
    let site = TestSite::start().await;
    create_user(&site, "ed@example.org", Role::Editor).await;
    let token = common::accounts::api_token(&site, "ed@example.org").await;
    let post = |body: &'static str| {
        site.client
            .post(format!("{}/api/v1/admin/stories", site.base))
            .bearer_auth(&token)
            .json(&json!({"headline": "Images", "body_markdown": body}))
            .send()
    };
    let refused = post("Before.\n\n<img src=\"/media/x.jpg\">\n\nAfter.")
        .await
        .expect("answer");
    assert_eq!(refused.status(), 400);
    let answer: Value = refused.json().await.expect("json");
    assert_eq!(
        answer["error"]["fields"][0]["field"], "body_markdown",
        "{answer}"
    );
    let decorative = post("<img src=\"/media/x.jpg\" alt=\"\">")
        .await
        .expect("answer");
    assert_eq!(decorative.status(), 201, "marked decorative");
}
