//! What each message is in C and what its fields mean, declared beside the message with
//! `describe!`: the C struct's name and header, each field's C name, offset, width and one-line
//! meaning, and the named values of a field that holds an enum. The README's IOCTL reference,
//! the C header `include/rundown_ioctl.h`, rundownctl's commands for plain queries and the tests
//! all read these [`Layout`]s ([`Described::LAYOUT`], `Ioctl::output_layout`).
//!
//! Offsets and widths are `offset_of!` and `size_of` of the `#[repr(C)]` type, computed at
//! compile time; a field of the type that the description leaves out, or a variant of a named
//! enum, does not compile.
//!
//! ```
//! use rundown_abi::{Described, Kind, QueryReply};
//! let layout = QueryReply::LAYOUT.expect("a message");
//! assert_eq!((layout.c, layout.size), ("RUNDOWN_QUERY_REPLY", 32));
//! let state = layout.field("state").expect("QUERY's state");
//! assert_eq!((state.c, state.offset, state.kind), ("State", 20, Kind::U32));
//! assert_eq!(state.values.expect("named").values[1].c, "RUNDOWN_STATE_RUNNING_DOWN");
//! ```

use core::fmt;

/// Which C header declares a message.
///
/// ```
/// use rundown_abi::{CHeader, Described, GetInterfaceRequest};
/// assert_eq!(GetInterfaceRequest::LAYOUT.unwrap().header, CHeader::Interface);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CHeader {
    /// `include/rundown_ioctl.h`, for user-mode clients.
    Ioctl,
    /// `include/rundown_interface.h`, for kernel-mode peers (x64 only).
    Interface,
    /// None: the sample peer's own device, which has no C clients.
    None,
}

/// What a field holds.
///
/// ```
/// use rundown_abi::{Described, Kind, ReadReply};
/// let payload = ReadReply::LAYOUT.unwrap().field("payload").unwrap();
/// assert_eq!(payload.kind, Kind::Bytes(256));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A little-endian `u16`.
    U16,
    /// A little-endian `u32`.
    U32,
    /// A little-endian `u64`.
    U64,
    /// A byte array of this length.
    Bytes(usize),
    /// A `GUID`.
    Guid,
    /// The WDK's `INTERFACE`.
    Interface,
    /// A function pointer.
    Pointer,
}

/// One message's layout, as `describe!` declares it beside the type.
///
/// ```
/// use rundown_abi::{Described, RotateReply};
/// let layout = RotateReply::LAYOUT.unwrap();
/// assert_eq!(layout.fields.len(), 3);
/// assert_eq!(layout.tail_padding(), Some((20, 4)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The Rust type.
    pub rust: &'static str,
    /// The C typedef.
    pub c: &'static str,
    /// The header that declares the C type.
    pub header: CHeader,
    /// `size_of` the Rust type.
    pub size: usize,
    /// `align_of` the Rust type.
    pub align: usize,
    /// The fields, in declaration order.
    pub fields: &'static [Field],
}

impl Layout {
    /// The padding after the last field: offset and width, if any.
    ///
    /// ```
    /// use rundown_abi::{Described, StatsReply};
    /// assert_eq!(StatsReply::LAYOUT.unwrap().tail_padding(), None);
    /// ```
    #[must_use]
    pub const fn tail_padding(&self) -> Option<(usize, usize)> {
        let end = match self.fields.last() {
            Some(field) => field.offset + field.size,
            None => 0,
        };
        if end < self.size { Some((end, self.size - end)) } else { None }
    }

    /// The gaps between fields (offset and width), in order: none in any message, which lets a
    /// C struct with only an explicit tail-padding field agree under any packing.
    ///
    /// ```
    /// use rundown_abi::{Described, ReadReply};
    /// assert_eq!(ReadReply::LAYOUT.unwrap().inner_padding().count(), 0);
    /// ```
    pub fn inner_padding(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.fields.windows(2).filter_map(|pair| {
            let end = pair[0].offset + pair[0].size;
            (pair[1].offset > end).then(|| (end, pair[1].offset - end))
        })
    }

    /// The field with this Rust name.
    ///
    /// ```
    /// use rundown_abi::{Described, VersionReply};
    /// assert_eq!(VersionReply::LAYOUT.unwrap().field("max_payload").unwrap().offset, 12);
    /// ```
    #[must_use]
    pub fn field(&self, rust: &str) -> Option<&'static Field> {
        self.fields.iter().find(|field| field.rust == rust)
    }
}

