//! Random `#[grad]` functions from a grammar of the supported subset.
//!
//! Every function generated here is ordinary Rust that compiles (floats are
//! `f64`, indices `usize`, every slice index is in bounds) and is smooth
//! almost everywhere on the inputs the differential checker draws, so
//! central differences are a valid oracle for its gradient:
//!
//! - `ln`, `sqrt`, `powf`, `log2`, division and friends only see values
//!   bounded away from their singularities (`(e * e + 1.0).ln()`);
//! - `exp` only sees bounded values (`e.sin().exp()`), loops run at most
//!   four passes and multiply by bounded factors, so nothing overflows;
//! - comparisons may tie, and `abs`, `max`, `floor` have kinks: the
//!   checker re-draws a point where two step sizes disagree.
//!
//! The module has no dependencies, so the build script of this crate can
//! include it (`#[path]`) and write the functions of the differential
//! check, while the library hands the same functions to the fuzzer.

/// A small deterministic generator (SplitMix64): the same seed gives the
/// same functions on every machine.
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng { state: seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x9E37_79B9_7F4A_7C15 }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent as usize
    }

    /// A float in `[lo, hi)`.
    pub fn float(&mut self, lo: f64, hi: f64) -> f64 {
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        lo + (hi - lo) * unit
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The length of every slice and array parameter.
pub const LEN: usize = 3;

/// The module's `const`s the functions may pass to calls by value
/// (`scale(x, QUARTER)`, as simulation code passes `DT`): written beside
/// the functions, with the multiples of a quarter a call's constant
/// arguments take.
pub const CONSTANTS: &[(&str, f64)] =
    &[("QUARTER", 0.25), ("HALF", 0.5), ("THREE_QUARTERS", 0.75), ("ONE", 1.0), ("FIVE_QUARTERS", 1.25)];

/// A module's `const` table whose elements the functions may pass to calls
/// by value (`scale(x, QUARTERS[2])`, as data fitting passes `XS[i]`).
pub const TABLE: (&str, [f64; 4]) = ("QUARTERS", [0.25, 0.5, 0.75, 1.25]);

/// The items `CONSTANTS` and `TABLE` name, as source.
pub fn constants_source() -> String {
    let constants: String = CONSTANTS.iter().map(|(name, value)| format!("const {name}: f64 = {value:?};\n")).collect();
    let (table, values) = TABLE;
    format!("{constants}const {table}: [f64; 4] = {values:?};\n")
}

/// How a parameter is passed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ParamKind {
    /// `x: f64`.
    Scalar,
    /// `v: &[f64]`, called with `LEN` elements.
    Slice,
    /// `a: &[f64; LEN]`.
    Array,
}

impl ParamKind {
    /// How many inputs of the flat point it takes.
    pub fn width(self) -> usize {
        match self {
            ParamKind::Scalar => 1,
            ParamKind::Slice | ParamKind::Array => LEN,
        }
    }

    fn type_text(self, float: &str) -> String {
        match self {
            ParamKind::Scalar => float.to_owned(),
            ParamKind::Slice => format!("&[{float}]"),
            ParamKind::Array => format!("&[{float}; {LEN}]"),
        }
    }
}

/// One generated `#[grad]` function.
#[derive(Clone, Debug)]
pub struct Function {
    pub name: String,
    pub params: Vec<(String, ParamKind)>,
    /// The parameters named in `#[grad(wrt(..))]`, by position; `None`
    /// differentiates them all.
    pub wrt: Option<Vec<usize>>,
    /// The body, braces included.
    pub body: String,
    /// How the function is generic over its float type, or `None` for an
    /// `f64` function (see [`generic_twins`]).
    pub generic: Option<Generic>,
}

/// How a generic twin declares its float type parameter `T`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Generic {
    /// `fn f<T: Float>(..)`, with `autodiff::Float` imported.
    Float,
    /// `fn f<T: autodiff::Float>(..)`.
    AutodiffFloat,
    /// `fn f<T>(..) where T: autodiff::Float`.
    WhereFloat,
    /// `fn f<T: autodiff::num_traits::Float>(..)`: no `T::from_f64`.
    NumTraits,
}

impl Generic {
    /// Whether `T::from_f64` exists (`autodiff::Float`'s, not `num_traits`').
    pub fn has_from_f64(self) -> bool {
        self != Generic::NumTraits
    }
}

impl Function {
    /// The arguments of the attribute: `""` or `"wrt(x0, v1)"`.
    pub fn attr_args(&self) -> String {
        match &self.wrt {
            None => String::new(),
            Some(indices) => {
                let names: Vec<&str> = indices.iter().map(|&i| self.params[i].0.as_str()).collect();
                format!("wrt({})", names.join(", "))
            }
        }
    }

    /// The function without its attribute.
    pub fn item(&self) -> String {
        let float = if self.generic.is_some() { "T" } else { "f64" };
        let params: Vec<String> =
            self.params.iter().map(|(name, kind)| format!("{name}: {}", kind.type_text(float))).collect();
        let (generics, clause) = match self.generic {
            None => ("", ""),
            Some(Generic::Float) => ("<T: Float>", ""),
            Some(Generic::AutodiffFloat) => ("<T: autodiff::Float>", ""),
            Some(Generic::WhereFloat) => ("<T>", "\nwhere\n    T: autodiff::Float,\n"),
            Some(Generic::NumTraits) => ("<T: autodiff::num_traits::Float>", ""),
        };
        let space = if clause.is_empty() { " " } else { "" };
        format!("fn {}{generics}({}) -> {float}{clause}{space}{}", self.name, params.join(", "), self.body)
    }

    /// The function as a user writes it.
    pub fn source(&self) -> String {
        let args = self.attr_args();
        let attr = if args.is_empty() {
            "#[grad(forward, reverse, hessian)]".to_owned()
        } else {
            format!("#[grad(forward, reverse, hessian, {args})]")
        };
        format!("{attr}\n{}", self.item())
    }

    pub fn is_differentiated(&self, index: usize) -> bool {
        self.wrt.as_ref().is_none_or(|wrt| wrt.contains(&index))
    }

    /// The length of the flat point: every scalar, then every element.
    pub fn inputs(&self) -> usize {
        self.params.iter().map(|(_, kind)| kind.width()).sum()
    }

