//! Mini-batches and train/test splits, shuffled by a seeded random number
//! generator so that a run is reproducible.
//!
//! Everything works on sample *indices* (`0..n_samples`): index your own
//! data (rows of a matrix, a `Vec` of samples) with them.
//!
//! The generator is ChaCha8 seeded from a `u64`: the same seed gives the
//! same order on every machine, for a given version of this crate.
//!
//! # Example
//!
//! ```
//! use autodiff_runtime::{train_test_split, Batches};
//!
//! let xs: Vec<f64> = (0..10).map(f64::from).collect();
//! let (train, test) = train_test_split(xs.len(), 0.2, 7);
//! assert_eq!((train.len(), test.len()), (8, 2));
//!
//! let mut batches = Batches::new(train.len(), 3).shuffled(42);
//! for _epoch in 0..5 {
//!     let mut seen = 0;
//!     for batch in batches.epoch() {
//!         let samples: Vec<f64> = batch.iter().map(|&i| xs[train[i]]).collect();
//!         seen += samples.len();
//!     }
//!     assert_eq!(seen, 8); // batches of 3, 3 and 2
//! }
//! ```

use std::iter::FusedIterator;

use rand::rngs::ChaCha8Rng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// The mini-batches of one pass over `n_samples` samples: consecutive
/// chunks of `batch_size` indices of an order that is `0..n_samples`, or a
/// seeded random permutation of it after [`shuffled`](Batches::shuffled).
///
/// The last batch is shorter when `batch_size` does not divide
/// `n_samples`, unless [`drop_last`](Batches::drop_last) leaves it out.
///
/// # Example
///
/// ```
/// use autodiff_runtime::Batches;
///
/// let batches = Batches::new(5, 2);
/// let all: Vec<&[usize]> = batches.iter().collect();
/// assert_eq!(all, [&[0, 1][..], &[2, 3], &[4]]);
///
/// let batches = Batches::new(5, 2).drop_last();
/// let full: Vec<&[usize]> = batches.iter().collect();
/// assert_eq!(full, [&[0, 1][..], &[2, 3]]);
/// ```
#[derive(Debug)]
pub struct Batches {
    /// The current order of the sample indices.
    order: Vec<usize>,
    /// Indices per batch, at least 1.
    batch_size: usize,
    /// Whether a short last batch is left out.
    drop_last: bool,
    /// The generator of the shuffles, if shuffled.
    rng: Option<ChaCha8Rng>,
    /// Whether `order` has not been handed out by [`Batches::epoch`] yet.
    fresh: bool,
}

impl Batches {
    /// The batches of `n_samples` samples in order, `batch_size` at a time.
    ///
    /// # Panics
    ///
    /// If `batch_size` is 0.
    ///
    /// # Example
    ///
    /// ```
    /// let batches = autodiff_runtime::Batches::new(10, 4);
    /// assert_eq!(batches.len(), 3); // 4 + 4 + 2
    /// ```
    #[track_caller]
    pub fn new(n_samples: usize, batch_size: usize) -> Self {
        assert!(batch_size > 0, "Batches::new: batch_size must be at least 1");
        Self { order: (0..n_samples).collect(), batch_size, drop_last: false, rng: None, fresh: true }
    }

    /// Shuffles the order with a generator seeded by `seed`; each later
    /// [`epoch`](Batches::epoch) reshuffles with the same generator.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::Batches;
    ///
    /// let a = Batches::new(100, 10).shuffled(1);
    /// let b = Batches::new(100, 10).shuffled(1);
    /// assert_eq!(a.order(), b.order()); // same seed, same order
    /// assert_ne!(a.order(), Batches::new(100, 10).order());
    /// ```
    pub fn shuffled(mut self, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        self.order.shuffle(&mut rng);
        self.rng = Some(rng);
        self.fresh = true;
        self
    }

    /// Leaves out the last batch when it would be shorter than the others,
    /// so every batch has exactly `batch_size` indices.
    ///
    /// # Example
    ///
    /// ```
    /// let batches = autodiff_runtime::Batches::new(10, 4).drop_last();
    /// assert_eq!(batches.len(), 2);
    /// assert!(batches.iter().all(|b| b.len() == 4));
    /// ```
    pub fn drop_last(mut self) -> Self {
        self.drop_last = true;
        self
    }

