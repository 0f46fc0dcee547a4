//! `pipeform-job load` against a real private MariaDB.

mod support;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use mysql::prelude::Queryable;
use support::mariadb::{MariaDb, PASSWORD};

struct Run {
    code: i32,
    stderr: String,
    log: String,
}

fn load(db: &MariaDb, log: &Path, tables: &[(&str, &Path)]) -> Run {
    let mut cmd = support::pipeform_job();
    cmd.arg("load").arg("--db-url").arg(db.url());
    for (name, path) in tables {
        cmd.arg("--table").arg(format!("{name}={}", path.display()));
    }
    cmd.arg("--log-file").arg(log);
    finish(cmd, log)
}

fn finish(mut cmd: assert_cmd::Command, log: &Path) -> Run {
    let out = cmd.output().expect("run pipeform-job");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        log: std::fs::read_to_string(log).unwrap_or_default(),
    };
    // Whatever the outcome: no secret anywhere, one status line per run.
    assert!(
        !run.log.contains(PASSWORD),
        "password in the log:\n{}",
        run.log
    );
    assert!(
        !run.stderr.contains(PASSWORD),
        "password on stderr:\n{}",
        run.stderr
    );
    run
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write csv");
    p
}

fn status_lines(log: &str) -> Vec<&str> {
    log.lines().filter(|l| l.contains("JOB_STATUS=")).collect()
}

fn tables(db: &MariaDb) -> String {
    db.sql("SHOW TABLES")
}

#[test]
fn loads_then_reloads_with_different_columns() {
    let db = MariaDb::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("job.log");
    let csv = write(
        dir.path(),
        "orders.csv",
        b"\xEF\xBB\xBFid,customer,amount,placed_on,note\n\
          1,\"Kim, Ji-woo\",12.50,2026-01-02,\"says \"\"hi\"\"\non two lines\"\n\
          2,Lee,7,2026-02-03,\n\
          3,,100.25,,tab\there\n",
    );
    let run = load(&db, &log, &[("orders", &csv)]);
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    assert_eq!(
        status_lines(&run.log),
        vec![run.log.lines().last().expect("a line")]
    );
    assert!(run.log.contains("JOB_STATUS=SUCCEEDED"), "{}", run.log);

    let types = db.sql(
        "SELECT column_name, column_type FROM information_schema.columns \
         WHERE table_schema = DATABASE() AND table_name = 'orders' ORDER BY ordinal_position",
    );
    assert_eq!(
        types,
        "id\tbigint(20)\ncustomer\tvarchar(11)\namount\tdecimal(5,2)\nplaced_on\tdate\nnote\tvarchar(22)\n"
    );
    let rows = db.sql("SELECT id, customer, amount, placed_on, HEX(note) FROM orders ORDER BY id");
    let note = hex(b"says \"hi\"\non two lines");
    assert_eq!(
        rows,
        format!(
            "1\tKim, Ji-woo\t12.50\t2026-01-02\t{note}\n2\tLee\t7.00\t2026-02-03\tNULL\n3\tNULL\t100.25\tNULL\t{}\n",
            hex(b"tab\there")
        )
    );

    // Reload with other columns: the table is replaced, not altered.
    let csv2 = write(dir.path(), "orders2.csv", b"sku,qty\nA-1,3\nB-2,4\n");
    let run = load(&db, &log, &[("orders", &csv2)]);
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    assert_eq!(status_lines(&run.log).len(), 2, "{}", run.log);
    assert_eq!(
        db.sql("SELECT sku, qty FROM orders ORDER BY sku"),
        "A-1\t3\nB-2\t4\n"
    );
    assert_eq!(
        tables(&db),
        "orders\n",
        "no staging or old table left behind"
    );
}

