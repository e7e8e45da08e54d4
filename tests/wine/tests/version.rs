//! VERSION in Wine: `rundownctl version` against the portable driver `cargo xtask build` wrote,
//! and the request's exact reply and checks through a session's `raw`.
//!
//! Needs `cargo xtask build`'s images and Wine 8: `cargo xtask test --only wine` provides both
//! and runs these.

use anyhow::{Context, Result, ensure};
use rundown_abi::{ABI_VERSION, DriverFlavour, Ioctl, MAX_PAYLOAD, ProtectionKind, VersionReply};
use rundown_wine_tests::{Rig, in_wine};

#[test]
fn rundownctl_version_names_the_portable_driver() {
    in_wine("version", rundownctl_version_names_the_portable_driver_in);
}

/// `rundownctl version` prints the contract, the portable flavour and the plain protection
/// (the image `cargo xtask build` makes for Wine), on a read-only handle too; the raw reply is
/// exactly those 16 bytes, and a wrong input or output length gets the ABI's status.
fn rundownctl_version_names_the_portable_driver_in(rig: &Rig) -> Result<()> {
    let expected = [
        format!("abi version  {ABI_VERSION}"),
        "flavour      portable".to_owned(),
        "protection   plain".to_owned(),
        format!("max payload  {MAX_PAYLOAD}"),
    ];
    for args in [&["version"][..], &["--read-only", "version"]] {
        let printed = rig.ctl(args)?.ensure_success()?;
        let lines: Vec<&str> = printed.stdout.lines().map(str::trim_end).collect();
        ensure!(lines == expected, "`rundownctl {}` printed:\n{}", args.join(" "), printed.stdout);
    }

    let mut session = rig.session()?;
    let code = Ioctl::Version.code();
    let raw = session.ok(&format!("raw --code {code:#x} --input-hex - --output-len {}", VersionReply::SIZE))?;
    ensure!(raw.num("information")? == 16, "`{}`", raw.line);
    let bytes = unhex(&raw.get("output")).with_context(|| format!("`{}`", raw.line))?;
    let reply = VersionReply::from_bytes(&bytes)?;
    ensure!(reply == VersionReply::new(DriverFlavour::Portable, ProtectionKind::Plain), "{reply:?}");
    session.fails(&format!("raw --code {code:#x} --input-hex 00 --output-len 16"), "STATUS_INFO_LENGTH_MISMATCH")?;
    session.fails(&format!("raw --code {code:#x} --input-hex - --output-len 15"), "STATUS_BUFFER_TOO_SMALL")?;
    session.fails(&format!("raw --code {code:#x} --input-hex - --output-len 17"), "STATUS_INFO_LENGTH_MISMATCH")?;
    session.fails(
        &format!("raw --code {:#x} --input-hex - --output-len 16", code ^ (3 << 14)),
        "STATUS_INVALID_DEVICE_REQUEST",
    )?;
    // VERSION took no protection and changed nothing.
    let query = session.ok("query")?;
    ensure!(query.num("holders")? == 0 && query.num("version")? == 0, "`{}`", query.line);
    session.close()
}

/// The bytes of a hex string.
fn unhex(text: &str) -> Result<Vec<u8>> {
    ensure!(text.len().is_multiple_of(2), "odd hex length");
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).with_context(|| format!("hex `{text}`")))
        .collect()
}
