//! Reading the drivers' debug output out of the services' standard error.
//!
//! Wine 8's ntoskrnl.exe hands `DbgPrint` and `DbgPrintEx` to ntdll, whose
//! `vDbgPrintExWithPrefix` prints every message, whatever its component and level, as a `WARN`
//! of the `debugstr` channel, filtering nothing: `0148:warn:debugstr:vDbgPrintExWithPrefix
//! 0000004d:00000008: text` (thread id, class, channel, function, then the component id and the
//! importance bits: `1 << Level` for a level below 32, the level itself otherwise; `DbgPrint` is
//! component 0 with bits 1). The text is raw: a message that contains a newline continues on
//! lines without a prefix. `OutputDebugString` prints a quoted, escaped string instead
//! (`warn:debugstr:OutputDebugStringA "text\n"`). With `+pid` or `+timestamp` in `WINEDEBUG`
//! more numbers come before the thread id.

/// `DPFLTR_IHVDRIVER_ID`, the component both drivers log under (`rundown_wdm::log::COMPONENT_ID`,
/// which the wdk-sys stand-in's layout test checks against the DDK headers).
pub const IHVDRIVER_ID: u32 = 77;

/// The importance bits of `DbgPrintEx`'s levels 0 to 3 (`DPFLTR_ERROR_LEVEL`, `_WARNING_`,
/// `_TRACE_`, `_INFO_`), as Wine prints them (`rundown_wdm::log::Level::mask_bit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DebugLevel {
    /// `DPFLTR_ERROR_LEVEL`: bits 0x1.
    Error = 0x1,
    /// `DPFLTR_WARNING_LEVEL`: bits 0x2.
    Warning = 0x2,
    /// `DPFLTR_TRACE_LEVEL`: bits 0x4.
    Trace = 0x4,
    /// `DPFLTR_INFO_LEVEL`: bits 0x8.
    Info = 0x8,
}

/// One debug message of a driver, without Wine's prefixes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DriverMessage {
    /// The `DbgPrintEx` component id and importance bits Wine printed before the text (a
    /// continuation line has those of its message); `None` for `OutputDebugString`.
    pub filter: Option<(u32, u32)>,
    /// The text, one printed line.
    pub text: String,
}

impl DriverMessage {
    /// Whether the message came from `DbgPrintEx(DPFLTR_IHVDRIVER_ID, level, ...)`.
    #[must_use]
    pub fn is_ihvdriver(&self, level: DebugLevel) -> bool {
        self.filter == Some((IHVDRIVER_ID, level as u32))
    }
}

/// Parts of Wine's messages that mean a process of the prefix crashed or aborted.
///
/// `wine: Unhandled page fault on write access to ... starting debugger...` (any unhandled
/// exception), `wine: Call from ... to unimplemented function ntoskrnl.exe.X, aborting` (a stub),
/// winedbg's `Unhandled exception: page fault on ...`, and `err:ntoskrnl:KeBugCheckEx` (Wine ends
/// the process on a bug check).
const CRASH_MARKERS: [&str; 4] = ["Unhandled", "unimplemented function", "page fault", "KeBugCheck"];

/// The debug messages in `log`, one per printed line, without Wine's prefixes.
pub fn messages(log: &str) -> Vec<String> {
    driver_messages(log).into_iter().map(|message| message.text).collect()
}

/// The debug messages in `log`, one per printed line, with their component id and importance
/// bits.
pub fn driver_messages(log: &str) -> Vec<DriverMessage> {
    let mut messages = Vec::new();
    let mut continues = None;
    for line in log.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(message) = debugstr_message(line) {
            continues = Some(message.filter);
            messages.push(message);
        } else if let Some(filter) = continues
            && !line.starts_with("wine:")
            && debug_prefix(line).is_none()
        {
            // The rest of a message with a newline inside.
            messages.push(DriverMessage { filter, text: line.to_owned() });
        } else {
            continues = None;
        }
    }
    messages
}

