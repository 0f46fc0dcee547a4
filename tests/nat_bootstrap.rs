//! The NAT bootstrap run for real: the module's own `terraform/modules/nat/nat.sh` (contract §13)
//! inside a network namespace standing for the NAT instance, between one for a private subnet
//! and one for the internet, joined by veth pairs. Real packets prove what the AWS-side checks
//! cannot: the client reaches the server from the NAT's address, not with forwarding off; a
//! default route that arrives late is waited for and used; none at all fails in time; a second
//! run adds no rule. Every status line the script prints goes through pipeform's own parser.
//!
//! Needs root, `ip netns` and iptables (`scripts/install.sh`); without them the tests fail with
//! the command that could not run. Each test makes its own namespaces (named after the process
//! and a counter) and deletes them on drop, also when it panics.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use pipeform::checks::nat_bootstrap::{last_status, BootStatus};

/// The "VPC": the private namespace's addresses.
const VPC_CIDR: &str = "10.77.0.0/16";
const CLIENT_IP: &str = "10.77.1.10";
const NAT_PRIVATE_IP: &str = "10.77.1.1";
/// The NAT's "public" side and the "internet gateway" beyond it (TEST-NET-2).
const NAT_PUBLIC_IP: &str = "198.51.100.2";
const GATEWAY_IP: &str = "198.51.100.1";
/// The server, on the internet namespace's loopback (TEST-NET-3): reachable only by routing.
const SERVER_IP: &str = "203.0.113.10";
const SERVER_PORT: &str = "8080";
/// The NAT's interface towards the internet, and the one towards the private subnet.
const WAN: &str = "wan0";
const LAN: &str = "lan0";

/// Answers every connection with the peer address it sees, then closes it.
const SERVER_PY: &str = r#"
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(16)
print("listening", flush=True)
while True:
    c, peer = s.accept()
    c.sendall((peer[0] + "\n").encode())
    c.close()
"#;

/// Connects, prints what the server says (the address it saw), or exits 1 saying why not.
const CLIENT_PY: &str = r#"
import socket, sys
try:
    with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[3])) as c:
        print(c.makefile().readline().strip())
except OSError as e:
    sys.exit(f"cannot reach {sys.argv[1]}:{sys.argv[2]}: {e!r}")
"#;

/// Namespace names: this prefix, the test process's pid, a counter, and the role.
const PREFIX: &str = "pfnat";

fn nat_sh() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("terraform/modules/nat/nat.sh")
}

fn show(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Runs `cmd` to completion and returns its stdout; panics with the command and its stderr when
/// it cannot start or fails.
fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!(
            "cannot run `{}`: {e} (needs iproute2, iptables and python3: scripts/install.sh)",
            show(cmd)
        )
    });
    assert!(
        out.status.success(),
        "`{}` failed ({}; root and `ip netns` are required, see scripts/install.sh):\n{}{}",
        show(cmd),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn ip(args: &[&str]) -> String {
    run(Command::new("ip").args(args))
}

/// A named network namespace, deleted on drop.
struct Netns {
    name: String,
}

impl Netns {
    fn add(name: String) -> Self {
        ip(&["netns", "add", &name]);
        let ns = Self { name };
        ns.ip(&["link", "set", "lo", "up"]);
        ns
    }

    /// `ip -n NAME ARGS...`
    fn ip(&self, args: &[&str]) -> String {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(args);
        ip(&all)
    }

    /// `PROGRAM ARGS...` inside the namespace.
    fn exec(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.name]).arg(program);
        cmd
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        match Command::new("ip")
            .args(["netns", "del", &self.name])
            .output()
        {
            Ok(out) if out.status.success() => {}
            Ok(out) => eprintln!(
                "cannot delete namespace {}: {}",
                self.name,
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) => eprintln!("cannot delete namespace {}: {e}", self.name),
        }
    }
}

/// A child process killed (and reaped) on drop.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Deletes namespaces a killed earlier run left behind (its pid no longer runs).
fn sweep_stale_namespaces() {
    let Ok(out) = Command::new("ip").args(["netns", "list"]).output() else {
        return;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let name = line.split_whitespace().next().unwrap_or_default();
        let Some(pid) = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('x').next())
        else {
            continue;
        };
        if !pid.is_empty() && !Path::new("/proc").join(pid).exists() {
            let _ = Command::new("ip").args(["netns", "del", name]).output();
        }
    }
}

