//! The check pipeline (contract §5): stack + target -> findings. `pipeform check` and
//! `pipeform drift --with-checks` both run it, so they judge the same facts the same way.

use chrono::{DateTime, NaiveDate, Utc};

use crate::checks::{self, Check, Expectations, Finding};
use crate::config::Stack;
use crate::inventory::{self, Target};

/// The environment variables the AWS SDK would take a region from, in its order.
pub const REGION_ENV: &[&str] = &["AWS_REGION", "AWS_DEFAULT_REGION"];

/// Where the checks read from, and the notice to print when the environment disagreed.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Region and endpoint to read.
    pub target: Target,
    /// One line for stderr when a region variable names another region than the one read.
    pub notice: Option<String>,
}

/// The region of every command is `project.region` unless `--region` is given (contract §2):
/// Terraform applies the stack there, so reading any other region would judge an empty one.
/// `env` looks up an environment variable (a parameter so tests need not touch the process).
pub fn resolve(
    stack: &Stack,
    region_flag: Option<&str>,
    endpoint_url: Option<&str>,
    env: impl Fn(&str) -> Option<String>,
) -> Resolved {
    let flag = region_flag.map(str::trim).filter(|r| !r.is_empty());
    let region = flag.map_or_else(|| stack.project.region.to_string(), str::to_string);
    let notice = match flag {
        Some(_) => None,
        None => REGION_ENV.iter().find_map(|name| {
            let value = env(name).filter(|v| !v.trim().is_empty())?;
            (value.trim() != region).then(|| {
                format!(
                    "{name}={value} is ignored: reading region {region} (project.region); pass --region to read another"
                )
            })
        }),
    };
    Resolved {
        target: Target {
            region,
            endpoint_url: endpoint_url
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(str::to_string),
        },
        notice,
    }
}

/// Gathers what `selected` need from `target` once and runs them. Never fails: what cannot be
/// read becomes `error` findings.
pub async fn run(
    stack: &Stack,
    target: &Target,
    selected: &[&Check],
    now: DateTime<Utc>,
    date: Option<NaiveDate>,
) -> Vec<Finding> {
    run_judged(stack, target, selected, now, date)
        .await
        .findings
}

/// The findings of a check run, and whether the account held nothing of the project at all.
#[derive(Debug, Clone)]
pub struct Judged {
    /// One finding per selected check.
    pub findings: Vec<Finding>,
    /// Every area read answered and found nothing of the project (see
    /// [`inventory::Inventory::found_nothing`]): the stack was never applied here.
    pub nothing_found: bool,
}

/// [`run`], also saying whether the account held nothing of the project.
pub async fn run_judged(
    stack: &Stack,
    target: &Target,
    selected: &[&Check],
    now: DateTime<Utc>,
    date: Option<NaiveDate>,
) -> Judged {
    let expect = Expectations::from_stack(stack, &target.region, now, date);
    let inventory = inventory::gather(target, &expect.query(), checks::needs_of(selected)).await;
    Judged {
        findings: checks::run(selected, &expect, &inventory),
        nothing_found: inventory.found_nothing(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack() -> Stack {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/pipeform.toml");
        let text = std::fs::read_to_string(&path).expect("the example config");
        crate::config::parse_str(&text, &path).expect("the example is valid")
    }

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_string())
        }
    }

    #[test]
    fn the_config_region_wins_over_a_disagreeing_environment() {
        let s = stack();
        let own = s.project.region.to_string();
        let r = resolve(&s, None, None, env(&[("AWS_REGION", "us-east-1")]));
        assert_eq!(r.target.region, own);
        let notice = r.notice.expect("a notice");
        assert!(
            notice.starts_with("AWS_REGION=us-east-1 is ignored"),
            "{notice}"
        );
        assert!(!notice.contains('\n'));
        let r = resolve(&s, None, None, env(&[("AWS_DEFAULT_REGION", "eu-west-1")]));
        assert_eq!(r.target.region, own);
        assert!(r
            .notice
            .expect("notice")
            .starts_with("AWS_DEFAULT_REGION=eu-west-1"));
    }

    #[test]
    fn an_agreeing_environment_or_a_flag_needs_no_notice() {
        let s = stack();
        let own = s.project.region.to_string();
        let r = resolve(&s, None, Some(""), env(&[("AWS_REGION", own.as_str())]));
        assert_eq!((r.target.region.as_str(), r.notice), (own.as_str(), None));
        assert_eq!(r.target.endpoint_url, None);
        let r = resolve(
            &s,
            Some("us-west-2"),
            Some("http://127.0.0.1:5000"),
            env(&[("AWS_REGION", "us-east-1")]),
        );
        assert_eq!(r.target.region, "us-west-2");
        assert_eq!(r.notice, None);
        assert_eq!(
            r.target.endpoint_url.as_deref(),
            Some("http://127.0.0.1:5000")
        );
    }
}
