//! The ADBench objectives (GMM, bundle adjustment, LSTM) and the 1-D heat
//! equation: the objective, the generated gradient and the hand-written
//! gradient, one criterion group per objective and size.
//!
//! Each group has `primal`, `generated` and `hand` benchmarks, as in
//! `benches/loops.rs`: inputs through `black_box`, shadows allocated once
//! outside the timing loop (both gradients add into them; the BA Jacobian
//! overwrites its buffer). Before timing, each benchmark is called once
//! under a counting allocator, and the most heap memory it held at once
//! beyond what was live before the call is written to
//! `criterion/<group>/<bench>/peak_memory.json` for the `ratios` bin. The
//! groups whose gradient takes milliseconds or more run 10 samples of
//! equal iteration counts (criterion's flat sampling), to keep the suite to
//! a few minutes.
//!
//! ```text
//! cargo bench -p autodiff-benchmarks --bench adbench
//! cargo bench -p autodiff-benchmarks --bench adbench -- gmm_1k_d2_K5   # one group
//! ```
//!
//! The data are read from `$ADBENCH_DIR`, else `shared/adbench` beside the
//! repository's checkout.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use autodiff_benchmarks::adbench::ba::{ba_jacobian_generated, ba_jacobian_hand, ba_objective, jacobian_len};
use autodiff_benchmarks::adbench::data::{BaInput, GmmInput, LstmInput};
use autodiff_benchmarks::adbench::gmm::{gmm_generated, gmm_hand, gmm_of, GmmGradient};
use autodiff_benchmarks::adbench::heat::{heat, heat_grad, heat_hand, heat_input, CELLS, STEPS};
use autodiff_benchmarks::adbench::lstm::{lstm_generated, lstm_hand, lstm_of};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};

/// The system allocator, counting the bytes live and the most live at once.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc(layout);
        if !ptr.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = System.realloc(ptr, layout, new_size);
        if !new.is_null() {
            if new_size >= layout.size() {
                let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size - layout.size();
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The most heap memory `call` held at once beyond what was live before it.
fn peak_bytes(call: &mut impl FnMut() -> f64) -> usize {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    black_box(call());
    PEAK.load(Ordering::Relaxed) - before
}

/// Where criterion writes (as the `ratios` bin looks for it).
fn criterion_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from).join("criterion")
}

/// Times `primal`, `generated` and `hand` as the group `name`; `slow`
/// (a gradient of milliseconds or more) asks for 10 samples of equal
/// iteration counts (criterion's flat sampling), which keeps the suite to a
/// few minutes. Each returns a value to `black_box`.
fn bench_group(
    c: &mut Criterion,
    name: &str,
    slow: bool,
    primal: impl FnMut() -> f64,
    generated: impl FnMut() -> f64,
    hand: impl FnMut() -> f64,
) {
    let mut group = c.benchmark_group(name);
    if slow {
        group.sampling_mode(SamplingMode::Flat).sample_size(10);
    }
    for (bench, mut call) in [
        ("primal", Box::new(primal) as Box<dyn FnMut() -> f64>),
        ("generated", Box::new(generated)),
        ("hand", Box::new(hand)),
    ] {
        // criterion calls this closure only for a benchmark its filter
        // selects, several times (warm-up, measurement): the memory once
        let mut recorded = false;
        group.bench_function(bench, |bencher| {
            if !recorded {
                record_peak_memory(name, bench, peak_bytes(&mut call));
                recorded = true;
            }
            bencher.iter(&mut call)
        });
    }
    group.finish();
}

/// Writes `{"peak_bytes": N}` to `criterion/<group>/<bench>/peak_memory.json`.
fn record_peak_memory(group: &str, bench: &str, bytes: usize) {
    let dir = criterion_dir().join(group).join(bench);
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join("peak_memory.json"), format!("{{\"peak_bytes\": {bytes}}}\n")));
    if let Err(e) = written {
        eprintln!("adbench: cannot write the peak memory into {}: {e}", dir.display());
    }
}