/// The three namespaces, wired:
///
/// ```text
/// private  eth0 10.77.1.10/24, default via 10.77.1.1
///    |
/// nat      lan0 10.77.1.1/24   wan0 198.51.100.2/24 (default via 198.51.100.1 when given)
///                                 |
/// internet                     eth0 198.51.100.1/24, lo 203.0.113.10 (the server)
/// ```
///
/// The internet has no route back to 10.77.0.0/16: a reply reaches the client only when the
/// NAT translated its address.
struct Lab {
    // Fields drop in order: the server before the namespaces it runs in.
    _server: Process,
    console: tempfile::NamedTempFile,
    private: Netns,
    nat: Netns,
    _internet: Netns,
}

impl Lab {
    fn new(nat_default_route: bool) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        sweep_stale_namespaces();
        let id = format!(
            "{PREFIX}{}x{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let private = Netns::add(format!("{id}-private"));
        let nat = Netns::add(format!("{id}-nat"));
        let internet = Netns::add(format!("{id}-internet"));

        // Made inside the NAT namespace, each peer straight into its own: no name ever
        // exists in the host's namespace, so parallel tests cannot collide.
        nat.ip(&[
            "link",
            "add",
            LAN,
            "type",
            "veth",
            "peer",
            "name",
            "eth0",
            "netns",
            &private.name,
        ]);
        nat.ip(&[
            "link",
            "add",
            WAN,
            "type",
            "veth",
            "peer",
            "name",
            "eth0",
            "netns",
            &internet.name,
        ]);
        private.ip(&["addr", "add", &format!("{CLIENT_IP}/24"), "dev", "eth0"]);
        nat.ip(&["addr", "add", &format!("{NAT_PRIVATE_IP}/24"), "dev", LAN]);
        nat.ip(&["addr", "add", &format!("{NAT_PUBLIC_IP}/24"), "dev", WAN]);
        internet.ip(&["addr", "add", &format!("{GATEWAY_IP}/24"), "dev", "eth0"]);
        internet.ip(&["addr", "add", &format!("{SERVER_IP}/32"), "dev", "lo"]);
        for (ns, dev) in [
            (&private, "eth0"),
            (&nat, LAN),
            (&nat, WAN),
            (&internet, "eth0"),
        ] {
            ns.ip(&["link", "set", dev, "up"]);
        }
        private.ip(&["route", "add", "default", "via", NAT_PRIVATE_IP]);
        // A fresh namespace forwards nothing; say so rather than rely on the kernel's default.
        run(nat
            .exec("sysctl")
            .args(["-q", "-w", "net.ipv4.ip_forward=0"]));

        let console = tempfile::NamedTempFile::new().expect("a temp file for the console");
        let server = start_server(&internet);
        let lab = Self {
            _server: server,
            console,
            private,
            nat,
            _internet: internet,
        };
        if nat_default_route {
            lab.add_nat_default_route();
        }
        lab
    }

    fn add_nat_default_route(&self) {
        self.nat
            .ip(&["route", "add", "default", "via", GATEWAY_IP, "dev", WAN]);
    }

    /// `nat.sh VPC_CIDR` in the NAT namespace, its console a temp file.
    fn nat_sh(&self, wait_seconds: u32) -> Command {
        let mut cmd = self.nat.exec(nat_sh());
        cmd.arg(VPC_CIDR)
            .env("NAT_WAIT_SECONDS", wait_seconds.to_string())
            .env("NAT_CONSOLE", self.console.path());
        cmd
    }

    fn run_nat_sh(&self, wait_seconds: u32) -> Output {
        let mut cmd = self.nat_sh(wait_seconds);
        cmd.output()
            .unwrap_or_else(|e| panic!("cannot run `{}`: {e}", show(&cmd)))
    }

    /// What the server saw as the client's address, or why the client could not reach it.
    fn connect(&self) -> Result<String, String> {
        let out = self
            .private
            .exec("python3")
            .args(["-c", CLIENT_PY, SERVER_IP, SERVER_PORT, "3"])
            .output()
            .expect("run python3 in the private namespace");
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    }

    /// The NAT namespace's rule set, filter and nat tables (`iptables -S`: no counters).
    fn rules(&self) -> String {
        let filter = run(self.nat.exec("iptables").args(["-w", "-S"]));
        let nat = run(self.nat.exec("iptables").args(["-w", "-t", "nat", "-S"]));
        format!("{filter}{nat}")
    }

