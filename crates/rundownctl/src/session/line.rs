//! The session's result lines: `ok <cmd> key=value ...`, `err <cmd> status=... name=...` or
//! `err <cmd> error=<message>`.
//!
//! Values never contain spaces, except `error=`, which is always last and runs to the end of
//! the line.

use std::fmt::{Display, Write as _};

use rundown_abi::{NtStatus, ObjectState, QueryReply, ReadReply, RotateReply, StatsReply};

use crate::hex;
use crate::status;

/// A result line being built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line(String);

impl Line {
    /// `ok <word>`.
    #[must_use]
    pub fn ok(word: &str) -> Self {
        Self(format!("ok {word}"))
    }

    /// `err <word> status=0x... name=...`.
    #[must_use]
    pub fn status(word: &str, status: NtStatus) -> Self {
        Self(format!("err {word}")).kv("status", status::hex(status)).kv("name", status::name(status))
    }

    /// `err <word> error=<message>` (line breaks in the message become spaces).
    #[must_use]
    pub fn error(word: &str, message: &str) -> Self {
        let message: String = message.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).collect();
        Self(format!("err {word} error={message}"))
    }

    /// Appends ` key=value`.
    #[must_use]
    pub fn kv(mut self, key: &str, value: impl Display) -> Self {
        // Writing to a String cannot fail.
        let _ = write!(self.0, " {key}={value}");
        self
    }

    /// The finished line, without a line break.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

/// The state as one word: `active`, `running_down`, `completed`, or the number.
#[must_use]
pub fn state_word(state: u32) -> String {
    match ObjectState::from_raw(state) {
        Some(ObjectState::Active) => "active".to_owned(),
        Some(ObjectState::RunningDown) => "running_down".to_owned(),
        Some(ObjectState::Completed) => "completed".to_owned(),
        None => state.to_string(),
    }
}

/// `ok query generation= version= state= holders= payload_len= handle_holds=`.
#[must_use]
pub fn query(reply: &QueryReply) -> Line {
    Line::ok("query")
        .kv("generation", reply.generation)
        .kv("version", reply.version)
        .kv("state", state_word(reply.state))
        .kv("holders", reply.holders)
        .kv("payload_len", reply.payload_len)
        .kv("handle_holds", reply.handle_holds)
}

/// `ok read generation= version= len= hex=` (the payload always in hex).
#[must_use]
pub fn read(reply: &ReadReply) -> Line {
    Line::ok("read")
        .kv("generation", reply.generation)
        .kv("version", reply.version)
        .kv("len", reply.len)
        .kv("hex", hex::encode(reply.data()))
}

/// `ok rotate old_generation= new_generation= waited_for_holders= elapsed_ms=`.
#[must_use]
pub fn rotate(reply: &RotateReply, elapsed_ms: u128) -> Line {
    Line::ok("rotate")
        .kv("old_generation", reply.old_generation)
        .kv("new_generation", reply.new_generation)
        .kv("waited_for_holders", reply.waited_for_holders)
        .kv("elapsed_ms", elapsed_ms)
}

/// `ok stats acquisitions= refusals= waits= rotations= max_holders= holders= pool_bytes=
/// pool_blocks=`.
#[must_use]
pub fn stats(reply: &StatsReply) -> Line {
    Line::ok("stats")
        .kv("acquisitions", reply.acquisitions)
        .kv("refusals", reply.refusals)
        .kv("waits", reply.waits)
        .kv("rotations", reply.rotations)
        .kv("max_holders", reply.max_holders)
        .kv("holders", reply.holders)
        .kv("pool_bytes", reply.pool_bytes)
        .kv("pool_blocks", reply.pool_blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_and_err_lines() {
        assert_eq!(
            Line::ok("acquire").kv("count", 2).kv("handle_holds", 2).into_string(),
            "ok acquire count=2 handle_holds=2"
        );
        assert_eq!(
            Line::status("raw", NtStatus::INVALID_DEVICE_REQUEST).into_string(),
            "err raw status=0xC0000010 name=STATUS_INVALID_DEVICE_REQUEST"
        );
        assert_eq!(
            Line::status("rotate", NtStatus::from_raw(0xC000_0135_u32.cast_signed())).into_string(),
            "err rotate status=0xC0000135 name=0xC0000135"
        );
        assert_eq!(Line::error("sleep", "bad\nvalue").into_string(), "err sleep error=bad value");
    }

    #[test]
    fn reply_lines() {
        let q = QueryReply { generation: 1, version: 2, holders: 3, state: 1, payload_len: 4, handle_holds: 1 };
        assert_eq!(
            query(&q).into_string(),
            "ok query generation=1 version=2 state=running_down holders=3 payload_len=4 handle_holds=1"
        );
        let mut payload = [0; 256];
        payload[..2].copy_from_slice(b"hi");
        let r = ReadReply { generation: 1, version: 2, len: 2, payload };
        assert_eq!(read(&r).into_string(), "ok read generation=1 version=2 len=2 hex=6869");
        let r = RotateReply { old_generation: 1, new_generation: 2, waited_for_holders: 1 };
        assert_eq!(
            rotate(&r, 1500).into_string(),
            "ok rotate old_generation=1 new_generation=2 waited_for_holders=1 elapsed_ms=1500"
        );
        let s = StatsReply {
            acquisitions: 1,
            refusals: 2,
            waits: 3,
            rotations: 4,
            max_holders: 5,
            holders: 6,
            pool_bytes: 7,
            pool_blocks: 8,
        };
        assert_eq!(
            stats(&s).into_string(),
            "ok stats acquisitions=1 refusals=2 waits=3 rotations=4 max_holders=5 holders=6 pool_bytes=7 pool_blocks=8"
        );
        assert_eq!(state_word(0), "active");
        assert_eq!(state_word(2), "completed");
        assert_eq!(state_word(7), "7");
    }
}
