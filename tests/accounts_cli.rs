//! Accounts from the command line (`herald user …`, `herald token …`) as an
//! operator runs them, and the promise that no password, token or session
//! secret is ever written to the logs.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::accounts::{PASSWORD, browser, login, submit_login};
use common::process::{free_port, wait_healthy};
use common::{TestDatabase, TestSite};
use serde_json::{Value, json};

/// `herald ARGS…` on the site's data folder and database, with `stdin`
/// piped in (not a terminal).
fn herald(site: &TestSite, args: &[&str], stdin: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
    command.arg("--data").arg(site.data_path());
    if let Some(url) = &site.config.database_url {
        command.arg("--database-url").arg(url);
        command.env("HERALD_SECRET_KEY", common::TEST_SECRET_KEY);
    }
    run(command.args(args), stdin)
}

fn run(command: &mut Command, stdin: &str) -> Output {
    let mut child = command
        .env("RUST_LOG", "info")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("herald runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("herald exits")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn user_add_reads_the_password_from_stdin_and_never_from_an_argument() {
    let site = TestSite::start().await;
    let out = herald(
        &site,
        &[
            "user",
            "add",
            "Ana@Example.org",
            "--role",
            "admin",
            "--name",
            "Ana Reporter",
        ],
        &format!("{PASSWORD}\nignored second line\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("account ana@example.org added as admin"));
    assert!(!text(&out.stderr).contains(PASSWORD));
    // The first line, whole, is the password.
    login(&site, "ana@example.org", PASSWORD).await;

    // There is no argument to give a password with.
    let out = herald(
        &site,
        &[
            "user",
            "add",
            "bob@example.org",
            "--role",
            "editor",
            "--password",
            PASSWORD,
        ],
        "",
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("unexpected argument '--password'"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        site.store
            .user_by_email("bob@example.org")
            .await
            .expect("store")
            .is_none()
    );

    let cases: [(&[&str], &str, &str); 7] = [
        (
            &["user", "add", "bob@example.org", "--role", "editor"],
            "short\n",
            "at least 12 characters",
        ),
        (
            &["user", "add", "bob@example.org", "--role", "editor"],
            "password1234\n",
            "password: this password is in a list of commonly used passwords",
        ),
        (
            &[
                "user",
                "add",
                "bobby.tables@example.org",
                "--role",
                "editor",
            ],
            "little bobby tables\n",
            "password: the password must not contain the name of the account's email address",
        ),
        (
            &["user", "add", "bob@example.org", "--role", "editor"],
            "",
            "password: none given",
        ),
        (
            &["user", "add", "ANA@example.org", "--role", "editor"],
            "another long password\n",
            "already exists",
        ),
        (
            &["user", "add", "bob@example.org", "--role", "chief"],
            "another long password\n",
            "\"chief\" is not a role; use contributor, editor or admin",
        ),
        (
            &["user", "add", "not-an-email", "--role", "editor"],
            "another long password\n",
            "email: an email address has an @",
        ),
    ];
    for (args, stdin, expected) in cases {
        let out = herald(&site, args, stdin);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            text(&out.stderr).contains(expected),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert!(
        site.store
            .user_by_email("bob@example.org")
            .await
            .expect("store")
            .is_none()
    );

    let out = herald(&site, &["user", "list"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = text(&out.stdout);
    assert!(
        listed.contains("ana@example.org\tadmin\tAna Reporter\toff\tactive"),
        "{listed}"
    );
}

#[tokio::test]
async fn tokens_are_created_listed_and_revoked_from_the_command_line() {
    let site = TestSite::start().await;
    common::accounts::create_user(&site, "ana@example.org", herald::accounts::Role::Editor).await;

    let out = herald(
        &site,
        &[
            "token",
            "create",
            "--user",
            "ana@example.org",
            "--name",
            "ci",
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token = text(&out.stdout);
    let token = token.trim_end_matches('\n');
    // The token alone on stdout; never on stderr.
    assert!(
        token.starts_with("hrd_") && !token.contains(char::is_whitespace),
        "{token:?}"
    );
    assert!(!text(&out.stderr).contains(token));

    let tokens = || {
        site.client
            .get(format!("{}/api/v1/admin/tokens", site.base))
            .bearer_auth(token)
            .send()
    };
    let response = tokens().await.expect("request");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["tokens"][0]["name"], "ci");

    let out = herald(&site, &["token", "list", "--user", "ana@example.org"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = text(&out.stdout);
    assert!(
        listed.contains("\tci\tana@example.org\t") && listed.contains("active"),
        "{listed}"
    );
    assert!(!listed.contains(token));

    // Unknown accounts and tokens are named in the error.
    let out = herald(
        &site,
        &["token", "create", "--user", "nobody@example.org"],
        "",
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("there is no account nobody@example.org"));
    let out = herald(&site, &["token", "revoke", "nothing-like-this"], "");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no working token has the id or name"));

    let out = herald(&site, &["token", "revoke", "ci"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let response = tokens().await.expect("request");
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "token_revoked");

    // Revoking by id works too; a name given by default is listed.
    let out = herald(&site, &["token", "create", "--user", "ana@example.org"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let second = text(&out.stdout).trim().to_owned();
    let out = herald(&site, &["token", "list"], "");
    let listed = text(&out.stdout);
    let line = listed
        .lines()
        .find(|l| l.contains("token-") && l.ends_with("active"))
        .unwrap_or_else(|| panic!("{listed}"));
    let id = line.split('\t').next().expect("id");
    let out = herald(&site, &["token", "revoke", id], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let response = site
        .client
        .get(format!("{}/api/v1/admin/tokens", site.base))
        .bearer_auth(&second)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn no_password_token_or_session_secret_reaches_the_logs() {
    let data = tempfile::tempdir().expect("tmp");
    let database = TestDatabase::create().await;
    let port = free_port();
    let log_path = data.path().join("serve.log");
    let base_command = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
        command.arg("--data").arg(data.path());
        if let Some(database) = &database {
            command.arg("--database-url").arg(database.url());
            command.env("HERALD_SECRET_KEY", common::TEST_SECRET_KEY);
        }
        command.env("RUST_LOG", "debug");
        command
    };
    let mut logs = String::new();

    let out = run(
        base_command().args(["user", "add", "ana@example.org", "--role", "editor"]),
        &format!("{PASSWORD}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    logs.push_str(&text(&out.stderr));

    let log_file = std::fs::File::create(&log_path).expect("log file");
    let mut server = base_command()
        .args([
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--workers",
            "0",
            "serve",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .expect("serve");
    let base = format!("http://127.0.0.1:{port}");
    tokio::time::timeout(Duration::from_secs(30), wait_healthy(port))
        .await
        .expect("the server starts");

    // A failed login, a login, API calls with the session and with a token.
    let wrong = submit_login(&browser(), &base, "ana@example.org", "a wrong guess at it").await;
    assert_eq!(wrong.status(), 422);
    let client = browser();
    let response = submit_login(&client, &base, "ana@example.org", PASSWORD).await;
    assert_eq!(response.status(), 303);
    let session_secret = response.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .trim_start_matches("herald_session=")
        .split(';')
        .next()
        .expect("value")
        .to_owned();
    let page = client
        .get(format!("{base}/newsroom/account"))
        .send()
        .await
        .expect("account")
        .text()
        .await
        .expect("body");
    let csrf = common::accounts::csrf_in(&page);
    let created: Value = client
        .post(format!("{base}/api/v1/admin/tokens"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "logs"}))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let token = created["token"].as_str().expect("token").to_owned();
    let response = reqwest::Client::new()
        .get(format!("{base}/api/v1/admin/tokens"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("use");
    assert_eq!(response.status(), 200);

    let out = run(
        base_command().args(["token", "create", "--user", "ana@example.org"]),
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let cli_token = text(&out.stdout).trim().to_owned();
    logs.push_str(&text(&out.stderr));

    server.kill().expect("stop the server");
    server.wait().expect("stopped");
    logs.push_str(&std::fs::read_to_string(&log_path).expect("logs"));
    assert!(logs.contains("logged in"), "the server logged: {logs}");
    for secret in [
        PASSWORD,
        "a wrong guess at it",
        &session_secret,
        &csrf,
        &token,
        &cli_token,
    ] {
        assert!(!secret.is_empty());
        assert!(!logs.contains(secret), "{secret:?} is in the logs: {logs}");
    }
}

#[tokio::test]
async fn user_invite_prints_the_link_alone_on_stdout() {
    let site = TestSite::start().await;
    let out = herald(
        &site,
        &[
            "--base-url",
            "https://news.example.org",
            "user",
            "invite",
            "Gus@Example.org",
            "--role",
            "editor",
            "--name",
            "Gus Reporter",
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let link = stdout
        .strip_suffix('\n')
        .unwrap_or_else(|| panic!("one line: {stdout:?}"));
    assert!(!link.contains(char::is_whitespace), "{stdout:?}");
    let path = link
        .strip_prefix("https://news.example.org")
        .unwrap_or_else(|| panic!("under base_url: {link}"));
    assert!(path.starts_with("/newsroom/invite/"), "{link}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("gus@example.org invited as editor"),
        "{stderr}"
    );
    assert!(!stderr.contains(path), "the link only on stdout: {stderr}");

    // The link works on the site, for the account it names.
    let page = browser()
        .get(format!("{}{path}", site.base))
        .send()
        .await
        .expect("request");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("body");
    assert!(html.contains("Gus Reporter, you were invited as <strong>editor</strong>"));

    // An email with an account: a clear error, nothing on stdout.
    common::accounts::create_user(&site, "ana@example.org", herald::accounts::Role::Admin).await;
    let out = herald(
        &site,
        &["user", "invite", "ana@example.org", "--role", "editor"],
        "",
    );
    assert!(!out.status.success());
    assert_eq!(text(&out.stdout), "");
    assert!(
        text(&out.stderr).contains("an account with the email ana@example.org already exists"),
        "{}",
        text(&out.stderr)
    );
}
