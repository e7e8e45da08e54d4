//! Little-endian field-by-field encoding, without transmutes.

/// Little-endian field writer over a fixed array.
pub(crate) struct Writer<const N: usize> {
    buf: [u8; N],
    pos: usize,
}

impl<const N: usize> Writer<N> {
    pub(crate) const fn new() -> Self {
        Self { buf: [0; N], pos: 0 }
    }

    pub(crate) fn bytes(mut self, bytes: &[u8]) -> Self {
        self.buf[self.pos..self.pos + bytes.len()].copy_from_slice(bytes);
        self.pos += bytes.len();
        self
    }

    pub(crate) fn u16(self, v: u16) -> Self {
        self.bytes(&v.to_le_bytes())
    }

    pub(crate) fn u32(self, v: u32) -> Self {
        self.bytes(&v.to_le_bytes())
    }

    pub(crate) fn u64(self, v: u64) -> Self {
        self.bytes(&v.to_le_bytes())
    }

    /// The array; bytes not written (padding) stay zero.
    pub(crate) const fn finish(self) -> [u8; N] {
        self.buf
    }
}

/// Little-endian field reader over a slice whose length was checked.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) const fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    pub(crate) fn array<const K: usize>(&mut self) -> [u8; K] {
        let (head, rest) = self.buf.split_at(K);
        let mut out = [0; K];
        out.copy_from_slice(head);
        self.buf = rest;
        out
    }

    pub(crate) fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.array())
    }

    pub(crate) fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.array())
    }

    pub(crate) fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.array())
    }
}
