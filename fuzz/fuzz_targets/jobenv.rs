//! `job.env` text: whatever parses renders back to text that parses to the same settings, and
//! the key map round-trips too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pipeform_shared::jobenv::JobEnv;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(env) = JobEnv::parse(text) {
        let rendered = env.render();
        assert_eq!(JobEnv::parse(&rendered).as_ref(), Ok(&env), "{rendered}");
        assert_eq!(JobEnv::from_map(&env.to_map()).as_ref(), Ok(&env));
    }
});
