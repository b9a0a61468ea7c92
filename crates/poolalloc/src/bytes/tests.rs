use super::*;
use std::format;
use std::string::ToString;
use std::vec::Vec;

/// 4 chunks of 24 data bytes.
type Small = ByteSlab<128, 4>;

fn contents<const B: usize, const S: usize>(buf: &ByteBuffer<'_, B, S>) -> Vec<u8> {
    let via_chunks: Vec<u8> = buf.chunks().flat_map(|c| c.to_vec()).collect();
    let mut copied = std::vec![0; buf.len()];
    buf.copy_to(0, &mut copied).unwrap();
    assert_eq!(via_chunks, copied);
    #[cfg(feature = "alloc")]
    assert_eq!(via_chunks, buf.to_vec());
    via_chunks
}

fn deque_contents<const B: usize, const S: usize>(q: &ByteDeque<'_, B, S>) -> Vec<u8> {
    let via_chunks: Vec<u8> = q.chunks().flat_map(|c| c.to_vec()).collect();
    let mut copied = std::vec![0; q.len()];
    q.copy_to(0, &mut copied).unwrap();
    assert_eq!(via_chunks, copied);
    #[cfg(feature = "alloc")]
    assert_eq!(via_chunks, q.to_vec());
    via_chunks
}

fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + 3) as u8).collect()
}

#[test]
fn chunk_capacity_is_block_size_minus_the_link() {
    assert_eq!(Small::CHUNK_CAPACITY, 24);
    assert_eq!(ByteSlab::<9, 1>::CHUNK_CAPACITY, 1);
    assert_eq!(Small::new().chunk_capacity(), 24);
}

#[test]
fn buffer_appends_across_chunks_and_reads_back() {
    let slab = Small::new();
    let mut buf = ByteBuffer::new(&slab);
    assert!(buf.is_empty());
    assert_eq!(buf.chunks().count(), 0);
    let data = pattern(90);
    buf.try_extend_from_slice(&data[..10]).unwrap();
    for &b in &data[10..30] {
        buf.try_push(b).unwrap();
    }
    buf.try_extend_from_slice(&data[30..]).unwrap();
    assert_eq!(buf.len(), 90);
    assert_eq!(buf.chunk_count(), 4);
    assert_eq!(slab.chunks_in_use(), 4);
    assert_eq!(contents(&buf), data);
    let sizes: Vec<usize> = buf.chunks().map(|c| c.len()).collect();
    assert_eq!(sizes, [24, 24, 24, 18]);
    assert_eq!(buf.chunks().len(), 4);
    for start in [0, 1, 23, 24, 25, 47, 48, 89] {
        for count in [0, 1, 2, 30, 90 - start] {
            if start + count > 90 {
                continue;
            }
            let mut out = std::vec![0xEE; count];
            buf.copy_to(start, &mut out).unwrap();
            assert_eq!(out, data[start..start + count], "{start}+{count}");
        }
    }
    assert_eq!(buf.get(89), Some(data[89]));
    assert_eq!(buf.get(90), None);
    slab.check().unwrap();
}

#[test]
fn copy_out_of_range_is_refused_and_out_untouched() {
    let slab = Small::new();
    let mut buf = ByteBuffer::new(&slab);
    buf.try_extend_from_slice(b"abcdef").unwrap();
    let mut out = [9; 4];
    assert_eq!(
        buf.copy_to(3, &mut out),
        Err(BytesError::OutOfRange {
            start: 3,
            count: 4,
            len: 6
        })
    );
    assert_eq!(out, [9; 4]);
    assert_eq!(
        buf.copy_to(usize::MAX, &mut out),
        Err(BytesError::OutOfRange {
            start: usize::MAX,
            count: 4,
            len: 6
        })
    );
    assert_eq!(buf.copy_to(6, &mut []), Ok(()));
    assert_eq!(
        buf.copy_to(7, &mut []),
        Err(BytesError::OutOfRange {
            start: 7,
            count: 0,
            len: 6
        })
    );
}

