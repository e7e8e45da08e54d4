//! What each command answers, one type per reply: for people as an aligned two-column table or a
//! sentence ([`Reply::render`]), for machines as one line of JSON ([`Reply::to_json`],
//! `--json`), which the test tool's session protocol prints too.
//!
//! A JSON line starts with `"ok"` and `"command"` (the command's word); a success's fields
//! follow. A failure is a [`Failure`]: `{"ok":false,"command":"release","status":"0xC0000225",
//! "name":"STATUS_NOT_FOUND","error":"STATUS_NOT_FOUND (0xC0000225)"}` (`status` and `name` when
//! the device answered a status, `name` when `rundown-abi` names it).

use std::time::Duration;

use rundown_abi::peer::{PeerStartRequest, PeerStats};
use rundown_abi::{
    ABI_VERSION, DriverFlavour, Ioctl, NtStatus, ObjectState, ProtectionKind, QueryReply, ReadReply, RotateReply,
    VersionReply,
};
use rundown_client::{Completion, status};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::cli::PlainQuery;
use crate::fields::Fields;
use crate::hex;
use crate::table::Table;

/// Hex payloads are wrapped at this many bytes per line in tables.
const HEX_BYTES_PER_LINE: usize = 32;

/// What a command answered. Serialized, `command` names the variant (`"peer-stats"`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "command", rename_all = "kebab-case")]
pub enum Reply {
    /// `install`.
    Install(ServiceDone),
    /// `start`.
    Start(ServiceDone),
    /// `stop`.
    Stop(ServiceDone),
    /// `uninstall`.
    Uninstall(ServiceDone),
    /// QUERY.
    Query(Query),
    /// READ.
    Read(Read),
    /// WRITE.
    Write(Written),
    /// ROTATE.
    Rotate(Rotated),
    /// STATS: its fields, as the reply's layout gives them.
    Stats(Fields),
    /// VERSION.
    Version(Version),
    /// ACQUIRE.
    Acquire(Holds),
    /// RELEASE.
    Release(Holds),
    /// `hold`: ACQUIRE, a wait, RELEASE.
    Hold(Held),
    /// Any control code.
    Raw(Raw),
    /// PEER_START.
    PeerStart(PeerStarted),
    /// PEER_STOP.
    PeerStop(PeerCounts),
    /// PEER_STATS.
    PeerStats(PeerCounts),
    /// A request without input that has no command of its own: `command` is its word.
    #[serde(untagged)]
    Plain(PlainReply),
}

/// A reply as a JSON line, `ok` first.
#[derive(Serialize)]
struct Answer<'a> {
    ok: bool,
    #[serde(flatten)]
    reply: &'a Reply,
}

impl Reply {
    /// Whether the command succeeded: always, except a `raw` request the device answered with a
    /// failure status (which is still a reply, with the whole output).
    #[must_use]
    pub fn ok(&self) -> bool {
        match self {
            Self::Raw(raw) => raw.status.is_success(),
            _ => true,
        }
    }

    /// One line of JSON: `{"ok":true,"command":"query","generation":1,...}`.
    ///
    /// # Panics
    ///
    /// Never: the replies are plain numbers and strings.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string(&Answer { ok: self.ok(), reply: self }).expect("a reply serializes")
    }

    /// For people: a table, or one sentence for the commands that change something.
    #[must_use]
    pub fn render(&self) -> String {
        match self {
            Self::Install(done) | Self::Start(done) | Self::Stop(done) | Self::Uninstall(done) => {
                format!("{}\n", done.message)
            }
            Self::Query(query) => query.render(),
            Self::Read(read) => read.render(),
            Self::Write(written) => {
                format!("rundownctl: wrote {} bytes; version is now {}\n", written.len, written.version)
            }
            Self::Rotate(rotated) => rotated.render(),
            Self::Stats(fields) => fields.render(),
            Self::Version(version) => version.render(),
            Self::Acquire(holds) => format!(
                "rundownctl: acquired {}; this handle holds {} (holds end when this process exits)\n",
                holds.count, holds.handle_holds
            ),
            Self::Release(holds) => {
                format!("rundownctl: released {}; this handle holds {}\n", holds.count, holds.handle_holds)
            }
            Self::Hold(held) => held.render(),
            Self::Raw(raw) => raw.render(),
            Self::PeerStart(started) => started.render(),
            Self::PeerStop(counts) | Self::PeerStats(counts) => counts.render(),
            Self::Plain(plain) => plain.fields.render(),
        }
    }
}

