//! The record vectors of the code `#[grad]` generates: the floats (or
//! flags) its forward sweep saves on every pass of one loop nest share one
//! vector, one record per pass, each saved value at a place the generated
//! code computes from its own count (see the macro's `reverse/records.rs`).

/// Stores `value` at `at` in `records`, first growing it when `at` is past
/// its end: to its capacity when that holds `at` (the generated code
/// reserves what the loops will save), else to at least twice its length.
/// (A record of a zero-sized type, the tape of a callee that keeps nothing,
/// has a capacity of `usize::MAX` and no reservation to fill.)
#[inline(always)]
pub fn put<T: Copy>(records: &mut Vec<T>, at: usize, value: T) {
    // (One comparison on the way that does not grow: the index is the test.)
    match records.get_mut(at) {
        Some(slot) => *slot = value,
        None => grow(records, at, value),
    }
}

#[cold]
#[inline(never)]
fn grow<T: Copy>(records: &mut Vec<T>, at: usize, value: T) {
    let reserved = if std::mem::size_of::<T>() == 0 { 0 } else { records.capacity() };
    let len = reserved.max(2 * records.len()).max(at + 1);
    records.resize(len, value);
}

#[cfg(test)]
mod tests {
    use super::put;

    #[test]
    fn put_grows_to_the_reserved_capacity_at_once() {
        let mut records: Vec<f64> = Vec::with_capacity(6);
        put(&mut records, 0, 1.0);
        assert_eq!(records.len(), 6);
        put(&mut records, 4, 2.0);
        assert_eq!((records.len(), records[0], records[4]), (6, 1.0, 2.0));
    }

    #[test]
    fn put_of_a_zero_sized_record_grows_only_to_what_is_stored() {
        let mut records: Vec<()> = Vec::new();
        put(&mut records, 0, ());
        put(&mut records, 9, ());
        assert_eq!(records.len(), 10);
    }

    #[test]
    fn put_past_the_capacity_keeps_what_was_stored() {
        let mut records: Vec<f64> = Vec::new();
        for at in 0..100 {
            put(&mut records, at * 3 + 1, at as f64);
        }
        assert!(records.len() >= 300);
        assert!((0..100).all(|at| records[at * 3 + 1] == at as f64));
    }
}
