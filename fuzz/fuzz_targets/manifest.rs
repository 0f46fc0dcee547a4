//! S3 day manifests: whatever parses serialises back to JSON that parses to the same manifest.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pipeform_shared::manifest::Manifest;

fuzz_target!(|data: &[u8]| {
    if let Some(m) = Manifest::parse(data) {
        let json = m.to_json();
        assert_eq!(Manifest::parse(&json).as_ref(), Some(&m));
        let _ = m.first_under(&m.date);
    }
});
