//! What each `herald` subcommand does, called by `main.rs` once it has
//! parsed the command line. Errors here are `anyhow` errors for the person
//! at the terminal: each says what went wrong and where.

mod backup;
mod data_lock;
mod secrets;

pub use backup::{backup, restore};
pub use secrets::{new_secret_key, rotate_secrets};

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::Utc;

use crate::config::Config;
use crate::content::images::{self, media_path};
use crate::content::input::{ImageSource, parse_story_json};
use crate::content::media::{MAX_IMAGE_BYTES, sniff_image};
use crate::delivery::allowlist::Resolver;
use crate::images::{ImageLabels, ImageMemoryBudget, ingest_image};
use crate::secrets::key_file::{KeyFileError, KeySource};
use crate::server;
use crate::store::{Backend, MediaUpload, Store};
use crate::web::AppState;

/// The configured database, its pool of the configured size, searching in
/// the site's language, sealing secrets with the configured keyring (see
/// [`crate::secrets::key_file`]).
async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let store = Store::open_with_pool(
        &config.data,
        config.database_url.as_deref(),
        config.database_pool_size,
    )
    .await?;
    store
        .use_search_language(crate::search::text_search_config(&config.site.language))
        .await?;
    let own_key = config.secret_key.is_none() && config.secret_key_file.is_none();
    if own_key && store.backend() == Backend::Sqlite {
        // The data folder's key, which opening the folder loaded.
        return Ok(store);
    }
    let (keyring, _) = configured_keyring(config, store.backend())?;
    Ok(store.use_keyring(keyring).await?)
}

/// A long-running process's hold on a SQLite data folder, which keeps
/// `herald restore` out while it runs.
fn uses_data_folder(store: &Store, config: &Config) -> anyhow::Result<Option<data_lock::DataLock>> {
    match store.backend() {
        Backend::Sqlite => Ok(Some(data_lock::hold_shared(&config.data)?)),
        Backend::Postgres => Ok(None),
    }
}

/// The keyring the configuration names, and where it came from.
fn configured_keyring(
    config: &Config,
    backend: Backend,
) -> Result<(crate::secrets::Keyring, KeySource), KeyFileError> {
    crate::secrets::key_file::configured(
        config.secret_key.as_ref().map(|key| key.0.as_str()),
        config.secret_key_file.as_deref(),
        &config.data,
        backend == Backend::Postgres,
    )
}

/// The VAPID subject of `serve --demo` when none is configured.
const DEMO_VAPID_SUBJECT: &str = "mailto:herald-demo@example.com";

