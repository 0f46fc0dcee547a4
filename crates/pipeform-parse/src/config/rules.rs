//! One pure function per validation rule: the value as written in, the typed value or a message
//! saying what is wrong and what would be right out.

use std::sync::LazyLock;

use ipnet::{IpNet, Ipv4Net};
use regex::Regex;

use crate::prefix::PrefixTemplate;
use pipeform_shared::filter_pattern::{Counts, FilterPattern, StatusJudgement};
use pipeform_shared::status_line;

/// Retention periods (days) CloudWatch Logs accepts.
pub const RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

fn re(pattern: &str) -> Regex {
    // The patterns are literals of this file; a bad one is caught by every unit test.
    Regex::new(pattern).unwrap_or_else(|e| panic!("invalid built-in pattern {pattern}: {e}"))
}

static PROJECT_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-z][a-z0-9-]{1,20}$"));
static REGION: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$"));
static ENVIRONMENT: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$"));
static EC2_TYPE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.[a-z0-9]+$"));
static RDS_CLASS: LazyLock<Regex> =
    LazyLock::new(|| re(r"^db\.[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.[a-z0-9]+$"));
static AMI: LazyLock<Regex> = LazyLock::new(|| re(r"^ami-([0-9a-f]{8}|[0-9a-f]{17})$"));
static UNIX_USER: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-z_][a-z0-9_-]{0,31}$"));
static RDS_IDENTIFIER: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-z][a-z0-9-]{0,62}$"));
static RDS_DATABASE: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Za-z][A-Za-z0-9_]{0,63}$"));
static RDS_USERNAME: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Za-z][A-Za-z0-9_]{0,15}$"));
static ENGINE_VERSION: LazyLock<Regex> = LazyLock::new(|| re(r"^[0-9]+\.[0-9]+(\.[0-9]+)?$"));
// Long bounded repeats compile into large automata (0.28 ms for `{1,512}`, on the start-up path
// of every command): the lengths are checked apart, the characters by these.
static LOG_GROUP: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Za-z0-9._/#-]+$"));
static TOPIC: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Za-z0-9_-]+$"));
static EMAIL_LOCAL: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$"));
static DOMAIN_LABEL: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"));
static BUCKET_CHARS: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$"));
// S3's rule is "not formatted as an IP address": any four dot-separated digit groups, in range or not.
static IP_SHAPED: LazyLock<Regex> = LazyLock::new(|| re(r"^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$"));
static FIELD_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Za-z_][A-Za-z0-9_.-]*$"));

/// `project.name`: `^[a-z][a-z0-9-]{1,20}$`.
pub fn project_name(s: &str) -> Result<String, String> {
    if PROJECT_NAME.is_match(s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?} is not a project name; use 2-21 characters: a lowercase letter, then lowercase letters, digits or '-' (e.g. \"offsets\")"
        ))
    }
}

/// `project.region`, e.g. `ap-northeast-2`.
pub fn region(s: &str) -> Result<String, String> {
    if REGION.is_match(s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?} is not an AWS region name; expected e.g. \"ap-northeast-2\" or \"us-east-1\""
        ))
    }
}

/// `project.environment`: a short tag value.
pub fn environment(s: &str) -> Result<String, String> {
    if ENVIRONMENT.is_match(s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?} is not an environment name; use 1-32 letters, digits, '.', '_' or '-' (e.g. \"prod\")"
        ))
    }
}

/// An availability zone of `region`: the region name plus one letter.
pub fn availability_zone(s: &str, region: &str) -> Result<String, String> {
    let ok = s
        .strip_prefix(region)
        .is_some_and(|rest| rest.len() == 1 && rest.bytes().all(|b| b.is_ascii_lowercase()));
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?} is not an availability zone of region {region:?}; expected the region name plus one letter, e.g. \"{region}a\""
        ))
    }
}

