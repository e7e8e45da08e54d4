//! The stress run's numbers and lines: what a client counts and reports, how the parent reads
//! that back, what the rotator and the peer add, and the final arithmetic: [`Totals`] is the
//! one place the summary is computed, written ([`Totals::line`]) and read back
//! ([`Totals::parse`], for `cargo xtask stress`).

use std::collections::BTreeMap;
use std::fmt;

use rundown_abi::StatsReply;
use rundown_abi::peer::PeerStats;
use rundownctl::fields::Fields;
use rundownctl::output::PeerCounts;
use serde::{Deserialize, Serialize};

/// What one `stress-client` counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientCounts {
    /// Iterations completed (protection acquired and released).
    pub ops: u64,
    /// ACQUIREs refused with `STATUS_DELETE_PENDING` (a rotation running the object down).
    pub refused: u64,
    /// READs whose payload was not consistent or whose generation went backwards.
    pub torn: u64,
    /// RELEASEs that failed.
    pub lost: u64,
    /// Any other unexpected answer.
    pub faults: u64,
}

/// A client's result line, as it prints it for the parent: `{"client":N,"ops":...}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct ResultLine {
    client: u32,
    #[serde(flatten)]
    counts: ClientCounts,
}

impl ClientCounts {
    /// Whether the client saw nothing wrong: no torn reads, lost holds or faults.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.torn == 0 && self.lost == 0 && self.faults == 0
    }

    /// The counts for people: `client N: ops=A refused=B torn=C lost=D faults=E`.
    #[must_use]
    pub fn line(&self, id: u32) -> String {
        format!(
            "client {id}: ops={} refused={} torn={} lost={} faults={}",
            self.ops, self.refused, self.torn, self.lost, self.faults
        )
    }

    /// The client's one result line, which the parent reads back ([`parse_result_line`]):
    /// `{"client":N,"ops":A,"refused":B,"torn":C,"lost":D,"faults":E}`.
    ///
    /// # Panics
    ///
    /// Never: the line is numbers.
    #[must_use]
    pub fn result_line(&self, id: u32) -> String {
        serde_json::to_string(&ResultLine { client: id, counts: *self }).expect("numbers serialize")
    }
}

/// Why a client's result line could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LineError(String);

/// Parses a line [`ClientCounts::result_line`] wrote: the client's number and its counts.
///
/// # Errors
///
/// [`LineError`] saying what is wrong.
pub fn parse_result_line(line: &str) -> Result<(u32, ClientCounts), LineError> {
    let parsed: ResultLine = serde_json::from_str(line).map_err(|err| LineError(format!("{err} in '{line}'")))?;
    Ok((parsed.client, parsed.counts))
}

/// How one client ended, as the parent saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientReport {
    /// Its result line, read back.
    Counted(ClientCounts),
    /// No usable result line (not started, killed at the deadline, no line, a malformed line,
    /// another client's number): one fault.
    Missing(String),
}

/// Reads a client's standard output: its last non-empty line must be its result line, with
/// its own number.
#[must_use]
pub fn client_report(id: u32, stdout: &str) -> ClientReport {
    let Some(last) = stdout.lines().map(|line| line.trim_end_matches('\r')).rfind(|line| !line.is_empty()) else {
        return ClientReport::Missing("no result line".to_owned());
    };
    match parse_result_line(last) {
        Ok((number, counts)) if number == id => ClientReport::Counted(counts),
        Ok((number, _)) => ClientReport::Missing(format!("the result line of client {number}: '{last}'")),
        Err(err) => ClientReport::Missing(format!("malformed result line: {err}")),
    }
}

/// What the rotator counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RotatorCounts {
    /// ROTATEs that succeeded.
    pub rotations: u64,
    /// ROTATEs answered `STATUS_DEVICE_BUSY` (another rotation in progress): not a fault.
    pub busy: u64,
    /// Any other failure, or a reply whose new generation is not the old one plus 1.
    pub faults: u64,
}

/// How the peer's part ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerReport {
    /// `--no-peer`.
    Off,
    /// PEER_STOP's counts.
    Stopped {
        /// This run's counts ([`peer_run`]).
        run: PeerStats,
        /// PEER_STOP's counts as the driver gave them: since it was loaded.
        since_load: PeerStats,
    },
    /// PEER_STOP failed (why): one fault.
    Failed(String),
}