    /// The number of batches in one pass.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::Batches;
    ///
    /// assert_eq!(Batches::new(7, 7).len(), 1);
    /// assert_eq!(Batches::new(7, 8).len(), 1);
    /// assert_eq!(Batches::new(7, 8).drop_last().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.iter().len()
    }

    /// Whether a pass has no batch at all.
    ///
    /// # Example
    ///
    /// ```
    /// assert!(autodiff_runtime::Batches::new(0, 4).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of indices per batch.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::Batches::new(10, 4).batch_size(), 4);
    /// ```
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// The current order of all the sample indices.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::Batches::new(3, 2).order(), [0, 1, 2]);
    /// ```
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// The batches of the current order, without reshuffling.
    ///
    /// # Example
    ///
    /// ```
    /// let batches = autodiff_runtime::Batches::new(4, 3);
    /// assert_eq!(batches.iter().map(<[usize]>::len).collect::<Vec<_>>(), [3, 1]);
    /// ```
    pub fn iter(&self) -> BatchIter<'_> {
        let usable =
            if self.drop_last { self.order.len() / self.batch_size * self.batch_size } else { self.order.len() };
        BatchIter { rest: &self.order[..usable], batch_size: self.batch_size }
    }

    /// The batches of the next epoch: the first call after
    /// [`new`](Batches::new) or [`shuffled`](Batches::shuffled) gives the
    /// current order, every later call first reshuffles (if shuffled). The
    /// orders of epochs 0, 1, 2, .. are thus fixed by the seed.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::Batches;
    ///
    /// let mut batches = Batches::new(6, 2).shuffled(3);
    /// let first = batches.order().to_vec();
    /// let epoch0: Vec<usize> = batches.epoch().flatten().copied().collect();
    /// assert_eq!(epoch0, first);
    ///
    /// // Each epoch is a permutation of all the indices.
    /// let mut epoch1: Vec<usize> = batches.epoch().flatten().copied().collect();
    /// epoch1.sort();
    /// assert_eq!(epoch1, [0, 1, 2, 3, 4, 5]);
    /// ```
    pub fn epoch(&mut self) -> BatchIter<'_> {
        if !self.fresh {
            if let Some(rng) = &mut self.rng {
                self.order.shuffle(rng);
            }
        }
        self.fresh = false;
        self.iter()
    }
}

impl<'a> IntoIterator for &'a Batches {
    type Item = &'a [usize];
    type IntoIter = BatchIter<'a>;

    fn into_iter(self) -> BatchIter<'a> {
        self.iter()
    }
}

/// The iterator of [`Batches::iter`] and [`Batches::epoch`]: slices of
/// sample indices, one per batch.
///
/// # Example
///
/// ```
/// let batches = autodiff_runtime::Batches::new(5, 2);
/// let mut it = batches.iter();
/// assert_eq!(it.len(), 3);
/// assert_eq!(it.next(), Some(&[0, 1][..]));
/// ```
#[derive(Clone, Debug)]
pub struct BatchIter<'a> {
    /// The indices not handed out yet.
    rest: &'a [usize],
    /// Indices per batch, at least 1.
    batch_size: usize,
}

impl<'a> Iterator for BatchIter<'a> {
    type Item = &'a [usize];

    fn next(&mut self) -> Option<&'a [usize]> {
        if self.rest.is_empty() {
            return None;
        }
        let (batch, rest) = self.rest.split_at(self.batch_size.min(self.rest.len()));
        self.rest = rest;
        Some(batch)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.rest.len().div_ceil(self.batch_size);
        (n, Some(n))
    }
}

impl ExactSizeIterator for BatchIter<'_> {}

impl FusedIterator for BatchIter<'_> {}

/// A random permutation of `0..n`, fixed by `seed`.
///
/// # Example
///
/// ```
/// use autodiff_runtime::permutation;
///
/// let p = permutation(5, 9);
/// assert_eq!(p, permutation(5, 9));
/// let mut sorted = p.clone();
/// sorted.sort();
/// assert_eq!(sorted, [0, 1, 2, 3, 4]);
/// ```
pub fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    order
}

