//! NAT instance, its EIP, and the default routes of both subnet tiers.

use super::{facts, Status, Verdict};
use crate::checks::Expectations;
use crate::inventory::{Ec2Facts, Instance, Inventory, RouteTable};

fn role(tags: &crate::inventory::Tags) -> Option<&str> {
    tags.get("Role").map(String::as_str)
}

/// The single running NAT instance, or the finding that says why there is none.
fn the_nat<'a>(e: &Expectations, ec2: &'a Ec2Facts) -> Result<&'a Instance, Verdict> {
    let running: Vec<&Instance> = ec2
        .instances
        .iter()
        .filter(|i| role(&i.tags) == Some("nat") && i.state == "running")
        .collect();
    match running.as_slice() {
        [one] => Ok(one),
        _ => Err(Verdict::new(
            Status::Skip,
            "",
            format!(
                "no single running NAT instance (Project={}, Role=nat) to judge; see nat.instance",
                e.project
            ),
        )),
    }
}

/// The EC2 facts and the single running NAT instance, or the finding that says why not.
pub(super) fn ec2_and_nat<'a>(
    e: &Expectations,
    inv: &'a Inventory,
) -> Result<(&'a Ec2Facts, &'a Instance), Verdict> {
    let ec2 = facts(&inv.ec2, "EC2", "")?;
    Ok((ec2, the_nat(e, ec2)?))
}

/// True when an instance id or ENI (of a route or an address) is the NAT instance's.
fn points_at_nat(
    nat: &Instance,
    enis: &[String],
    instance: Option<&str>,
    eni: Option<&String>,
) -> bool {
    instance == Some(nat.id.as_str()) || eni.is_some_and(|n| enis.contains(n))
}

