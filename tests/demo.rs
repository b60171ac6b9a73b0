//! The demo content: seeded once into a new site, about forty valid sample
//! stories across ten topics, every one rendering safely.

mod common;

use chrono::Utc;
use common::TestSite;

#[tokio::test]
async fn demo_seeds_once_and_every_story_renders() {
    let site = TestSite::start().await;
    let seeded = herald::demo::seed(&site.store, Utc::now())
        .await
        .expect("seeded");
    assert!((35..=50).contains(&seeded), "{seeded} stories");
    assert_eq!(
        herald::demo::seed(&site.store, Utc::now())
            .await
            .expect("again"),
        0
    );

    let topics = site.store.topics(Utc::now()).await.expect("topics");
    assert!((8..=10).contains(&topics.len()), "{} topics", topics.len());
    assert!(topics.iter().all(|t| t.story_count >= 3), "{topics:?}");

    let page = site
        .store
        .published_stories(None, Utc::now(), 100, 0)
        .await
        .expect("stories");
    assert_eq!(page.total as usize, seeded, "seeding twice made duplicates");
    assert!(
        page.stories.iter().all(|s| s.sample),
        "every demo story is marked as sample"
    );
    // Newest first, and the newest within the news sitemap's 48 hours.
    assert!(
        page.stories
            .windows(2)
            .all(|w| w[0].published_at >= w[1].published_at)
    );
    assert!(Utc::now() - page.stories[0].published_at < chrono::Duration::hours(48));

    let mut embeds = 0;
    let mut pull_quotes = 0;
    for story in &page.stories {
        let (status, html) = site.text(&story.path()).await;
        assert_eq!(status, 200, "{}", story.slug);
        common::assert_no_active_content(&html);
        assert_eq!(
            common::select_text(&html, ".sample-note").len(),
            1,
            "{}",
            story.slug
        );
        embeds += common::select_text(&html, "figure.embed").len();
        pull_quotes += common::select_text(&html, "blockquote.pull-quote").len();
        if let Some(image) = &story.image {
            assert_eq!(site.get(&image.src).await.status(), 200, "{}", image.src);
        }
    }
    assert!(
        embeds >= 7 && pull_quotes >= 5,
        "{embeds} embeds, {pull_quotes} pull quotes"
    );
}

#[tokio::test]
async fn demo_images_are_served_as_immutable_svg_without_script() {
    let site = TestSite::start().await;
    herald::demo::seed(&site.store, Utc::now())
        .await
        .expect("seeded");
    let page = site
        .store
        .published_stories(None, Utc::now(), 1, 0)
        .await
        .expect("stories");
    let src = page.stories[0]
        .image
        .as_ref()
        .expect("an image")
        .src
        .clone();
    let response = site.get(&src).await;
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .expect("cc")
            .contains("immutable")
    );
    assert!(
        response.headers()["content-security-policy"]
            .to_str()
            .expect("csp")
            .contains("sandbox")
    );
}

#[tokio::test]
async fn the_demo_opens_the_newsroom_with_a_private_login_file() {
    use common::accounts::{create_user, login};
    use herald::accounts::Role;
    use herald::demo::login::{DEMO_EMAIL, ensure_login};

    let site = TestSite::start().await;
    let data = site.data_path();
    let path = ensure_login(&site.store, &data, &site.config.site.name, Utc::now())
        .await
        .expect("demo login")
        .expect("a login file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only its owner may read the password");
    }
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(DEMO_EMAIL), "{text}");
    let password = text
        .lines()
        .find_map(|line| line.strip_prefix("Password:"))
        .expect("a password line")
        .trim()
        .to_owned();
    assert!(password.len() >= 12);
    // The login works, as an admin.
    let editor = login(&site, DEMO_EMAIL, &password).await;
    let (status, _) = editor.text("/newsroom/users").await;
    assert_eq!(status, 200);

    // Started again: the same account and file.
    let again = ensure_login(&site.store, &data, &site.config.site.name, Utc::now())
        .await
        .expect("demo login");
    assert_eq!(again.as_deref(), Some(path.as_path()));
    assert_eq!(std::fs::read_to_string(&path).expect("read"), text);

    // A site that already has accounts gets no demo account.
    let other = TestSite::start().await;
    create_user(&other, "chief@example.org", Role::Admin).await;
    assert_eq!(
        ensure_login(
            &other.store,
            &other.data_path(),
            &other.config.site.name,
            Utc::now()
        )
        .await
        .expect("no demo login"),
        None
    );
}

#[tokio::test]
async fn serve_demo_sends_notifications_without_setup() {
    use common::process::{free_port, herald, wait_healthy};

    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("herald.toml");
    std::fs::write(&config, "").expect("config");
    let log_path = dir.path().join("herald.log");
    let log = std::fs::File::create(&log_path).expect("log");
    let port = free_port();
    let mut server = herald(
        &dir.path().join("data"),
        &config,
        &["--bind", &format!("127.0.0.1:{port}"), "serve", "--demo"],
    )
    .env("RUST_LOG", "info")
    .env("NO_COLOR", "1")
    .stderr(log)
    .spawn()
    .expect("herald serve --demo");
    wait_healthy(port).await;
    let _ = server.kill();
    let _ = server.wait();
    let text = std::fs::read_to_string(&log_path).expect("log");
    assert!(
        text.contains("demo: notifications are signed as mailto:"),
        "{text}"
    );
    assert!(
        !text.contains("notifications are not sent"),
        "the demo's delivery workers run: {text}"
    );
}