#[test]
fn password_from_the_environment_and_wrong_password_fails_cleanly() {
    let db = MariaDb::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("job.log");
    let csv = write(dir.path(), "t.csv", b"a\n1\n");
    let mut cmd = support::pipeform_job();
    cmd.args(["load", "--db-url", &db.url_without_password()])
        .arg("--table")
        .arg(format!("t={}", csv.display()))
        .arg("--log-file")
        .arg(&log)
        .env("PIPEFORM_DB_PASSWORD", PASSWORD);
    let run = finish(cmd, &log);
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    assert_eq!(db.sql("SELECT a FROM t"), "1\n");

    let wrong = db.url().replace(PASSWORD, "not-the-password-xyz");
    let mut cmd = support::pipeform_job();
    cmd.args(["load", "--db-url", &wrong])
        .arg("--table")
        .arg(format!("t={}", csv.display()))
        .arg("--log-file")
        .arg(&log);
    let run = finish(cmd, &log);
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    assert!(!run.log.contains("not-the-password-xyz"), "{}", run.log);
    assert!(
        !run.stderr.contains("not-the-password-xyz"),
        "{}",
        run.stderr
    );
    let st = status_lines(&run.log);
    assert_eq!(st.len(), 2, "{}", run.log);
    assert!(st[1].contains("JOB_STATUS=FAILED reason="), "{}", st[1]);
    assert!(st[1].contains("Access denied"), "{}", st[1]);
}

