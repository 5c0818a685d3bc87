//! Fuzz target: any bytes, as JSON and as YAML, through parse + validate (STANDARD and EXPRESS).
#![no_main]

use baton_asl::{SourceFormat, StateMachineType, ValidateOptions, parse_definition};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for format in [SourceFormat::Json, SourceFormat::Yaml] {
        for state_machine_type in [StateMachineType::Standard, StateMachineType::Express] {
            let parsed = parse_definition(text, ValidateOptions { state_machine_type, format });
            assert_eq!(parsed.state_machine.is_some(), !parsed.diagnostics.iter().any(|d| d.is_error()));
        }
    }
});