/// An IPv4 network in CIDR notation with its host bits zero, sized as AWS allows (/16 to /28).
pub fn ipv4_cidr(s: &str) -> Result<Ipv4Net, String> {
    let net: Ipv4Net = s
        .parse()
        .map_err(|_| format!("{s:?} is not an IPv4 CIDR block; expected e.g. \"10.20.1.0/24\""))?;
    if net.trunc() != net {
        return Err(format!(
            "{s:?} has host bits set; the network is {}",
            net.trunc()
        ));
    }
    if !(16..=28).contains(&net.prefix_len()) {
        return Err(format!(
            "{s:?} is a /{}; AWS VPCs and subnets must be between /16 and /28",
            net.prefix_len()
        ));
    }
    Ok(net)
}

/// An SSH source range: IPv4 (the security group rule takes `cidr_blocks`, IPv4 only), never the
/// whole internet.
pub fn ssh_cidr(s: &str) -> Result<Ipv4Net, String> {
    let net: IpNet = s
        .parse()
        .map_err(|_| format!("{s:?} is not a CIDR block; expected e.g. \"203.0.113.10/32\""))?;
    if net.prefix_len() == 0 {
        return Err(format!(
            "{s:?} opens SSH to the whole internet; list the addresses that administer the stack (e.g. \"203.0.113.10/32\")"
        ));
    }
    let IpNet::V4(net) = net else {
        return Err(format!(
            "{s:?} is an IPv6 range; the SSH rule takes IPv4 CIDR blocks only (e.g. \"203.0.113.10/32\")"
        ));
    };
    if net.trunc() != net {
        return Err(format!(
            "{s:?} has host bits set; the network is {}",
            net.trunc()
        ));
    }
    Ok(net)
}

/// An EC2 instance type such as `t3.small` (not an RDS class).
pub fn ec2_instance_type(s: &str) -> Result<String, String> {
    if EC2_TYPE.is_match(s) && !s.starts_with("db.") {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?} is not an EC2 instance type; expected family.size, e.g. \"t3.small\""
        ))
    }
}

/// An RDS instance class such as `db.t3.micro`.
pub fn rds_instance_class(s: &str) -> Result<String, String> {
    if RDS_CLASS.is_match(s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?} is not an RDS instance class; expected db.family.size, e.g. \"db.t3.micro\""
        ))
    }
}

/// An AMI id such as `ami-0123456789abcdef0`.
pub fn ami_id(s: &str) -> Result<String, String> {
    if AMI.is_match(s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?} is not an AMI id; expected \"ami-\" and 8 or 17 hex digits, or leave the key out to let the module look one up"
        ))
    }
}

/// A Unix user name (`app.ssh_user`, `pipeline.run_as`).
pub fn unix_user(s: &str) -> Result<String, String> {
    if UNIX_USER.is_match(s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?} is not a Unix user name; use up to 32 lowercase letters, digits, '_' or '-', starting with a letter or '_' (e.g. \"ubuntu\")"
        ))
    }
}

/// An RDS DB instance identifier: 1-63 letters, digits, hyphens; a letter first; no `--`, no
/// trailing hyphen. Lowercase, because RDS stores it lowercased and checks compare it.
pub fn rds_identifier(s: &str) -> Result<String, String> {
    if RDS_IDENTIFIER.is_match(s) && !s.contains("--") && !s.ends_with('-') {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?} is not an RDS identifier; use 1-63 lowercase letters, digits or '-', starting with a letter, without '--' or a trailing '-' (e.g. \"offsets-db\")"
        ))
    }
}

/// The initial MySQL database name: 1-64 letters, digits or `_`, a letter first.
pub fn rds_database(s: &str) -> Result<String, String> {
    if RDS_DATABASE.is_match(s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?} is not a MySQL database name for RDS; use 1-64 letters, digits or '_', starting with a letter (e.g. \"offsets\")"
        ))
    }
}

/// The RDS MySQL master user: 1-16 letters, digits or `_`, a letter first, not reserved.
pub fn rds_username(s: &str) -> Result<String, String> {
    const RESERVED: [&str; 4] = ["rdsadmin", "root", "admin_rds", "mysql"];
    if RESERVED.contains(&s.to_ascii_lowercase().as_str()) {
        return Err(format!(
            "{s:?} is reserved by RDS or MySQL; pick another master user name (e.g. \"offsets_admin\")"
        ));
    }
    if RDS_USERNAME.is_match(s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?} is not an RDS MySQL master user name; use 1-16 letters, digits or '_', starting with a letter (e.g. \"offsets_admin\")"
        ))
    }
}

