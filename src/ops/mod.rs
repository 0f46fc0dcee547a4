//! Operations shared by more than one command: each takes validated inputs and returns plain
//! results, leaving argument parsing to `commands` and rendering to `report`.

pub mod check;
