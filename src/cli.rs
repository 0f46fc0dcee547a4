//! Command-line definitions of `pipeform` (contract §4, §5, §7, §8, §9).

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::help;

/// pipeform: provision, deploy to, and verify one batch-pipeline AWS stack.
#[derive(Debug, Parser)]
#[command(
    name = "pipeform",
    version,
    about,
    propagate_version = true,
    after_help = help::top()
)]
pub struct Cli {
    /// Stack config file.
    #[arg(
        long,
        global = true,
        default_value = "pipeform.toml",
        env = "PIPEFORM_CONFIG"
    )]
    pub config: PathBuf,
    /// More diagnostics on stderr: -v pipeform's debug log, -vv its trace and the AWS SDK's debug.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Errors only on stderr: no progress, no notices.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Colour in tables and logs: auto (a terminal, and NO_COLOR unset), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented pipeform.toml, an ed25519 key pair and terraform/ (never overwrites).
    #[command(after_help = help::init())]
    Init(InitArgs),
    /// Validate the config and write the tfvars of the root module.
    #[command(after_help = help::render())]
    Render(RenderArgs),
    /// Render, `terraform init`, `terraform plan -out`, and summarise the plan.
    #[command(after_help = help::plan())]
    Plan(PlanArgs),
    /// Apply the plan saved by `pipeform plan`, with guards against data loss.
    #[command(after_help = help::apply())]
    Apply(ApplyArgs),
    /// Put the job binary on the app host over SSH: verified, atomic, reversible.
    #[command(after_help = help::deploy())]
    Deploy(DeployArgs),
    /// Smoke-check the live stack: NAT routing, alarm wiring, retention, bucket, security.
    #[command(after_help = help::check())]
    Check(CheckArgs),
    /// Audit live state against the last apply, attribute by attribute (for CI).
    #[command(after_help = help::drift())]
    Drift(DriftArgs),
    /// Print shell completions for pipeform.
    #[command(after_help = help::completions())]
    Completions {
        /// The shell to print completions for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page of pipeform (roff) on stdout.
    #[command(after_help = help::man())]
    Man,
}

/// When tables and logs are coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always (CI log viewers that render ANSI).
    Always,
    /// Never.
    Never,
}

impl ColorChoice {
    /// Whether to colour a stream that is (or is not) a terminal.
    pub fn enabled(self, is_terminal: bool) -> bool {
        match self {
            Self::Always => true,
            Self::Never => false,
            Self::Auto => is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }
}

/// Output formats of `check` and `drift` (contract §5, §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Human-readable table.
    Table,
    /// One JSON document on stdout.
    Json,
    /// JUnit XML on stdout, one suite per area.
    Junit,
    /// SARIF 2.1.0 on stdout (code scanning).
    Sarif,
    /// GitHub Actions `::error`/`::warning` annotations and a summary.
    Github,
}

/// Output formats of `render`, `plan`, `apply` and `deploy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable text.
    Table,
    /// One JSON document on stdout.
    Json,
}

/// Where AWS calls go.
#[derive(Debug, Clone, Args)]
pub struct AwsArgs {
    /// AWS endpoint (moto, LocalStack, a VPC endpoint); default: the SDK's.
    #[arg(long, env = "AWS_ENDPOINT_URL", value_parser = endpoint_url)]
    pub endpoint_url: Option<String>,
    /// AWS region; default: `project.region` of the config (an `AWS_REGION` that disagrees is
    /// ignored with a notice: Terraform puts the stack in the config's region).
    #[arg(long)]
    pub region: Option<String>,
}

/// `--endpoint-url` (and `AWS_ENDPOINT_URL`): an http(s) URL with a host, refused as a usage
/// error (exit 2) here rather than as a failed AWS call per check (exit 3).
fn endpoint_url(text: &str) -> Result<String, String> {
    let url = url::Url::parse(text).map_err(|e| {
        format!("{text:?} is not a URL ({e}); give one such as http://127.0.0.1:5000")
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(format!(
            "{text:?} is not an http or https URL with a host; give one such as http://127.0.0.1:5000"
        ));
    }
    Ok(text.to_string())
}

/// `pipeform init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to write pipeform.toml and keys/ into.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Project name to put in the new config.
    #[arg(long, default_value = "offsets")]
    pub name: String,
}