/// Which module the address a crash line names lies in, as far as the `+loaddll` lines before it
/// tell: the one loaded at the highest base at or below the address, in any process, and whether
/// it was unloaded before the crash (code run after its image went). `None` without such lines.
///
/// Wine relocates a second image with the same preferred base (both drivers ask for
/// 0x180000000), so a driver's code may sit anywhere; this is what names it.
pub fn crash_module(log: &str, crash_line: &str) -> Option<String> {
    let address = crash_line.rsplit_once("at address ")?.1.split_whitespace().next()?;
    let address = u64::from_str_radix(address, 16).ok()?;
    let before = log.split(crash_line).next().unwrap_or(log);
    let mut best: Option<(u64, &str, bool)> = None;
    for line in before.lines() {
        let Some((class, channel, rest)) = debug_prefix(line) else { continue };
        if class != "trace" || channel != "loaddll" {
            continue;
        }
        if let Some(loaded) = rest.strip_prefix("build_module Loaded ") {
            let Some((name, at)) = loaded.rsplit_once(" at ") else { continue };
            let Some(base) = at.split(':').next().and_then(|base| u64::from_str_radix(base, 16).ok()) else {
                continue;
            };
            if base <= address && best.is_none_or(|(known, ..)| base >= known) {
                best = Some((base, name, false));
            }
        } else if let Some(unloaded) = rest.strip_prefix("free_modref Unloaded module ")
            && let Some((_, name, gone)) = best.as_mut()
            && unloaded.starts_with(*name)
        {
            *gone = true;
        }
    }
    let (base, name, gone) = best?;
    let state = if gone { "unloaded before the crash" } else { "loaded" };
    Some(format!("{name} at {base:#X}, offset {:#X}, {state}", address - base))
}

/// The lines of `log` that report a crash, abort or bug check; the drivers' own messages are not
/// searched, so a driver that prints "page fault" is not taken for a crash.
pub fn crash_lines(log: &str) -> Vec<String> {
    log.lines()
        .filter(|line| debugstr_message(line).is_none())
        .filter(|line| CRASH_MARKERS.iter().any(|marker| line.contains(marker)))
        .map(|line| line.trim_end().to_owned())
        .collect()
}

/// The message of one `warn:debugstr:` line.
fn debugstr_message(line: &str) -> Option<DriverMessage> {
    let (class, channel, rest) = debug_prefix(line)?;
    if class != "warn" || channel != "debugstr" {
        return None;
    }
    // `function text`; the text may be empty.
    let (_function, text) = rest.split_once(' ').unwrap_or((rest, ""));
    if let Some(quoted) = text.strip_prefix("L\"").or_else(|| text.strip_prefix('"')) {
        let quoted = quoted.strip_suffix('"').unwrap_or(quoted);
        return Some(DriverMessage { filter: None, text: unescape(quoted).trim_end_matches(['\r', '\n']).to_owned() });
    }
    let (filter, text) = split_id_and_level(text);
    Some(DriverMessage { filter, text: text.to_owned() })
}

/// Splits `[timestamp:][pid:]tid:class:channel:rest` into class, channel and rest.
fn debug_prefix(line: &str) -> Option<(&str, &str, &str)> {
    let mut rest = line;
    let mut numbers = 0;
    loop {
        let (word, after) = rest.split_once(':')?;
        if !word.is_empty() && word.chars().all(|c| c.is_ascii_hexdigit() || c == '.') {
            numbers += 1;
            rest = after;
            continue;
        }
        if numbers == 0 || !["err", "warn", "fixme", "trace"].contains(&word) {
            return None;
        }
        let (channel, rest) = after.split_once(':')?;
        return Some((word, channel, rest));
    }
}

/// Splits vDbgPrintExWithPrefix's `%08lx:%08lx: ` (component id and importance bits) off the
/// text.
fn split_id_and_level(text: &str) -> (Option<(u32, u32)>, &str) {
    let hex = |range: std::ops::Range<usize>| {
        text.get(range)
            .filter(|part| part.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|part| u32::from_str_radix(part, 16).ok())
    };
    match (hex(0..8), text.get(8..9), hex(9..17), text.get(17..19)) {
        (Some(id), Some(":"), Some(level), Some(": ")) => (Some((id, level)), &text[19..]),
        _ => (None, text),
    }
}

