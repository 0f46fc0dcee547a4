//! The audit over real `terraform show -json` documents of refresh-only plans, recorded against
//! moto (testdata/, trimmed to `resource_drift` and the resource list of `prior_state`).

use super::*;
use serde_json::json;

const FIVE_FAULTS: &str = include_str!("testdata/five-faults.json");
const FIRST_REFRESH: &str = include_str!("testdata/first-refresh.json");

fn refreshed(doc: &str) -> Refreshed {
    let doc: Value = serde_json::from_str(doc).expect("fixture is JSON");
    Refreshed::from_show_json(&doc).expect("fixture is a plan")
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).expect("date")
}

fn attr<'a>(a: &'a Audit, address: &str, path: &str) -> &'a DriftedAttribute {
    a.drift_of(address)
        .unwrap_or_else(|| panic!("{address} not drifted: {:#?}", a.drift))
        .attributes
        .iter()
        .find(|x| x.path == path)
        .unwrap_or_else(|| panic!("{address} {path} not listed: {:#?}", a.drift_of(address)))
}

const LOG_GROUP: &str = "module.cloudwatch.aws_cloudwatch_log_group.this";
const ALARM: &str = "module.cloudwatch.aws_cloudwatch_metric_alarm.this";
const NAT: &str = "module.nat.aws_instance.this";
const ROUTE: &str = "module.private_route.aws_route.default";
const ROUTE_TABLE: &str = "module.private_route.aws_route_table.this";
const APP_SG: &str = "module.app_sg.aws_security_group.this";
const DB: &str = "module.rds.aws_db_instance.this";

#[test]
fn five_faults_are_each_listed_with_path_state_and_live() {
    let a = audit(&refreshed(FIVE_FAULTS), &Waivers::default(), today());
    let drifted: Vec<&str> = a.drift.iter().map(|d| d.address.as_str()).collect();
    assert_eq!(
        drifted,
        vec![APP_SG, LOG_GROUP, ALARM, NAT, ROUTE, ROUTE_TABLE]
    );

    let r = attr(&a, LOG_GROUP, "retention_in_days");
    assert_eq!((&r.state, &r.live), (&json!(30), &json!(7)));
    assert_eq!(a.drift_of(LOG_GROUP).map(|d| d.attributes.len()), Some(1));

    let arn = "arn:aws:sns:ap-northeast-2:123456789012:offsets-alerts";
    let r = attr(&a, ALARM, "alarm_actions");
    assert_eq!((&r.state, &r.live), (&json!([arn]), &json!([])));

    let r = attr(&a, NAT, "source_dest_check");
    assert_eq!((&r.state, &r.live), (&json!(false), &json!(true)));
    assert_eq!(a.drift_of(NAT).map(|d| d.attributes.len()), Some(1));

    let route = a.drift_of(ROUTE).expect("route drifted");
    assert_eq!(route.action, "delete");
    let r = attr(&a, ROUTE, "destination_cidr_block");
    assert_eq!((&r.state, &r.live), (&json!("0.0.0.0/0"), &Value::Null));
    let r = attr(&a, ROUTE_TABLE, "route");
    assert_eq!(r.live, json!([]));

    // The rule added by hand is one extra element; the managed SSH rule is not mentioned.
    let sg = a.drift_of(APP_SG).expect("sg drifted");
    assert_eq!(sg.attributes.len(), 1, "{sg:#?}");
    let rule = &sg.attributes[0];
    assert!(rule.path.starts_with("ingress["), "{}", rule.path);
    assert_eq!(rule.state, Value::Null);
    assert_eq!(rule.live["from_port"], json!(443));
    assert_eq!(rule.live["cidr_blocks"], json!(["198.51.100.0/24"]));

    // moto's ever-advancing restore time is ignored, and listed.
    assert!(a.drift_of(DB).is_none());
    let ignored: Vec<(&str, &str)> = a
        .ignored
        .iter()
        .map(|i| (i.address.as_str(), i.path.as_str()))
        .collect();
    assert_eq!(ignored, vec![(DB, "latest_restorable_time")]);
    assert!(matches!(a.ignored[0].because, IgnoredBecause::Volatile(_)));

    // Every managed resource is checked, including the route that is gone.
    assert!(a.resources.len() > 30, "{}", a.resources.len());
    assert!(a.resources.iter().any(|m| m.address == ROUTE));
    assert!(a.has_drift());
}

