//! MySQL side of `load`: a staging table per CSV, filled with `LOAD DATA LOCAL INFILE` from
//! memory, checked, then swapped in with one atomic `RENAME TABLE`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mysql::prelude::Queryable;
use mysql::{Conn, LocalInfileHandler, OptsBuilder};

use super::csvfile::{self, quote_ident, Prepared};
use super::error::JobError;
use super::log::JobLog;

/// Where and how to connect. The password is never printed (see the `Debug` impl).
#[derive(Clone)]
pub struct DbTarget {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// User.
    pub user: String,
    /// Password, if any.
    pub password: Option<String>,
    /// Database name.
    pub database: String,
}

impl std::fmt::Debug for DbTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "mysql://{}@{}:{}/{}",
            self.user, self.host, self.port, self.database
        )
    }
}

impl DbTarget {
    /// Parses `mysql://USER[:PASS]@HOST[:PORT]/DB`. Errors never echo the URL (it may hold
    /// the password).
    pub fn from_url(raw: &str) -> Result<Self, JobError> {
        let url = url::Url::parse(raw).map_err(|e| {
            JobError::usage(format!(
                "--db-url is not a URL ({e}); expected mysql://USER:PASS@HOST:PORT/DB"
            ))
        })?;
        if url.scheme() != "mysql" {
            return Err(JobError::usage(format!(
                "--db-url has scheme {:?}; expected mysql://USER:PASS@HOST:PORT/DB",
                url.scheme()
            )));
        }
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let user = decode(url.username());
        let password = url.password().map(decode);
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| JobError::usage("--db-url has no host"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let database = url.path().trim_start_matches('/').to_string();
        if user.is_empty() {
            return Err(JobError::usage("--db-url has no user"));
        }
        if database.is_empty() || database.contains('/') {
            return Err(JobError::usage(
                "--db-url must name one database: mysql://USER:PASS@HOST:PORT/DB",
            ));
        }
        Ok(Self {
            host,
            port: url.port().unwrap_or(3306),
            user,
            password,
            database,
        })
    }
}

/// Options of a load.
#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
    /// `lock_wait_timeout` for the swap: how long `RENAME TABLE` waits for readers.
    pub lock_wait_timeout: Duration,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            lock_wait_timeout: Duration::from_secs(60),
        }
    }
}

/// One table to replace.
#[derive(Debug, Clone)]
pub struct TableFile {
    /// Table name (validated identifier).
    pub table: String,
    /// CSV file.
    pub path: PathBuf,
}

fn staging_name(table: &str) -> String {
    format!("{table}__pf_staging")
}

fn old_name(table: &str) -> String {
    format!("{table}__pf_old")
}

fn db_err(what: &str, e: mysql::Error) -> JobError {
    JobError::failed(format!("{what}: {e}"))
}

/// Connects with the settings every load needs.
pub fn connect(target: &DbTarget, opts: LoadOptions) -> Result<Conn, JobError> {
    let builder = OptsBuilder::new()
        .ip_or_hostname(Some(target.host.clone()))
        .tcp_port(target.port)
        .user(Some(target.user.clone()))
        .pass(target.password.clone())
        .db_name(Some(target.database.clone()))
        .prefer_socket(false)
        .tcp_connect_timeout(Some(Duration::from_secs(10)));
    let mut conn = Conn::new(builder).map_err(|e| {
        db_err(
            &format!(
                "cannot connect to mysql://{}@{}:{}/{}",
                target.user, target.host, target.port, target.database
            ),
            e,
        )
    })?;
    // Strict mode turns a value that does not fit its column into an error instead of a
    // silently truncated row; lock_wait_timeout bounds how long the swap waits for readers.
    conn.query_drop(format!(
        "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION', \
         lock_wait_timeout = {}, unique_checks = 0, foreign_key_checks = 0",
        opts.lock_wait_timeout.as_secs().max(1)
    ))
    .map_err(|e| db_err("cannot set session options", e))?;
    Ok(conn)
}

