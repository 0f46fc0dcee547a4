//! Stack -> tfvars, checked against the root module's declared variables.
