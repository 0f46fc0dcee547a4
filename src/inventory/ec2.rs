//! EC2: discovery by the `Project` tag, then everything in the project's VPCs (route tables,
//! internet gateways, security groups).
//!
//! Six requests in two rounds ([`discover`] and [`addresses`], then [`in_vpcs`]), and in the
//! second round the console output of each running NAT instance (normally one). The project's VPCs are those of
//! its tagged subnets and instances (the checks only ever look at a subnet's or an instance's
//! VPC), and an instance's ENIs come with DescribeInstances, so neither needs a call of its own.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Filter, Tag};
use aws_sdk_ec2::Client;

use super::{
    sdk_error, tag_map, Address, AllPages, AreaError, Ec2Facts, Instance, InternetGateway,
    Permission, Route, RouteTable, SecurityGroup, Subnet, Tags,
};

fn filter(name: &str, values: &[String]) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.to_vec()))
        .build()
}

fn tags(tags: &[Tag]) -> Tags {
    tag_map(tags.iter().map(|t| (t.key(), t.value())))
}

/// What round 1 finds: the project's tagged subnets and instances, and their VPCs. IAM starts
/// from `instances` while round 2 runs.
#[derive(Debug)]
pub(super) struct Discovered {
    /// The VPCs of `subnets` and `instances`.
    pub vpc_ids: Vec<String>,
    /// Tagged subnets.
    pub subnets: Vec<Subnet>,
    /// Tagged instances that are not terminated.
    pub instances: Vec<Instance>,
}

/// Round 1: what carries the project tag. The region's EIPs ([`addresses`]) are read beside
/// it, not as part of it: round 2 needs only the VPCs, so it does not wait for them.
pub(super) async fn discover(client: &Client, project: &str) -> Result<Discovered, AreaError> {
    let by_tag = || vec![filter("tag:Project", &[project.to_string()])];

    let subnets = async {
        client
            .describe_subnets()
            .set_filters(Some(by_tag()))
            .into_paginator()
            .items()
            .send()
            .all("ec2:DescribeSubnets")
            .await
    };
    let instances = async {
        client
            .describe_instances()
            .set_filters(Some(vec![
                filter("tag:Project", &[project.to_string()]),
                filter(
                    "instance-state-name",
                    &["pending", "running", "stopping", "stopped"].map(String::from),
                ),
            ]))
            .into_paginator()
            .items()
            .send()
            .all("ec2:DescribeInstances")
            .await
    };
    let (subnets, reservations) = tokio::try_join!(subnets, instances)?;

    let mut vpc_ids: Vec<String> = subnets
        .iter()
        .filter_map(|s| s.vpc_id())
        .chain(
            reservations
                .iter()
                .flat_map(|r| r.instances())
                .filter_map(|i| i.vpc_id()),
        )
        .map(String::from)
        .collect();
    vpc_ids.sort();
    vpc_ids.dedup();

    let instances: Vec<Instance> = reservations
        .iter()
        .flat_map(|r| r.instances())
        .filter_map(|i| {
            Some(Instance {
                id: i.instance_id()?.to_string(),
                state: i
                    .state()
                    .and_then(|s| s.name())
                    .map(|n| n.as_str().to_string())
                    .unwrap_or_default(),
                subnet_id: i.subnet_id().map(String::from),
                network_interface_ids: i
                    .network_interfaces()
                    .iter()
                    .filter_map(|n| n.network_interface_id().map(String::from))
                    .collect(),
                source_dest_check: i.source_dest_check(),
                public_ip: i.public_ip_address().map(String::from),
                instance_profile_arn: i
                    .iam_instance_profile()
                    .and_then(|p| p.arn())
                    .map(String::from),
                tags: tags(i.tags()),
            })
        })
        .collect();

    let subnets = subnets
        .iter()
        .filter_map(|s| {
            Some(Subnet {
                id: s.subnet_id()?.to_string(),
                vpc_id: s.vpc_id().unwrap_or_default().to_string(),
                cidr: s.cidr_block().unwrap_or_default().to_string(),
                tags: tags(s.tags()),
            })
        })
        .collect();
    Ok(Discovered {
        vpc_ids,
        subnets,
        instances,
    })
}

/// Round 1, beside [`discover`]: the region's EIPs (few, and the association decides, not the
/// tag).
pub(super) async fn addresses(client: &Client) -> Result<Vec<Address>, AreaError> {
    let out = client
        .describe_addresses()
        .send()
        .await
        .map_err(|e| sdk_error("ec2:DescribeAddresses", e))?;
    Ok(out
        .addresses()
        .iter()
        .map(|a| Address {
            allocation_id: a.allocation_id().map(String::from),
            public_ip: a.public_ip().map(String::from),
            instance_id: a.instance_id().map(String::from),
            network_interface_id: a.network_interface_id().map(String::from),
            tags: tags(a.tags()),
        })
        .collect())
}

