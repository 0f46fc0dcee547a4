//! Prefix templates: a parsed template re-parses from its own text to the same template, and a
//! rendered day never panics and names the day it was rendered for when the template has one.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use pipeform_shared::prefix::PrefixTemplate;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(template) = PrefixTemplate::parse(text) else {
        return;
    };
    let again = PrefixTemplate::parse(template.as_str()).expect("a template's own text parses");
    assert_eq!(again.as_str(), template.as_str());
    assert_eq!(template.to_string(), template.as_str());
    let day = NaiveDate::from_ymd_opt(2026, 11, 28).expect("a real day");
    let key = template.render_day(day);
    assert!(key.starts_with(template.static_prefix()), "{key}");
    let _ = template.date_of(&key);
    let _ = template.matches_partially(&key);
});