#[test]
fn an_append_that_overfills_the_slab_changes_nothing() {
    let slab = Small::new();
    let mut a = ByteBuffer::new(&slab);
    let mut b = ByteBuffer::new(&slab);
    a.try_extend_from_slice(&pattern(30)).unwrap(); // 2 chunks, 18 free in the tail
    b.try_extend_from_slice(&[1]).unwrap(); // 1 chunk
    // 18 fit in a's tail, 25 more need 2 chunks; 1 is free.
    assert_eq!(
        a.try_extend_from_slice(&[5; 43]),
        Err(BytesError::SlabFull {
            needed: 2,
            available: 1
        })
    );
    assert_eq!(contents(&a), pattern(30));
    assert_eq!((a.chunk_count(), slab.chunks_in_use()), (2, 3));
    // Exactly enough: the tail and one chunk.
    a.try_extend_from_slice(&[5; 42]).unwrap();
    assert_eq!(slab.available_chunks(), 0);
    // The tail is full: even one byte needs a chunk.
    assert_eq!(
        a.try_push(0),
        Err(BytesError::SlabFull {
            needed: 1,
            available: 0
        })
    );
    // b's tail still has room.
    b.try_push(2).unwrap();
    assert_eq!(contents(&b), [1, 2]);
    assert_eq!(slab.stats().failed_allocations, 0);
    slab.check().unwrap();
}

#[test]
fn max_len_is_exact_and_refusals_change_nothing() {
    let slab = Small::new();
    let mut buf = ByteBuffer::with_max_len(&slab, 5);
    assert_eq!(buf.max_len(), Some(5));
    buf.try_extend_from_slice(b"abcd").unwrap();
    assert_eq!(
        buf.try_extend_from_slice(b"ef"),
        Err(BytesError::MaxLen {
            max_len: 5,
            len: 4,
            additional: 2
        })
    );
    buf.try_push(b'e').unwrap();
    assert_eq!(
        buf.try_push(b'f'),
        Err(BytesError::MaxLen {
            max_len: 5,
            len: 5,
            additional: 1
        })
    );
    assert_eq!(contents(&buf), b"abcde");
    // The maximum length is checked before the slab.
    let mut zero = ByteDeque::with_max_len(&slab, 0);
    assert_eq!(
        zero.try_push_back(1),
        Err(BytesError::MaxLen {
            max_len: 0,
            len: 0,
            additional: 1
        })
    );
    assert_eq!(zero.try_extend_back(&[]), Ok(()));
    assert_eq!(zero.chunk_count(), 0);
}

#[test]
fn empty_appends_take_no_chunk() {
    let slab = Small::new();
    let mut q = ByteDeque::new(&slab);
    q.try_extend_back(&[]).unwrap();
    assert_eq!((q.len(), q.chunk_count(), slab.chunks_in_use()), (0, 0, 0));
}

#[test]
fn deque_is_fifo_and_frees_chunks_as_soon_as_they_are_read() {
    let slab = Small::new();
    let mut q = ByteDeque::new(&slab);
    let data = pattern(60);
    q.try_extend_back(&data).unwrap(); // 24 + 24 + 12
    assert_eq!(slab.chunks_in_use(), 3);
    for (i, &expected) in data.iter().enumerate().take(23) {
        assert_eq!(q.peek_front(), Some(expected));
        assert_eq!(q.pop_front(), Some(expected), "byte {i}");
    }
    assert_eq!(slab.chunks_in_use(), 3);
    assert_eq!(q.pop_front(), Some(data[23]));
    assert_eq!(slab.chunks_in_use(), 2, "the first chunk went back at once");
    q.remove_prefix(24).unwrap();
    assert_eq!(slab.chunks_in_use(), 1);
    assert_eq!(deque_contents(&q), data[48..]);
    let mut out = [0; 5];
    assert_eq!(q.pop_front_into(&mut out), 5);
    assert_eq!(out, data[48..53]);
    let mut rest = [0; 20];
    assert_eq!(q.pop_front_into(&mut rest), 7);
    assert_eq!(rest[..7], data[53..]);
    assert_eq!(rest[7..], [0; 13]);
    assert_eq!((q.len(), slab.chunks_in_use()), (0, 0));
    assert_eq!(q.pop_front(), None);
    assert_eq!(q.peek_front(), None);
    assert_eq!(q.pop_front_into(&mut out), 0);
    slab.check().unwrap();
}