/// `nat.instance`: exactly one running `nat` instance, in a `subnet-public` subnet.
pub fn instance(e: &Expectations, inv: &Inventory) -> Verdict {
    let ec2 = match facts(&inv.ec2, "EC2", "") {
        Ok(f) => f,
        Err(f) => return f,
    };
    let nats: Vec<&Instance> = ec2
        .instances
        .iter()
        .filter(|i| role(&i.tags) == Some("nat"))
        .collect();
    let running: Vec<&&Instance> = nats.iter().filter(|i| i.state == "running").collect();
    match running.as_slice() {
        [] => {
            let others = nats
                .iter()
                .map(|i| format!("{} ({})", i.id, i.state))
                .collect::<Vec<_>>();
            let seen = if others.is_empty() {
                String::new()
            } else {
                format!(" (found {})", others.join(", "))
            };
            Verdict::new(
                Status::Fail,
                "",
                format!(
                    "no running instance tagged Project={}, Role=nat{seen}; expected exactly one",
                    e.project
                ),
            )
        }
        [nat] => {
            let subnet = nat
                .subnet_id
                .as_deref()
                .and_then(|s| ec2.subnets.iter().find(|x| x.id == s));
            match subnet {
                Some(s) if role(&s.tags) == Some("subnet-public") => Verdict::new(
                    Status::Pass,
                    &nat.id,
                    format!("running in public subnet {}", s.id),
                ),
                Some(s) => Verdict::new(
                    Status::Fail,
                    &nat.id,
                    format!(
                        "{} runs in subnet {} (Role={}); expected a subnet-public subnet",
                        nat.id,
                        s.id,
                        role(&s.tags).unwrap_or("none")
                    ),
                ),
                None => Verdict::new(
                    Status::Fail,
                    &nat.id,
                    format!(
                        "{} runs in subnet {}, which is not a subnet of project {}; expected a subnet-public subnet",
                        nat.id,
                        nat.subnet_id.as_deref().unwrap_or("(none)"),
                        e.project
                    ),
                ),
            }
        }
        many => Verdict::new(
            Status::Fail,
            many.iter()
                .map(|i| i.id.as_str())
                .collect::<Vec<_>>()
                .join(","),
            format!(
                "{} running instances tagged Role=nat ({}); expected exactly one",
                many.len(),
                many.iter()
                    .map(|i| i.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    }
}

/// `nat.source_dest_check`: disabled on the NAT instance.
pub fn source_dest_check(e: &Expectations, inv: &Inventory) -> Verdict {
    let (_, nat) = match ec2_and_nat(e, inv) {
        Ok(pair) => pair,
        Err(f) => return f,
    };
    match nat.source_dest_check {
        Some(false) => Verdict::new(Status::Pass, &nat.id, "source/destination check disabled"),
        Some(true) => Verdict::new(
            Status::Fail,
            &nat.id,
            format!(
                "{} has source/destination check enabled; expected disabled, or it drops the traffic it should forward for the DB subnets",
                nat.id
            ),
        ),
        None => Verdict::new(
            Status::Error,
            &nat.id,
            format!("EC2 did not report the sourceDestCheck attribute of {}", nat.id),
        ),
    }
}

/// `nat.eip`: an Elastic IP is associated with the NAT instance.
pub fn eip(e: &Expectations, inv: &Inventory) -> Verdict {
    let (ec2, nat) = match ec2_and_nat(e, inv) {
        Ok(pair) => pair,
        Err(f) => return f,
    };
    let enis = nat.network_interface_ids.clone();
    let associated = ec2.addresses.iter().find(|a| {
        points_at_nat(
            nat,
            &enis,
            a.instance_id.as_deref(),
            a.network_interface_id.as_ref(),
        )
    });
    match associated {
        Some(a) => Verdict::new(
            Status::Pass,
            &nat.id,
            format!(
                "{} ({})",
                a.allocation_id.as_deref().unwrap_or("eip"),
                a.public_ip.as_deref().unwrap_or("?")
            ),
        ),
        None => {
            let idle: Vec<&str> = ec2
                .addresses
                .iter()
                .filter(|a| {
                    a.instance_id.is_none()
                        && a.network_interface_id.is_none()
                        && role(&a.tags) == Some("nat")
                })
                .filter_map(|a| a.allocation_id.as_deref())
                .collect();
            let hint = if idle.is_empty() {
                String::new()
            } else {
                format!(" ({} tagged Role=nat is not associated)", idle.join(", "))
            };
            Verdict::new(
                Status::Fail,
                &nat.id,
                format!("no Elastic IP is associated with {}{hint}; expected one, so the DB subnets' traffic leaves from a fixed address", nat.id),
            )
        }
    }
}

/// The route table that governs `subnet`: its explicit association, else its VPC's main table.
fn table_of<'a>(ec2: &'a Ec2Facts, subnet_id: &str, vpc_id: &str) -> Option<&'a RouteTable> {
    ec2.route_tables
        .iter()
        .find(|t| t.subnet_ids.iter().any(|s| s == subnet_id))
        .or_else(|| {
            ec2.route_tables
                .iter()
                .find(|t| t.main && t.vpc_id == vpc_id)
        })
}

/// Route tables of the subnets with `subnet_role`, each with the subnets it governs.
fn tables_for<'a>(
    ec2: &'a Ec2Facts,
    subnet_role: &str,
) -> (Vec<(&'a RouteTable, Vec<&'a str>)>, Vec<&'a str>) {
    let mut tables: Vec<(&RouteTable, Vec<&str>)> = Vec::new();
    let mut orphans = Vec::new();
    for s in ec2
        .subnets
        .iter()
        .filter(|s| role(&s.tags) == Some(subnet_role))
    {
        match table_of(ec2, &s.id, &s.vpc_id) {
            Some(t) => match tables.iter_mut().find(|(x, _)| x.id == t.id) {
                Some((_, subnets)) => subnets.push(&s.id),
                None => tables.push((t, vec![&s.id])),
            },
            None => orphans.push(s.id.as_str()),
        }
    }
    (tables, orphans)
}

fn default_route(t: &RouteTable) -> Option<&crate::inventory::Route> {
    t.routes
        .iter()
        .find(|r| r.destination.as_deref() == Some("0.0.0.0/0"))
}

