//! The stack config: `pipeform.toml` parsed into raw serde types, then validated once into a
//! [`Stack`] whose fields cannot be wrong. Nothing downstream re-checks strings.

mod stack;

pub use stack::*;
