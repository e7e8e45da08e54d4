//! Each message round-trips, and each size or field violation gives its documented error.

use proptest::prelude::*;
use rundown_abi::{
    AcquireRequest, HoldsReply, Ioctl, MAX_PAYLOAD, NtStatus, QueryReply, ReadReply, ReleaseRequest, RotateReply,
    StatsReply, WireError, WriteReply, WriteRequest,
};

fn query() -> impl Strategy<Value = QueryReply> {
    (any::<u64>(), any::<u64>(), any::<u32>(), 0u32..=2, 0u32..=256, any::<u32>()).prop_map(
        |(generation, version, holders, state, payload_len, handle_holds)| QueryReply {
            generation,
            version,
            holders,
            state,
            payload_len,
            handle_holds,
        },
    )
}

fn read() -> impl Strategy<Value = ReadReply> {
    (any::<u64>(), any::<u64>(), proptest::collection::vec(any::<u8>(), 0..=MAX_PAYLOAD)).prop_map(
        |(generation, version, data)| {
            let mut payload = [0; MAX_PAYLOAD];
            payload[..data.len()].copy_from_slice(&data);
            ReadReply { generation, version, len: u32::try_from(data.len()).unwrap(), payload }
        },
    )
}

fn stats() -> impl Strategy<Value = StatsReply> {
    (any::<[u64; 4]>(), any::<u32>(), any::<u32>(), any::<u64>(), any::<u64>()).prop_map(
        |([acquisitions, refusals, waits, rotations], max_holders, holders, pool_bytes, pool_blocks)| StatsReply {
            acquisitions,
            refusals,
            waits,
            rotations,
            max_holders,
            holders,
            pool_bytes,
            pool_blocks,
        },
    )
}

/// Output sizes other than `size`: the error each gives.
fn assert_output_rule<T: std::fmt::Debug>(size: usize, parse: impl Fn(&[u8]) -> Result<T, WireError>) {
    let buf = vec![0u8; size + 9];
    for len in [0, 1, size - 1] {
        let err = parse(&buf[..len]).unwrap_err();
        assert_eq!(err, WireError::OutputTooSmall { expected: size, actual: len });
        assert_eq!(err.status(), NtStatus::BUFFER_TOO_SMALL);
    }
    for len in [size + 1, size + 8] {
        let err = parse(&buf[..len]).unwrap_err();
        assert_eq!(err, WireError::OutputTooLarge { expected: size, actual: len });
        assert_eq!(err.status(), NtStatus::INFO_LENGTH_MISMATCH);
    }
}

proptest! {
    #[test]
    fn query_round_trips(reply in query()) {
        prop_assert_eq!(QueryReply::from_bytes(&reply.to_bytes()), Ok(reply));
    }

    #[test]
    fn acquire_round_trips(count in 1u32..) {
        let req = AcquireRequest { count };
        prop_assert_eq!(AcquireRequest::from_bytes(&req.to_bytes()), Ok(req));
    }

    #[test]
    fn release_round_trips(count in 1u32..) {
        let req = ReleaseRequest { count };
        prop_assert_eq!(ReleaseRequest::from_bytes(&req.to_bytes()), Ok(req));
    }

    #[test]
    fn holds_round_trips(handle_holds in any::<u32>()) {
        let reply = HoldsReply { handle_holds };
        prop_assert_eq!(HoldsReply::from_bytes(&reply.to_bytes()), Ok(reply));
    }

    #[test]
    fn read_round_trips(reply in read()) {
        prop_assert_eq!(ReadReply::from_bytes(&reply.to_bytes()), Ok(reply));
    }

    #[test]
    fn write_round_trips(data in proptest::collection::vec(any::<u8>(), 0..=MAX_PAYLOAD)) {
        let req = WriteRequest::new(&data).unwrap();
        prop_assert_eq!(req.data(), &data[..]);
        prop_assert_eq!(req.wire_len(), 4 + data.len());
        let bytes = req.to_bytes();
        prop_assert!(Ioctl::Write.check_input_len(req.wire_len()).is_ok());
        prop_assert_eq!(WriteRequest::from_bytes(&bytes[..req.wire_len()]), Ok(req));
    }

    #[test]
    fn write_reply_round_trips(version in any::<u64>()) {
        let reply = WriteReply { version };
        prop_assert_eq!(WriteReply::from_bytes(&reply.to_bytes()), Ok(reply));
    }

    #[test]
    fn rotate_round_trips(old_generation in any::<u64>(), new_generation in any::<u64>(), waited_for_holders in any::<u32>()) {
        let reply = RotateReply { old_generation, new_generation, waited_for_holders };
        let bytes = reply.to_bytes();
        prop_assert_eq!(&bytes[20..], &[0; 4]);
        prop_assert_eq!(RotateReply::from_bytes(&bytes), Ok(reply));
    }

    #[test]
    fn stats_round_trips(reply in stats()) {
        prop_assert_eq!(StatsReply::from_bytes(&reply.to_bytes()), Ok(reply));
    }

    /// The parsers never panic, whatever the bytes.
    #[test]
    fn parsers_take_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = QueryReply::from_bytes(&bytes);
        let _ = AcquireRequest::from_bytes(&bytes);
        let _ = ReleaseRequest::from_bytes(&bytes);
        let _ = HoldsReply::from_bytes(&bytes);
        let _ = ReadReply::from_bytes(&bytes);
        let _ = WriteRequest::from_bytes(&bytes);
        let _ = WriteReply::from_bytes(&bytes);
        let _ = RotateReply::from_bytes(&bytes);
        let _ = StatsReply::from_bytes(&bytes);
    }
}

