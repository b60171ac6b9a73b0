//! The `herald` binary as an operator uses it: `story add` from a file or
//! standard input, its errors, and start-up failures that must name a path.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::TestSite;

fn herald(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_herald"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("herald runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("herald exits")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn story_add_while_serving_shows_within_seconds() {
    // SQLite's own case: a second process writing the data folder's database
    // while the server reads it (WAL), whatever TEST_DATABASE_URL says.
    let site = TestSite::start_sqlite().await;
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("story.json");
    std::fs::write(
        &file,
        r#"{"headline": "Bridge reopens after repairs", "body_markdown": "Traffic flows again.", "topics": ["World News"]}"#,
    )
    .expect("write");
    let out = herald(
        &site.data_path(),
        &[
            "--base-url",
            "https://news.example.org",
            "story",
            "add",
            file.to_str().expect("utf8"),
            "--publish",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        "https://news.example.org/stories/bridge-reopens-after-repairs"
    );

    let started = Instant::now();
    loop {
        let (_, html) = site.text("/").await;
        if html.contains("Bridge reopens after repairs") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the new story did not show within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(site.get("/topics/world-news").await.status(), 200);
}

#[test]
fn story_add_reads_stdin_and_updates_by_slug() {
    let data = tempfile::tempdir().expect("tmp");
    let story = r#"{"slug": "s1", "headline": "First", "body_markdown": "x"}"#;
    let out = herald(data.path(), &["story", "add", "-"], Some(story));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("created, saved as a draft"),
        "{}",
        text(&out.stderr)
    );
    let out = herald(
        data.path(),
        &["story", "add", "-", "--publish"],
        Some(&story.replace("First", "Second")),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("updated, published"),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stdout).trim().ends_with("/stories/s1"));
}

#[test]
fn invalid_story_names_the_fields_and_stores_nothing() {
    let data = tempfile::tempdir().expect("tmp");
    let image_dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        image_dir.path().join("fake.png"),
        b"<html>not an image</html>",
    )
    .expect("write");
    let cases: &[(&str, &str)] = &[
        (r#"{"headline": "H"}"#, "body_markdown"),
        (r#"{"headline": "", "body_markdown": "B"}"#, "headline"),
        (
            r#"{"headline": "H", "body_markdown": "B", "slug": "Not A Slug"}"#,
            "slug",
        ),
        (
            r#"{"headline": "H", "body_markdown": "B", "topics": "Politics"}"#,
            "topics",
        ),
        (
            r#"{"headline": "H", "body_markdown": "B", "image": {"path": "fake.png", "alt": "x"}}"#,
            "image.path",
        ),
        (
            r#"{"headline": "H", "body_markdown": "B", "image": {"path": "missing.png", "alt": "x"}}"#,
            "image.path",
        ),
        (
            r#"{"headline": "H", "body_markdown": "B", "published_at": "tomorrow"}"#,
            "published_at",
        ),
        (
            r#"{"headline": "H", "body_markdown": "B", "previous_slug": "never-was"}"#,
            "previous_slug",
        ),
        (r#"{"headline": "H", "body_markdown": "B""#, "line 1"),
        (
            r#"{"headline": "H", "body_markdown": "B\n\n![](river.jpg)"}"#,
            "body_markdown: the image \"river.jpg\" has no text for readers who cannot see it",
        ),
    ];
    for (json, field) in cases {
        let file = image_dir.path().join("story.json");
        std::fs::write(&file, json).expect("write");
        let out = herald(
            data.path(),
            &["story", "add", file.to_str().expect("utf8"), "--publish"],
            None,
        );
        assert!(!out.status.success(), "{json} was accepted");
        let err = text(&out.stderr);
        assert!(
            err.contains(field),
            "{json}: error does not name {field}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    // Nothing was stored: a valid story is the first and only one.
    let out = herald(
        data.path(),
        &["story", "add", "-", "--publish"],
        Some(r#"{"headline": "H", "body_markdown": "B"}"#),
    );
    assert!(
        text(&out.stderr).contains("created"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn story_add_stores_a_local_image_checked_by_content() {
    let data = tempfile::tempdir().expect("tmp");
    let dir = tempfile::tempdir().expect("tmp");
    // A real PNG under a .jpeg name: known by its content, not its name.
    image::RgbImage::from_pixel(40, 30, image::Rgb([200, 120, 40]))
        .save_with_format(dir.path().join("pic.jpeg"), image::ImageFormat::Png)
        .expect("write");
    std::fs::write(
        dir.path().join("story.json"),
        r#"{"slug": "pic", "headline": "Pic", "body_markdown": "x", "image": {"path": "pic.jpeg", "alt": "A picture"}}"#,
    )
    .expect("write");
    let out = herald(
        data.path(),
        &[
            "story",
            "add",
            dir.path().join("story.json").to_str().expect("utf8"),
            "--publish",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn a_corrupt_database_is_one_clear_error_naming_the_path() {
    let data = tempfile::tempdir().expect("tmp");
    std::fs::write(data.path().join("herald.db"), vec![0x42u8; 8192]).expect("write");
    let out = herald(
        data.path(),
        &["story", "add", "-"],
        Some(r#"{"headline": "H", "body_markdown": "B"}"#),
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains(&data.path().join("herald.db").display().to_string()),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_data_folder_that_cannot_be_used_is_named() {
    let dir = tempfile::tempdir().expect("tmp");
    let not_a_folder = dir.path().join("file");
    std::fs::write(&not_a_folder, b"x").expect("write");
    let out = herald(&not_a_folder, &["serve"], None);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains(&not_a_folder.display().to_string()), "{err}");
    assert!(err.contains("data folder"), "{err}");
}

#[test]
fn a_locked_database_is_reported_not_hung() {
    let data = tempfile::tempdir().expect("tmp");
    // Create the database, then hold an exclusive lock from another connection.
    let out = herald(
        data.path(),
        &["story", "add", "-"],
        Some(r#"{"headline": "H", "body_markdown": "B"}"#),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let db = data.path().join("herald.db");
    let mut locker = Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3,sys,time\nc=sqlite3.connect(sys.argv[1],isolation_level=None)\n\
             c.execute('BEGIN EXCLUSIVE')\nprint('locked',flush=True)\ntime.sleep(30)",
        )
        .arg(&db)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(locker.stdout.as_mut().expect("stdout")),
        &mut line,
    )
    .expect("read");
    assert_eq!(line.trim(), "locked");
    let started = Instant::now();
    let out = herald(
        data.path(),
        &["story", "add", "-"],
        Some(r#"{"headline": "Other", "body_markdown": "B"}"#),
    );
    let _ = locker.kill();
    let _ = locker.wait();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("locked"), "{err}");
    assert!(
        err.contains(&db.display().to_string()) || err.contains("database"),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "waited too long"
    );
}

#[test]
fn config_file_and_environment_use_the_same_names() {
    let data = tempfile::tempdir().expect("tmp");
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("herald.toml");
    std::fs::write(&config, "base_url = \"https://from-file.example\"\n").expect("write");
    let run = |envs: &[(&str, &str)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_herald"));
        cmd.args(["--config", config.to_str().expect("utf8"), "--data"])
            .arg(data.path());
        cmd.args(["story", "add", "-"])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(br#"{"headline": "H", "body_markdown": "B"}"#)
            .expect("write");
        text(&child.wait_with_output().expect("output").stdout)
    };
    assert_eq!(run(&[]).trim(), "https://from-file.example/stories/h");
    assert_eq!(
        run(&[("HERALD_BASE_URL", "https://from-env.example")]).trim(),
        "https://from-env.example/stories/h"
    );
}

/// `herald merge-search-index`, for after a large import: merges the
/// index's segments (one per story written here) and says so; run again,
/// it finds nothing left to merge.
#[test]
fn merge_search_index_merges_once_then_has_nothing_to_do() {
    let data = tempfile::tempdir().expect("tmp");
    for i in 0..6 {
        let story = format!(r#"{{"slug": "s{i}", "headline": "Tide {i}", "body_markdown": "B"}}"#);
        let out = herald(
            data.path(),
            &["story", "add", "-", "--publish"],
            Some(&story),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let out = herald(data.path(), &["merge-search-index"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("merged the search index in "),
        "{}",
        text(&out.stdout)
    );
    let out = herald(data.path(), &["merge-search-index"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("nothing to merge"),
        "{}",
        text(&out.stdout)
    );
}