/// What a [`PlainQuery`] answered: its word and its reply's fields. As JSON, `command` and then
/// the fields: `{"ok":true,"command":"peers","holds":0,...}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlainReply {
    /// The command.
    pub query: PlainQuery,
    /// The reply's fields.
    pub fields: Fields,
}

impl Serialize for PlainReply {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.fields.0.len() + 1))?;
        map.serialize_entry("command", self.query.word())?;
        for (name, value) in &self.fields.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// A command that failed, as a JSON line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// Always `false`.
    pub ok: bool,
    /// The command's word (for a line that does not parse: its first word).
    pub command: String,
    /// The status the device answered, in hex, if it answered one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The status's ntstatus.h name, if `rundown-abi` names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'static str>,
    /// What went wrong, for people.
    pub error: String,
}

impl Failure {
    /// `command` failed with `status` (or without one), for the reason `error`.
    #[must_use]
    pub fn new(command: &str, status: Option<NtStatus>, error: String) -> Self {
        Self {
            ok: false,
            command: command.to_owned(),
            status: status.map(status::hex),
            name: status.and_then(status::name),
            error,
        }
    }

    /// A request of `command` that failed: its status, if the device answered one.
    #[must_use]
    pub fn of(command: &str, err: &rundown_client::Error) -> Self {
        Self::new(command, err.status(), err.to_string())
    }

    /// One line of JSON.
    ///
    /// # Panics
    ///
    /// Never: a failure is plain strings.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a failure serializes")
    }
}

/// `install`, `start`, `stop`, `uninstall`: the service and what was done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceDone {
    /// The service's name.
    pub service: String,
    /// What was done, for people (`rundownctl: service RundownShared started`).
    pub message: String,
}

/// The object's state: its word in JSON (`running_down`), the number if it is none of the
/// ABI's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct State(pub u32);

impl State {
    /// `active`, `running_down`, `completed`, or `None`.
    #[must_use]
    pub fn word(self) -> Option<&'static str> {
        match ObjectState::from_raw(self.0)? {
            ObjectState::Active => Some("active"),
            ObjectState::RunningDown => Some("running_down"),
            ObjectState::Completed => Some("completed"),
        }
    }

    /// For people: `active`, `running down`, `completed`, or `unknown (N)`.
    #[must_use]
    pub fn label(self) -> String {
        self.word().map_or_else(|| format!("unknown ({})", self.0), |word| word.replace('_', " "))
    }
}

impl Serialize for State {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.word() {
            Some(word) => serializer.serialize_str(word),
            None => serializer.serialize_u32(self.0),
        }
    }
}

/// QUERY's reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Query {
    /// The object's generation.
    pub generation: u64,
    /// The payload's version.
    pub version: u64,
    /// Active, running down or completed.
    pub state: State,
    /// Protections held on the object, by every handle and peer.
    pub holders: u32,
    /// The payload's length.
    pub payload_len: u32,
    /// Protections this handle holds.
    pub handle_holds: u32,
}

impl From<&QueryReply> for Query {
    fn from(reply: &QueryReply) -> Self {
        Self {
            generation: reply.generation,
            version: reply.version,
            state: State(reply.state),
            holders: reply.holders,
            payload_len: reply.payload_len,
            handle_holds: reply.handle_holds,
        }
    }
}

