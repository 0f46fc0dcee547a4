//! The app instance's profile: may its role write the bucket's prefixes and the log group?

use super::policy::{evaluate, Decision, Policy};
use super::{facts, Expectations, Status, Verdict};
use crate::inventory::Inventory;

/// `iam.instance_profile`: profile -> role allowed s3:PutObject under both prefixes and
/// logs:PutLogEvents on the log group (explicit Deny wins).
pub fn instance_profile(e: &Expectations, inv: &Inventory) -> Verdict {
    let iam = match facts(&inv.iam, "IAM", "") {
        Ok(f) => f,
        Err(f) => return f,
    };
    let Some(app) = &iam.app_instance_id else {
        return Verdict::new(Status::Fail, "", format!("no instance tagged Project={}, Role=app; expected the app host with an instance profile", e.project));
    };
    let Some(profile) = &iam.instance_profile_arn else {
        return Verdict::new(Status::Fail, app, format!("{app} has no instance profile; expected one whose role may write to s3://{} and {}", e.bucket, e.log_group));
    };
    let Some(role) = &iam.role_name else {
        return Verdict::new(
            Status::Fail,
            profile,
            format!("instance profile {profile} of {app} has no role"),
        );
    };
    let mut policies = Vec::new();
    for (name, doc) in &iam.policies {
        match Policy::parse(name, doc) {
            Ok(p) => policies.push(p),
            Err(err) => return Verdict::new(Status::Error, role, err.to_string()),
        }
    }
    // arn:aws:iam::ACCOUNT:instance-profile/NAME
    let account = profile
        .split(':')
        .nth(4)
        .filter(|a| !a.is_empty())
        .unwrap_or("*");
    let requests = [
        (
            "s3:PutObject",
            format!(
                "arn:aws:s3:::{}/{}x",
                e.bucket,
                e.csv_prefix.static_prefix()
            ),
        ),
        (
            "s3:PutObject",
            format!(
                "arn:aws:s3:::{}/{}x",
                e.bucket,
                e.logs_prefix.static_prefix()
            ),
        ),
        (
            "logs:PutLogEvents",
            format!(
                "arn:aws:logs:{}:{account}:log-group:{}:log-stream:x",
                e.region, e.log_group
            ),
        ),
    ];
    let mut problems = Vec::new();
    for (action, resource) in &requests {
        match evaluate(&policies, action, resource) {
            Decision::Allowed(_) => {}
            Decision::ImplicitDeny => problems.push(format!(
                "may not {action} on {resource} (no policy allows it)"
            )),
            Decision::ExplicitDeny(by) => {
                problems.push(format!("may not {action} on {resource} (denied by {by})"))
            }
        }
    }
    if problems.is_empty() {
        Verdict::new(
            Status::Pass,
            role,
            format!(
                "{app} -> {} -> role {role}: s3:PutObject under {} and {}, logs:PutLogEvents on {}",
                profile.rsplit('/').next().unwrap_or(profile),
                e.csv_prefix.static_prefix(),
                e.logs_prefix.static_prefix(),
                e.log_group
            ),
        )
    } else {
        Verdict::new(
            Status::Fail,
            role,
            format!(
                "role {role} (profile of {app}) {}; expected both allowed",
                problems.join("; ")
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::{area, expectations, healthy};
    use crate::inventory::AreaError;

    #[test]
    fn healthy_role_passes() {
        let (e, inv) = (expectations(), healthy());
        let f = instance_profile(&e, &inv);
        assert_eq!(f.status, Status::Pass, "{f:?}");
    }

    #[test]
    fn missing_policy_and_deny_fail() {
        let (e, mut inv) = (expectations(), healthy());
        area(&mut inv.iam).policies.push((
            "arn:aws:iam::123456789012:policy/deny-logs".into(),
            "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Deny%22%2C%22Action%22%3A%22logs%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D".into(),
        ));
        let f = instance_profile(&e, &inv);
        assert_eq!(f.status, Status::Fail);
        assert!(f.detail.contains("may not logs:PutLogEvents on arn:aws:logs:ap-northeast-2:123456789012:log-group:/offsets/carbon_log:log-stream:x (denied by arn:aws:iam::123456789012:policy/deny-logs)"), "{}", f.detail);
        area(&mut inv.iam).policies.clear();
        let f = instance_profile(&e, &inv);
        assert!(
            f.detail.contains(
                "may not s3:PutObject on arn:aws:s3:::vcm-bucket25/csv/x (no policy allows it)"
            ),
            "{}",
            f.detail
        );
    }

    #[test]
    fn missing_links_fail_broken_documents_error() {
        let (e, mut inv) = (expectations(), healthy());
        area(&mut inv.iam).policies[0].1 = "{broken".into();
        assert_eq!(instance_profile(&e, &inv).status, Status::Error);
        area(&mut inv.iam).role_name = None;
        assert!(instance_profile(&e, &inv).detail.contains("has no role"));
        area(&mut inv.iam).instance_profile_arn = None;
        assert!(instance_profile(&e, &inv)
            .detail
            .contains("i-8 has no instance profile"));
        area(&mut inv.iam).app_instance_id = None;
        assert_eq!(instance_profile(&e, &inv).status, Status::Fail);
        inv.iam = Some(Err(AreaError("needs EC2, which failed".into())));
        assert_eq!(instance_profile(&e, &inv).status, Status::Error);
    }
}
