//! pipeform's parsers of input it does not control, kept free of the AWS SDK, SSH and HCL so
//! the fuzz targets (`fuzz/`) can build them with sanitizer flags in minutes. The operator
//! (`pipeform`) and the job (`pipeform-job`) re-export these modules under their old paths.

pub mod config;
pub mod csvfile;
pub mod drift_diff;
pub mod plan_json;
pub mod pseudo;

// `crate::prefix` inside the config modules, as when they lived in the operator crate.
use pipeform_shared::prefix;
