//! The `herald` command: parses the command line and calls the library.

use std::process::ExitCode;

/// See Cargo.toml: measured faster for the delivery engine than glibc's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use herald::config::{Config, GlobalArgs};

/// Herald: news publishing whose readers never miss a story on the topics they follow.
#[derive(Debug, Parser)]
#[command(name = "herald", version, about)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the site.
    Serve {
        /// Seed the demo stories into a new site.
        #[arg(long)]
        demo: bool,
    },
    /// Deliver notifications only (no web server): a delivery-only node.
    Worker,
    /// Manage stories.
    Story {
        #[command(subcommand)]
        command: StoryCommand,
    },
    /// Manage the site's VAPID key pair (Web Push identity).
    Vapid {
        #[command(subcommand)]
        command: VapidCommand,
    },
    /// Web Push tools.
    Push {
        #[command(subcommand)]
        command: PushCommand,
    },
    /// Manage newsroom accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens (sent as `Authorization: Bearer`).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Manage the secret key that seals secrets kept in the database.
    Secrets {
        #[command(subcommand)]
        command: SecretsCommand,
    },
    /// Merge the search index into one segment now, as `serve` does once a
    /// day: after a large import. Safe while the site runs.
    MergeSearchIndex,
    /// Copy the SQLite database, consistently, while the site runs; its
    /// key files are copied beside it (FILE.secret.key, …).
    Backup {
        /// The copy to write; it must not exist.
        file: std::path::PathBuf,
    },
    /// Restore a backup into the data folder (Herald must be stopped).
    Restore {
        /// The backup made by `herald backup`.
        file: std::path::PathBuf,
        /// Replace the site in the data folder (its database is kept aside).
        #[arg(long)]
        replace: bool,
    },
}

