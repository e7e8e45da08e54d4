//! Little-endian field-by-field encoding, without transmutes.

/// Little-endian field writer over a fixed array.
pub(super) struct Writer<const N: usize> {
    buf: [u8; N],
    pos: usize,
}

impl<const N: usize> Writer<N> {
    pub(super) const fn new() -> Self {
        Self { buf: [0; N], pos: 0 }
    }

    pub(super) fn bytes(mut self, bytes: &[u8]) -> Self {
        self.buf[self.pos..self.pos + bytes.len()].copy_from_slice(bytes);
        self.pos += bytes.len();
        self
    }

    pub(super) fn u32(self, v: u32) -> Self {
        self.bytes(&v.to_le_bytes())
    }

    pub(super) fn u64(self, v: u64) -> Self {
        self.bytes(&v.to_le_bytes())
    }

    /// The array; bytes not written (padding) stay zero.
    pub(super) const fn finish(self) -> [u8; N] {
        self.buf
    }
}

/// Little-endian field reader over a slice whose length was checked.
pub(super) struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(super) const fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    pub(super) fn array<const K: usize>(&mut self) -> [u8; K] {
        let (head, rest) = self.buf.split_at(K);
        let mut out = [0; K];
        out.copy_from_slice(head);
        self.buf = rest;
        out
    }

    pub(super) fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.array())
    }

    pub(super) fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.array())
    }
}
