//! The facts of the inventory: plain data (no SDK types), so checks can be unit-tested with
//! inventories built by hand. Gathering them is the parent module's job.

use std::collections::BTreeMap;

use chrono::NaiveDate;

/// Why one area of the inventory could not be read (API error, timeout, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaError(pub String);

impl std::fmt::Display for AreaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One area's facts, or why they are missing. `None` when the area was not asked for.
pub type Area<T> = Option<Result<T, AreaError>>;

/// A snapshot of the live facts the checks judge.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// VPC, subnets, route tables, gateways, instances, ENIs, EIPs, security groups.
    pub ec2: Area<Ec2Facts>,
    /// The DB instance.
    pub rds: Area<RdsFacts>,
    /// The CloudWatch alarm.
    pub alarm: Area<AlarmFacts>,
    /// The log group and its metric filters.
    pub logs: Area<LogsFacts>,
    /// The SNS topic and its subscriptions.
    pub sns: Area<SnsFacts>,
    /// Bucket settings (public access block, encryption).
    pub bucket: Area<BucketFacts>,
    /// Dated prefixes in the bucket.
    pub prefixes: Area<PrefixFacts>,
    /// The app instance's profile, role and policy documents.
    pub iam: Area<IamFacts>,
}

impl Inventory {
    /// True when every area that was read answered and none holds anything of the project:
    /// nothing has been applied to this account and region (or they are not the stack's). An
    /// area that failed is not evidence of absence, and neither are the derived areas (bucket
    /// prefixes, IAM), which only look further into what the others find.
    pub fn found_nothing(&self) -> bool {
        fn absent<T>(area: &Area<T>, nothing: impl Fn(&T) -> bool) -> Option<bool> {
            match area {
                None => None,
                Some(Ok(facts)) => Some(nothing(facts)),
                Some(Err(_)) => Some(false),
            }
        }
        let read: Vec<bool> = [
            absent(&self.ec2, |f| {
                f.vpc_ids.is_empty() && f.subnets.is_empty() && f.instances.is_empty()
            }),
            absent(&self.rds, |f| f.instance.is_none()),
            absent(&self.alarm, |f| f.alarm.is_none()),
            absent(&self.logs, |f| f.group.is_none()),
            absent(&self.sns, |f| f.topic_arn.is_none()),
            absent(&self.bucket, |f| !f.exists),
        ]
        .into_iter()
        .flatten()
        .collect();
        !read.is_empty() && read.iter().all(|nothing| *nothing)
    }
}

/// Tags of a resource.
pub type Tags = BTreeMap<String, String>;

/// EC2-side facts of the project (discovered by the `Project` tag, then by relationship).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ec2Facts {
    /// The project's VPCs: those of its tagged subnets and instances.
    pub vpc_ids: Vec<String>,
    /// Subnets tagged with the project.
    pub subnets: Vec<Subnet>,
    /// Every route table of the project's VPCs (tagged or not: associations decide).
    pub route_tables: Vec<RouteTable>,
    /// Internet gateways attached to the project's VPCs.
    pub internet_gateways: Vec<InternetGateway>,
    /// Project instances that are not terminated.
    pub instances: Vec<Instance>,
    /// Elastic IPs of the region.
    pub addresses: Vec<Address>,
    /// Security groups of the project's VPCs (a group elsewhere cannot guard its instances).
    pub security_groups: Vec<SecurityGroup>,
    /// Console output (GetConsoleOutput, latest, decoded) of each running `Role=nat` instance,
    /// by instance id; empty when EC2 has none yet. Only `nat.bootstrap` reads it, so a failed
    /// read is kept here rather than failing the area.
    pub nat_consoles: BTreeMap<String, Result<String, AreaError>>,
}

/// A subnet.
#[derive(Debug, Clone, PartialEq)]
pub struct Subnet {
    /// `subnet-...`.
    pub id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// IPv4 range.
    pub cidr: String,
    /// Tags (`Role` = `subnet-public` / `subnet-db`).
    pub tags: Tags,
}

/// A route table with its associations and routes.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteTable {
    /// `rtb-...`.
    pub id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// Subnets explicitly associated with it.
    pub subnet_ids: Vec<String>,
    /// The VPC's main route table (applies to subnets without an explicit association).
    pub main: bool,
    /// Its routes.
    pub routes: Vec<Route>,
    /// Tags.
    pub tags: Tags,
}

