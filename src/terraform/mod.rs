//! The one way to run terraform: a runner that builds the command line, streams or captures
//! output, and turns failure into a typed error; plus readers of `show -json` and `output -json`.

pub mod guard;
mod outputs;
pub mod progress;
mod runner;

pub use outputs::Outputs;
pub use pipeform_parse::plan_json::{self, Action, PlanJson, ResourceChange};
pub use runner::{Terraform, TerraformError};
