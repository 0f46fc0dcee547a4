//! One CSV file, read twice in buffered chunks (memory does not grow with its size): the first
//! reading validates every row and infers the column types (two threads, one per half, when the
//! file is big), the second turns the rows into the tab-separated text `LOAD DATA` reads (`\N`
//! for NULL) while the server inserts them.

use std::fmt;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Longest identifier MySQL accepts.
const MAX_IDENT: usize = 64;

/// A column type inferred from every value of the column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnType {
    /// Whole numbers that fit in 64 bits (no leading zeros, which would be lost).
    BigInt,
    /// Fixed-point numbers: `precision` digits, `scale` after the point.
    Decimal {
        /// Total digits.
        precision: u32,
        /// Digits after the point.
        scale: u32,
    },
    /// `YYYY-MM-DD` calendar dates.
    Date,
    /// Short text: at most this many characters.
    Varchar(usize),
    /// Longer text, by the largest value in bytes.
    Text(usize),
}

impl ColumnType {
    /// The SQL type.
    pub fn sql(&self) -> String {
        match self {
            Self::BigInt => "BIGINT".into(),
            Self::Decimal { precision, scale } => format!("DECIMAL({precision},{scale})"),
            Self::Date => "DATE".into(),
            Self::Varchar(n) => format!("VARCHAR({})", (*n).max(1)),
            Self::Text(bytes) if *bytes < 65_536 => "TEXT".into(),
            Self::Text(bytes) if *bytes < 16_777_216 => "MEDIUMTEXT".into(),
            Self::Text(_) => "LONGTEXT".into(),
        }
    }
}

/// A column: header name and inferred type. Every column is nullable (empty field = NULL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Name from the header row.
    pub name: String,
    /// Inferred type.
    pub ty: ColumnType,
}

/// A CSV file ready to load: validated and its types inferred; [`Prepared::write_tsv`] reads
/// it again.
#[derive(Debug)]
pub struct Prepared {
    /// The file it came from.
    pub path: PathBuf,
    /// Columns, in file order.
    pub columns: Vec<Column>,
    /// Data rows (header excluded).
    pub rows: u64,
    /// Where the CSV starts (after a UTF-8 BOM).
    body: u64,
    /// The file's size at the first reading; the second reads exactly as far.
    len: u64,
}

