//! Mini-batches and train/test splits through the facade: every index once
//! per epoch, reproducible from the seed, and a mini-batch training loop.

use autodiff::prelude::*;

/// The indices of one epoch, sorted: `0..n` exactly when each appears once.
fn sorted(batches: &[Vec<usize>]) -> Vec<usize> {
    let mut all = batches.concat();
    all.sort_unstable();
    all
}

#[test]
fn every_index_once_per_epoch_for_many_shapes() {
    for (n, size) in [(1, 1), (10, 1), (10, 3), (10, 10), (10, 32), (257, 16), (64, 8)] {
        let mut batches = Batches::new(n, size).shuffled(n as u64);
        assert_eq!(batches.len(), n.div_ceil(size));
        for _ in 0..3 {
            let epoch: Vec<Vec<usize>> = batches.epoch().map(<[usize]>::to_vec).collect();
            assert_eq!(sorted(&epoch), (0..n).collect::<Vec<_>>(), "n = {n}, size = {size}");
            // All but the last batch are full; the last has the remainder.
            let (last, full) = epoch.split_last().unwrap();
            assert!(full.iter().all(|b| b.len() == size));
            assert_eq!(last.len(), n - size * (epoch.len() - 1));
        }
    }
}

#[test]
fn drop_last_drops_only_the_remainder() {
    let mut batches = Batches::new(50, 16).shuffled(1).drop_last();
    assert_eq!(batches.len(), 3);
    let epoch: Vec<Vec<usize>> = batches.epoch().map(<[usize]>::to_vec).collect();
    assert!(epoch.iter().all(|b| b.len() == 16));
    let all = sorted(&epoch);
    assert!(all.windows(2).all(|w| w[0] < w[1]), "no index twice");
    assert_eq!(all.len(), 48);
}

#[test]
fn same_seed_same_epochs_other_seed_other_epochs() {
    let epochs = |seed| {
        let mut b = Batches::new(40, 7).shuffled(seed);
        (0..4).map(|_| b.epoch().flatten().copied().collect::<Vec<_>>()).collect::<Vec<_>>()
    };
    assert_eq!(epochs(2024), epochs(2024));
    assert_ne!(epochs(2024), epochs(2025));
}

#[test]
fn unshuffled_batches_are_in_order() {
    let b = Batches::new(5, 2);
    let got: Vec<&[usize]> = (&b).into_iter().collect();
    assert_eq!(got, [&[0, 1][..], &[2, 3], &[4]]);
}

#[test]
fn train_test_split_is_a_reproducible_partition() {
    let (train, test) = train_test_split(150, 0.2, 42);
    assert_eq!((train.len(), test.len()), (120, 30));
    assert_eq!(sorted(&[train.clone(), test.clone()]), (0..150).collect::<Vec<_>>());
    assert_eq!(train_test_split(150, 0.2, 42), (train, test.clone()));
    assert_ne!(train_test_split(150, 0.2, 43).1, test);
}

#[test]
fn minibatch_sgd_fits_a_noise_free_line() {
    // y = 2x + 1 exactly, so every mini-batch gradient vanishes at (2, 1)
    // and mini-batch SGD converges to it.
    let xs: Vec<f64> = (0..40).map(|i| f64::from(i) / 20.0 - 1.0).collect();
    let ys: Vec<f64> = xs.iter().map(|x| 2.0 * x + 1.0).collect();
    let (train, test) = train_test_split(xs.len(), 0.25, 7);

    let mut params = [0.0, 0.0];
    let mut opt = Sgd::new(0.2).with_momentum(0.5);
    let mut batches = Batches::new(train.len(), 8).shuffled(3);
    let progress = Progress::hidden(200);
    for _ in 0..200 {
        for batch in batches.epoch() {
            let mut g = [0.0, 0.0];
            for &k in batch {
                let i = train[k];
                let r = params[0] * xs[i] + params[1] - ys[i];
                g[0] += 2.0 * r * xs[i] / batch.len() as f64;
                g[1] += 2.0 * r / batch.len() as f64;
            }
            opt.step(&mut params, &g);
        }
        progress.inc();
    }
    progress.finish();
    assert!((params[0] - 2.0).abs() < 1e-9 && (params[1] - 1.0).abs() < 1e-9, "{params:?}");
    let test_error: f64 = test.iter().map(|&i| (params[0] * xs[i] + params[1] - ys[i]).abs()).sum();
    assert!(test_error < 1e-8);
}