impl Query {
    fn render(&self) -> String {
        Table::new()
            .row("generation", self.generation)
            .row("version", self.version)
            .row("state", self.state.label())
            .row("holders", self.holders)
            .row("payload bytes", self.payload_len)
            .row("this handle's holds", self.handle_holds)
            .render()
    }
}

/// READ's reply: the payload in hex, and as text too if it is printable UTF-8.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Read {
    /// The object's generation.
    pub generation: u64,
    /// The payload's version.
    pub version: u64,
    /// The payload's length.
    pub len: u32,
    /// The payload, in hex.
    pub hex: String,
    /// The payload as text, if it is printable UTF-8 (no control characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip)]
    data: Vec<u8>,
}

impl From<&ReadReply> for Read {
    fn from(reply: &ReadReply) -> Self {
        let data = reply.data();
        Self {
            generation: reply.generation,
            version: reply.version,
            len: reply.len,
            hex: hex::encode(data),
            text: printable_text(data).map(str::to_owned),
            data: data.to_vec(),
        }
    }
}

impl Read {
    fn render(&self) -> String {
        let table =
            Table::new().row("generation", self.generation).row("version", self.version).row("length", self.len);
        let table = if self.data.is_empty() {
            table.row("payload", "(empty)")
        } else if let Some(text) = &self.text {
            table.row("payload", format!("\"{text}\""))
        } else {
            table.row("payload (hex)", wrapped_hex(&self.data))
        };
        table.render()
    }
}

/// WRITE's reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Written {
    /// The payload's length.
    pub len: usize,
    /// The payload's new version.
    pub version: u64,
}

/// ROTATE's reply, with how long the request took.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rotated {
    /// The generation retired.
    pub old_generation: u64,
    /// The generation installed.
    pub new_generation: u64,
    /// Holders the rotation waited for.
    pub waited_for_holders: u32,
    /// How long the request took, in milliseconds.
    pub elapsed_ms: u64,
}

impl Rotated {
    /// ROTATE's reply, which took `elapsed`.
    #[must_use]
    pub fn new(reply: &RotateReply, elapsed: Duration) -> Self {
        Self {
            old_generation: reply.old_generation,
            new_generation: reply.new_generation,
            waited_for_holders: reply.waited_for_holders,
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        }
    }

    fn render(&self) -> String {
        Table::new()
            .row("old generation", self.old_generation)
            .row("new generation", self.new_generation)
            .row("holders waited for", self.waited_for_holders)
            .row("took", seconds(Duration::from_millis(self.elapsed_ms)))
            .render()
    }
}

/// VERSION's reply: the contract's version, the flavour, the protection and the largest payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Version {
    /// The driver's contract version.
    pub abi_version: u32,
    /// `ntoskrnl`, `portable`, or `unknown (N)`.
    pub flavour: String,
    /// `plain`, `cache-aware`, or `unknown (N)`.
    pub protection: String,
    /// The largest payload WRITE takes.
    pub max_payload: u32,
}

impl From<&VersionReply> for Version {
    fn from(reply: &VersionReply) -> Self {
        let named = |name: Option<&str>, raw: u32| name.map_or_else(|| format!("unknown ({raw})"), str::to_owned);
        Self {
            abi_version: reply.abi_version,
            flavour: named(reply.driver_flavour().map(DriverFlavour::name), reply.flavour),
            protection: named(reply.protection_kind().map(ProtectionKind::name), reply.protection),
            max_payload: reply.max_payload,
        }
    }
}

impl Version {
    /// Whether the driver speaks rundownctl's contract.
    #[must_use]
    pub fn is_ours(&self) -> bool {
        self.abi_version == ABI_VERSION
    }

