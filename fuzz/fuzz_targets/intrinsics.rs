//! Fuzz target: any text as an intrinsic function call; when it parses, evaluate it.
#![no_main]

use baton_asl::intrinsics::{IntrinsicCall, RandomSource};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

/// A fixed "random" source so runs are reproducible.
struct Fixed(u64);

impl RandomSource for Fixed {
    fn uuid_v4_bytes(&mut self) -> [u8; 16] {
        [7; 16]
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(call) = IntrinsicCall::parse(text) else { return };
    let input = json!({"a": 1, "s": "x,y", "arr": [1, 2, 2, 3], "obj": {"k": "v"}, "json": "{\"x\": [1]}"});
    let context = json!({"Execution": {"Id": "arn:aws:states:us-east-1:123456789012:execution:sm:e"}});
    let vars = |name: &str| (name == "v").then(|| json!(42));
    let _ = call.evaluate(&input, &context, &vars, &mut Fixed(1));
});
