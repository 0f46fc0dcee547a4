//! The commented config `pipeform init` writes: `examples/pipeform.toml`, edited as TOML (not as
//! text) so that every name derived from the project's follows it and the comments stay.

use toml_edit::{DocumentMut, Item, Value};

/// The example config, as shipped.
pub const EXAMPLE: &str = include_str!("../../examples/pipeform.toml");

/// Every name of the config that derives from the project's name, for project `name` (already a
/// valid project name: `^[a-z][a-z0-9-]{1,20}$`), as (table, key, value).
pub fn derived(name: &str, bucket_suffix: &str) -> Vec<(&'static str, &'static str, String)> {
    let db = name.replace('-', "_");
    // RDS MySQL user names have at most 16 characters: `_admin` leaves 10 for the name.
    let user: String = db.chars().take(10).collect();
    let camel: String = name
        .split('-')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    vec![
        ("project", "name", name.to_string()),
        ("app", "public_key_path", format!("keys/{name}.pub")),
        ("rds", "identifier", format!("{name}-db")),
        ("rds", "database", db.clone()),
        ("rds", "username", format!("{user}_admin")),
        ("monitoring", "log_group", format!("/{name}/job")),
        ("monitoring", "metric_namespace", format!("{camel}Pipeline")),
        ("monitoring", "metric_name", format!("{camel}JobFailed")),
        ("monitoring", "alarm_name", format!("{name}-job-failed")),
        ("monitoring", "topic_name", format!("{name}-alerts")),
        // Bucket names are global across all AWS accounts: a suffix keeps two users who pick
        // the same project name from colliding on their first apply.
        ("bucket", "name", format!("{name}-data-{bucket_suffix}")),
    ]
}

/// The example config with the derived names of project `name` set, comments kept.
pub fn config_for(name: &str, bucket_suffix: &str) -> Result<String, toml_edit::TomlError> {
    let mut doc: DocumentMut = EXAMPLE.parse()?;
    for (table, key, value) in derived(name, bucket_suffix) {
        set_keeping_comment(&mut doc[table][key], &value);
    }
    Ok(doc.to_string())
}

/// A random lowercase hex suffix for the bucket name (6 characters).
pub fn random_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    // RandomState is seeded from the OS per process: random enough to avoid a name clash, and
    // no extra dependency.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    format!("{:06x}", hasher.finish() & 0xff_ffff)
}

/// Replaces the string at `item`, keeping the value's decoration (the comment after it).
fn set_keeping_comment(item: &mut Item, new: &str) {
    match item.as_value_mut() {
        Some(value) => {
            let decor = value.decor().clone();
            *value = Value::from(new);
            *value.decor_mut() = decor;
        }
        None => *item = toml_edit::value(new),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn every_derived_name_follows_the_project_and_the_result_is_valid() {
        let text = config_for("demo-x", "abc123").expect("edits");
        let s = crate::config::parse_str(&text, Path::new("d/pipeform.toml")).expect("valid");
        assert_eq!(s.project.name, "demo-x");
        assert_eq!(s.app.public_key_path, Path::new("d/keys/demo-x.pub"));
        assert_eq!(s.rds.identifier, "demo-x-db");
        assert_eq!(s.rds.database, "demo_x");
        assert_eq!(s.rds.username, "demo_x_admin");
        assert_eq!(s.monitoring.log_group, "/demo-x/job");
        assert_eq!(s.monitoring.metric_namespace, "DemoXPipeline");
        assert_eq!(s.monitoring.metric_name, "DemoXJobFailed");
        assert_eq!(s.monitoring.alarm_name, "demo-x-job-failed");
        assert_eq!(s.monitoring.topic_name, "demo-x-alerts");
        assert_eq!(s.bucket.name.to_string(), "demo-x-data-abc123");
        // Nothing of the example's own names is left.
        for old in ["offsets", "carbon", "Carbon", "vcm-bucket25"] {
            assert!(
                !text.contains(&format!("\"{old}")),
                "{old} left in:\n{text}"
            );
            assert!(!text.contains(&format!("/{old}")), "{old} left in:\n{text}");
        }
    }

    #[test]
    fn comments_and_layout_stay() {
        let text = config_for("demo2", "000000").expect("edits");
        assert!(text.contains(
            "name = \"demo2\"              # ^[a-z][a-z0-9-]{1,20}$; the Project tag on every resource"
        ));
        assert!(text.contains("# force_destroy = false"));
        assert_eq!(text.lines().count(), EXAMPLE.lines().count());
    }

    #[test]
    fn the_longest_names_still_make_a_valid_config() {
        let name = "a23456789-123456789-1";
        let text = config_for(name, &random_suffix()).expect("edits");
        let s = crate::config::parse_str(&text, Path::new("pipeform.toml")).expect("valid");
        assert!(s.rds.username.len() <= 16, "{}", s.rds.username);
        assert!(s.bucket.name.len() <= 63);
    }

    #[test]
    fn the_suffix_is_six_hex_digits() {
        let s = random_suffix();
        assert_eq!(s.len(), 6);
        assert!(s
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
}
