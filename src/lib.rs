//! pipeform: provision, deploy to, and verify one batch-pipeline AWS stack.
//!
//! Data flows one way: `pipeform.toml` -> [`config::Stack`] -> tfvars / expectations;
//! AWS APIs -> [`inventory`] (gathered once) -> [`checks`] (pure) -> [`report`].
//! What the job on the host must agree with (prefix templates, the day manifest, `job.env`, AWS
//! client basics) lives in the `pipeform-shared` crate and is re-exported here.

pub mod checks;
pub mod cli;
pub mod commands;
pub mod config;
pub mod deploy;
pub mod diagnostics;
pub mod drift;
pub mod exit;
pub mod help;
pub mod inventory;
pub mod ops;
pub mod report;
pub mod scaffold;
pub mod table;
pub mod terraform;
pub mod tfvars;

pub use pipeform_shared::{aws, filter_pattern, jobenv, manifest, prefix, status_line};
