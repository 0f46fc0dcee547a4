//! Preflight: will this binary run on that host? Read the ELF header (machine, class) and the
//! highest `GLIBC_x.y` symbol version the binary needs, and compare them with the host's
//! `uname -m` and `getconf GNU_LIBC_VERSION`, which the deploy script prints before it writes
//! anything. A binary built on a newer glibc, or for another machine, would install "fine" and
//! then fail in cron at night with no `JOB_STATUS` line; this refuses it up front.

use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};

use object::elf::{FileHeader32, FileHeader64};
use object::read::elf::FileHeader;
use object::{Endianness, FileKind, ReadCache, ReadRef};

/// Host machines we know how to name, by ELF machine and class: `uname -m` spellings that
/// mean it (the first is the one we print). One line per machine.
const MACHINES: &[(u16, Class, &[&str])] = &[
    (object::elf::EM_X86_64, Class::Elf64, &["x86_64", "amd64"]),
    (object::elf::EM_AARCH64, Class::Elf64, &["aarch64", "arm64"]),
    (
        object::elf::EM_386,
        Class::Elf32,
        &["i686", "i586", "i486", "i386"],
    ),
    (object::elf::EM_ARM, Class::Elf32, &["armv7l", "armv6l"]),
];

/// ELF class: 32- or 64-bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// ELFCLASS32.
    Elf32,
    /// ELFCLASS64.
    Elf64,
}

/// A glibc version, `major.minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Glibc(pub u32, pub u32);

impl Glibc {
    /// Parses `2.17` (also `2.17.1`, whose patch level does not change the ABI).
    pub fn parse(s: &str) -> Option<Self> {
        let mut it = s.trim().split('.');
        let major = it.next()?.parse().ok()?;
        let minor = it.next()?.parse().ok()?;
        Some(Self(major, minor))
    }
}

impl fmt::Display for Glibc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// What the binary needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinaryFacts {
    /// ELF `e_machine`.
    pub machine: u16,
    /// ELF class.
    pub class: Class,
    /// The highest `GLIBC_x.y` version it references; `None` for a binary that needs no glibc
    /// (static, or musl).
    pub glibc: Option<Glibc>,
}

impl BinaryFacts {
    /// The machine as `uname -m` names it, or `ELF machine N (32|64-bit)`.
    pub fn machine_name(&self) -> String {
        MACHINES
            .iter()
            .find(|(m, c, _)| *m == self.machine && *c == self.class)
            .map(|(_, _, names)| names[0].to_string())
            .unwrap_or_else(|| {
                let bits = if self.class == Class::Elf64 { 64 } else { 32 };
                format!("ELF machine {} ({bits}-bit)", self.machine)
            })
    }
}

/// What the host has, as the deploy script printed it (`@host MACHINE LIBC...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFacts {
    /// `uname -m`.
    pub machine: String,
    /// `getconf GNU_LIBC_VERSION` (`glibc 2.36`), or `None` when it failed (musl, or no glibc).
    pub glibc: Option<Glibc>,
}

impl HostFacts {
    /// Parses the rest of the `@host` line: `x86_64 glibc 2.36`, or `x86_64 none`.
    pub fn parse(line: &str) -> Option<Self> {
        let mut it = line.split_whitespace();
        let machine = it.next()?.to_string();
        let glibc = match (it.next(), it.next()) {
            (Some("glibc"), Some(v)) => Glibc::parse(v),
            _ => None,
        };
        Some(Self { machine, glibc })
    }

    fn libc_name(&self) -> String {
        match self.glibc {
            Some(v) => format!("glibc {v}"),
            None => "no glibc (`getconf GNU_LIBC_VERSION` failed: a musl host?)".to_string(),
        }
    }
}

/// Why the binary cannot be read as an ELF executable (a local problem: exit 2).
#[derive(Debug, thiserror::Error)]
#[error(
    "binary {path}: {reason}; pass --binary with a pipeform-job built for the host (`make dist`)"
)]
pub struct NotElf {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub reason: String,
}

/// The binary would not run on the host (exit 3; nothing on the host was changed).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Mismatch {
    /// Built for another machine.
    #[error("preflight: the binary is built for {binary}, the host is {host} (`uname -m`); nothing on the host was changed. Build for the host's machine: `make dist` puts it in dist/{host}/pipeform-job")]
    Machine {
        /// The binary's machine.
        binary: String,
        /// The host's `uname -m`.
        host: String,
    },
    /// Needs a newer glibc than the host has.
    #[error("preflight: the binary needs glibc {needs} (its highest GLIBC_ symbol version), the host has {host}; nothing on the host was changed. Build against an older glibc: `make dist` links against glibc 2.17 (dist/<machine>/pipeform-job)")]
    Glibc {
        /// What the binary needs.
        needs: Glibc,
        /// What the host has.
        host: String,
    },
}

/// Reads the machine, class and highest `GLIBC_` version of an ELF file without loading it
/// whole (a debug job binary is ~76 MiB).
pub fn read_binary(path: &Path) -> Result<BinaryFacts, NotElf> {
    let bad = |reason: String| NotElf {
        path: path.to_path_buf(),
        reason,
    };
    let file = File::open(path).map_err(|e| bad(e.to_string()))?;
    let cache = ReadCache::new(file);
    match FileKind::parse(&cache) {
        Ok(FileKind::Elf64) => facts::<FileHeader64<Endianness>, _>(&cache, Class::Elf64),
        Ok(FileKind::Elf32) => facts::<FileHeader32<Endianness>, _>(&cache, Class::Elf32),
        Ok(kind) => Err(format!("not an ELF executable (a {kind:?} file)")),
        Err(_) => Err("not an ELF executable (a script or data file?)".to_string()),
    }
    .map_err(bad)
}

