//! The Inputs/Outputs documentation of every Terraform module (and the root module), generated
//! from its `*.tf` files in terraform-docs' markdown table format between `BEGIN_TF_DOCS` /
//! `END_TF_DOCS` markers of its README. This test fails when a README is stale;
//! `scripts/tf-docs.sh` (this test with `PIPEFORM_UPDATE_TF_DOCS=1`) rewrites them.

mod support;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

const BEGIN: &str = "<!-- BEGIN_TF_DOCS -->";
const END: &str = "<!-- END_TF_DOCS -->";

struct Input {
    name: String,
    description: String,
    ty: String,
    default: Option<String>,
}

struct Output {
    name: String,
    description: String,
}

/// What the docs say of one module.
#[derive(Default)]
struct Module {
    requirements: Vec<(String, String)>,
    modules: Vec<(String, String)>,
    resources: Vec<(String, String, &'static str)>,
    inputs: Vec<Input>,
    outputs: Vec<Output>,
}

/// One line of source text: runs of whitespace collapsed (a multi-line `object({...})` type or
/// default becomes one table cell).
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn string_attr(body: &hcl::Body, key: &str) -> Option<String> {
    body.attributes()
        .find(|a| a.key() == key)
        .map(|a| match a.expr() {
            hcl::Expression::String(s) => s.clone(),
            other => one_line(&other.to_string()),
        })
}

fn read_module(dir: &Path) -> Module {
    let mut m = Module::default();
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("list module")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "tf"))
        .collect();
    files.sort();
    for file in files {
        let text = fs::read_to_string(&file).expect("read .tf");
        let body = hcl::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for block in body.blocks() {
            let label = |i: usize| {
                block
                    .labels()
                    .get(i)
                    .map(|l| l.as_str().to_string())
                    .unwrap_or_default()
            };
            match block.identifier() {
                "terraform" => {
                    if let Some(v) = string_attr(block.body(), "required_version") {
                        m.requirements.push(("terraform".into(), v));
                    }
                    for rp in block
                        .body()
                        .blocks()
                        .filter(|b| b.identifier() == "required_providers")
                    {
                        for a in rp.body().attributes() {
                            let version = match a.expr() {
                                hcl::Expression::Object(o) => o
                                    .iter()
                                    .find(|(k, _)| k.to_string() == "version")
                                    .map(|(_, v)| match v {
                                        hcl::Expression::String(s) => s.clone(),
                                        other => other.to_string(),
                                    })
                                    .unwrap_or_default(),
                                _ => String::new(),
                            };
                            m.requirements.push((a.key().to_string(), version));
                        }
                    }
                }
                "module" => m.modules.push((
                    label(0),
                    string_attr(block.body(), "source").unwrap_or_default(),
                )),
                "resource" => {
                    m.resources
                        .push((label(0), format!("{}.{}", label(0), label(1)), "resource"))
                }
                "data" => m.resources.push((
                    label(0),
                    format!("data.{}.{}", label(0), label(1)),
                    "data source",
                )),
                "variable" => m.inputs.push(Input {
                    name: label(0),
                    description: string_attr(block.body(), "description").unwrap_or_default(),
                    ty: string_attr(block.body(), "type").unwrap_or_else(|| "any".into()),
                    default: block
                        .body()
                        .attributes()
                        .find(|a| a.key() == "default")
                        .map(|a| one_line(&a.expr().to_string())),
                }),
                "output" => m.outputs.push(Output {
                    name: label(0),
                    description: string_attr(block.body(), "description").unwrap_or_default(),
                }),
                _ => {}
            }
        }
    }
    m.requirements.sort();
    m.requirements.dedup();
    m.modules.sort();
    m.resources.sort_by(|a, b| a.1.cmp(&b.1));
    m.inputs.sort_by(|a, b| a.name.cmp(&b.name));
    m.outputs.sort_by(|a, b| a.name.cmp(&b.name));
    m
}

/// Markdown-safe: `_` escaped in link text, `|` escaped, newlines as `<br>`.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', "<br>")
}

fn anchor(kind: &str, name: &str) -> String {
    format!(
        "<a name=\"{kind}_{name}\"></a> [{}](#{kind}\\_{})",
        name.replace('_', "\\_"),
        name.replace('_', "\\_")
    )
}

