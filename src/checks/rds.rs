//! The DB instance: private, in DB subnets only, encrypted.

use super::{facts, Expectations, Status, Verdict};
use crate::inventory::Inventory;

/// `rds.private`: not publicly accessible, only in `subnet-db` subnets.
pub fn private(e: &Expectations, inv: &Inventory) -> Verdict {
    let rds = match facts(&inv.rds, "RDS", &e.rds_identifier) {
        Ok(f) => f,
        Err(f) => return f,
    };
    let Some(db) = &rds.instance else {
        return Verdict::new(
            Status::Fail,
            &e.rds_identifier,
            format!("DB instance {} does not exist", e.rds_identifier),
        );
    };
    let ec2 = match facts(&inv.ec2, "EC2 (for the DB subnets' roles)", &db.identifier) {
        Ok(f) => f,
        Err(f) => return f,
    };
    let mut problems = Vec::new();
    if db.publicly_accessible {
        problems.push("is publicly accessible; expected private".to_string());
    }
    if db.subnet_ids.is_empty() {
        problems.push("has no DB subnet group; expected one of subnet-db subnets".to_string());
    }
    for s in &db.subnet_ids {
        match ec2.subnets.iter().find(|x| &x.id == s) {
            Some(x) if x.tags.get("Role").map(String::as_str) == Some("subnet-db") => {}
            Some(x) => problems.push(format!(
                "sits in {s} (Role={}); expected only subnet-db subnets",
                x.tags.get("Role").map_or("none", String::as_str)
            )),
            None => problems.push(format!(
                "sits in {s}, not a subnet of project {}; expected only subnet-db subnets",
                e.project
            )),
        }
    }
    if problems.is_empty() {
        Verdict::new(
            Status::Pass,
            &db.identifier,
            format!("private, in {}", db.subnet_ids.join(", ")),
        )
    } else {
        Verdict::new(
            Status::Fail,
            &db.identifier,
            format!("{} {}", db.identifier, problems.join("; ")),
        )
    }
}

/// `rds.encrypted`: storage encryption on.
pub fn encrypted(e: &Expectations, inv: &Inventory) -> Verdict {
    let rds = match facts(&inv.rds, "RDS", &e.rds_identifier) {
        Ok(f) => f,
        Err(f) => return f,
    };
    match &rds.instance {
        None => Verdict::new(
            Status::Skip,
            &e.rds_identifier,
            format!(
                "DB instance {} does not exist; see rds.private",
                e.rds_identifier
            ),
        ),
        Some(db) if db.storage_encrypted => {
            Verdict::new(Status::Pass, &db.identifier, "storage encrypted")
        }
        Some(db) => Verdict::new(
            Status::Fail,
            &db.identifier,
            format!(
                "{} stores data unencrypted; expected storage encryption on",
                db.identifier
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
    fn rds_pass_fail_skip_error() {
        let (e, mut inv) = (expectations(), healthy());
        assert_eq!(private(&e, &inv).status, Status::Pass);
        assert_eq!(encrypted(&e, &inv).status, Status::Pass);
        let db = area(&mut inv.rds).instance.as_mut().expect("db");
        db.publicly_accessible = true;
        db.subnet_ids.push("subnet-1".into());
        db.storage_encrypted = false;
        let f = private(&e, &inv);
        assert_eq!(f.detail, "offsets-db is publicly accessible; expected private; sits in subnet-1 (Role=subnet-public); expected only subnet-db subnets");
        assert_eq!(encrypted(&e, &inv).status, Status::Fail);
        inv.ec2 = Some(Err(AreaError("timeout".into())));
        assert_eq!(private(&e, &inv).status, Status::Error);
        area(&mut inv.rds).instance = None;
        assert_eq!(private(&e, &inv).status, Status::Fail);
        assert_eq!(encrypted(&e, &inv).status, Status::Skip);
        inv.rds = Some(Err(AreaError("timeout".into())));
        assert_eq!(encrypted(&e, &inv).status, Status::Error);
    }
}
