//! Live facts of the stack, gathered once, concurrently.
//!
//! [`gather`] makes every AWS call the checks need in one round (services in parallel, each
//! service's dependent calls in sequence), follows pagination, and keeps each service's result
//! separately: a failed or timed-out service becomes an [`AreaError`] in its slot, so only the
//! checks that need it become `error` while the others are still judged.
//!
//! The facts themselves (plain data, no SDK types) live in [`facts`]; this module gathers them.

mod cloudwatch;
mod ec2;
pub mod facts;
mod iam;
mod logs;
mod rds;
mod s3;
mod sns;

use std::cell::LazyCell;
use std::time::Duration;

use chrono::NaiveDate;

use crate::aws::{sdk_config, Timeouts};

pub use facts::*;
pub use logs::LogsQuery;
pub use s3::{first_manifest_days, newest_dated_prefix};

/// Which areas to gather.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    /// EC2.
    pub ec2: bool,
    /// RDS.
    pub rds: bool,
    /// CloudWatch alarm.
    pub alarm: bool,
    /// Logs.
    pub logs: bool,
    /// SNS.
    pub sns: bool,
    /// Bucket settings.
    pub bucket: bool,
    /// Bucket prefixes.
    pub prefixes: bool,
    /// IAM (needs EC2 for the app instance).
    pub iam: bool,
    /// The newest status event in the log group (with `logs`).
    pub log_status: bool,
    /// `TestMetricFilter` on the live filter patterns (with `logs`).
    pub pattern_test: bool,
}

/// What to look for: the config's names and the project tag.
#[derive(Debug, Clone)]
pub struct Query {
    /// `Project` tag value.
    pub project: String,
    /// RDS identifier.
    pub rds_identifier: String,
    /// Alarm name.
    pub alarm_name: String,
    /// Log group name.
    pub log_group: String,
    /// What the logs area reads besides the group and its filters.
    pub logs: LogsQuery,
    /// The missed-run alarm, read in the same call as the alarm.
    pub missed_run_alarm_name: Option<String>,
    /// SNS topic name.
    pub topic_name: String,
    /// Bucket name.
    pub bucket: String,
    /// CSV prefix template.
    pub csv_prefix: crate::prefix::PrefixTemplate,
    /// Logs prefix template.
    pub logs_prefix: crate::prefix::PrefixTemplate,
    /// Oldest day that still counts as fresh (listings start there; older days are only
    /// listed when nothing is newer).
    pub fresh_from: NaiveDate,
    /// Today (UTC): the newest day a manifest is looked for.
    pub today: NaiveDate,
    /// The newest fresh day the schedule fired on so far: the manifests of the days from today
    /// back to it are read first (`None`: of every fresh day).
    pub newest_run_day: Option<NaiveDate>,
    /// `--date`.
    pub date: Option<NaiveDate>,
}

/// Where to gather from.
#[derive(Debug, Clone)]
pub struct Target {
    /// Region.
    pub region: String,
    /// Endpoint override.
    pub endpoint_url: Option<String>,
}

/// The longest an area may take, all its calls together: a silent endpoint must give `error`
/// rows well within 30 s even when an area makes several calls in sequence.
pub const AREA_DEADLINE: Duration = Duration::from_secs(22);