    fn render(&self) -> String {
        let abi = if self.is_ours() {
            self.abi_version.to_string()
        } else {
            format!("{} (rundownctl speaks {ABI_VERSION})", self.abi_version)
        };
        Table::new()
            .row("abi version", abi)
            .row("flavour", &self.flavour)
            .row("protection", &self.protection)
            .row("max payload", self.max_payload)
            .render()
    }
}

/// ACQUIRE's and RELEASE's reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Holds {
    /// How many protections were asked for.
    pub count: u32,
    /// Protections this handle holds now.
    pub handle_holds: u32,
}

/// `hold`'s reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Held {
    /// How many protections were held.
    pub count: u32,
    /// For how long, in milliseconds.
    pub held_ms: u64,
    /// Released early (Ctrl-C).
    pub interrupted: bool,
    /// Protections this handle holds after the release.
    pub handle_holds: u32,
}

impl Held {
    fn render(&self) -> String {
        let why = if self.interrupted { "interrupted" } else { "time is up" };
        format!(
            "rundownctl: released {} after {} ({why}); this handle holds {}\n",
            self.count,
            seconds(Duration::from_millis(self.held_ms)),
            self.handle_holds
        )
    }
}

/// A raw request's reply: the code, the input, the status, `IoStatus.Information` and the
/// whole output buffer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Raw {
    /// The control code.
    #[serde(serialize_with = "hex_u32")]
    pub code: u32,
    /// The input buffer.
    #[serde(serialize_with = "hex_bytes")]
    pub input: Vec<u8>,
    /// The final status.
    #[serde(serialize_with = "hex_status")]
    pub status: NtStatus,
    /// The status's ntstatus.h name, if `rundown-abi` names it.
    pub name: Option<&'static str>,
    /// `IoStatus.Information`.
    pub information: usize,
    /// The whole output buffer.
    #[serde(serialize_with = "hex_bytes")]
    pub output: Vec<u8>,
}

impl Raw {
    /// What `code` with `input` came back with.
    #[must_use]
    pub fn new(code: u32, input: &[u8], done: Completion) -> Self {
        Self {
            code,
            input: input.to_vec(),
            status: done.status,
            name: status::name(done.status),
            information: done.information,
            output: done.output,
        }
    }

    fn render(&self) -> String {
        let shown = |bytes: &[u8]| if bytes.is_empty() { "(none)".to_owned() } else { wrapped_hex(bytes) };
        Table::new()
            .row("code", code(self.code))
            .row("input", shown(&self.input))
            .row("status", status::describe(self.status))
            .row("information", self.information)
            .row(format!("output ({} bytes)", self.output.len()), shown(&self.output))
            .render()
    }
}

#[expect(clippy::trivially_copy_pass_by_ref, reason = "serde's `serialize_with` passes a reference")]
fn hex_u32<S: Serializer>(value: &u32, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format!("0x{value:08X}"))
}

fn hex_bytes<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&hex::encode(bytes))
}

#[expect(clippy::trivially_copy_pass_by_ref, reason = "serde's `serialize_with` passes a reference")]
fn hex_status<S: Serializer>(value: &NtStatus, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&status::hex(*value))
}

/// PEER_START's reply: how the worker runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PeerStarted {
    /// How long each iteration holds, in microseconds.
    pub hold_us: u32,
    /// The pause between iterations, in microseconds.
    pub pause_us: u32,
    /// The iterations run in a timer's DPC.
    pub dispatch: bool,
    /// With `dispatch`: the timer's period, in milliseconds.
    pub period_ms: u32,
}

impl From<&PeerStartRequest> for PeerStarted {
    fn from(request: &PeerStartRequest) -> Self {
        Self {
            hold_us: request.hold_us,
            pause_us: request.pause_us,
            dispatch: request.mode == rundown_abi::peer::PeerMode::DISPATCH,
            period_ms: request.period_ms().get(),
        }
    }
}

