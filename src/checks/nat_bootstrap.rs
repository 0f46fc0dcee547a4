//! `nat.bootstrap`: the NAT instance's own report of its network set-up.
//!
//! `terraform/modules/nat/nat.sh` (contract §13) ends every run, at every boot, with one status
//! line on the console: `pipeform-nat: OK <cidr> via <iface>` or `pipeform-nat: FAILED <reason>`.
//! EC2 keeps the console output; the inventory reads it and [`last_status`] finds the last
//! status line in it. The namespace test (`tests/nat_bootstrap.rs`) feeds the lines the real
//! script prints through this parser, so the script and the parser cannot drift apart.

use ipnet::Ipv4Net;

use super::{nat, Expectations, Status, Verdict};
use crate::inventory::Inventory;

/// `nat.bootstrap`: the last status line on the NAT instance's console says OK for the VPC CIDR.
pub fn bootstrap(e: &Expectations, inv: &Inventory) -> Verdict {
    let (ec2, nat) = match nat::ec2_and_nat(e, inv) {
        Ok(pair) => pair,
        Err(f) => return f,
    };
    let (status, detail) = match ec2.nat_consoles.get(&nat.id) {
        Some(Ok(console)) => judge(&e.vpc_cidr, &nat.id, console),
        Some(Err(err)) => (
            Status::Error,
            format!("could not read the console output of {}: {err}", nat.id),
        ),
        None => (
            Status::Error,
            format!("the console output of {} was not gathered", nat.id),
        ),
    };
    Verdict::new(status, &nat.id, detail)
}

/// What starts a status line's payload.
pub const MARKER: &str = "pipeform-nat:";

/// One status line of nat.sh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BootStatus {
    /// `OK <cidr> via <iface>`: forwarding on, `cidr` masqueraded out of `iface`.
    Ok {
        /// The CIDR as printed.
        cidr: String,
        /// The interface of the default route.
        iface: String,
    },
    /// `FAILED <reason>`.
    Failed {
        /// Why, as printed.
        reason: String,
    },
    /// A line with the marker but neither form (e.g. cut by other console output).
    Unreadable {
        /// The line from the marker on.
        line: String,
    },
}

/// The last status line in `console`, or `None` when it holds none (an emulator's fixed text,
/// an image that prints none, an instance that has not booted yet).
pub fn last_status(console: &str) -> Option<BootStatus> {
    console
        .lines()
        .rev()
        .find_map(|line| line.find(MARKER).map(|at| parse(&line[at..])))
}

/// Parses one line that starts with [`MARKER`]. Anything may come before the marker on the
/// console (another writer's partial line), so callers cut there first.
fn parse(line: &str) -> BootStatus {
    let line = line.trim_end();
    let payload = line[MARKER.len()..].trim();
    let words: Vec<&str> = payload.split_whitespace().collect();
    match words.as_slice() {
        ["OK", cidr, "via", iface] => BootStatus::Ok {
            cidr: (*cidr).to_string(),
            iface: (*iface).to_string(),
        },
        ["FAILED", ..] => BootStatus::Failed {
            reason: payload["FAILED".len()..].trim().to_string(),
        },
        _ => BootStatus::Unreadable {
            line: line.to_string(),
        },
    }
}

