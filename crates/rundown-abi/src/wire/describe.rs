//! `describe!`, which declares a message's [`Layout`](super::Layout) beside its type, and what
//! its expansion uses: each field's [`Kind`] from its Rust type, and its width.

use super::Kind;

/// The [`Kind`] of a field's Rust type.
pub(crate) trait WireField {
    /// The kind.
    const KIND: Kind;
}

impl WireField for u16 {
    const KIND: Kind = Kind::U16;
}
impl WireField for u32 {
    const KIND: Kind = Kind::U32;
}
impl WireField for u64 {
    const KIND: Kind = Kind::U64;
}
impl<const N: usize> WireField for [u8; N] {
    const KIND: Kind = Kind::Bytes(N);
}
impl WireField for crate::Guid {
    const KIND: Kind = Kind::Guid;
}
impl WireField for crate::InterfaceHeader {
    const KIND: Kind = Kind::Interface;
}
/// The interface's nullable function pointers.
impl<F> WireField for Option<F> {
    const KIND: Kind = Kind::Pointer;
}
impl WireField for crate::peer::PeerMode {
    const KIND: Kind = Kind::U32;
}

/// The kind of the field `_field` reaches.
pub(crate) const fn field_kind<T, F: WireField>(_field: fn(&T) -> &F) -> Kind {
    F::KIND
}

/// The width of the field `_field` reaches.
pub(crate) const fn field_size<T, F>(_field: fn(&T) -> &F) -> usize {
    core::mem::size_of::<F>()
}

/// Implements [`Described`](super::Described) for a `#[repr(C)]` message:
///
/// ```text
/// describe! {
///     QueryReply => RUNDOWN_QUERY_REPLY in Ioctl {
///         generation => Generation: "The object's generation; ROTATE installs the next one.",
///         state => State: "The object's state." in ObjectState {
///             Active => RUNDOWN_STATE_ACTIVE: "Acquisitions succeed.",
///             ...
///         },
///         ...
///     }
/// }
/// ```
///
/// Every field of the type must be listed, in order, and every variant of a named enum (which
/// needs a `const fn from_raw(u32) -> Option<Self>` that agrees with its discriminants); each
/// meaning's placeholders must be known ([`Meaning::is_valid`](super::Meaning::is_valid)). Anything else fails to compile.
macro_rules! describe {
    (
        $T:ident => $C:ident in $header:ident {
            $(
                $field:ident => $c_field:ident: $meaning:literal
                $(in $Enum:ident { $($Variant:ident => $c_value:ident: $value_meaning:literal),+ $(,)? })?
            ),+ $(,)?
        }
    ) => {
        const _: fn($T) = |message: $T| {
            let $T { $($field: _),+ } = message;
        };

        impl $crate::wire::Described for $T {
            const LAYOUT: Option<&'static $crate::wire::Layout> = {
                const LAYOUT: &$crate::wire::Layout = &$crate::wire::Layout {
                    rust: stringify!($T),
                    c: stringify!($C),
                    header: $crate::wire::CHeader::$header,
                    size: core::mem::size_of::<$T>(),
                    align: core::mem::align_of::<$T>(),
                    fields: &[$($crate::wire::Field {
                        rust: stringify!($field),
                        c: stringify!($c_field),
                        offset: core::mem::offset_of!($T, $field),
                        size: $crate::wire::field_size(|message: &$T| &message.$field),
                        kind: $crate::wire::field_kind(|message: &$T| &message.$field),
                        meaning: $crate::wire::Meaning($meaning),
                        values: $crate::wire::describe!(
                            @values $($Enum { $($Variant => $c_value: $value_meaning),+ })?
                        ),
                    }),+],
                };
                Some(LAYOUT)
            };
        }

        const _: () = {
            if let Some(layout) = <$T as $crate::wire::Described>::LAYOUT {
                let mut i = 1;
                while i < layout.fields.len() {
                    assert!(layout.fields[i - 1].offset < layout.fields[i].offset, concat!(stringify!($T), ": list the fields in declaration order"));
                    i += 1;
                }
            }
            $(
                assert!($crate::wire::Meaning($meaning).is_valid(), concat!("a placeholder of ", stringify!($T), ".", stringify!($field)));
                $($(
                    assert!($crate::wire::Meaning($value_meaning).is_valid());
                    assert!(
                        matches!($Enum::from_raw($Enum::$Variant as u32), Some($Enum::$Variant)),
                        concat!(stringify!($Enum), "::from_raw disagrees with ", stringify!($Variant))
                    );
                )+)?
            )+
        };
        $($(
            const _: fn($Enum) = |value| match value {
                $($Enum::$Variant => ()),+
            };
        )?)+
    };
    (@values) => { None };
    (@values $Enum:ident { $($Variant:ident => $c_value:ident: $value_meaning:literal),+ }) => {{
        const VALUES: &$crate::wire::NamedValues = &$crate::wire::NamedValues {
            rust: stringify!($Enum),
            values: &[$($crate::wire::NamedValue {
                raw: $Enum::$Variant as u32,
                rust: stringify!($Variant),
                c: stringify!($c_value),
                meaning: $crate::wire::Meaning($value_meaning),
            }),+],
        };
        Some(VALUES)
    }};
}

pub(crate) use describe;
