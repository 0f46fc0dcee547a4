//! Host key fingerprints from an instance's console output (`--host-key-from-console`).
//!
//! At first boot cloud-init prints the SSH host key fingerprints to the serial console between
//! `-----BEGIN SSH HOST KEY FINGERPRINTS-----` and `-----END SSH HOST KEY FINGERPRINTS-----`,
//! one `BITS FINGERPRINT COMMENT (TYPE)` line per key, each line usually prefixed with `ec2: `
//! (and on some images with a kernel timestamp). EC2 keeps that output readable with
//! `GetConsoleOutput`, through the AWS API rather than the network path to the host, so a
//! fingerprint found there pins the key on first contact instead of trusting it blindly.

/// The console output could not be read or holds no fingerprint block.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// No instance id to ask about.
    #[error("--host-key-from-console needs the app instance's id: there is no `app_instance_id` Terraform output (apply the stack first)")]
    NoInstance,
    /// The API call failed.
    #[error("GetConsoleOutput for {instance}: {reason}; check the credentials and the region (the call needs ec2:GetConsoleOutput)")]
    Call {
        /// Instance id.
        instance: String,
        /// Why.
        reason: String,
    },
    /// The output has no fingerprint block (yet).
    #[error("the console output of {instance} holds no `BEGIN SSH HOST KEY FINGERPRINTS` block (cloud-init prints it at first boot; EC2 may take a few minutes to publish it): nothing was sent. Try again later, or verify the key another way and use --accept-new-host-key")]
    NoBlock {
        /// Instance id.
        instance: String,
    },
}

/// Reads the console output of `instance` and returns the fingerprints cloud-init printed.
pub async fn fetch(
    config: &aws_config::SdkConfig,
    instance: &str,
) -> Result<Vec<ConsoleFingerprint>, ConsoleError> {
    let client = aws_sdk_ec2::Client::new(config);
    let out = client
        .get_console_output()
        .instance_id(instance)
        .send()
        .await
        .map_err(|e| ConsoleError::Call {
            instance: instance.to_string(),
            reason: aws_sdk_ec2::error::DisplayErrorContext(&e).to_string(),
        })?;
    let encoded = out.output().unwrap_or_default();
    let bytes =
        aws_smithy_types::base64::decode(encoded.trim()).map_err(|e| ConsoleError::Call {
            instance: instance.to_string(),
            reason: format!("the output is not base64: {e}"),
        })?;
    let found = parse(&String::from_utf8_lossy(&bytes));
    if found.is_empty() {
        return Err(ConsoleError::NoBlock {
            instance: instance.to_string(),
        });
    }
    Ok(found)
}

/// One fingerprint line of the block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleFingerprint {
    /// `SHA256:...` (or an old `MD5:aa:bb:...` form, kept as printed).
    pub fingerprint: String,
    /// `ED25519`, `ECDSA`, `RSA`, `DSA`.
    pub key_type: String,
}

const BEGIN: &str = "-----BEGIN SSH HOST KEY FINGERPRINTS-----";
const END: &str = "-----END SSH HOST KEY FINGERPRINTS-----";

