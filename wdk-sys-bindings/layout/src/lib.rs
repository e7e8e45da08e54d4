//! The layout check of wdk-sys's generated bindings lives in `tests/layout.rs`; this crate has no
//! code of its own.
