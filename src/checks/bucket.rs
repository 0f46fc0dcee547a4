//! Bucket freshness, public access block and encryption.

use chrono::Duration;

use super::{facts, Expectations, Status, Verdict};
use crate::inventory::{Inventory, TemplateFacts};
use crate::prefix::PrefixTemplate;

/// What is wrong with one template's prefixes, if anything; else what was found.
fn judge(
    e: &Expectations,
    name: &str,
    template: &PrefixTemplate,
    t: &TemplateFacts,
) -> Result<String, String> {
    if let Some(date) = e.date {
        return match &t.on_date {
            Some(p) if p.non_empty => Ok(p.prefix.clone()),
            Some(p) => Err(format!(
                "no objects under {} ({name} of {date}); expected that day's files",
                p.prefix
            )),
            None => Err(format!("{name} of {date} was not listed")),
        };
    }
    let Some(newest) = &t.newest else {
        return Err(format!(
            "no dated {name} prefix under {} (template {template}); expected one within {} h",
            template.static_prefix(),
            e.freshness_hours
        ));
    };
    let day_end = (newest.date + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc());
    let age_h = day_end.map_or(i64::MAX, |end| (e.now - end).num_hours());
    if age_h > i64::from(e.freshness_hours) {
        return Err(format!(
            "newest {name} prefix {} ended {age_h} h ago; expected one within {} h",
            newest.prefix, e.freshness_hours
        ));
    }
    if !newest.non_empty {
        return Err(format!(
            "newest {name} prefix {} holds no objects; expected the run's files",
            newest.prefix
        ));
    }
    Ok(newest.prefix.clone())
}