    fn masquerade_rules(&self) -> Vec<String> {
        self.rules()
            .lines()
            .filter(|l| l.contains("MASQUERADE"))
            .map(String::from)
            .collect()
    }

    fn console_text(&self) -> String {
        std::fs::read_to_string(self.console.path()).expect("read the console file")
    }
}

fn start_server(internet: &Netns) -> Process {
    let mut child = internet
        .exec("python3")
        .args(["-c", SERVER_PY, SERVER_IP, SERVER_PORT])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start python3 in the internet namespace (install python3)");
    let stdout: ChildStdout = child.stdout.take().expect("piped stdout");
    let server = Process(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the server's first line");
    assert_eq!(
        line.trim(),
        "listening",
        "the server in the internet namespace did not start"
    );
    server
}

/// Waits for `p` to end within `limit`; kills it and panics if it does not.
fn finish(mut p: Process, limit: Duration, what: &str) -> Output {
    let deadline = Instant::now() + limit;
    loop {
        match p.0.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Ok(None) => panic!("{what} did not end within {limit:?}"),
            Err(e) => panic!("cannot wait for {what}: {e}"),
        }
    }
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut s) = p.0.stdout.take() {
        std::io::Read::read_to_string(&mut s, &mut stdout).expect("read stdout");
    }
    if let Some(mut s) = p.0.stderr.take() {
        std::io::Read::read_to_string(&mut s, &mut stderr).expect("read stderr");
    }
    Output {
        status: p.0.wait().expect("reap the child"),
        stdout: stdout.into_bytes(),
        stderr: stderr.into_bytes(),
    }
}

/// The one status line of a run, checked to be one line, on the console too, and understood
/// by pipeform's parser.
fn status_line(lab: &Lab, out: &Output) -> BootStatus {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one status line on stdout:\n{stdout}");
    assert!(
        lab.console_text().ends_with(&format!("{}\n", lines[0])),
        "the console got the status line too:\n{}",
        lab.console_text()
    );
    last_status(lines[0]).unwrap_or_else(|| panic!("pipeform cannot read {:?}", lines[0]))
}

fn ok_via(iface: &str) -> BootStatus {
    BootStatus::Ok {
        cidr: VPC_CIDR.into(),
        iface: iface.into(),
    }
}

#[test]
fn the_client_reaches_the_server_from_the_nat_address() {
    let lab = Lab::new(true);
    assert!(
        lab.connect().is_err(),
        "before nat.sh the private namespace must not reach the server"
    );
    let out = lab.run_nat_sh(5);
    assert!(
        out.status.success(),
        "nat.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(status_line(&lab, &out), ok_via(WAN));
    assert_eq!(
        lab.masquerade_rules(),
        [format!(
            "-A POSTROUTING -s {VPC_CIDR} -o {WAN} -j MASQUERADE"
        )]
    );
    assert_eq!(
        lab.connect().as_deref(),
        Ok(NAT_PUBLIC_IP),
        "the server must see the NAT's address, not the client's ({CLIENT_IP})"
    );
}

#[test]
fn with_forwarding_off_the_client_cannot_reach_the_server() {
    let lab = Lab::new(true);
    let out = lab.run_nat_sh(5);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(lab.connect().as_deref(), Ok(NAT_PUBLIC_IP));

    // What a reboot without the bootstrap leaves: the rules may stay, forwarding is off.
    run(lab
        .nat
        .exec("sysctl")
        .args(["-q", "-w", "net.ipv4.ip_forward=0"]));
    let refused = lab.connect();
    assert!(
        refused.is_err(),
        "with forwarding off the client got through: {refused:?}"
    );

    // The next run turns it back on.
    let out = lab.run_nat_sh(5);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(lab.connect().as_deref(), Ok(NAT_PUBLIC_IP));
}

#[test]
fn a_late_default_route_is_waited_for_and_its_interface_masqueraded() {
    let lab = Lab::new(false);
    let child = lab
        .nat_sh(30)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nat.sh");
    let mut child = Process(child);
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        child.0.try_wait().expect("poll nat.sh").is_none(),
        "nat.sh ended before the default route existed"
    );
    assert_eq!(
        lab.masquerade_rules(),
        Vec::<String>::new(),
        "no rule may exist before the route does (an empty -o masquerades nothing)"
    );

    lab.add_nat_default_route();
    let out = finish(
        child,
        Duration::from_secs(10),
        "nat.sh after the route came",
    );
    assert!(
        out.status.success(),
        "nat.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(status_line(&lab, &out), ok_via(WAN));
    assert_eq!(
        lab.masquerade_rules(),
        [format!(
            "-A POSTROUTING -s {VPC_CIDR} -o {WAN} -j MASQUERADE"
        )]
    );
    assert_eq!(lab.connect().as_deref(), Ok(NAT_PUBLIC_IP));
}

#[test]
fn without_a_default_route_it_fails_within_nat_wait_seconds() {
    const WAIT: u32 = 3;
    let lab = Lab::new(false);
    let rules_before = lab.rules();
    let started = Instant::now();
    let child = lab
        .nat_sh(WAIT)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nat.sh");
    // Generous bounds: the point is that it gives up on its own, after waiting.
    let out = finish(
        Process(child),
        Duration::from_secs(u64::from(WAIT) + 10),
        "nat.sh with no default route",
    );
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        took >= Duration::from_secs(u64::from(WAIT) - 1),
        "nat.sh gave up after {took:?} without waiting NAT_WAIT_SECONDS={WAIT}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no IPv4 default route after 3 s"),
        "a clear message on stderr: {stderr}"
    );
    match status_line(&lab, &out) {
        BootStatus::Failed { reason } => {
            assert!(reason.contains("no IPv4 default route"), "{reason}")
        }
        other => panic!("expected FAILED, got {other:?}"),
    }
    assert_eq!(lab.rules(), rules_before, "a failed run installs no rule");
    assert!(lab.connect().is_err());
}