/// One route.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Route {
    /// IPv4 destination.
    pub destination: Option<String>,
    /// IPv6 destination.
    pub destination_v6: Option<String>,
    /// Internet gateway (or `local`).
    pub gateway_id: Option<String>,
    /// Instance target.
    pub instance_id: Option<String>,
    /// ENI target.
    pub network_interface_id: Option<String>,
    /// Managed NAT gateway target.
    pub nat_gateway_id: Option<String>,
    /// `active` or `blackhole`.
    pub state: Option<String>,
}

impl Route {
    /// The target, for messages.
    pub fn target(&self) -> String {
        self.gateway_id
            .clone()
            .or_else(|| self.nat_gateway_id.clone())
            .or_else(|| self.instance_id.clone())
            .or_else(|| self.network_interface_id.clone())
            .unwrap_or_else(|| "nothing".to_string())
    }
}

/// An internet gateway.
#[derive(Debug, Clone, PartialEq)]
pub struct InternetGateway {
    /// `igw-...`.
    pub id: String,
    /// VPCs it is attached to.
    pub vpc_ids: Vec<String>,
}

/// An EC2 instance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Instance {
    /// `i-...`.
    pub id: String,
    /// `running`, `stopped`, ...
    pub state: String,
    /// Its subnet.
    pub subnet_id: Option<String>,
    /// Its ENIs.
    pub network_interface_ids: Vec<String>,
    /// The instance's own `sourceDestCheck` (DescribeInstances; moto's DescribeNetworkInterfaces
    /// keeps the ENI's stale value, so the ENI's is never read).
    pub source_dest_check: Option<bool>,
    /// Public IPv4.
    pub public_ip: Option<String>,
    /// ARN of its instance profile.
    pub instance_profile_arn: Option<String>,
    /// Tags (`Role` = `nat` / `app`).
    pub tags: Tags,
}

/// An Elastic IP.
#[derive(Debug, Clone, PartialEq)]
pub struct Address {
    /// `eipalloc-...`.
    pub allocation_id: Option<String>,
    /// The address.
    pub public_ip: Option<String>,
    /// Associated instance.
    pub instance_id: Option<String>,
    /// Associated ENI.
    pub network_interface_id: Option<String>,
    /// Tags.
    pub tags: Tags,
}

/// A security group and its ingress rules.
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityGroup {
    /// `sg-...`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Its VPC.
    pub vpc_id: Option<String>,
    /// Ingress rules.
    pub ingress: Vec<Permission>,
}

/// One ingress rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Permission {
    /// `tcp`, `udp`, `icmp`, `-1` (all) or a number.
    pub protocol: String,
    /// First port (absent or -1 for all).
    pub from_port: Option<i32>,
    /// Last port.
    pub to_port: Option<i32>,
    /// IPv4 sources.
    pub cidrs: Vec<String>,
    /// IPv6 sources.
    pub cidrs_v6: Vec<String>,
}

/// The DB instance, if it exists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RdsFacts {
    /// `None`: no DB instance with the configured identifier.
    pub instance: Option<DbInstance>,
}

/// A DB instance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DbInstance {
    /// Identifier.
    pub identifier: String,
    /// Publicly accessible.
    pub publicly_accessible: bool,
    /// Storage encrypted.
    pub storage_encrypted: bool,
    /// Subnets of its DB subnet group.
    pub subnet_ids: Vec<String>,
}

/// The alarm, if it exists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlarmFacts {
    /// `None`: no alarm with the configured name.
    pub alarm: Option<MetricAlarm>,
    /// The missed-run alarm, when one was asked for and exists.
    pub missed_run: Option<MetricAlarm>,
}

/// A metric alarm.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricAlarm {
    /// Name.
    pub name: String,
    /// ARN (`arn:PARTITION:cloudwatch:REGION:ACCOUNT:alarm:NAME`): names the account.
    pub arn: Option<String>,
    /// Watched namespace.
    pub namespace: Option<String>,
    /// Watched metric.
    pub metric_name: Option<String>,
    /// `Sum`, `Average`, ...
    pub statistic: Option<String>,
    /// Threshold.
    pub threshold: Option<f64>,
    /// `GreaterThanOrEqualToThreshold`, ...
    pub comparison: Option<String>,
    /// Alarm actions (ARNs).
    pub alarm_actions: Vec<String>,
    /// OK actions (ARNs).
    pub ok_actions: Vec<String>,
    /// `breaching`, `notBreaching`, `ignore`, `missing`.
    pub treat_missing_data: Option<String>,
    /// Seconds per period.
    pub period: Option<i32>,
    /// Periods evaluated.
    pub evaluation_periods: Option<i32>,
}

