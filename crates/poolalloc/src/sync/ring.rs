//! [`ByteRing`]: a fixed-capacity ring of bytes, the storage of
//! [`GlobalDeque`](super::GlobalDeque). Plain data, `&mut self` throughout;
//! the deque puts it behind a lock.

/// A double-ended ring of at most `N` bytes.
#[derive(Clone, Debug)]
pub(crate) struct ByteRing<const N: usize> {
    bytes: [u8; N],
    /// Index of the front byte (meaningless while empty).
    head: usize,
    len: usize,
    /// Bytes refused or overwritten because the ring was full.
    dropped: usize,
}

impl<const N: usize> ByteRing<N> {
    pub(crate) const fn new() -> Self {
        ByteRing {
            bytes: [0; N],
            head: 0,
            len: 0,
            dropped: 0,
        }
    }

    pub(crate) const fn len(&self) -> usize {
        self.len
    }

    pub(crate) const fn dropped(&self) -> usize {
        self.dropped
    }

    /// The storage index `offset` bytes after the front.
    fn at(&self, offset: usize) -> usize {
        // `head < N` and `offset <= N`, so the sum cannot overflow.
        let i = self.head + offset;
        if i >= N { i - N } else { i }
    }

    pub(crate) fn push_back(&mut self, byte: u8) -> Result<(), u8> {
        if self.len == N {
            self.dropped = self.dropped.wrapping_add(1);
            return Err(byte);
        }
        let i = self.at(self.len);
        self.bytes[i] = byte;
        self.len += 1;
        Ok(())
    }

    pub(crate) fn push_front(&mut self, byte: u8) -> Result<(), u8> {
        if self.len == N {
            self.dropped = self.dropped.wrapping_add(1);
            return Err(byte);
        }
        self.head = if self.head == 0 { N - 1 } else { self.head - 1 };
        self.bytes[self.head] = byte;
        self.len += 1;
        Ok(())
    }

    /// Pushes at the back; when full, drops the front byte to make room and
    /// returns it.
    pub(crate) fn push_back_overwriting(&mut self, byte: u8) -> Option<u8> {
        if N == 0 {
            self.dropped = self.dropped.wrapping_add(1);
            return Some(byte);
        }
        let lost = if self.len == N {
            self.dropped = self.dropped.wrapping_add(1);
            self.pop_front()
        } else {
            None
        };
        let i = self.at(self.len);
        self.bytes[i] = byte;
        self.len += 1;
        lost
    }

    pub(crate) fn pop_front(&mut self) -> Option<u8> {
        if self.len == 0 {
            return None;
        }
        let byte = self.bytes[self.head];
        self.head = self.at(1);
        self.len -= 1;
        Some(byte)
    }

    pub(crate) fn pop_back(&mut self) -> Option<u8> {
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        Some(self.bytes[self.at(self.len)])
    }

    /// Appends as many bytes of `src` as fit; returns how many. The rest
    /// count as dropped.
    pub(crate) fn extend_back(&mut self, src: &[u8]) -> usize {
        let n = src.len().min(N - self.len);
        let start = self.at(self.len);
        let first = n.min(N - start);
        self.bytes[start..start + first].copy_from_slice(&src[..first]);
        self.bytes[..n - first].copy_from_slice(&src[first..n]);
        self.len += n;
        self.dropped = self.dropped.wrapping_add(src.len() - n);
        n
    }

    /// Moves up to `dst.len()` bytes from the front into `dst`; returns
    /// how many.
    pub(crate) fn drain_front(&mut self, dst: &mut [u8]) -> usize {
        let n = dst.len().min(self.len);
        let first = n.min(N - self.head);
        dst[..first].copy_from_slice(&self.bytes[self.head..self.head + first]);
        dst[first..n].copy_from_slice(&self.bytes[..n - first]);
        self.head = if n == 0 { self.head } else { self.at(n) };
        self.len -= n;
        n
    }

    pub(crate) fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
    }
}