#[test]
fn sizes_are_the_repr_c_sizes() {
    use std::mem::size_of;
    assert_eq!((QueryReply::SIZE, size_of::<QueryReply>()), (32, 32));
    assert_eq!((AcquireRequest::SIZE, size_of::<AcquireRequest>()), (4, 4));
    assert_eq!((ReleaseRequest::SIZE, size_of::<ReleaseRequest>()), (4, 4));
    assert_eq!((HoldsReply::SIZE, size_of::<HoldsReply>()), (4, 4));
    assert_eq!((ReadReply::SIZE, size_of::<ReadReply>()), (280, 280));
    assert_eq!((WriteRequest::SIZE, size_of::<WriteRequest>()), (260, 260));
    assert_eq!((WriteReply::SIZE, size_of::<WriteReply>()), (8, 8));
    assert_eq!((RotateReply::SIZE, size_of::<RotateReply>()), (24, 24));
    assert_eq!((StatsReply::SIZE, size_of::<StatsReply>()), (56, 56));
}

#[test]
fn field_offsets_are_little_endian_c_layout() {
    let q = QueryReply {
        generation: 0x0102_0304_0506_0708,
        version: 0x1112_1314_1516_1718,
        holders: 0x2122_2324,
        state: 2,
        payload_len: 0x100,
        handle_holds: 0x4142_4344,
    };
    let b = q.to_bytes();
    assert_eq!(b[0..8], [8, 7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(b[8..16], [0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11]);
    assert_eq!(b[16..20], [0x24, 0x23, 0x22, 0x21]);
    assert_eq!(b[20..24], [2, 0, 0, 0]);
    assert_eq!(b[24..28], [0, 1, 0, 0]);
    assert_eq!(b[28..32], [0x44, 0x43, 0x42, 0x41]);
}

#[test]
fn input_lengths_must_be_exact() {
    for len in [0, 3, 5, 8] {
        let buf = vec![1u8; len];
        let expected = WireError::InputLength { expected: 4, actual: len };
        assert_eq!(AcquireRequest::from_bytes(&buf), Err(expected));
        assert_eq!(ReleaseRequest::from_bytes(&buf), Err(expected));
        assert_eq!(expected.status(), NtStatus::INFO_LENGTH_MISMATCH);
    }
}

#[test]
fn zero_count_is_invalid_parameter() {
    assert_eq!(AcquireRequest::from_bytes(&[0; 4]), Err(WireError::ZeroCount));
    assert_eq!(ReleaseRequest::from_bytes(&[0; 4]), Err(WireError::ZeroCount));
    assert_eq!(WireError::ZeroCount.status(), NtStatus::INVALID_PARAMETER);
}

#[test]
fn output_lengths_must_be_exact() {
    assert_output_rule(QueryReply::SIZE, QueryReply::from_bytes);
    assert_output_rule(HoldsReply::SIZE, HoldsReply::from_bytes);
    assert_output_rule(ReadReply::SIZE, ReadReply::from_bytes);
    assert_output_rule(WriteReply::SIZE, WriteReply::from_bytes);
    assert_output_rule(RotateReply::SIZE, RotateReply::from_bytes);
    assert_output_rule(StatsReply::SIZE, StatsReply::from_bytes);
    for ioctl in Ioctl::ALL.into_iter().filter(|&i| i != Ioctl::GetInterface) {
        let size = ioctl.output_size();
        assert!(ioctl.check_output_len(size).is_ok());
        assert_eq!(ioctl.check_output_len(size - 1).unwrap_err().status(), NtStatus::BUFFER_TOO_SMALL);
        assert_eq!(ioctl.check_output_len(size + 1).unwrap_err().status(), NtStatus::INFO_LENGTH_MISMATCH);
    }
}

#[test]
fn requests_without_input_take_none() {
    for ioctl in [Ioctl::Query, Ioctl::Read, Ioctl::Rotate, Ioctl::Stats] {
        assert!(ioctl.check_input_len(0).is_ok());
        assert_eq!(ioctl.check_input_len(1), Err(WireError::InputLength { expected: 0, actual: 1 }));
    }
    assert!(Ioctl::Acquire.check_input_len(4).is_ok());
    assert!(Ioctl::Release.check_input_len(5).is_err());
}

#[test]
fn write_length_violations() {
    // Shorter than the length field.
    for len in 0..4 {
        assert_eq!(WriteRequest::from_bytes(&[0; 3][..len]), Err(WireError::InputLength { expected: 4, actual: len }));
        assert!(Ioctl::Write.check_input_len(len).is_err());
    }
    // Longer than the largest write.
    let mut long = vec![0u8; WriteRequest::SIZE + 1];
    long[..4].copy_from_slice(&256u32.to_le_bytes());
    let err = WriteRequest::from_bytes(&long).unwrap_err();
    assert_eq!(err, WireError::InputLength { expected: 260, actual: 261 });
    assert_eq!(err.status(), NtStatus::INFO_LENGTH_MISMATCH);
    assert!(Ioctl::Write.check_input_len(261).is_err());
    // A length field over MAX_PAYLOAD.
    let mut too_long = vec![0u8; 4];
    too_long[..4].copy_from_slice(&257u32.to_le_bytes());
    let err = WriteRequest::from_bytes(&too_long).unwrap_err();
    assert_eq!(err, WireError::PayloadTooLong { len: 257 });
    assert_eq!(err.status(), NtStatus::INVALID_PARAMETER);
    assert_eq!(WriteRequest::from_bytes(&u32::MAX.to_le_bytes()), Err(WireError::PayloadTooLong { len: u32::MAX }));
    // A length field that differs from the bytes after it, either way.
    let err = WriteRequest::from_bytes(b"\x02\0\0\0abc").unwrap_err();
    assert_eq!(err, WireError::PayloadLengthMismatch { declared: 2, actual: 3 });
    assert_eq!(err.status(), NtStatus::INFO_LENGTH_MISMATCH);
    assert_eq!(
        WriteRequest::from_bytes(b"\x04\0\0\0abc"),
        Err(WireError::PayloadLengthMismatch { declared: 4, actual: 3 })
    );
    // The full-size form with a short length field is refused too.
    let mut full = [0u8; WriteRequest::SIZE];
    full[0] = 5;
    assert_eq!(WriteRequest::from_bytes(&full), Err(WireError::PayloadLengthMismatch { declared: 5, actual: 256 }));
    // Too much data for new().
    assert_eq!(WriteRequest::new(&[0; 257]), Err(WireError::PayloadTooLong { len: 257 }));
    assert_eq!(WriteRequest::new(&[0; 256]).unwrap().wire_len(), WriteRequest::SIZE);
}

#[test]
fn reply_field_violations() {
    let mut q = QueryReply { generation: 0, version: 0, holders: 0, state: 3, payload_len: 0, handle_holds: 0 };
    let err = QueryReply::from_bytes(&q.to_bytes()).unwrap_err();
    assert_eq!(err, WireError::BadState { state: 3 });
    assert_eq!(err.status(), NtStatus::INVALID_PARAMETER);
    q.state = 0;
    q.payload_len = 257;
    assert_eq!(QueryReply::from_bytes(&q.to_bytes()), Err(WireError::PayloadTooLong { len: 257 }));
    let r = ReadReply { generation: 0, version: 0, len: 300, payload: [0; 256] };
    assert_eq!(ReadReply::from_bytes(&r.to_bytes()), Err(WireError::PayloadTooLong { len: 300 }));
    assert_eq!(r.data().len(), MAX_PAYLOAD);
}

#[test]
fn every_wire_error_has_one_status_and_a_message() {
    let cases = [
        (WireError::InputLength { expected: 4, actual: 0 }, NtStatus::INFO_LENGTH_MISMATCH),
        (WireError::OutputTooSmall { expected: 4, actual: 0 }, NtStatus::BUFFER_TOO_SMALL),
        (WireError::OutputTooLarge { expected: 4, actual: 5 }, NtStatus::INFO_LENGTH_MISMATCH),
        (WireError::PayloadLengthMismatch { declared: 1, actual: 0 }, NtStatus::INFO_LENGTH_MISMATCH),
        (WireError::ZeroCount, NtStatus::INVALID_PARAMETER),
        (WireError::PayloadTooLong { len: 257 }, NtStatus::INVALID_PARAMETER),
        (WireError::BadState { state: 9 }, NtStatus::INVALID_PARAMETER),
    ];
    for (err, status) in cases {
        assert_eq!(err.status(), status, "{err}");
        assert_eq!(NtStatus::from(err), status);
        assert!(!err.to_string().is_empty());
    }
}

/// Every message of both tables is described, and each description is whole: the layout's size
/// is the table's, the fields lie inside it one after another, the C names are distinct, each
/// field has a meaning, and a named field's values and C constants are distinct.
#[test]
fn every_message_is_described() {
    use rundown_abi::peer::PeerIoctl;
    use rundown_abi::{Kind, Layout};

    fn check(layout: &Layout, size: usize, what: &str) {
        assert_eq!(layout.size, size, "{what}: {}", layout.rust);
        assert!(!layout.fields.is_empty(), "{what}: {} has no field", layout.rust);
        let mut end = 0;
        for field in layout.fields {
            assert!(field.offset >= end && field.offset + field.size <= layout.size, "{}.{}", layout.rust, field.rust);
            end = field.offset + field.size;
            let kind_size = match field.kind {
                Kind::U16 => Some(2),
                Kind::U32 => Some(4),
                Kind::U64 => Some(8),
                Kind::Bytes(n) => Some(n),
                Kind::Guid | Kind::Interface | Kind::Pointer => None,
            };
            assert!(
                kind_size.is_none_or(|width| width == field.size),
                "{}.{}: {:?}",
                layout.rust,
                field.rust,
                field.kind
            );
            let meaning = field.meaning.to_string();
            assert!(!meaning.is_empty() && field.meaning.is_valid(), "{}.{}: {meaning}", layout.rust, field.rust);
            if let Some(values) = field.values {
                assert!(matches!(field.kind, Kind::U32), "{}.{}: named values in a u32", layout.rust, field.rust);
                for (i, value) in values.values.iter().enumerate() {
                    assert!(value.c.starts_with(values.c_prefix()) && !values.c_prefix().is_empty(), "{}", value.c);
                    for other in &values.values[i + 1..] {
                        assert!(value.raw != other.raw && value.c != other.c, "{} and {}", value.c, other.c);
                    }
                }
            }
        }
        let mut names: Vec<_> = layout.fields.iter().map(|field| field.c).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), layout.fields.len(), "{}: a C name twice", layout.rust);
    }

    for ioctl in Ioctl::ALL {
        let (min, max) = ioctl.input_bounds();
        match ioctl.input_layout() {
            Some(layout) => check(layout, max, ioctl.name()),
            None => assert_eq!((min, max), (0, 0), "{ioctl:?}"),
        }
        let output = ioctl.output_layout().unwrap_or_else(|| panic!("{ioctl:?}: every request answers"));
        check(output, ioctl.output_size(), ioctl.name());
    }
    for ioctl in PeerIoctl::ALL {
        for (layout, size) in
            [(ioctl.input_layout(), ioctl.input_bounds().1), (ioctl.output_layout(), ioctl.output_size())]
        {
            match layout {
                Some(layout) => check(layout, size, ioctl.name()),
                None => assert_eq!(size, 0, "{ioctl:?}"),
            }
        }
    }
}
