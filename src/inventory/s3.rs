//! S3: bucket settings, and the newest dated prefix of each template.
//!
//! The prefix search never lists objects one by one: it walks the template's levels with
//! delimiter listings (one row per day, month or year, not per object), starts each listing
//! after the freshness cut-off (`start-after`), and probes a day for objects with a
//! `max-keys` listing. Its cost grows with the number of recent days, not with the bucket.
//!
//! Before any listing, the days that can be fresh are tried through the manifest that
//! `pipeform-job ship` leaves in each complete day ([`crate::manifest`]): GET it, HEAD the
//! first object it names. Two reads that cost the same whatever the bucket holds (moto walks
//! every key of the bucket on each listing, S3 does not). When that proof is not there (no
//! manifest, the named object deleted, access denied) the listings decide, and they ignore
//! manifests, so a day holding nothing but its manifest is still empty.
//!
//! Rounds: the manifests of the days from today back to the one the schedule last fired on
//! are read at once (round 1: normally today's alone, or today's and yesterday's before the
//! day's run; of all the newest fresh days, up to three, when the schedule did not fire in
//! them); then either the objects the manifests name are HEADed, or, when no manifest names
//! one (a bucket our job did not fill, a run that did not ship), the newest fresh days are
//! listed at once with one `max-keys` listing each (round 2). So no read waits for more than
//! one other, with or without manifests, and an older day's manifest, which the newest run's
//! would make moot, is not read on a stack whose newest run shipped. The listings are not sent beside the manifest reads on purpose: on a
//! bucket the job fills they would be wasted, and moto's cost per listing grows with the bucket
//! (docs/benchmarks.md, "check"). Only a stack with nothing in those days walks the template
//! level by level (an older fresh day of a long window, or how stale the newest day is).

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::Client;
use chrono::NaiveDate;

use crate::aws::s3_absent;
use crate::manifest::{self, Manifest};

use super::{
    join_all, sdk_error, AreaError, BucketFacts, DatedPrefix, PrefixFacts, PublicAccessBlock,
    Query, TemplateFacts,
};
use crate::prefix::PrefixTemplate;

/// Gathers the bucket's public access block and default encryption (both calls at once).
pub(super) async fn gather_bucket(client: &Client, bucket: &str) -> Result<BucketFacts, AreaError> {
    let pab = async {
        match client.get_public_access_block().bucket(bucket).send().await {
            Ok(out) => Ok(Some(out.public_access_block_configuration().map(|c| {
                PublicAccessBlock {
                    block_public_acls: c.block_public_acls().unwrap_or(false),
                    ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
                    block_public_policy: c.block_public_policy().unwrap_or(false),
                    restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
                }
            }))),
            Err(e) if e.code() == Some("NoSuchPublicAccessBlockConfiguration") => Ok(Some(None)),
            Err(e) if e.code() == Some("NoSuchBucket") => Ok(None),
            Err(e) => Err(sdk_error("s3:GetPublicAccessBlock", e)),
        }
    };
    let encryption = async {
        match client.get_bucket_encryption().bucket(bucket).send().await {
            Ok(out) => Ok(Some(
                out.server_side_encryption_configuration()
                    .map(|c| {
                        c.rules()
                            .iter()
                            .filter_map(|r| r.apply_server_side_encryption_by_default())
                            .map(|d| d.sse_algorithm().as_str().to_string())
                            .collect()
                    })
                    .unwrap_or_default(),
            )),
            Err(e) if e.code() == Some("ServerSideEncryptionConfigurationNotFoundError") => {
                Ok(Some(Vec::new()))
            }
            Err(e) if e.code() == Some("NoSuchBucket") => Ok(None),
            Err(e) => Err(sdk_error("s3:GetBucketEncryption", e)),
        }
    };
    let (pab, encryption) = tokio::try_join!(pab, encryption)?;
    match (pab, encryption) {
        (Some(public_access_block), Some(encryption)) => Ok(BucketFacts {
            exists: true,
            public_access_block,
            encryption,
        }),
        _ => Ok(BucketFacts::default()),
    }
}