/// `herald serve`: opens the data folder, seeds the demo when asked, and
/// serves until SIGINT or SIGTERM.
pub async fn serve(mut config: Config, demo: bool) -> anyhow::Result<()> {
    if demo && config.push.vapid_subject.is_none() {
        // The demo shows notifications without setup; a real site names
        // where push services can reach its operator.
        config.push.vapid_subject = Some(DEMO_VAPID_SUBJECT.to_owned());
        tracing::info!(
            "demo: notifications are signed as {DEMO_VAPID_SUBJECT}; a real site sets push.vapid_subject"
        );
    }
    let store = open_store(&config).await?;
    let _lock = uses_data_folder(&store, &config)?;
    if demo {
        crate::demo::seed(&store, Utc::now()).await?;
    }
    let listener = crate::server::bind_listener(config.bind, config.http.listen_backlog)
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let address = listener.local_addr()?;
    tracing::info!(data = %config.data.display(), "Herald is serving http://{address}/");
    if demo
        && let Some(login) =
            crate::demo::login::ensure_login(&store, &config.data, &config.site.name, Utc::now())
                .await?
    {
        tracing::info!(
            "the newsroom is at http://{address}/newsroom; the demo login is in {}",
            login.display()
        );
    }
    let vapid = crate::delivery::keys::site_keys(&store, &config.data).await?;
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
    let store = open_store(&config).await?;
    let _lock = uses_data_folder(&store, &config)?;
    let vapid = crate::delivery::keys::site_keys(&store, &config.data).await?;
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

/// `herald merge-search-index`: merges the search index into one segment
/// now, as `herald serve` does once a day (`crate::search::upkeep`); for
/// after a large import. Safe while the site runs. Returns what was done,
/// for the terminal.
pub async fn merge_search_index(config: &Config) -> anyhow::Result<String> {
    let store = open_store(config).await?;
    let started = std::time::Instant::now();
    // Never stopped from outside: the sender lives until the merge is done.
    let (_running, mut stop) = tokio::sync::watch::channel(false);
    let steps = crate::search::upkeep::merge_index(&store, &mut stop).await?;
    Ok(if store.backend() == Backend::Postgres {
        "PostgreSQL keeps its search index (GIN) itself: nothing to merge".to_string()
    } else if steps == 0 {
        "the search index is one segment already: nothing to merge".to_string()
    } else {
        format!(
            "merged the search index in {steps} steps, {:.1} s",
            started.elapsed().as_secs_f64()
        )
    })
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
    let mut draft = parse_story_json(&text)
        .and_then(|input| input.validate())
        .map_err(|errors| {
            let lines: Vec<String> = errors.0.iter().map(|e| format!("  {e}")).collect();
            anyhow::anyhow!(
                "the story is not valid; nothing was stored:\n{}",
                lines.join("\n")
            )
        })?;
    let image_file = match draft.image.as_ref().map(|i| &i.source) {
        Some(ImageSource::Path(path)) => {
            let path = base_dir.join(path);
            Some((read_image(&path).await?, path))
        }
        _ => None,
    };
    let store = open_store(config).await?;
    let mut upload = None;
    match (image_file, draft.image.as_mut()) {
        // Renditions first, then the story naming the largest: an image
        // whose story then fails to save is stored, unused, and reused by
        // the next attempt (its names come from its bytes).
        (Some((ImageFile::Processable(bytes), path)), Some(image)) => {
            let labels = ImageLabels {
                alt: &image.alt,
                credit: image.credit.as_deref(),
            };
            // The same budget as the server's, for this one image: one that
            // needs more than `image_memory_mb` is refused alike.
            let budget = ImageMemoryBudget::new(config.image_memory_mb);
            let stored = ingest_image(&store, bytes, labels, None, &budget, Utc::now())
                .await
                .with_context(|| format!("image.path: {}", path.display()))?;
            image.source = ImageSource::Url(media_path(&stored.name));
        }
        (Some((ImageFile::AsIs(file), _)), _) => upload = Some(file),
        _ => {}
    }
    let outcome =
        crate::editorial::import_story(&store, &draft, upload.as_ref(), publish, false, Utc::now())
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

/// A featured image read from a file.
enum ImageFile {
    /// A JPEG, PNG or WebP, to be checked, stripped of metadata and resized
    /// by the image ingest ([`crate::images`]).
    Processable(Vec<u8>),
    /// A GIF or SVG, stored as it is.
    AsIs(MediaUpload),
}

/// Reads a featured image and checks it by content.
async fn read_image(path: &Path) -> anyhow::Result<ImageFile> {
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
    if images::is_processable(&bytes) {
        return Ok(ImageFile::Processable(bytes));
    }
    let kind = sniff_image(&bytes).with_context(|| {
        format!(
            "image.path: {} is not a JPEG, PNG, WebP, GIF or SVG image",
            path.display()
        )
    })?;
    Ok(ImageFile::AsIs(MediaUpload {
        bytes,
        content_type: kind.content_type,
        extension: kind.extension,
    }))
}

/// `herald vapid show`: the public key, as browsers take it. Generates the
/// pair on first use, like the server's first start.
pub async fn show_vapid_key(config: &Config) -> anyhow::Result<String> {
    let store = open_store(config).await?;
    let keys = crate::delivery::keys::site_keys(&store, &config.data).await?;
    store.close().await;
    Ok(keys.public_key_base64url())
}

/// `herald vapid generate`: a new key pair, replacing the old one.
pub async fn generate_vapid_key(config: &Config) -> anyhow::Result<String> {
    let store = open_store(config).await?;
    eprintln!(
        "warning: a new VAPID key pair replaces the old one; every existing push subscription \
         stops working and readers must subscribe again"
    );
    let keys = crate::delivery::keys::regenerate_site_keys(&store, &config.data).await?;
    store.close().await;
    Ok(keys.public_key_base64url())
}

/// `herald push send`: one notification to one subscription, printing the
/// push service's answer.
pub async fn send_test_push(
    config: &Config,
    subscription_file: &Path,
    push: crate::delivery::test_push::TestPush,
) -> anyhow::Result<String> {
    let subscription = std::fs::read_to_string(subscription_file)
        .with_context(|| format!("cannot read {}", subscription_file.display()))?;
    let store = open_store(config).await?;
    let keys = crate::delivery::keys::site_keys(&store, &config.data).await?;
    store.close().await;
    let allow_list =
        crate::delivery::allowlist::AllowList::new(&config.push.allowed_hosts, Resolver::System)
            .map_err(anyhow::Error::msg)?;
    let answer = crate::delivery::test_push::send_one(
        &subscription,
        &push,
        keys,
        config.push.vapid_subject.as_deref(),
        &allow_list,
        &crate::delivery::payload::SiteVoice::of(config),
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

/// `herald user add EMAIL --role ROLE [--name N]`: adds a newsroom account.
/// The password is asked for (twice, without echo) on a terminal, or read
/// from the first line of standard input; never from an argument, which
/// other users of the machine could see.
pub async fn add_user(
    config: &Config,
    email: &str,
    role: crate::accounts::Role,
    name: Option<String>,
) -> anyhow::Result<()> {
    use crate::accounts::users::{self, NewAccount};
    let email = users::normalize_email(email)?;
    let context = crate::accounts::password::PasswordContext {
        site_name: &config.site.name,
        email: &email,
    };
    let password = read_new_password(&context)?;
    let store = open_store(config).await?;
    let added = users::add_user(
        &store,
        NewAccount {
            email: email.clone(),
            name: name.unwrap_or_default(),
            role,
            password,
        },
        &config.site.name,
        Utc::now().timestamp(),
    )
    .await;
    store.close().await;
    added?;
    eprintln!("account {email} added as {role}");
    Ok(())
}

/// `herald user invite EMAIL --role ROLE [--name N]`: invites a person;
/// returns the one-time link (under the site's `base_url`) to be printed
/// alone on standard output, and says on standard error for whom and
/// until when.
pub async fn invite_user(
    config: &Config,
    email: &str,
    role: crate::accounts::Role,
    name: Option<String>,
) -> anyhow::Result<String> {
    use crate::accounts::invites::{self, InviteRequest};
    let store = open_store(config).await?;
    let request = InviteRequest {
        email: email.to_owned(),
        name: name.unwrap_or_default(),
        role,
    };
    let created = invites::create_invite(&store, None, request, Utc::now().timestamp()).await;
    store.close().await;
    let created = created?;
    let until = chrono::DateTime::from_timestamp(created.expires_at, 0)
        .map(|at| crate::content::dates::full(at, config.site.time_zone))
        .unwrap_or_default();
    eprintln!(
        "{} invited as {}; the link works once, until {until}. It is shown only now: send it \
         to them privately. An earlier invite for this email no longer works.",
        created.email, created.role
    );
    Ok(config.absolute(&created.path))
}

/// A new password for the account of `context` from the terminal (asked
/// twice, and checked before the second time) or from the first line of
/// standard input (checked when the account is added).
fn read_new_password(
    context: &crate::accounts::password::PasswordContext<'_>,
) -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!(
            "Password for {} (at least {} characters): ",
            context.email,
            crate::accounts::password::MIN_PASSWORD_CHARS
        ))
        .context("cannot read the password from the terminal")?;
        crate::accounts::password::check_new_password(&first, context)
            .map_err(|message| anyhow::anyhow!("password: {message}"))?;
        let again = rpassword::prompt_password("The same password again: ")
            .context("cannot read the password from the terminal")?;
        if first != again {
            bail!("password: the two passwords are not the same; nothing was stored");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        let password = line.trim_end_matches(['\n', '\r']).to_owned();
        if password.is_empty() {
            bail!(
                "password: none given; type it at the prompt on a terminal, or give it as the \
                 first line of standard input"
            );
        }
        Ok(password)
    }
}

/// `herald user list`: one account per line.
pub async fn list_users(config: &Config) -> anyhow::Result<String> {
    let store = open_store(config).await?;
    let users = store.list_users().await;
    store.close().await;
    let mut out = String::from("ID\tEMAIL\tROLE\tNAME\tTWO-FACTOR\tSTATUS");
    for user in users? {
        out.push_str(&format!(
            "\n{}\t{}\t{}\t{}\t{}\t{}",
            user.id,
            user.email,
            user.role,
            user.name,
            if user.totp_enabled { "on" } else { "off" },
            if user.is_disabled() {
                "disabled"
            } else {
                "active"
            },
        ));
    }
    Ok(out)
}

/// `herald token create --user EMAIL [--name N]`: a new API token, returned
/// to be printed alone on standard output.
pub async fn create_token(
    config: &Config,
    email: &str,
    name: Option<&str>,
) -> anyhow::Result<String> {
    let email = crate::accounts::users::normalize_email(email)?;
    let store = open_store(config).await?;
    let created = async {
        let user = store
            .user_by_email(&email)
            .await?
            .with_context(|| format!("--user: there is no account {email}"))?;
        if user.is_disabled() {
            bail!("--user: the account {email} is disabled");
        }
        let created =
            crate::accounts::tokens::create_token(&store, user.id, name, Utc::now().timestamp())
                .await?;
        anyhow::Ok(created)
    }
    .await;
    store.close().await;
    let created = created?;
    eprintln!(
        "token {} named {:?} created for {email}; it is shown only now, keep it secret",
        created.id, created.name
    );
    Ok(created.token)
}

/// `herald token revoke TOKEN_ID_OR_NAME`.
pub async fn revoke_token(config: &Config, id_or_name: &str) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let revoked =
        crate::accounts::tokens::revoke_by_id_or_name(&store, id_or_name, Utc::now().timestamp())
            .await;
    store.close().await;
    let token = revoked?;
    eprintln!(
        "token {} named {:?} of {} revoked",
        token.id, token.name, token.email
    );
    Ok(())
}

/// `herald token list [--user EMAIL]`: one token per line, never a secret.
pub async fn list_tokens(config: &Config, email: Option<&str>) -> anyhow::Result<String> {
    let store = open_store(config).await?;
    let listed = async {
        let owner = match email {
            Some(email) => {
                let email = crate::accounts::users::normalize_email(email)?;
                let user = store
                    .user_by_email(&email)
                    .await?
                    .with_context(|| format!("--user: there is no account {email}"))?;
                Some(user.id)
            }
            None => None,
        };
        anyhow::Ok(store.list_api_tokens(owner).await?)
    }
    .await;
    store.close().await;
    let time = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_default()
    };
    let mut out = String::from("ID\tNAME\tUSER\tCREATED\tLAST USED\tSTATUS");
    for token in listed? {
        out.push_str(&format!(
            "\n{}\t{}\t{}\t{}\t{}\t{}",
            token.id,
            token.name,
            token.email,
            time(token.created_at),
            token
                .last_used_at
                .map(time)
                .unwrap_or_else(|| "never".into()),
            token
                .revoked_at
                .map(|t| format!("revoked {}", time(t)))
                .unwrap_or_else(|| "active".into()),
        ));
    }
    Ok(out)
}
