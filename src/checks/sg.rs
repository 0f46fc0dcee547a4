//! Security groups: no SSH from the whole internet.

use super::{facts, Expectations, Status, Verdict};
use crate::inventory::{Inventory, Permission};

/// Whether the rule's protocol and port range include TCP port 22.
fn covers_ssh(p: &Permission) -> bool {
    match p.protocol.as_str() {
        "-1" | "all" => true,
        "tcp" | "6" => {
            let from = p.from_port.unwrap_or(-1);
            let to = p.to_port.unwrap_or(-1);
            // -1/absent ports mean all ports.
            (from == -1 && to == -1) || (from <= 22 && 22 <= to)
        }
        _ => false,
    }
}

fn describe(p: &Permission) -> String {
    match (p.protocol.as_str(), p.from_port, p.to_port) {
        ("-1" | "all", _, _) => "all traffic".to_string(),
        (proto, Some(f), Some(t)) if f == t => format!("{proto} {f}"),
        (proto, Some(f), Some(t)) if f >= 0 => format!("{proto} {f}-{t}"),
        (proto, _, _) => format!("{proto} all ports"),
    }
}

/// `sg.ssh_open`: no project security group allows port 22 from 0.0.0.0/0 or ::/0.
pub fn ssh_open(e: &Expectations, inv: &Inventory) -> Verdict {
    let ec2 = match facts(&inv.ec2, "EC2", "") {
        Ok(f) => f,
        Err(f) => return f,
    };
    if ec2.security_groups.is_empty() {
        return Verdict::new(
            Status::Skip,
            "",
            format!("no security group of project {} found", e.project),
        );
    }
    let mut open = Vec::new();
    let mut ids = Vec::new();
    for g in &ec2.security_groups {
        for p in g.ingress.iter().filter(|p| covers_ssh(p)) {
            let world: Vec<&str> = p
                .cidrs
                .iter()
                .chain(p.cidrs_v6.iter())
                .map(String::as_str)
                .filter(|c| *c == "0.0.0.0/0" || *c == "::/0")
                .collect();
            if !world.is_empty() {
                open.push(format!(
                    "{} ({}) allows {} from {}",
                    g.id,
                    g.name,
                    describe(p),
                    world.join(" and ")
                ));
                if !ids.contains(&g.id.as_str()) {
                    ids.push(g.id.as_str());
                }
            }
        }
    }
    if open.is_empty() {
        Verdict::new(
            Status::Pass,
            format!("{} groups", ec2.security_groups.len()),
            "no group opens port 22 to 0.0.0.0/0 or ::/0",
        )
    } else {
        Verdict::new(
            Status::Fail,
            ids.join(","),
            format!(
                "{}; expected SSH only from app.ssh_allowed_cidrs",
                open.join("; ")
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::{ec2, expectations, healthy};
    use crate::inventory::AreaError;

    fn rule(
        protocol: &str,
        from: Option<i32>,
        to: Option<i32>,
        v4: &[&str],
        v6: &[&str],
    ) -> Permission {
        Permission {
            protocol: protocol.into(),
            from_port: from,
            to_port: to,
            cidrs: v4.iter().map(|s| s.to_string()).collect(),
            cidrs_v6: v6.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn world_open_ranges_fail() {
        let e = expectations();
        for (r, shown) in [
            (
                rule("tcp", Some(22), Some(22), &["0.0.0.0/0"], &[]),
                "tcp 22 from 0.0.0.0/0",
            ),
            (
                rule("tcp", Some(0), Some(65535), &[], &["::/0"]),
                "tcp 0-65535 from ::/0",
            ),
            (
                rule("-1", None, None, &["0.0.0.0/0"], &["::/0"]),
                "all traffic from 0.0.0.0/0 and ::/0",
            ),
        ] {
            let mut inv = healthy();
            ec2(&mut inv).security_groups[1].ingress.push(r);
            let f = ssh_open(&e, &inv);
            assert_eq!(f.status, Status::Fail);
            assert_eq!(f.detail, format!("sg-2 (offsets-app) allows {shown}; expected SSH only from app.ssh_allowed_cidrs"));
        }
    }

    #[test]
    fn other_ports_and_narrow_sources_pass() {
        let (e, mut inv) = (expectations(), healthy());
        assert_eq!(ssh_open(&e, &inv).status, Status::Pass);
        let g = &mut ec2(&mut inv).security_groups[1].ingress;
        g.push(rule("tcp", Some(443), Some(443), &["0.0.0.0/0"], &[]));
        g.push(rule("udp", Some(0), Some(65535), &["0.0.0.0/0"], &[]));
        g.push(rule("tcp", Some(22), Some(22), &["10.0.0.0/8"], &[]));
        assert_eq!(ssh_open(&e, &inv).status, Status::Pass);
        ec2(&mut inv).security_groups.clear();
        assert_eq!(ssh_open(&e, &inv).status, Status::Skip);
        inv.ec2 = Some(Err(AreaError("x".into())));
        assert_eq!(ssh_open(&e, &inv).status, Status::Error);
    }
}