/// A MySQL engine version such as `8.0` or `8.0.39`.
pub fn engine_version(s: &str) -> Result<String, String> {
    if ENGINE_VERSION.is_match(s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?} is not a MySQL engine version; expected e.g. \"8.0\" or \"8.0.39\""
        ))
    }
}

/// Allocated storage in GiB: 20 to 65536 for RDS MySQL on gp2/gp3.
pub fn allocated_storage(n: i64) -> Result<u32, String> {
    match u32::try_from(n) {
        Ok(v) if (20..=65536).contains(&v) => Ok(v),
        _ => Err(format!(
            "{n} GiB is outside what RDS MySQL allows; use 20 to 65536"
        )),
    }
}

/// A CloudWatch Logs group name.
pub fn log_group(s: &str) -> Result<String, String> {
    if s.len() <= 512 && LOG_GROUP.is_match(s) && !s.starts_with("aws/") {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?} is not a log group name; use 1-512 letters, digits, '.', '_', '-', '/' or '#', not starting with \"aws/\" (e.g. \"/offsets/carbon_log\")"
        ))
    }
}

/// A retention period CloudWatch Logs accepts.
pub fn retention_days(n: i64) -> Result<u32, String> {
    match u32::try_from(n) {
        Ok(v) if RETENTION_DAYS.contains(&v) => Ok(v),
        _ => {
            let nearest = RETENTION_DAYS
                .iter()
                .min_by_key(|d| (i64::from(**d) - n).unsigned_abs())
                .copied()
                .unwrap_or(30);
            Err(format!(
                "{n} days is not a retention CloudWatch Logs accepts (nearest: {nearest}); use one of {}",
                RETENTION_DAYS.map(|d| d.to_string()).join(", ")
            ))
        }
    }
}

/// Minutes of grace before a missing run alarms: 0 to 10080 (a week, the longest an alarm can
/// look back).
pub fn grace_minutes(n: i64) -> Result<u32, String> {
    match u32::try_from(n) {
        Ok(v) if v <= 10_080 => Ok(v),
        _ => Err(format!(
            "{n} is not a number of minutes from 0 to 10080 (a week); e.g. 60"
        )),
    }
}

/// An alarm period: a multiple of 60 seconds from 60 to 86400 (one day). The alarm counts a
/// metric filter's datapoints, which are not high-resolution, so 10 and 30 do not apply.
pub fn alarm_period(n: i64) -> Result<u32, String> {
    match u32::try_from(n) {
        Ok(v) if (60..=86_400).contains(&v) && v % 60 == 0 => Ok(v),
        _ => Err(format!(
            "{n} seconds is not an alarm period; use a multiple of 60 between 60 and 86400 (e.g. 300)"
        )),
    }
}

/// A non-empty name of at most `max` printable characters (metric names, patterns, alarms).
pub fn printable(s: &str, what: &str, max: usize, example: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        Err(format!("{what} is empty; expected e.g. {example:?}"))
    } else if s.chars().count() > max || s.chars().any(char::is_control) {
        Err(format!(
            "{s:?} is not a valid {what}; use at most {max} characters and no control characters (e.g. {example:?})"
        ))
    } else {
        Ok(s.to_string())
    }
}

/// What is wrong with `pattern` as the filter that counts the job's `counts` status line, if
/// anything: it does not parse as a filter pattern, or it does not match that line as the job
/// writes it, or it also matches the other one (the rule `alarm.pattern` judges the live filters
/// by). Not a refusal: Terraform's own validation cannot say this, CloudWatch is the judge of
/// the syntax, and pipeform's evaluator may lack a form CloudWatch has; `render` and `plan`
/// print it as a warning before anything is applied. A regular expression (`%...%`) is not
/// judged.
pub fn status_pattern_problem(pattern: &str, counts: Counts) -> Option<String> {
    let parsed = match FilterPattern::parse(pattern) {
        Ok(p) => p,
        Err(e) if e.regex() => return None,
        Err(e) => {
            return Some(format!(
                "{pattern:?} is not a filter pattern pipeform can read: {e}"
            ))
        }
    };
    // The lines carry a timestamp; any moment gives the same fields.
    let (failed, succeeded) = status_line::examples(chrono::DateTime::UNIX_EPOCH);
    match parsed.judge_status(counts, &failed, &succeeded) {
        StatusJudgement::Counts | StatusJudgement::NotEvaluated(_) => None,
        StatusJudgement::Wrong(_, how) => Some(format!(
            "{pattern:?} {how}: the job writes {failed:?} and {succeeded:?} (quoted text is case-sensitive)"
        )),
    }
}

