//! A healthy stack, built by hand: every check passes on it; tests break one fact at a time.

use chrono::NaiveDate;

use super::Expectations;
use crate::inventory::*;
use crate::prefix::PrefixTemplate;

pub fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn project(role: &str) -> Tags {
    tags(&[("Project", "offsets"), ("Role", role)])
}

pub fn expectations() -> Expectations {
    Expectations {
        project: "offsets".into(),
        region: "ap-northeast-2".into(),
        vpc_cidr: "10.20.0.0/16".parse().expect("valid CIDR"),
        rds_identifier: "offsets-db".into(),
        log_group: "/offsets/carbon_log".into(),
        retention_days: 30,
        failure_pattern: "JOB_STATUS=FAILED".into(),
        metric_namespace: "OffsetsPipeline".into(),
        metric_name: "CarbonUnifiedJobFailed".into(),
        alarm_name: "carbon-unified-job-failed-alarm".into(),
        topic_name: "offsets-alerts".into(),
        bucket: "vcm-bucket25".into(),
        csv_prefix: PrefixTemplate::parse("csv/{date}").expect("valid template"),
        logs_prefix: PrefixTemplate::parse("logs/{date}").expect("valid template"),
        freshness_hours: 26,
        now: "2026-11-22T05:00:00Z".parse().expect("valid time"),
        date: None,
        success_pattern: "JOB_STATUS=SUCCEEDED".into(),
        success_metric_name: "CarbonUnifiedJobFailed-Succeeded".into(),
        missed_run: crate::config::missed_run::MissedRun::Alarm {
            name: "carbon-unified-job-failed-alarm-missed".into(),
            window: crate::config::missed_run::window("0 3 * * *", 60).expect("fits"),
        },
        last_run_window: chrono::Duration::hours(25),
        schedule: crate::config::cron::Schedule::parse("0 3 * * *").ok(),
    }
}

pub const TOPIC: &str = "arn:aws:sns:ap-northeast-2:123456789012:offsets-alerts";
pub const PROFILE: &str = "arn:aws:iam::123456789012:instance-profile/offsets-app";

pub fn day(s: &str) -> NaiveDate {
    s.parse().expect("valid date")
}

pub fn dated(prefix: &str, date: &str) -> DatedPrefix {
    DatedPrefix {
        date: day(date),
        prefix: prefix.into(),
        non_empty: true,
    }
}

