//! Generated blocks in checked-in files (README.md, include/rundown_ioctl.h): the text between
//! a begin marker line and an end marker line must be what the tests render from rundown-abi.
//!
//! Without `RUNDOWN_BLESS` a differing block fails the test, naming the first line that differs
//! and printing the whole block to paste. With `RUNDOWN_BLESS=1` the test writes the block into
//! the file instead (and says so), so that one command refreshes every block after a change to
//! the table or a layout:
//!
//! ```text
//! RUNDOWN_BLESS=1 cargo test -p rundown-abi --test readme --test ioctl_header
//! ```

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The variable that makes [`check`] write the blocks.
pub const BLESS: &str = "RUNDOWN_BLESS";

/// One read-modify-write of a file at a time: the tests of one binary run on parallel threads.
static WRITING: Mutex<()> = Mutex::new(());

/// A file of the repository, from this crate's directory.
pub fn repository_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative)
}

/// The markers of one block: the begin line and the end line, without their line breaks.
#[derive(Clone, Debug)]
pub struct Markers {
    /// The line before the block.
    pub begin: String,
    /// The line after it.
    pub end: String,
}

impl Markers {
    /// README.md's: `<!-- name:begin -->`, `<!-- name:end -->`.
    pub fn markdown(name: &str) -> Self {
        Self { begin: format!("<!-- {name}:begin -->"), end: format!("<!-- {name}:end -->") }
    }

    /// A C header's: `/* generated:name:begin */`, `/* generated:name:end */`.
    pub fn c(name: &str) -> Self {
        Self { begin: format!("/* generated:{name}:begin */"), end: format!("/* generated:{name}:end */") }
    }
}

/// The byte range of the text between `markers` in `text`, each marker on a line of its own and
/// found once.
pub fn block_range(text: &str, markers: &Markers) -> Result<std::ops::Range<usize>, String> {
    let (begin, end) = (format!("{}\n", markers.begin), &markers.end);
    let count = |marker: &str| text.matches(marker).count();
    if count(&begin) != 1 || count(end) != 1 {
        return Err(format!("the file must hold `{}` and `{end}` once each, on lines of their own", markers.begin));
    }
    let start = text.find(&begin).expect("counted") + begin.len();
    let stop = text.find(end.as_str()).expect("counted");
    if stop < start {
        return Err(format!("`{end}` comes before `{}`", markers.begin));
    }
    Ok(start..stop)
}

/// The text between `markers`.
pub fn block<'t>(text: &'t str, markers: &Markers) -> Result<&'t str, String> {
    block_range(text, markers).map(|range| &text[range])
}

/// Whether `RUNDOWN_BLESS` asks the tests to write the blocks.
pub fn blessing() -> bool {
    std::env::var_os(BLESS).is_some_and(|value| !value.is_empty() && value != "0")
}

/// Fails unless `file` (relative to the repository) holds `expected` between `markers`; with
/// `RUNDOWN_BLESS=1`, writes it there instead.
pub fn check(file: &str, markers: &Markers, expected: &str) {
    let path = repository_file(file);
    let _writing = WRITING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("read {file}: {error}"));
    let problem = match block(&text, markers) {
        Ok(actual) if actual == expected => return,
        Ok(actual) => {
            let (found, wanted): (Vec<_>, Vec<_>) = (actual.lines().collect(), expected.lines().collect());
            let number = (0..found.len().max(wanted.len()))
                .find(|&i| found.get(i) != wanted.get(i))
                .unwrap_or(found.len().min(wanted.len()));
            let at = |lines: &[&str]| lines.get(number).map_or("(nothing)".to_owned(), |line| (*line).to_owned());
            format!(
                "line {} of the block reads\n  {}\nbut rundown-abi gives\n  {}",
                number + 1,
                at(&found),
                at(&wanted)
            )
        }
        Err(problem) => problem,
    };
    if blessing()
        && let Ok(range) = block_range(&text, markers)
    {
        let mut blessed = text.clone();
        blessed.replace_range(range, expected);
        std::fs::write(&path, blessed).unwrap_or_else(|error| panic!("write {file}: {error}"));
        println!("{BLESS}: wrote the `{}` block of {file}", markers.begin);
        return;
    }
    panic!(
        "{file}'s `{}` block is not what rundown-abi declares: {problem}\n\nReplace the block with (or run the test \
         with {BLESS}=1 to write it):\n\n{}\n{expected}{}\n",
        markers.begin, markers.begin, markers.end
    );
}