/// Judges the default route of every table of `subnet_role` with `ok(route) -> bool`.
fn judge_routes(
    ec2: &Ec2Facts,
    subnet_role: &str,
    tier: &str,
    expected: &str,
    ok: impl Fn(&crate::inventory::Route) -> bool,
) -> Verdict {
    let (tables, orphans) = tables_for(ec2, subnet_role);
    if tables.is_empty() && orphans.is_empty() {
        return Verdict::new(
            Status::Fail,
            "",
            format!("no subnet tagged Role={subnet_role}; expected {tier} subnets whose default route goes to {expected}"),
        );
    }
    let mut problems = Vec::new();
    for o in &orphans {
        problems.push(format!(
            "{tier} subnet {o} has no route table; expected one sending 0.0.0.0/0 to {expected}"
        ));
    }
    let mut good = Vec::new();
    for (t, subnets) in &tables {
        let which = format!(
            "{} (associated with {tier} subnet{} {})",
            t.id,
            if subnets.len() > 1 { "s" } else { "" },
            subnets.join(", ")
        );
        match default_route(t) {
            None => problems.push(format!(
                "{which} has no 0.0.0.0/0 route; expected one to {expected}"
            )),
            Some(r) if r.state.as_deref() == Some("blackhole") => problems.push(format!(
                "{which} sends 0.0.0.0/0 to {}, which is a blackhole; expected {expected}",
                r.target()
            )),
            Some(r) if ok(r) => good.push(format!("{} -> {}", t.id, r.target())),
            Some(r) => problems.push(format!(
                "{which} sends 0.0.0.0/0 to {}; expected {expected}",
                r.target()
            )),
        }
    }
    let resource = tables
        .iter()
        .map(|(t, _)| t.id.as_str())
        .collect::<Vec<_>>()
        .join(",");
    if problems.is_empty() {
        Verdict::new(Status::Pass, resource, good.join("; "))
    } else {
        Verdict::new(Status::Fail, resource, problems.join("; "))
    }
}

/// `nat.private_route`: DB subnets' tables send 0.0.0.0/0 to the NAT instance.
pub fn private_route(e: &Expectations, inv: &Inventory) -> Verdict {
    let (ec2, nat) = match ec2_and_nat(e, inv) {
        Ok(pair) => pair,
        Err(f) => return f,
    };
    let enis = nat.network_interface_ids.clone();
    let expected = format!("the NAT instance {} ({})", nat.id, enis.join(", "));
    judge_routes(ec2, "subnet-db", "db", &expected, |r| {
        points_at_nat(
            nat,
            &enis,
            r.instance_id.as_deref(),
            r.network_interface_id.as_ref(),
        )
    })
}

