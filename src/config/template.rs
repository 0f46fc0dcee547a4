//! The commented config `pipeform init` writes: `examples/pipeform.toml` with the project's name.

/// The example config, as shipped.
pub const EXAMPLE: &str = include_str!("../../examples/pipeform.toml");

/// The example config with `name` (already a valid project name) substituted wherever the
/// example derives a value from its own name `offsets`.
pub fn for_project(name: &str) -> String {
    let db = name.replace('-', "_");
    [
        ("\nname = \"offsets\"", format!("\nname = \"{name}\"")),
        ("\"keys/offsets.pub\"", format!("\"keys/{name}.pub\"")),
        ("\"offsets-db\"", format!("\"{name}-db\"")),
        ("database = \"offsets\"", format!("database = \"{db}\"")),
        ("\"/offsets/carbon_log\"", format!("\"/{name}/carbon_log\"")),
        ("\"offsets-alerts\"", format!("\"{name}-alerts\"")),
    ]
    .iter()
    .fold(EXAMPLE.to_string(), |text, (from, to)| {
        text.replacen(from, to, 1)
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn every_substitution_applies_and_the_result_is_valid() {
        let text = for_project("carbon-x");
        let s = crate::config::parse_str(&text, Path::new("d/pipeform.toml")).expect("valid");
        assert_eq!(s.project.name, "carbon-x");
        assert_eq!(s.app.public_key_path, Path::new("d/keys/carbon-x.pub"));
        assert_eq!(s.rds.identifier, "carbon-x-db");
        assert_eq!(s.rds.database, "carbon_x");
        assert_eq!(s.monitoring.log_group, "/carbon-x/carbon_log");
        assert_eq!(s.monitoring.topic_name, "carbon-x-alerts");
        assert_eq!(for_project("offsets"), EXAMPLE);
    }
}