#[test]
fn a_partly_read_single_chunk_is_freed_when_emptied() {
    let slab = Small::new();
    let mut q = ByteDeque::new(&slab);
    q.try_extend_back(b"abc").unwrap();
    assert_eq!(q.pop_front(), Some(b'a'));
    q.try_extend_back(b"de").unwrap();
    assert_eq!(deque_contents(&q), b"bcde");
    q.remove_prefix(4).unwrap();
    assert_eq!(slab.chunks_in_use(), 0);
    // The next push starts a fresh chunk at offset 0.
    q.try_extend_back(&pattern(24)).unwrap();
    assert_eq!(q.chunk_count(), 1);
}

#[test]
fn remove_prefix_beyond_the_length_is_refused() {
    let slab = Small::new();
    let mut q = ByteDeque::new(&slab);
    q.try_extend_back(b"abcdef").unwrap();
    assert_eq!(
        q.remove_prefix(7),
        Err(BytesError::OutOfRange {
            start: 0,
            count: 7,
            len: 6
        })
    );
    assert_eq!(deque_contents(&q), b"abcdef");
    q.remove_prefix(0).unwrap();
    q.remove_prefix(6).unwrap();
    assert!(q.is_empty());
    assert_eq!(slab.chunks_in_use(), 0);
}

#[test]
fn a_stream_through_a_short_queue_reuses_chunks() {
    let slab = ByteSlab::<32, 2>::new(); // 2 chunks of 8
    let mut q = ByteDeque::new(&slab);
    let mut next_in = 0u8;
    let mut next_out = 0u8;
    for round in 0..500 {
        while q.try_push_back(next_in).is_ok() {
            next_in = next_in.wrapping_add(1);
        }
        // Full: both chunks, less what has been read of the head.
        assert_eq!(q.len(), 16 - (5 * round) % 8);
        for _ in 0..5 {
            assert_eq!(q.pop_front(), Some(next_out));
            next_out = next_out.wrapping_add(1);
        }
    }
    assert!(slab.stats().allocations > 100);
    slab.check().unwrap();
}

#[test]
fn dropping_or_clearing_returns_every_chunk() {
    let slab = Small::new();
    {
        let mut a = ByteBuffer::new(&slab);
        a.try_extend_from_slice(&pattern(50)).unwrap();
        let mut q = ByteDeque::new(&slab);
        q.try_extend_back(&pattern(10)).unwrap();
        assert_eq!(slab.chunks_in_use(), 4);
        q.clear();
        assert_eq!((q.len(), q.chunk_count(), slab.chunks_in_use()), (0, 0, 3));
    }
    assert_eq!(slab.chunks_in_use(), 0);
    assert_eq!(slab.orphaned_chunks(), 0);
    let stats = slab.stats();
    assert_eq!((stats.allocations, stats.frees), (4, 4));
}

#[test]
fn a_buffer_dropped_while_a_chunk_is_borrowed_counts_its_chunks_as_orphaned() {
    let slab = Small::new();
    let mut a = ByteBuffer::new(&slab);
    a.try_extend_from_slice(b"held").unwrap();
    let mut b = ByteBuffer::new(&slab);
    b.try_extend_from_slice(&pattern(30)).unwrap();
    let held = a.chunks().next().unwrap();
    drop(b);
    assert_eq!(&*held, b"held");
    drop(held);
    assert_eq!(slab.orphaned_chunks(), 2);
    assert_eq!(slab.chunks_in_use(), 3);
    assert!(slab.to_string().contains("2 orphaned"));
}