/// The generated section, markers included, in terraform-docs' markdown table layout.
fn render(m: &Module) -> String {
    let mut s = format!("{BEGIN}\n## Requirements\n\n| Name | Version |\n|------|---------|\n");
    for (name, version) in &m.requirements {
        let _ = writeln!(s, "| {} | {} |", anchor("requirement", name), cell(version));
    }
    if !m.modules.is_empty() {
        s.push_str("\n## Modules\n\n| Name | Source | Version |\n|------|--------|---------|\n");
        for (name, source) in &m.modules {
            let _ = writeln!(s, "| {} | {source} | n/a |", anchor("module", name));
        }
    }
    s.push_str("\n## Resources\n\n| Name | Type |\n|------|------|\n");
    for (ty, address, kind) in &m.resources {
        let docs = if *kind == "resource" {
            "resources"
        } else {
            "data-sources"
        };
        let page = ty.strip_prefix("aws_").unwrap_or(ty);
        let _ = writeln!(
            s,
            "| [{address}](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/{docs}/{page}) | {kind} |"
        );
    }
    s.push_str("\n## Inputs\n\n| Name | Description | Type | Default | Required |\n|------|-------------|------|---------|:--------:|\n");
    for i in &m.inputs {
        let (default, required) = match &i.default {
            Some(d) => (format!("`{}`", cell(d)), "no"),
            None => ("n/a".to_string(), "yes"),
        };
        let _ = writeln!(
            s,
            "| {} | {} | `{}` | {default} | {required} |",
            anchor("input", &i.name),
            cell(&i.description),
            cell(&i.ty)
        );
    }
    s.push_str("\n## Outputs\n\n| Name | Description |\n|------|-------------|\n");
    for o in &m.outputs {
        let _ = writeln!(
            s,
            "| {} | {} |",
            anchor("output", &o.name),
            cell(&o.description)
        );
    }
    s.push_str(END);
    s
}

/// The README with its marked section replaced by `section` (appended when it has none).
fn with_section(readme: &str, section: &str) -> String {
    match (readme.find(BEGIN), readme.find(END)) {
        (Some(b), Some(e)) if b < e => {
            format!("{}{section}{}", &readme[..b], &readme[e + END.len()..])
        }
        _ => format!("{}\n{section}\n", readme.trim_end()),
    }
}

fn module_dirs() -> Vec<PathBuf> {
    let root = support::repo_root().join("terraform");
    let mut dirs: Vec<PathBuf> = fs::read_dir(root.join("modules"))
        .expect("list modules")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.insert(0, root);
    dirs
}

#[test]
fn module_readmes_are_generated_from_the_modules() {
    let update = std::env::var_os("PIPEFORM_UPDATE_TF_DOCS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for dir in module_dirs() {
        let path = dir.join("README.md");
        let readme = fs::read_to_string(&path).unwrap_or_default();
        let want = with_section(&readme, &render(&read_module(&dir)));
        if want != readme {
            if update {
                fs::write(&path, &want).expect("write README");
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale Terraform docs in {stale:?}: run scripts/tf-docs.sh and commit the result"
    );
}

#[test]
fn the_section_lists_inputs_with_defaults_and_outputs() {
    let m = read_module(&support::repo_root().join("terraform/modules/sns"));
    let text = render(&m);
    assert!(text.starts_with(BEGIN) && text.ends_with(END));
    assert!(
        text.contains("| <a name=\"input_topic_name\"></a> [topic\\_name](#input\\_topic\\_name) | Name of the SNS topic. | `string` | n/a | yes |"),
        "{text}"
    );
    assert!(text.contains("`\"alias/aws/sns\"` | no |"), "{text}");
    assert!(text.contains("[aws_sns_topic.this](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/sns_topic) | resource |"), "{text}");
    assert!(
        text.contains("| <a name=\"requirement_aws\"></a> [aws](#requirement\\_aws) | ~> 5.100 |"),
        "{text}"
    );
    // Replacing is idempotent and keeps the hand-written text around the markers.
    let readme = format!("# sns\n\nProse.\n\n{text}\n\nMore prose.\n");
    assert_eq!(with_section(&readme, &text), readme);
}