/// Gathers the inventory: one round of calls, services concurrently.
pub async fn gather(target: &Target, query: &Query, needs: Needs) -> Inventory {
    let config = sdk_config(
        Some(&target.region),
        target.endpoint_url.as_deref(),
        Timeouts::READ,
    )
    .await;
    // Each client is made when an area first uses it (inside the areas' futures): the first
    // request leaves before the other clients exist, and an area not asked for makes none
    // (client costs: docs/benchmarks.md, "check").
    let ec2_client = LazyCell::new(|| aws_sdk_ec2::Client::new(&config));
    let iam_client = LazyCell::new(|| aws_sdk_iam::Client::new(&config));
    let s3_client = LazyCell::new(|| crate::aws::s3_client(&config));
    let rds_client = LazyCell::new(|| aws_sdk_rds::Client::new(&config));
    let cw_client = LazyCell::new(|| aws_sdk_cloudwatch::Client::new(&config));
    let logs_client = LazyCell::new(|| aws_sdk_cloudwatchlogs::Client::new(&config));
    let sns_client = LazyCell::new(|| aws_sdk_sns::Client::new(&config));

    // IAM needs only the instances of EC2's first round, and reads the profile and role the
    // root module names while that round runs (iam::gather): on our own stack IAM is done one
    // round trip after EC2's discovery, not three after all of EC2.
    let ec2_and_iam = async {
        if !(needs.ec2 || needs.iam) {
            return (None, None);
        }
        let deadline = tokio::time::Instant::now() + AREA_DEADLINE;
        let (discovered, instances) = tokio::sync::oneshot::channel();
        let ec2 = async {
            // The EIPs are read beside discovery, not as part of it: round 2 needs only the
            // VPCs, and IAM only the instances.
            let addresses = bounded_until(deadline, ec2::addresses(&ec2_client));
            let rest = async {
                let found =
                    bounded_until(deadline, ec2::discover(&ec2_client, &query.project)).await;
                // Nobody listens only when IAM is not needed.
                let _ = discovered.send(
                    found
                        .as_ref()
                        .map(|f| f.instances.clone())
                        .map_err(Clone::clone),
                );
                bounded_until(deadline, ec2::in_vpcs(&ec2_client, found?)).await
            };
            let (rest, addresses) = tokio::join!(rest, addresses);
            let mut facts = rest?;
            facts.addresses = addresses?;
            Ok(facts)
        };
        let iam = async {
            if !needs.iam {
                return None;
            }
            Some(
                bounded_until(
                    deadline,
                    iam::gather(&iam_client, &query.project, async {
                        instances
                            .await
                            .unwrap_or_else(|_| Err(AreaError("EC2 gave no answer".into())))
                            .map_err(|e| AreaError(format!("needs EC2, which failed: {e}")))
                    }),
                )
                .await,
            )
        };
        let (ec2, iam) = tokio::join!(ec2, iam);
        (Some(ec2), iam)
    };
    let rds = when(needs.rds, || {
        rds::gather(&rds_client, &query.rds_identifier)
    });
    // The alarm's ARN names the account, which names the topic's ARN: SNS then needs no
    // ListTopics (which pages through every topic of the account).
    let alarm_and_sns = async {
        let deadline = tokio::time::Instant::now() + AREA_DEADLINE;
        let alarm = when(needs.alarm, || {
            cloudwatch::gather(
                &cw_client,
                &query.alarm_name,
                query.missed_run_alarm_name.as_deref(),
            )
        })
        .await;
        let topic_arn = alarm
            .as_ref()
            .and_then(|a| a.as_ref().ok())
            .and_then(|f| f.alarm.as_ref())
            .and_then(|a| a.arn.as_deref())
            .and_then(|arn| sns::topic_arn_beside(arn, &query.topic_name));
        let sns = if needs.sns {
            Some(
                bounded_until(
                    deadline,
                    sns::gather(&sns_client, &query.topic_name, topic_arn),
                )
                .await,
            )
        } else {
            None
        };
        (alarm, sns)
    };
    let logs_query = LogsQuery {
        last_run: query.logs.last_run && needs.log_status,
        test_lines: if needs.pattern_test {
            query.logs.test_lines.clone()
        } else {
            Vec::new()
        },
        ..query.logs.clone()
    };
    let logs = when(needs.logs, || {
        logs::gather(&logs_client, &query.log_group, &logs_query)
    });
    let bucket = when(needs.bucket, || {
        s3::gather_bucket(&s3_client, &query.bucket)
    });
    let prefixes = when(needs.prefixes, || s3::gather_prefixes(&s3_client, query));

    // Polled, so sent, in this order: first the reads that others wait for, so that on an
    // endpoint serving one request at a time (moto) round 2 can start while round 1's
    // independent reads are still being answered.
    let ((ec2, iam), prefixes, (alarm, sns), logs, rds, bucket) =
        tokio::join!(ec2_and_iam, prefixes, alarm_and_sns, logs, rds, bucket);
    Inventory {
        ec2,
        rds,
        alarm,
        logs,
        sns,
        bucket,
        prefixes,
        iam,
    }
}

/// Runs an area's gathering under [`AREA_DEADLINE`].
async fn bounded<T>(
    fut: impl std::future::Future<Output = Result<T, AreaError>>,
) -> Result<T, AreaError> {
    bounded_until(tokio::time::Instant::now() + AREA_DEADLINE, fut).await
}

/// Runs an area's gathering until `deadline` (an area that waits for another shares its
/// deadline, so a silent endpoint still gives every row within [`AREA_DEADLINE`]).
async fn bounded_until<T>(
    deadline: tokio::time::Instant,
    fut: impl std::future::Future<Output = Result<T, AreaError>>,
) -> Result<T, AreaError> {
    match tokio::time::timeout_at(deadline, fut).await {
        Ok(result) => result,
        Err(_) => Err(AreaError(format!(
            "no answer within {} s (is the endpoint up?)",
            AREA_DEADLINE.as_secs()
        ))),
    }
}

/// Runs an area only when needed.
async fn when<T, F>(needed: bool, area: impl FnOnce() -> F) -> Area<T>
where
    F: std::future::Future<Output = Result<T, AreaError>>,
{
    if needed {
        // Called on first poll, so the area's client is made only then (see `gather`).
        Some(bounded(area()).await)
    } else {
        None
    }
}

/// Runs `futures` at once, in this task (no `'static` needed), and gives their outputs in
/// their order: the reads of a round whose number is only known at run time.
async fn join_all<F: std::future::Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut running: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = running.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (out, fut) in outputs.iter_mut().zip(running.iter_mut()) {
            if out.is_none() {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *out = Some(v),
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

/// Every item of a paginated listing, or the listing's error named after `call`.
trait AllPages<T> {
    fn all(
        self,
        call: &'static str,
    ) -> impl std::future::Future<Output = Result<Vec<T>, AreaError>> + Send;
}

impl<T, E, R> AllPages<T>
    for aws_smithy_async::future::pagination_stream::PaginationStream<
        Result<T, aws_sdk_ec2::error::SdkError<E, R>>,
    >
where
    T: Send,
    E: std::error::Error + Send + 'static,
    R: std::fmt::Debug + Send,
{
    async fn all(self, call: &'static str) -> Result<Vec<T>, AreaError> {
        self.collect::<Result<Vec<T>, _>>()
            .await
            .map_err(|e| sdk_error(call, e))
    }
}

/// Turns an SDK error into an area error naming the call, with its chain of causes.
fn sdk_error<E, R>(call: &str, e: aws_sdk_ec2::error::SdkError<E, R>) -> AreaError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let mut text = format!("{call} failed: {e}");
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        let shown = cause.to_string();
        if !text.contains(&shown) {
            text.push_str(": ");
            text.push_str(&shown);
        }
        source = cause.source();
    }
    AreaError(text)
}

/// Tags as a map.
fn tag_map<'a>(pairs: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>) -> Tags {
    pairs
        .into_iter()
        .filter_map(|(k, v)| Some((k?.to_string(), v.unwrap_or_default().to_string())))
        .collect()
}