/// One field of a message.
///
/// ```
/// use rundown_abi::{Described, StatsReply};
/// let field = StatsReply::LAYOUT.unwrap().field("holders").unwrap();
/// assert_eq!((field.c, field.offset, field.size), ("Holders", 36, 4));
/// assert_eq!(field.meaning.to_string(), "Holders now.");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    /// The Rust field.
    pub rust: &'static str,
    /// The C field.
    pub c: &'static str,
    /// Its offset in bytes.
    pub offset: usize,
    /// Its width in bytes.
    pub size: usize,
    /// What it holds.
    pub kind: Kind,
    /// What it means, in one line (Markdown: `code` spans).
    pub meaning: Meaning,
    /// The named values of a field that holds an enum.
    pub values: Option<&'static NamedValues>,
}

impl Field {
    /// The field's integer in a message's wire bytes (little-endian); `None` if it is not an
    /// integer or `message` is too short.
    ///
    /// ```
    /// use rundown_abi::{Described, HoldsReply};
    /// let field = HoldsReply::LAYOUT.unwrap().field("handle_holds").unwrap();
    /// assert_eq!(field.uint(&HoldsReply { handle_holds: 7 }.to_bytes()), Some(7));
    /// ```
    #[must_use]
    pub fn uint(&self, message: &[u8]) -> Option<u64> {
        let bytes = self.bytes(message)?;
        let mut word = [0u8; 8];
        match self.kind {
            Kind::U16 | Kind::U32 | Kind::U64 => {
                word.get_mut(..bytes.len())?.copy_from_slice(bytes);
                Some(u64::from_le_bytes(word))
            }
            Kind::Bytes(_) | Kind::Guid | Kind::Interface | Kind::Pointer => None,
        }
    }

    /// The field's bytes in a message's wire bytes; `None` if `message` is too short.
    ///
    /// ```
    /// use rundown_abi::{Described, ReadReply};
    /// let reply = ReadReply { generation: 1, version: 2, len: 1, payload: [9; 256] };
    /// let payload = ReadReply::LAYOUT.unwrap().field("payload").unwrap();
    /// assert_eq!(payload.bytes(&reply.to_bytes()), Some(&[9; 256][..]));
    /// ```
    #[must_use]
    pub fn bytes<'m>(&self, message: &'m [u8]) -> Option<&'m [u8]> {
        message.get(self.offset..self.offset + self.size)
    }
}

/// The values of a field that holds an enum: the enum and each variant.
///
/// ```
/// use rundown_abi::{Described, VersionReply};
/// let flavour = VersionReply::LAYOUT.unwrap().field("flavour").unwrap().values.unwrap();
/// assert_eq!(flavour.rust, "DriverFlavour");
/// assert_eq!(flavour.named(1).map(|value| value.rust), Some("Portable"));
/// assert_eq!(flavour.c_prefix(), "RUNDOWN_FLAVOUR_");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NamedValues {
    /// The Rust enum.
    pub rust: &'static str,
    /// Every variant, in declaration order.
    pub values: &'static [NamedValue],
}

impl NamedValues {
    /// The value with this number.
    #[must_use]
    pub fn named(&self, raw: u64) -> Option<&'static NamedValue> {
        self.values.iter().find(|value| u64::from(value.raw) == raw)
    }

    /// What the values' C names have in common, up to and including the last `_` they share
    /// (`RUNDOWN_STATE_`).
    #[must_use]
    pub fn c_prefix(&self) -> &'static str {
        let Some(first) = self.values.first() else { return "" };
        let mut common = first.c.len();
        for value in self.values {
            let shared = first.c.bytes().zip(value.c.bytes()).take_while(|(a, b)| a == b).count();
            common = common.min(shared);
        }
        let cut = if self.values.len() == 1 { first.c.rfind('_') } else { first.c[..common].rfind('_') };
        cut.map_or("", |at| &first.c[..=at])
    }
}

/// One named value of a field.
///
/// ```
/// use rundown_abi::{Described, QueryReply};
/// let states = QueryReply::LAYOUT.unwrap().field("state").unwrap().values.unwrap();
/// assert_eq!((states.values[0].raw, states.values[0].rust), (0, "Active"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NamedValue {
    /// The wire value.
    pub raw: u32,
    /// The Rust variant.
    pub rust: &'static str,
    /// The C constant.
    pub c: &'static str,
    /// What it means.
    pub meaning: Meaning,
}