#[derive(Debug, Subcommand)]
enum SecretsCommand {
    /// Print a new random key for HERALD_SECRET_KEY or a secret_key_file.
    NewKey,
    /// Seal every secret again with a new key (the data folder's own key
    /// file), or with the first configured key (HERALD_SECRET_KEY).
    Rotate,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add an account. The password is asked for on a terminal, or read from
    /// the first line of standard input; never from an argument.
    Add {
        /// The account's email, its login.
        email: String,
        /// contributor, editor or admin.
        #[arg(long)]
        role: herald::accounts::Role,
        /// The name shown in the newsroom (the email's local part if not given).
        #[arg(long)]
        name: Option<String>,
    },
    /// Invite a person: print a one-time link, valid for 48 hours, alone on
    /// standard output; whoever opens it sets the account's password.
    Invite {
        /// The account's email, its login.
        email: String,
        /// contributor, editor or admin.
        #[arg(long)]
        role: herald::accounts::Role,
        /// The name shown in the newsroom (the email's local part if not given).
        #[arg(long)]
        name: Option<String>,
    },
    /// List the accounts.
    List,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create an API token for an account and print it alone on standard
    /// output (it is shown only this once).
    Create {
        /// The account's email.
        #[arg(long)]
        user: String,
        /// What the token is for (made up when not given).
        #[arg(long)]
        name: Option<String>,
    },
    /// Revoke a token, given its id or its name.
    Revoke {
        #[arg(value_name = "TOKEN_ID_OR_NAME")]
        token: String,
    },
    /// List tokens (never their secrets): everyone's, or one account's.
    List {
        #[arg(long)]
        user: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum PushCommand {
    /// Send one notification to one subscription and print the push service's answer.
    Send {
        /// A file with the subscription's JSON (PushSubscription.toJSON()).
        #[arg(long)]
        subscription: std::path::PathBuf,
        #[arg(long)]
        title: String,
        #[arg(long)]
        body: String,
        /// The page the notification opens: a site path (on --base-url) or
        /// an absolute URL; the home page when not given.
        #[arg(long)]
        url: Option<String>,
        /// Seconds the push service keeps an undelivered message.
        #[arg(long, default_value_t = 86_400)]
        ttl: u32,
        /// very-low, low, normal or high.
        #[arg(long, default_value = "normal")]
        urgency: webpush::Urgency,
        /// Replaces an undelivered message with the same topic (at most 32
        /// characters of the URL-safe base64 alphabet).
        #[arg(long)]
        topic: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum VapidCommand {
    /// Print the public key (base64url), generating the pair if there is none.
    Show,
    /// Replace the key pair: existing subscriptions stop working.
    Generate,
}

#[derive(Debug, Subcommand)]
enum StoryCommand {
    /// Create or update a story from its JSON (see README.md, "Story JSON").
    Add {
        /// The JSON file, or `-` for standard input.
        file: String,
        /// Publish the story (at its `published_at`, or now).
        #[arg(long)]
        publish: bool,
    },
}

fn main() -> ExitCode {
    // Every file Herald creates is its own user's alone.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", describe(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, leaving out causes the message already quotes.
fn describe(error: &anyhow::Error) -> String {
    let mut message = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !message.contains(&cause) {
            message = format!("{message}: {cause}");
        }
    }
    message
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(&cli.global)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        match cli.command {
            Command::Serve { demo } => herald::commands::serve(config, demo).await,
            Command::Worker => herald::commands::work(config).await,
            Command::Story {
                command: StoryCommand::Add { file, publish },
            } => {
                let url = herald::commands::add_story(&config, &file, publish).await?;
                println!("{url}");
                Ok(())
            }
            Command::Push {
                command:
                    PushCommand::Send {
                        subscription,
                        title,
                        body,
                        url,
                        ttl,
                        urgency,
                        topic,
                    },
            } => {
                let topic = topic
                    .map(|t| webpush::Topic::new(&t))
                    .transpose()
                    .map_err(|e| anyhow::anyhow!("--topic: {e}"))?;
                let push = herald::delivery::test_push::TestPush {
                    title,
                    body,
                    url,
                    ttl: webpush::Ttl::from_secs(ttl),
                    urgency,
                    topic,
                };
                let answer = herald::commands::send_test_push(&config, &subscription, push).await?;
                println!("{answer}");
                Ok(())
            }
            Command::User { command } => match command {
                UserCommand::Add { email, role, name } => {
                    herald::commands::add_user(&config, &email, role, name).await
                }
                UserCommand::Invite { email, role, name } => {
                    let link = herald::commands::invite_user(&config, &email, role, name).await?;
                    println!("{link}");
                    Ok(())
                }
                UserCommand::List => {
                    println!("{}", herald::commands::list_users(&config).await?);
                    Ok(())
                }
            },
            Command::Token { command } => match command {
                TokenCommand::Create { user, name } => {
                    let token =
                        herald::commands::create_token(&config, &user, name.as_deref()).await?;
                    println!("{token}");
                    Ok(())
                }
                TokenCommand::Revoke { token } => {
                    herald::commands::revoke_token(&config, &token).await
                }
                TokenCommand::List { user } => {
                    println!(
                        "{}",
                        herald::commands::list_tokens(&config, user.as_deref()).await?
                    );
                    Ok(())
                }
            },
            Command::Secrets { command } => {
                let report = match command {
                    SecretsCommand::NewKey => herald::commands::new_secret_key()?,
                    SecretsCommand::Rotate => herald::commands::rotate_secrets(&config).await?,
                };
                println!("{report}");
                Ok(())
            }
            Command::MergeSearchIndex => {
                println!("{}", herald::commands::merge_search_index(&config).await?);
                Ok(())
            }
            Command::Backup { file } => {
                println!("{}", herald::commands::backup(&config, &file).await?);
                Ok(())
            }
            Command::Restore { file, replace } => {
                println!(
                    "{}",
                    herald::commands::restore(&config, &file, replace).await?
                );
                Ok(())
            }
            Command::Vapid { command } => {
                let key = match command {
                    VapidCommand::Show => herald::commands::show_vapid_key(&config).await?,
                    VapidCommand::Generate => herald::commands::generate_vapid_key(&config).await?,
                };
                println!("{key}");
                Ok(())
            }
        }
    })
}
