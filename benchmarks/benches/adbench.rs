//! The ADBench objectives (GMM, bundle adjustment, LSTM) and the 1-D heat
//! equation: the objective, the generated gradient and the hand-written
//! gradient, one criterion group per objective and size, and the same
//! gradient by the peers where a call takes at most about a second
//! (`num_dual`: `num-dual`'s `Dual64`; `reverse`: the tape crate;
//! `candle`: candle's autograd, GMM only, with the `candle` feature).
//!
//! Each group has `primal`, `generated` and `hand` benchmarks, as in
//! `benches/loops.rs`: inputs through `black_box`, shadows allocated once
//! outside the timing loop (both gradients add into them; the BA Jacobian
//! overwrites its buffer). Before timing, each benchmark is called once
//! under a counting allocator, and the most heap memory it held at once
//! beyond what was live before the call is written to
//! `criterion/<group>/<bench>/peak_memory.json` for the `ratios` bin. The
//! groups whose gradient takes milliseconds or more, and the peers, run 10
//! samples of equal iteration counts (criterion's flat sampling), to keep
//! the suite to a few minutes.
//!
//! ```text
//! cargo bench -p autodiff-benchmarks --features candle --bench adbench
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
#[cfg(feature = "candle")]
use autodiff_benchmarks::adbench::candle::gmm_candle;
use autodiff_benchmarks::adbench::data::{BaInput, GmmInput, LstmInput};
use autodiff_benchmarks::adbench::gmm::{gmm_generated, gmm_hand, gmm_of, GmmGradient};
use autodiff_benchmarks::adbench::heat::{heat, heat_grad, heat_hand, heat_input, CELLS, STEPS};
use autodiff_benchmarks::adbench::lstm::{lstm_generated, lstm_hand, lstm_of};
use autodiff_benchmarks::adbench::peers::{
    ba_num_dual, ba_reverse, gmm_num_dual, gmm_reverse, heat_num_dual, heat_reverse, lstm_reverse,
};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};

/// The system allocator, counting the bytes live and the most live at once.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counters only observe the sizes.
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

/// One benchmark of a group: its name and the call it times, which
/// returns a value to `black_box`.
type Call<'a> = (&'static str, Box<dyn FnMut() -> f64 + 'a>);