/// A one-line meaning. `{NAME}` in the text stands for the value of the crate's constant of
/// that name ([`Meaning::PLACEHOLDERS`]), so that the text follows it; [`Display`](fmt::Display)
/// writes the text with the values in.
///
/// ```
/// use rundown_abi::Meaning;
/// assert_eq!(Meaning("At most {MAX_PAYLOAD} bytes.").to_string(), "At most 256 bytes.");
/// assert!(Meaning("{MAX_PAYLOAD}").is_valid());
/// assert!(!Meaning("{NOT_A_CONSTANT}").is_valid());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Meaning(pub &'static str);

impl Meaning {
    /// The names `{NAME}` may use.
    pub const PLACEHOLDERS: [&'static str; 6] = [
        "MAX_PAYLOAD",
        "ABI_VERSION",
        "WriteRequest::HEADER_SIZE",
        "RundownInterface::SIZE",
        "RUNDOWN_INTERFACE_VERSION",
        "RUNDOWN_INTERFACE_GUID",
    ];

    /// Whether every `{...}` in the text is one of [`PLACEHOLDERS`](Self::PLACEHOLDERS) and
    /// every brace is closed (`describe!` checks each meaning with it at compile time).
    #[must_use]
    pub const fn is_valid(&self) -> bool {
        let text = self.0.as_bytes();
        let mut at = 0;
        while at < text.len() {
            if text[at] == b'{' {
                let Some(end) = find_close(text, at + 1) else { return false };
                if !is_placeholder(text, at + 1, end) {
                    return false;
                }
                at = end;
            } else if text[at] == b'}' {
                return false;
            }
            at += 1;
        }
        true
    }

    fn placeholder(name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match name {
            "MAX_PAYLOAD" => write!(f, "{}", super::MAX_PAYLOAD),
            "ABI_VERSION" => write!(f, "{}", super::ABI_VERSION),
            "WriteRequest::HEADER_SIZE" => write!(f, "{}", super::WriteRequest::HEADER_SIZE),
            "RundownInterface::SIZE" => write!(f, "{}", crate::RundownInterface::SIZE),
            "RUNDOWN_INTERFACE_VERSION" => write!(f, "{}", crate::RUNDOWN_INTERFACE_VERSION),
            "RUNDOWN_INTERFACE_GUID" => write!(f, "{}", crate::RUNDOWN_INTERFACE_GUID),
            other => write!(f, "{{{other}}}"),
        }
    }
}

/// The index of the `}` closing a brace opened before `from`.
const fn find_close(text: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while at < text.len() {
        if text[at] == b'}' {
            return Some(at);
        }
        at += 1;
    }
    None
}

/// Whether `text[start..end]` is one of [`Meaning::PLACEHOLDERS`].
const fn is_placeholder(text: &[u8], start: usize, end: usize) -> bool {
    let mut i = 0;
    while i < Meaning::PLACEHOLDERS.len() {
        let name = Meaning::PLACEHOLDERS[i].as_bytes();
        if name.len() == end - start {
            let mut j = 0;
            while j < name.len() && name[j] == text[start + j] {
                j += 1;
            }
            if j == name.len() {
                return true;
            }
        }
        i += 1;
    }
    false
}

impl fmt::Display for Meaning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|close| open + close) else { break };
            f.write_str(&rest[..open])?;
            Self::placeholder(&rest[open + 1..close], f)?;
            rest = &rest[close + 1..];
        }
        f.write_str(rest)
    }
}

/// A message's layout, for code generic over messages. Every [`Message`](super::Message) is
/// described (`None`: `()`, no message), so a message without a description does not compile.
///
/// ```
/// use rundown_abi::{Described, Ioctl, IoctlRequest, requests};
/// fn c_name<R: IoctlRequest>() -> Option<&'static str> {
///     <R::Output as Described>::LAYOUT.map(|layout| layout.c)
/// }
/// assert_eq!(c_name::<requests::Stats>(), Some("RUNDOWN_STATS_REPLY"));
/// assert_eq!(Ioctl::Stats.output_layout().map(|layout| layout.rust), Some("StatsReply"));
/// ```
pub trait Described {
    /// The layout; `None` for no message.
    const LAYOUT: Option<&'static Layout>;
}

/// No message.
impl Described for () {
    const LAYOUT: Option<&'static Layout> = None;
}