/// `pipeform render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Where to write the tfvars (default: <terraform-dir>/pipeform.auto.tfvars.json).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// The root module whose variables the tfvars must match.
    #[arg(long, default_value = "terraform")]
    pub terraform_dir: PathBuf,
}

/// `pipeform plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The root module.
    #[arg(long, default_value = "terraform")]
    pub terraform_dir: PathBuf,
    /// Exit 1 when the plan has changes (0 when it has none).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `pipeform apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The root module.
    #[arg(long, default_value = "terraform")]
    pub terraform_dir: PathBuf,
    /// Allow a plan that destroys or replaces a DB instance, bucket or log group.
    #[arg(long)]
    pub allow_destroy: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `pipeform deploy`.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The pipeform-job binary to install.
    #[arg(
        long,
        required_unless_present = "rollback",
        conflicts_with = "rollback"
    )]
    pub binary: Option<PathBuf>,
    /// Switch `current` back to the previous release.
    #[arg(long)]
    pub rollback: bool,
    /// App host (default: the `app_public_ip` Terraform output).
    #[arg(long)]
    pub host: Option<String>,
    /// SSH port.
    #[arg(long, default_value_t = 22, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: u16,
    /// SSH user (default: `app.ssh_user`).
    #[arg(long)]
    pub user: Option<String>,
    /// Private key (default: `app.public_key_path` without `.pub`). Passphrase: PIPEFORM_SSH_PASSPHRASE.
    #[arg(long)]
    pub identity: Option<PathBuf>,
    /// known_hosts file (default: ~/.ssh/known_hosts).
    #[arg(long)]
    pub known_hosts: Option<PathBuf>,
    /// Trust and record the host key of a host not yet in known_hosts.
    #[arg(long)]
    pub accept_new_host_key: bool,
    /// Trust a host not yet in known_hosts only if its key's fingerprint is in the app
    /// instance's console output (GetConsoleOutput; cloud-init prints it at first boot), and
    /// record it.
    #[arg(long)]
    pub host_key_from_console: bool,
    /// Install prefix on the host.
    #[arg(long, default_value = "/opt/pipeform")]
    pub prefix: String,
    /// After deploying, run `pipeform-job --version` and a dry run on the host.
    #[arg(long)]
    pub smoke: bool,
    /// The root module whose outputs give host and job settings.
    #[arg(long, default_value = "terraform")]
    pub terraform_dir: PathBuf,
    /// Output format (table or json).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Override one job env file entry, e.g. `--set PIPEFORM_DB_HOST=127.0.0.1` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Run host commands through `sudo -n`: auto (unless the user is root), always, never.
    #[arg(long, value_enum, default_value_t = SudoMode::Auto)]
    pub sudo: SudoMode,
    /// Seconds to keep retrying the SSH connection (a fresh instance boots slowly), 1 to 3600.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub connect_timeout: u64,
    /// Directory of the cron entry (tests and demos point it away from /etc).
    #[arg(long, default_value = "/etc/cron.d", hide = true)]
    pub cron_dir: String,
    /// CloudWatch agent install directory.
    #[arg(long, default_value = "/opt/aws/amazon-cloudwatch-agent", hide = true)]
    pub agent_dir: String,
    /// Where AWS calls go (only `--host-key-from-console` makes one).
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// When `deploy` runs host commands through `sudo -n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SudoMode {
    /// Unless the login user is root.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `pipeform check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Only these areas or check ids (nat, alarm, logs, bucket, rds, sg, iam, or e.g. nat.eip).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Judge bucket prefixes of this UTC day instead of freshness.
    #[arg(long)]
    pub date: Option<NaiveDate>,
}

/// `pipeform drift`.
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// The root module (with the state of the last apply).
    #[arg(long, default_value = "terraform")]
    pub terraform_dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Waiver file: drift to accept, each with a reason and an expiry date
    /// [default: .pipeform-waivers.toml, when it exists].
    #[arg(long)]
    pub waivers: Option<PathBuf>,
    /// Also run `pipeform check` and report both with one exit code.
    #[arg(long)]
    pub with_checks: bool,
    #[command(flatten)]
    pub aws: AwsArgs,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_subcommand_shows_examples_and_exit_codes() {
        let cmd = Cli::command();
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let after = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(after.contains("Examples:"), "{}: {after}", sub.get_name());
            assert!(after.contains("Exit codes:"), "{}: {after}", sub.get_name());
        }
    }
}
