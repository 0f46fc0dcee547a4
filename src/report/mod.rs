//! Reports: tables for people (through [`crate::table`]); JSON, JUnit XML, SARIF and GitHub
//! annotations for CI. Each reporting command (check, drift, plan) builds its rows and hands
//! them to these writers.

pub mod check;
pub mod check_docs;
pub mod drift;
pub mod github;
pub mod junit;
pub mod plan;
pub mod sarif;