/// A CloudWatch metric name: printable, without `:` or `*`.
pub fn metric_name(s: &str) -> Result<String, String> {
    let s = printable(s, "metric name", 255, "CarbonUnifiedJobFailed")?;
    if s.contains(':') || s.contains('*') {
        return Err(format!(
            "{s:?} is not a metric name; leave out ':' and '*' (e.g. \"CarbonUnifiedJobFailed\")"
        ));
    }
    Ok(s)
}

/// A CloudWatch metric namespace: printable, not in the reserved `AWS/` space.
pub fn metric_namespace(s: &str) -> Result<String, String> {
    let s = printable(s, "metric namespace", 255, "OffsetsPipeline")?;
    if s.starts_with("AWS/") || s.starts_with(':') {
        return Err(format!(
            "{s:?} is reserved for AWS metrics; use your own namespace (e.g. \"OffsetsPipeline\")"
        ));
    }
    Ok(s)
}

/// An SNS topic name: 1-256 letters, digits, `_` or `-`.
pub fn topic_name(s: &str) -> Result<String, String> {
    if s.len() <= 256 && TOPIC.is_match(s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?} is not an SNS topic name; use 1-256 letters, digits, '_' or '-' (e.g. \"offsets-alerts\")"
        ))
    }
}

/// An e-mail address: local@domain with a dotted domain of valid labels.
pub fn email(s: &str) -> Result<String, String> {
    let err = || {
        format!(
            "{s:?} is not an e-mail address; expected name@domain.tld, e.g. \"ops@example.com\""
        )
    };
    let (local, domain) = s.rsplit_once('@').ok_or_else(err)?;
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| DOMAIN_LABEL.is_match(l))
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
    if local.len() <= 64 && s.len() <= 254 && EMAIL_LOCAL.is_match(local) && domain_ok {
        Ok(s.to_string())
    } else {
        Err(err())
    }
}

/// An S3 general purpose bucket name.
pub fn bucket_name(s: &str) -> Result<String, String> {
    let why = if !(3..=63).contains(&s.len()) {
        Some(format!("is {} characters long; use 3 to 63", s.len()))
    } else if !BUCKET_CHARS.is_match(s) {
        Some(
            "must be lowercase letters, digits, '.' and '-', starting and ending with a letter or digit"
                .to_string(),
        )
    } else if s.contains("..") {
        Some("must not contain two adjacent dots".to_string())
    } else if s.contains(".-") || s.contains("-.") {
        Some("must not have a dot next to a hyphen".to_string())
    } else if IP_SHAPED.is_match(s) {
        Some("must not be formatted as an IP address".to_string())
    } else if let Some(p) = ["xn--", "sthree-", "amzn-s3-demo-"]
        .into_iter()
        .find(|p| s.starts_with(p))
    {
        Some(format!("must not start with the reserved prefix {p:?}"))
    } else {
        ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]
            .into_iter()
            .find(|x| s.ends_with(x))
            .map(|x| format!("must not end with the reserved suffix {x:?}"))
    };
    match why {
        None => Ok(s.to_string()),
        Some(why) => Err(format!(
            "{s:?} is not a valid S3 bucket name: it {why} (e.g. \"vcm-bucket25\")"
        )),
    }
}

