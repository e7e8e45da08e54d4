//! The PE checksum against hand-computed values and an independent formulation.

mod common;

use common::{ImageSpec, checksum_offset};
use pe_check::{DriverImage, pe_checksum};

#[test]
fn tiny_buffer_by_hand() {
    // Skipped: bytes 0..4. Words: 0x0001 + 0xFFFF = 0x1_0000, folded 0x0001; + 0x0003 (the odd
    // last byte, zero-padded) = 0x0004; + length 9 = 13.
    let bytes = [0xAA, 0xBB, 0xCC, 0xDD, 0x01, 0x00, 0xFF, 0xFF, 0x03];
    assert_eq!(pe_checksum(&bytes, 0), 13);
}

#[test]
fn skipped_field_in_the_middle_by_hand() {
    // Words 0x1234 and 0x5678 around a skipped field of 0xFF bytes: 0x68AC; + length 8 = 0x68B4.
    let bytes = [0x34, 0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0x78, 0x56];
    assert_eq!(pe_checksum(&bytes, 2), 0x68B4);
    // Carries fold back in: 3 × 0xFFFF = 0x2_FFFD, folded 0xFFFF, + length 6 = 0x1_0005.
    assert_eq!(pe_checksum(&[0xFF; 6], 100), 0x1_0005);
    assert_eq!(pe_checksum(&[], 0), 0);
}

/// The same checksum, summed wide first and folded at the end.
fn wide_sum_checksum(bytes: &[u8], skip: usize) -> u32 {
    let mut sum: u64 = 0;
    for (index, word) in bytes.chunks(2).enumerate() {
        if (skip..skip + 4).contains(&(index * 2)) {
            continue;
        }
        sum += u64::from(word[0]) | u64::from(*word.get(1).unwrap_or(&0)) << 8;
    }
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    u32::try_from(sum + bytes.len() as u64).unwrap()
}

#[test]
fn synthesized_image_has_a_known_checksum() {
    let bytes = ImageSpec::valid(true).build();
    let image = DriverImage::parse(&bytes).unwrap();
    assert_eq!(image.computed_checksum, wide_sum_checksum(&bytes, checksum_offset(&bytes)));
    assert_eq!(image.stored_checksum, image.computed_checksum);
    assert_eq!((bytes.len(), image.computed_checksum), KNOWN);
}

/// The ntoskrnl-flavour test image: its length and checksum, pinned so layout or algorithm drift
/// shows.
const KNOWN: (usize, u32) = (4096, 0xF701);

#[test]
fn the_stored_field_does_not_change_the_sum() {
    let mut bytes = ImageSpec::valid(false).build();
    let before = pe_checksum(&bytes, checksum_offset(&bytes));
    let at = checksum_offset(&bytes);
    bytes[at..at + 4].copy_from_slice(&[0x12, 0x34, 0x56, 0x78]);
    assert_eq!(pe_checksum(&bytes, at), before);
}
