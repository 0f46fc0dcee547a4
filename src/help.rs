//! The examples and exit codes at the end of every `pipeform` help page (and so of the man
//! page): what a newcomer needs next, beside the options. Exit codes are contract §6.

/// The exit codes of a command, as its help page lists them.
fn exit_codes(lines: &[(&str, &str)]) -> String {
    let mut s = String::from("Exit codes:");
    for (code, meaning) in lines {
        s.push_str(&format!("\n  {code}  {meaning}"));
    }
    s
}

fn page(examples: &str, codes: &[(&str, &str)]) -> String {
    format!("Examples:\n{examples}\n\n{}", exit_codes(codes))
}

/// `pipeform --help`.
pub fn top() -> String {
    page(
        "  pipeform init --name demo2          # a working directory: config, key pair, terraform/
  pipeform render && pipeform plan    # validate, then plan
  pipeform apply                      # apply exactly that plan
  pipeform deploy --binary target/release/pipeform-job
  pipeform check --format sarif > check.sarif
  pipeform drift --with-checks --format junit > drift.xml
  pipeform completions bash > ~/.local/share/bash-completion/completions/pipeform",
        &[
            ("0", "done, and what you asked about is clean"),
            (
                "1",
                "findings: a failed check, drift, or plan changes (--detailed-exitcode)",
            ),
            (
                "2",
                "usage or config error: nothing was written, nothing remote touched",
            ),
            (
                "3",
                "runtime error: AWS, Terraform or SSH failed, or a check could not be evaluated",
            ),
        ],
    )
}

/// `pipeform init --help`.
pub fn init() -> String {
    page(
        "  pipeform init --name demo2                  # here: pipeform.toml, keys/demo2, terraform/
  pipeform init --name demo2 --dir stacks/demo2
  pipeform --config stack.toml init --name demo2",
        &[
            ("0", "written (an existing terraform/ or key pair is kept)"),
            ("2", "bad --name, or the config (or half a key pair) exists: nothing written"),
            ("3", "ssh-keygen or the filesystem failed: nothing left behind"),
        ],
    )
}

/// `pipeform render --help`.
pub fn render() -> String {
    page(
        "  pipeform render
  pipeform render --format json | jq .variables
  pipeform --config prod.toml render --out prod.auto.tfvars.json",
        &[
            ("0", "the tfvars were written"),
            (
                "2",
                "the config is invalid (every problem listed): nothing written",
            ),
            ("3", "the tfvars could not be written"),
        ],
    )
}

/// `pipeform plan --help`.
pub fn plan() -> String {
    page(
        "  pipeform plan
  pipeform plan --detailed-exitcode     # in CI: exit 1 when there are changes
  pipeform plan --format json | jq '.changes[] | select(.action == \"replace\")'",
        &[
            ("0", "planned (with --detailed-exitcode: and no changes)"),
            ("1", "--detailed-exitcode and the plan has changes"),
            ("2", "the config is invalid: Terraform was not run"),
            ("3", "terraform init or plan failed"),
        ],
    )
}

/// `pipeform apply --help`.
pub fn apply() -> String {
    page(
        "  pipeform plan && pipeform apply
  pipeform apply --allow-destroy        # after a snapshot, when a replace is intended",
        &[
            ("0", "applied"),
            ("2", "no saved plan, inputs changed since the plan, or a destroy/replace of the DB, bucket or log group without --allow-destroy: nothing applied"),
            ("3", "terraform apply failed"),
        ],
    )
}

/// `pipeform deploy --help`.
pub fn deploy() -> String {
    page(
        "  pipeform deploy --binary target/release/pipeform-job --accept-new-host-key
  pipeform deploy --binary target/release/pipeform-job --smoke --format json
  pipeform deploy --rollback",
        &[
            ("0", "deployed (or already current), or rolled back"),
            ("2", "bad arguments, config, binary or prefix, or no host: nothing on the host touched"),
            ("3", "SSH failed, the host key was refused, the binary does not fit the host, or the smoke run failed"),
        ],
    )
}

/// `pipeform check --help`.
pub fn check() -> String {
    page(
        "  pipeform check
  pipeform check --only nat,alarm.actions
  pipeform check --format sarif > check.sarif    # GitHub code scanning
  pipeform check --format github                 # annotations in a GitHub Actions run
  pipeform check --date 2026-11-27 --only bucket
  AWS_ENDPOINT_URL=http://127.0.0.1:5000 pipeform check   # a local moto",
        &[
            ("0", "every check passed (warn and skip allowed)"),
            ("1", "a check failed"),
            (
                "2",
                "bad config or --only, or nothing applied yet (run `pipeform apply` first)",
            ),
            (
                "3",
                "a check could not be evaluated (API error, timeout) and none failed",
            ),
        ],
    )
}

/// `pipeform drift --help`.
pub fn drift() -> String {
    page(
        "  pipeform drift
  pipeform drift --with-checks --format junit > drift.xml
  pipeform drift --format sarif > drift.sarif
  pipeform drift --waivers accepted-drift.toml",
        &[
            ("0", "in sync (and, with --with-checks, every check passed)"),
            ("1", "drift found, or a check failed"),
            ("2", "bad config or waivers, no root module, or nothing applied yet (run `pipeform apply` first)"),
            ("3", "terraform or AWS failed"),
        ],
    )
}

/// `pipeform completions --help`.
pub fn completions() -> String {
    page(
        "  pipeform completions bash > ~/.local/share/bash-completion/completions/pipeform
  pipeform completions zsh > \"${fpath[1]}/_pipeform\"
  pipeform completions fish > ~/.config/fish/completions/pipeform.fish",
        &[("0", "printed"), ("2", "unknown shell")],
    )
}

/// `pipeform man --help`.
pub fn man() -> String {
    page(
        "  pipeform man > /usr/local/share/man/man1/pipeform.1
  pipeform man | man -l -",
        &[("0", "printed"), ("2", "usage error")],
    )
}