/// Every fingerprint in every fingerprint block of `console` (an instance that rebooted prints
/// the block again; all are kept, since the keys do not change unless regenerated).
pub fn parse(console: &str) -> Vec<ConsoleFingerprint> {
    let mut found = Vec::new();
    let mut inside = false;
    for line in console.lines() {
        if line.contains(BEGIN) {
            inside = true;
            continue;
        }
        if line.contains(END) {
            inside = false;
            continue;
        }
        if !inside {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(fp) = words
            .iter()
            .find(|w| w.starts_with("SHA256:") || w.starts_with("MD5:"))
        else {
            continue;
        };
        let key_type = words
            .last()
            .and_then(|w| w.strip_prefix('('))
            .and_then(|w| w.strip_suffix(')'))
            .unwrap_or("")
            .to_string();
        found.push(ConsoleFingerprint {
            fingerprint: fp.to_string(),
            key_type,
        });
    }
    found
}

/// True when the host key with this `SHA256:` fingerprint was printed on the console.
pub fn vouches_for(printed: &[ConsoleFingerprint], fingerprint: &str) -> bool {
    printed.iter().any(|p| p.fingerprint == fingerprint)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Amazon Linux 2023 (cloud-init 22): `ec2: ` prefixes, "no comment" keys.
    const AL2023: &str = "\
[   12.104232] cloud-init[1921]: Cloud-init v. 22.2.2 finished at Sat, 28 Nov 2026 03:00:12 +0000. Datasource DataSourceEc2.  Up 12.09 seconds
ec2: #############################################################
ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----
ec2: 256 SHA256:l4UB/neBad9tvkgJf1QZWxheQmR59WgrgzEimCG6kZY no comment (ECDSA)
ec2: 256 SHA256:kpEa+rw/Uq3zxaYZN8KT501iBtJOIdHG52dFi66EEfQ no comment (ED25519)
ec2: -----END SSH HOST KEY FINGERPRINTS-----
ec2: #############################################################
-----BEGIN SSH HOST KEY KEYS-----
ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBExample=
ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample
-----END SSH HOST KEY KEYS-----
";

    /// Ubuntu 22.04 (cloud-init 23): hostnames as comments, an RSA key, timestamps on some
    /// lines where the kernel interleaves its own.
    const UBUNTU: &str = "\
[   20.817398] cloud-init[1027]: Generating public/private ed25519 key pair.
<14>Nov 28 03:00:21 ec2: 
<14>Nov 28 03:00:21 ec2: #############################################################
<14>Nov 28 03:00:21 ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----
<14>Nov 28 03:00:21 ec2: 256 SHA256:QbBK1XKSmBqvJ+k3pn3zcvU0dEU8aJ7XaQpyB3QYZ7E root@ip-10-0-1-23 (ECDSA)
<14>Nov 28 03:00:21 ec2: 256 SHA256:b5FLy3vT9gK3n1c4NRU7AmkbkM0m2ox0LnQJ3K9RA2M root@ip-10-0-1-23 (ED25519)
<14>Nov 28 03:00:21 ec2: 3072 SHA256:8bXiJ0cMxfVTwc8Lq0nqSsfGRQh2vK9Qz6b1q9HvG8A root@ip-10-0-1-23 (RSA)
<14>Nov 28 03:00:21 ec2: -----END SSH HOST KEY FINGERPRINTS-----
<14>Nov 28 03:00:21 ec2: #############################################################
";

    #[test]
    fn parses_amazon_linux_and_ubuntu_blocks() {
        let al = parse(AL2023);
        assert_eq!(
            al,
            vec![
                ConsoleFingerprint {
                    fingerprint: "SHA256:l4UB/neBad9tvkgJf1QZWxheQmR59WgrgzEimCG6kZY".into(),
                    key_type: "ECDSA".into()
                },
                ConsoleFingerprint {
                    fingerprint: "SHA256:kpEa+rw/Uq3zxaYZN8KT501iBtJOIdHG52dFi66EEfQ".into(),
                    key_type: "ED25519".into()
                },
            ]
        );
        let ub = parse(UBUNTU);
        let types: Vec<&str> = ub.iter().map(|f| f.key_type.as_str()).collect();
        assert_eq!(types, ["ECDSA", "ED25519", "RSA"]);
        assert!(vouches_for(
            &ub,
            "SHA256:8bXiJ0cMxfVTwc8Lq0nqSsfGRQh2vK9Qz6b1q9HvG8A"
        ));
        assert!(!vouches_for(
            &ub,
            "SHA256:l4UB/neBad9tvkgJf1QZWxheQmR59WgrgzEimCG6kZY"
        ));
    }

    #[test]
    fn nothing_outside_the_block_counts() {
        // A fingerprint logged elsewhere (say, by a user's own script) vouches for nothing.
        let text = "ec2: 256 SHA256:forged no comment (ED25519)\n\
                    -----BEGIN SSH HOST KEY KEYS-----\nssh-ed25519 AAAA\n-----END SSH HOST KEY KEYS-----\n";
        assert!(parse(text).is_empty());
        assert!(parse("").is_empty());
        // An unterminated block (console output is truncated to its last 64 KiB) still
        // yields the lines it has.
        let cut =
            "ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----\nec2: 256 SHA256:abc x (ED25519)\n";
        assert_eq!(parse(cut).len(), 1);
    }
}