/// `bucket.prefixes`: newest csv and logs dates within `freshness_hours` and non-empty.
pub fn prefixes(e: &Expectations, inv: &Inventory) -> Verdict {
    let p = match facts(&inv.prefixes, "bucket prefixes", &e.bucket) {
        Ok(f) => f,
        Err(f) => return f,
    };
    let results = [
        judge(e, "csv", &e.csv_prefix, &p.csv),
        judge(e, "logs", &e.logs_prefix, &p.logs),
    ];
    let problems: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    if problems.is_empty() {
        let found: Vec<&String> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        let how = match e.date {
            Some(d) => format!("{d}, non-empty"),
            None => format!("newest, within {} h, non-empty", e.freshness_hours),
        };
        Verdict::new(
            Status::Pass,
            &e.bucket,
            format!(
                "{} ({how})",
                found
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    } else {
        Verdict::new(
            Status::Fail,
            &e.bucket,
            problems
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        )
    }
}

/// `bucket.public_access`: all four public access block settings on.
pub fn public_access(e: &Expectations, inv: &Inventory) -> Verdict {
    let b = match facts(&inv.bucket, "the bucket", &e.bucket) {
        Ok(f) => f,
        Err(f) => return f,
    };
    if !b.exists {
        return Verdict::new(
            Status::Fail,
            &e.bucket,
            format!("bucket {} does not exist", e.bucket),
        );
    }
    let Some(pab) = b.public_access_block else {
        return Verdict::new(
            Status::Fail,
            &e.bucket,
            format!(
                "bucket {} has no public access block; expected all four settings on",
                e.bucket
            ),
        );
    };
    let off: Vec<&str> = [
        ("BlockPublicAcls", pab.block_public_acls),
        ("IgnorePublicAcls", pab.ignore_public_acls),
        ("BlockPublicPolicy", pab.block_public_policy),
        ("RestrictPublicBuckets", pab.restrict_public_buckets),
    ]
    .iter()
    .filter(|(_, on)| !on)
    .map(|(n, _)| *n)
    .collect();
    if off.is_empty() {
        Verdict::new(
            Status::Pass,
            &e.bucket,
            "all four public access block settings on",
        )
    } else {
        Verdict::new(
            Status::Fail,
            &e.bucket,
            format!(
                "bucket {} has {} off; expected all four public access block settings on",
                e.bucket,
                off.join(", ")
            ),
        )
    }
}

/// `bucket.encryption`: default server-side encryption configured.
pub fn encryption(e: &Expectations, inv: &Inventory) -> Verdict {
    let b = match facts(&inv.bucket, "the bucket", &e.bucket) {
        Ok(f) => f,
        Err(f) => return f,
    };
    if !b.exists {
        return Verdict::new(
            Status::Fail,
            &e.bucket,
            format!("bucket {} does not exist", e.bucket),
        );
    }
    if b.encryption.is_empty() {
        Verdict::new(
            Status::Fail,
            &e.bucket,
            format!(
                "bucket {} has no default encryption; expected SSE (AES256 or aws:kms)",
                e.bucket
            ),
        )
    } else {
        Verdict::new(Status::Pass, &e.bucket, b.encryption.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::{area, dated, day, expectations, healthy};
    use crate::inventory::AreaError;

    #[test]
    fn healthy_stack_passes() {
        let (e, inv) = (expectations(), healthy());
        let f = prefixes(&e, &inv);
        assert_eq!(f.status, Status::Pass, "{f:?}");
        assert_eq!(
            f.detail,
            "csv/2026-11-22/, logs/2026-11-21/ (newest, within 26 h, non-empty)"
        );
        assert_eq!(public_access(&e, &inv).status, Status::Pass);
        assert_eq!(encryption(&e, &inv).status, Status::Pass);
    }

    #[test]
    fn age_counts_from_the_end_of_the_prefix_day() {
        let (mut e, mut inv) = (expectations(), healthy());
        // logs/2026-11-21 ended at 22T00:00; at 22T05:00 that is 5 h.
        e.freshness_hours = 5;
        assert_eq!(prefixes(&e, &inv).status, Status::Pass);
        e.freshness_hours = 4;
        let f = prefixes(&e, &inv);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(
            f.detail,
            "newest logs prefix logs/2026-11-21/ ended 5 h ago; expected one within 4 h"
        );
        e.freshness_hours = 26;
        area(&mut inv.prefixes).csv.newest = Some(dated("csv/2026-11-19/", "2026-11-19"));
        assert!(prefixes(&e, &inv)
            .detail
            .contains("csv/2026-11-19/ ended 53 h ago"));
    }

    #[test]
    fn empty_missing_and_dated() {
        let (mut e, mut inv) = (expectations(), healthy());
        area(&mut inv.prefixes)
            .csv
            .newest
            .as_mut()
            .expect("newest")
            .non_empty = false;
        assert!(prefixes(&e, &inv).detail.contains("holds no objects"));
        area(&mut inv.prefixes).logs.newest = None;
        let f = prefixes(&e, &inv);
        assert!(
            f.detail.contains("no dated logs prefix under logs/"),
            "{}",
            f.detail
        );
        e.date = Some(day("2026-11-20"));
        let p = area(&mut inv.prefixes);
        p.csv.on_date = Some(dated("csv/2026-11-20/", "2026-11-20"));
        let mut empty = dated("logs/2026-11-20/", "2026-11-20");
        empty.non_empty = false;
        p.logs.on_date = Some(empty);
        let f = prefixes(&e, &inv);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(
            f.detail,
            "no objects under logs/2026-11-20/ (logs of 2026-11-20); expected that day's files"
        );
        area(&mut inv.prefixes)
            .logs
            .on_date
            .as_mut()
            .expect("dated")
            .non_empty = true;
        assert_eq!(prefixes(&e, &inv).status, Status::Pass);
        inv.prefixes = Some(Err(AreaError("s3:ListObjectsV2 failed".into())));
        assert_eq!(prefixes(&e, &inv).status, Status::Error);
    }

    #[test]
    fn public_access_and_encryption_faults() {
        let (e, mut inv) = (expectations(), healthy());
        area(&mut inv.bucket)
            .public_access_block
            .as_mut()
            .expect("pab")
            .block_public_policy = false;
        let f = public_access(&e, &inv);
        assert_eq!(f.detail, "bucket vcm-bucket25 has BlockPublicPolicy off; expected all four public access block settings on");
        area(&mut inv.bucket).public_access_block = None;
        assert_eq!(public_access(&e, &inv).status, Status::Fail);
        area(&mut inv.bucket).encryption.clear();
        assert_eq!(encryption(&e, &inv).status, Status::Fail);
        area(&mut inv.bucket).exists = false;
        assert!(encryption(&e, &inv).detail.contains("does not exist"));
        inv.bucket = Some(Err(AreaError("refused".into())));
        assert_eq!(encryption(&e, &inv).status, Status::Error);
    }
}
