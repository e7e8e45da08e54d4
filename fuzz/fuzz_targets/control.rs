//! libFuzzer's inputs through [`fuzz_control::harness::run`]: the byte string decodes into
//! requests to `Service::control` (any code, input bytes, output length and requestor mode) on
//! four handles, interleaved with cleanups, re-opens, rotations and the retire, and every answer
//! and invariant is checked after each step. A panic is a crash.
#![no_main]

#[path = "../../crates/rundown-service/tests/fuzz_control.rs"]
mod fuzz_control;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_control::harness::run(data));