/// Times the calls as the group `name`: `primal`, `generated`, `hand`, and
/// the peers where they run. `slow` (a gradient of milliseconds or more),
/// and every peer, get 10 samples of equal iteration counts (criterion's
/// flat sampling), which keeps the suite to a few minutes.
fn bench_group(c: &mut Criterion, name: &str, slow: bool, calls: Vec<Call<'_>>) {
    let mut group = c.benchmark_group(name);
    for (bench, mut call) in calls {
        // a group's settings apply to the benchmarks added after them
        if slow || !matches!(bench, "primal" | "generated" | "hand") {
            group.sampling_mode(SamplingMode::Flat).sample_size(10);
        } else {
            group.sampling_mode(SamplingMode::Auto).sample_size(100);
        }
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

/// A call that returns nothing to time, as one that returns `0`.
fn boxed<'a>(name: &'static str, mut call: impl FnMut() + 'a) -> Call<'a> {
    (
        name,
        Box::new(move || {
            call();
            0.0
        }),
    )
}

/// GMM on 1000 points for the sizes of issue 9, and 10 000 points at
/// d = 10, K = 25. The peers run where a call takes at most about a
/// second: `num-dual` (a pass per parameter) at d = 2 only, the tape up to
/// d = 10, K = 25 on 1000 points (its tape there holds millions of nodes;
/// at d = 64 it would need tens of GB); candle (with the `candle` feature)
/// at every size.
fn bench_gmm(c: &mut Criterion) {
    for (file, slow, num_dual, tape) in [
        ("gmm/1k/gmm_d2_K5.txt", false, true, true),
        ("gmm/1k/gmm_d10_K25.txt", true, false, true),
        ("gmm/1k/gmm_d20_K50.txt", true, false, false),
        ("gmm/1k/gmm_d64_K100.txt", true, false, false),
        ("gmm/10k/gmm_d10_K25.txt", true, false, false),
    ] {
        let input = GmmInput::load(file);
        let name = file.trim_start_matches("gmm/").replace("/gmm", "").replace(".txt", "");
        let mut grad = GmmGradient::zeros(&input);
        let mut hand_grad = GmmGradient::zeros(&input);
        let input = &input;
        let mut calls: Vec<Call> = vec![
            ("primal", Box::new(|| gmm_of(black_box(input)))),
            ("generated", Box::new(|| gmm_generated(black_box(input), &mut grad))),
            ("hand", Box::new(|| gmm_hand(black_box(input), &mut hand_grad))),
        ];
        if num_dual {
            calls.push(("num_dual", Box::new(|| gmm_num_dual(black_box(input)).0)));
        }
        if tape {
            calls.push(("reverse", Box::new(|| gmm_reverse(black_box(input)).0)));
        }
        #[cfg(feature = "candle")]
        calls.push(("candle", Box::new(|| gmm_candle(black_box(input)).expect("candle's GMM gradient").0)));
        bench_group(c, &format!("gmm_{name}"), slow, calls);
    }
}

/// The BA residuals against the Jacobian, for ba1, ba2 and ba5, and both
/// peers (per observation: 15 dual passes, or a tape and two sweeps).
fn bench_ba(c: &mut Criterion) {
    for file in ["ba/ba1_n49_m7776_p31843.txt", "ba/ba2_n21_m11315_p36455.txt", "ba/ba5_n257_m65132_p225911.txt"] {
        let input = BaInput::load(file);
        let name = &file[3..file.find('_').expect("ba file name")];
        let input = &input;
        let mut residuals = vec![0.0; 3 * input.p];
        let [mut generated, mut hand, mut dual, mut tape] = [(); 4].map(|()| vec![0.0; jacobian_len(input.p)]);
        let calls = vec![
            boxed("primal", || ba_objective(black_box(input), &mut residuals)),
            boxed("generated", || ba_jacobian_generated(black_box(input), &mut generated)),
            boxed("hand", || ba_jacobian_hand(black_box(input), &mut hand)),
            boxed("num_dual", || ba_num_dual(black_box(input), &mut dual)),
            boxed("reverse", || ba_reverse(black_box(input), &mut tape)),
        ];
        bench_group(c, name, true, calls);
    }
}

/// The LSTM for l2c1024, l4c1024 and l2c4096, and the tape peer
/// (`num-dual` would take 266 or more passes of the objective per gradient,
/// seconds per call: not timed).
fn bench_lstm(c: &mut Criterion) {
    for file in ["lstm/lstm_l2_c1024.txt", "lstm/lstm_l4_c1024.txt", "lstm/lstm_l2_c4096.txt"] {
        let input = LstmInput::load(file);
        let name = file.trim_start_matches("lstm/").trim_end_matches(".txt");
        let input = &input;
        let (mut d_main, mut d_extra) = (vec![0.0; input.main_params.len()], vec![0.0; input.extra_params.len()]);
        let (mut hand_main, mut hand_extra) = (d_main.clone(), d_extra.clone());
        let calls: Vec<Call> = vec![
            ("primal", Box::new(|| lstm_of(black_box(input)))),
            ("generated", Box::new(|| lstm_generated(black_box(input), &mut d_main, &mut d_extra))),
            ("hand", Box::new(|| lstm_hand(black_box(input), &mut hand_main, &mut hand_extra))),
            ("reverse", Box::new(|| lstm_reverse(black_box(input)).0)),
        ];
        bench_group(c, name, true, calls);
    }
}

/// The heat equation, 200 cells, 200 steps, and both peers.
fn bench_heat(c: &mut Criterion) {
    let (u0, kappa, target) = heat_input();
    let (u0, target) = (&u0[..], &target[..]);
    let mut d_u0 = vec![0.0; CELLS];
    let mut hand_d_u0 = vec![0.0; CELLS];
    let calls: Vec<Call> = vec![
        ("primal", Box::new(|| heat(black_box(u0), black_box(kappa), black_box(target), STEPS))),
        ("generated", Box::new(|| heat_grad(black_box(u0), &mut d_u0, black_box(kappa), black_box(target), STEPS).0)),
        ("hand", Box::new(|| heat_hand(black_box(u0), &mut hand_d_u0, black_box(kappa), black_box(target), STEPS).0)),
        ("num_dual", Box::new(|| heat_num_dual(black_box(u0), black_box(kappa), black_box(target), STEPS).0)),
        ("reverse", Box::new(|| heat_reverse(black_box(u0), black_box(kappa), black_box(target), STEPS).0)),
    ];
    bench_group(c, "heat", false, calls);
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