/// The peer's counts over one run: the counters of `after` minus those of `before` (the peer
/// never resets them: PEER_STATS and PEER_STOP count since the driver was loaded), and
/// `after`'s last generation and running flag.
#[must_use]
pub fn peer_run(before: &PeerStats, after: &PeerStats) -> PeerStats {
    PeerStats {
        operations: after.operations.saturating_sub(before.operations),
        dispatch_operations: after.dispatch_operations.saturating_sub(before.dispatch_operations),
        refused: after.refused.saturating_sub(before.refused),
        inconsistencies: after.inconsistencies.saturating_sub(before.inconsistencies),
        generations_seen: after.generations_seen.saturating_sub(before.generations_seen),
        last_generation: after.last_generation,
        running: after.running,
    }
}

/// Everything the final line adds up.
#[derive(Clone, Copy, Debug)]
pub struct Outcome<'a> {
    /// Each client's report, by number.
    pub clients: &'a [ClientReport],
    /// The rotator's counts.
    pub rotator: &'a RotatorCounts,
    /// The peer's.
    pub peer: &'a PeerReport,
    /// STATS before the run.
    pub before: &'a StatsReply,
    /// STATS after it.
    pub after: &'a StatsReply,
}

/// The stress run's result, as the final line gives it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Client iterations plus the peer's operations.
    pub ops: u64,
    /// The rotator's successful ROTATEs.
    pub rotations: u64,
    /// Client torn reads and faults, missing client lines, rotator faults, peer
    /// inconsistencies, a failed PEER_STOP (and, in `cargo xtask stress`, a failed unload check).
    pub faults: u64,
    /// Client RELEASEs that failed, plus the holders STATS still counts after the run.
    pub lost: u64,
    /// Pool blocks after the run minus before (negative if fewer).
    pub leaked: i64,
}

impl Totals {
    /// Adds up `outcome`.
    #[must_use]
    pub fn of(outcome: &Outcome<'_>) -> Self {
        let mut totals = Self {
            ops: 0,
            rotations: outcome.rotator.rotations,
            faults: outcome.rotator.faults,
            lost: u64::from(outcome.after.holders),
            leaked: difference(outcome.before.pool_blocks, outcome.after.pool_blocks),
        };
        for client in outcome.clients {
            match client {
                ClientReport::Counted(counts) => {
                    totals.ops += counts.ops;
                    totals.faults += counts.torn + counts.faults;
                    totals.lost += counts.lost;
                }
                ClientReport::Missing(_) => totals.faults += 1,
            }
        }
        match outcome.peer {
            PeerReport::Off => {}
            PeerReport::Stopped { run, .. } => {
                totals.ops += run.operations;
                totals.faults += run.inconsistencies;
            }
            PeerReport::Failed(_) => totals.faults += 1,
        }
        totals
    }

    /// Whether the run was clean: no faults, nothing lost, nothing leaked.
    #[must_use]
    pub fn clean(&self) -> bool {
        self.faults == 0 && self.lost == 0 && self.leaked == 0
    }

    /// The final line: `stress: <ops> ops, <rotations> rotations, <faults> faults, <lost> lost,
    /// <leaked> leaked`.
    #[must_use]
    pub fn line(&self) -> String {
        format!(
            "stress: {} ops, {} rotations, {} faults, {} lost, {} leaked",
            self.ops, self.rotations, self.faults, self.lost, self.leaked
        )
    }

    /// Reads back a line [`line`](Self::line) wrote; `None` for any other line.
    #[must_use]
    pub fn parse(line: &str) -> Option<Self> {
        let rest = line.trim_end().strip_prefix("stress: ")?;
        let parts: Vec<&str> = rest.split(", ").collect();
        let [ops, rotations, faults, lost, leaked] = parts.as_slice() else { return None };
        let number = |part: &str, unit: &str| part.strip_suffix(unit)?.strip_suffix(' ')?.parse::<u64>().ok();
        Some(Self {
            ops: number(ops, "ops")?,
            rotations: number(rotations, "rotations")?,
            faults: number(faults, "faults")?,
            lost: number(lost, "lost")?,
            leaked: leaked.strip_suffix(" leaked")?.parse().ok()?,
        })
    }
}

/// `after - before`, saturated to `i64`.
fn difference(before: u64, after: u64) -> i64 {
    let difference = i128::from(after) - i128::from(before);
    i64::try_from(difference).unwrap_or(if difference < 0 { i64::MIN } else { i64::MAX })
}

