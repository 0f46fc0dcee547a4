//! Attributes whose live value changes on its own, so a difference there is not drift.
//! The list is documented in docs/drift.md; keep the two in step.

use super::diff::AttrPath;

/// One known-volatile attribute.
#[derive(Debug, Clone, Copy)]
pub struct Volatile {
    /// Resource type, e.g. `aws_db_instance`.
    pub resource_type: &'static str,
    /// Attribute path; nested paths below it are volatile too.
    pub attribute: &'static str,
    /// Why it moves on its own.
    pub reason: &'static str,
}

/// The documented list.
pub const VOLATILE: &[Volatile] = &[
    Volatile {
        resource_type: "aws_db_instance",
        attribute: "latest_restorable_time",
        reason: "advances continuously with point-in-time recovery",
    },
    Volatile {
        resource_type: "aws_db_instance",
        attribute: "status",
        reason: "reflects maintenance and backups (available, backing-up, modifying)",
    },
    Volatile {
        resource_type: "aws_instance",
        attribute: "instance_state",
        reason: "changes with stop/start; checked by `pipeform check`, not by drift",
    },
    Volatile {
        resource_type: "aws_instance",
        attribute: "public_dns",
        reason: "assigned by EC2 and may change when the instance restarts",
    },
    Volatile {
        resource_type: "aws_instance",
        attribute: "public_ip",
        reason: "assigned by EC2 and may change when the instance restarts (the EIP is managed)",
    },
    Volatile {
        resource_type: "aws_sns_topic_subscription",
        attribute: "pending_confirmation",
        reason: "flips when the recipient confirms the e-mail subscription",
    },
    Volatile {
        resource_type: "aws_sns_topic_subscription",
        attribute: "confirmation_was_authenticated",
        reason: "set by SNS when the subscription is confirmed",
    },
];

/// The volatile entry that covers `path` of a resource of `resource_type`, if any.
pub fn lookup(resource_type: &str, path: &AttrPath) -> Option<&'static Volatile> {
    VOLATILE.iter().find(|v| {
        v.resource_type == resource_type
            && AttrPath::parse(v.attribute).is_some_and(|prefix| path.starts_with(&prefix))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_parses_and_is_found() {
        for v in VOLATILE {
            let path = AttrPath::parse(v.attribute).expect("volatile attribute parses");
            assert!(lookup(v.resource_type, &path).is_some(), "{}", v.attribute);
        }
        let p = AttrPath::parse("latest_restorable_time").expect("p");
        assert!(lookup("aws_db_instance", &p).is_some());
        assert!(lookup("aws_rds_cluster", &p).is_none());
        let p = AttrPath::parse("allocated_storage").expect("p");
        assert!(lookup("aws_db_instance", &p).is_none());
    }
}