/// Gathers the dated prefixes of both templates (at once).
pub(super) async fn gather_prefixes(
    client: &Client,
    query: &Query,
) -> Result<PrefixFacts, AreaError> {
    let one = |template: &PrefixTemplate| {
        let template = template.clone();
        async move {
            if let Some(date) = query.date {
                let prefix = template.render_day(date);
                let non_empty = match manifest_entry(client, &query.bucket, &template, date).await?
                {
                    Some(key) if exists(client, &query.bucket, &key).await? => true,
                    _ => day_contents(client, &query.bucket, &prefix).await? == Some(true),
                };
                return Ok::<_, AreaError>(TemplateFacts {
                    newest: None,
                    on_date: Some(DatedPrefix {
                        date,
                        prefix,
                        non_empty,
                    }),
                });
            }
            let days = fresh_days(query.fresh_from, query.today);
            let first = first_days(&days, query.newest_run_day);
            if let Some(newest) =
                newest_fresh(client, &query.bucket, &template, &days, first).await?
            {
                return Ok(TemplateFacts {
                    newest: Some(newest),
                    on_date: None,
                });
            }
            // Nothing in the newest fresh days: an older fresh day (a long window) or a day
            // after today (a clock ahead), else the newest day at all, to say how stale it is.
            let newest =
                newest_dated_prefix(client, &query.bucket, &template, Some(query.fresh_from))
                    .await?;
            let newest = match newest {
                Some(found) => Some(found),
                None => newest_dated_prefix(client, &query.bucket, &template, None).await?,
            };
            let newest = match newest {
                Some((date, prefix)) => Some(DatedPrefix {
                    date,
                    non_empty: has_objects(client, &query.bucket, &prefix).await?,
                    prefix,
                }),
                None => None,
            };
            Ok(TemplateFacts {
                newest,
                on_date: None,
            })
        }
    };
    let (csv, logs) = tokio::try_join!(one(&query.csv_prefix), one(&query.logs_prefix))?;
    Ok(PrefixFacts { csv, logs })
}

/// Most days tried by manifest and by a listing of their own: the default 26 h window holds
/// at most three days, and a longer one (a weekly job) would cost two requests per day. Older
/// fresh days are still found by the level-by-level walk.
const NEWEST_DAYS: usize = 3;

/// The days from `today` back to `from`, newest first, at most [`NEWEST_DAYS`].
fn fresh_days(from: NaiveDate, today: NaiveDate) -> Vec<NaiveDate> {
    let mut days = Vec::new();
    let mut day = Some(today);
    while let Some(d) = day.filter(|d| *d >= from && days.len() < NEWEST_DAYS) {
        days.push(d);
        day = d.pred_opt();
    }
    days
}

/// The days whose manifests the prefix search reads first, newest first (round 1 without
/// `--date`): today back to the day the schedule last fired on, within the fresh days.
pub fn first_manifest_days(query: &Query) -> Vec<NaiveDate> {
    let mut days = fresh_days(query.fresh_from, query.today);
    days.truncate(first_days(&days, query.newest_run_day));
    days
}

/// How many of `days` (newest first) to read the manifests of: down to the newest day the
/// schedule fired on, or all of them when it fired on none.
fn first_days(days: &[NaiveDate], newest_run_day: Option<NaiveDate>) -> usize {
    newest_run_day
        .and_then(|run| days.iter().position(|d| *d == run))
        .map_or(days.len(), |i| i + 1)
}

