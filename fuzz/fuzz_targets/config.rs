//! `pipeform.toml` text -> a validated stack (`config::parse_str`):
//! - Never panics, whatever the text.
//! - Rejected: at least one problem, each with a message, and each line it names is a line of
//!   the file.
//! - Accepted: every name the stack derives passes the rule its own key would face (the
//!   success metric `<metric_name>-Succeeded`, the missed-run alarm `<alarm_name>-missed`), the
//!   schedule is in cron's normal form, every zone belongs to the region, and every subnet lies
//!   inside the VPC.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use pipeform_parse::config::{cron, parse_str, rules, ConfigError};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_str(text, Path::new("pipeform.toml")) {
        Ok(stack) => {
            let m = &stack.monitoring;
            let success = m.success_metric_name();
            assert!(rules::metric_name(&success).is_ok(), "{success:?}");
            let missed = &m.missed_run_alarm_name;
            assert!(
                rules::printable(missed, "alarm name", 255, "x").is_ok(),
                "{missed:?}"
            );
            let schedule = &stack.pipeline.schedule;
            assert_eq!(cron::validate(schedule).as_ref(), Ok(schedule));
            for az in &stack.network.availability_zones {
                assert!(
                    rules::availability_zone(az, &stack.project.region).is_ok(),
                    "{az}"
                );
            }
            let vpc = stack.network.vpc_cidr;
            for net in stack
                .network
                .public_subnets
                .iter()
                .chain(&stack.network.db_subnets)
            {
                assert!(vpc.contains(net), "{net} outside {vpc}");
            }
        }
        Err(ConfigError::Invalid { problems, .. }) => {
            assert!(!problems.is_empty());
            let lines = text.matches('\n').count() + 1;
            for p in &problems {
                assert!(!p.message.is_empty(), "{p:?}");
                if let Some(line) = p.line {
                    assert!((1..=lines).contains(&line), "line {line} of {lines}: {p}");
                }
            }
        }
        Err(other) => panic!("text already read cannot fail with {other}"),
    }
});
