//! A private PostgreSQL cluster for one test: `initdb` into a temporary
//! folder, a server on a free loopback port with trust authentication, and
//! one database. A test may stop, start and restart it at will without
//! touching the shared server other tests use; it is stopped
//! (`pg_ctl stop -m immediate`) when dropped, also when the test fails.
//!
//! PostgreSQL refuses to run as root: when the tests run as root, every
//! PostgreSQL command runs as the `postgres` user (`runuser`), and the
//! folder is handed to that user.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::process::free_port;

/// The database every private cluster holds.
const DATABASE: &str = "herald";

/// Seconds `pg_ctl` waits for a start or a stop to complete.
const PG_CTL_WAIT_SECONDS: &str = "60";

pub struct PgCluster {
    /// The server's programs (`initdb`, `pg_ctl`, `createdb`).
    bin: PathBuf,
    /// Holds `data/` (the cluster), `socket/` and `server.log`.
    dir: tempfile::TempDir,
    port: u16,
    /// Whether commands run as `postgres` through `runuser`.
    as_postgres: bool,
}

impl PgCluster {
    /// Initialises and starts a cluster with one empty database; fails the
    /// test, saying why, when PostgreSQL's programs are missing or it does
    /// not start.
    pub fn start() -> PgCluster {
        let bin = server_programs();
        let dir = tempfile::tempdir().expect("temp dir");
        let as_postgres = running_as_root();
        std::fs::create_dir(dir.path().join("socket")).expect("socket dir");
        if as_postgres {
            let owned = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(
                owned.success(),
                "cannot hand the cluster folder to postgres"
            );
        }
        let cluster = PgCluster {
            bin,
            dir,
            port: free_port(),
            as_postgres,
        };
        cluster.run(
            "initdb",
            &[
                "-D",
                &cluster.data_dir(),
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        cluster.start_server();
        cluster.run(
            "createdb",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &cluster.port.to_string(),
                "-U",
                "postgres",
                DATABASE,
            ],
        );
        cluster
    }

    /// The URL of the cluster's database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{DATABASE}", self.port)
    }

    /// Starts the server and waits until it accepts connections.
    pub fn start_server(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.path("socket")
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data_dir(),
                "-l",
                &self.path("server.log"),
                "-o",
                &options,
                "-w",
                "-t",
                PG_CTL_WAIT_SECONDS,
                "start",
            ],
        );
    }

    /// Stops the server as an operator restarting it would
    /// (`pg_ctl stop -m fast`: open transactions are rolled back, sessions
    /// are ended, everything committed is kept), and waits until it is down.
    pub fn stop_server(&self) {
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data_dir(),
                "-m",
                "fast",
                "-w",
                "-t",
                PG_CTL_WAIT_SECONDS,
                "stop",
            ],
        );
    }

    /// The server's log, for a failing test's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path("server.log")).unwrap_or_default()
    }

    fn data_dir(&self) -> String {
        self.path("data")
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }

    /// Runs one of the server's programs and fails the test if it fails.
    fn run(&self, program: &str, args: &[&str]) {
        let output = self.command(program, args).output().expect(program);
        assert!(
            output.status.success(),
            "{program} {args:?} failed: {}\n{}",
            describe(&output),
            self.log()
        );
    }

    fn command(&self, program: &str, args: &[&str]) -> Command {
        let program = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        // The server and pg_ctl must not inherit the test's working folder
        // (postgres may not be allowed in it).
        command.args(args).current_dir(self.dir.path());
        command
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = self
            .command(
                "pg_ctl",
                &[
                    "-D",
                    &self.data_dir(),
                    "-m",
                    "immediate",
                    "-w",
                    "-t",
                    PG_CTL_WAIT_SECONDS,
                    "stop",
                ],
            )
            .output();
    }
}

/// `/usr/lib/postgresql/<newest version>/bin`, or the folder holding
/// `pg_ctl` on the `PATH` (where distributions other than Debian put it).
fn server_programs() -> PathBuf {
    let debian = Path::new("/usr/lib/postgresql");
    let newest = std::fs::read_dir(debian).ok().and_then(|entries| {
        entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let version: u32 = e.file_name().to_str()?.parse().ok()?;
                Some((version, e.path().join("bin")))
            })
            .filter(|(_, bin)| bin.join("initdb").exists())
            .max_by_key(|(version, _)| *version)
            .map(|(_, bin)| bin)
    });
    if let Some(bin) = newest {
        return bin;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
        .expect("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn describe(output: &Output) -> String {
    format!(
        "{}\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
