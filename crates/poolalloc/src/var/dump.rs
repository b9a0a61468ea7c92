//! [`VarPool::dump`]: the statistics, the block map and a hex view of the
//! memory (Mempool's `pool_dump`).

use super::VarPool;
use super::layout::{Area, FREE, G, Hdr, MIN_BLOCK, WORD, size_of_block};
use crate::error::GuardSide;
use core::fmt::{self, Write};

/// What the hex view shows for one byte.
#[derive(Clone, Copy)]
enum Cell {
    /// Pool bookkeeping: a header, a free-list link, a guard size word.
    Meta,
    /// A byte not known to be initialised: never read.
    Unknown,
    /// A byte known to be initialised, and its value.
    Byte(u8),
}

/// Bytes per line of the hex view.
const LINE: usize = 16;

/// Formats the hex view, [`LINE`] bytes a line.
struct HexLines<'w, W: Write> {
    out: &'w mut W,
    offset: usize,
    cells: [Cell; LINE],
    len: usize,
}

impl<W: Write> HexLines<'_, W> {
    fn push(&mut self, cell: Cell) -> fmt::Result {
        self.cells[self.len] = cell;
        self.len += 1;
        if self.len == LINE {
            self.flush()?;
        }
        Ok(())
    }

    /// Pushes `len` cells of one kind; `Byte` cells read the bytes at
    /// `start`.
    ///
    /// # Safety
    ///
    /// When `known`, the `len` bytes at `start` are initialised and
    /// readable.
    unsafe fn push_range(&mut self, start: *const u8, len: usize, known: bool) -> fmt::Result {
        for i in 0..len {
            let cell = if known {
                // SAFETY: the caller vouches for the bytes.
                Cell::Byte(unsafe { start.add(i).read() })
            } else {
                Cell::Unknown
            };
            self.push(cell)?;
        }
        Ok(())
    }

    fn push_meta(&mut self, len: usize) -> fmt::Result {
        for _ in 0..len {
            self.push(Cell::Meta)?;
        }
        Ok(())
    }

    /// Writes the buffered cells as one line: the offset, the cells in
    /// hex, then as ASCII. The line is assembled in a byte buffer and
    /// written with one `write_str`, so a large dump costs a few stores
    /// per byte rather than one formatting call per byte.
    fn flush(&mut self) -> fmt::Result {
        if self.len == 0 {
            return Ok(());
        }
        write!(self.out, "  {:04x} ", self.offset)?;
        let mut line = [b' '; LINE_BYTES];
        for (i, cell) in self.cells[..self.len].iter().enumerate() {
            let (hex, ascii) = match *cell {
                Cell::Meta => ([b'-', b'-'], b'-'),
                Cell::Unknown => ([b'?', b'?'], b'?'),
                Cell::Byte(b) => {
                    let hex = [HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]];
                    (hex, if (0x20..0x7f).contains(&b) { b } else { b'.' })
                }
            };
            line[3 * i + 1..3 * i + 3].copy_from_slice(&hex);
            line[ASCII_AT + 1 + i] = ascii;
        }
        line[ASCII_AT] = b'|';
        line[ASCII_AT + 1 + self.len] = b'|';
        line[ASCII_AT + 2 + self.len] = b'\n';
        let used = ASCII_AT + 3 + self.len;
        // Every byte written above is ASCII.
        let text = core::str::from_utf8(&line[..used]).map_err(|_| fmt::Error)?;
        self.out.write_str(text)?;
        self.offset += self.len;
        self.len = 0;
        Ok(())
    }
}

/// Lower-case hex digits.
const HEX: &[u8; 16] = b"0123456789abcdef";

/// Where the ASCII column's opening `|` sits in a line after the offset:
/// three characters per hex cell, then two spaces.
const ASCII_AT: usize = 3 * LINE + 2;

/// The longest line after the offset: the hex column, the ASCII column
/// between bars, and the newline.
const LINE_BYTES: usize = ASCII_AT + LINE + 3;

