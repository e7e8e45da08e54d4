//! Reading the drivers' debug output out of the services' standard error.
//!
//! Wine prints a driver's `DbgPrint`/`DbgPrintEx` on the `debugstr` channel as
//! `0148:warn:debugstr:vDbgPrintExWithPrefix 00000000:00000001: text` (thread id, class, channel,
//! function, then component id and level mask), with the text raw: a message that contains a
//! newline continues on lines without a prefix. `OutputDebugString` prints a quoted, escaped
//! string instead (`warn:debugstr:OutputDebugStringA "text\n"`). With `+pid` or `+timestamp` in
//! `WINEDEBUG` more numbers come before the thread id.

/// Parts of Wine's messages that mean a process of the prefix crashed or aborted.
///
/// `wine: Unhandled page fault on write access to ... starting debugger...` (any unhandled
/// exception), `wine: Call from ... to unimplemented function ntoskrnl.exe.X, aborting` (a stub),
/// winedbg's `Unhandled exception: page fault on ...`, and `err:ntoskrnl:KeBugCheckEx` (Wine ends
/// the process on a bug check).
const CRASH_MARKERS: [&str; 4] = ["Unhandled", "unimplemented function", "page fault", "KeBugCheck"];

/// The debug messages in `log`, one per printed line, without Wine's prefixes.
pub fn messages(log: &str) -> Vec<String> {
    let mut messages = Vec::new();
    let mut continues = false;
    for line in log.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(message) = debugstr_message(line) {
            messages.push(message);
            continues = true;
        } else if continues && !line.starts_with("wine:") && debug_prefix(line).is_none() {
            // The rest of a message with a newline inside.
            messages.push(line.to_owned());
        } else {
            continues = false;
        }
    }
    messages
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
fn debugstr_message(line: &str) -> Option<String> {
    let (class, channel, rest) = debug_prefix(line)?;
    if class != "warn" || channel != "debugstr" {
        return None;
    }
    // `function text`; the text may be empty.
    let (_function, text) = rest.split_once(' ').unwrap_or((rest, ""));
    if let Some(quoted) = text.strip_prefix("L\"").or_else(|| text.strip_prefix('"')) {
        let quoted = quoted.strip_suffix('"').unwrap_or(quoted);
        return Some(unescape(quoted).trim_end_matches(['\r', '\n']).to_owned());
    }
    Some(strip_id_and_level(text).to_owned())
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

/// Removes vDbgPrintExWithPrefix's `%08lx:%08lx: ` (component id and level mask).
fn strip_id_and_level(text: &str) -> &str {
    let bytes = text.as_bytes();
    let hex =
        |range: std::ops::Range<usize>| bytes.get(range).is_some_and(|part| part.iter().all(u8::is_ascii_hexdigit));
    if hex(0..8) && bytes.get(8) == Some(&b':') && hex(9..17) && bytes.get(17..19) == Some(b": ") {
        &text[19..]
    } else {
        text
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
    use super::{crash_lines, messages};

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