/// The newest of `days` (newest first) that the job's manifest proves, trying the manifests of
/// the `first` newest, or failing that the newest one a listing finds anything under (see the
/// module doc for the two rounds). `None` when none of them holds anything.
async fn newest_fresh(
    client: &Client,
    bucket: &str,
    template: &PrefixTemplate,
    days: &[NaiveDate],
    first: usize,
) -> Result<Option<DatedPrefix>, AreaError> {
    let tried = &days[..first.min(days.len())];
    let entries = join_all(
        tried
            .iter()
            .map(|&day| manifest_entry(client, bucket, template, day)),
    )
    .await;
    let mut named = Vec::new();
    for (&day, entry) in tried.iter().zip(entries) {
        if let Some(key) = entry? {
            named.push((day, key));
        }
    }
    if !named.is_empty() {
        let found = join_all(named.iter().map(|(_, key)| exists(client, bucket, key))).await;
        for ((day, _), found) in named.iter().zip(found) {
            if found? {
                return Ok(Some(DatedPrefix {
                    date: *day,
                    prefix: template.render_day(*day),
                    non_empty: true,
                }));
            }
        }
    }
    let prefixes: Vec<String> = days.iter().map(|&d| template.render_day(d)).collect();
    let contents = join_all(prefixes.iter().map(|p| day_contents(client, bucket, p))).await;
    for ((&date, prefix), contents) in days.iter().zip(prefixes).zip(contents) {
        if let Some(non_empty) = contents? {
            return Ok(Some(DatedPrefix {
                date,
                prefix,
                non_empty,
            }));
        }
    }
    Ok(None)
}

/// The key of the first object that `day`'s manifest under `template` names under that day's
/// prefix. `None` when it cannot tell (no manifest, not a manifest, access denied): the caller
/// then lists.
async fn manifest_entry(
    client: &Client,
    bucket: &str,
    template: &PrefixTemplate,
    day: NaiveDate,
) -> Result<Option<String>, AreaError> {
    let key = manifest::key(template, day);
    let body = match client.get_object().bucket(bucket).key(&key).send().await {
        Ok(out) => out
            .body
            .collect()
            .await
            .map_err(|e| AreaError(format!("s3:GetObject {key}: reading the body: {e}")))?
            .into_bytes(),
        Err(e) if s3_absent(&e) => return Ok(None),
        Err(e) => return Err(sdk_error("s3:GetObject", e)),
    };
    Ok(Manifest::parse(&body).and_then(|m| {
        m.first_under(&template.render_day(day))
            .map(|e| e.key.clone())
    }))
}

/// True when object `key` exists (false when it is gone or access is denied).
async fn exists(client: &Client, bucket: &str, key: &str) -> Result<bool, AreaError> {
    match client.head_object().bucket(bucket).key(key).send().await {
        Ok(_) => Ok(true),
        Err(e) if s3_absent(&e) => Ok(false),
        Err(e) => Err(sdk_error("s3:HeadObject", e)),
    }
}

/// True when at least one object starts with `prefix`, not counting folder markers (keys
/// ending in `/`) or manifests: a day left with only those is empty.
async fn has_objects(client: &Client, bucket: &str, prefix: &str) -> Result<bool, AreaError> {
    Ok(day_contents(client, bucket, prefix).await? == Some(true))
}

/// What is under `prefix`: `None` when nothing at all, else whether an object other than a
/// folder marker (a key ending in `/`) or a manifest is there. One `max-keys` listing, more
/// pages only while it finds nothing but those.
async fn day_contents(
    client: &Client,
    bucket: &str,
    prefix: &str,
) -> Result<Option<bool>, AreaError> {
    let mut token: Option<String> = None;
    let mut anything = false;
    loop {
        let out = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .max_keys(4)
            .set_continuation_token(token.take())
            .send()
            .await
            .map_err(|e| sdk_error("s3:ListObjectsV2", e))?;
        let mut keys = out.contents().iter().filter_map(|o| o.key()).peekable();
        anything |= keys.peek().is_some();
        if keys.any(|k| !k.ends_with('/') && !manifest::is_manifest(k)) {
            return Ok(Some(true));
        }
        match (out.is_truncated(), out.next_continuation_token()) {
            (Some(true), Some(next)) => token = Some(next.to_string()),
            _ => return Ok(anything.then_some(false)),
        }
    }
}