/// The log group, if it exists, and its metric filters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogsFacts {
    /// `None`: no log group with the configured name.
    pub group: Option<LogGroup>,
    /// Metric filters on it.
    pub metric_filters: Vec<MetricFilter>,
    /// The newest `JOB_STATUS=` event of the window `logs.last_run` judges (`None`: none, or
    /// not asked for).
    pub last_status: Option<StatusEvent>,
    /// `TestMetricFilter` on the live patterns (`None`: not asked for).
    pub remote_test: Option<RemoteTest>,
}

/// A status event read back from the log group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusEvent {
    /// Its timestamp, ms since the epoch.
    pub at_ms: i64,
    /// The message (the job's line).
    pub message: String,
    /// The stream it is in.
    pub stream: String,
}

/// What the endpoint's `TestMetricFilter` said about the live patterns.
#[derive(Debug, Clone, PartialEq)]
pub enum RemoteTest {
    /// Per distinct pattern: (matches the FAILED line, matches the SUCCEEDED line).
    Results(Vec<(String, (bool, bool))>),
    /// Not implemented by the endpoint (moto), or not allowed: the reason. Never a failure.
    NotAvailable(String),
}

/// A log group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogGroup {
    /// Name.
    pub name: String,
    /// Retention in days (`None`: never expire).
    pub retention_days: Option<i32>,
    /// ARN.
    pub arn: Option<String>,
}

/// A metric filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricFilter {
    /// Name.
    pub name: String,
    /// Pattern.
    pub pattern: String,
    /// `(namespace, metric name)` it emits.
    pub metrics: Vec<(String, String)>,
}

/// The topic, if it exists, and its subscriptions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SnsFacts {
    /// ARN of the topic named in the config.
    pub topic_arn: Option<String>,
    /// Its subscriptions.
    pub subscriptions: Vec<Subscription>,
}

/// A subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    /// ARN, or `PendingConfirmation`.
    pub arn: String,
    /// `email`, `sqs`, ...
    pub protocol: String,
    /// Endpoint (address).
    pub endpoint: String,
}

/// Bucket settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BucketFacts {
    /// False when the bucket does not exist.
    pub exists: bool,
    /// The four public access block settings, `None` when there is no configuration.
    pub public_access_block: Option<PublicAccessBlock>,
    /// Default encryption algorithms, empty when not configured.
    pub encryption: Vec<String>,
}

/// The four public access block settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublicAccessBlock {
    /// BlockPublicAcls.
    pub block_public_acls: bool,
    /// IgnorePublicAcls.
    pub ignore_public_acls: bool,
    /// BlockPublicPolicy.
    pub block_public_policy: bool,
    /// RestrictPublicBuckets.
    pub restrict_public_buckets: bool,
}

/// Dated prefixes of both templates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PrefixFacts {
    /// Under `csv_prefix`.
    pub csv: TemplateFacts,
    /// Under `logs_prefix`.
    pub logs: TemplateFacts,
}

/// What is under one prefix template.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TemplateFacts {
    /// The newest dated prefix at or after the freshness cut-off, or (when there is none) the
    /// newest overall; `None` when there is no dated prefix at all.
    pub newest: Option<DatedPrefix>,
    /// With `--date`: that day's prefix.
    pub on_date: Option<DatedPrefix>,
}

/// One day's prefix.
#[derive(Debug, Clone, PartialEq)]
pub struct DatedPrefix {
    /// The day.
    pub date: NaiveDate,
    /// The prefix (as listed, or rendered for `--date`).
    pub prefix: String,
    /// At least one object (other than a folder marker) is under it.
    pub non_empty: bool,
}

/// The app instance's profile and its role's policies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IamFacts {
    /// The app instance, `None` when there is no `app` instance.
    pub app_instance_id: Option<String>,
    /// Profile ARN (from the instance), `None` without a profile.
    pub instance_profile_arn: Option<String>,
    /// The profile's role, `None` when the profile has none.
    pub role_name: Option<String>,
    /// Policy documents (attached managed and inline), as `(name, JSON text)`.
    pub policies: Vec<(String, String)>,
}
