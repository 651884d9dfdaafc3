//! A reader of ADBench's input files (GMM, BA, LSTM) and of the reference
//! values this project keeps beside them.
//!
//! Every format is whitespace-separated ASCII read as a stream of tokens;
//! line breaks and blank lines carry no meaning. The data directory is
//! `$ADBENCH_DIR` when set, else `shared/adbench` beside the repository's
//! checkout (`../shared/adbench` from its root).

use std::path::{Path, PathBuf};
use std::str::SplitWhitespace;

/// The directory holding `gmm/`, `ba/`, `lstm/` and `expected/`.
pub fn data_dir() -> PathBuf {
    match std::env::var_os("ADBENCH_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/adbench"),
    }
}

/// The text of `relative` inside [`data_dir`]; panics with the path and
/// the way to point elsewhere when it cannot be read.
pub fn read_data(relative: &str) -> String {
    let path = data_dir().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("ADBench data {}: {e} (set ADBENCH_DIR to the directory holding gmm/, ba/, lstm/)", path.display())
    })
}

/// Whitespace-separated numbers, read one at a time.
struct Tokens<'a> {
    words: SplitWhitespace<'a>,
}

impl<'a> Tokens<'a> {
    fn new(text: &'a str) -> Self {
        Tokens { words: text.split_whitespace() }
    }

    fn word(&mut self) -> &'a str {
        self.words.next().expect("ADBench file ends early")
    }

    fn float(&mut self) -> f64 {
        let word = self.word();
        word.parse().unwrap_or_else(|e| panic!("ADBench file: `{word}` is not a number: {e}"))
    }

    fn count(&mut self) -> usize {
        let word = self.word();
        word.parse().unwrap_or_else(|e| panic!("ADBench file: `{word}` is not a count: {e}"))
    }

    fn floats(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.float()).collect()
    }
}

/// A Gaussian mixture problem: `k` components in `d` dimensions, `n` points.
#[derive(Clone, Debug)]
pub struct GmmInput {
    pub d: usize,
    pub k: usize,
    pub n: usize,
    /// Unnormalised log mixture weights, `k` values.
    pub alphas: Vec<f64>,
    /// The means, component-major: `k × d`.
    pub means: Vec<f64>,
    /// Per component, `d` log-diagonal entries then the `d(d−1)/2`
    /// strictly-lower entries column by column: `k × d(d+1)/2`.
    pub icf: Vec<f64>,
    /// The points, point-major: `n × d`.
    pub x: Vec<f64>,
    /// Wishart prior: `gamma` and `m`.
    pub gamma: f64,
    pub m: usize,
}

impl GmmInput {
    /// Parses a `gmm_d{D}_K{K}.txt` file. With `replicate_point`, the file
    /// holds one point that stands for all `n` (the 2.5M files).
    pub fn parse(text: &str, replicate_point: bool) -> Self {
        let mut t = Tokens::new(text);
        let (d, k, n) = (t.count(), t.count(), t.count());
        let alphas = t.floats(k);
        let means = t.floats(k * d);
        let icf = t.floats(k * d * (d + 1) / 2);
        let x = if replicate_point { t.floats(d).repeat(n) } else { t.floats(n * d) };
        let gamma = t.float();
        let m = t.count();
        GmmInput { d, k, n, alphas, means, icf, x, gamma, m }
    }

    /// Reads `relative` (e.g. `gmm/1k/gmm_d2_K5.txt`) from [`data_dir`].
    pub fn load(relative: &str) -> Self {
        Self::parse(&read_data(relative), relative.starts_with("gmm/2.5M"))
    }

    /// The length of the gradient: `k(d+1)(d+2)/2`.
    pub fn gradient_len(&self) -> usize {
        self.alphas.len() + self.means.len() + self.icf.len()
    }
}

/// The number of parameters of one camera: `r (3), C (3), f, u0, v0, k1, k2`.
pub const CAMERA_LEN: usize = 11;

/// A bundle adjustment problem: `n` cameras, `m` points, `p` observations;
/// observation `i` sees point `obs[2i + 1]` from camera `obs[2i]`.
#[derive(Clone, Debug)]
pub struct BaInput {
    pub n: usize,
    pub m: usize,
    pub p: usize,
    /// `n × 11` camera parameters.
    pub cams: Vec<f64>,
    /// `m × 3` point coordinates.
    pub points: Vec<f64>,
    /// `p` observation weights.
    pub weights: Vec<f64>,
    /// `p × 2` measured features.
    pub features: Vec<f64>,
    /// `p × 2`: camera index, point index.
    pub obs: Vec<usize>,
}

