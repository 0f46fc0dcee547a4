//! Reports: a plain text table for people, JUnit XML for CI. Each reporting command (check,
//! drift, plan) builds its rows and hands them to these writers.

pub mod check;
pub mod drift;
pub mod junit;
pub mod table;