#[test]
fn first_refresh_null_vs_empty_differences_are_not_drift() {
    let r = refreshed(FIRST_REFRESH);
    let a = audit(&r, &Waivers::default(), today());
    // These resources differ only in `{}`/`[]` vs null, which Terraform treats as equal.
    for quiet in [
        "module.app.aws_launch_template.this",
        "module.cloudwatch.aws_cloudwatch_log_metric_filter.this",
        ALARM,
        DB,
    ] {
        assert!(
            r.drift.iter().any(|d| d.address == quiet),
            "{quiet} should be in the fixture's resource_drift"
        );
        assert!(
            a.drift_of(quiet).is_none(),
            "{quiet}: {:#?}",
            a.drift_of(quiet)
        );
    }
    // The instance's root_block_device.tags null vs {} is no difference either.
    let app = a.drift_of("module.app.aws_instance.this").expect("app");
    assert!(
        app.attributes
            .iter()
            .all(|x| !x.path.starts_with("root_block_device")),
        "{app:#?}"
    );
}

fn waivers(text: &str) -> Waivers {
    Waivers::parse(std::path::Path::new("w.toml"), text).expect("waivers parse")
}

#[test]
fn a_live_waiver_moves_a_difference_to_ignored() {
    let w = waivers(&format!(
        "[[waiver]]\naddress = \"{LOG_GROUP}\"\nattribute = \"retention_in_days\"\nreason = \"INC-7\"\nexpires = 2026-12-31\n"
    ));
    let a = audit(&refreshed(FIVE_FAULTS), &w, today());
    assert!(a.drift_of(LOG_GROUP).is_none());
    let i = a
        .ignored
        .iter()
        .find(|i| i.address == LOG_GROUP)
        .expect("waived difference listed as ignored");
    assert_eq!(i.path, "retention_in_days");
    assert_eq!((&i.state, &i.live), (&json!(30), &json!(7)));
    match &i.because {
        IgnoredBecause::Waived(w) => assert_eq!(w.reason, "INC-7"),
        other => panic!("{other:?}"),
    }
    assert_eq!(a.waived_count(), 1);
    assert!(a.expired_waivers.is_empty());
    // The others are still drift.
    assert_eq!(a.drift.len(), 5);
}

#[test]
fn an_expired_waiver_stops_applying_and_is_reported() {
    let w = waivers(&format!(
        "[[waiver]]\naddress = \"{NAT}\"\nattribute = \"*\"\nreason = \"rebuild\"\nexpires = 2026-11-21\n"
    ));
    let a = audit(&refreshed(FIVE_FAULTS), &w, today());
    let r = attr(&a, NAT, "source_dest_check");
    assert_eq!(
        r.expired_waiver.as_ref().map(|w| w.reason.as_str()),
        Some("rebuild")
    );
    assert_eq!(a.expired_waivers.len(), 1);
    assert_eq!(a.waived_count(), 0);
}

#[test]
fn a_resource_with_only_ignored_differences_is_not_drift() {
    let r = Refreshed {
        managed: vec![Managed {
            address: DB.into(),
            resource_type: "aws_db_instance".into(),
        }],
        drift: vec![DriftEntry {
            address: DB.into(),
            resource_type: "aws_db_instance".into(),
            action: "update".into(),
            before: json!({"latest_restorable_time": "a", "tags": null}),
            after: json!({"latest_restorable_time": "b", "tags": {}}),
            before_sensitive: json!({}),
            after_sensitive: json!({}),
        }],
    };
    let a = audit(&r, &Waivers::default(), today());
    assert!(!a.has_drift());
    assert_eq!(a.ignored.len(), 1);
    assert_eq!(a.resources.len(), 1);
}

#[test]
fn sensitive_values_are_redacted() {
    let r = Refreshed {
        managed: vec![],
        drift: vec![DriftEntry {
            address: DB.into(),
            resource_type: "aws_db_instance".into(),
            action: "update".into(),
            before: json!({"password": "old-secret", "tags": {"a": "1"}, "blocks": [{"key": "k1"}]}),
            after: json!({"password": "new-secret", "tags": {"a": "2"}, "blocks": [{"key": "k2"}]}),
            before_sensitive: json!({"password": true, "blocks": [{"key": true}]}),
            after_sensitive: json!({"password": true, "blocks": [{"key": true}]}),
        }],
    };
    let a = audit(&r, &Waivers::default(), today());
    let text = format!("{:?}", a.drift);
    assert!(!text.contains("secret") && !text.contains("k1"), "{text}");
    let p = attr(&a, DB, "password");
    assert_eq!(p.state, json!(REDACTED));
    assert_eq!(attr(&a, DB, "tags.a").live, json!("2"));
}