/// GMM on 1000 points for the sizes of issue 9, and 10 000 points at
/// d = 10, K = 25.
fn bench_gmm(c: &mut Criterion) {
    for (file, slow) in [
        ("gmm/1k/gmm_d2_K5.txt", false),
        ("gmm/1k/gmm_d10_K25.txt", true),
        ("gmm/1k/gmm_d20_K50.txt", true),
        ("gmm/1k/gmm_d64_K100.txt", true),
        ("gmm/10k/gmm_d10_K25.txt", true),
    ] {
        let input = GmmInput::load(file);
        let name = file.trim_start_matches("gmm/").replace("/gmm", "").replace(".txt", "");
        let mut grad = GmmGradient::zeros(&input);
        let mut hand_grad = GmmGradient::zeros(&input);
        bench_group(
            c,
            &format!("gmm_{name}"),
            slow,
            || gmm_of(black_box(&input)),
            || gmm_generated(black_box(&input), &mut grad),
            || gmm_hand(black_box(&input), &mut hand_grad),
        );
    }
}

/// The BA residuals against the Jacobian, for ba1, ba2 and ba5.
fn bench_ba(c: &mut Criterion) {
    for (file, slow) in [
        ("ba/ba1_n49_m7776_p31843.txt", true),
        ("ba/ba2_n21_m11315_p36455.txt", true),
        ("ba/ba5_n257_m65132_p225911.txt", true),
    ] {
        let input = BaInput::load(file);
        let name = &file[3..file.find('_').expect("ba file name")];
        let mut residuals = vec![0.0; 3 * input.p];
        let mut jacobian = vec![0.0; jacobian_len(input.p)];
        let mut hand_jacobian = vec![0.0; jacobian_len(input.p)];
        bench_group(
            c,
            name,
            slow,
            || {
                ba_objective(black_box(&input), &mut residuals);
                residuals[0]
            },
            || {
                ba_jacobian_generated(black_box(&input), &mut jacobian);
                jacobian[0]
            },
            || {
                ba_jacobian_hand(black_box(&input), &mut hand_jacobian);
                hand_jacobian[0]
            },
        );
    }
}

/// The LSTM for l2c1024, l4c1024 and l2c4096.
fn bench_lstm(c: &mut Criterion) {
    for (file, slow) in
        [("lstm/lstm_l2_c1024.txt", true), ("lstm/lstm_l4_c1024.txt", true), ("lstm/lstm_l2_c4096.txt", true)]
    {
        let input = LstmInput::load(file);
        let name = file.trim_start_matches("lstm/").trim_end_matches(".txt");
        let (mut d_main, mut d_extra) = (vec![0.0; input.main_params.len()], vec![0.0; input.extra_params.len()]);
        let (mut hand_main, mut hand_extra) = (d_main.clone(), d_extra.clone());
        bench_group(
            c,
            name,
            slow,
            || lstm_of(black_box(&input)),
            || lstm_generated(black_box(&input), &mut d_main, &mut d_extra),
            || lstm_hand(black_box(&input), &mut hand_main, &mut hand_extra),
        );
    }
}

/// The heat equation, 200 cells, 200 steps.
fn bench_heat(c: &mut Criterion) {
    let (u0, kappa, target) = heat_input();
    let mut d_u0 = vec![0.0; CELLS];
    let mut hand_d_u0 = vec![0.0; CELLS];
    bench_group(
        c,
        "heat",
        false,
        || heat(black_box(&u0), black_box(kappa), black_box(&target), STEPS),
        || heat_grad(black_box(&u0), &mut d_u0, black_box(kappa), black_box(&target), STEPS).0,
        || heat_hand(black_box(&u0), &mut hand_d_u0, black_box(kappa), black_box(&target), STEPS).0,
    );
}

/// As in the other bench targets: 1 s of warm-up, 3 s of measurement; the
/// command line (`--warm-up-time`, `--measurement-time`) still overrides.
fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = adbench;
    config = config();
    targets = bench_gmm, bench_ba, bench_lstm, bench_heat
}
criterion_main!(adbench);
