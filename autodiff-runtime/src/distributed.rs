//! Training on many machines with MPI (the `mpi` feature): every rank
//! computes the gradient of its shard of each mini-batch, the gradients are
//! summed across ranks, and every rank applies the same optimizer step, so
//! the models stay identical without ever being sent.
//!
//! Start a program with `mpirun -np N program`; each of the N processes
//! calls [`MpiWorld::init`] once. Every rank walks the same batches (the same
//! seeded [`Batches`](crate::Batches)), and [`MpiWorld::shard`] gives each
//! rank its contiguous part of a batch: the shards are disjoint, and
//! together they are the batch whatever the number of ranks, so training on
//! N ranks computes the same sums as on one, up to rounding.
//! [`MpiWorld::batch_gradient`] is [`batch_gradient`] on the rank's shard
//! (on all of its cores) followed by [`MpiWorld::all_reduce`].
//!
//! Only the main thread calls MPI (rayon's workers never do), so MPI is
//! initialized at the `Funneled` threading level.

use mpi::collective::SystemOperation;
use mpi::environment::{Threading, Universe};
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

use crate::parallel::batch_gradient;
use crate::params::Params;

/// The ranks of an MPI job, and the buffers the gradient sum goes through.
pub struct MpiWorld {
    world: SimpleCommunicator,
    /// The flattened local gradient, then the loss, sent to the sum.
    send: Vec<f64>,
    /// The sum across ranks.
    received: Vec<f64>,
    /// Kept last so MPI is finalized after everything else is dropped.
    _universe: Universe,
}

impl MpiWorld {
    /// Initializes MPI and joins the job's ranks (all of them, as
    /// `MPI_COMM_WORLD`). A program started without `mpirun` is a job of
    /// one rank.
    ///
    /// # Panics
    ///
    /// If MPI was initialized before in this process, or cannot give the
    /// `Funneled` threading level.
    pub fn init() -> MpiWorld {
        let (universe, threading) = mpi::initialize_with_threading(Threading::Funneled)
            .expect("MpiWorld::init: MPI is initialized already in this process; call MpiWorld::init once");
        assert!(
            threading >= Threading::Funneled,
            "MpiWorld::init: the MPI library gives threading level {threading:?}; rayon's workers need Funneled"
        );
        MpiWorld { world: universe.world(), send: Vec::new(), received: Vec::new(), _universe: universe }
    }

    /// This process's rank, in `0..size()`.
    pub fn rank(&self) -> usize {
        usize::try_from(self.world.rank()).expect("MPI ranks are non-negative")
    }

    /// The number of ranks.
    pub fn size(&self) -> usize {
        usize::try_from(self.world.size()).expect("MPI sizes are positive")
    }

    /// Whether this is rank 0, the one that reports progress.
    pub fn is_root(&self) -> bool {
        self.rank() == 0
    }

    /// This rank's part of `batch`: the `rank()`-th of `size()` contiguous
    /// pieces whose lengths differ by at most one ([`shard_of`]).
    pub fn shard<'a>(&self, batch: &'a [usize]) -> &'a [usize] {
        shard_of(batch, self.rank(), self.size())
    }

    /// Replaces `loss` and `grad` on every rank by their sums over all
    /// ranks: one allreduce of the flattened gradient and the loss.
    ///
    /// rsmpi's safe interface has no `MPI_IN_PLACE`, so the sum goes
    /// through two buffers kept in the `MpiWorld`, allocated once and reused.
    pub fn all_reduce<G: Params>(&mut self, loss: &mut f64, grad: &mut G) {
        self.send.clear();
        grad.for_each_slice(&mut |s| self.send.extend_from_slice(s));
        self.send.push(*loss);
        self.received.clear();
        self.received.resize(self.send.len(), 0.0);
        self.world.all_reduce_into(&self.send[..], &mut self.received[..], SystemOperation::sum());
        *loss = self.received[self.received.len() - 1];
        grad.copy_from_flat(&self.received[..self.received.len() - 1]);
    }

    /// The summed loss and gradient of `per_example` over the whole `batch`,
    /// on every rank: [`batch_gradient`] over this rank's [`shard`](Self::shard),
    /// then [`all_reduce`](Self::all_reduce).
    pub fn batch_gradient<G, F>(&mut self, shape: &G, batch: &[usize], per_example: F) -> (f64, G)
    where
        G: Params + Send + Sync,
        F: Fn(usize, &mut G) -> f64 + Sync,
    {
        let (mut loss, mut grad) = batch_gradient(shape, self.shard(batch), per_example);
        self.all_reduce(&mut loss, &mut grad);
        (loss, grad)
    }
}

/// The `rank`-th of `size` contiguous pieces of `batch`, the first
/// `batch.len() % size` of them one longer ([`MpiWorld::shard`]).
///
/// ```
/// use autodiff_runtime::distributed::shard_of;
///
/// let batch = [9, 8, 7, 6, 5];
/// assert_eq!(shard_of(&batch, 0, 2), [9, 8, 7]);
/// assert_eq!(shard_of(&batch, 1, 2), [6, 5]);
/// ```
///
/// # Panics
///
/// If `rank >= size`.
pub fn shard_of(batch: &[usize], rank: usize, size: usize) -> &[usize] {
    assert!(rank < size, "shard_of: rank {rank} of {size} ranks");
    let (base, longer) = (batch.len() / size, batch.len() % size);
    let start = rank * base + rank.min(longer);
    let len = base + usize::from(rank < longer);
    &batch[start..start + len]
}

#[cfg(test)]
mod tests {
    use super::shard_of;

    #[test]
    fn shards_partition_the_batch_in_order() {
        let batch: Vec<usize> = (0..103).map(|i| i * 7 % 103).collect();
        for size in 1..=9 {
            let joined: Vec<usize> = (0..size).flat_map(|r| shard_of(&batch, r, size).to_vec()).collect();
            assert_eq!(joined, batch, "{size} ranks");
            let lens: Vec<usize> = (0..size).map(|r| shard_of(&batch, r, size).len()).collect();
            assert!(lens.iter().max().unwrap() - lens.iter().min().unwrap() <= 1, "{lens:?}");
        }
    }

    #[test]
    fn a_batch_shorter_than_the_job_leaves_some_ranks_idle() {
        assert_eq!(shard_of(&[4, 5], 0, 3), [4]);
        assert_eq!(shard_of(&[4, 5], 1, 3), [5]);
        assert!(shard_of(&[4, 5], 2, 3).is_empty());
    }
}