/// Splits the indices `0..n` at random into `(train, test)`, with
/// `round(n · test_fraction)` indices in `test`; both are in shuffled order,
/// fixed by `seed`.
///
/// # Panics
///
/// If `test_fraction` is not in `[0, 1]`.
///
/// # Example
///
/// ```
/// use autodiff_runtime::train_test_split;
///
/// let (train, test) = train_test_split(150, 0.2, 0);
/// assert_eq!((train.len(), test.len()), (120, 30));
/// assert!(test.iter().all(|i| !train.contains(i)));
/// ```
#[track_caller]
pub fn train_test_split(n: usize, test_fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    assert!((0.0..=1.0).contains(&test_fraction), "train_test_split: test_fraction = {test_fraction} is not in [0, 1]");
    let mut order = permutation(n, seed);
    // The product is at most n, so the conversion back is exact.
    let n_test = ((n as f64 * test_fraction).round() as usize).min(n);
    let train = order.split_off(n_test);
    (train, order)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each of `0..n` exactly once, across all batches.
    fn is_permutation_of(batches: &[Vec<usize>], n: usize) -> bool {
        let mut all: Vec<usize> = batches.concat();
        all.sort_unstable();
        all == (0..n).collect::<Vec<_>>()
    }

    #[test]
    fn unshuffled_batches_are_consecutive_chunks() {
        let got: Vec<Vec<usize>> = Batches::new(7, 3).iter().map(<[usize]>::to_vec).collect();
        assert_eq!(got, [vec![0, 1, 2], vec![3, 4, 5], vec![6]]);
    }

    #[test]
    fn every_epoch_visits_every_index_once() {
        let mut batches = Batches::new(103, 10).shuffled(5);
        let mut orders = Vec::new();
        for _ in 0..4 {
            let epoch: Vec<Vec<usize>> = batches.epoch().map(<[usize]>::to_vec).collect();
            assert_eq!(epoch.len(), 11);
            assert!(epoch[..10].iter().all(|b| b.len() == 10) && epoch[10].len() == 3);
            assert!(is_permutation_of(&epoch, 103));
            orders.push(epoch.concat());
        }
        // Successive epochs are reshuffled (equal orders have chance 1/103!).
        assert!(orders.windows(2).all(|w| w[0] != w[1]));
    }

    #[test]
    fn epochs_are_reproducible_from_the_seed() {
        let run = |seed| {
            let mut batches = Batches::new(50, 8).shuffled(seed);
            (0..3).map(|_| batches.epoch().flatten().copied().collect::<Vec<_>>()).collect::<Vec<_>>()
        };
        assert_eq!(run(11), run(11));
        assert_ne!(run(11), run(12));
    }

    #[test]
    fn unshuffled_epochs_keep_the_order() {
        let mut batches = Batches::new(4, 4);
        batches.epoch();
        assert_eq!(batches.epoch().next(), Some(&[0, 1, 2, 3][..]));
    }

    #[test]
    fn drop_last_keeps_only_full_batches() {
        let mut batches = Batches::new(23, 5).shuffled(2).drop_last();
        let epoch: Vec<&[usize]> = batches.epoch().collect();
        assert_eq!(epoch.len(), 4);
        assert!(epoch.iter().all(|b| b.len() == 5));
        // 20 distinct indices out of 23.
        let mut seen: Vec<usize> = epoch.concat();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 20);
    }

    #[test]
    fn size_hint_is_exact() {
        let batches = Batches::new(10, 3);
        let mut it = batches.iter();
        for left in (0..=4).rev() {
            assert_eq!(it.len(), left);
            it.next();
        }
        assert_eq!(it.next(), None);
    }

    #[test]
    fn split_partitions_the_indices() {
        for (n, frac, n_test) in [(10, 0.25, 3), (10, 0.0, 0), (10, 1.0, 10), (0, 0.5, 0), (7, 0.5, 4)] {
            let (train, test) = train_test_split(n, frac, 3);
            assert_eq!(test.len(), n_test, "n = {n}, fraction = {frac}");
            assert!(is_permutation_of(&[train, test], n));
        }
        assert_eq!(train_test_split(30, 0.3, 8), train_test_split(30, 0.3, 8));
    }

    #[test]
    #[should_panic(expected = "test_fraction = 1.5 is not in [0, 1]")]
    fn split_rejects_a_fraction_above_one() {
        train_test_split(10, 1.5, 0);
    }

    #[test]
    #[should_panic(expected = "batch_size must be at least 1")]
    fn zero_batch_size_is_rejected() {
        Batches::new(3, 0);
    }
}