/// Undoes Wine's `debugstr_a`/`debugstr_w` escapes: `\n \r \t \\ \"`, `\xNN` and `\uNNNN`.
fn unescape(quoted: &str) -> String {
    let mut out = String::with_capacity(quoted.len());
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(digits @ ('x' | 'u')) => {
                let width = if digits == 'x' { 2 } else { 4 };
                let hex: String = chars.by_ref().take(width).collect();
                if let Some(decoded) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(decoded);
                } else {
                    out.push('\\');
                    out.push(digits);
                    out.push_str(&hex);
                }
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{DebugLevel, DriverMessage, crash_lines, crash_module, driver_messages, messages};

    // Lines as Wine 8.0 wrote them for a scratch driver (DbgPrint) and for OutputDebugStringA.
    const LOG: &str = "\
0064:err:winediag:nodrv_CreateWindow Application tried to create a window, but no driver could be loaded.
0144:warn:debugstr:vDbgPrintExWithPrefix 00000000:00000001: scratch: DriverEntry
0148:warn:debugstr:vDbgPrintExWithPrefix 00000000:00000001: two
lines
0148:warn:debugstr:vDbgPrintExWithPrefix 00000000:00000001: page fault is only a word here
wine: Unhandled page fault on write access to 0000000000000000 at address 00000000021A10CC (thread 01e0), starting debugger...
not a message
12.345:0020:0024:warn:debugstr:OutputDebugStringA \"quoted \\\"text\\\"\\tand\\x01\\n\"
0030:warn:debugstr:vDbgPrintExWithPrefix 00000000:00000001: 
";

    #[test]
    fn messages_lose_wines_prefixes() {
        assert_eq!(
            messages(LOG),
            ["scratch: DriverEntry", "two", "lines", "page fault is only a word here", "quoted \"text\"\tand\u{1}", ""]
        );
    }

    // DbgPrintEx lines as Wine 8.0 wrote them for the drivers (component 0x4d = 77; the peer
    // started without the owner for the error lines), then a continuation line, DbgPrint, and
    // importance bits given as a level above 31, in the same format.
    const DBGPRINTEX_LOG: &str = "\
0130:warn:debugstr:vDbgPrintExWithPrefix 0000004d:00000008: rundown-peer: loaded: \\Device\\RundownPeer ready
0144:warn:debugstr:vDbgPrintExWithPrefix 0000004d:00000001: rundown-peer: worker: no interface: NtStatus(STATUS_UNKNOWN (0xC0000034))
second line
0148:warn:debugstr:vDbgPrintExWithPrefix 0000004d:00000004: rundown: rotated: generation 1 -> 2 after waiting for 0 holders
0130:warn:debugstr:vDbgPrintExWithPrefix 0000004d:00000002: rundown: freed 1 handle contexts whose CLOSE never came (Wine unloads with handles open)
0154:warn:debugstr:vDbgPrintExWithPrefix 00000000:00000001: DbgPrint
0154:warn:debugstr:vDbgPrintExWithPrefix 0000004d:80000010: bits above 31
";

    #[test]
    fn a_crash_is_placed_in_the_module_its_address_falls_in() {
        let log = "\
0044:trace:loaddll:build_module Loaded L\"C:\\windows\\system32\\ntoskrnl.exe\" at 0000000140000000: builtin
0044:trace:loaddll:build_module Loaded L\"C:\\windows\\system32\\drivers\\rundown_peer_portable.sys\" at 00000000024A0000: native
0044:trace:loaddll:free_modref Unloaded module L\"C:\\windows\\system32\\drivers\\rundown_peer_portable.sys\" : native
wine: Unhandled page fault on execute access to 00000000024A2BD0 at address 00000000024A2BD0 (thread 0448), starting debugger...
";
        let crash = crash_lines(log).remove(0);
        assert_eq!(
            crash_module(log, &crash).as_deref(),
            Some(
                "L\"C:\\windows\\system32\\drivers\\rundown_peer_portable.sys\" at 0x24A0000, offset 0x2BD0, unloaded before the crash"
            )
        );
        assert_eq!(crash_module("", &crash), None, "no +loaddll lines: nothing to say");
    }

    #[test]
    fn dbgprintex_messages_keep_their_component_and_level() {
        let messages = driver_messages(DBGPRINTEX_LOG);
        let filters: Vec<Option<(u32, u32)>> = messages.iter().map(|message| message.filter).collect();
        assert_eq!(
            filters,
            [
                Some((77, 8)),
                Some((77, 1)),
                Some((77, 1)),
                Some((77, 4)),
                Some((77, 2)),
                Some((0, 1)),
                Some((77, 0x8000_0010))
            ]
        );
        let levels = [DebugLevel::Info, DebugLevel::Error, DebugLevel::Error, DebugLevel::Trace, DebugLevel::Warning];
        assert!(messages.iter().zip(levels).all(|(message, level)| message.is_ihvdriver(level)));
        assert!(!messages[0].is_ihvdriver(DebugLevel::Error) && !messages[5].is_ihvdriver(DebugLevel::Error));
        assert_eq!(messages[0].text, "rundown-peer: loaded: \\Device\\RundownPeer ready");
        assert_eq!(messages[1].text, "rundown-peer: worker: no interface: NtStatus(STATUS_UNKNOWN (0xC0000034))");
        assert_eq!(messages[2].text, "second line");
        assert_eq!(
            driver_messages("0154:warn:debugstr:OutputDebugStringA \"x\\n\""),
            [DriverMessage { filter: None, text: "x".to_owned() }]
        );
    }

    #[test]
    fn crash_lines_skip_the_drivers_messages() {
        assert_eq!(
            crash_lines(LOG),
            [
                "wine: Unhandled page fault on write access to 0000000000000000 at address 00000000021A10CC (thread 01e0), starting debugger..."
            ]
        );
    }
}