/// `nat.public_route`: public subnets' tables send 0.0.0.0/0 to the VPC's internet gateway.
pub fn public_route(_e: &Expectations, inv: &Inventory) -> Verdict {
    let ec2 = match facts(&inv.ec2, "EC2", "") {
        Ok(f) => f,
        Err(f) => return f,
    };
    let igws: Vec<&str> = ec2
        .internet_gateways
        .iter()
        .map(|g| g.id.as_str())
        .collect();
    let expected = if igws.is_empty() {
        "the VPC's internet gateway (none is attached)".to_string()
    } else {
        format!("the VPC's internet gateway {}", igws.join(", "))
    };
    judge_routes(ec2, "subnet-public", "public", &expected, |r| {
        r.gateway_id
            .as_ref()
            .is_some_and(|g| ec2.internet_gateways.iter().any(|i| &i.id == g))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::{ec2, expectations, healthy};
    use crate::inventory::AreaError;

    #[test]
    fn healthy_stack_passes() {
        let (e, inv) = (expectations(), healthy());
        for f in [
            instance(&e, &inv),
            source_dest_check(&e, &inv),
            eip(&e, &inv),
            private_route(&e, &inv),
            public_route(&e, &inv),
        ] {
            assert_eq!(f.status, Status::Pass, "{f:?}");
        }
        assert_eq!(eip(&e, &inv).detail, "eipalloc-1 (3.34.1.2)");
    }

    #[test]
    fn private_route_to_the_igw_fails_and_names_both() {
        let (e, mut inv) = (expectations(), healthy());
        let r = &mut ec2(&mut inv).route_tables[1].routes[1];
        r.network_interface_id = None;
        r.gateway_id = Some("igw-9".into());
        let f = private_route(&e, &inv);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(
            f.detail,
            "rtb-2 (associated with db subnets subnet-3, subnet-4) sends 0.0.0.0/0 to igw-9; expected the NAT instance i-7 (eni-3)"
        );
        assert_eq!(public_route(&e, &inv).status, Status::Pass);
    }

    #[test]
    fn route_by_instance_id_passes_and_blackhole_fails() {
        let (e, mut inv) = (expectations(), healthy());
        let r = &mut ec2(&mut inv).route_tables[1].routes[1];
        r.network_interface_id = None;
        r.instance_id = Some("i-7".into());
        assert_eq!(private_route(&e, &inv).status, Status::Pass);
        ec2(&mut inv).route_tables[1].routes[1].state = Some("blackhole".into());
        assert!(private_route(&e, &inv).detail.contains("blackhole"));
    }

    #[test]
    fn public_subnet_without_igw_route_fails() {
        let (e, mut inv) = (expectations(), healthy());
        ec2(&mut inv).route_tables[0].routes.truncate(1);
        let f = public_route(&e, &inv);
        assert_eq!(f.status, Status::Fail);
        assert!(
            f.detail.contains(
                "rtb-1 (associated with public subnets subnet-1, subnet-2) has no 0.0.0.0/0 route"
            ),
            "{}",
            f.detail
        );
    }

    #[test]
    fn unassociated_subnet_falls_back_to_the_main_table() {
        let (e, mut inv) = (expectations(), healthy());
        ec2(&mut inv).route_tables[1]
            .subnet_ids
            .retain(|s| s != "subnet-4");
        let f = private_route(&e, &inv);
        assert_eq!(f.status, Status::Fail);
        assert!(
            f.detail
                .contains("rtb-main (associated with db subnet subnet-4) has no 0.0.0.0/0 route"),
            "{}",
            f.detail
        );
    }

    #[test]
    fn source_dest_check_and_eip_faults() {
        let (e, mut inv) = (expectations(), healthy());
        ec2(&mut inv).instances[0].source_dest_check = Some(true);
        ec2(&mut inv).addresses[0].instance_id = None;
        ec2(&mut inv).addresses[0].network_interface_id = None;
        assert_eq!(source_dest_check(&e, &inv).status, Status::Fail);
        let f = eip(&e, &inv);
        assert_eq!(f.status, Status::Fail);
        assert!(
            f.detail
                .contains("eipalloc-1 tagged Role=nat is not associated"),
            "{}",
            f.detail
        );
        ec2(&mut inv).instances[0].source_dest_check = None;
        assert_eq!(source_dest_check(&e, &inv).status, Status::Error);
    }

    #[test]
    fn missing_or_misplaced_nat_fails_and_dependents_skip() {
        let (e, mut inv) = (expectations(), healthy());
        ec2(&mut inv).instances[0].subnet_id = Some("subnet-3".into());
        let f = instance(&e, &inv);
        assert_eq!(f.status, Status::Fail);
        assert!(
            f.detail.contains("subnet-3 (Role=subnet-db)"),
            "{}",
            f.detail
        );
        ec2(&mut inv).instances[0].state = "stopped".into();
        let f = instance(&e, &inv);
        assert_eq!(f.detail, "no running instance tagged Project=offsets, Role=nat (found i-7 (stopped)); expected exactly one");
        for f in [
            source_dest_check(&e, &inv),
            eip(&e, &inv),
            private_route(&e, &inv),
        ] {
            assert_eq!(f.status, Status::Skip, "{f:?}");
        }
        let mut twin = ec2(&mut inv).instances[0].clone();
        ec2(&mut inv).instances[0].state = "running".into();
        twin.id = "i-70".into();
        twin.state = "running".into();
        ec2(&mut inv).instances.push(twin);
        assert!(instance(&e, &inv).detail.starts_with("2 running instances"));
    }

    #[test]
    fn ec2_error_makes_every_nat_check_an_error() {
        let (e, mut inv) = (expectations(), healthy());
        inv.ec2 = Some(Err(AreaError("ec2:DescribeVpcs failed: timeout".into())));
        for f in [
            instance(&e, &inv),
            source_dest_check(&e, &inv),
            eip(&e, &inv),
            private_route(&e, &inv),
            public_route(&e, &inv),
        ] {
            assert_eq!(f.status, Status::Error);
            assert!(f.detail.contains("timeout"));
        }
    }
}
