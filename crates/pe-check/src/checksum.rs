//! The PE image checksum, as `CheckSumMappedFile` (imagehlp) and the kernel loader compute it.
//!
//! The file is summed as little-endian 16-bit words (an odd last byte is padded with zero),
//! skipping the four bytes of the `CheckSum` field itself; each addition folds its carry back
//! into the low 16 bits. The folded 16-bit sum plus the file length is the checksum.

/// The byte offset of `CheckSum` inside the optional header, the same for PE32 and PE32+.
pub const OPTIONAL_HEADER_CHECKSUM_OFFSET: usize = 64;

/// The byte offset of `CheckSum` in a file whose NT headers start at `nt_headers_offset`
/// (`e_lfanew`): the 4-byte signature, the 20-byte file header, then 64 bytes into the optional
/// header.
///
/// ```
/// assert_eq!(pe_check::checksum_field_offset(0x80), 0x80 + 4 + 20 + 64);
/// ```
#[must_use]
pub const fn checksum_field_offset(nt_headers_offset: usize) -> usize {
    nt_headers_offset + 4 + object::pe::IMAGE_SIZEOF_FILE_HEADER + OPTIONAL_HEADER_CHECKSUM_OFFSET
}

/// The PE checksum of `bytes`, ignoring the four bytes at `checksum_offset`.
///
/// ```
/// // words 0x0001 + 0xFFFF fold to 0x0001, + 0x0003 (odd byte padded) = 4; + length 9 = 13.
/// let bytes = [0xAA, 0xBB, 0xCC, 0xDD, 0x01, 0x00, 0xFF, 0xFF, 0x03];
/// assert_eq!(pe_check::pe_checksum(&bytes, 0), 13);
/// ```
#[must_use]
pub fn pe_checksum(bytes: &[u8], checksum_offset: usize) -> u32 {
    let skipped = checksum_offset..checksum_offset.saturating_add(4);
    let mut sum: u32 = 0;
    for (index, word) in bytes.chunks(2).enumerate() {
        let offset = index * 2;
        if skipped.contains(&offset) {
            continue;
        }
        let low = word[0];
        let high = word.get(1).copied().unwrap_or(0);
        sum += u32::from(u16::from_le_bytes([low, high]));
        sum = (sum & 0xffff) + (sum >> 16);
    }
    // Truncation is the algorithm: the length is added modulo 2^32.
    #[allow(clippy::cast_possible_truncation)]
    let len = bytes.len() as u32;
    sum.wrapping_add(len)
}