    /// The flat inputs whose partials `NAME_grad` gives, in the order the
    /// harness returns them: the by-value partials, then the shadows.
    pub fn differentiated_inputs(&self) -> Vec<usize> {
        let mut starts = Vec::new();
        let mut at = 0;
        for (_, kind) in &self.params {
            starts.push(at);
            at += kind.width();
        }
        let scalar = |i: &usize| self.params[*i].1 == ParamKind::Scalar;
        let wanted: Vec<usize> = (0..self.params.len()).filter(|&i| self.is_differentiated(i)).collect();
        let scalars = wanted.iter().filter(|i| scalar(i)).map(|&i| starts[i]);
        let elements = wanted.iter().filter(|i| !scalar(i)).flat_map(|&i| starts[i]..starts[i] + LEN);
        scalars.chain(elements).collect()
    }

    /// A table entry of the differential check (see `tests/differential.rs`):
    /// the function called on a flat point `p`, plainly, through
    /// `NAME_grad` and through `NAME_vjp`.
    pub fn harness(&self) -> String {
        self.harness_at("f64")
    }

    /// [`Self::harness`] with the function instantiated at `float` (`"f64"`,
    /// or `"f32"` for a generic one): the table's closures still take and
    /// give `f64`s, converted at the call.
    pub fn harness_at(&self, float: &str) -> String {
        let narrow = float != "f64";
        // An `f64` of the table as an argument, and a result as an `f64`.
        let arg = |text: String| if narrow { format!("({text} as {float})") } else { text };
        let widen = |text: String| if narrow { format!("{text} as f64") } else { text };
        let mut args = Vec::new();
        // `NAME_jvp`'s arguments: each differentiated one followed by its
        // tangent, taken from the flat direction `v`.
        let mut jvp_args = Vec::new();
        let mut shadows = Vec::new();
        // `NAME_hvp`: each differentiated input's direction after it, and
        // for a reference its product buffer (the shadow's name and zeros).
        let mut hvp_args: Vec<String> = Vec::new();
        let mut at = 0;
        for (i, (name, kind)) in self.params.iter().enumerate() {
            match kind {
                ParamKind::Scalar => {
                    args.push(arg(format!("p[{at}]")));
                    jvp_args.push(arg(format!("p[{at}]")));
                    hvp_args.push(arg(format!("p[{at}]")));
                    if self.is_differentiated(i) {
                        jvp_args.push(arg(format!("v[{at}]")));
                        hvp_args.push(arg(format!("v[{at}]")));
                    }
                }
                ParamKind::Slice | ParamKind::Array => {
                    let elements = |of: &str| -> String {
                        (at..at + LEN).map(|k| arg(format!("{of}[{k}]"))).collect::<Vec<_>>().join(", ")
                    };
                    let slice = if *kind == ParamKind::Slice { "[..]" } else { "" };
                    args.push(format!("&[{}]{slice}", elements("p")));
                    jvp_args.push(format!("&[{}]{slice}", elements("p")));
                    hvp_args.push(format!("&[{}]{slice}", elements("p")));
                    if self.is_differentiated(i) {
                        args.push(format!("&mut d_{name}{slice}"));
                        shadows.push(format!("d_{name}"));
                        jvp_args.push(format!("&[{}]{slice}", elements("v")));
                        hvp_args.push(format!("&[{}]{slice}", elements("v")));
                        hvp_args.push(format!("&mut d_{name}{slice}"));
                    }
                }
            }
            at += kind.width();
        }
        let plain: Vec<&String> = args.iter().filter(|arg| !arg.starts_with("&mut")).collect();
        let plain = plain.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
        let scalars = self
            .params
            .iter()
            .enumerate()
            .filter(|(i, (_, kind))| *kind == ParamKind::Scalar && self.is_differentiated(*i))
            .count();
        let partials: Vec<String> = (0..scalars).map(|k| format!("g{k}")).collect();
        let pattern = if scalars == 0 { "value".to_owned() } else { format!("(value, {})", partials.join(", ")) };
        let declare: String = shadows.iter().map(|s| format!("let mut {s} = [0.0{float}; {LEN}]; ")).collect();
        let mut gathered: Vec<String> = partials.iter().map(|g| widen(g.clone())).collect();
        gathered.extend(shadows.iter().flat_map(|s| (0..LEN).map(move |k| widen(format!("{s}[{k}]")))));
        let gathered = gathered.join(", ");
        let value = widen("value".to_owned());
        let call = |suffix: &str, seed: &str| {
            format!(
                "{{ {declare}let {pattern} = {name}_{suffix}({args}{seed}); ({value}, vec![{gathered}]) }}",
                name = self.name,
                args = args.join(", "),
            )
        };
        let jvp = if narrow {
            format!(
                "{{ let (value, along) = {}_jvp({}); (value as f64, along as f64) }}",
                self.name,
                jvp_args.join(", ")
            )
        } else {
            format!("{{ {}_jvp({}) }}", self.name, jvp_args.join(", "))
        };
        let plain = if narrow { format!("{}({plain}) as f64", self.name) } else { format!("{}({plain})", self.name) };
        format!(
            "Case {{ name: {name:?}, source: {source:?}, inputs: {inputs}, differentiated: &{diff:?}, \
             value: |p: &[f64]| {plain}, \
             grad: |p: &[f64]| -> (f64, Vec<f64>) {grad}, \
             vjp: |p: &[f64], seed: f64| -> (f64, Vec<f64>) {vjp}, \
             jvp: |p: &[f64], v: &[f64]| -> (f64, f64) {jvp}, \
             hvp: |p: &[f64], v: &[f64]| -> (f64, Vec<f64>) {{ {declare}let {pattern} = {name}_hvp({hvp_args}); ({value}, vec![{gathered}]) }} }}",
            name = self.name,
            hvp_args = hvp_args.join(", "),
            source = self.source(),
            inputs = self.inputs(),
            diff = self.differentiated_inputs(),
            grad = call("grad", ""),
            vjp = call("vjp", &if narrow { format!(", seed as {float}") } else { ", seed".to_owned() }),
        )
    }
}

/// `count` functions from `seed`; a function may call the ones before it.
pub fn program(seed: u64, count: usize) -> Vec<Function> {
    program_and_states(seed, count).0
}

/// [`program`], and the generator's state before each function and after
/// the last.
fn program_and_states(seed: u64, count: usize) -> (Vec<Function>, Vec<Rng>) {
    let mut rng = Rng::new(seed);
    let mut functions: Vec<Function> = Vec::new();
    let mut states = Vec::new();
    for index in 0..count {
        states.push(rng.clone());
        let function = Gen::function(&mut rng, format!("case{index}"), &functions);
        functions.push(function);
    }
    states.push(rng);
    (functions, states)
}

/// The share of `program`'s functions that get a generic twin by default,
/// in percent: what keeps the differential check's default run within
/// about 30 s more (each twin is compiled at `f64` and at `f32`).
pub const GENERIC_SHARE: u32 = 12;