/// A detail line of STATS, its JSON as `rundownctl stats --json` has it: `driver before:
/// {"acquisitions":N,...}`.
///
/// # Panics
///
/// Never: the counters are numbers.
#[must_use]
pub fn stats_line(label: &str, stats: &StatsReply) -> String {
    format!("{label}: {}", serde_json::to_string(&Fields::of(stats)).expect("numbers serialize"))
}

/// The peer's detail line.
///
/// # Panics
///
/// Never: the counts are numbers.
#[must_use]
pub fn peer_line(peer: &PeerReport) -> String {
    match peer {
        PeerReport::Off => "peer: not started (--no-peer)".to_owned(),
        PeerReport::Stopped { run, since_load } => {
            let json = |stats: &PeerStats| serde_json::to_string(&PeerCounts::from(stats)).expect("numbers serialize");
            format!("peer: this run {}; since the driver loaded {}", json(run), json(since_load))
        }
        PeerReport::Failed(why) => format!("peer: {why}"),
    }
}

/// A client's detail line: its result line, or why it has none; then how the process ended.
#[must_use]
pub fn client_detail(id: u32, report: &ClientReport, how: &str) -> String {
    match report {
        ClientReport::Counted(counts) => format!("{} ({how})", counts.line(id)),
        ClientReport::Missing(why) => format!("client {id}: {why} ({how})"),
    }
}

/// The pool detail line: `pool: 0 blocks and 0 bytes more than before`.
#[must_use]
pub fn pool_line(before: &StatsReply, after: &StatsReply) -> String {
    format!(
        "pool: {} blocks and {} bytes more than before",
        difference(before.pool_blocks, after.pool_blocks),
        difference(before.pool_bytes, after.pool_bytes)
    )
}

/// Unexpected answers, grouped by what happened: how often, at which iteration first, and the
/// first one's details.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    entries: BTreeMap<String, TallyEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct TallyEntry {
    count: u64,
    first_at: u64,
    example: String,
}

impl Tally {
    /// Counts one `what` (a bounded set of keys: `read: STATUS_DELETE_PENDING (0xC0000056)`)
    /// at iteration `at`; `example` (details of this occurrence) is kept for the first.
    pub fn note(&mut self, what: &str, at: u64, example: impl FnOnce() -> String) {
        if let Some(entry) = self.entries.get_mut(what) {
            entry.count += 1;
        } else {
            self.entries.insert(what.to_owned(), TallyEntry { count: 1, first_at: at, example: example() });
        }
    }

