//! Pure check functions: (expectations, inventory) -> findings.