/// Round 2: everything in the project's VPCs, whatever its tags; relationships decide. The
/// facts' `addresses` are left empty: the caller fills them from [`addresses`].
pub(super) async fn in_vpcs(client: &Client, found: Discovered) -> Result<Ec2Facts, AreaError> {
    let Discovered {
        vpc_ids,
        subnets,
        instances,
    } = found;
    let round2 = async {
        if vpc_ids.is_empty() {
            return Ok((Vec::new(), Vec::new(), Vec::new()));
        }
        let route_tables = async {
            client
                .describe_route_tables()
                .set_filters(Some(vec![filter("vpc-id", &vpc_ids)]))
                .into_paginator()
                .items()
                .send()
                .all("ec2:DescribeRouteTables")
                .await
        };
        let igws = async {
            client
                .describe_internet_gateways()
                .set_filters(Some(vec![filter("attachment.vpc-id", &vpc_ids)]))
                .into_paginator()
                .items()
                .send()
                .all("ec2:DescribeInternetGateways")
                .await
        };
        let sgs = async {
            client
                .describe_security_groups()
                .set_filters(Some(vec![filter("vpc-id", &vpc_ids)]))
                .into_paginator()
                .items()
                .send()
                .all("ec2:DescribeSecurityGroups")
                .await
        };
        tokio::try_join!(route_tables, igws, sgs)
    };
    let nat_consoles = async {
        let mut out = BTreeMap::new();
        // Normally one NAT instance: one request, beside the three above.
        for i in instances.iter().filter(|i| {
            i.state == "running" && i.tags.get("Role").map(String::as_str) == Some("nat")
        }) {
            out.insert(i.id.clone(), console_output(client, &i.id).await);
        }
        out
    };
    let (round2, nat_consoles) = tokio::join!(round2, nat_consoles);
    let (route_tables, igws, vpc_sgs) = round2?;

    let route_tables = route_tables
        .iter()
        .filter_map(|t| {
            Some(RouteTable {
                id: t.route_table_id()?.to_string(),
                vpc_id: t.vpc_id().unwrap_or_default().to_string(),
                subnet_ids: t
                    .associations()
                    .iter()
                    .filter_map(|a| a.subnet_id().map(String::from))
                    .collect(),
                main: t.associations().iter().any(|a| a.main() == Some(true)),
                routes: t
                    .routes()
                    .iter()
                    .map(|r| Route {
                        destination: r.destination_cidr_block().map(String::from),
                        destination_v6: r.destination_ipv6_cidr_block().map(String::from),
                        gateway_id: r.gateway_id().map(String::from),
                        instance_id: r.instance_id().map(String::from),
                        network_interface_id: r.network_interface_id().map(String::from),
                        nat_gateway_id: r.nat_gateway_id().map(String::from),
                        state: r.state().map(|s| s.as_str().to_string()),
                    })
                    .collect(),
                tags: tags(t.tags()),
            })
        })
        .collect();
    let internet_gateways = igws
        .iter()
        .filter_map(|g| {
            Some(InternetGateway {
                id: g.internet_gateway_id()?.to_string(),
                vpc_ids: g
                    .attachments()
                    .iter()
                    .filter_map(|a| a.vpc_id().map(String::from))
                    .collect(),
            })
        })
        .collect();
    // One listing, so no group appears twice.
    let security_groups = vpc_sgs
        .iter()
        .filter_map(|g| {
            Some(SecurityGroup {
                id: g.group_id()?.to_string(),
                name: g.group_name().unwrap_or_default().to_string(),
                vpc_id: g.vpc_id().map(String::from),
                ingress: g
                    .ip_permissions()
                    .iter()
                    .map(|p| Permission {
                        protocol: p.ip_protocol().unwrap_or("-1").to_string(),
                        from_port: p.from_port(),
                        to_port: p.to_port(),
                        cidrs: p
                            .ip_ranges()
                            .iter()
                            .filter_map(|r| r.cidr_ip().map(String::from))
                            .collect(),
                        cidrs_v6: p
                            .ipv6_ranges()
                            .iter()
                            .filter_map(|r| r.cidr_ipv6().map(String::from))
                            .collect(),
                    })
                    .collect(),
            })
        })
        .collect();
    Ok(Ec2Facts {
        vpc_ids,
        subnets,
        route_tables,
        internet_gateways,
        instances,
        addresses: Vec::new(),
        security_groups,
        nat_consoles,
    })
}

/// The instance's latest console output (the serial console's newest 64 KB, Nitro instances),
/// decoded; empty when EC2 has none yet.
async fn console_output(client: &Client, instance_id: &str) -> Result<String, AreaError> {
    let out = client
        .get_console_output()
        .instance_id(instance_id)
        .latest(true)
        .send()
        .await
        .map_err(|e| sdk_error("ec2:GetConsoleOutput", e))?;
    let Some(encoded) = out.output() else {
        return Ok(String::new());
    };
    let bytes = aws_smithy_types::base64::decode(encoded.trim()).map_err(|e| {
        AreaError(format!(
            "ec2:GetConsoleOutput of {instance_id} returned output that is not base64 ({e})"
        ))
    })?;
    // Console text may hold any byte; the status line is ASCII.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