    /// Whether nothing was noted.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// One entry per `; `: `read: STATUS_DELETE_PENDING (0xC0000056) x3 (first at iteration 7)`,
/// with `: <example>` when there is one.
impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (what, entry)) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{what} x{} (first at iteration {}", entry.count, entry.first_at)?;
            if !entry.example.is_empty() {
                write!(f, ": {}", entry.example)?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(holders: u32, pool_bytes: u64, pool_blocks: u64) -> StatsReply {
        StatsReply {
            acquisitions: 0,
            refusals: 0,
            waits: 0,
            rotations: 0,
            max_holders: 0,
            holders,
            pool_bytes,
            pool_blocks,
        }
    }

    fn counts(ops: u64, refused: u64, torn: u64, lost: u64, faults: u64) -> ClientCounts {
        ClientCounts { ops, refused, torn, lost, faults }
    }

    #[test]
    fn result_line_round_trips() {
        let c = counts(12_345, 6, 0, 0, 0);
        assert_eq!(c.line(2), "client 2: ops=12345 refused=6 torn=0 lost=0 faults=0");
        let line = c.result_line(2);
        assert_eq!(line, r#"{"client":2,"ops":12345,"refused":6,"torn":0,"lost":0,"faults":0}"#);
        assert_eq!(parse_result_line(&line), Ok((2, c)));
        assert!(c.passed());
        assert!(!counts(1, 0, 1, 0, 0).passed());
        assert!(!counts(1, 0, 0, 1, 0).passed());
        assert!(!counts(1, 0, 0, 0, 1).passed());
        let max = counts(u64::MAX, u64::MAX, u64::MAX, u64::MAX, u64::MAX);
        assert_eq!(parse_result_line(&max.result_line(u32::MAX)), Ok((u32::MAX, max)));
    }

    #[test]
    fn malformed_result_lines() {
        for line in [
            "",
            "client 1: ops=1 refused=0 torn=0 lost=0 faults=0",
            r#"{"client":"x","ops":1,"refused":0,"torn":0,"lost":0,"faults":0}"#,
            r#"{"client":-1,"ops":1,"refused":0,"torn":0,"lost":0,"faults":0}"#,
            r#"{"client":4294967296,"ops":1,"refused":0,"torn":0,"lost":0,"faults":0}"#,
            r#"{"client":1,"ops":1,"refused":0,"torn":0,"lost":0}"#,
            r#"{"client":1,"ops":1,"refused":0,"torn":0,"lost":0,"faults":18446744073709551616}"#,
            r#"{"client":1,"ops":1,"refused":0,"torn":0,"lost":0,"faults":0} trailing"#,
        ] {
            assert!(parse_result_line(line).is_err(), "{line:?}");
        }
        let err = parse_result_line(r#"{"client":1}"#).unwrap_err().to_string();
        assert!(err.starts_with("missing field `ops`") && err.ends_with(r#" in '{"client":1}'"#), "{err}");
    }

    #[test]
    fn client_reports_from_stdout() {
        let line = counts(5, 1, 0, 0, 0).result_line(3);
        assert_eq!(client_report(3, &format!("{line}\n")), ClientReport::Counted(counts(5, 1, 0, 0, 0)));
        assert_eq!(client_report(3, &format!("noise\r\n{line}\r\n\n")), ClientReport::Counted(counts(5, 1, 0, 0, 0)));
        assert_eq!(client_report(3, ""), ClientReport::Missing("no result line".to_owned()));
        assert!(
            matches!(client_report(3, "\n \n"), ClientReport::Missing(why) if why.starts_with("malformed result line: "))
        );
        assert!(
            matches!(client_report(4, &line), ClientReport::Missing(why) if why.starts_with("the result line of client 3"))
        );
        assert!(
            matches!(client_report(3, &format!("{line}\ngarbage")), ClientReport::Missing(why) if why.starts_with("malformed"))
        );
    }

    #[test]
    fn totals_add_up() {
        let clients = [
            ClientReport::Counted(counts(100, 3, 1, 0, 2)),
            ClientReport::Counted(counts(50, 0, 0, 1, 0)),
            ClientReport::Missing("killed".to_owned()),
        ];
        let rotator = RotatorCounts { rotations: 40, busy: 2, faults: 1 };
        let run = PeerStats { operations: 1000, inconsistencies: 4, ..PeerStats::default() };
        let since_load = PeerStats { operations: 5000, inconsistencies: 9, ..PeerStats::default() };
        let peer = PeerReport::Stopped { run, since_load };
        let (before, after) = (stats(0, 312, 1), stats(2, 624, 2));
        let totals =
            Totals::of(&Outcome { clients: &clients, rotator: &rotator, peer: &peer, before: &before, after: &after });
        assert_eq!(totals, Totals { ops: 1150, rotations: 40, faults: 1 + 2 + 1 + 1 + 4, lost: 1 + 2, leaked: 1 });
        assert_eq!(totals.line(), "stress: 1150 ops, 40 rotations, 9 faults, 3 lost, 1 leaked");
        assert_eq!(Totals::parse(&totals.line()), Some(totals));
        assert!(!totals.clean());
        assert_eq!(pool_line(&before, &after), "pool: 1 blocks and 312 bytes more than before");
    }

    #[test]
    fn a_clean_run_passes() {
        let clients = [ClientReport::Counted(counts(10, 4, 0, 0, 0))];
        let rotator = RotatorCounts { rotations: 7, busy: 1, faults: 0 };
        let before = stats(0, 312, 1);
        let outcome =
            Outcome { clients: &clients, rotator: &rotator, peer: &PeerReport::Off, before: &before, after: &before };
        let totals = Totals::of(&outcome);
        assert_eq!(totals.line(), "stress: 10 ops, 7 rotations, 0 faults, 0 lost, 0 leaked");
        assert!(totals.clean());
        // Each failure alone fails the run.
        let fewer = stats(0, 0, 0);
        let freed = Totals::of(&Outcome { after: &fewer, ..outcome });
        assert_eq!(freed.leaked, -1);
        assert!(!freed.clean());
        assert_eq!(Totals::parse(&freed.line()), Some(freed));
        assert_eq!(pool_line(&before, &fewer), "pool: -1 blocks and -312 bytes more than before");
        let held = stats(1, 312, 1);
        assert_eq!(Totals::of(&Outcome { after: &held, ..outcome }).lost, 1);
        let failed = PeerReport::Failed("STATUS_INVALID_DEVICE_STATE".to_owned());
        assert_eq!(Totals::of(&Outcome { peer: &failed, ..outcome }).faults, 1);
        let no_line = [ClientReport::Missing("no result line".to_owned())];
        assert_eq!(Totals::of(&Outcome { clients: &no_line, ..outcome }).faults, 1);
    }

    #[test]
    fn the_peers_counts_over_one_run() {
        let before = PeerStats {
            operations: 100,
            dispatch_operations: 0,
            refused: 5,
            inconsistencies: 1,
            generations_seen: 7,
            last_generation: 8,
            running: 0,
        };
        let after = PeerStats {
            operations: 150,
            dispatch_operations: 0,
            refused: 9,
            inconsistencies: 1,
            generations_seen: 17,
            last_generation: 18,
            running: 0,
        };
        assert_eq!(
            peer_run(&before, &after),
            PeerStats {
                operations: 50,
                dispatch_operations: 0,
                refused: 4,
                inconsistencies: 0,
                generations_seen: 10,
                last_generation: 18,
                running: 0
            }
        );
        // A driver reloaded in between (counts lower than before) gives zeros, not a wrap.
        assert_eq!(peer_run(&after, &before).operations, 0);
    }

    #[test]
    fn detail_lines() {
        assert_eq!(
            stats_line("driver after", &stats(0, 312, 1)),
            r#"driver after: {"acquisitions":0,"refusals":0,"waits":0,"rotations":0,"max_holders":0,"holders":0,"pool_bytes":312,"pool_blocks":1}"#
        );
        assert_eq!(peer_line(&PeerReport::Off), "peer: not started (--no-peer)");
        let run = PeerStats {
            operations: 9,
            dispatch_operations: 0,
            refused: 1,
            inconsistencies: 0,
            generations_seen: 3,
            last_generation: 4,
            running: 0,
        };
        let since_load = PeerStats { operations: 19, refused: 2, inconsistencies: 1, ..run };
        assert_eq!(
            peer_line(&PeerReport::Stopped { run, since_load }),
            r#"peer: this run {"operations":9,"dispatch_operations":0,"refused":1,"inconsistencies":0,"generations_seen":3,"last_generation":4,"running":0}; since the driver loaded {"operations":19,"dispatch_operations":0,"refused":2,"inconsistencies":1,"generations_seen":3,"last_generation":4,"running":0}"#
        );
        assert_eq!(peer_line(&PeerReport::Failed("peer-stop failed: X".to_owned())), "peer: peer-stop failed: X");
        assert_eq!(
            client_detail(1, &ClientReport::Counted(counts(1, 2, 0, 0, 0)), "exit 0"),
            "client 1: ops=1 refused=2 torn=0 lost=0 faults=0 (exit 0)"
        );
        assert_eq!(
            client_detail(2, &ClientReport::Missing("no result line".to_owned()), "exit 1"),
            "client 2: no result line (exit 1)"
        );
    }

    #[test]
    fn only_summary_lines_parse() {
        for line in [
            "",
            "stress: 1 ops",
            "stress: 1 ops, 2 rotations, 3 faults, 4 lost",
            "stress: x ops, 2 rotations, 3 faults, 4 lost, 5 leaked",
            "stress: 1 ops, 2 rotations, 3 faults, 4 lost, 5 leaks",
            "rundownctl: 1 ops, 2 rotations, 3 faults, 4 lost, 5 leaked",
        ] {
            assert_eq!(Totals::parse(line), None, "{line:?}");
        }
        let totals = Totals { ops: 80_935, rotations: 1529, faults: 0, lost: 0, leaked: 0 };
        assert_eq!(Totals::parse(&format!("{}\r", totals.line())), Some(totals));
    }

    #[test]
    fn tally_groups_and_keeps_the_first_example() {
        let mut tally = Tally::default();
        assert!(tally.is_empty());
        tally.note("read: STATUS_DELETE_PENDING (0xC0000056)", 7, String::new);
        tally.note("read: STATUS_DELETE_PENDING (0xC0000056)", 9, || unreachable!("only the first is kept"));
        tally.note("read: payload not consistent", 3, || "len 2: 0102".to_owned());
        assert_eq!(
            tally.to_string(),
            "read: STATUS_DELETE_PENDING (0xC0000056) x2 (first at iteration 7); \
             read: payload not consistent x1 (first at iteration 3: len 2: 0102)"
        );
    }
}
