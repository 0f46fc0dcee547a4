//! What `pipeform init` writes into a new working directory: the config, with every name derived
//! from the project's (`names`), and the Terraform root module embedded in the binary
//! (`tree`), so that an installed binary alone is enough to start.

pub mod names;
pub mod tree;
