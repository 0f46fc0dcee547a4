//! Live facts of the stack, gathered once, concurrently.