impl BaInput {
    /// Parses a `baN_*.txt` file: the one camera, point, weight and feature
    /// it stores are copied to all of them; observation `i` links camera
    /// `i mod n` and point `i mod m` (ADBench's reader). The header's `p` is
    /// trusted over the file name (they differ for `ba20`).
    pub fn parse(text: &str) -> Self {
        let mut t = Tokens::new(text);
        let (n, m, p) = (t.count(), t.count(), t.count());
        let cams = t.floats(CAMERA_LEN).repeat(n);
        let points = t.floats(3).repeat(m);
        let weights = vec![t.float(); p];
        let features = t.floats(2).repeat(p);
        let obs = (0..p).flat_map(|i| [i % n, i % m]).collect();
        BaInput { n, m, p, cams, points, weights, features, obs }
    }

    /// Reads `relative` (e.g. `ba/ba1_n49_m7776_p31843.txt`) from [`data_dir`].
    pub fn load(relative: &str) -> Self {
        Self::parse(&read_data(relative))
    }
}

/// An LSTM problem: `l` layers, a sequence of `c` characters of `b` bits.
#[derive(Clone, Debug)]
pub struct LstmInput {
    pub l: usize,
    pub c: usize,
    pub b: usize,
    /// `2l × 4b`: per layer, the weights `[forget | ingate | outgate |
    /// change]`, then the biases in the same layout.
    pub main_params: Vec<f64>,
    /// `3 × b`: input weight, output weight, output bias.
    pub extra_params: Vec<f64>,
    /// `2l × b`: per layer, the initial hidden state then the cell state.
    pub state: Vec<f64>,
    /// `c × b`: the bits of each character (0 or 1).
    pub sequence: Vec<f64>,
}

impl LstmInput {
    /// Parses a `lstm_l{L}_c{C}.txt` file.
    pub fn parse(text: &str) -> Self {
        let mut t = Tokens::new(text);
        let (l, c, b) = (t.count(), t.count(), t.count());
        let main_params = t.floats(2 * l * 4 * b);
        let extra_params = t.floats(3 * b);
        let state = t.floats(2 * l * b);
        let sequence = t.floats(c * b);
        LstmInput { l, c, b, main_params, extra_params, state, sequence }
    }

    /// Reads `relative` (e.g. `lstm/lstm_l2_c1024.txt`) from [`data_dir`].
    pub fn load(relative: &str) -> Self {
        Self::parse(&read_data(relative))
    }

    /// The length of the gradient: `8lb + 3b`.
    pub fn gradient_len(&self) -> usize {
        self.main_params.len() + self.extra_params.len()
    }
}

/// A reference file of `expected/` (JSON).
pub fn expected(name: &str) -> serde_json::Value {
    let relative = format!("expected/{name}");
    serde_json::from_str(&read_data(&relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// The numbers of the array `key` of a reference file.
pub fn expected_floats(json: &serde_json::Value, key: &str) -> Vec<f64> {
    let array = json[key].as_array().unwrap_or_else(|| panic!("reference file: no array `{key}`"));
    array.iter().map(|v| v.as_f64().unwrap_or_else(|| panic!("reference file: `{key}` holds {v}"))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_gmm_test_file() {
        let g = GmmInput::load("gmm/test.txt");
        assert_eq!((g.d, g.k, g.n), (2, 3, 1));
        assert_eq!(g.alphas, [-0.649014, 1.181166, -0.758453]);
        assert_eq!(g.means[5], 0.419195);
        assert_eq!(g.icf.len(), 9);
        assert_eq!(g.icf[3], -1.509405);
        assert_eq!(g.x, [1.175171, 2.029160]);
        assert_eq!((g.gamma, g.m), (1.0, 0));
        assert_eq!(g.gradient_len(), 18);
    }

    #[test]
    fn replicates_the_point_of_a_2_5m_file() {
        let g = GmmInput::parse("1 2 3\n0.5\n0.25\n1.0\n2.0\n0.1\n0.2\n7.5\n1.0 0\n", true);
        assert_eq!(g.x, [7.5, 7.5, 7.5]);
        assert_eq!((g.gamma, g.m), (1.0, 0));
    }

    #[test]
    fn parses_and_replicates_the_ba_test_file() {
        let b = BaInput::load("ba/test.txt");
        assert_eq!((b.n, b.m, b.p), (2, 10, 10));
        assert_eq!(b.cams.len(), 22);
        assert_eq!(b.cams[11], 1.797201);
        assert_eq!(b.cams[21], 0.069976);
        assert_eq!(b.points[27..30], [4.173048, 5.586898, 1.403869]);
        assert_eq!(b.weights, [0.417022; 10]);
        assert_eq!(b.features[18..20], [-525.672849, 161.811929]);
        // observation 3: camera 3 mod 2, point 3 mod 10
        assert_eq!(b.obs[6..8], [1, 3]);
    }

    #[test]
    fn parses_an_lstm_file() {
        let s = LstmInput::load("lstm/lstm_l2_c1024.txt");
        assert_eq!((s.l, s.c, s.b), (2, 1024, 14));
        assert_eq!(s.gradient_len(), 266);
        assert_eq!(s.sequence.len(), 1024 * 14);
        assert!(s.sequence.iter().all(|&bit| bit == 0.0 || bit == 1.0));
    }
}
