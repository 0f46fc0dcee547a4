//! A private MariaDB server for one test: its own datadir in a temp dir, a free loopback port,
//! `local_infile=ON`, and an application user with a password. Stopped on drop. A server that
//! cannot start within the timeout fails the test with its error log.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The application user's name.
pub const USER: &str = "pf_app";
/// The application user's password (tests grep logs for it).
pub const PASSWORD: &str = "Pw-s3cr3t-9f2c7a";
/// The database the user owns.
pub const DATABASE: &str = "pf_test";

/// A running private server.
pub struct MariaDb {
    child: Option<Child>,
    dir: tempfile::TempDir,
    port: u16,
}

impl MariaDb {
    /// Installs a datadir, starts `mariadbd`, creates [`USER`] and [`DATABASE`].
    pub fn start() -> MariaDb {
        let dir = tempfile::tempdir().expect("temp dir for mariadb");
        let d = dir.path();
        let cnf = d.join("my.cnf");
        // The port is only read by the server, so the install runs with any.
        write_cnf(d, 0);
        // Under heavy machine load the bootstrap server of mariadb-install-db has been seen to
        // fail once; a second attempt in a clean datadir is still a real start, and a second
        // failure fails the test with the tool's output.
        let mut out = install(&cnf);
        if !out.status.success() {
            let _ = std::fs::remove_dir_all(d.join("data"));
            out = install(&cnf);
        }
        assert!(
            out.status.success(),
            "mariadb-install-db failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let (child, port) = super::start_listening(
            "mariadbd",
            Duration::from_secs(30),
            |port| {
                write_cnf(d, port);
                Command::new("/usr/sbin/mariadbd")
                    .arg(format!("--defaults-file={}", cnf.display()))
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("spawn /usr/sbin/mariadbd")
            },
            |_| std::fs::read_to_string(d.join("error.log")).unwrap_or_default(),
        );
        let db = MariaDb {
            child: Some(child),
            dir,
            port,
        };
        db.root_sql(&format!(
            "CREATE DATABASE {DATABASE}; CREATE USER '{USER}'@'%' IDENTIFIED BY '{PASSWORD}'; \
             GRANT ALL ON {DATABASE}.* TO '{USER}'@'%'; FLUSH PRIVILEGES;"
        ));
        db
    }

    /// The server's TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `mysql://USER:PASSWORD@127.0.0.1:PORT/DATABASE`.
    pub fn url(&self) -> String {
        format!(
            "mysql://{USER}:{PASSWORD}@127.0.0.1:{}/{DATABASE}",
            self.port
        )
    }

    /// The same URL without the password (it then comes from `PIPEFORM_DB_PASSWORD`).
    pub fn url_without_password(&self) -> String {
        format!("mysql://{USER}@127.0.0.1:{}/{DATABASE}", self.port)
    }

    /// The defaults file (for the `mariadb` client: `--defaults-file=`).
    pub fn defaults_file(&self) -> PathBuf {
        self.dir.path().join("my.cnf")
    }

    /// The server's error log.
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }

    /// Runs SQL as root through the `mariadb` client over the socket; panics with its output
    /// on failure. Returns stdout (tab-separated, no headers).
    pub fn root_sql(&self, sql: &str) -> String {
        run_client(&self.defaults_file(), None, sql)
    }

    /// Runs SQL as root in [`DATABASE`].
    pub fn sql(&self, sql: &str) -> String {
        run_client(&self.defaults_file(), Some(DATABASE), sql)
    }

    /// Stops the server (also done on drop).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            for _ in 0..100 {
                if matches!(child.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Writes `my.cnf` in `d` for a server on `port`.
fn write_cnf(d: &Path, port: u16) {
    std::fs::write(
        d.join("my.cnf"),
        format!(
            "[mysqld]\nuser=root\ndatadir={data}\nsocket={sock}\nport={port}\nbind-address=127.0.0.1\n\
             pid-file={d}/mariadbd.pid\nlog-error={d}/error.log\nlocal_infile=ON\nskip-name-resolve\n\
             innodb_flush_log_at_trx_commit=2\ninnodb_buffer_pool_size=256M\ninnodb_log_file_size=256M\n\
             max_allowed_packet=64M\n\
             [client]\nsocket={sock}\nuser=root\n",
            data = d.join("data").display(),
            sock = d.join("mysqld.sock").display(),
            d = d.display(),
        ),
    )
    .expect("write my.cnf");
}

fn install(cnf: &Path) -> std::process::Output {
    Command::new("mariadb-install-db")
        .arg(format!("--defaults-file={}", cnf.display()))
        .arg("--auth-root-authentication-method=normal")
        .arg("--skip-test-db")
        .output()
        .expect("run mariadb-install-db (apt-get install -y mariadb-server)")
}

fn run_client(cnf: &Path, db: Option<&str>, sql: &str) -> String {
    let mut cmd = Command::new("mariadb");
    cmd.arg(format!("--defaults-file={}", cnf.display())).args([
        "--batch",
        "--skip-column-names",
        "-e",
        sql,
    ]);
    if let Some(db) = db {
        cmd.arg(db);
    }
    let out = cmd.output().expect("run the mariadb client");
    assert!(
        out.status.success(),
        "mariadb client failed for {sql:?}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Drop for MariaDb {
    fn drop(&mut self) {
        self.stop();
    }
}