/// Replaces every table with its CSV's rows. Each file is parsed and loaded into its staging
/// table in turn; only when all are loaded and counted does one `RENAME TABLE` swap them all.
/// On any error every staging table is dropped and no live table changes.
pub fn load_tables(
    target: &DbTarget,
    tables: &[TableFile],
    opts: LoadOptions,
    log: &mut JobLog,
) -> Result<(), JobError> {
    for t in tables {
        csvfile::check_table_name(&t.table).map_err(JobError::usage)?;
    }
    // Connecting (TCP, TLS, auth) waits on the server while the first file's validation pass
    // keeps the CPUs busy: do both at once.
    let (conn, first) = std::thread::scope(|s| {
        let connecting = s.spawn(|| connect(target, opts));
        let first = tables
            .first()
            .map(|t| csvfile::prepare(&t.path, csvfile::PARALLEL_SCAN_BYTES));
        let conn = connecting
            .join()
            .unwrap_or_else(|_| Err(JobError::failed("the connecting thread panicked")));
        (conn, first)
    });
    let mut conn = conn?;
    log.info(format!("load: connected to {target:?}"));
    lock_tables(&mut conn, tables, opts, log)?;
    let mut staged: Vec<&TableFile> = Vec::new();
    let result = stage_all(&mut conn, tables, first, &mut staged, log)
        .and_then(|()| swap(&mut conn, &staged, log));
    // The locks go with the connection when it closes.
    match result {
        Ok(()) => Ok(()),
        Err(e) => Err(drop_staging(&mut conn, &staged, e, log)),
    }
}

/// The name of the lock that keeps two loads of one table apart (table names are at most 52
/// characters, so it stays within MySQL's 64).
pub fn lock_name(table: &str) -> String {
    format!("pf-load:{table}")
}

/// Takes every table's lock, in name order so two multi-table loads cannot deadlock; waits up
/// to `lock_wait_timeout` for another load to finish. Session locks: a crashed load's locks
/// vanish with its connection.
fn lock_tables(
    conn: &mut Conn,
    tables: &[TableFile],
    opts: LoadOptions,
    log: &mut JobLog,
) -> Result<(), JobError> {
    let mut names: Vec<&str> = tables.iter().map(|t| t.table.as_str()).collect();
    names.sort_unstable();
    let wait = opts.lock_wait_timeout.as_secs().max(1);
    for table in names {
        let name = lock_name(table);
        let got: Option<Option<i64>> = conn
            .exec_first("SELECT GET_LOCK(?, ?)", (name.as_str(), wait))
            .map_err(|e| db_err(&format!("cannot take the load lock of table {table}"), e))?;
        if got.flatten() != Some(1) {
            let holder: Option<Option<u64>> = conn
                .exec_first("SELECT IS_USED_LOCK(?)", (name.as_str(),))
                .unwrap_or(None);
            return Err(JobError::failed(format!(
                "table {table}: another load of it is still running (lock {name:?} held by connection {}) after waiting {wait}s; nothing was changed; run again once it has finished",
                holder.flatten().map_or_else(|| "?".to_string(), |id| id.to_string())
            )));
        }
    }
    log.info(format!(
        "load: locked {} table(s) against concurrent loads",
        tables.len()
    ));
    Ok(())
}

/// After a failed load: drops the staging tables made so far and says exactly which are gone
/// and which are left (the next load drops those first). Returns the load's error, with what
/// was left behind appended.
fn drop_staging(conn: &mut Conn, staged: &[&TableFile], e: JobError, log: &mut JobLog) -> JobError {
    let mut dropped = Vec::new();
    let mut left = Vec::new();
    for t in staged {
        let name = staging_name(&t.table);
        match conn.query_drop(format!("DROP TABLE IF EXISTS {}", quote_ident(&name))) {
            Ok(()) => dropped.push(name),
            Err(err) => left.push(format!("{name} ({err})")),
        }
    }
    if !dropped.is_empty() {
        log.info(format!(
            "load: dropped staging table(s) {}; live tables unchanged",
            dropped.join(", ")
        ));
    }
    if left.is_empty() {
        return e;
    }
    log.warn(format!(
        "load: could not drop staging table(s) {}; live tables unchanged; the next load drops them first",
        left.join(", ")
    ));
    JobError::failed(format!(
        "{e}; staging table(s) possibly left behind: {}",
        left.join(", ")
    ))
}

