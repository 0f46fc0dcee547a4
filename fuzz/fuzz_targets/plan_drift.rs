//! `terraform show -json` plan documents -> the drift diff, as `pipeform drift` reads them:
//! - Reading any document, folding its actions and replace paths never panics.
//! - A resource whose before equals after reports no drift (`differences(v, v)` is empty).
//! - Before and after differ (per `differences`) exactly when they are not `equivalent`, and
//!   `equivalent` is symmetric; each reported difference that pairs two values is itself not
//!   equivalent, and the list is in path order.
//! - A path made of plain keys (no `.`, `[`, `]`, not empty) re-parses from its text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pipeform_parse::drift_diff::{differences, equivalent, AttrPath, Step};
use pipeform_parse::plan_json::PlanJson;

fn plain(path: &AttrPath) -> bool {
    path.0.iter().all(|s| match s {
        Step::Key(k) => !k.is_empty() && !k.contains(['.', '[', ']']),
        Step::Index(_) => true,
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(plan) = serde_json::from_slice::<PlanJson>(data) else {
        return;
    };
    for r in plan.resource_changes.iter().chain(&plan.resource_drift) {
        let _ = r.action().as_str();
        let _ = r.replace_reasons();
        let (before, after) = (&r.change.before, &r.change.after);
        assert!(differences(before, before).is_empty(), "{before}");
        assert!(differences(after, after).is_empty(), "{after}");
        let same = equivalent(before, after);
        assert_eq!(same, equivalent(after, before), "{before} vs {after}");
        let diffs = differences(before, after);
        assert_eq!(diffs.is_empty(), same, "{before} vs {after}: {diffs:?}");
        for d in &diffs {
            // A list element on one side only is reported against `null` even when it is
            // empty itself (`[x]` -> `[x, {}]` changes the list), so only pairs are checked.
            let one_sided = matches!(d.path.0.last(), Some(Step::Index(_)))
                && (d.state.is_null() || d.live.is_null());
            assert!(one_sided || !equivalent(&d.state, &d.live), "{d:?}");
            if plain(&d.path) && !d.path.0.is_empty() {
                let text = d.path.to_string();
                assert_eq!(AttrPath::parse(&text).as_ref(), Some(&d.path), "{text}");
            }
        }
        assert!(diffs.windows(2).all(|w| w[0].path <= w[1].path));
    }
});