impl Prepared {
    /// Writes the rows as `LOAD DATA` text (tab-separated, `\N` for NULL, `\t` `\n` `\r`
    /// `\\` escaped), parsing the file a second time. Streaming it while the server inserts
    /// hides the conversion behind the load and never holds a second copy of the file.
    /// Returns the rows written.
    pub fn write_tsv(&self, out: &mut impl std::io::Write) -> std::io::Result<u64> {
        let mut rdr = reader(open_at(&self.path, self.body, self.len)?);
        let mut record = csv::ByteRecord::new();
        // The header row (checked by `prepare`).
        rdr.read_byte_record(&mut record)
            .map_err(std::io::Error::other)?;
        let mut buf = Vec::with_capacity(TSV_BUFFER + 4096);
        let mut rows = 0u64;
        while rdr
            .read_byte_record(&mut record)
            .map_err(std::io::Error::other)?
        {
            for (i, raw) in record.iter().enumerate() {
                if i > 0 {
                    buf.push(b'\t');
                }
                if raw.is_empty() {
                    buf.extend_from_slice(b"\\N");
                } else {
                    escape_into(&mut buf, raw);
                }
            }
            buf.push(b'\n');
            rows += 1;
            if buf.len() >= TSV_BUFFER {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
        out.write_all(&buf)?;
        if rows != self.rows {
            return Err(std::io::Error::other(format!(
                "{}: {rows} rows on the second reading, {} on the first",
                self.path.display(),
                self.rows
            )));
        }
        Ok(rows)
    }
}

/// Bytes of `LOAD DATA` text gathered before each write to the server.
const TSV_BUFFER: usize = 256 * 1024;

/// Why a file cannot be loaded. Every variant names the file; row errors name line and column.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    /// The file cannot be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// No header row.
    #[error("{path}: the file is empty; it needs a header row with column names")]
    NoHeader {
        /// The file.
        path: String,
    },
    /// A header name MySQL cannot take, or a duplicate.
    #[error("{path}: line 1, column {column}: bad column name {name:?}: {reason}")]
    BadHeader {
        /// The file.
        path: String,
        /// 1-based column.
        column: usize,
        /// The name.
        name: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A row that cannot be loaded.
    #[error("{path}: line {line}{}: {reason}; fix the file and run again (no table was changed)", column.map(|c| format!(", column {c}")).unwrap_or_default())]
    BadRow {
        /// The file.
        path: String,
        /// 1-based line where the record starts.
        line: u64,
        /// 1-based column, when one column is at fault.
        column: Option<usize>,
        /// What is wrong.
        reason: String,
    },
}

/// Running inference state of one column.
#[derive(Debug, Clone)]
struct Infer {
    int: bool,
    dec: bool,
    date: bool,
    int_digits: u32,
    scale: u32,
    max_chars: usize,
    max_bytes: usize,
    non_empty: bool,
}

impl Infer {
    fn new() -> Self {
        Self {
            int: true,
            dec: true,
            date: true,
            int_digits: 0,
            scale: 0,
            max_chars: 0,
            max_bytes: 0,
            non_empty: false,
        }
    }

    fn see(&mut self, v: &str) {
        self.non_empty = true;
        self.max_bytes = self.max_bytes.max(v.len());
        if v.len() > self.max_chars {
            // chars <= bytes, so counting is only needed when it could raise the maximum.
            self.max_chars = self.max_chars.max(v.chars().count());
        }
        if self.int || self.dec {
            match number_shape(v) {
                Some((int_digits, scale)) => {
                    self.int_digits = self.int_digits.max(int_digits);
                    self.scale = self.scale.max(scale);
                    // Up to 18 digits always fit in an i64: parse only longer ones.
                    if scale > 0 || (int_digits > 18 && v.parse::<i64>().is_err()) {
                        self.int = false;
                    }
                }
                None => {
                    self.int = false;
                    self.dec = false;
                }
            }
        }
        if self.date && !is_date(v) {
            self.date = false;
        }
    }

    /// Folds in the state of the same column over other rows.
    fn merge(&mut self, o: &Infer) {
        self.int &= o.int;
        self.dec &= o.dec;
        self.date &= o.date;
        self.int_digits = self.int_digits.max(o.int_digits);
        self.scale = self.scale.max(o.scale);
        self.max_chars = self.max_chars.max(o.max_chars);
        self.max_bytes = self.max_bytes.max(o.max_bytes);
        self.non_empty |= o.non_empty;
    }

    fn finish(&self) -> ColumnType {
        if !self.non_empty {
            return ColumnType::Text(0);
        }
        if self.int {
            return ColumnType::BigInt;
        }
        if self.dec && self.int_digits + self.scale <= 65 && self.scale <= 30 {
            return ColumnType::Decimal {
                precision: (self.int_digits + self.scale).max(1),
                scale: self.scale,
            };
        }
        if self.date {
            return ColumnType::Date;
        }
        if self.max_chars <= 255 {
            ColumnType::Varchar(self.max_chars)
        } else {
            ColumnType::Text(self.max_bytes)
        }
    }
}

/// `-?digits(.digits)?` without leading zeros: (digits before the point, digits after).
fn number_shape(v: &str) -> Option<(u32, u32)> {
    let body = v.strip_prefix('-').unwrap_or(v);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // "007" is an identifier (a code, a zip), not the number 7.
    if int.len() > 1 && int.starts_with('0') {
        return None;
    }
    let scale = match frac {
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => f.len() as u32,
        Some(_) => return None,
        None => 0,
    };
    Some((int.len() as u32, scale))
}

/// `YYYY-MM-DD` naming a real day. Checked by hand: chrono's format parser took half the
/// time of inferring a file's types.
fn is_date(v: &str) -> bool {
    let b = v.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r).and_then(|d| {
            d.iter().try_fold(0u32, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    match (digits(0..4), digits(5..7), digits(8..10)) {
        (Some(y), Some(m), Some(d)) => chrono::NaiveDate::from_ymd_opt(y as i32, m, d).is_some(),
        _ => false,
    }
}

/// A safe SQL identifier for a table: letters, digits, `_`, not starting with a digit, and
/// short enough that the staging and old names (`__pf_staging`, `__pf_old`) still fit.
pub fn check_table_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= MAX_IDENT - 12
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit();
    if ok {
        Ok(())
    } else {
        Err(format!(
            "bad table name {name:?}: use letters, digits and '_' (not starting with a digit), at most {} characters",
            MAX_IDENT - 12
        ))
    }
}

/// A quoted identifier for SQL text. Names were validated to hold no backtick.
pub fn quote_ident(name: &str) -> String {
    format!("`{name}`")
}

/// Reads, validates and converts one CSV file. A UTF-8 BOM is skipped; quoted fields may hold
/// commas, quotes and newlines; a quoted empty field is a NULL like an unquoted one (only lines
/// with nothing on them are skipped). Any bad row fails the whole file.
pub fn prepare(path: &Path, parallel_from: u64) -> Result<Prepared, CsvError> {
    let shown = path.display().to_string();
    let read_err = |source| CsvError::Read {
        path: shown.clone(),
        source,
    };
    let file = File::open(path).map_err(read_err)?;
    let len = file.metadata().map_err(read_err)?.len();
    let mut bom = [0u8; 3];
    let got = file.read_at(&mut bom, 0).map_err(read_err)?;
    let body: u64 = if got == 3 && bom == *b"\xEF\xBB\xBF" {
        3
    } else {
        0
    };
    let bad_row = |line: u64, column: Option<usize>, reason: String| CsvError::BadRow {
        path: shown.clone(),
        line,
        column,
        reason,
    };

    let mut rdr = reader(open_at(path, body, len).map_err(read_err)?);
    let mut record = csv::ByteRecord::new();

    // Header.
    let got = rdr
        .read_byte_record(&mut record)
        .map_err(|e| bad_row(1, None, e.to_string()))?;
    if !got {
        return Err(CsvError::NoHeader { path: shown });
    }
    let mut columns_names: Vec<String> = Vec::with_capacity(record.len());
    for (i, raw) in record.iter().enumerate() {
        let bad = |name: String, reason| CsvError::BadHeader {
            path: shown.clone(),
            column: i + 1,
            name,
            reason,
        };
        let name = std::str::from_utf8(raw)
            .map_err(|_| bad(String::from_utf8_lossy(raw).into_owned(), "not UTF-8"))?
            .trim()
            .to_string();
        if name.is_empty() {
            return Err(bad(name, "empty; every column needs a name"));
        }
        if name.chars().count() > MAX_IDENT {
            return Err(bad(name, "longer than 64 characters"));
        }
        if name.contains('`') || name.chars().any(char::is_control) || name.ends_with(' ') {
            return Err(bad(name, "holds a backtick or a control character"));
        }
        if columns_names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            return Err(bad(name, "duplicate (MySQL column names ignore case)"));
        }
        columns_names.push(name);
    }
    let width = columns_names.len();
    let first = body + rdr.position().byte();
    let lines_before = rdr.position().line().saturating_sub(1);
    drop(rdr);
    let region = Region {
        path,
        file: &file,
        len,
        width,
        shown: &shown,
    };
    let scan_all = || {
        region
            .scan(first, None, lines_before)
            .map(|(i, n, _)| (i, n))
    };
    // Two threads, each inferring half of the rows, when the file is big enough to be worth
    // it. Any complaint from either half (or a split that turns out not to fall between
    // records) sends the whole file through one sequential scan, whose errors are the
    // authoritative ones with exact line numbers.
    #[cfg(test)]
    SPLIT_USED.with(|u| u.set(false));
    let split = if len - first >= parallel_from {
        split_point(&file, first, len).map_err(read_err)?
    } else {
        None
    };
    let (infer, rows) = match split {
        Some(mid) => {
            let (a, b) = std::thread::scope(|s| {
                let second = s.spawn(|| region.scan(mid, None, 0));
                let first = region.scan(first, Some(mid), lines_before);
                (first, second.join())
            });
            match (a, b) {
                // The first half's parser must have finished a record exactly at the cut:
                // then the second half starts where a record starts.
                (Ok((mut inf, n, end)), Ok(Ok((other, m, _)))) if end == mid => {
                    #[cfg(test)]
                    SPLIT_USED.with(|u| u.set(true));
                    for (x, y) in inf.iter_mut().zip(&other) {
                        x.merge(y);
                    }
                    (inf, n + m)
                }
                _ => scan_all()?,
            }
        }
        _ => scan_all()?,
    };

    let columns = columns_names
        .into_iter()
        .zip(&infer)
        .map(|(name, inf)| Column {
            name,
            ty: inf.finish(),
        })
        .collect();
    Ok(Prepared {
        path: path.to_path_buf(),
        columns,
        rows,
        body,
        len,
    })
}

/// The CSV reader every pass uses: the header is an ordinary record to us, and rows of the
/// wrong width are reported by us (with the header's count), not by the crate.
fn reader<R: Read>(input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(READ_BUFFER)
        .from_reader(input)
}

/// Bytes each reader asks the file for at a time.
const READ_BUFFER: usize = 256 * 1024;

/// The file from `from` up to `len`.
fn open_at(path: &Path, from: u64, len: u64) -> std::io::Result<std::io::Take<File>> {
    let mut f = File::open(path)?;
    f.seek(SeekFrom::Start(from))?;
    Ok(f.take(len.saturating_sub(from)))
}

/// Calls `each` on the bytes of `file` in `from..to`, chunk by chunk, until it returns false.
fn chunks(
    file: &File,
    from: u64,
    to: u64,
    mut each: impl FnMut(&[u8]) -> bool,
) -> std::io::Result<()> {
    let mut buf = vec![0u8; READ_BUFFER];
    let mut at = from;
    while at < to {
        let want = usize::try_from(to - at)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let n = file.read_at(&mut buf[..want], at)?;
        if n == 0 || !each(&buf[..n]) {
            break;
        }
        at += n as u64;
    }
    Ok(())
}

/// Quotes in `from..to`: odd means a quoted field was opened and not closed.
fn quotes(file: &File, from: u64, to: u64) -> std::io::Result<u64> {
    let mut n = 0u64;
    chunks(file, from, to, |c| {
        n += memchr::memchr_iter(b'"', c).count() as u64;
        true
    })?;
    Ok(n)
}

/// Files smaller than this are scanned by one thread: below it a second thread costs more than
/// it saves. Pinned end to end by `a_csv_over_the_two_thread_threshold_loads_as_one_thread_reads_it`
/// in `tests/job_load.rs`.
pub const PARALLEL_SCAN_BYTES: u64 = 4 << 20;

#[cfg(test)]
thread_local! {
    /// Whether this thread's last `prepare` kept the two-thread result.
    static SPLIT_USED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Where to cut the records in `from..len` in two, near the middle: after the first newline
/// past the middle that an even number of quotes precedes (a newline inside a quoted field
/// follows an odd number). Stray quotes can fool the count, so the caller accepts the cut only
/// if the parser, reading from the start, ends a record exactly there.
fn split_point(file: &File, from: u64, len: u64) -> std::io::Result<Option<u64>> {
    let mid = from + (len - from) / 2;
    let mut open = quotes(file, from, mid)? % 2 == 1;
    let mut at = mid;
    let mut found = None;
    chunks(file, mid, len, |c| {
        for &b in c {
            at += 1;
            match b {
                b'"' => open = !open,
                b'\n' if !open => {
                    found = Some(at).filter(|&at| at < len);
                    return false;
                }
                _ => {}
            }
        }
        true
    })?;
    Ok(found)
}

/// The records of one file, as every scan of it sees them.
struct Region<'a> {
    path: &'a Path,
    file: &'a File,
    len: u64,
    width: usize,
    shown: &'a str,
}

impl Region<'_> {
    /// Validates the records from byte `from` (a record start) and infers their columns'
    /// types: the state of each column, the number of rows and the offset where reading
    /// stopped (the end, or the end of the first record reaching `stop_at`). Error lines are
    /// counted from `lines_before`.
    fn scan(
        &self,
        from: u64,
        stop_at: Option<u64>,
        lines_before: u64,
    ) -> Result<(Vec<Infer>, u64, u64), CsvError> {
        // The reader starts at a record inside the file, where a UTF-8 BOM is data (the load
        // reads it as part of the field), but a fresh csv reader drops a BOM at the start of its
        // input. One empty line in front, skipped like every empty line, keeps it: positions
        // below are one byte and one line past the file's.
        let bad_row = |line: u64, column: Option<usize>, reason: String| CsvError::BadRow {
            path: self.shown.to_string(),
            line: (line + lines_before).saturating_sub(1),
            column,
            reason,
        };
        let read_err = |source| CsvError::Read {
            path: self.shown.to_string(),
            source,
        };
        let input = (&b"\n"[..]).chain(open_at(self.path, from, self.len).map_err(read_err)?);
        let mut rdr = reader(input);
        let mut record = csv::ByteRecord::new();
        let mut infer = vec![Infer::new(); self.width];
        let mut rows = 0u64;
        let mut start = from;
        let mut start_line = 2u64;

        loop {
            let got = match rdr.read_byte_record(&mut record) {
                Ok(g) => g,
                Err(e) => {
                    let line = e.position().map_or(start_line, |p| p.line());
                    return Err(bad_row(line, None, e.to_string()));
                }
            };
            if !got {
                break;
            }
            let end = from + rdr.position().byte() - 1;
            let end_line = rdr.position().line();
            let line = record.position().map_or(start_line, |p| p.line());
            // The csv crate reads an unterminated quote to the end of the file without an
            // error; a record whose raw text holds an odd number of quotes and spans lines (or
            // runs to the end of the file) is exactly that. Only such records are re-read.
            let suspect = end_line > start_line + 1 || end >= self.len;
            if suspect && quotes(self.file, start, end).map_err(read_err)? % 2 == 1 {
                return Err(bad_row(
                    line,
                    None,
                    "unterminated quoted field (a '\"' is opened and never closed)".into(),
                ));
            }
            start = end;
            start_line = end_line;
            if record.len() != self.width {
                return Err(bad_row(
                    line,
                    None,
                    format!(
                        "{} fields, but the header has {} columns",
                        record.len(),
                        self.width
                    ),
                ));
            }
            for (i, raw) in record.iter().enumerate() {
                if raw.is_empty() {
                    continue;
                }
                let v = std::str::from_utf8(raw).map_err(|e| {
                    bad_row(
                        line,
                        Some(i + 1),
                        format!("invalid UTF-8 at byte {} of the field", e.valid_up_to()),
                    )
                })?;
                infer[i].see(v);
            }
            rows += 1;
            if stop_at.is_some_and(|stop| end >= stop) {
                break;
            }
        }
        Ok((infer, rows, start))
    }
}

/// `LOAD DATA`'s default escaping: backslash, tab, newline and carriage return.
fn escape_into(out: &mut Vec<u8>, raw: &[u8]) {
    if !raw
        .iter()
        .any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r'))
    {
        out.extend_from_slice(raw);
        return;
    }
    for &b in raw {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.ty.sql())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A prepared file whose directory lives as long as it (the second reading needs it).
    #[derive(Debug)]
    struct Prepped {
        p: Prepared,
        _dir: tempfile::TempDir,
    }

    impl std::ops::Deref for Prepped {
        type Target = Prepared;
        fn deref(&self) -> &Prepared {
            &self.p
        }
    }

    /// The unit tests' two-thread threshold: small files exercise the two-thread path.
    const SPLIT_FROM: u64 = 64 << 10;

    fn prep(text: &[u8]) -> Result<Prepped, CsvError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("t.csv");
        std::fs::write(&p, text).expect("write");
        prepare(&p, SPLIT_FROM).map(|p| Prepped { p, _dir: dir })
    }