/// The newest day with a prefix made by `template` in `bucket`, and that day's prefix
/// (`render_day`), searched level by level with delimiter listings, newest first. With
/// `from`, days before it are not listed at all (`start-after`).
pub async fn newest_dated_prefix(
    client: &Client,
    bucket: &str,
    template: &PrefixTemplate,
    from: Option<NaiveDate>,
) -> Result<Option<(NaiveDate, String)>, AreaError> {
    let cut = from.map(|d| template.render_day(d));
    // Depth first, newest first: dates have fixed widths, so the greatest name is the newest.
    let mut stack = vec![template.static_prefix().to_string()];
    while let Some(prefix) = stack.pop() {
        let start_after = cut.as_deref().and_then(|cut| start_after(cut, &prefix));
        let (prefixes, keys) = list_level(client, bucket, &prefix, start_after.as_deref()).await?;
        let candidates = prefixes
            .iter()
            .chain(keys.iter())
            .filter(|c| template.matches_partially(c));
        if let Some(date) = candidates.clone().filter_map(|c| template.date_of(c)).max() {
            if from.is_none_or(|f| date >= f) {
                return Ok(Some((date, template.render_day(date))));
            }
        }
        let mut deeper: Vec<&String> = prefixes
            .iter()
            .filter(|c| template.matches_partially(c) && template.date_of(c).is_none())
            .collect();
        deeper.sort();
        stack.extend(deeper.into_iter().cloned());
    }
    Ok(None)
}

/// The `start-after` key for a listing under `prefix` that skips every name before the
/// cut-off day's prefix `cut` at this level; `None` when `prefix` is not on the cut-off's path
/// (then everything under it is newer).
fn start_after(cut: &str, prefix: &str) -> Option<String> {
    let rest = cut.strip_prefix(prefix)?;
    let segment = match rest.find('/') {
        Some(i) => &rest[..i],
        None => rest,
    };
    if segment.is_empty() {
        return None;
    }
    // Without its trailing '/', the cut-off's own prefix sorts after it and is kept.
    Some(format!("{prefix}{segment}"))
}

/// One delimiter listing of `prefix`, all pages: (common prefixes, keys).
async fn list_level(
    client: &Client,
    bucket: &str,
    prefix: &str,
    start_after: Option<&str>,
) -> Result<(Vec<String>, Vec<String>), AreaError> {
    let mut prefixes = Vec::new();
    let mut keys = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .delimiter("/")
            .set_start_after(start_after.map(String::from))
            .set_continuation_token(token.take())
            .send()
            .await
            .map_err(|e| sdk_error("s3:ListObjectsV2", e))?;
        prefixes.extend(
            out.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix().map(String::from)),
        );
        keys.extend(
            out.contents()
                .iter()
                .filter_map(|o| o.key().map(String::from)),
        );
        match (out.is_truncated(), out.next_continuation_token()) {
            (Some(true), Some(next)) => token = Some(next.to_string()),
            _ => break,
        }
    }
    Ok((prefixes, keys))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_after_skips_older_names_at_each_level() {
        assert_eq!(
            start_after("csv/2026-11-20/", "csv/").as_deref(),
            Some("csv/2026-11-20")
        );
        let cut = "logs/year=2026/month=11/day=20/";
        assert_eq!(
            start_after(cut, "logs/year=").as_deref(),
            Some("logs/year=2026")
        );
        assert_eq!(
            start_after(cut, "logs/year=2026/").as_deref(),
            Some("logs/year=2026/month=11")
        );
        // A later year is not on the cut-off's path: list all of it.
        assert_eq!(start_after(cut, "logs/year=2027/"), None);
    }

    #[test]
    fn manifests_are_read_down_to_the_day_the_schedule_last_fired_on() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        let days = [day(28), day(27), day(26)];
        assert_eq!(first_days(&days, Some(day(28))), 1);
        assert_eq!(first_days(&days, Some(day(27))), 2);
        // Not among the fresh days, or no firing at all: every fresh day.
        assert_eq!(first_days(&days, Some(day(20))), 3);
        assert_eq!(first_days(&days, None), 3);
        assert_eq!(first_days(&[], Some(day(28))), 0);
    }

    #[test]
    fn fresh_days_run_from_today_back_to_the_cut_off() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        assert_eq!(fresh_days(day(1), day(1)), vec![day(1)]);
        assert_eq!(fresh_days(day(27), day(28)), vec![day(28), day(27)]);
        assert!(fresh_days(day(2), day(1)).is_empty());
        assert_eq!(fresh_days(day(1), day(28)), vec![day(28), day(27), day(26)]);
    }
}
