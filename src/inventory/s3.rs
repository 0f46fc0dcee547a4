//! S3: bucket settings, and the newest dated prefix of each template.
//!
//! The prefix search never lists objects one by one: it walks the template's levels with
//! delimiter listings (one row per day, month or year, not per object), starts each listing
//! after the freshness cut-off (`start-after`), and probes a day for objects with a
//! `max-keys` listing. Its cost grows with the number of recent days, not with the bucket.
//!
//! Before any listing, the days that can be fresh are tried newest first through the manifest
//! that `pipeform-job ship` leaves in each complete day ([`crate::manifest`]): GET it, HEAD the
//! first object it names. Two reads that cost the same whatever the bucket holds (moto walks
//! every key of the bucket on each listing, S3 does not). When that proof is not there (no
//! manifest, the named object deleted, access denied) the listings decide, and they ignore
//! manifests, so a day holding nothing but its manifest is still empty.

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::Client;
use chrono::NaiveDate;

use crate::aws::s3_absent;
use crate::manifest::{self, Manifest};

use super::{
    sdk_error, AreaError, BucketFacts, DatedPrefix, PrefixFacts, PublicAccessBlock, Query,
    TemplateFacts,
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
                let non_empty = manifest_proof(client, &query.bucket, &template, date).await?
                    || has_objects(client, &query.bucket, &prefix).await?;
                return Ok::<_, AreaError>(TemplateFacts {
                    newest: None,
                    on_date: Some(DatedPrefix {
                        date,
                        prefix,
                        non_empty,
                    }),
                });
            }
            // The newest fresh day the job has completed, proven without a listing.
            let mut day = query.today;
            while day >= query.fresh_from {
                if manifest_proof(client, &query.bucket, &template, day).await? {
                    return Ok(TemplateFacts {
                        newest: Some(DatedPrefix {
                            date: day,
                            prefix: template.render_day(day),
                            non_empty: true,
                        }),
                        on_date: None,
                    });
                }
                match day.pred_opt() {
                    Some(d) => day = d,
                    None => break,
                }
            }
            let newest =
                newest_dated_prefix(client, &query.bucket, &template, Some(query.fresh_from))
                    .await?;
            let newest = match newest {
                Some(found) => Some(found),
                // Nothing fresh: find the newest day at all, to say how stale it is.
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

/// True when `day`'s manifest under `template` names an object under that day's prefix that
/// exists. False when it cannot tell (no manifest, not a manifest, the object is gone, access
/// denied): the caller then lists.
async fn manifest_proof(
    client: &Client,
    bucket: &str,
    template: &PrefixTemplate,
    day: NaiveDate,
) -> Result<bool, AreaError> {
    let key = manifest::key(template, day);
    let body = match client.get_object().bucket(bucket).key(&key).send().await {
        Ok(out) => out
            .body
            .collect()
            .await
            .map_err(|e| AreaError(format!("s3:GetObject {key}: reading the body: {e}")))?
            .into_bytes(),
        Err(e) if s3_absent(&e) => return Ok(false),
        Err(e) => return Err(sdk_error("s3:GetObject", e)),
    };
    let Some(m) = Manifest::parse(&body) else {
        return Ok(false);
    };
    let Some(entry) = m.first_under(&template.render_day(day)) else {
        return Ok(false);
    };
    match client
        .head_object()
        .bucket(bucket)
        .key(&entry.key)
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(e) if s3_absent(&e) => Ok(false),
        Err(e) => Err(sdk_error("s3:HeadObject", e)),
    }
}

/// True when at least one object starts with `prefix`, not counting folder markers (keys
/// ending in `/`) or manifests: a day left with only those is empty.
async fn has_objects(client: &Client, bucket: &str, prefix: &str) -> Result<bool, AreaError> {
    let mut token: Option<String> = None;
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
        if out
            .contents()
            .iter()
            .filter_map(|o| o.key())
            .any(|k| !k.ends_with('/') && !manifest::is_manifest(k))
        {
            return Ok(true);
        }
        match (out.is_truncated(), out.next_continuation_token()) {
            (Some(true), Some(next)) => token = Some(next.to_string()),
            _ => return Ok(false),
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
}
