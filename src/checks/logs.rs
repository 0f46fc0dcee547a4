//! Log group retention.

use super::{facts, Expectations, Status, Verdict};
use crate::inventory::Inventory;

/// `logs.retention`: the log group exists with `retention_days`.
pub fn retention(e: &Expectations, inv: &Inventory) -> Verdict {
    let logs = match facts(&inv.logs, "CloudWatch Logs", &e.log_group) {
        Ok(f) => f,
        Err(f) => return f,
    };
    let Some(g) = &logs.group else {
        return Verdict::new(
            Status::Fail,
            &e.log_group,
            format!(
                "log group {} does not exist; expected it with {} days retention",
                e.log_group, e.retention_days
            ),
        );
    };
    match g.retention_days {
        Some(d) if i64::from(d) == i64::from(e.retention_days) => {
            Verdict::new(Status::Pass, &g.name, format!("{d} days"))
        }
        Some(d) => Verdict::new(
            Status::Fail,
            &g.name,
            format!(
                "{} keeps events for {d} days; expected {}",
                g.name, e.retention_days
            ),
        ),
        None => Verdict::new(
            Status::Fail,
            &g.name,
            format!(
                "{} keeps events forever; expected {} days",
                g.name, e.retention_days
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::{area, expectations, healthy};
    use crate::inventory::AreaError;

    #[test]
    fn retention_pass_fail_error() {
        let (e, mut inv) = (expectations(), healthy());
        assert_eq!(retention(&e, &inv).status, Status::Pass);
        area(&mut inv.logs)
            .group
            .as_mut()
            .expect("group")
            .retention_days = Some(7);
        let f = retention(&e, &inv);
        assert_eq!(
            f.detail,
            "/offsets/carbon_log keeps events for 7 days; expected 30"
        );
        area(&mut inv.logs)
            .group
            .as_mut()
            .expect("group")
            .retention_days = None;
        assert_eq!(retention(&e, &inv).status, Status::Fail);
        area(&mut inv.logs).group = None;
        assert!(retention(&e, &inv).detail.contains("does not exist"));
        inv.logs = Some(Err(AreaError("timeout".into())));
        assert_eq!(retention(&e, &inv).status, Status::Error);
    }
}
