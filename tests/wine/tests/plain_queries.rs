//! Every request without input, through `rundownctl <word> --json` against the portable driver
//! in ONE Wine host: each succeeds and answers every field of its reply's layout (rundown-abi's
//! `describe!` beside the reply), so a request added to the table is tested here as it is,
//! through the command rundownctl makes of it.
//!
//! A number field answers a number; a field with named values the name of one of them in snake
//! (or kebab) case, or the number; a byte array hex, under its name or, for READ's payload, which READ's
//! own command prints as `hex` (and `text`), as `hex`. Needs `cargo xtask build`'s images and
//! Wine 8: `cargo xtask test --only wine` provides both and runs this.

use anyhow::{Context, Result, ensure};
use rundown_abi::{Field, Ioctl, Kind};
use rundown_wine_tests::{Rig, in_wine};
use serde_json::Value;

#[test]
fn every_request_without_input_answers_its_fields() {
    in_wine("plain-queries", every_request_without_input_answers_its_fields_in);
}

fn every_request_without_input_answers_its_fields_in(rig: &Rig) -> Result<()> {
    let mut checked = Vec::new();
    for ioctl in Ioctl::ALL.into_iter().filter(|ioctl| ioctl.input_size() == Some(0)) {
        let args = rundownctl::commands::subcommand(ioctl).with_context(|| format!("{ioctl:?} has no command"))?;
        let word = args[0];
        let printed = rig.ctl(&[&args[..], &["--json"]].concat())?.ensure_success()?;
        let json: Value = serde_json::from_str(printed.stdout.trim())
            .with_context(|| format!("`rundownctl {word} --json` printed `{}`", printed.stdout))?;
        ensure!(json["ok"] == true && json["command"] == word, "`rundownctl {word} --json`: {json}");
        let layout = ioctl.output_layout().with_context(|| format!("{ioctl:?} has no reply"))?;
        for field in layout.fields {
            ensure!(answers(&json, field), "`rundownctl {word} --json` lacks {}.{}: {json}", layout.rust, field.rust);
        }
        checked.push(format!("{word} ({} fields)", layout.fields.len()));
    }
    ensure!(!checked.is_empty(), "no request without input");
    println!("plain queries: {}", checked.join(", "));
    Ok(())
}

/// Whether `json` holds `field` as its kind says.
fn answers(json: &Value, field: &Field) -> bool {
    let value = &json[field.rust];
    match (field.kind, field.values) {
        (Kind::U16 | Kind::U32 | Kind::U64, None) => value.is_u64(),
        (Kind::U16 | Kind::U32 | Kind::U64, Some(values)) => {
            let word = |name: &str| rundownctl::fields::snake_case(name);
            value.is_u64()
                || value.as_str().is_some_and(|text| values.values.iter().any(|named| word(named.rust) == text))
        }
        (Kind::Bytes(_) | Kind::Guid | Kind::Interface | Kind::Pointer, _) => {
            value.is_string() || json["hex"].is_string()
        }
    }
}
