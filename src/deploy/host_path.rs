//! Paths on the host are data, never code: the install prefix (and the cron and agent
//! directories) must be absolute and made of a conservative set of characters, so no shell,
//! cron line or sudo rule can read them as anything else. Every use is quoted as well; this is
//! the first wall, quoting the second.

/// A path refused as a host directory (exit 2: nothing remote was touched).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostPathError {
    /// Not absolute.
    #[error("{flag} {value:?} must be an absolute path (starting with '/')")]
    NotAbsolute {
        /// The flag that gave it.
        flag: &'static str,
        /// The value.
        value: String,
    },
    /// The root itself, or a `.`/`..` component.
    #[error("{flag} {value:?} must name a directory below '/' without '.' or '..' components")]
    Component {
        /// The flag that gave it.
        flag: &'static str,
        /// The value.
        value: String,
    },
    /// A character outside the allowed set.
    #[error("{flag} {value:?}: character {ch:?} at position {pos} is not allowed; use letters, digits, '/', '.', '_' and '-' only")]
    Character {
        /// The flag that gave it.
        flag: &'static str,
        /// The value.
        value: String,
        /// The first offending character.
        ch: char,
        /// Its 1-based position.
        pos: usize,
    },
}

/// True for the characters a host directory may contain.
fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-')
}

/// Validates a host directory given by `flag`; returns it without trailing slashes.
pub fn dir(flag: &'static str, value: &str) -> Result<String, HostPathError> {
    if let Some((i, ch)) = value.chars().enumerate().find(|(_, c)| !allowed(*c)) {
        return Err(HostPathError::Character {
            flag,
            value: value.to_string(),
            ch,
            pos: i + 1,
        });
    }
    if !value.starts_with('/') {
        return Err(HostPathError::NotAbsolute {
            flag,
            value: value.to_string(),
        });
    }
    let trimmed = value.trim_end_matches('/');
    if trimmed.is_empty() || trimmed.split('/').any(|c| c == "." || c == "..") {
        return Err(HostPathError::Component {
            flag,
            value: value.to_string(),
        });
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conservative_absolute_paths_pass() {
        assert_eq!(
            dir("--prefix", "/opt/pipeform/"),
            Ok("/opt/pipeform".into())
        );
        assert_eq!(
            dir("--prefix", "/tmp/.tmpA1-b_c/opt/pipeform"),
            Ok("/tmp/.tmpA1-b_c/opt/pipeform".into())
        );
    }

    #[test]
    fn every_shell_and_cron_metacharacter_is_named() {
        for ch in [
            ';', '|', '&', '<', '>', '(', ')', '*', '?', '%', '$', '`', '\'', '"', '\\', ' ', '\n',
            '\t', '~', '#', '!', '{', '}', '[', ']', '=', ':', ',', '+', '@', 'é',
        ] {
            let value = format!("/opt/a{ch}b");
            match dir("--prefix", &value) {
                Err(HostPathError::Character { ch: got, pos, .. }) => {
                    assert_eq!((got, pos), (ch, 7), "{value:?}")
                }
                other => panic!("{value:?} gave {other:?}"),
            }
        }
        let err = dir("--prefix", "/tmp/x;touch>/tmp/pwned;x").unwrap_err();
        assert!(err.to_string().contains("';'"), "{err}");
    }

    #[test]
    fn relative_root_and_dot_components_are_refused() {
        assert!(matches!(
            dir("--prefix", "opt/pipeform"),
            Err(HostPathError::NotAbsolute { .. })
        ));
        for v in ["/", "//", "/opt/../etc", "/opt/./x"] {
            assert!(
                matches!(dir("--prefix", v), Err(HostPathError::Component { .. })),
                "{v}"
            );
        }
    }
}
