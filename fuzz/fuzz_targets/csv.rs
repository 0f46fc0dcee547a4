//! CSV files as the job loads them (`csvfile::prepare`, then `write_tsv` for `LOAD DATA`):
//! - Preparing never panics, and the two-thread reading (forced here on any size) gives the
//!   same columns and row count, or the same error, as one thread.
//! - The TSV text decodes (tabs between fields, newline after each row, `\N` for NULL, `\\`
//!   `\t` `\n` `\r` escapes) back to exactly the CSV's fields, an empty field being NULL, with
//!   as many rows as `prepare` counted.
//! - Every inferred column type admits every value of its column (nothing truncated on load).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pipeform_parse::csvfile::{prepare, ColumnType, Prepared};

/// The records of `data` (after a UTF-8 BOM), header included, read as the job's reader does.
fn records(data: &[u8]) -> Vec<Vec<Vec<u8>>> {
    let body = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    rdr.byte_records()
        .map(|r| {
            r.expect("prepare accepted the file")
                .iter()
                .map(<[u8]>::to_vec)
                .collect()
        })
        .collect()
}

/// Decodes `LOAD DATA` text (default `FIELDS TERMINATED BY '\t' ESCAPED BY '\\'`).
fn decode_tsv(tsv: &[u8]) -> Vec<Vec<Option<Vec<u8>>>> {
    let text = tsv.strip_suffix(b"\n").unwrap_or(tsv);
    if tsv.is_empty() {
        return Vec::new();
    }
    text.split(|b| *b == b'\n')
        .map(|row| {
            row.split(|b| *b == b'\t')
                .map(|field| {
                    if field == b"\\N" {
                        return None;
                    }
                    let mut out = Vec::new();
                    let mut bytes = field.iter();
                    while let Some(&b) = bytes.next() {
                        if b != b'\\' {
                            out.push(b);
                            continue;
                        }
                        let next = *bytes.next().expect("a backslash escapes something");
                        out.push(match next {
                            b't' => b'\t',
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b'\\' => b'\\',
                            other => panic!("unexpected escape \\{}", other as char),
                        });
                    }
                    Some(out)
                })
                .collect()
        })
        .collect()
}

fn admits(ty: &ColumnType, v: &str) -> bool {
    match ty {
        ColumnType::BigInt => v.parse::<i64>().is_ok(),
        ColumnType::Decimal { precision, scale } => {
            let body = v.strip_prefix('-').unwrap_or(v);
            let (int, frac) = body.split_once('.').unwrap_or((body, ""));
            !int.is_empty()
                && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
                && int.len() as u32 <= precision - scale
                && frac.len() as u32 <= *scale
        }
        ColumnType::Date => {
            v.len() == 10 && chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()
        }
        ColumnType::Varchar(n) => v.chars().count() <= *n && *n <= 255,
        ColumnType::Text(bytes) => v.len() <= *bytes,
    }
}

fn check(data: &[u8], p: &Prepared) {
    let mut tsv = Vec::new();
    let written = p.write_tsv(&mut tsv).expect("the file did not change");
    assert_eq!(written, p.rows);
    let mut expected = records(data);
    let header = expected.remove(0);
    assert_eq!(header.len(), p.columns.len());
    let decoded = decode_tsv(&tsv);
    assert_eq!(decoded.len() as u64, p.rows);
    for (row, got) in expected.iter().zip(&decoded) {
        let want: Vec<Option<Vec<u8>>> = row
            .iter()
            .map(|f| (!f.is_empty()).then(|| f.clone()))
            .collect();
        assert_eq!(&want, got);
        for (field, column) in row.iter().zip(&p.columns) {
            if field.is_empty() {
                continue;
            }
            let v = std::str::from_utf8(field).expect("prepare checked UTF-8");
            assert!(admits(&column.ty, v), "{v:?} in {}", column.ty.sql());
        }
    }
    assert_eq!(expected.len(), decoded.len());
}

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("pipeform-fuzz-csv-{}.csv", std::process::id()));
    std::fs::write(&path, data).expect("scratch file");
    let one = prepare(&path, u64::MAX);
    let two = prepare(&path, 0);
    match (&one, &two) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.columns, b.columns);
            assert_eq!(a.rows, b.rows);
            check(data, a);
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("one thread: {one:?}; two threads: {two:?}"),
    }
});
