//! What each `herald` subcommand does, called by `main.rs` once it has
//! parsed the command line. Errors here are `anyhow` errors for the person
//! at the terminal: each says what went wrong and where.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::Utc;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::content::input::{ImageSource, parse_story_json};
use crate::content::media::{MAX_IMAGE_BYTES, sniff_image};
use crate::push::allowlist::Resolver;
use crate::server::{self, AppState};
use crate::store::{MediaUpload, Store};

/// `herald serve`: opens the data folder, seeds the demo when asked, and
/// serves until SIGINT or SIGTERM.
pub async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    let store = Store::open(&config.data, config.database_url.as_deref()).await?;
    if demo {
        crate::demo::seed(&store, Utc::now()).await?;
    }
    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let address = listener.local_addr()?;
    tracing::info!(data = %config.data.display(), "Herald is serving http://{address}/");
    let vapid = crate::push::keys::site_keys(&store, &config.data).await?;
    let state = AppState::new(store.clone(), config, &vapid, Resolver::System)?;
    let engine = state.engine(vapid)?;
    server::serve(listener, state, engine, shutdown_signal()).await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// `herald worker`: delivery only, no web server. Runs the configured
/// number of workers (at least one) until SIGINT or SIGTERM, then lets them
/// checkpoint their batches in flight.
pub async fn work(mut config: Config) -> anyhow::Result<()> {
    config.push.workers = config.push.workers.max(1);
    let store = Store::open(&config.data, config.database_url.as_deref()).await?;
    let vapid = crate::push::keys::site_keys(&store, &config.data).await?;
    let state = AppState::new(store.clone(), config, &vapid, Resolver::System)?;
    let Some(engine) = state.engine(vapid)? else {
        anyhow::bail!(
            "cannot deliver without a VAPID subject: set push.vapid_subject in the config file, \
             HERALD_VAPID_SUBJECT, or --vapid-subject to a mailto: or https: URL"
        );
    };
    tracing::info!(
        workers = engine.settings.workers,
        "Herald delivery worker running"
    );
    server::run_workers(engine, shutdown_signal()).await;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}

/// `herald story add FILE [--publish]`: creates or updates a story from the
/// import JSON (`-` reads standard input) and returns its URL. Nothing is
/// stored unless every field is valid.
pub async fn add_story(config: &Config, source: &str, publish: bool) -> anyhow::Result<String> {
    let (text, base_dir) = if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the story from standard input")?;
        (text, std::env::current_dir().unwrap_or_default())
    } else {
        let path = PathBuf::from(source);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        (text, dir)
    };
    let draft = parse_story_json(&text)
        .and_then(|input| input.validate())
        .map_err(|errors| {
            let lines: Vec<String> = errors.0.iter().map(|e| format!("  {e}")).collect();
            anyhow::anyhow!(
                "the story is not valid; nothing was stored:\n{}",
                lines.join("\n")
            )
        })?;
    let upload = match draft.image.as_ref().map(|i| &i.source) {
        Some(ImageSource::Path(path)) => Some(read_image(&base_dir.join(path))?),
        _ => None,
    };
    let store = Store::open(&config.data, config.database_url.as_deref()).await?;
    let outcome = store
        .save_story(&draft, upload.as_ref(), publish, false, Utc::now())
        .await?;
    store.close().await;
    let url = config.absolute(&crate::content::model::story_path(&outcome.slug));
    let state = match outcome.published_at {
        None => "saved as a draft (not visible; add --publish to publish)".to_owned(),
        Some(at) if at > Utc::now() => format!("scheduled for {}", at.to_rfc3339()),
        Some(_) => "published".to_owned(),
    };
    let verb = if outcome.created {
        "created"
    } else {
        "updated"
    };
    eprintln!("story {verb}, {state}");
    Ok(url)
}

/// Reads a featured image and checks it by content.
fn read_image(path: &Path) -> anyhow::Result<MediaUpload> {
    let metadata = std::fs::metadata(path)
        .with_context(|| format!("image.path: cannot read {}", path.display()))?;
    if metadata.len() > MAX_IMAGE_BYTES as u64 {
        bail!(
            "image.path: {} is {} bytes; the limit is {MAX_IMAGE_BYTES}",
            path.display(),
            metadata.len()
        );
    }
    let bytes = std::fs::read(path)
        .with_context(|| format!("image.path: cannot read {}", path.display()))?;
    let kind = sniff_image(&bytes).with_context(|| {
        format!(
            "image.path: {} is not a JPEG, PNG, WebP, GIF or SVG image",
            path.display()
        )
    })?;
    Ok(MediaUpload {
        bytes,
        content_type: kind.content_type,
        extension: kind.extension,
    })
}

/// `herald vapid show`: the public key, as browsers take it. Generates the
/// pair on first use, like the server's first start.
pub async fn show_vapid_key(config: &Config) -> anyhow::Result<String> {
    let store = Store::open(&config.data, config.database_url.as_deref()).await?;
    let keys = crate::push::keys::site_keys(&store, &config.data).await?;
    store.close().await;
    Ok(keys.public_key_base64url())
}

/// `herald vapid generate`: a new key pair, replacing the old one.
pub async fn generate_vapid_key(config: &Config) -> anyhow::Result<String> {
    let store = Store::open(&config.data, config.database_url.as_deref()).await?;
    eprintln!(
        "warning: a new VAPID key pair replaces the old one; every existing push subscription \
         stops working and readers must subscribe again"
    );
    let keys = crate::push::keys::regenerate_site_keys(&store, &config.data).await?;
    store.close().await;
    Ok(keys.public_key_base64url())
}

/// `herald push send`: one notification to one subscription, printing the
/// push service's answer.
pub async fn send_test_push(
    config: &Config,
    subscription_file: &Path,
    push: crate::push::send::TestPush,
) -> anyhow::Result<String> {
    let subscription = std::fs::read_to_string(subscription_file)
        .with_context(|| format!("cannot read {}", subscription_file.display()))?;
    let store = Store::open(&config.data, config.database_url.as_deref()).await?;
    let keys = crate::push::keys::site_keys(&store, &config.data).await?;
    store.close().await;
    let allow_list =
        crate::push::allowlist::AllowList::new(&config.push.allowed_hosts, Resolver::System)
            .map_err(anyhow::Error::msg)?;
    let answer = crate::push::send::send_one(
        &subscription,
        &push,
        keys,
        config.push.vapid_subject.as_deref(),
        &allow_list,
    )
    .await?;
    if answer.shortened {
        eprintln!("note: the text was shortened to fit the 4096-byte payload budget");
    }
    let verdict = match &answer.outcome {
        webpush::Outcome::Delivered => "delivered".to_owned(),
        webpush::Outcome::Gone => "gone: the subscription no longer exists".to_owned(),
        webpush::Outcome::TooLarge => "too large".to_owned(),
        webpush::Outcome::RetryLater { after } => match after {
            Some(after) => format!("retry later (after {} s)", after.as_secs()),
            None => "retry later".to_owned(),
        },
        webpush::Outcome::PermanentFailure { .. } => "refused".to_owned(),
    };
    let mut out = format!("{} {verdict}", answer.status);
    if !answer.body.trim().is_empty() {
        out.push('\n');
        out.push_str(answer.body.trim());
    }
    Ok(out)
}