/// Generic twins of `share` percent (see [`GENERIC_SHARE`]) of `program(seed, count)`'s functions
/// (functions chosen at random, with the ones they call), each with its
/// index in the program:
/// `caseN_g<T: Float>`, the same function as `caseN` written the way
/// generic float code is (`T` for `f64`, literals `T::from(0.5).unwrap()`,
/// `T::from_f64(0.5)`, `T::one()`, integers `T::from(i).unwrap()`,
/// constants `T::from(QUARTER).unwrap()`, `T::sin(e)`, folds for `sum` and
/// `product`, the runtime's `autodiff::generic::sigmoid`, the callees' own
/// twins), generated from the same random choices, so that at `T = f64` it
/// computes what `caseN` does.
pub fn generic_twins(seed: u64, count: usize, share: u32) -> Vec<(usize, Function)> {
    let (functions, states) = program_and_states(seed, count);
    let mut pick = Rng::new(seed ^ 0x6E6E_7269);
    // Functions in a random order, each taken with the ones it calls
    // (directly or not: a twin calls the twins of its callees) while
    // `share` percent of them are not taken yet.
    let target = count * share as usize / 100;
    let mut order: Vec<usize> = (0..count).collect();
    for i in (1..count).rev() {
        order.swap(i, pick.below(i + 1));
    }
    let mut chosen = vec![false; count];
    let mut taken = 0;
    for index in order {
        let mut needed = vec![index];
        let mut at = 0;
        while at < needed.len() {
            for callee in callees_of(&functions[needed[at]]) {
                if !needed.contains(&callee) {
                    needed.push(callee);
                }
            }
            at += 1;
        }
        needed.retain(|&i| !chosen[i]);
        if !needed.is_empty() && taken + needed.len() <= target {
            taken += needed.len();
            for i in needed {
                chosen[i] = true;
            }
        }
    }
    let mut twins = Vec::new();
    let mut bounds: Vec<Option<Generic>> = vec![None; count];
    for index in (0..count).filter(|&i| chosen[i]) {
        let mut bound = *pick.pick(&[Generic::Float, Generic::AutodiffFloat, Generic::WhereFloat, Generic::NumTraits]);
        // `T: num_traits::Float` cannot call what needs `T: autodiff::Float`:
        // the runtime's generic functions, twins bounded by it.
        let calls_autodiff_float = functions[index].body.contains("autodiff::")
            || callees_of(&functions[index]).iter().any(|&callee| bounds[callee] != Some(Generic::NumTraits));
        if bound == Generic::NumTraits && calls_autodiff_float {
            bound = Generic::AutodiffFloat;
        }
        bounds[index] = Some(bound);
        let spell = Rng::new(seed.wrapping_mul(31).wrapping_add(index as u64) ^ 0x5BE1);
        let mut rng = states[index].clone();
        let name = format!("{}_g", functions[index].name);
        let twin = Gen::function_over(&mut rng, name, &functions[..index], Some((bound, spell)));
        // The same choices: the same parameters, and the generator where
        // the `f64` function left it.
        assert_eq!(rng.state, states[index + 1].state, "the twin of case{index} took other choices");
        assert_eq!((&twin.params, &twin.wrt), (&functions[index].params, &functions[index].wrt));
        twins.push((index, twin));
    }
    twins
}

/// The indices of the generated functions `function` calls (`case7(..)`).
fn callees_of(function: &Function) -> Vec<usize> {
    let body = &function.body;
    let mut found = Vec::new();
    for (at, _) in body.match_indices("case") {
        let digits: String = body[at + 4..].chars().take_while(|c| c.is_ascii_digit()).collect();
        let after = body[at + 4 + digits.len()..].chars().next();
        let before = body[..at].chars().next_back();
        let starts_a_name = !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        if starts_a_name && !digits.is_empty() && after == Some('(') {
            found.push(digits.parse().expect("digits"));
        }
    }
    found
}

/// A name in scope and what it holds.
#[derive(Clone, Debug)]
struct Local {
    /// How it is written where it is read (`w`, `(*w)`).
    text: String,
    kind: LocalKind,
    mutable: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum LocalKind {
    Float,
    /// A `usize` that is a valid index of every slice (`< LEN`).
    Index,
    /// A `usize` counter.
    Counter,
    Slice,
    Array,
    /// A local `Vec<f64>` of `LEN` elements, built by `collect` or `push`
    /// (iterated, indexed, written through `iter_mut`; not passed to calls).
    Vector,
}

/// An expression and whether its type is known to be `f64`.
struct Expr {
    text: String,
    typed: bool,
}

/// The loop being generated, for `break` and `continue`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LoopKind {
    /// A `for` or `while`: `break` takes no value.
    Plain,
    /// A `loop` whose value is used: `break` needs one.
    Valued,
}

struct Gen<'a> {
    rng: &'a mut Rng,
    scopes: Vec<Vec<Local>>,
    names: usize,
    loops: Vec<LoopKind>,
    /// Nesting of blocks, to keep functions small.
    depth: usize,
    /// Functions defined earlier that this one may call.
    callees: &'a [Function],
    /// For a generic twin: its bound, and the generator of its spellings
    /// (`T::from(0.5).unwrap()` or `T::from_f64(0.5)`), apart from `rng`
    /// so that the twin has the structure of its `f64` function.
    generic: Option<(Generic, Rng)>,
}

const MAX_DEPTH: usize = 2;

impl<'a> Gen<'a> {
    fn function(rng: &'a mut Rng, name: String, callees: &'a [Function]) -> Function {
        Gen::function_over(rng, name, callees, None)
    }

    /// The function `rng` gives, over `f64` or, with `generic`, over `T`.
    fn function_over(
        rng: &'a mut Rng,
        name: String,
        callees: &'a [Function],
        generic: Option<(Generic, Rng)>,
    ) -> Function {
        let mut params = Vec::new();
        let scalars = 1 + rng.below(3);
        for i in 0..scalars {
            params.push((format!("x{i}"), ParamKind::Scalar));
        }
        if rng.chance(50) {
            let kind = if rng.chance(60) { ParamKind::Slice } else { ParamKind::Array };
            let slot = rng.below(params.len() + 1);
            let name = if kind == ParamKind::Slice { "v" } else { "a" };
            params.insert(slot, (name.to_owned(), kind));
        }
        let wrt = rng.chance(20).then(|| {
            let mut chosen: Vec<usize> = (0..params.len()).filter(|_| rng.chance(60)).collect();
            if chosen.is_empty() {
                chosen.push(rng.below(params.len()));
            }
            chosen
        });
        let bound = generic.as_ref().map(|(bound, _)| *bound);
        let mut gen = Gen { rng, scopes: vec![Vec::new()], names: 0, loops: Vec::new(), depth: 0, callees, generic };
        for (name, kind) in &params {
            let kind = match kind {
                ParamKind::Scalar => LocalKind::Float,
                ParamKind::Slice => LocalKind::Slice,
                ParamKind::Array => LocalKind::Array,
            };
            gen.bind(Local { text: name.clone(), kind, mutable: false });
        }
        let mut body = String::from("{\n");
        let statements = 2 + gen.rng.below(5);
        for _ in 0..statements {
            body += &gen.statement();
        }
        let result = gen.result();
        body += &format!("    {}\n}}", result.text);
        Function { name, params, wrt, body, generic: bound }
    }