pub const WRITER_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":["arn:aws:s3:::vcm-bucket25/csv/*","arn:aws:s3:::vcm-bucket25/logs/*"]},
 {"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:ap-northeast-2:123456789012:log-group:/offsets/carbon_log:*"}]}"#;

pub fn healthy() -> Inventory {
    let route = |dest: &str| Route {
        destination: Some(dest.into()),
        state: Some("active".into()),
        ..Route::default()
    };
    let ec2 = Ec2Facts {
        vpc_ids: vec!["vpc-1".into()],
        subnets: vec![
            Subnet {
                id: "subnet-1".into(),
                vpc_id: "vpc-1".into(),
                cidr: "10.20.1.0/24".into(),
                tags: project("subnet-public"),
            },
            Subnet {
                id: "subnet-2".into(),
                vpc_id: "vpc-1".into(),
                cidr: "10.20.2.0/24".into(),
                tags: project("subnet-public"),
            },
            Subnet {
                id: "subnet-3".into(),
                vpc_id: "vpc-1".into(),
                cidr: "10.20.101.0/24".into(),
                tags: project("subnet-db"),
            },
            Subnet {
                id: "subnet-4".into(),
                vpc_id: "vpc-1".into(),
                cidr: "10.20.102.0/24".into(),
                tags: project("subnet-db"),
            },
        ],
        route_tables: vec![
            RouteTable {
                id: "rtb-1".into(),
                vpc_id: "vpc-1".into(),
                subnet_ids: vec!["subnet-1".into(), "subnet-2".into()],
                main: false,
                routes: vec![
                    Route {
                        gateway_id: Some("local".into()),
                        ..route("10.20.0.0/16")
                    },
                    Route {
                        gateway_id: Some("igw-9".into()),
                        ..route("0.0.0.0/0")
                    },
                ],
                tags: project("rt-public"),
            },
            RouteTable {
                id: "rtb-2".into(),
                vpc_id: "vpc-1".into(),
                subnet_ids: vec!["subnet-3".into(), "subnet-4".into()],
                main: false,
                routes: vec![
                    Route {
                        gateway_id: Some("local".into()),
                        ..route("10.20.0.0/16")
                    },
                    Route {
                        network_interface_id: Some("eni-3".into()),
                        ..route("0.0.0.0/0")
                    },
                ],
                tags: project("rt-private"),
            },
            RouteTable {
                id: "rtb-main".into(),
                vpc_id: "vpc-1".into(),
                subnet_ids: vec![],
                main: true,
                routes: vec![Route {
                    gateway_id: Some("local".into()),
                    ..route("10.20.0.0/16")
                }],
                tags: Tags::new(),
            },
        ],
        internet_gateways: vec![InternetGateway {
            id: "igw-9".into(),
            vpc_ids: vec!["vpc-1".into()],
        }],
        instances: vec![
            Instance {
                id: "i-7".into(),
                state: "running".into(),
                subnet_id: Some("subnet-1".into()),
                network_interface_ids: vec!["eni-3".into()],
                source_dest_check: Some(false),
                public_ip: Some("3.34.1.2".into()),
                instance_profile_arn: None,
                tags: project("nat"),
            },
            Instance {
                id: "i-8".into(),
                state: "running".into(),
                subnet_id: Some("subnet-1".into()),
                network_interface_ids: vec!["eni-4".into()],
                source_dest_check: Some(true),
                public_ip: Some("3.34.1.3".into()),
                instance_profile_arn: Some(PROFILE.into()),
                tags: project("app"),
            },
        ],
        addresses: vec![Address {
            allocation_id: Some("eipalloc-1".into()),
            public_ip: Some("3.34.1.2".into()),
            instance_id: Some("i-7".into()),
            network_interface_id: Some("eni-3".into()),
            tags: project("nat"),
        }],
        security_groups: vec![
            SecurityGroup {
                id: "sg-1".into(),
                name: "offsets-nat".into(),
                vpc_id: Some("vpc-1".into()),
                ingress: vec![Permission {
                    protocol: "-1".into(),
                    from_port: None,
                    to_port: None,
                    cidrs: vec!["10.20.101.0/24".into(), "10.20.102.0/24".into()],
                    cidrs_v6: vec![],
                }],
            },
            SecurityGroup {
                id: "sg-2".into(),
                name: "offsets-app".into(),
                vpc_id: Some("vpc-1".into()),
                ingress: vec![Permission {
                    protocol: "tcp".into(),
                    from_port: Some(22),
                    to_port: Some(22),
                    cidrs: vec!["203.0.113.10/32".into()],
                    cidrs_v6: vec![],
                }],
            },
        ],
        nat_consoles: [(
            "i-7".to_string(),
            Ok(
                "[    9.1] cloud-init[811]: Cloud-init v. 22.2.2 running 'modules:final'\r\n\
                pipeform-nat: OK 10.20.0.0/16 via ens5\r\n"
                    .to_string(),
            ),
        )]
        .into(),
    };
    Inventory {
        ec2: Some(Ok(ec2)),
        rds: Some(Ok(RdsFacts {
            instance: Some(DbInstance {
                identifier: "offsets-db".into(),
                publicly_accessible: false,
                storage_encrypted: true,
                subnet_ids: vec!["subnet-3".into(), "subnet-4".into()],
            }),
        })),
        alarm: Some(Ok(AlarmFacts {
            alarm: Some(MetricAlarm {
                name: "carbon-unified-job-failed-alarm".into(),
                arn: Some("arn:aws:cloudwatch:ap-northeast-2:123456789012:alarm:carbon-unified-job-failed-alarm".into()),
                namespace: Some("OffsetsPipeline".into()),
                metric_name: Some("CarbonUnifiedJobFailed".into()),
                statistic: Some("Sum".into()),
                threshold: Some(1.0),
                comparison: Some("GreaterThanOrEqualToThreshold".into()),
                alarm_actions: vec![TOPIC.into()],
                ok_actions: vec![TOPIC.into()],
                treat_missing_data: Some("notBreaching".into()),
                period: Some(300),
                evaluation_periods: Some(1),
            }),
            missed_run: Some(MetricAlarm {
                name: "carbon-unified-job-failed-alarm-missed".into(),
                arn: Some("arn:aws:cloudwatch:ap-northeast-2:123456789012:alarm:carbon-unified-job-failed-alarm-missed".into()),
                namespace: Some("OffsetsPipeline".into()),
                metric_name: Some("CarbonUnifiedJobFailed-Succeeded".into()),
                statistic: Some("Sum".into()),
                threshold: Some(1.0),
                comparison: Some("LessThanThreshold".into()),
                alarm_actions: vec![TOPIC.into()],
                ok_actions: vec![TOPIC.into()],
                treat_missing_data: Some("breaching".into()),
                period: Some(3600),
                evaluation_periods: Some(25),
            }),
        })),
        logs: Some(Ok(LogsFacts {
            group: Some(LogGroup {
                name: "/offsets/carbon_log".into(),
                retention_days: Some(30),
                arn: Some(
                    "arn:aws:logs:ap-northeast-2:123456789012:log-group:/offsets/carbon_log:*"
                        .into(),
                ),
            }),
            metric_filters: vec![
                MetricFilter {
                    name: "job-failed".into(),
                    pattern: "JOB_STATUS=FAILED".into(),
                    metrics: vec![("OffsetsPipeline".into(), "CarbonUnifiedJobFailed".into())],
                },
                MetricFilter {
                    name: "job-succeeded".into(),
                    pattern: "JOB_STATUS=SUCCEEDED".into(),
                    metrics: vec![(
                        "OffsetsPipeline".into(),
                        "CarbonUnifiedJobFailed-Succeeded".into(),
                    )],
                },
            ],
            // 2026-11-22T03:00:05Z, two hours before the fixtures' `now`.
            last_status: Some(StatusEvent {
                at_ms: 1_795_316_405_000,
                message: "2026-11-22T03:00:05.000Z INFO JOB_STATUS=SUCCEEDED".into(),
                stream: "ip-10-20-1-17/2026-11-22".into(),
            }),
            remote_test: Some(RemoteTest::NotAvailable(
                "the endpoint does not implement it".into(),
            )),
        })),
        sns: Some(Ok(SnsFacts {
            topic_arn: Some(TOPIC.into()),
            subscriptions: vec![Subscription {
                arn: format!("{TOPIC}:5f1c"),
                protocol: "email".into(),
                endpoint: "ops@example.com".into(),
            }],
        })),
        bucket: Some(Ok(BucketFacts {
            exists: true,
            public_access_block: Some(PublicAccessBlock {
                block_public_acls: true,
                ignore_public_acls: true,
                block_public_policy: true,
                restrict_public_buckets: true,
            }),
            encryption: vec!["AES256".into()],
        })),
        prefixes: Some(Ok(PrefixFacts {
            csv: TemplateFacts {
                newest: Some(dated("csv/2026-11-22/", "2026-11-22")),
                on_date: None,
            },
            logs: TemplateFacts {
                newest: Some(dated("logs/2026-11-21/", "2026-11-21")),
                on_date: None,
            },
        })),
        iam: Some(Ok(IamFacts {
            app_instance_id: Some("i-8".into()),
            instance_profile_arn: Some(PROFILE.into()),
            role_name: Some("offsets-app".into()),
            policies: vec![("offsets-app/writer (inline)".into(), WRITER_POLICY.into())],
        })),
    }
}

/// The EC2 facts of an inventory built here.
pub fn ec2(inv: &mut Inventory) -> &mut Ec2Facts {
    match &mut inv.ec2 {
        Some(Ok(f)) => f,
        _ => panic!("fixture inventory has EC2 facts"),
    }
}

/// The facts of any area of an inventory built here.
pub fn area<T>(a: &mut Area<T>) -> &mut T {
    match a {
        Some(Ok(f)) => f,
        _ => panic!("fixture inventory has this area"),
    }
}
