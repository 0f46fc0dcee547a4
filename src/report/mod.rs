//! Reports: tables for people (through [`crate::table`]), JSON and JUnit XML for CI. Each reporting command (check,
//! drift, plan) builds its rows and hands them to these writers.

pub mod check;
pub mod drift;
pub mod junit;
