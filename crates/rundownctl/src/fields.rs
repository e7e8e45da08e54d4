//! A reply shown field by field from its layout (`rundown_abi::Layout`), with no type of its
//! own here: STATS, and every request without input that has no command of its own
//! ([`PlainQuery`](crate::cli::PlainQuery)).
//!
//! For people each field is a row, its Rust name with spaces for underscores; for machines the
//! JSON object has the Rust names as keys. A number is a number; a field with named values is
//! the value's name in snake case (`running_down`; in the table `running down`), or the number
//! if it is none of them; a byte array is hex.

use rundown_abi::{Described, Encode, Field, Kind, Layout};
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::hex;
use crate::table::Table;

/// One field's value, as its layout reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// An integer.
    Number(u64),
    /// An integer with named values: the name of this one (snake case), if it has one.
    Named {
        /// The wire value.
        raw: u64,
        /// Its name, `None` for a value the ABI does not name.
        word: Option<String>,
    },
    /// Bytes (or a field that is no integer).
    Bytes(Vec<u8>),
}

impl Value {
    /// For people: the number, the name with spaces (`running down`, `unknown (9)`), or hex.
    #[must_use]
    pub fn label(&self) -> String {
        match self {
            Self::Number(number) => number.to_string(),
            Self::Named { word: Some(word), .. } => word.replace('_', " "),
            Self::Named { raw, word: None } => format!("unknown ({raw})"),
            Self::Bytes(bytes) => hex::encode(bytes),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Number(number) | Self::Named { raw: number, word: None } => serializer.serialize_u64(*number),
            Self::Named { word: Some(word), .. } => serializer.serialize_str(word),
            Self::Bytes(bytes) => serializer.serialize_str(&hex::encode(bytes)),
        }
    }
}

/// A reply's fields, in the layout's order.
///
/// ```
/// use rundown_abi::StatsReply;
/// use rundownctl::fields::Fields;
/// let stats = StatsReply { acquisitions: 3, refusals: 0, waits: 0, rotations: 1, max_holders: 2, holders: 0, pool_bytes: 64, pool_blocks: 1 };
/// let fields = Fields::of(&stats);
/// assert!(fields.render().starts_with("acquisitions  3\nrefusals      0\n"));
/// assert!(serde_json::to_string(&fields).unwrap().starts_with(r#"{"acquisitions":3,"refusals":0,"#));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fields(pub Vec<(&'static str, Value)>);

impl Fields {
    /// The fields of a reply's wire bytes, read with its layout (a field past the end of
    /// `bytes` is left out).
    #[must_use]
    pub fn decode(layout: &Layout, bytes: &[u8]) -> Self {
        Self(layout.fields.iter().filter_map(|field| Some((field.rust, value(field, bytes)?))).collect())
    }

    /// The fields of a reply.
    #[must_use]
    pub fn of<M: Encode + Described>(message: &M) -> Self {
        M::LAYOUT.map_or_else(|| Self(Vec::new()), |layout| Self::decode(layout, message.encode().as_ref()))
    }

    /// The value of the field with this Rust name.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(field, _)| *field == name).map(|(_, value)| value)
    }

    /// For people: one row per field, its name with spaces for underscores.
    #[must_use]
    pub fn render(&self) -> String {
        self.0
            .iter()
            .fold(Table::new(), |table, (name, value)| table.row(name.replace('_', " "), value.label()))
            .render()
    }
}

/// One field's value in `bytes`.
fn value(field: &Field, bytes: &[u8]) -> Option<Value> {
    match (field.kind, field.values) {
        (Kind::U16 | Kind::U32 | Kind::U64, Some(values)) => {
            let raw = field.uint(bytes)?;
            Some(Value::Named { raw, word: values.named(raw).map(|value| snake_case(value.rust)) })
        }
        (Kind::U16 | Kind::U32 | Kind::U64, None) => field.uint(bytes).map(Value::Number),
        (Kind::Bytes(_) | Kind::Guid | Kind::Interface | Kind::Pointer, _) => {
            field.bytes(bytes).map(|bytes| Value::Bytes(bytes.to_vec()))
        }
    }
}

/// `RunningDown` as `running_down`.
#[must_use]
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use rundown_abi::{DriverFlavour, ProtectionKind, QueryReply, ReadReply, VersionReply};

    use super::*;

    #[test]
    fn named_values_by_name_and_unknown_ones_by_number() {
        let reply = QueryReply { generation: 2, version: 1, holders: 0, state: 1, payload_len: 0, handle_holds: 0 };
        let fields = Fields::of(&reply);
        assert_eq!(fields.get("state"), Some(&Value::Named { raw: 1, word: Some("running_down".to_owned()) }));
        assert!(fields.render().contains("\nstate         running down\n"), "{}", fields.render());
        let odd = Fields::of(&QueryReply { state: 9, ..reply });
        assert_eq!(odd.get("state").map(Value::label).as_deref(), Some("unknown (9)"));
        let json = serde_json::to_string(&odd).unwrap();
        assert!(json.contains(r#""state":9,"#), "{json}");
        let version = Fields::of(&VersionReply::new(DriverFlavour::Portable, ProtectionKind::CacheAware));
        assert_eq!(
            serde_json::to_string(&version).unwrap(),
            r#"{"abi_version":1,"flavour":"portable","protection":"cache_aware","max_payload":256}"#
        );
    }

    #[test]
    fn bytes_are_hex_and_short_replies_lose_the_missing_fields() {
        let reply = ReadReply { generation: 1, version: 2, len: 1, payload: [0xAB; 256] };
        let fields = Fields::of(&reply);
        assert_eq!(fields.get("payload"), Some(&Value::Bytes(vec![0xAB; 256])));
        let layout = ReadReply::LAYOUT.unwrap();
        let short = Fields::decode(layout, &reply.to_bytes()[..20]);
        assert_eq!(short.0.iter().map(|(name, _)| *name).collect::<Vec<_>>(), ["generation", "version", "len"]);
    }

    #[test]
    fn snake_case_of_variants() {
        assert_eq!(snake_case("RunningDown"), "running_down");
        assert_eq!(snake_case("Active"), "active");
    }
}