#[test]
fn a_second_run_leaves_the_rule_set_unchanged() {
    let lab = Lab::new(true);
    let first = lab.run_nat_sh(5);
    assert!(first.status.success(), "{first:?}");
    let after_first = lab.rules();
    let second = lab.run_nat_sh(5);
    assert!(second.status.success(), "{second:?}");
    assert_eq!(status_line(&lab, &second), ok_via(WAN));
    assert_eq!(lab.rules(), after_first);
    assert_eq!(
        after_first.lines().filter(|l| l.starts_with("-A ")).count(),
        3,
        "MASQUERADE and two FORWARD rules:\n{after_first}"
    );
    assert_eq!(lab.connect().as_deref(), Ok(NAT_PUBLIC_IP));
}

/// The user data carries nat.sh byte for byte and runs it with the VPC CIDR at every boot.
#[test]
fn the_user_data_embeds_this_very_script() {
    let module = Path::new(env!("CARGO_MANIFEST_DIR")).join("terraform/modules/nat");
    let dir = tempfile::tempdir().expect("temp dir");
    let expr = format!(
        "base64encode(templatefile(\"{m}/templates/user_data.sh.tftpl\", {{ vpc_cidr = \"{VPC_CIDR}\", nat_sh = chomp(file(\"{m}/nat.sh\")) }}))\n",
        m = module.display()
    );
    let out = Command::new("terraform")
        .arg("console")
        .current_dir(dir.path())
        .env(
            "TF_CLI_CONFIG_FILE",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/terraformrc"),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write as _;
            c.stdin
                .take()
                .expect("piped stdin")
                .write_all(expr.as_bytes())?;
            c.wait_with_output()
        })
        .expect("run terraform console");
    assert!(out.status.success(), "{out:?}");
    let b64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .trim_matches('"')
        .to_string();
    let encoded = dir.path().join("user_data.b64");
    std::fs::write(&encoded, b64).expect("write the encoded user data");
    let user_data = run(Command::new("base64").arg("-d").arg(&encoded));

    let script = std::fs::read_to_string(nat_sh()).expect("read nat.sh");
    let start = "<<'PIPEFORM_NAT_SH'\n";
    let embedded = user_data
        .split_once(start)
        .and_then(|(_, rest)| rest.split_once("\nPIPEFORM_NAT_SH\n"))
        .map(|(body, _)| format!("{body}\n"))
        .unwrap_or_else(|| panic!("no nat.sh heredoc in the user data:\n{user_data}"));
    assert_eq!(embedded, script);
    assert!(
        user_data.contains(&format!(
            "ExecStart=/usr/local/sbin/pipeform-nat {VPC_CIDR}\n"
        )),
        "{user_data}"
    );
    assert!(user_data.contains("systemctl enable --now pipeform-nat.service"));
    let file = dir.path().join("user_data.sh");
    std::fs::write(&file, &user_data).expect("write the user data");
    run(Command::new("bash").arg("-n").arg(&file));
}