#[test]
fn every_kind_of_bad_file_leaves_the_table_unchanged() {
    let db = MariaDb::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("job.log");
    let good = write(dir.path(), "good.csv", b"id,name\n1,one\n2,two\n");
    assert_eq!(load(&db, &log, &[("items", &good)]).code, 0);
    let before = db.sql("SELECT * FROM items ORDER BY id");

    // (file contents, what the error must say)
    let cases: Vec<(&str, &[u8], Vec<&str>)> = vec![
        (
            "short_row.csv",
            b"id,name\n1,one\n2\n3,three\n",
            vec!["line 3", "1 fields, but the header has 2"],
        ),
        (
            "long_row.csv",
            b"id,name\n1,one\n2,two,extra\n",
            vec!["line 3", "3 fields"],
        ),
        (
            "bad_utf8.csv",
            b"id,name\n1,one\n2,tw\xffo\n",
            vec!["line 3, column 2", "invalid UTF-8"],
        ),
        (
            "open_quote.csv",
            b"id,name\n1,one\n2,\"two\n3,three\n",
            vec!["line 3", "unterminated"],
        ),
        ("empty.csv", b"", vec!["empty", "header"]),
        (
            "dup_header.csv",
            b"id,ID\n1,2\n",
            vec!["line 1, column 2", "duplicate"],
        ),
        (
            "blank_header.csv",
            b"id,\n1,2\n",
            vec!["line 1, column 2", "empty"],
        ),
    ];
    for (name, bytes, wants) in &cases {
        let path = write(dir.path(), name, bytes);
        std::fs::remove_file(&log).ok();
        let run = load(&db, &log, &[("items", &path)]);
        assert_eq!(run.code, 1, "{name}: stderr:\n{}", run.stderr);
        let st = status_lines(&run.log);
        assert_eq!(st.len(), 1, "{name}: {}", run.log);
        assert!(
            st[0].contains("JOB_STATUS=FAILED reason="),
            "{name}: {}",
            st[0]
        );
        assert!(
            st[0].contains(name),
            "{name}: error must name the file: {}",
            st[0]
        );
        for w in wants {
            assert!(st[0].contains(w), "{name}: error must say {w:?}: {}", st[0]);
        }
        assert!(
            run.stderr.contains("JOB_STATUS=FAILED"),
            "{name}: {}",
            run.stderr
        );
        assert_eq!(
            db.sql("SELECT * FROM items ORDER BY id"),
            before,
            "{name} changed the table"
        );
        assert_eq!(tables(&db), "items\n", "{name} left a table behind");
    }

    // A good file and a bad one in the same run: the good table must not change either.
    let other_good = write(dir.path(), "other.csv", b"x\n10\n");
    assert_eq!(load(&db, &log, &[("other", &other_good)]).code, 0);
    let other_new = write(dir.path(), "other_new.csv", b"x\n20\n");
    let bad = write(dir.path(), "bad_again.csv", b"id,name\n1\n");
    let run = load(&db, &log, &[("other", &other_new), ("items", &bad)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        db.sql("SELECT x FROM other"),
        "10\n",
        "the good table of a failed run changed"
    );
    assert_eq!(db.sql("SELECT * FROM items ORDER BY id"), before);
    assert_eq!(tables(&db), "items\nother\n");
}

#[test]
fn bad_arguments_are_usage_errors() {
    let db = MariaDb::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("job.log");
    let csv = write(dir.path(), "t.csv", b"a\n1\n");
    for table in ["no_equals_sign", "bad-name=x.csv", "1st=x.csv"] {
        let mut cmd = support::pipeform_job();
        cmd.args(["load", "--db-url", &db.url(), "--table", table])
            .arg("--log-file")
            .arg(&log);
        let run = finish(cmd, &log);
        assert_eq!(run.code, 2, "{table}: {}", run.stderr);
    }
    let mut cmd = support::pipeform_job();
    cmd.args(["load", "--db-url", "postgres://u:Pw-s3cr3t-9f2c7a@h/d"])
        .arg("--table")
        .arg(format!("t={}", csv.display()))
        .arg("--log-file")
        .arg(&log);
    let run = finish(cmd, &log);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(status_lines(&run.log).len(), 4, "{}", run.log);
    assert!(tables(&db).is_empty());
}

#[test]
fn readers_never_see_a_missing_table_during_swaps() {
    let db = MariaDb::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("job.log");
    let mut small = String::from("id,v\n");
    let mut large = String::from("id,v\n");
    for i in 0..2000 {
        small.push_str(&format!("{i},s{i}\n"));
    }
    for i in 0..5000 {
        large.push_str(&format!("{i},l{i}\n"));
    }
    let small = write(dir.path(), "small.csv", small.as_bytes());
    let large = write(dir.path(), "large.csv", large.as_bytes());
    assert_eq!(load(&db, &log, &[("hot", &small)]).code, 0);

    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let stop = Arc::clone(&stop);
            let url = db.url();
            std::thread::spawn(move || {
                let mut conn = mysql::Conn::new(mysql::Opts::from_url(&url).expect("url"))
                    .expect("reader connects");
                let (mut reads, mut errors, mut odd) = (0u64, Vec::new(), Vec::new());
                while !stop.load(Ordering::SeqCst) {
                    match conn.query_first::<u64, _>("SELECT COUNT(*) FROM hot") {
                        Ok(Some(n)) if n == 2000 || n == 5000 => reads += 1,
                        Ok(other) => odd.push(other),
                        Err(e) => errors.push(e.to_string()),
                    }
                }
                (reads, errors, odd)
            })
        })
        .collect();
    for i in 0..6 {
        let file = if i % 2 == 0 { &large } else { &small };
        let run = load(&db, &log, &[("hot", file)]);
        assert_eq!(run.code, 0, "swap {i}: {}", run.stderr);
    }
    stop.store(true, Ordering::SeqCst);
    let mut total = 0;
    for r in readers {
        let (reads, errors, odd) = r.join().expect("reader thread");
        assert!(errors.is_empty(), "readers saw errors: {errors:?}");
        assert!(odd.is_empty(), "readers saw half-loaded counts: {odd:?}");
        total += reads;
    }
    assert!(total > 30, "readers barely ran ({total} reads)");
    assert_eq!(
        status_lines(&std::fs::read_to_string(&log).expect("log")).len(),
        7
    );
}

/// Issue 15: `""` lines of a one-column file were taken for blank lines and dropped.
#[test]
fn quoted_empty_fields_are_rows() {
    let db = MariaDb::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("job.log");
    let csv = write(dir.path(), "names.csv", b"name\n\"\"\n\"\"\nalice\n\n");
    let run = load(&db, &log, &[("names", &csv)]);
    assert_eq!(run.code, 0, "{}", run.log);
    assert_eq!(
        db.sql("SELECT COUNT(*), COUNT(name) FROM names"),
        "3\t1\n",
        "two NULL rows and alice"
    );
}

