//! What the device subcommands print for people: the replies as aligned two-column tables.
//! (The session's machine-readable lines are `session::line`.)

use std::time::Duration;

use rundown_abi::peer::PeerStats;
use rundown_abi::{
    ABI_VERSION, DriverFlavour, Ioctl, ObjectState, ProtectionKind, QueryReply, ReadReply, RotateReply, StatsReply,
    VersionReply,
};

use crate::hex;
use crate::status;
use crate::table::Table;
use crate::transport::Completion;

/// Hex payloads are wrapped at this many bytes per line.
const HEX_BYTES_PER_LINE: usize = 32;

/// The state's name for people: `active`, `running down`, `completed`, or `unknown (N)`.
#[must_use]
pub fn state_label(state: u32) -> String {
    match ObjectState::from_raw(state) {
        Some(ObjectState::Active) => "active".to_owned(),
        Some(ObjectState::RunningDown) => "running down".to_owned(),
        Some(ObjectState::Completed) => "completed".to_owned(),
        None => format!("unknown ({state})"),
    }
}

/// The payload as text if it is printable UTF-8 (no control characters), else `None`.
#[must_use]
pub fn printable_text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok().filter(|text| !text.chars().any(char::is_control))
}

/// Hex of `bytes`, 32 bytes per line.
#[must_use]
pub fn wrapped_hex(bytes: &[u8]) -> String {
    bytes.chunks(HEX_BYTES_PER_LINE).map(hex::encode).collect::<Vec<_>>().join("\n")
}

/// `1.234 s`.
#[must_use]
pub fn seconds(elapsed: Duration) -> String {
    format!("{:.3} s", elapsed.as_secs_f64())
}

/// QUERY's table.
#[must_use]
pub fn query(reply: &QueryReply) -> String {
    Table::new()
        .row("generation", reply.generation)
        .row("version", reply.version)
        .row("state", state_label(reply.state))
        .row("holders", reply.holders)
        .row("payload bytes", reply.payload_len)
        .row("this handle's holds", reply.handle_holds)
        .render()
}

/// READ's table: the payload quoted as text if printable, else in hex.
#[must_use]
pub fn read(reply: &ReadReply) -> String {
    let table = Table::new().row("generation", reply.generation).row("version", reply.version).row("length", reply.len);
    let data = reply.data();
    let table = if data.is_empty() {
        table.row("payload", "(empty)")
    } else if let Some(text) = printable_text(data) {
        table.row("payload", format!("\"{text}\""))
    } else {
        table.row("payload (hex)", wrapped_hex(data))
    };
    table.render()
}

/// ROTATE's table, with how long the request took.
#[must_use]
pub fn rotate(reply: &RotateReply, elapsed: Duration) -> String {
    Table::new()
        .row("old generation", reply.old_generation)
        .row("new generation", reply.new_generation)
        .row("holders waited for", reply.waited_for_holders)
        .row("took", seconds(elapsed))
        .render()
}

/// STATS' table.
#[must_use]
pub fn stats(reply: &StatsReply) -> String {
    Table::new()
        .row("acquisitions", reply.acquisitions)
        .row("refusals", reply.refusals)
        .row("waits", reply.waits)
        .row("rotations", reply.rotations)
        .row("max holders", reply.max_holders)
        .row("holders", reply.holders)
        .row("pool bytes", reply.pool_bytes)
        .row("pool blocks", reply.pool_blocks)
        .render()
}

/// VERSION's table: the contract's version (with rundownctl's own if they differ), the flavour,
/// the protection and the largest payload.
#[must_use]
pub fn version(reply: &VersionReply) -> String {
    let abi = if reply.abi_version == ABI_VERSION {
        reply.abi_version.to_string()
    } else {
        format!("{} (rundownctl speaks {ABI_VERSION})", reply.abi_version)
    };
    let named = |name: Option<&str>, raw: u32| name.map_or_else(|| format!("unknown ({raw})"), str::to_owned);
    Table::new()
        .row("abi version", abi)
        .row("flavour", named(reply.driver_flavour().map(DriverFlavour::name), reply.flavour))
        .row("protection", named(reply.protection_kind().map(ProtectionKind::name), reply.protection))
        .row("max payload", reply.max_payload)
        .render()
}

/// The peer's counts (PEER_STOP, PEER_STATS).
#[must_use]
pub fn peer_stats(stats: &PeerStats) -> String {
    let running = match stats.running {
        0 => "no".to_owned(),
        1 => "yes".to_owned(),
        other => format!("unknown ({other})"),
    };
    Table::new()
        .row("operations", stats.operations)
        .row("in timer DPC", stats.dispatch_operations)
        .row("refused", stats.refused)
        .row("inconsistencies", stats.inconsistencies)
        .row("generations seen", stats.generations_seen)
        .row("last generation", stats.last_generation)
        .row("running", running)
        .render()
}

/// `0x83526000 (IOCTL_RUNDOWN_QUERY)`, or just the hex for a code that is not the device's.
#[must_use]
pub fn code(code: u32) -> String {
    match Ioctl::decode(code) {
        Ok(ioctl) => format!("0x{code:08X} ({})", ioctl.name()),
        Err(_) => format!("0x{code:08X}"),
    }
}