    // ---- spelling: `f64`, or generic over `T` ----

    /// The float type as written: `f64` or `T`.
    fn float(&self) -> &'static str {
        if self.generic.is_some() {
            "T"
        } else {
            "f64"
        }
    }

    /// A float literal (`"0.5"`, `"-1.0"`) as the function writes it: as is
    /// over `f64`; over `T`, one of the conversions the README lists
    /// (`T::from(0.5).unwrap()`, `T::from_f64(0.5)`, `T::one()`, ..).
    fn number(&mut self, value: &str) -> String {
        let Some((bound, spell)) = &mut self.generic else { return value.to_owned() };
        let magnitude = value.trim_start_matches('-');
        let sign = if value.starts_with('-') { "-" } else { "" };
        let whole = magnitude.parse::<f64>().ok().filter(|v| v.fract() == 0.0).map(|v| v as i64);
        // Rarely, a `std::f64::consts` constant converted (0.5 and 2.0 to
        // an ulp: the twin check allows for rounding).
        let root = match value {
            "0.5" => Some("FRAC_1_SQRT_2"),
            "2.0" => Some("SQRT_2"),
            _ => None,
        };
        if let Some(root) = root.filter(|_| spell.chance(10)) {
            return if bound.has_from_f64() && spell.chance(50) {
                format!("T::from_f64(std::f64::consts::{root}).powi(2)")
            } else {
                format!("T::from(std::f64::consts::{root}).unwrap().powi(2)")
            };
        }
        match spell.below(6) {
            0 if magnitude.parse::<f64>() == Ok(1.0) => format!("{sign}T::one()"),
            0 if magnitude.parse::<f64>() == Ok(0.0) => "T::zero()".to_owned(),
            1 | 2 if bound.has_from_f64() => format!("T::from_f64({value})"),
            // `T::from(2).unwrap()`: an integer literal converts too.
            3 if whole.is_some() => format!("T::from({sign}{}).unwrap()", whole.unwrap_or(0)),
            _ => format!("T::from({value}).unwrap()"),
        }
    }

    /// An integer name as a float: `(i as f64)`, or over `T`
    /// `T::from(i).unwrap()`, `T::from_f64(i as f64)`, ..
    fn integer_as_float(&mut self, int: &str) -> String {
        let Some((bound, spell)) = &mut self.generic else { return format!("({int} as f64)") };
        match spell.below(3) {
            0 if bound.has_from_f64() => format!("T::from_f64({int} as f64)"),
            1 => format!("T::from({int} as f64).unwrap()"),
            _ => format!("T::from({int}).unwrap()"),
        }
    }

    /// A module constant (`QUARTER`, `QUARTERS[2]`) as a float argument.
    fn constant(&mut self, name: String) -> String {
        let Some((bound, spell)) = &mut self.generic else { return name };
        if bound.has_from_f64() && spell.chance(50) {
            format!("T::from_f64({name})")
        } else {
            format!("T::from({name}).unwrap()")
        }
    }

    /// `target op= value;`, or `target = target op value;` under
    /// `num_traits::Float`, which has no compound assignments.
    fn compound(&self, target: &str, op: &str, value: &str) -> String {
        if matches!(self.generic, Some((Generic::NumTraits, _))) {
            format!("{target} = {target} {op} {value};")
        } else {
            format!("{target} {op}= {value};")
        }
    }

    /// A runtime activation or loss: `autodiff::sigmoid`, or over `T` the
    /// one in `autodiff::generic`.
    fn runtime(&self, name: &str) -> String {
        if self.generic.is_some() {
            format!("autodiff::generic::{name}")
        } else {
            format!("autodiff::{name}")
        }
    }

    // ---- scope ----

    fn bind(&mut self, local: Local) {
        self.scopes.last_mut().expect("a scope").push(local);
    }

    fn fresh(&mut self, base: &str) -> String {
        self.names += 1;
        format!("{base}{}", self.names)
    }

    fn locals(&self, kind: LocalKind) -> Vec<Local> {
        self.scopes.iter().flatten().filter(|local| local.kind == kind).cloned().collect()
    }

    /// The name of a local of `kind` (one exists).
    fn pick_local(&mut self, kind: LocalKind) -> String {
        let locals = self.locals(kind);
        self.rng.pick(&locals).text.clone()
    }

    fn mutable_floats(&self) -> Vec<Local> {
        self.locals(LocalKind::Float).into_iter().filter(|local| local.mutable).collect()
    }

    fn sequences(&self) -> Vec<Local> {
        let mut all = self.locals(LocalKind::Slice);
        all.extend(self.locals(LocalKind::Array));
        all.extend(self.locals(LocalKind::Vector));
        all
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.scopes.push(Vec::new());
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        self.scopes.pop();
        result
    }

    fn indent(&self) -> String {
        "    ".repeat(self.depth + 1)
    }

    // ---- expressions ----

    /// A float expression; `budget` bounds its size.
    fn expr(&mut self, budget: usize) -> Expr {
        if budget == 0 || self.rng.chance(25) {
            return self.leaf();
        }
        match self.rng.below(10) {
            0..=3 => self.binary(budget),
            4..=6 => self.unary(budget),
            7 => self.binary_library(budget),
            8 => self.call(budget),
            _ => self.reduction(budget),
        }
    }

    fn leaf(&mut self) -> Expr {
        let floats = self.locals(LocalKind::Float);
        let indices = self.locals(LocalKind::Index);
        let sequences = self.sequences();
        match self.rng.below(12) {
            0..=6 if !floats.is_empty() => {
                let local = self.rng.pick(&floats).clone();
                // Every float local is declared as an `f64`.
                Expr { text: local.text, typed: true }
            }
            7..=8 if !sequences.is_empty() => {
                let sequence = self.rng.pick(&sequences).clone();
                let index = match (indices.is_empty(), self.rng.below(3)) {
                    (false, 0) => self.rng.pick(&indices).text.clone(),
                    (false, 1) => format!("({} + 1) % {LEN}", self.rng.pick(&indices).text),
                    _ => self.rng.below(LEN).to_string(),
                };
                Expr { text: format!("{}[{index}]", sequence.text), typed: true }
            }
            9 if !indices.is_empty() || !self.locals(LocalKind::Counter).is_empty() => {
                let mut ints = indices;
                ints.extend(self.locals(LocalKind::Counter));
                let int = self.rng.pick(&ints).text.clone();
                Expr { text: self.integer_as_float(&int), typed: true }
            }
            _ => self.literal(),
        }
    }

    fn literal(&mut self) -> Expr {
        let value = *self.rng.pick(&["0.5", "1.5", "2.0", "0.25", "3.0", "0.1", "1.0", "0.75"]);
        let typed = match self.rng.below(4) {
            0 if self.generic.is_none() => return Expr { text: format!("{value}f64"), typed: true },
            1 if self.generic.is_none() => return Expr { text: format!("{value}_f64"), typed: true },
            0 | 1 => true,
            _ => false,
        };
        Expr { text: self.number(value), typed }
    }

    fn binary(&mut self, budget: usize) -> Expr {
        let a = self.expr(budget - 1);
        let b = self.expr(budget - 1);
        let typed = a.typed || b.typed;
        let text = match self.rng.below(5) {
            0 => format!("({} + {})", a.text, b.text),
            1 => format!("({} - {})", a.text, b.text),
            2 | 3 => format!("({} * {})", a.text, b.text),
            // A denominator at least 1.
            _ => format!("({} / ({b} * {b} + {one}))", a.text, b = b.text, one = self.number("1.0")),
        };
        Expr { text, typed }
    }

    /// A method of the float library on `e`, or the same as a path call
    /// (`f64::sin(e)`) when rustc does not know `e` is an `f64`.
    fn method(&mut self, receiver: &Expr, name: &str, args: &[&str]) -> Expr {
        let text = if receiver.typed && self.rng.chance(70) {
            let receiver = if receiver.text.starts_with('(') || is_plain_name(&receiver.text) {
                receiver.text.clone()
            } else {
                format!("({})", receiver.text)
            };
            format!("{receiver}.{name}({})", args.join(", "))
        } else {
            let all: Vec<&str> = std::iter::once(receiver.text.as_str()).chain(args.iter().copied()).collect();
            format!("{}::{name}({})", self.float(), all.join(", "))
        };
        Expr { text, typed: true }
    }

    fn unary(&mut self, budget: usize) -> Expr {
        let e = self.expr(budget - 1);
        // Functions defined and smooth on every real.
        const EVERYWHERE: &[&str] = &["sin", "cos", "tanh", "atan", "asinh", "to_degrees", "to_radians"];
        match self.rng.below(14) {
            0..=4 => {
                let name = *self.rng.pick(EVERYWHERE);
                self.method(&e, name, &[])
            }
            5 => {
                let bounded = self.method(&e, "sin", &[]);
                let name = *self.rng.pick(&["exp", "exp2", "exp_m1", "sinh", "cosh"]);
                self.method(&bounded, name, &[])
            }
            6 | 7 => {
                // Positive and away from the singularities (`acosh` at 1).
                let positive =
                    Expr { text: format!("({e} * {e} + {c})", e = e.text, c = self.number("1.25")), typed: e.typed };
                let name = *self.rng.pick(&["ln", "sqrt", "log2", "log10", "recip", "cbrt", "acosh", "ln_1p"]);
                self.method(&positive, name, &[])
            }
            8 => {
                let power = self.rng.pick(&["2", "3", "-1"]).to_string();
                let positive =
                    Expr { text: format!("({e} * {e} + {c})", e = e.text, c = self.number("0.5")), typed: e.typed };
                let base = if power == "-1" { &positive } else { &e };
                self.method(base, "powi", &[&power])
            }
            9 => {
                let bounded = self.method(&e, "tanh", &[]);
                let name = *self.rng.pick(&["asin", "acos", "atanh"]);
                let shrunk = Expr { text: format!("({} * {})", self.number("0.5"), bounded.text), typed: true };
                self.method(&shrunk, name, &[])
            }
            10 => {
                // Kinks and jumps: rare at a random point.
                let name = *self.rng.pick(&["abs", "floor", "ceil", "round", "trunc", "fract", "signum"]);
                self.method(&e, name, &[])
            }
            11 => Expr { text: format!("(-{})", e.text), typed: e.typed },
            12 => {
                let (lo, hi) = (self.number("-1.0"), self.number("1.0"));
                self.method(&e, "clamp", &[&lo, &hi])
            }
            _ => {
                let positive =
                    Expr { text: format!("({e} * {e} + {c})", e = e.text, c = self.number("1.0")), typed: e.typed };
                let exponent = self.expr(budget - 1);
                let exponent = self.method(&exponent, "sin", &[]);
                self.method(&positive, "powf", &[&exponent.text])
            }
        }
    }

    fn binary_library(&mut self, budget: usize) -> Expr {
        let a = self.expr(budget - 1);
        let b = self.expr(budget - 1);
        let b_typed = Expr { text: b.text.clone(), typed: true };
        match self.rng.below(6) {
            0 => self.method(&a, "max", &[&b.text]),
            1 => self.method(&a, "min", &[&b.text]),
            2 => self.method(&a, "hypot", &[&b.text]),
            3 => self.method(&a, "atan2", &[&b.text]),
            4 => {
                let c = self.expr(budget - 1);
                self.method(&a, "mul_add", &[&b.text, &c.text])
            }
            _ => {
                let positive =
                    Expr { text: format!("({e} * {e} + {c})", e = a.text, c = self.number("1.0")), typed: a.typed };
                let base =
                    Expr { text: format!("({e} * {e} + {c})", e = b_typed.text, c = self.number("2.0")), typed: true };
                self.method(&positive, "log", &[&base.text])
            }
        }
    }

    /// A call to a runtime `#[grad]` function or to one generated before.
    fn call(&mut self, budget: usize) -> Expr {
        let callable: Vec<&Function> = self
            .callees
            .iter()
            .filter(|f| {
                // A parameter the callee's `wrt` leaves out is a constant for
                // callers too: it gets a literal, so only scalars are left out.
                f.params.iter().enumerate().all(|(i, (_, kind))| match kind {
                    ParamKind::Scalar => true,
                    ParamKind::Slice => f.is_differentiated(i) && !self.locals(LocalKind::Slice).is_empty(),
                    ParamKind::Array => f.is_differentiated(i) && !self.locals(LocalKind::Array).is_empty(),
                })
            })
            .collect();
        if !callable.is_empty() && self.rng.chance(50) {
            let callee = callable[self.rng.below(callable.len())].clone();
            let mut args = Vec::new();
            for (i, (_, kind)) in callee.params.iter().enumerate() {
                args.push(match kind {
                    ParamKind::Scalar if !callee.is_differentiated(i) && self.rng.chance(50) => {
                        let constant = if self.rng.chance(50) {
                            self.rng.pick(CONSTANTS).0.to_owned()
                        } else {
                            format!("{}[{}]", TABLE.0, self.rng.below(TABLE.1.len()))
                        };
                        self.constant(constant)
                    }
                    ParamKind::Scalar if !callee.is_differentiated(i) => {
                        let value = format!("{:.2}", 0.25 * (1 + self.rng.below(6)) as f64);
                        self.number(&value)
                    }
                    ParamKind::Scalar => self.expr(budget - 1).text,
                    ParamKind::Slice => self.pick_local(LocalKind::Slice),
                    ParamKind::Array => self.pick_local(LocalKind::Array),
                });
            }
            // Over `T`, the callee's generic twin, `T` inferred or written.
            let name = match &mut self.generic {
                None => callee.name.clone(),
                Some((_, spell)) => {
                    let turbofish = if spell.chance(20) { "::<T>" } else { "" };
                    format!("{}_g{turbofish}", callee.name)
                }
            };
            return Expr { text: format!("{name}({})", args.join(", ")), typed: true };
        }
        let a = self.expr(budget - 1).text;
        let text = match self.rng.below(6) {
            0 | 1 => format!("{}({a})", self.runtime("sigmoid")),
            2 => format!("{}({a})", self.runtime("softplus")),
            3 => format!("{}({a})", self.runtime("tanh")),
            4 => format!("{}({a}, {})", self.runtime("squared_error"), self.expr(budget - 1).text),
            _ => format!("{}({a}, {})", self.runtime("leaky_relu"), self.number("0.1")),
        };
        Expr { text, typed: true }
    }

    /// An iterator reduction over a slice or array parameter.
    fn reduction(&mut self, budget: usize) -> Expr {
        let sequences = self.sequences();
        if sequences.is_empty() {
            return self.unary(budget);
        }
        let sequence = self.rng.pick(&sequences).text.clone();
        let source = match self.rng.below(4) {
            0 => format!("{sequence}[1..].iter()"),
            _ => format!("{sequence}.iter()"),
        };
        let element = self.fresh("w");
        let by_ref = self.rng.chance(50);
        let (pattern, text) =
            if by_ref { (format!("&{element}"), element.clone()) } else { (element.clone(), format!("(*{element})")) };
        let closure_body = self.nested(|gen| {
            gen.bind(Local { text, kind: LocalKind::Float, mutable: false });
            gen.expr(budget - 1).text
        });
        // `num_traits::Float` has no `Sum` or `Product`: over `T`, a fold.
        let generic = self.generic.is_some();
        let text = match self.rng.below(4) {
            0 if generic => {
                format!("{source}.map(|{pattern}| {closure_body}).fold({}, |sum, term| sum + term)", self.number("0.0"))
            }
            0 => format!("{source}.map(|{pattern}| {closure_body}).sum::<f64>()"),
            1 => {
                let acc = self.fresh("acc");
                let step = self.nested(|gen| {
                    gen.bind(Local { text: acc.clone(), kind: LocalKind::Float, mutable: false });
                    gen.bind(Local {
                        text: if by_ref { element.clone() } else { format!("(*{element})") },
                        kind: LocalKind::Float,
                        mutable: false,
                    });
                    gen.expr(budget - 1).text
                });
                let combine = if self.rng.chance(50) { "+" } else { "*" };
                let step = if combine == "*" { format!("{}::cos({step})", self.float()) } else { step };
                let start = if generic { self.number("0.5") } else { "0.5f64".to_owned() };
                format!("{source}.fold({start}, |{acc}, {pattern}| {acc} {combine} {step})")
            }
            2 if generic => format!("{source}.fold({}, |sum, &term| sum + term)", self.number("0.0")),
            2 => format!("{source}.sum::<f64>()"),
            _ if generic => format!(
                "{source}.map(|{pattern}| {closure_body}).fold({}, |product, term| product * term)",
                self.number("1.0")
            ),
            _ => format!("{source}.map(|{pattern}| {closure_body}).product::<f64>()"),
        };
        Expr { text: format!("({text})"), typed: true }
    }

    /// A condition on floats (or on a counter).
    fn condition(&mut self) -> String {
        let a = self.expr(1).text;
        let b = self.expr(1).text;
        let op = *self.rng.pick(&[">", "<", ">=", "<="]);
        let simple = format!("{a} {op} {b}");
        match self.rng.below(6) {
            0 => format!("!({simple})"),
            1 => format!("{simple} && {} > {}", self.expr(1).text, self.number("0.0")),
            2 => format!("{simple} || {} < {}", self.expr(1).text, self.number("0.2")),
            _ => simple,
        }
    }

    // ---- statements ----

    fn statement(&mut self) -> String {
        let nested_ok = self.depth < MAX_DEPTH;
        let in_loop = !self.loops.is_empty();
        loop {
            let choice = self.rng.below(20);
            let text = match choice {
                0..=3 => self.let_statement(),
                4..=6 => match self.assignment() {
                    Some(text) => text,
                    None => continue,
                },
                7 if nested_ok => self.if_statement(),
                8 => self.if_expression(),
                9 if nested_ok => self.for_range(),
                10 if nested_ok => self.for_slice(),
                11 if nested_ok => self.while_loop(),
                12 if nested_ok => self.loop_statement(),
                13 if nested_ok => self.valued_loop(),
                14 if in_loop => self.escape(),
                15 => self.block_statement(),
                16 => match self.collect_statement() {
                    Some(text) => text,
                    None => continue,
                },
                17 => match self.push_statement() {
                    Some(text) => text,
                    None => continue,
                },
                18 => match self.iter_mut_statement() {
                    Some(text) => text,
                    None => continue,
                },
                19 => self.tuple_match(),
                _ => continue,
            };
            return text;
        }
    }

    fn let_statement(&mut self) -> String {
        let name = self.fresh("t");
        let e = self.expr(3);
        let mutable = self.rng.chance(50);
        let annotate = !e.typed || self.rng.chance(20);
        let ty = if annotate { format!(": {}", self.float()) } else { String::new() };
        let mutability = if mutable { "mut " } else { "" };
        let text = format!("{}let {mutability}{name}{ty} = {};\n", self.indent(), e.text);
        self.bind(Local { text: name, kind: LocalKind::Float, mutable });
        text
    }

    fn assignment(&mut self) -> Option<String> {
        let targets = self.mutable_floats();
        if targets.is_empty() {
            return None;
        }
        let target = self.rng.pick(&targets).text.clone();
        let e = self.expr(2);
        let text = match self.rng.below(5) {
            0 => format!("{target} = {};", e.text),
            1 => self.compound(&target, "+", &e.text),
            2 => self.compound(&target, "-", &e.text),
            // Bounded factors, so loops do not overflow.
            3 => {
                let factor = self.method(&e, "cos", &[]).text;
                self.compound(&target, "*", &factor)
            }
            _ => format!("{target} = {target} * {} + {};", self.method(&e, "tanh", &[]).text, self.expr(1).text),
        };
        Some(format!("{}{text}\n", self.indent()))
    }

    fn block(&mut self, statements: usize) -> String {
        let mut text = String::from("{\n");
        self.nested(|gen| {
            for _ in 0..statements {
                text += &gen.statement();
            }
        });
        text += &format!("{}}}", self.indent());
        text
    }

    fn if_statement(&mut self) -> String {
        let cond = self.condition();
        let then_size = 1 + self.rng.below(2);
        let then = self.block(then_size);
        let els = if self.rng.chance(50) {
            let else_size = 1 + self.rng.below(2);
            format!(" else {}", self.block(else_size))
        } else {
            String::new()
        };
        format!("{}if {cond} {then}{els}\n", self.indent())
    }

    fn if_expression(&mut self) -> String {
        let name = self.fresh("t");
        let cond = self.condition();
        let a = self.expr(2);
        let b = self.expr(2);
        let ty = if a.typed || b.typed { String::new() } else { format!(": {}", self.float()) };
        let text = format!("{}let {name}{ty} = if {cond} {{ {} }} else {{ {} }};\n", self.indent(), a.text, b.text);
        self.bind(Local { text: name, kind: LocalKind::Float, mutable: false });
        text
    }

    /// `let v: Vec<f64> = s.iter().map(|&w| e).collect();` (or `Vec<_>`,
    /// or a turbofish), a new vector of `LEN` elements.
    fn collect_statement(&mut self) -> Option<String> {
        let sequences = self.sequences();
        if sequences.is_empty() {
            return None;
        }
        let source = self.rng.pick(&sequences).text.clone();
        let name = self.fresh("v");
        let element = self.fresh("w");
        let item = self.nested(|gen| {
            gen.bind(Local { text: element.clone(), kind: LocalKind::Float, mutable: false });
            gen.expr(2).text
        });
        let text = match self.rng.below(3) {
            0 => format!("let mut {name}: Vec<{}> = {source}.iter().map(|&{element}| {item}).collect();", self.float()),
            // `Vec<_>`: the item is one the macro can tell is a float.
            1 => {
                let item = self.float_of(&element);
                format!("let mut {name}: Vec<_> = {source}.iter().map(|&{element}| {item}).collect();")
            }
            _ => {
                format!("let mut {name} = {source}.iter().map(|&{element}| {item}).collect::<Vec<{}>>();", self.float())
            }
        };
        self.bind(Local { text: name, kind: LocalKind::Vector, mutable: true });
        Some(format!("{}{text}\n", self.indent()))
    }

    /// `let mut v = Vec::new(); for &w in s.iter() { v.push(e); }`, typed or
    /// not: a new vector of `LEN` elements.
    fn push_statement(&mut self) -> Option<String> {
        let sequences = self.sequences();
        if sequences.is_empty() {
            return None;
        }
        let source = self.rng.pick(&sequences).text.clone();
        let name = self.fresh("v");
        let element = self.fresh("w");
        let item = self.nested(|gen| {
            gen.bind(Local { text: element.clone(), kind: LocalKind::Float, mutable: false });
            gen.expr(2).text
        });
        // Untyped, the first push must be a value the macro can tell is a float.
        let (declaration, item) = match self.rng.below(3) {
            0 => (format!("let mut {name} = Vec::new();"), self.float_of(&element)),
            1 => (format!("let mut {name} = Vec::with_capacity({LEN});"), self.float_of(&element)),
            _ => (format!("let mut {name}: Vec<{}> = Vec::new();", self.float()), item),
        };
        let indent = self.indent();
        let text =
            format!("{indent}{declaration}\n{indent}for &{element} in {source}.iter() {{ {name}.push({item}); }}\n");
        self.bind(Local { text: name, kind: LocalKind::Vector, mutable: true });
        Some(text)
    }

    /// Writes a local vector through `iter_mut`, alone or zipped with
    /// another sequence (never itself, which Rust would not borrow twice).
    fn iter_mut_statement(&mut self) -> Option<String> {
        let vectors = self.locals(LocalKind::Vector);
        // Outside loops: a loop may be iterating the vector, borrowed.
        if vectors.is_empty() || !self.loops.is_empty() {
            return None;
        }
        let vector = self.rng.pick(&vectors).text.clone();
        let others: Vec<Local> = self.sequences().into_iter().filter(|local| local.text != vector).collect();
        // The factor is computed before the loop: it may read the vector,
        // which the loop borrows.
        let inner = self.expr(1);
        let value = self.method(&inner, "cos", &[]).text;
        let factor = self.fresh("f");
        let indent = self.indent();
        let out = self.fresh("o");
        let text = match (others.is_empty(), self.rng.below(3)) {
            (false, 0) => {
                let other = self.rng.pick(&others).text.clone();
                let element = self.fresh("w");
                format!("for ({out}, &{element}) in {vector}.iter_mut().zip({other}.iter()) {{ *{out} = *{out} * {factor} + {element}; }}")
            }
            (_, 1) => {
                let step = self.compound(&format!("*{out}"), "*", &factor);
                format!("{vector}.iter_mut().for_each(|{out}| {});", step.trim_end_matches(';'))
            }
            _ => format!("for {out} in {vector}.iter_mut() {{ {} }}", self.compound(&format!("*{out}"), "+", &factor)),
        };
        Some(format!("{indent}let {factor}: {} = {value};\n{indent}{text}\n", self.float()))
    }

    /// A float of the element `w` whose type the macro sees (no call): what
    /// an untyped vector's first push may be.
    fn float_of(&mut self, element: &str) -> String {
        let c = self.literal().text;
        match self.rng.below(3) {
            0 => format!("{element} * {c}"),
            1 => format!("({element} * {element} + {c}).sqrt()"),
            _ => format!("{element}.sin() * {c}"),
        }
    }

    /// `let t = match (c1, c2) { (true, true) => a, (true, false) => b, _ => c };`
    fn tuple_match(&mut self) -> String {
        let name = self.fresh("t");
        let (first, second) = (self.condition(), self.condition());
        let (a, b, c) = (self.expr(2).text, self.expr(2).text, self.expr(2).text);
        let last = if self.rng.chance(50) { "_" } else { "(false, _)" };
        let text = format!(
            "{}let {name}: {} = match ({first}, {second}) {{ (true, true) => {a}, (true, false) => {b}, {last} => {c} }};\n",
            self.indent(),
            self.float()
        );
        self.bind(Local { text: name, kind: LocalKind::Float, mutable: false });
        text
    }

    fn block_statement(&mut self) -> String {
        let name = self.fresh("t");
        let inner = self.nested(|gen| {
            let statement = gen.let_statement();
            let value = gen.expr(2).text;
            format!("{{ {} {value} }}", statement.trim())
        });
        let text = format!("{}let {name}: {} = {inner};\n", self.indent(), self.float());
        self.bind(Local { text: name, kind: LocalKind::Float, mutable: false });
        text
    }

    fn loop_body(&mut self, kind: LoopKind, bind: Vec<Local>, prefix: &str) -> String {
        self.loops.push(kind);
        let statements = 1 + self.rng.below(3);
        let mut text = String::from("{\n");
        self.nested(|gen| {
            for local in bind {
                gen.bind(local);
            }
            if !prefix.is_empty() {
                text += &format!("{}{prefix}\n", gen.indent());
            }
            for _ in 0..statements {
                text += &gen.statement();
            }
        });
        self.loops.pop();
        text += &format!("{}}}", self.indent());
        text
    }

    fn for_range(&mut self) -> String {
        let index = self.fresh("i");
        let sequences = self.sequences();
        let hi = match (sequences.is_empty(), self.rng.below(3)) {
            (false, 0) => format!("{}.len()", self.rng.pick(&sequences).text),
            _ => LEN.to_string(),
        };
        let lo = if self.rng.chance(30) { "1" } else { "0" };
        let range = match self.rng.below(5) {
            0 => format!("({lo}..{hi}).rev()"),
            1 => format!("({lo}..{hi}).step_by(2)"),
            _ => format!("{lo}..{hi}"),
        };
        let local = Local { text: index.clone(), kind: LocalKind::Index, mutable: false };
        let body = self.loop_body(LoopKind::Plain, vec![local], "");
        format!("{}for {index} in {range} {body}\n", self.indent())
    }

    fn for_slice(&mut self) -> String {
        let sequences = self.sequences();
        if sequences.is_empty() {
            return self.for_range();
        }
        let sequence = self.rng.pick(&sequences).text.clone();
        let element = self.fresh("w");
        let float = Local { text: element.clone(), kind: LocalKind::Float, mutable: false };
        match self.rng.below(4) {
            0 => {
                let index = self.fresh("j");
                let int = Local { text: index.clone(), kind: LocalKind::Index, mutable: false };
                let body = self.loop_body(LoopKind::Plain, vec![float, int], "");
                format!("{}for ({index}, &{element}) in {sequence}.iter().enumerate() {body}\n", self.indent())
            }
            1 => {
                let body = self.loop_body(LoopKind::Plain, vec![float], "");
                format!("{}for &{element} in {sequence}.iter().rev() {body}\n", self.indent())
            }
            2 => {
                let body = self.loop_body(LoopKind::Plain, vec![float], "");
                format!("{}for &{element} in &{sequence}[1..] {body}\n", self.indent())
            }
            _ => {
                let body = self.loop_body(LoopKind::Plain, vec![float], "");
                format!("{}for &{element} in {sequence}.iter() {body}\n", self.indent())
            }
        }
    }

    /// A `while` whose counter goes up first, so `continue` cannot skip it.
    fn while_loop(&mut self) -> String {
        let counter = self.fresh("k");
        let bound = 1 + self.rng.below(4);
        let int = Local { text: counter.clone(), kind: LocalKind::Counter, mutable: false };
        let extra = if self.rng.chance(30) { format!(" && ({})", self.condition()) } else { String::new() };
        let body = self.loop_body(LoopKind::Plain, vec![int], &format!("{counter} += 1;"));
        let indent = self.indent();
        format!("{indent}let mut {counter} = 0usize;\n{indent}while {counter} < {bound}{extra} {body}\n")
    }

    fn loop_statement(&mut self) -> String {
        let counter = self.fresh("k");
        let bound = 1 + self.rng.below(4);
        let int = Local { text: counter.clone(), kind: LocalKind::Counter, mutable: false };
        // The exit comes first, so a `continue` cannot skip it.
        let exit = format!("{counter} += 1; if {counter} > {bound} {{ break; }}");
        let body = self.loop_body(LoopKind::Plain, vec![int], &exit);
        let indent = self.indent();
        format!("{indent}let mut {counter} = 0usize;\n{indent}loop {body}\n")
    }

    /// `let t = loop { .. break value; };`
    fn valued_loop(&mut self) -> String {
        let counter = self.fresh("k");
        let name = self.fresh("t");
        let bound = 1 + self.rng.below(4);
        let int = Local { text: counter.clone(), kind: LocalKind::Counter, mutable: false };
        let value = self.expr(2).text;
        let exit = format!("{counter} += 1; if {counter} > {bound} {{ break {value}; }}");
        let body = self.loop_body(LoopKind::Valued, vec![int], &exit);
        let indent = self.indent();
        let text =
            format!("{indent}let mut {counter} = 0usize;\n{indent}let {name}: {} = loop {body};\n", self.float());
        self.bind(Local { text: name, kind: LocalKind::Float, mutable: false });
        text
    }

    /// `break`, `continue` or `return` under a condition, inside a loop.
    fn escape(&mut self) -> String {
        let cond = self.condition();
        let kind = *self.loops.last().expect("inside a loop");
        let action = match self.rng.below(3) {
            0 if kind == LoopKind::Plain => "break;".to_owned(),
            0 => format!("break {};", self.expr(2).text),
            1 => "continue;".to_owned(),
            _ => format!("return {};", self.expr(2).text),
        };
        format!("{}if {cond} {{ {action} }}\n", self.indent())
    }

    /// The value: a sum of a few floats in scope, so most of them matter.
    fn result(&mut self) -> Expr {
        let floats = self.locals(LocalKind::Float);
        let mut terms = Vec::new();
        for local in floats.iter().rev().take(3) {
            terms.push(local.text.clone());
        }
        terms.push(self.expr(2).text);
        Expr { text: terms.join(" + "), typed: true }
    }
}

fn is_plain_name(text: &str) -> bool {
    text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}