/// A load that finds another load of the same table running waits for it, and gives up
/// clearly (changing nothing) when it does not end in time.
#[test]
fn a_second_load_of_one_table_waits_or_fails_clearly() {
    let db = MariaDb::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("job.log");
    let first = write(dir.path(), "first.csv", b"v\n1\n");
    assert_eq!(load(&db, &log, &[("hot", &first)]).code, 0);

    // Another session holds the table's load lock, as a running load does.
    let mut holder =
        mysql::Conn::new(mysql::Opts::from_url(&db.url()).expect("url")).expect("connect");
    let got: Option<i64> = holder
        .query_first("SELECT GET_LOCK('pf-load:hot', 0)")
        .expect("get lock");
    assert_eq!(got, Some(1));
    let second = write(dir.path(), "second.csv", b"v\n2\n3\n");
    let mut cmd = support::pipeform_job();
    cmd.args(["load", "--db-url", &db.url(), "--lock-wait-timeout", "1"])
        .arg("--table")
        .arg(format!("hot={}", second.display()))
        .arg("--log-file")
        .arg(&log);
    let run = finish(cmd, &log);
    assert_eq!(run.code, 1, "{}", run.log);
    let last = run.log.lines().last().unwrap_or_default();
    assert!(
        last.contains("JOB_STATUS=FAILED") && last.contains("another load of it is still running"),
        "{last}"
    );
    assert_eq!(db.sql("SELECT v FROM hot"), "1\n", "the table changed");
    assert_eq!(tables(&db), "hot\n");
    drop(holder);

    // Two loads at once: both succeed, one after the other; the table is one file's rows.
    let mut big_a = String::from("v\n");
    let mut big_b = String::from("v\n");
    for i in 0..200_000 {
        big_a.push_str(&format!("{i}\n"));
        if i % 2 == 0 {
            big_b.push_str(&format!("{i}\n"));
        }
    }
    let a = write(dir.path(), "a.csv", big_a.as_bytes());
    let b = write(dir.path(), "b.csv", big_b.as_bytes());
    let runs: Vec<_> = [a, b]
        .into_iter()
        .enumerate()
        .map(|(i, file)| {
            let url = db.url();
            let log = dir.path().join(format!("job-{i}.log"));
            std::thread::spawn(move || {
                let out = std::process::Command::new(support::job_bin())
                    .args(["load", "--db-url", &url])
                    .arg("--table")
                    .arg(format!("hot={}", file.display()))
                    .arg("--log-file")
                    .arg(&log)
                    .output()
                    .expect("run pipeform-job");
                (
                    out.status.code(),
                    std::fs::read_to_string(&log).unwrap_or_default(),
                )
            })
        })
        .collect();
    for r in runs {
        let (code, log) = r.join().expect("load thread");
        assert_eq!(code, Some(0), "{log}");
    }
    let count = db.sql("SELECT COUNT(*) FROM hot");
    assert!(count == "200000\n" || count == "100000\n", "{count}");
    assert_eq!(tables(&db), "hot\n", "no staging or old table left behind");
}