impl VarPool<'_> {
    /// Writes the pool's statistics, its block map and a hex view of its
    /// memory. O(capacity).
    ///
    /// For each region: a line with its address and block-area length;
    /// one line per block with its offset in the area, `used` or `free`,
    /// its size (header included) and, when used, the offset of its
    /// allocation, its usable size and (with guards on) the state of its
    /// guards; `end` for the sentinel. Then the hex view: 16 bytes a line,
    /// the offset in the area, 16 bytes in hex (48 characters) and the same
    /// 16 as ASCII (16 characters): Mempool's 64-character lines.
    /// Non-printable bytes show as `.` in the ASCII column.
    ///
    /// Reading uninitialised memory is undefined behaviour, so the hex view
    /// shows only bytes the pool knows to be initialised:
    ///
    /// - pool bookkeeping (headers, free-list links, the guards' size word)
    ///   shows as `--` (`-` in ASCII): it is addresses and sizes, listed in
    ///   the block map;
    /// - guard bytes show their value;
    /// - free memory past the links shows its value when
    ///   [scrubbing](Self::set_scrub) is on, `??` (`?`) otherwise;
    /// - the contents of live allocations (and their slack) show as `??`,
    ///   since they are the caller's and may be uninitialised; use
    ///   [`dump_with_contents`](Self::dump_with_contents) to see them.
    ///
    /// ```
    /// use core::mem::MaybeUninit;
    /// use poolalloc::{VarPool, region::Region};
    ///
    /// let mut memory = [MaybeUninit::<u8>::uninit(); 512];
    /// let mut pool = VarPool::new(Region::new(&mut memory)).unwrap();
    /// pool.set_scrub(true);
    /// let _a = pool.alloc(20, 8).unwrap();
    /// let mut text = String::new();
    /// pool.dump(&mut text).unwrap();
    /// assert!(text.contains(" used "));
    /// assert!(text.contains(" free "));
    /// ```
    ///
    /// # Errors
    ///
    /// Whatever `out` returns.
    pub fn dump(&self, out: &mut impl Write) -> fmt::Result {
        self.dump_impl(out, false)
    }

    /// As [`dump`](Self::dump), also showing the contents of live
    /// allocations: every usable byte (`usable_size` bytes from the
    /// allocation's pointer).
    ///
    /// # Errors
    ///
    /// Whatever `out` returns.
    ///
    /// # Safety
    ///
    /// Every usable byte of every live allocation must be initialised: the
    /// caller wrote all of them, and wrote no padding or `MaybeUninit`
    /// bytes there.
    pub unsafe fn dump_with_contents(&self, out: &mut impl Write) -> fmt::Result {
        self.dump_impl(out, true)
    }

    fn dump_impl<W: Write>(&self, out: &mut W, contents: bool) -> fmt::Result {
        writeln!(out, "VarPool: {}", self.stats())?;
        write!(out, "granule {G}, overhead {}, guards ", self.lead)?;
        if self.guard == 0 {
            out.write_str("off")?;
        } else {
            write!(out, "{}", self.guard)?;
        }
        writeln!(out, ", scrub {}", if self.scrub { "on" } else { "off" })?;
        let mut cur = self.areas;
        let mut i = 0;
        while !cur.is_null() {
            // SAFETY: `cur` is a live area header of this pool.
            let area = unsafe { &*cur };
            writeln!(
                out,
                "region {i} at {:#x}: {} bytes",
                area.base_addr(),
                area.len
            )?;
            self.dump_blocks(out, area)?;
            self.dump_memory(out, area, contents)?;
            cur = area.next;
            i += 1;
        }
        Ok(())
    }

    /// The blocks of `area`, each with its header's size and flags.
    fn blocks(area: &Area) -> impl Iterator<Item = (*mut Hdr, usize, bool)> + '_ {
        let mut off = 0;
        core::iter::from_fn(move || {
            if off >= area.len {
                return None;
            }
            // SAFETY: `off` walks the block starts of a live area by their
            // sizes, ending after the sentinel (size 0).
            let b = unsafe { area.base.add(off).cast::<Hdr>() };
            // SAFETY: as above.
            let (size, free) = unsafe { (size_of_block(b), (*b).size & FREE != 0) };
            off = if size == 0 { area.len } else { off + size };
            Some((b, size, free))
        })
    }

    fn dump_blocks<W: Write>(&self, out: &mut W, area: &Area) -> fmt::Result {
        for (b, size, free) in Self::blocks(area) {
            let off = b.addr() - area.base_addr();
            if size == 0 {
                writeln!(out, "  +{off:04x} end")?;
            } else if free {
                writeln!(out, "  +{off:04x} free {size:>6}")?;
            } else {
                // SAFETY: `b` is a live block.
                let usable = unsafe { self.usable_of(b) };
                write!(
                    out,
                    "  +{off:04x} used {size:>6}  ptr +{:04x} usable {usable}",
                    off + self.lead
                )?;
                if self.guard != 0 {
                    // SAFETY: guards are on and `b` is a live block.
                    match unsafe { self.check_guards(b) } {
                        Ok(()) => out.write_str("  guards ok")?,
                        Err(c) => {
                            let side = match c.side {
                                GuardSide::Underrun => "underrun",
                                GuardSide::Overrun => "overrun",
                            };
                            write!(out, "  guard {side} at {}", c.offset)?;
                        }
                    }
                }
                out.write_char('\n')?;
            }
        }
        Ok(())
    }

    fn dump_memory<W: Write>(&self, out: &mut W, area: &Area, contents: bool) -> fmt::Result {
        let mut lines = HexLines {
            out,
            offset: 0,
            cells: [Cell::Unknown; LINE],
            len: 0,
        };
        for (b, size, free) in Self::blocks(area) {
            let start = b.cast::<u8>().cast_const();
            lines.push_meta(G)?;
            if size == 0 {
                continue;
            }
            // SAFETY: every range pushed lies in the block. Known ranges
            // are bytes the pool wrote (links and headers are shown as
            // bookkeeping, never read as bytes; guards; scrubbed free
            // memory) or, with `contents`, usable bytes the caller vouched
            // for.
            unsafe {
                if free {
                    lines.push_meta(MIN_BLOCK - G)?;
                    lines.push_range(start.add(MIN_BLOCK), size - MIN_BLOCK, self.scrub)?;
                } else if self.guard != 0 {
                    let room = size - self.lead;
                    let req = self.usable_of(b).min(room);
                    lines.push_meta(WORD)?;
                    lines.push_range(start.add(G + WORD), self.lead - G - WORD, true)?;
                    lines.push_range(start.add(self.lead), req, contents)?;
                    lines.push_range(start.add(self.lead + req), room - req, true)?;
                } else {
                    lines.push_range(start.add(G), size - G, contents)?;
                }
            }
        }
        lines.flush()
    }
}