/// Stages each table in turn; `first` is the first file's validation pass when it has already
/// been made.
fn stage_all<'a>(
    conn: &mut Conn,
    tables: &'a [TableFile],
    mut first: Option<Result<Prepared, csvfile::CsvError>>,
    staged: &mut Vec<&'a TableFile>,
    log: &mut JobLog,
) -> Result<(), JobError> {
    for t in tables {
        let prepared = match first.take() {
            Some(done) => done?,
            None => csvfile::prepare(&t.path, csvfile::PARALLEL_SCAN_BYTES)?,
        };
        // The server's part only: the first file's pass ran while connecting.
        let started = Instant::now();
        log.info(format!(
            "load: {} parsed: {} rows, columns: {}",
            t.path.display(),
            prepared.rows,
            prepared
                .columns
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
        staged.push(t);
        stage(conn, &t.table, prepared)?;
        log.info(format!(
            "load: staged {} in {:.2}s",
            t.table,
            started.elapsed().as_secs_f64()
        ));
    }
    Ok(())
}

fn stage(conn: &mut Conn, table: &str, prepared: Prepared) -> Result<(), JobError> {
    let staging = quote_ident(&staging_name(table));
    conn.query_drop(format!("DROP TABLE IF EXISTS {staging}"))
        .map_err(|e| db_err(&format!("cannot drop old staging table for {table}"), e))?;
    let cols = prepared
        .columns
        .iter()
        .map(|c| format!("{} {} NULL", quote_ident(&c.name), c.ty.sql()))
        .collect::<Vec<_>>()
        .join(", ");
    conn.query_drop(format!(
        "CREATE TABLE {staging} ({cols}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
    ))
    .map_err(|e| db_err(&format!("cannot create staging table for {table}"), e))?;

    // The handler serves exactly one in-memory "file" under a name we chose; a server that
    // asks for anything else (a malicious or confused server) gets an error, not a local file.
    let wanted = format!("pipeform-job/{table}.tsv");
    let col_list = prepared
        .columns
        .iter()
        .map(|c| quote_ident(&c.name))
        .collect::<Vec<_>>()
        .join(", ");
    let (path, rows) = (prepared.path.clone(), prepared.rows);
    let data = Arc::new(prepared);
    let served_name = wanted.clone();
    let served = Arc::clone(&data);
    conn.set_local_infile_handler(Some(LocalInfileHandler::new(move |name, writer| {
        if name != served_name.as_bytes() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!(
                    "server asked for {:?}, not the file of this load",
                    String::from_utf8_lossy(name)
                ),
            ));
        }
        served.write_tsv(writer)?;
        writer.flush()
    })));
    let loaded = conn.query_drop(format!(
        "LOAD DATA LOCAL INFILE '{wanted}' INTO TABLE {staging} CHARACTER SET utf8mb4 \
         FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' ({col_list})"
    ));
    let affected = conn.affected_rows();
    let warnings = conn.warnings();
    let report = load_report(&conn.info_str());
    conn.set_local_infile_handler(None);
    drop(data);
    loaded.map_err(|e| {
        db_err(
            &format!("{}: the database rejected the rows", path.display()),
            e,
        )
    })?;
    if warnings > 0 {
        let shown: Vec<(String, u32, String)> =
            conn.query("SHOW WARNINGS LIMIT 3").unwrap_or_default();
        let text = shown
            .iter()
            .map(|(_, code, msg)| format!("{code}: {msg}"))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(JobError::failed(format!(
            "{}: {warnings} warning(s) while loading ({text}); fix the file and run again",
            path.display()
        )));
    }
    // The server's own account of the statement ("Records: N  Deleted: 0  Skipped: 0
    // Warnings: 0") is the row count of the fresh staging table, which only this connection
    // writes; a COUNT(*) would scan the whole table again for the same number. Servers that
    // send no such report get the COUNT(*).
    let counted: Option<u64> = match report {
        Some((records, 0)) => Some(records),
        Some((records, skipped)) => {
            return Err(JobError::failed(format!(
                "{}: the server skipped {skipped} of {records} rows; nothing swapped",
                path.display()
            )))
        }
        None => conn
            .query_first(format!("SELECT COUNT(*) FROM {staging}"))
            .map_err(|e| db_err(&format!("cannot count rows of staging table {table}"), e))?,
    };
    if affected != rows || counted != Some(rows) {
        return Err(JobError::failed(format!(
            "{}: parsed {} rows but the staging table holds {} (LOAD DATA reported {affected}); nothing swapped",
            path.display(),
            rows,
            counted.unwrap_or(0)
        )));
    }
    Ok(())
}

