//! pipeform: provision, deploy to, and verify one batch-pipeline AWS stack.
//!
//! Data flows one way: `pipeform.toml` -> [`config::Stack`] -> tfvars / expectations;
//! AWS APIs -> [`inventory`] (gathered once) -> [`checks`] (pure) -> [`report`].

pub mod aws;
pub mod checks;
pub mod cli;
pub mod commands;
pub mod config;
pub mod deploy;
pub mod diagnostics;
pub mod drift;
pub mod exit;
pub mod inventory;
pub mod job;
pub mod jobenv;
pub mod manifest;
pub mod prefix;
pub mod report;
pub mod terraform;
pub mod tfvars;