    #[test]
    fn infers_types_from_the_whole_file() {
        let p = prep(
            b"\xEF\xBB\xBFid,price,day,name,code,empty\n1,2.5,2026-01-02,a,007,\n-20,13,2026-12-31,\"b, \"\"q\"\"\nline\",12,\n",
        )
        .expect("valid");
        let types: Vec<String> = p.columns.iter().map(|c| c.ty.sql()).collect();
        assert_eq!(
            types,
            [
                "BIGINT",
                "DECIMAL(3,1)",
                "DATE",
                "VARCHAR(11)",
                "VARCHAR(3)",
                "TEXT"
            ]
        );
        assert_eq!(p.columns[0].name, "id");
        assert_eq!(p.rows, 2);
        let mut tsv = Vec::new();
        assert_eq!(p.write_tsv(&mut tsv).expect("tsv"), 2);
        assert_eq!(
            String::from_utf8(tsv).expect("utf8"),
            "1\t2.5\t2026-01-02\ta\t007\t\\N\n-20\t13\t2026-12-31\tb, \"q\"\\nline\t12\t\\N\n"
        );
    }

    #[test]
    fn bad_rows_name_line_and_column() {
        let e = prep(b"a,b\n1,2\n3\n").expect_err("short row");
        assert!(e.to_string().contains("line 3"), "{e}");
        let e = prep(b"a,b\n1,2\n3,\xff\xfe\n").expect_err("bad utf8");
        assert!(e.to_string().contains("line 3, column 2"), "{e}");
        let e = prep(b"a,b\n1,2\n3,\"open\n4,5\n").expect_err("unterminated");
        assert!(e.to_string().contains("line 3"), "{e}");
        assert!(e.to_string().contains("unterminated"), "{e}");
        let e = prep(b"a,A\n1,2\n").expect_err("dup");
        assert!(e.to_string().contains("duplicate"), "{e}");
        assert!(prep(b"").is_err());
    }