fn facts<'data, Elf: FileHeader<Endian = Endianness>, R: ReadRef<'data>>(
    data: R,
    class: Class,
) -> Result<BinaryFacts, String> {
    let header = Elf::parse(data).map_err(|e| format!("bad ELF header: {e}"))?;
    let endian = header
        .endian()
        .map_err(|e| format!("bad ELF header: {e}"))?;
    let sections = header
        .sections(endian, data)
        .map_err(|e| format!("bad ELF section table: {e}"))?;
    let mut glibc = None;
    if let Some((mut needs, link)) = sections
        .gnu_verneed(endian, data)
        .map_err(|e| format!("bad ELF version needs: {e}"))?
    {
        let strings = sections
            .strings(endian, data, link)
            .map_err(|e| format!("bad ELF string table: {e}"))?;
        while let Some((_, mut aux)) = needs
            .next()
            .map_err(|e| format!("bad ELF version needs: {e}"))?
        {
            while let Some(a) = aux
                .next()
                .map_err(|e| format!("bad ELF version needs: {e}"))?
            {
                let name = a
                    .name(endian, strings)
                    .map_err(|e| format!("bad ELF version name: {e}"))?;
                let v = std::str::from_utf8(name)
                    .ok()
                    .and_then(|n| n.strip_prefix("GLIBC_"))
                    .and_then(Glibc::parse);
                glibc = glibc.max(v);
            }
        }
    }
    Ok(BinaryFacts {
        machine: header.e_machine(endian),
        class,
        glibc,
    })
}

/// The rule: the host's machine is one the binary's ELF machine and class run on, and the host
/// has at least the glibc the binary needs.
pub fn check(binary: &BinaryFacts, host: &HostFacts) -> Result<(), Mismatch> {
    let fits = MACHINES.iter().any(|(m, c, names)| {
        *m == binary.machine && *c == binary.class && names.contains(&host.machine.as_str())
    });
    if !fits {
        return Err(Mismatch::Machine {
            binary: binary.machine_name(),
            host: host.machine.clone(),
        });
    }
    match (binary.glibc, host.glibc) {
        (Some(needs), Some(has)) if needs > has => Err(Mismatch::Glibc {
            needs,
            host: host.libc_name(),
        }),
        (Some(needs), None) => Err(Mismatch::Glibc {
            needs,
            host: host.libc_name(),
        }),
        _ => Ok(()),
    }
}

/// The shell fragment that prints `@host MACHINE glibc X.Y` (or `@host MACHINE none`). Reads
/// only: it runs before the script writes anything.
pub const HOST_FACTS: &str = r#"libc=$(getconf GNU_LIBC_VERSION 2>/dev/null || true)
echo "@host $(uname -m) ${libc:-none}"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn x86(glibc: Option<Glibc>) -> BinaryFacts {
        BinaryFacts {
            machine: object::elf::EM_X86_64,
            class: Class::Elf64,
            glibc,
        }
    }

    #[test]
    fn host_lines_parse() {
        assert_eq!(
            HostFacts::parse("x86_64 glibc 2.36"),
            Some(HostFacts {
                machine: "x86_64".into(),
                glibc: Some(Glibc(2, 36))
            })
        );
        assert_eq!(
            HostFacts::parse("aarch64 none"),
            Some(HostFacts {
                machine: "aarch64".into(),
                glibc: None
            })
        );
        assert_eq!(HostFacts::parse(""), None);
        assert_eq!(Glibc::parse("2.17"), Some(Glibc(2, 17)));
        assert_eq!(Glibc::parse("2.3.4"), Some(Glibc(2, 3)));
        assert!(Glibc(2, 9) < Glibc(2, 17), "versions compare as numbers");
    }

    #[test]
    fn the_rule_names_both_sides_and_the_fix() {
        let host = HostFacts::parse("x86_64 glibc 2.31").unwrap();
        assert_eq!(check(&x86(Some(Glibc(2, 17))), &host), Ok(()));
        assert_eq!(check(&x86(None), &host), Ok(()));
        let err = check(&x86(Some(Glibc(2, 34))), &host).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("glibc 2.34") && text.contains("glibc 2.31"),
            "{text}"
        );
        assert!(text.contains("make dist"), "{text}");

        let arm = HostFacts::parse("aarch64 glibc 2.39").unwrap();
        let text = check(&x86(Some(Glibc(2, 17))), &arm)
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("x86_64") && text.contains("aarch64"),
            "{text}"
        );
        assert!(text.contains("make dist"), "{text}");

        // x32 (64-bit machine, 32-bit class) is not an x86_64 binary.
        let x32 = BinaryFacts {
            class: Class::Elf32,
            ..x86(None)
        };
        assert!(check(&x32, &host).is_err());

        let musl = HostFacts::parse("x86_64 none").unwrap();
        let text = check(&x86(Some(Glibc(2, 17))), &musl)
            .unwrap_err()
            .to_string();
        assert!(text.contains("musl"), "{text}");
        assert_eq!(check(&x86(None), &musl), Ok(()));
    }

    #[test]
    fn reads_this_test_binary() {
        let me = std::env::current_exe().unwrap();
        let facts = read_binary(&me).unwrap();
        assert_eq!(facts.machine_name(), std::env::consts::ARCH);
        assert!(facts.glibc.is_some_and(|v| v >= Glibc(2, 2)), "{facts:?}");
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("job.sh");
        std::fs::write(&script, "#!/bin/sh\n").unwrap();
        let err = read_binary(&script).unwrap_err().to_string();
        assert!(err.contains("not an ELF executable"), "{err}");
    }
}