/// A staging table that cannot be dropped after a failure is reported as left behind, not as
/// dropped.
#[test]
fn a_failed_staging_drop_is_reported_truthfully() {
    let db = MariaDb::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("job.log");
    db.root_sql(&format!(
        "CREATE USER 'nodrop'@'%' IDENTIFIED BY 'nodrop-pw'; \
         GRANT SELECT, INSERT, CREATE, ALTER ON {}.* TO 'nodrop'@'%';",
        support::mariadb::DATABASE
    ));
    let csv = write(dir.path(), "t.csv", b"a\n1\n");
    let mut cmd = support::pipeform_job();
    cmd.args([
        "load",
        "--db-url",
        &format!(
            "mysql://nodrop:nodrop-pw@127.0.0.1:{}/{}",
            db.port(),
            support::mariadb::DATABASE
        ),
    ])
    .arg("--table")
    .arg(format!("t={}", csv.display()))
    .arg("--log-file")
    .arg(&log);
    let run = finish(cmd, &log);
    assert_eq!(run.code, 1, "{}", run.log);
    assert!(!run.log.contains("dropped"), "claims a drop:\n{}", run.log);
    assert!(
        run.log
            .contains("could not drop staging table(s) t__pf_staging"),
        "{}",
        run.log
    );
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// A file past the job's real two-thread threshold (4 MiB, `csvfile::PARALLEL_SCAN_BYTES`):
/// `rows` rows of `row(i)` under `header`.
fn big_csv(header: &str, rows: usize, row: impl Fn(usize) -> String) -> Vec<u8> {
    let mut out = format!("{header}\n").into_bytes();
    for i in 0..rows {
        out.extend_from_slice(row(i).as_bytes());
        out.push(b'\n');
    }
    assert!(out.len() > 9 << 19, "{} bytes: not past 4.5 MiB", out.len());
    out
}

/// The two-thread scan of the real binary, on a file over its real threshold: only the second
/// half widens `code` to text, adds decimals to `amount` and lengthens `note`, and quoted
/// fields with commas and newlines sit around the cut. A merge that kept one half's view would
/// make a column too narrow for the other half's values, and the load would fail or differ.
/// A short row near the end (in the second thread's half) fails the run naming its exact line.
#[test]
fn a_csv_over_the_two_thread_threshold_loads_as_one_thread_reads_it() {
    let db = MariaDb::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("job.log");
    let n = 180_000;
    let late = |i: usize| i > n * 3 / 4;
    let row = |i: usize| {
        let amount = if late(i) {
            format!("{i}.25")
        } else {
            i.to_string()
        };
        let code = if late(i) && i.is_multiple_of(1000) {
            "X1".to_string()
        } else {
            (i % 97).to_string()
        };
        let note = if i.is_multiple_of(50) {
            format!("\"line one, {i}\nline \"\"two\"\"\"")
        } else if late(i) && i.is_multiple_of(777) {
            "n".repeat(90)
        } else {
            format!("note {i}")
        };
        format!("{i},{amount},{code},{note}")
    };
    let csv = write(
        dir.path(),
        "events.csv",
        &big_csv("id,amount,code,note", n, row),
    );
    let run = load(&db, &log, &[("events", &csv)]);
    assert_eq!(run.code, 0, "stderr:\n{}\nlog:\n{}", run.stderr, run.log);
    let types = db.sql(
        "SELECT column_name, column_type FROM information_schema.columns \
         WHERE table_schema = DATABASE() AND table_name = 'events' ORDER BY ordinal_position",
    );
    assert_eq!(
        types,
        "id\tbigint(20)\namount\tdecimal(8,2)\ncode\tvarchar(2)\nnote\tvarchar(90)\n"
    );
    assert_eq!(db.sql("SELECT COUNT(*) FROM events"), format!("{n}\n"));
    assert_eq!(
        db.sql("SELECT amount, code FROM events WHERE id IN (1000, 179000) ORDER BY id"),
        "1000.00\t30\n179000.25\tX1\n"
    );
    let mid = n / 2;
    assert_eq!(
        db.sql(&format!("SELECT HEX(note) FROM events WHERE id = {mid}")),
        format!(
            "{}\n",
            hex(format!("line one, {mid}\nline \"two\"").as_bytes())
        )
    );

    // A short row in the second half: the run fails naming its line; the table stays.
    let bad_row = n - 10;
    let bad = write(
        dir.path(),
        "events-bad.csv",
        &big_csv("id,amount,code,note", n, |i| {
            if i == bad_row {
                "only-one-field".to_string()
            } else {
                row(i)
            }
        }),
    );
    let run = load(&db, &log, &[("events", &bad)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // Line numbers count the newlines inside quoted fields: every 50th row spans two lines.
    let line = bad_row + 2 + (0..bad_row).filter(|i| i.is_multiple_of(50)).count();
    let status = status_lines(&run.log)
        .last()
        .map(|l| l.to_string())
        .unwrap_or_default();
    assert!(
        status.contains(&format!("events-bad.csv: line {line}")),
        "{status}"
    );
    assert_eq!(db.sql("SELECT COUNT(*) FROM events"), format!("{n}\n"));
}