#[test]
#[should_panic(expected = "still borrowed through `chunks`")]
fn changing_a_buffer_while_a_chunk_is_borrowed_panics() {
    let slab = Small::new();
    let mut a = ByteBuffer::new(&slab);
    a.try_extend_from_slice(b"x").unwrap();
    let mut b = ByteDeque::new(&slab);
    let _held = a.chunks().next().unwrap();
    let _ = b.try_push_back(1);
}

#[test]
fn reads_are_allowed_while_a_chunk_is_borrowed() {
    let slab = Small::new();
    let mut a = ByteBuffer::new(&slab);
    a.try_extend_from_slice(b"xyz").unwrap();
    let held = a.chunks().next().unwrap();
    assert_eq!(a.get(1), Some(b'y'));
    assert_eq!(slab.chunks_in_use(), 1);
    assert_eq!(&*held, b"xyz");
}

#[test]
fn chunks_of_a_partly_read_deque_start_at_the_front() {
    let slab = Small::new();
    let mut q = ByteDeque::new(&slab);
    q.try_extend_back(&pattern(50)).unwrap();
    q.remove_prefix(30).unwrap();
    let chunks: Vec<Vec<u8>> = q.chunks().map(|c| c.to_vec()).collect();
    assert_eq!(
        chunks,
        [pattern(50)[30..48].to_vec(), pattern(50)[48..].to_vec()]
    );
    assert_eq!(q.chunks().len(), 2);
}

#[test]
fn buffers_over_two_slabs_stay_apart() {
    let one = Small::new();
    let two = Small::new();
    let mut a = ByteBuffer::new(&one);
    let mut b = ByteBuffer::new(&two);
    a.try_extend_from_slice(b"one").unwrap();
    b.try_extend_from_slice(b"two").unwrap();
    core::mem::swap(&mut a, &mut b);
    assert_eq!(contents(&a), b"two");
    assert!(core::ptr::eq(a.slab(), &two));
    drop(a);
    assert_eq!((one.chunks_in_use(), two.chunks_in_use()), (1, 0));
}

#[test]
#[should_panic(expected = "ByteDeque::push_back: the slab has 0 free chunks, 1 are needed")]
fn push_back_panics_where_try_push_back_fails() {
    let slab = ByteSlab::<9, 1>::new();
    let mut q = ByteDeque::new(&slab);
    q.push_back(1);
    q.push_back(2);
}

#[test]
fn panicking_forms_append() {
    let slab = Small::new();
    let mut buf = ByteBuffer::new(&slab);
    buf.push(1);
    buf.extend_from_slice(&[2, 3]);
    let mut q = ByteDeque::new(&slab);
    q.push_back(4);
    q.extend_back(&[5]);
    assert_eq!(
        (contents(&buf), deque_contents(&q)),
        (std::vec![1, 2, 3], std::vec![4, 5])
    );
}

#[test]
fn static_byte_slab() {
    static BYTES: crate::slab::TakeOnce<ByteSlab<64, 4>> =
        crate::slab::TakeOnce::new(ByteSlab::new());
    let slab: &'static ByteSlab<64, 4> = BYTES.take().unwrap();
    let mut q = ByteDeque::new(slab);
    q.try_extend_back(&[1, 2, 3, 4, 5, 6, 7, 8, 9]).unwrap();
    assert_eq!(q.chunk_count(), 2);
    assert!(BYTES.take().is_none());
}

#[test]
fn debug_and_errors_display() {
    let slab = Small::new();
    let mut q = ByteDeque::with_max_len(&slab, 9);
    q.try_extend_back(b"ab").unwrap();
    assert_eq!(
        format!("{q:?}"),
        "ByteDeque { len: 2, chunks: 1, max_len: Some(9) }"
    );
    assert_eq!(
        format!(
            "{}",
            BytesError::MaxLen {
                max_len: 9,
                len: 2,
                additional: 8
            }
        ),
        "appending 8 bytes to 2 would pass the maximum length 9"
    );
    assert_eq!(
        format!(
            "{}",
            BytesError::OutOfRange {
                start: 1,
                count: 2,
                len: 2
            }
        ),
        "2 bytes from 1 run past the end of a buffer of 2 bytes"
    );
}