    /// A file past the two-thread threshold: `rows` rows of `row(i)` under `header`.
    fn big(header: &str, rows: usize, row: impl Fn(usize) -> String) -> Vec<u8> {
        let mut out = format!("{header}\n").into_bytes();
        for i in 0..rows {
            out.extend_from_slice(row(i).as_bytes());
            out.push(b'\n');
        }
        assert!(
            out.len() as u64 > SPLIT_FROM,
            "test file too small to split"
        );
        out
    }

    /// What one thread reading the whole file infers.
    fn sequential(text: &[u8], width: usize) -> (Vec<String>, u64) {
        let body = text.iter().position(|&b| b == b'\n').expect("header") + 1;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).expect("write");
        let file = File::open(&path).expect("open");
        let region = Region {
            path: &path,
            file: &file,
            len: text.len() as u64,
            width,
            shown: "t.csv",
        };
        let (inf, rows, _) = region.scan(body as u64, None, 1).expect("valid");
        (inf.iter().map(|i| i.finish().sql()).collect(), rows)
    }

    #[test]
    fn two_threads_infer_what_one_thread_infers() {
        // The second half alone widens `code` to text, lengthens `note` and adds decimals to
        // `amount`; quoted fields with commas and newlines sit around the middle.
        let n = 120_000;
        let text = big("id,amount,code,note", n, |i| {
            let late = i > n * 3 / 4;
            let amount = if late {
                format!("{i}.25")
            } else {
                i.to_string()
            };
            let code = if late && i % 1000 == 0 {
                "X1".to_string()
            } else {
                (i % 97).to_string()
            };
            let note = if i % 50 == 0 {
                format!("\"line one, {i}\nline \"\"two\"\"\"")
            } else if late && i % 777 == 0 {
                "n".repeat(90)
            } else {
                format!("note {i}")
            };
            format!("{i},{amount},{code},{note}")
        });
        let p = prep(&text).expect("valid");
        assert!(
            SPLIT_USED.with(|u| u.get()),
            "the two-thread path did not run"
        );
        let types: Vec<String> = p.columns.iter().map(|c| c.ty.sql()).collect();
        assert_eq!((types.clone(), p.rows), sequential(&text, 4));
        assert_eq!(
            types,
            ["BIGINT", "DECIMAL(8,2)", "VARCHAR(2)", "VARCHAR(90)"]
        );
        assert_eq!(p.rows, n as u64);
        let mut tsv = Vec::new();
        assert_eq!(p.write_tsv(&mut tsv).expect("tsv"), n as u64);
    }

    #[test]
    fn a_stray_quote_that_fools_the_split_does_not_change_the_result() {
        // Unquoted fields holding a literal quote make the quote count before the middle odd,
        // so the cut lands inside a quoted multi-line field; the check that the parser ends a
        // record at the cut must send the file to one thread.
        let n = 150_000;
        let text = big("a,b", n, |i| match i {
            10 => "x\"y,1".to_string(),
            _ if i % 3 == 0 => format!("\"multi\nline {i}\",{i}"),
            _ => format!("plain {i},{i}"),
        });
        let p = prep(&text).expect("valid");
        assert!(
            !SPLIT_USED.with(|u| u.get()),
            "a cut inside a field was accepted"
        );
        let types: Vec<String> = p.columns.iter().map(|c| c.ty.sql()).collect();
        assert_eq!((types, p.rows), sequential(&text, 2));
        assert_eq!(p.rows, n as u64);
    }

    #[test]
    fn errors_in_either_half_name_the_exact_line() {
        let n = 200_000;
        let bad_row = n - 10; // data row index; its line is index + 2 (header, 1-based)
        let text = big("a,b", n, |i| {
            if i == bad_row {
                "only-one-field".to_string()
            } else {
                format!("{i},value {i}")
            }
        });
        let e = prep(&text).expect_err("short row in the second half");
        assert!(
            e.to_string().contains(&format!("line {}", bad_row + 2)),
            "{e}"
        );

        let text = big("a,b", n, |i| {
            if i == 7 {
                "1,\"open quote".to_string()
            } else {
                format!("{i},value {i}")
            }
        });
        let e = prep(&text).expect_err("unterminated quote in the first half");
        assert!(e.to_string().contains("line 9"), "{e}");
        assert!(e.to_string().contains("unterminated"), "{e}");
    }

    #[test]
    fn integers_beyond_i64_become_decimals() {
        let p =
            prep(b"a,b,c\n9223372036854775807,9223372036854775808,-9223372036854775808\n1,2,3\n")
                .expect("valid");
        let types: Vec<String> = p.columns.iter().map(|c| c.ty.sql()).collect();
        assert_eq!(types, ["BIGINT", "DECIMAL(19,0)", "BIGINT"]);
    }

    #[test]
    fn dates_are_real_days_in_iso_form() {
        for ok in ["2026-01-02", "2024-02-29", "0001-12-31"] {
            assert!(is_date(ok), "{ok}");
        }
        for bad in [
            "2026-02-30",
            "2025-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-1-02",
            "2026/01/02",
            "20260102xx",
            "2026-01-0x",
            "+026-01-02",
            "2026-01-020",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
    }

    #[test]
    fn table_names_are_safe_identifiers() {
        assert!(check_table_name("orders_2026").is_ok());
        for bad in ["", "1x", "a-b", "a`b", "a b", &"x".repeat(60)] {
            assert!(check_table_name(bad).is_err(), "{bad:?}");
        }
    }

    /// Found by fuzzing (fuzz target `csv`): a data row starting with a UTF-8 BOM (U+FEFF, e.g.
    /// a second file appended) had its type inferred without the BOM, since a reader started
    /// at that row dropped it, but was loaded with it: `BIGINT` for a value MySQL cannot take.
    #[test]
    fn a_bom_starting_a_data_row_is_data_to_inference_and_load_alike() {
        let text = b"n\n\xEF\xBB\xBF12\n";
        let p = prep(text).expect("valid");
        assert_eq!(p.columns[0].ty.sql(), "VARCHAR(3)");
        let mut tsv = Vec::new();
        assert_eq!(p.write_tsv(&mut tsv).expect("tsv"), 1);
        assert_eq!(tsv, b"\xEF\xBB\xBF12\n");
        // The second half of a two-thread reading starting at such a row: the same.
        let rows = 20_000;
        let mut text = b"n\n".to_vec();
        for i in 0..rows {
            if i >= rows / 2 - 2000 {
                text.extend_from_slice(b"\xEF\xBB\xBF");
            }
            text.extend_from_slice(format!("{i}\n").as_bytes());
        }
        let p = prep(&text).expect("valid");
        assert!(
            SPLIT_USED.with(|u| u.get()),
            "the two-thread path did not run"
        );
        assert_eq!(p.columns[0].ty.sql(), "VARCHAR(6)");
        assert_eq!(
            (vec!["VARCHAR(6)".to_string()], rows as u64),
            sequential(&text, 1)
        );
    }

    /// Issue 15: a one-column file of quoted empty fields lost its rows as "blank lines".
    #[test]
    fn quoted_empty_fields_are_rows_and_empty_lines_are_not() {
        let p = prep(b"name\n\"\"\n\"\"\nalice\n").expect("valid");
        assert_eq!(p.rows, 3);
        let mut tsv = Vec::new();
        assert_eq!(p.write_tsv(&mut tsv).expect("tsv"), 3);
        assert_eq!(tsv, b"\\N\n\\N\nalice\n");
        let p = prep(b"a,b\n1,2\n\n\r\n3,4\n\n").expect("valid");
        assert_eq!(p.rows, 2);
    }
}