/// Judges the console output of `instance` against the VPC CIDR the module was given.
pub fn judge(vpc_cidr: &Ipv4Net, instance: &str, console: &str) -> (Status, String) {
    match last_status(console) {
        None => (
            Status::Skip,
            format!(
                "the console output of {instance} holds no `{MARKER}` status line (an emulator, an image that prints none, or not booted yet)"
            ),
        ),
        Some(BootStatus::Ok { cidr, iface }) => match cidr.parse::<Ipv4Net>() {
            Ok(seen) if seen == *vpc_cidr => (
                Status::Pass,
                format!("forwarding on, {cidr} masqueraded via {iface} (last boot)"),
            ),
            _ => (
                Status::Fail,
                format!(
                    "{instance} masquerades {cidr} via {iface}; expected the VPC CIDR {vpc_cidr}: the DB subnets' traffic is not translated (re-run `pipeform apply` so the user data matches the VPC)"
                ),
            ),
        },
        Some(BootStatus::Failed { reason }) => {
            let reason = if reason.is_empty() {
                "(no reason given)".to_string()
            } else {
                reason
            };
            (
                Status::Fail,
                format!(
                    "the NAT bootstrap on {instance} failed at its last run: {reason}; expected `{MARKER} OK {vpc_cidr} via <iface>` (see `journalctl -u pipeform-nat` on the instance)"
                ),
            )
        }
        Some(BootStatus::Unreadable { line }) => (
            Status::Fail,
            format!(
                "the last status line on the console of {instance} is not understood: {line:?}; expected `{MARKER} OK {vpc_cidr} via <iface>`"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::{ec2, expectations, healthy};
    use crate::inventory::AreaError;

    #[test]
    fn the_check_judges_the_nat_instances_console() {
        let (e, mut inv) = (expectations(), healthy());
        let f = bootstrap(&e, &inv);
        assert_eq!(
            (f.status, f.resource.as_str()),
            (Status::Pass, "i-7"),
            "{f:?}"
        );
        ec2(&mut inv).nat_consoles.insert(
            "i-7".into(),
            Err(AreaError(
                "ec2:GetConsoleOutput failed: AccessDenied".into(),
            )),
        );
        let f = bootstrap(&e, &inv);
        assert_eq!(f.status, Status::Error);
        assert!(f.detail.contains("AccessDenied"), "{}", f.detail);
        ec2(&mut inv).nat_consoles.clear();
        assert_eq!(bootstrap(&e, &inv).status, Status::Error);
        ec2(&mut inv).instances[0].state = "stopped".into();
        assert_eq!(bootstrap(&e, &inv).status, Status::Skip);
    }

    fn cidr() -> Ipv4Net {
        "10.20.0.0/16".parse().expect("cidr")
    }

    #[test]
    fn ok_and_failed_lines_parse() {
        assert_eq!(
            last_status("pipeform-nat: OK 10.20.0.0/16 via ens5\n"),
            Some(BootStatus::Ok {
                cidr: "10.20.0.0/16".into(),
                iface: "ens5".into()
            })
        );
        assert_eq!(
            last_status("pipeform-nat: FAILED no IPv4 default route after 300 s\r\n"),
            Some(BootStatus::Failed {
                reason: "no IPv4 default route after 300 s".into()
            })
        );
        assert_eq!(
            last_status("pipeform-nat: rebooting"),
            Some(BootStatus::Unreadable {
                line: "pipeform-nat: rebooting".into()
            })
        );
    }

    #[test]
    fn the_last_status_line_wins_whatever_surrounds_it() {
        let console = "[    3.1] Linux version 6.1\r\n\
                       pipeform-nat: FAILED no IPv4 default route after 300 s\r\n\
                       [   50.0] reboot: Restarting system\r\n\
                       [    9.2] cloud-init[811]: pipeform-nat: OK 10.20.0.0/16 via ens5\r\n\
                       [   10.0] systemd[1]: Started pipeform-nat.service\r\n";
        assert_eq!(
            judge(&cidr(), "i-7", console),
            (
                Status::Pass,
                "forwarding on, 10.20.0.0/16 masqueraded via ens5 (last boot)".into()
            )
        );
    }

    #[test]
    fn failed_fails_with_the_reason() {
        let console = "pipeform-nat: OK 10.20.0.0/16 via ens5\n\
                       pipeform-nat: FAILED iptables is not installed\n";
        let (status, detail) = judge(&cidr(), "i-7", console);
        assert_eq!(status, Status::Fail);
        assert!(
            detail.contains("on i-7 failed at its last run: iptables is not installed"),
            "{detail}"
        );
        let (status, detail) = judge(&cidr(), "i-7", "pipeform-nat: FAILED");
        assert_eq!(status, Status::Fail);
        assert!(detail.contains("(no reason given)"), "{detail}");
    }

    #[test]
    fn ok_for_another_cidr_fails_and_names_both() {
        let (status, detail) = judge(&cidr(), "i-7", "pipeform-nat: OK 10.99.0.0/16 via ens5\n");
        assert_eq!(status, Status::Fail);
        assert!(
            detail.starts_with(
                "i-7 masquerades 10.99.0.0/16 via ens5; expected the VPC CIDR 10.20.0.0/16"
            ),
            "{detail}"
        );
        let (status, _) = judge(&cidr(), "i-7", "pipeform-nat: OK not-a-cidr via ens5");
        assert_eq!(status, Status::Fail);
    }

    #[test]
    fn an_unreadable_last_line_fails() {
        let (status, detail) = judge(
            &cidr(),
            "i-7",
            "pipeform-nat: OK 10.20.0.0/16 via ens5\npipeform-nat: OK 10.20.0.0/16 via\n",
        );
        assert_eq!(status, Status::Fail);
        assert!(detail.contains("not understood"), "{detail}");
    }

    #[test]
    fn no_status_line_skips() {
        // moto's fixed console text, and an instance with no output yet.
        let moto = "Linux version 2.6.16-xenU (builder@patchbat.amazonsa)\nBuilt 1 zonelists\n";
        for console in [moto, ""] {
            let (status, detail) = judge(&cidr(), "i-7", console);
            assert_eq!(status, Status::Skip, "{console:?}");
            assert!(detail.contains("holds no `pipeform-nat:` status line"));
        }
        // The unit's name is not a status line.
        assert_eq!(last_status("Started pipeform-nat.service"), None);
    }
}