/// An object-key template (`bucket.csv_prefix`, `bucket.logs_prefix`): the template grammar, plus
/// what the stack needs of it: a non-empty static part (the job's IAM policy grants writes under
/// it; an empty one would be the whole bucket) and no `*` (a wildcard in that policy).
pub fn prefix_template(s: &str) -> Result<PrefixTemplate, String> {
    let t = PrefixTemplate::parse(s).map_err(|e| format!("{s:?}: {e} (e.g. \"csv/{{date}}\")"))?;
    if t.static_prefix().is_empty() {
        return Err(format!(
            "{s:?} starts with a placeholder; begin with a fixed folder the job may write under (e.g. \"csv/{{date}}\")"
        ));
    }
    if s.contains('*') {
        return Err(format!(
            "{s:?} contains '*', which the job's IAM policy would read as a wildcard; leave it out"
        ));
    }
    Ok(t)
}

/// Hours a dated prefix may age before `check` flags it: positive.
pub fn freshness_hours(n: i64) -> Result<u32, String> {
    match u32::try_from(n) {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(format!(
            "{n} is not a freshness window; use a positive number of hours (e.g. 26 for a daily job)"
        )),
    }
}

/// An absolute directory on the app host.
pub fn host_dir(s: &str) -> Result<String, String> {
    if s.starts_with('/') && !s.chars().any(|c| c.is_control() || c.is_whitespace()) {
        let trimmed = s.trim_end_matches('/');
        Ok(if trimmed.is_empty() { "/" } else { trimmed }.to_string())
    } else {
        Err(format!(
            "{s:?} is not an absolute path without spaces; expected e.g. \"/var/lib/pipeform/csv\""
        ))
    }
}

/// A log field name to pseudonymise.
pub fn field_name(s: &str) -> Result<String, String> {
    if FIELD_NAME.is_match(s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?} is not a field name; use letters, digits, '_', '.' or '-', starting with a letter or '_' (e.g. \"user_email\")"
        ))
    }
}