/// `(records, skipped)` from a `LOAD DATA` info line such as
/// `Records: 3  Deleted: 0  Skipped: 0  Warnings: 0`.
fn load_report(info: &str) -> Option<(u64, u64)> {
    let field = |name: &str| -> Option<u64> {
        let rest = info.split(name).nth(1)?.trim_start();
        rest.split_whitespace().next()?.parse().ok()
    };
    Some((field("Records:")?, field("Skipped:")?))
}

fn swap(conn: &mut Conn, staged: &[&TableFile], log: &mut JobLog) -> Result<(), JobError> {
    if staged.is_empty() {
        return Ok(());
    }
    let mut renames = Vec::new();
    let mut olds = Vec::new();
    for t in staged {
        let old = quote_ident(&old_name(&t.table));
        conn.query_drop(format!("DROP TABLE IF EXISTS {old}"))
            .map_err(|e| db_err(&format!("cannot drop leftover {old}"), e))?;
        let exists: Option<u64> = conn
            .exec_first(
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = DATABASE() AND table_name = ?",
                (t.table.as_str(),),
            )
            .map_err(|e| db_err("cannot look up live tables", e))?;
        if exists.unwrap_or(0) > 0 {
            renames.push(format!("{} TO {old}", quote_ident(&t.table)));
            olds.push(old);
        }
        renames.push(format!(
            "{} TO {}",
            quote_ident(&staging_name(&t.table)),
            quote_ident(&t.table)
        ));
    }
    // One statement: every table flips at once, and readers see old or new, never neither.
    // Pinned by `readers_never_see_a_missing_table_during_swaps` (tests/job_load.rs).
    conn.query_drop(format!("RENAME TABLE {}", renames.join(", ")))
        .map_err(|e| {
            db_err(
                "cannot swap the staging tables in (live tables unchanged)",
                e,
            )
        })?;
    log.info(format!(
        "load: swapped in {}",
        staged
            .iter()
            .map(|t| t.table.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for old in olds {
        // The new data is live; a failed drop only leaves an extra table behind, which the
        // next run drops first.
        if let Err(e) = conn.query_drop(format!("DROP TABLE IF EXISTS {old}")) {
            log.warn(format!("load: cannot drop {old}: {e}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_servers_load_report() {
        assert_eq!(
            load_report("Records: 500000  Deleted: 0  Skipped: 0  Warnings: 0"),
            Some((500000, 0))
        );
        assert_eq!(
            load_report("Records: 3  Deleted: 0  Skipped: 1  Warnings: 1"),
            Some((3, 1))
        );
        assert_eq!(load_report(""), None);
        assert_eq!(load_report("Records: many"), None);
    }

    #[test]
    fn parses_urls_and_hides_the_password() {
        let t = DbTarget::from_url("mysql://app:p%40ss+w@db.example:3307/offsets").expect("ok");
        assert_eq!(t.user, "app");
        assert_eq!(t.password.as_deref(), Some("p@ss+w"));
        assert_eq!((t.host.as_str(), t.port), ("db.example", 3307));
        assert_eq!(t.database, "offsets");
        assert!(!format!("{t:?}").contains("p@ss"));
        let t = DbTarget::from_url("mysql://app@127.0.0.1/d").expect("ok");
        assert_eq!((t.password, t.port), (None, 3306));
        for bad in [
            "postgres://a:b@h/d",
            "mysql://a:b@h/",
            "mysql://:b@h/d",
            "not a url secretpw",
        ] {
            let e = DbTarget::from_url(bad).expect_err(bad);
            assert!(!e.to_string().contains("secretpw"), "{e}");
        }
    }
}
