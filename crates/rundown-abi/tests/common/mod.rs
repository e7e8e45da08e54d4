//! Helpers shared by the tests that check the C headers and the README against rundown-abi:
//! running mingw-w64 and writing static assertions ([`mingw`]), the wire layouts, object states
//! and input checks as the Rust definitions give them ([`wire`]), and the generated blocks of
//! checked-in files, which `RUNDOWN_BLESS=1` rewrites ([`blocks`]).
#![allow(dead_code, reason = "each test target uses a part of the helpers")]

pub mod blocks;
pub mod ioctl_h;
pub mod mingw;
pub mod wire;