impl PeerStarted {
    fn render(&self) -> String {
        if self.dispatch {
            format!(
                "rundownctl: the peer's worker runs: one iteration in a timer DPC (DISPATCH_LEVEL) every {} ms\n",
                self.period_ms
            )
        } else {
            format!(
                "rundownctl: the peer's worker runs: each iteration holds {} us, then pauses {} us\n",
                self.hold_us, self.pause_us
            )
        }
    }
}

/// The peer's counts (PEER_STOP, PEER_STATS), since the peer driver loaded: its reply as it is,
/// serialized by rundown-abi's `serde` derive, rendered with labels of its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PeerCounts(pub PeerStats);

impl From<&PeerStats> for PeerCounts {
    fn from(stats: &PeerStats) -> Self {
        Self(*stats)
    }
}

impl PeerCounts {
    fn render(&self) -> String {
        let Self(stats) = self;
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

/// `0x83526000 (IOCTL_RUNDOWN_QUERY)`, or just the hex for a code that is not the device's.
#[must_use]
pub fn code(code: u32) -> String {
    match Ioctl::decode(code) {
        Ok(ioctl) => format!("0x{code:08X} ({})", ioctl.name()),
        Err(_) => format!("0x{code:08X}"),
    }
}

#[cfg(test)]
mod tests {
    use rundown_abi::{MAX_PAYLOAD, StatsReply};

    use super::*;

    fn read_reply(data: &[u8]) -> Read {
        let mut payload = [0; MAX_PAYLOAD];
        payload[..data.len()].copy_from_slice(data);
        Read::from(&ReadReply { generation: 2, version: 5, len: u32::try_from(data.len()).unwrap(), payload })
    }

    fn stats() -> Fields {
        Fields::of(&StatsReply {
            acquisitions: 10,
            refusals: 1,
            waits: 2,
            rotations: 2,
            max_holders: 3,
            holders: 0,
            pool_bytes: 312,
            pool_blocks: 1,
        })
    }

    #[test]
    fn query_table_and_json() {
        let reply = Query::from(&QueryReply {
            generation: 3,
            version: 7,
            holders: 2,
            state: 1,
            payload_len: 5,
            handle_holds: 1,
        });
        assert_eq!(
            Reply::Query(reply.clone()).render(),
            "generation           3\n\
             version              7\n\
             state                running down\n\
             holders              2\n\
             payload bytes        5\n\
             this handle's holds  1\n"
        );
        assert_eq!(
            Reply::Query(reply.clone()).to_json(),
            r#"{"ok":true,"command":"query","generation":3,"version":7,"state":"running_down","holders":2,"payload_len":5,"handle_holds":1}"#
        );
        let odd = Query { state: State(9), ..reply };
        assert!(Reply::Query(odd.clone()).to_json().contains(r#""state":9,"#));
        assert!(odd.render().contains("state                unknown (9)\n"));
    }

    #[test]
    fn read_text_hex_and_empty() {
        assert_eq!(
            read_reply(b"hello world").render(),
            "generation  2\nversion     5\nlength      11\npayload     \"hello world\"\n"
        );
        assert_eq!(
            read_reply(&[0, 1, 0xff]).render(),
            "generation     2\nversion        5\nlength         3\npayload (hex)  0001ff\n"
        );
        assert!(read_reply(b"").render().ends_with("payload     (empty)\n"));
        assert!(read_reply(b"line\nbreak").render().contains("payload (hex)"));
        assert!(read_reply("caf\u{e9}".as_bytes()).render().contains("\"caf\u{e9}\""));
        assert_eq!(
            Reply::Read(read_reply(b"hi")).to_json(),
            r#"{"ok":true,"command":"read","generation":2,"version":5,"len":2,"hex":"6869","text":"hi"}"#
        );
        assert!(!Reply::Read(read_reply(&[0])).to_json().contains("text"));
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
            Reply::Rotate(Rotated::new(&reply, Duration::from_millis(1500))).render(),
            "old generation      1\nnew generation      2\nholders waited for  3\ntook                1.500 s\n"
        );
    }

    #[test]
    fn stats_table_and_json() {
        assert_eq!(
            Reply::Stats(stats()).render(),
            "acquisitions  10\nrefusals      1\nwaits         2\nrotations     2\nmax holders   3\n\
             holders       0\npool bytes    312\npool blocks   1\n"
        );
        assert_eq!(
            Reply::Stats(stats()).to_json(),
            r#"{"ok":true,"command":"stats","acquisitions":10,"refusals":1,"waits":2,"rotations":2,"max_holders":3,"holders":0,"pool_bytes":312,"pool_blocks":1}"#
        );
    }

    #[test]
    fn version_table() {
        let reply = VersionReply::new(DriverFlavour::Portable, ProtectionKind::CacheAware);
        assert_eq!(
            Version::from(&reply).render(),
            "abi version  1\nflavour      portable\nprotection   cache-aware\nmax payload  256\n"
        );
        let odd = Version::from(&VersionReply { abi_version: 9, flavour: 7, protection: 5, ..reply });
        assert!(!odd.is_ours());
        assert_eq!(
            odd.render(),
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
            PeerCounts::from(&stats).render(),
            "operations        1000\nin timer DPC      0\nrefused           4\ninconsistencies   0\ngenerations seen  12\n\
             last generation   13\nrunning           yes\n"
        );
        assert!(PeerCounts::from(&PeerStats::default()).render().ends_with("running           no\n"));
        let odd = PeerCounts::from(&PeerStats { running: 7, ..stats });
        assert!(odd.render().ends_with("running           unknown (7)\n"));
        assert!(Reply::PeerStop(odd).to_json().starts_with(r#"{"ok":true,"command":"peer-stop","operations":1000,"#));
    }

    #[test]
    fn raw_table_and_json() {
        let done = Completion { status: NtStatus::INFO_LENGTH_MISMATCH, information: 0, output: vec![0; 4] };
        let raw = Raw::new(0x8352_6004, &[1, 0], done);
        assert_eq!(
            raw.render(),
            "code              0x83526004 (IOCTL_RUNDOWN_ACQUIRE)\n\
             input             0100\n\
             status            STATUS_INFO_LENGTH_MISMATCH (0xC0000004)\n\
             information       0\n\
             output (4 bytes)  00000000\n"
        );
        let reply = Reply::Raw(raw);
        assert!(!reply.ok());
        assert_eq!(
            reply.to_json(),
            r#"{"ok":false,"command":"raw","code":"0x83526004","input":"0100","status":"0xC0000004","name":"STATUS_INFO_LENGTH_MISMATCH","information":0,"output":"00000000"}"#
        );
        let none = Raw::new(
            0x0022_0000,
            &[],
            Completion { status: NtStatus::from_raw(0x103), information: 0, output: vec![] },
        );
        assert!(none.render().contains("code              0x00220000\n"));
        assert!(none.render().contains("status            0x00000103"));
        assert!(Reply::Raw(none).to_json().contains(r#""name":null"#));
    }

    #[test]
    fn failures() {
        let err = rundown_client::Error::Status { status: NtStatus::NOT_FOUND, information: 0 };
        assert_eq!(
            Failure::of("release", &err).to_json(),
            r#"{"ok":false,"command":"release","status":"0xC0000225","name":"STATUS_NOT_FOUND","error":"STATUS_NOT_FOUND (0xC0000225)"}"#
        );
        assert_eq!(
            Failure::new("frob", None, "unknown command".to_owned()).to_json(),
            r#"{"ok":false,"command":"frob","error":"unknown command"}"#
        );
    }

    #[test]
    fn state_labels() {
        assert_eq!(State(0).label(), "active");
        assert_eq!(State(1).label(), "running down");
        assert_eq!(State(2).label(), "completed");
        assert_eq!(State(9).label(), "unknown (9)");
    }
}
