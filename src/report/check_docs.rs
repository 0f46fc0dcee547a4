//! What each check id means, read from `docs/checks.md` (built into the binary), so the SARIF
//! rules' help and the documentation are one text that cannot disagree.

/// The documentation, as built in.
const DOCS: &str = include_str!("../../docs/checks.md");

/// The documentation of one check id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckDoc {
    /// What a pass proves (one paragraph, markdown).
    pub proves: String,
    /// The whole section (markdown): proves, failure, fix, AWS reads.
    pub markdown: String,
}

/// The section `### \`id\`` of `docs/checks.md`, if there is one.
pub fn for_id(id: &str) -> Option<CheckDoc> {
    let heading = format!("### `{id}`");
    let start = DOCS.lines().position(|l| l.starts_with(&heading))?;
    let body: Vec<&str> = DOCS
        .lines()
        .skip(start + 1)
        .take_while(|l| !l.starts_with("## ") && !l.starts_with("### "))
        .collect();
    let markdown = body.join("\n").trim().to_string();
    let proves = bullet(&body, "**Proves:**").unwrap_or_else(|| markdown.clone());
    Some(CheckDoc { proves, markdown })
}

/// The text of the bullet starting with `label`, its continuation lines joined.
fn bullet(body: &[&str], label: &str) -> Option<String> {
    let at = body
        .iter()
        .position(|l| l.trim_start().starts_with(&format!("- {label}")))?;
    let mut text = body[at]
        .trim_start()
        .trim_start_matches(&format!("- {label}"))
        .trim()
        .to_string();
    for l in &body[at + 1..] {
        let t = l.trim();
        if t.is_empty() || t.starts_with("- ") {
            break;
        }
        text.push(' ');
        text.push_str(t);
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_id_is_documented() {
        for c in crate::checks::CHECKS {
            let doc =
                for_id(c.id).unwrap_or_else(|| panic!("{} has no section in docs/checks.md", c.id));
            assert!(!doc.proves.is_empty(), "{}", c.id);
            assert!(
                doc.markdown.contains("**Fix:**") || doc.markdown.contains("fix"),
                "{}",
                c.id
            );
        }
    }

    #[test]
    fn the_proves_bullet_is_read_whole() {
        let d = for_id("nat.eip").expect("documented");
        assert!(
            d.proves.starts_with("an Elastic IP is associated"),
            "{}",
            d.proves
        );
        assert!(d.proves.ends_with("fixed address."), "{}", d.proves);
        assert!(for_id("nat.nothing").is_none());
    }
}
