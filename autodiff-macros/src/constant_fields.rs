//! The fields of a model that hold no float (`n_in: usize`, `on: bool`,
//! `sizes: Vec<usize>`), told from how the body uses them.
//!
//! `#[grad]` cannot see a model's struct, so it takes each field it reads
//! for floats. A field the body uses where Rust takes only an integer or a
//! `bool` is not one: a range bound (`0..m.n_in`), an index (`w[m.k]`), a
//! condition (`if m.on`), the exponent of `powi`, a typed `let` of an
//! integer (`let n: usize = m.n_in;`), arithmetic and comparisons with
//! integers (`m.n_in - 1`, `i < m.n_in`), or a `match` by an enum's
//! variant (`Act::Leaky(a)`, `ir::names_a_variant`), which holds no float
//! itself (what the "integers" below stand for: values of no float). Each of these fails to compile
//! for a float, so the evidence is sound: taking such a field for a
//! constant never drops a derivative. It is about the value so used, whose
//! path is kept whole (`m.layers[_].n`: every layer's `n`, and not its `w`). Evidence flows through copies and
//! arithmetic (`let n = m.n_in; for i in 0..n`) until nothing changes.
//! Without evidence a field stays a float (`m.scale as f64` says nothing).
//!
//! Before: `__t1 = m.n_in` typed as a float, and `m.n_in` given an adjoint.
//! After: `m.n_in` in `Body::constant_fields`, read as a constant, and
//! `__t1` an integer.
//!
//! Lowering seeds the list with the parts of a model left out of `wrt`
//! whose methods the body calls (`let layer: &Layer = &m.layers[l];`):
//! constants too, passed to the methods' twins for a constant `self`.
//!
//! The same evidence decides what a `const` or `static` is when it is
//! passed by value to a `#[grad]` call (`step(s, DT)`), where the callee's
//! slots (a partial, a tangent) depend on whether it is a float: a name in
//! capitals is taken for a float constant unless the body uses it as an
//! integer (`0..N`, `[0.0; N]`, `x[K]`, `N - 1`). rustc checks the guess
//! (`guards::PassedAsFloat`, a typed `let` as the fix), so a wrong one
//! fails to compile and never changes a derivative: a constant has none.

use crate::ir::{
    walk, Arg, Block, Body, Const, FloatTy, Header, Op, Operand, Place, Proj, Rhs, Stmt, Ty, Var, VarKind,
};

/// Finds the model fields that hold no float, records them in
/// `body.constant_fields`, and types the values copied or computed from
/// them as integers; types the constants in capitals passed by value to
/// `#[grad]` calls, and not used as integers, as floats (`sig.float()`).
pub fn find(body: &mut Body, sig: &crate::signature::Signature) {
    let constants = written_non_floats(body, sig);
    let fields = std::mem::take(&mut body.constant_fields);
    let mut found = Integers { vars: vec![false; body.vars.len()], fields, constants, tables: Vec::new() };
    seed(body, &mut found);
    while spread(body, &mut found) {}
    for (i, is_integer) in found.vars.iter().enumerate() {
        let info = &mut body.vars[i];
        if *is_integer && info.ty.is_float() {
            info.ty = Ty::Other;
        }
    }
    type_float_constants(&mut body.block, &found.constants, sig.float());
    body.float_tables = float_tables(body, &found.tables);
    body.constant_fields = found.fields;
}

/// The constants whose type is written where the macro sees it, a `const`
/// or `static` of the body or a const generic parameter (`N` of `[f64;
/// N]`), of any type but a float or an array of them.
fn written_non_floats(body: &Body, sig: &crate::signature::Signature) -> Vec<String> {
    let mut names: Vec<String> = sig.item.sig.generics.const_params().map(|param| param.ident.to_string()).collect();
    for item in &body.items {
        let (ident, ty) = match item {
            syn::Item::Const(item) => (&item.ident, &*item.ty),
            syn::Item::Static(item) => (&item.ident, &*item.ty),
            _ => continue,
        };
        if !holds_floats_by_value(ty) {
            names.push(ident.to_string());
        }
    }
    names
}

/// `f64`, `f32`, `[f64; N]`, `[[f32; N]; M]`: what a callee takes with
/// float slots by value.
fn holds_floats_by_value(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Array(array) => holds_floats_by_value(&array.elem),
        syn::Type::Paren(paren) => holds_floats_by_value(&paren.elem),
        ty => crate::signature::float_ty(ty).is_some(),
    }
}