/// A public key path: non-empty.
pub fn key_path(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        Err(
            "is empty; expected the path of an OpenSSH public key, e.g. \"keys/offsets.pub\""
                .into(),
        )
    } else {
        Ok(s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_names() {
        assert!(project_name("offsets").is_ok());
        assert!(project_name("a1-b").is_ok());
        for bad in [
            "a",
            "Offsets",
            "1abc",
            "off_sets",
            "abcdefghijklmnopqrstuv",
            "",
        ] {
            assert!(project_name(bad).is_err(), "{bad}");
        }
        assert!(project_name("abcdefghijklmnopqrstu").is_ok());
    }

    #[test]
    fn regions_and_zones() {
        assert!(region("ap-northeast-2").is_ok());
        assert!(region("us-gov-west-1").is_ok());
        for bad in ["ap-northeast", "AP-NORTHEAST-2", "seoul", "ap-northeast-2a"] {
            assert!(region(bad).is_err(), "{bad}");
        }
        assert!(availability_zone("ap-northeast-2a", "ap-northeast-2").is_ok());
        let e = availability_zone("us-east-1a", "ap-northeast-2").unwrap_err();
        assert!(e.contains("ap-northeast-2a"), "{e}");
        assert!(availability_zone("ap-northeast-2", "ap-northeast-2").is_err());
        assert!(availability_zone("ap-northeast-2ab", "ap-northeast-2").is_err());
        assert!(environment("prod").is_ok());
        assert!(environment("").is_err());
        assert!(environment("my env").is_err());
    }

    #[test]
    fn ipv4_cidrs() {
        assert_eq!(
            ipv4_cidr("10.20.1.0/24").map(|n| n.to_string()),
            Ok("10.20.1.0/24".into())
        );
        let e = ipv4_cidr("10.20.1.5/24").unwrap_err();
        assert!(e.contains("10.20.1.0/24"), "{e}");
        assert!(ipv4_cidr("10.20.1.0").is_err());
        assert!(ipv4_cidr("10.20.300.0/24").is_err());
        assert!(ipv4_cidr("10.0.0.0/8").is_err());
        assert!(ipv4_cidr("10.0.0.0/29").is_err());
        assert!(ipv4_cidr("2001:db8::/64").is_err());
    }

    #[test]
    fn ssh_cidrs() {
        assert!(ssh_cidr("203.0.113.10/32").is_ok());
        assert!(ssh_cidr("2001:db8::/64").unwrap_err().contains("IPv6"));
        assert!(ssh_cidr("0.0.0.0/0")
            .unwrap_err()
            .contains("whole internet"));
        assert!(ssh_cidr("::/0").unwrap_err().contains("whole internet"));
        assert!(ssh_cidr("203.0.113.10").is_err());
        assert!(ssh_cidr("203.0.113.10/24").is_err());
    }

    #[test]
    fn instance_types() {
        for ok in [
            "t3.small",
            "t3.nano",
            "m5d.xlarge",
            "c7gn.16xlarge",
            "t4g.micro",
        ] {
            assert!(ec2_instance_type(ok).is_ok(), "{ok}");
        }
        for bad in ["t3", "small", "db.t3.micro", "T3.small", "t3.small.x"] {
            assert!(ec2_instance_type(bad).is_err(), "{bad}");
        }
        assert!(rds_instance_class("db.t3.micro").is_ok());
        assert!(rds_instance_class("db.r6g.2xlarge").is_ok());
        assert!(rds_instance_class("t3.micro").is_err());
        assert!(ami_id("ami-0123456789abcdef0").is_ok());
        assert!(ami_id("ami-12345678").is_ok());
        assert!(ami_id("ami-xyz").is_err());
    }

    #[test]
    fn rds_names() {
        assert!(rds_identifier("offsets-db").is_ok());
        for bad in ["1db", "db--x", "db-", "Offsets", ""] {
            assert!(rds_identifier(bad).is_err(), "{bad}");
        }
        assert!(rds_identifier(&"a".repeat(63)).is_ok());
        assert!(rds_identifier(&"a".repeat(64)).is_err());
        assert!(rds_database("offsets").is_ok());
        assert!(rds_database("offsets-db").is_err());
        assert!(rds_database("1x").is_err());
        assert!(rds_username("offsets_admin").is_ok());
        assert!(rds_username("rdsadmin").unwrap_err().contains("reserved"));
        assert!(rds_username("a_very_long_user_name").is_err());
        assert!(engine_version("8.0").is_ok());
        assert!(engine_version("8.0.39").is_ok());
        assert!(engine_version("latest").is_err());
        assert_eq!(allocated_storage(20), Ok(20));
        assert!(allocated_storage(5).is_err());
        assert!(allocated_storage(-1).is_err());
    }

    #[test]
    fn retention() {
        for d in RETENTION_DAYS {
            assert_eq!(retention_days(i64::from(d)), Ok(d));
        }
        let e = retention_days(31).unwrap_err();
        assert!(e.contains("nearest: 30"), "{e}");
        assert!(retention_days(0).is_err());
        assert!(retention_days(-30).is_err());
        assert!(retention_days(10_000_000_000).is_err());
    }

    #[test]
    fn alarm_periods() {
        for ok in [60, 300, 3600, 86_400] {
            assert!(alarm_period(ok).is_ok(), "{ok}");
        }
        for bad in [0, 10, 30, 20, 90, -60, 86_460] {
            assert!(alarm_period(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn monitoring_names() {
        assert!(log_group("/offsets/carbon_log").is_ok());
        assert!(log_group("has space").is_err());
        assert!(log_group("aws/lambda").is_err());
        assert!(metric_namespace("OffsetsPipeline").is_ok());
        assert!(metric_namespace("AWS/EC2").is_err());
        assert!(metric_namespace("").is_err());
        assert!(printable("CarbonUnifiedJobFailed", "metric name", 255, "X").is_ok());
        assert!(printable("  ", "metric name", 255, "X").is_err());
        assert!(printable(&"x".repeat(256), "metric name", 255, "X").is_err());
        assert!(topic_name("offsets-alerts").is_ok());
        assert!(topic_name("offsets.alerts").is_err());
        // The length limits, checked apart from the characters.
        assert!(log_group(&"g".repeat(512)).is_ok());
        assert!(log_group(&"g".repeat(513)).is_err());
        assert!(log_group("").is_err());
        assert!(topic_name(&"t".repeat(256)).is_ok());
        assert!(topic_name(&"t".repeat(257)).is_err());
        assert!(topic_name("").is_err());
    }

    #[test]
    fn status_patterns_are_judged_on_the_lines_the_job_writes() {
        for ok in [
            "JOB_STATUS=FAILED",
            "\"JOB_STATUS=FAILED\"",
            "?JOB_STATUS=FAILED ?NEVER_WRITTEN",
            "%JOB_STATUS=FAIL.*%",
        ] {
            assert_eq!(status_pattern_problem(ok, Counts::Failed), None, "{ok}");
        }
        assert_eq!(
            status_pattern_problem("JOB_STATUS=SUCCEEDED", Counts::Succeeded),
            None
        );
        let wrong = status_pattern_problem("\"job_status=failed\"", Counts::Failed)
            .expect("matches neither line");
        assert!(wrong.contains("matches neither status line"), "{wrong}");
        assert!(wrong.contains("JOB_STATUS=FAILED"), "{wrong}");
        let both = status_pattern_problem("JOB_STATUS", Counts::Succeeded).expect("both");
        assert!(both.contains("matches both status lines"), "{both}");
        let the_other =
            status_pattern_problem("JOB_STATUS=FAILED", Counts::Succeeded).expect("the other line");
        assert!(
            the_other.contains("matches only the FAILED line"),
            "{the_other}"
        );
        let unreadable = status_pattern_problem("[a, b", Counts::Failed).expect("no parse");
        assert!(
            unreadable.contains("not a filter pattern pipeform can read"),
            "{unreadable}"
        );
    }

    #[test]
    fn emails() {
        for ok in ["ops@example.com", "a.b+tag@mail.example.co.kr"] {
            assert!(email(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ops",
            "ops@",
            "@example.com",
            "ops@example",
            "ops@@example.com",
            "o ps@example.com",
            "ops@-example.com",
            "ops@example.c0m",
            "a..b@example.com",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bucket_names() {
        for ok in ["vcm-bucket25", "abc", "my.bucket.name", &"a".repeat(63)] {
            assert!(bucket_name(ok).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("ab", "3 to 63"),
            ("VCM-bucket", "lowercase"),
            ("my_bucket", "lowercase"),
            ("-bucket", "starting and ending"),
            ("bucket-", "starting and ending"),
            ("my..bucket", "adjacent dots"),
            ("my.-bucket", "dot next to a hyphen"),
            ("192.168.5.4", "IP address"),
            ("999.1.1.1", "IP address"),
            ("amzn-s3-demo-x", "amzn-s3-demo-"),
            ("bucket--x-s3", "--x-s3"),
            ("xn--bucket", "xn--"),
            ("bucket-s3alias", "-s3alias"),
            ("sthree-bucket", "sthree-"),
        ] {
            let e = bucket_name(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
        assert!(bucket_name(&"a".repeat(64)).is_err());
    }

    #[test]
    fn prefix_templates() {
        assert_eq!(
            prefix_template("csv/{date}").map(|t| t.static_prefix().to_string()),
            Ok("csv/".into())
        );
        assert!(prefix_template("{date}")
            .unwrap_err()
            .contains("starts with a placeholder"));
        assert!(prefix_template("csv*/{date}").unwrap_err().contains("'*'"));
        assert!(prefix_template("csv/{nope}").is_err());
        assert!(metric_name("Failed").is_ok());
        assert!(metric_name("a:b").is_err());
        assert!(metric_name("a*").is_err());
    }

    #[test]
    fn small_numbers_and_paths() {
        assert_eq!(freshness_hours(26), Ok(26));
        assert!(freshness_hours(0).is_err());
        assert!(freshness_hours(-1).is_err());
        assert_eq!(
            host_dir("/var/log/pipeform/"),
            Ok("/var/log/pipeform".into())
        );
        assert!(host_dir("var/log").is_err());
        assert!(host_dir("/var/my logs").is_err());
        assert!(unix_user("ubuntu").is_ok());
        assert!(unix_user("Ubuntu").is_err());
        assert!(unix_user("ec2 user").is_err());
        assert!(field_name("user_email").is_ok());
        assert!(field_name("").is_err());
        assert!(key_path("keys/a.pub").is_ok());
        assert!(key_path(" ").is_err());
    }
}