/// A raw request's table: the code, the status, `IoStatus.Information` and the whole output
/// buffer.
#[must_use]
pub fn raw(control_code: u32, input: &[u8], done: &Completion) -> String {
    let output = if done.output.is_empty() { "(none)".to_owned() } else { wrapped_hex(&done.output) };
    let input = if input.is_empty() { "(none)".to_owned() } else { wrapped_hex(input) };
    Table::new()
        .row("code", code(control_code))
        .row("input", input)
        .row("status", status::describe(done.status))
        .row("information", done.information)
        .row(format!("output ({} bytes)", done.output.len()), output)
        .render()
}

#[cfg(test)]
mod tests {
    use rundown_abi::{MAX_PAYLOAD, NtStatus};

    use super::*;

    fn read_reply(data: &[u8]) -> ReadReply {
        let mut payload = [0; MAX_PAYLOAD];
        payload[..data.len()].copy_from_slice(data);
        ReadReply { generation: 2, version: 5, len: u32::try_from(data.len()).unwrap(), payload }
    }

    #[test]
    fn query_table() {
        let reply = QueryReply { generation: 3, version: 7, holders: 2, state: 1, payload_len: 5, handle_holds: 1 };
        assert_eq!(
            query(&reply),
            "generation           3\n\
             version              7\n\
             state                running down\n\
             holders              2\n\
             payload bytes        5\n\
             this handle's holds  1\n"
        );
    }

    #[test]
    fn read_text_hex_and_empty() {
        assert_eq!(
            read(&read_reply(b"hello world")),
            "generation  2\nversion     5\nlength      11\npayload     \"hello world\"\n"
        );
        assert_eq!(
            read(&read_reply(&[0, 1, 0xff])),
            "generation     2\nversion        5\nlength         3\npayload (hex)  0001ff\n"
        );
        assert!(read(&read_reply(b"")).ends_with("payload     (empty)\n"));
        assert!(read(&read_reply(b"line\nbreak")).contains("payload (hex)"));
        assert!(read(&read_reply("caf\u{e9}".as_bytes())).contains("\"caf\u{e9}\""));
    }

    #[test]
    fn long_hex_wraps() {
        let text = wrapped_hex(&[0xab; 40]);
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), 64);
        assert_eq!(lines[1], "ab".repeat(8));
    }

    #[test]
    fn rotate_table() {
        let reply = RotateReply { old_generation: 1, new_generation: 2, waited_for_holders: 3 };
        assert_eq!(
            rotate(&reply, Duration::from_millis(1500)),
            "old generation      1\nnew generation      2\nholders waited for  3\ntook                1.500 s\n"
        );
    }

    #[test]
    fn stats_table() {
        let reply = StatsReply {
            acquisitions: 10,
            refusals: 1,
            waits: 2,
            rotations: 2,
            max_holders: 3,
            holders: 0,
            pool_bytes: 312,
            pool_blocks: 1,
        };
        assert_eq!(
            stats(&reply),
            "acquisitions  10\nrefusals      1\nwaits         2\nrotations     2\nmax holders   3\n\
             holders       0\npool bytes    312\npool blocks   1\n"
        );
    }

    #[test]
    fn version_table() {
        let reply = VersionReply::new(DriverFlavour::Portable, ProtectionKind::CacheAware);
        assert_eq!(
            version(&reply),
            "abi version  1\nflavour      portable\nprotection   cache-aware\nmax payload  256\n"
        );
        let odd = VersionReply { abi_version: 9, flavour: 7, protection: 5, ..reply };
        assert_eq!(
            version(&odd),
            "abi version  9 (rundownctl speaks 1)\nflavour      unknown (7)\nprotection   unknown (5)\nmax payload  256\n"
        );
    }

    #[test]
    fn peer_stats_table() {
        let stats = PeerStats {
            operations: 1000,
            dispatch_operations: 0,
            refused: 4,
            inconsistencies: 0,
            generations_seen: 12,
            last_generation: 13,
            running: 1,
        };
        assert_eq!(
            peer_stats(&stats),
            "operations        1000\nin timer DPC      0\nrefused           4\ninconsistencies   0\ngenerations seen  12\n\
             last generation   13\nrunning           yes\n"
        );
        assert!(peer_stats(&PeerStats::default()).ends_with("running           no\n"));
        assert!(peer_stats(&PeerStats { running: 7, ..stats }).ends_with("running           unknown (7)\n"));
    }

    #[test]
    fn raw_table() {
        let done = Completion { status: NtStatus::INFO_LENGTH_MISMATCH, information: 0, output: vec![0; 4] };
        assert_eq!(
            raw(0x8352_6004, &[1, 0], &done),
            "code              0x83526004 (IOCTL_RUNDOWN_ACQUIRE)\n\
             input             0100\n\
             status            STATUS_INFO_LENGTH_MISMATCH (0xC0000004)\n\
             information       0\n\
             output (4 bytes)  00000000\n"
        );
        let none = Completion { status: NtStatus::from_raw(0x103), information: 0, output: vec![] };
        assert!(raw(0x0022_0000, &[], &none).contains("code              0x00220000\n"));
        assert!(raw(0x0022_0000, &[], &none).contains("status            0x00000103\n"));
    }

    #[test]
    fn state_labels() {
        assert_eq!(state_label(0), "active");
        assert_eq!(state_label(2), "completed");
        assert_eq!(state_label(9), "unknown (9)");
    }
}