/// `step(s, DT)`: `DT` typed a float where nothing says it is an integer.
fn type_float_constants(block: &mut Block, integers: &[String], float: FloatTy) {
    for stmt in &mut block.stmts {
        match stmt {
            Stmt::Assign { rhs: Rhs::Call(_, args), .. } => {
                for arg in args {
                    if let Arg::Value(Operand::Const(constant)) = arg {
                        let known = integers.contains(&constant.tokens.to_string());
                        if constant.ty == Ty::Unknown && is_capital_name(constant) && !known {
                            constant.ty = Ty::Float(float);
                        }
                    }
                }
            }
            Stmt::If { then, els, .. } => {
                type_float_constants(then, integers, float);
                type_float_constants(els, integers, float);
            }
            Stmt::Loop(lp) => type_float_constants(&mut lp.body, integers, float),
            Stmt::Assign { .. } | Stmt::Store { .. } => {}
        }
    }
}

/// `sq(x, DATA[i])`: the `const` tables in capitals whose elements (or
/// rows: `W[1]`) the body only passes by value to calls, taken for tables
/// of floats, as a constant in capitals is (`type_float_constants`). A
/// table read any other way (`let r = W[0];`, `T[i] * 2.0`, `&T[..]`,
/// `PAIRS[i].0`, an index `x[IDX[i]]`) is left as it was: its elements'
/// type is what that use says, and a guess would have to hold there too
/// (review 24: a copy of a row typed as a float, an `f32` table read in
/// `f64` arithmetic). rustc checks the guess (`emit::gated_callee`).
fn float_tables(body: &Body, integers: &[Var]) -> Vec<Var> {
    let is_table = |var: Var| crate::ir::is_table(body.var(var));
    let mut passed = Vec::new();
    let mut read_otherwise = integers.to_vec();
    walk(&body.block, 0, &mut |stmt, _| {
        let arguments: Vec<&Place> = match stmt {
            Stmt::Assign { rhs: Rhs::Call(_, args), .. } => args
                .iter()
                .filter_map(|arg| match arg {
                    Arg::Value(Operand::Place(place)) => Some(&**place),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let by_value = |place: &Place| {
            arguments.iter().any(|argument| std::ptr::eq(*argument, place))
                && place.proj.iter().all(|proj| matches!(proj, Proj::Index(_)))
        };
        // (`for y in DATA` counts the table's elements first.)
        let length = matches!(stmt, Stmt::Assign { rhs: Rhs::Method(_, method, args), .. }
            if method == "len" && args.is_empty());
        for place in places(stmt) {
            if !is_table(place.var) {
                continue;
            }
            if by_value(place) {
                passed.push(place.var);
            } else if !(length && place.proj.is_empty()) {
                read_otherwise.push(place.var);
            }
        }
    });
    let mut tables: Vec<Var> = Vec::new();
    for table in passed {
        let named = table_path(body, table).is_some_and(|path| is_capital_name(&path));
        if named && !read_otherwise.contains(&table) && !tables.contains(&table) {
            tables.push(table);
        }
    }
    tables
}

/// `DATA` of a `const` table the body reads (`let __table_DATA = &DATA;`,
/// first in the body: `lower::bind_tables`).
fn table_path(body: &Body, table: Var) -> Option<Const> {
    body.block.stmts.iter().find_map(|stmt| match stmt {
        Stmt::Assign { dst, rhs: Rhs::Use(Operand::Const(reference)), .. } if *dst == table => {
            let path = reference.tokens.clone().into_iter().skip(1).collect();
            Some(Const { tokens: path, ty: Ty::Unknown })
        }
        _ => None,
    })
}

/// A constant `type_float_constants` took for a float (or an array of
/// floats): rustc checks it (`emit::gated_callee`), and its zero tangent
/// takes the callee's parameter's shape (`guards::zero_array`).
pub fn is_taken_for_a_float(constant: &Const) -> bool {
    let names_a_float = constant
        .tokens
        .clone()
        .into_iter()
        .any(|token| matches!(&token, proc_macro2::TokenTree::Ident(ident) if ident == "f64" || ident == "f32"));
    constant.ty.is_float() && !names_a_float && is_capital_name(constant)
}

/// A name bound to nothing in the body, written in capitals (`DT`,
/// `consts::G`, `Self::RATE`, negated: `-K`): a `const` or `static` by
/// Rust's naming convention, whose type the macro cannot see. (An enum's
/// variant or a unit struct is written in camel case; a variant of one
/// letter, `Axis::X`, is both, and is taken for a variant.)
pub fn is_capital_name(constant: &Const) -> bool {
    let mut tokens: Vec<proc_macro2::TokenTree> = constant.tokens.clone().into_iter().collect();
    if matches!(tokens.first(), Some(proc_macro2::TokenTree::Punct(minus)) if minus.as_char() == '-') {
        tokens.remove(0);
    }
    let Ok(path) = syn::parse2::<syn::Path>(tokens.into_iter().collect()) else { return false };
    let Some(last) = path.segments.last() else { return false };
    let name = crate::naming::name_of(&last.ident);
    let owner = path.segments.iter().rev().nth(1).map(|owner| crate::naming::name_of(&owner.ident));
    let camel_owner = owner.is_some_and(|owner| {
        owner != "Self"
            && owner.starts_with(|c: char| c.is_ascii_uppercase())
            && owner.chars().any(|c| c.is_ascii_lowercase())
    });
    path.segments.iter().all(|segment| segment.arguments.is_none())
        && name.chars().any(|c| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && !(camel_owner && name.len() == 1)
}

/// Values known to be integers (or `bool`s): variables, and model fields
/// named by their path (`m.sizes[_]` for `m.sizes[i]`).
struct Integers {
    vars: Vec<bool>,
    fields: Vec<Place>,
    /// Constants in capitals (`N`), by their text.
    constants: Vec<String>,
    /// `const` tables (`crate::ir::is_table`) an element of which is used
    /// as an integer (`x[IDX[i]]`): elements of one table have one type.
    tables: Vec<Var>,
}

impl Integers {
    /// Marks `operand` as an integer; whether that is news.
    fn mark(&mut self, body: &Body, operand: &Operand) -> bool {
        match operand {
            Operand::Var(var) if !self.vars[var.0] && may_be_integer(body, *var) => {
                self.vars[var.0] = true;
                true
            }
            Operand::Place(place) if crate::ir::is_table(body.var(place.var)) => {
                let news = !self.tables.contains(&place.var);
                if news {
                    self.tables.push(place.var);
                }
                news
            }
            Operand::Place(place) => match model_field(body, place) {
                Some(field) if !self.fields.iter().any(|known| same_field(known, &field)) => {
                    self.fields.push(field);
                    true
                }
                _ => false,
            },
            Operand::Const(constant) if constant.ty == Ty::Unknown && is_capital_name(constant) => {
                self.mark_constant(constant.tokens.to_string())
            }
            _ => false,
        }
    }

    fn mark_constant(&mut self, text: String) -> bool {
        if self.constants.contains(&text) {
            return false;
        }
        self.constants.push(text);
        true
    }

    fn holds(&self, body: &Body, operand: &Operand) -> bool {
        match operand {
            Operand::Var(var) => self.vars[var.0],
            Operand::Const(constant) => {
                (matches!(constant.ty, Ty::Other | Ty::Bool) && is_integer_literal(&constant.tokens))
                    || self.constants.contains(&constant.tokens.to_string())
            }
            Operand::Place(place) if crate::ir::is_table(body.var(place.var)) => self.tables.contains(&place.var),
            Operand::Place(place) => {
                model_field(body, place).is_some_and(|field| self.fields.iter().any(|known| same_field(known, &field)))
            }
        }
    }
}

/// Where Rust takes only an integer or a `bool`, and the variables whose
/// written type is one.
fn seed(body: &Body, found: &mut Integers) {
    for (i, info) in body.vars.iter().enumerate() {
        if info.declared.as_ref().is_some_and(is_integer_type) {
            found.vars[i] = true;
        }
    }
    walk(&body.block, 0, &mut |stmt, _| {
        let mut integers: Vec<&Operand> = Vec::new();
        for place in places(stmt) {
            for proj in &place.proj {
                if let Proj::Index(index) = proj {
                    integers.push(index);
                }
            }
        }
        match stmt {
            Stmt::Loop(lp) => {
                if let Header::Range { index, lo, hi, .. } = &lp.header {
                    found.vars[index.0] = true;
                    integers.extend([lo, hi]);
                }
            }
            Stmt::If { cond, .. } => integers.push(cond),
            Stmt::Assign { rhs: Rhs::Prim(Op::Powi | Op::Shl | Op::Shr, args), .. } => integers.push(&args[1]),
            // `match m.act { Act::Leaky(a) => .. }`: an enum, no float.
            Stmt::Assign { rhs: Rhs::Matches(value, pattern, _), .. } if crate::ir::names_a_variant(pattern) => {
                integers.push(value)
            }
            Stmt::Assign { rhs: Rhs::VecRepeat(_, len), .. } => integers.push(len),
            // `[0.0; N]`: an array's length.
            Stmt::Assign { rhs: Rhs::Repeat(_, len), .. } => {
                let constant = Const { tokens: len.clone(), ty: Ty::Unknown };
                if is_capital_name(&constant) {
                    found.mark_constant(constant.tokens.to_string());
                }
            }
            Stmt::Assign { rhs: Rhs::Call(_, args), .. } => {
                for arg in args {
                    if let Arg::Ref { range: Some(range), .. } = arg {
                        integers.extend(range.lo.iter().chain(&range.hi));
                    }
                }
            }
            _ => {}
        }
        for operand in integers {
            found.mark(body, operand);
        }
    });
}

/// One round of evidence through copies, arithmetic and comparisons, which
/// tie their operands to one type; whether anything was found.
fn spread(body: &Body, found: &mut Integers) -> bool {
    let mut changed = false;
    walk(&body.block, 0, &mut |stmt, _| {
        let Stmt::Assign { dst, rhs, .. } = stmt else { return };
        let dst = Operand::Var(*dst);
        let tied: Vec<&Operand> = match rhs {
            Rhs::Use(operand) => vec![&dst, operand],
            // Only operators: `max`, `min` and `abs` are methods of integers too,
            // but `powi`'s result is a float.
            Rhs::Prim(op, args) if op.is_comparison() => args.iter().collect(),
            Rhs::Prim(Op::Shl | Op::Shr, args) => vec![&dst, &args[0]],
            Rhs::Prim(op, args) if op.method_name().is_none() && !matches!(op, Op::ToFloat(_)) => {
                std::iter::once(&dst).chain(args).collect()
            }
            _ => return,
        };
        if tied.iter().any(|operand| found.holds(body, operand)) {
            for operand in tied {
                changed |= found.mark(body, operand);
            }
        }
    });
    changed
}

/// Whether `var` could hold an integer: not a float by its written type or
/// by being a parameter.
fn may_be_integer(body: &Body, var: Var) -> bool {
    let info = body.var(var);
    info.ty != Ty::Aggregate && info.kind != VarKind::Param && info.declared.as_ref().is_none_or(is_integer_type)
}

/// The model field `place` reads, as its path with any index standing for
/// all (`m.layers[_].n` for `m.layers[l].n`): a place of a struct whose
/// fields `#[grad]` cannot see. Elements of one array have one type, so
/// evidence about one is evidence about all; the path goes down to the
/// value itself, so that a sibling field (`m.layers[l].w`) stays apart.
pub fn model_field(body: &Body, place: &Place) -> Option<Place> {
    model_field_of(body.var(place.var), place)
}

/// `model_field`, given the information of the place's variable.
pub fn model_field_of(info: &crate::ir::VarInfo, place: &Place) -> Option<Place> {
    if info.ty != Ty::Aggregate || info.dims.is_some() || crate::ir::is_table(info) || place.proj.is_empty() {
        return None;
    }
    let any = || Operand::Const(crate::ir::Const { tokens: quote::quote!(_), ty: Ty::Other });
    let path = place
        .proj
        .iter()
        .map(|proj| match proj {
            Proj::Field(member) => Proj::Field(member.clone()),
            Proj::Index(_) => Proj::Index(any()),
        })
        .collect();
    Some(Place { var: place.var, proj: path })
}

fn same_field(a: &Place, b: &Place) -> bool {
    a.proj.len() == b.proj.len() && is_within(a, b)
}

/// Whether `field` (a path from `model_field`) starts `place`: the same
/// fields, any index where the path has one.
pub fn is_within(field: &Place, place: &Place) -> bool {
    field.var == place.var
        && field.proj.len() <= place.proj.len()
        && field.proj.iter().zip(&place.proj).all(|pair| match pair {
            (Proj::Field(a), Proj::Field(b)) => a == b,
            (Proj::Index(_), Proj::Index(_)) => true,
            _ => false,
        })
}

/// `usize`, `i32`, `bool`, ..: a type written as a primitive integer or `bool`.
fn is_integer_type(ty: &syn::Type) -> bool {
    crate::lower::is_integer_type(ty) || crate::lower::is_bool(ty)
}

/// An integer literal (`1`, `2usize`) or `true`/`false`.
fn is_integer_literal(tokens: &proc_macro2::TokenStream) -> bool {
    matches!(syn::parse2::<syn::Lit>(tokens.clone()), Ok(syn::Lit::Int(_) | syn::Lit::Bool(_)))
}

/// The places `stmt` reads or writes (not inside nested blocks).
fn places(stmt: &Stmt) -> Vec<&Place> {
    let operands: Vec<&Operand> = match stmt {
        Stmt::Assign { rhs, .. } => rhs.operands(),
        Stmt::Store { value, .. } => vec![value],
        Stmt::If { cond, .. } => vec![cond],
        Stmt::Loop(lp) => match &lp.header {
            Header::Range { lo, hi, .. } => vec![lo, hi],
            Header::Forever => Vec::new(),
        },
    };
    let mut places: Vec<&Place> = operands.into_iter().filter_map(Operand::place).collect();
    match stmt {
        Stmt::Store { place, .. } => places.push(place),
        Stmt::Assign { rhs: Rhs::Call(_, args), .. } => places.extend(args.iter().filter_map(|arg| match arg {
            Arg::Ref { place, .. } => Some(place),
            Arg::Value(_) => None,
        })),
        _ => {}
    }
    places
}
