//! `pipeform drift --with-checks`: the checks of `pipeform check` (contract §5), run in the same
//! process through the check library (config -> expectations; inventory gathered once; pure
//! checks), so both reports share one document and one exit code.

use chrono::Utc;

use crate::checks::{self, Expectations};
use crate::config::Stack;
use crate::inventory::{self, Target};
use crate::report::drift::CheckRow;

/// Runs every check against the stack `stack` describes. Never fails: what cannot be read
/// becomes `error` rows, as in `pipeform check`.
pub async fn run_checks(
    stack: &Stack,
    endpoint_url: Option<&str>,
    region: Option<&str>,
) -> Vec<CheckRow> {
    // No `--only` here: selecting all checks cannot fail.
    let selected = checks::select(&[]).unwrap_or_default();
    let region = region
        .filter(|r| !r.is_empty())
        .map_or_else(|| stack.project.region.clone(), str::to_string);
    let expect = Expectations::from_stack(stack, &region, Utc::now(), None);
    let target = Target {
        region,
        endpoint_url: endpoint_url.filter(|u| !u.is_empty()).map(str::to_string),
    };
    let inventory = inventory::gather(&target, &expect.query(), checks::needs_of(&selected)).await;
    checks::run(&selected, &expect, &inventory)
        .into_iter()
        .map(|f| CheckRow {
            id: f.id.to_string(),
            status: f.status.as_str().to_string(),
            resource: f.resource,
            detail: f.detail,
        })
        .collect()
}
