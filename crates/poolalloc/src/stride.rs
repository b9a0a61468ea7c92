//! Division by a block stride without a divide instruction.
//!
//! Engines map a block address to its index on every free. A stride is
//! `2^shift * odd`; an offset that is a multiple of the stride divides
//! exactly, and exact division by an odd number is a multiplication by its
//! inverse modulo `2^BITS`. The result is checked by multiplying back, so a
//! non-multiple is recognised too.

/// A block stride with its precomputed exact-division constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stride {
    size: usize,
    shift: u32,
    inverse: usize,
}

impl Stride {
    /// Precomputes the constants for `size` (non-zero).
    pub(crate) const fn new(size: usize) -> Self {
        assert!(size > 0);
        let shift = size.trailing_zeros();
        let odd = size >> shift;
        // Newton's iteration: each step doubles the number of correct low
        // bits, starting from 3 (odd * odd == 1 mod 8); six steps give 192.
        let mut inverse = odd;
        let mut i = 0;
        while i < 6 {
            inverse = inverse.wrapping_mul(2usize.wrapping_sub(odd.wrapping_mul(inverse)));
            i += 1;
        }
        Stride {
            size,
            shift,
            inverse,
        }
    }

    /// The stride in bytes.
    #[inline(always)]
    pub(crate) const fn size(self) -> usize {
        self.size
    }

    /// `offset / size` for an offset known to be a multiple of the stride.
    #[inline(always)]
    pub(crate) const fn exact_index(self, offset: usize) -> usize {
        if self.inverse == 1 {
            // A power-of-two stride: the branch is the same on every call.
            offset >> self.shift
        } else {
            (offset >> self.shift).wrapping_mul(self.inverse)
        }
    }

    /// `Ok(offset / size)` when `offset` is a multiple of the stride, else
    /// `Err(offset % size)`.
    #[inline]
    pub(crate) const fn index(self, offset: usize) -> Result<usize, usize> {
        let index = self.exact_index(offset);
        if let Some(back) = index.checked_mul(self.size) {
            if back == offset {
                return Ok(index);
            }
        }
        Err(offset % self.size)
    }
}

#[cfg(test)]
mod tests {
    use super::Stride;

    #[test]
    fn exact_division_matches_division() {
        let (sizes, multiples) = if cfg!(miri) { (40, 3) } else { (200, 70) };
        for size in 1..sizes {
            let stride = Stride::new(size);
            for offset in 0..size * multiples {
                match stride.index(offset) {
                    Ok(i) => assert_eq!((i, offset % size), (offset / size, 0)),
                    Err(rem) => assert_eq!(rem, offset % size),
                }
            }
            let big = (usize::MAX / size) * size;
            assert_eq!(stride.index(big), Ok(usize::MAX / size));
        }
    }
}
