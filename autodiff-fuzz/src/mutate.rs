//! Mutations of `#[grad]` functions at the AST and token level: operators
//! swapped, statements duplicated, deleted, reordered and wrapped in
//! branches, loops, closures and blocks, types and literal suffixes
//! changed, names made raw or made to look like the macro's own, and
//! constructs outside the supported subset inserted. The result need not
//! compile; the macro must still answer it without a panic.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::{format_ident, quote, ToTokens};
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{parse_quote, Block, Expr, ItemFn, Stmt};

use crate::grammar::Rng;

/// `#[grad(args)] item`, mutated one to three times; `donors` give
/// statements to splice in.
pub fn mutate(args: &TokenStream, item: &ItemFn, donors: &[ItemFn], rng: &mut Rng) -> (TokenStream, TokenStream) {
    let mut args = args.clone();
    let mut item = item.clone();
    for _ in 0..1 + rng.below(3) {
        match rng.below(20) {
            0..=2 => swap_operator(&mut item, rng),
            3..=5 => replace_expression(&mut item, rng),
            6..=7 => wrap_expression(&mut item, rng),
            8..=10 => edit_statements(&mut item, rng),
            11 => insert_statement(&mut item, rng),
            12 => splice(&mut item, donors, rng),
            13 => change_types(&mut item, rng),
            14 => rename(&mut item, rng),
            15 => args = mutate_args(&item, rng),
            16 => mutate_signature(&mut item, rng),
            17 => change_literals(&mut item, rng),
            _ => loop_patterns(&mut item, rng),
        }
    }
    let mut tokens = item.into_token_stream();
    if rng.chance(8) {
        tokens = mutate_tokens(tokens, rng);
    }
    (args, tokens)
}

// ---- expressions ----

/// How many expressions `item` has.
fn count_exprs(item: &ItemFn) -> usize {
    struct Count(usize);
    impl Visit<'_> for Count {
        fn visit_expr(&mut self, expr: &Expr) {
            self.0 += 1;
            syn::visit::visit_expr(self, expr);
        }
        // Attributes (`#[doc = ".."]`) are copied to the generated
        // functions as they are: not mutated.
        fn visit_attribute(&mut self, _: &syn::Attribute) {}
    }
    let mut count = Count(0);
    count.visit_item_fn(item);
    count.0
}

/// Applies `edit` to the `n`-th expression (pre-order) of `item`.
fn edit_nth_expr(item: &mut ItemFn, n: usize, edit: &mut dyn FnMut(&mut Expr)) {
    struct Nth<'a> {
        left: usize,
        edit: &'a mut dyn FnMut(&mut Expr),
    }
    impl VisitMut for Nth<'_> {
        fn visit_expr_mut(&mut self, expr: &mut Expr) {
            if self.left == 0 {
                (self.edit)(expr);
                self.left = usize::MAX;
                return;
            }
            if self.left == usize::MAX {
                return;
            }
            self.left -= 1;
            syn::visit_mut::visit_expr_mut(self, expr);
        }
        fn visit_attribute_mut(&mut self, _: &mut syn::Attribute) {}
    }
    Nth { left: n, edit }.visit_item_fn_mut(item);
}

/// A random expression of `item`, cloned.
fn some_expr(item: &ItemFn, rng: &mut Rng) -> Option<Expr> {
    let count = count_exprs(item);
    if count == 0 {
        return None;
    }
    let mut found = None;
    edit_nth_expr(&mut item.clone(), rng.below(count), &mut |expr| found = Some(expr.clone()));
    found
}

fn swap_operator(item: &mut ItemFn, rng: &mut Rng) {
    struct Swap<'a> {
        rng: &'a mut Rng,
    }
    impl VisitMut for Swap<'_> {
        fn visit_bin_op_mut(&mut self, op: &mut syn::BinOp) {
            if self.rng.chance(30) {
                let ops: [syn::BinOp; 14] = [
                    parse_quote!(+),
                    parse_quote!(-),
                    parse_quote!(*),
                    parse_quote!(/),
                    parse_quote!(%),
                    parse_quote!(<),
                    parse_quote!(>=),
                    parse_quote!(==),
                    parse_quote!(&&),
                    parse_quote!(||),
                    parse_quote!(+=),
                    parse_quote!(*=),
                    parse_quote!(&),
                    parse_quote!(<<),
                ];
                *op = *self.rng.pick(&ops);
            }
        }
    }
    Swap { rng }.visit_item_fn_mut(item);
}

/// Something to put where an expression was: values, escapes, and
/// constructs outside the supported subset.
fn replacement(item: &ItemFn, rng: &mut Rng) -> Expr {
    let x = first_param(item);
    let options: Vec<Expr> = vec![
        parse_quote!(0.0),
        parse_quote!(1),
        parse_quote!(2.5f32),
        parse_quote!(1e308),
        parse_quote!(f64::NAN),
        parse_quote!(#x),
        parse_quote!(return #x),
        parse_quote!(break),
        parse_quote!(continue),
        parse_quote!(#x as usize),
        parse_quote!(match #x { _ => #x }),
        parse_quote!(unsafe { #x }),
        parse_quote!((#x, #x).0),
        parse_quote!(|| #x),
        parse_quote!(async { #x }),
        parse_quote!(#x?),
        parse_quote!(S { a: #x }.a),
        parse_quote!(if let Some(z) = Some(#x) { z } else { #x }),
        parse_quote!('a: loop { break 'a #x; }),
        parse_quote!(println!("{}", #x)),
        parse_quote!(&mut #x),
        parse_quote!(#x.iter().filter(|v| true).sum::<f64>()),
        parse_quote!(<f64>::exp(#x)),
        parse_quote!(std::primitive::f64::exp(#x)),
        parse_quote!(#x.iter().map(|v| { if *v > 0.0 { return 1.0; } v * v }).sum::<f64>()),
        parse_quote!(loop { break #x * #x; }),
        parse_quote!(autodiff::sigmoid(#x).powi(2)),
        parse_quote!(autodiff::softmax_cross_entropy(&[#x, 0.5], 0)),
        parse_quote!(#x[0]),
        parse_quote!(#x.len()),
        parse_quote!(#x.0),
        parse_quote!(#x.unknown_method()),
        parse_quote!(vec![#x; 2][1]),
        parse_quote!([#x; 3]),
        parse_quote!(*#x),
        parse_quote!(#x.clone()),
        parse_quote!(()),
        parse_quote!(todo!()),
    ];
    rng.pick(&options).clone()
}

fn first_param(item: &ItemFn) -> syn::Ident {
    item.sig
        .inputs
        .iter()
        .find_map(|input| match input {
            syn::FnArg::Typed(pat) => match &*pat.pat {
                syn::Pat::Ident(ident) => Some(ident.ident.clone()),
                _ => None,
            },
            syn::FnArg::Receiver(_) => None,
        })
        .unwrap_or_else(|| format_ident!("x"))
}

fn replace_expression(item: &mut ItemFn, rng: &mut Rng) {
    let count = count_exprs(item);
    if count == 0 {
        return;
    }
    // Half the time another expression of the same function.
    let new = match rng.chance(50).then(|| some_expr(item, rng)).flatten() {
        Some(expr) => expr,
        None => replacement(item, rng),
    };
    edit_nth_expr(item, rng.below(count), &mut |expr| *expr = new.clone());
}

fn wrap_expression(item: &mut ItemFn, rng: &mut Rng) {
    let count = count_exprs(item);
    if count == 0 {
        return;
    }
    let choice = rng.below(12);
    edit_nth_expr(item, rng.below(count), &mut |expr| {
        let e = expr.clone();
        let wrapped = match choice {
            0 => quote!((#e).powi(2)),
            1 => quote!(f64::powi(#e, 2)),
            2 => quote!(-(#e)),
            3 => quote!({ #e }),
            4 => quote!(if true { #e } else { #e }),
            5 => quote!((|| #e)()),
            6 => quote!(loop { break #e; }),
            7 => quote!(#e as f32 as f64),
            8 => quote!(#e as std::primitive::f64),
            9 => quote!((#e).sqrt()),
            10 => quote!(&#e),
            _ => quote!((#e, 1.0).0),
        };
        if let Ok(wrapped) = syn::parse2::<Expr>(wrapped) {
            *expr = wrapped;
        }
    });
}

// ---- statements ----

/// Applies `edit` to the statements of the `n`-th block of `item`.
fn edit_nth_block(item: &mut ItemFn, n: usize, edit: &mut dyn FnMut(&mut Vec<Stmt>)) {
    struct Nth<'a> {
        left: usize,
        edit: &'a mut dyn FnMut(&mut Vec<Stmt>),
    }
    impl VisitMut for Nth<'_> {
        fn visit_block_mut(&mut self, block: &mut Block) {
            if self.left == usize::MAX {
                return;
            }
            if self.left == 0 {
                (self.edit)(&mut block.stmts);
                self.left = usize::MAX;
                return;
            }
            self.left -= 1;
            syn::visit_mut::visit_block_mut(self, block);
        }
    }
    Nth { left: n, edit }.visit_item_fn_mut(item);
}

fn count_blocks(item: &ItemFn) -> usize {
    struct Count(usize);
    impl Visit<'_> for Count {
        fn visit_block(&mut self, block: &Block) {
            self.0 += 1;
            syn::visit::visit_block(self, block);
        }
    }
    let mut count = Count(0);
    count.visit_item_fn(item);
    count.0
}

fn edit_statements(item: &mut ItemFn, rng: &mut Rng) {
    let blocks = count_blocks(item);
    let x = first_param(item);
    let choice = rng.below(9);
    let mut pick = Rng::new(rng.next_u64());
    edit_nth_block(item, rng.below(blocks), &mut |stmts| {
        if stmts.is_empty() {
            return;
        }
        let i = pick.below(stmts.len());
        match choice {
            0 => {
                stmts.remove(i);
            }
            1 => {
                let copy = stmts[i].clone();
                stmts.insert(i, copy);
            }
            2 if i + 1 < stmts.len() => stmts.swap(i, i + 1),
            _ => {
                // A trailing expression keeps its value when wrapped as a block's tail.
                let s = &stmts[i];
                let wrapped = match choice {
                    3 => quote!(if #x > 0.0 { #s }),
                    4 => quote!(for _ in 0..2 { #s }),
                    5 => quote!({ #s }),
                    6 => quote!(loop { #s break; }),
                    7 => quote!(let _ = || { #s };),
                    _ => quote!(while false { #s }),
                };
                // A tail expression followed by `break` does not parse: left as is.
                let Ok(wrapped) = syn::parse2::<Stmt>(wrapped) else { return };
                stmts[i] = wrapped;
            }
        }
    });
}

fn insert_statement(item: &mut ItemFn, rng: &mut Rng) {
    let x = first_param(item);
    let shadow = format_ident!("d_{}", x);
    let options: Vec<Stmt> = vec![
        parse_quote!(
            const K: f64 = 2.0;
        ),
        parse_quote!(
            type Real = f64;
        ),
        parse_quote!(let mut #shadow = [0.0; 3];),
        parse_quote!(let mut #shadow = 0.0;),
        parse_quote!(return #x;),
        parse_quote!(
            fn inner(y: f64) -> f64 {
                y
            }
        ),
        parse_quote!(let y: Real = #x * #x;),
        parse_quote!(let __ret = 1.0;),
        parse_quote!(let seed = 2.0;),
        parse_quote!(let __bar_x = 1.0;),
        parse_quote!(let mut r#p = 1.0;),
        parse_quote!(let [a, b] = [#x, #x];),
        parse_quote!(let (a, b) = (#x, #x);),
        parse_quote!(#x;),
        parse_quote!(unsafe {}),
        parse_quote!(let v = vec![#x];),
        parse_quote!(let r = #x.sqrt();),
        parse_quote!(if #x <= 0.0 { return #x * #x; }),
    ];
    let stmt = rng.pick(&options).clone();
    let blocks = count_blocks(item);
    let mut pick = Rng::new(rng.next_u64());
    edit_nth_block(item, rng.below(blocks), &mut |stmts| {
        let at = pick.below(stmts.len() + 1);
        stmts.insert(at, stmt.clone());
    });
}

/// A statement of another function, put into this one.
fn splice(item: &mut ItemFn, donors: &[ItemFn], rng: &mut Rng) {
    if donors.is_empty() {
        return;
    }
    let donor = rng.pick(donors);
    if donor.block.stmts.is_empty() {
        return;
    }
    let stmt = rng.pick(&donor.block.stmts).clone();
    let at = rng.below(item.block.stmts.len() + 1);
    item.block.stmts.insert(at, stmt);
}

// ---- types, names, literals ----

fn change_types(item: &mut ItemFn, rng: &mut Rng) {
    struct Types<'a> {
        rng: &'a mut Rng,
    }
    impl VisitMut for Types<'_> {
        fn visit_type_mut(&mut self, ty: &mut syn::Type) {
            let is_float =
                matches!(ty, syn::Type::Path(path) if path.path.is_ident("f64") || path.path.is_ident("f32"));
            if is_float && self.rng.chance(40) {
                let options: [syn::Type; 13] = [
                    parse_quote!(f32),
                    parse_quote!(f64),
                    parse_quote!(Real),
                    parse_quote!(std::primitive::f64),
                    parse_quote!(core::primitive::f32),
                    parse_quote!(i32),
                    parse_quote!(usize),
                    parse_quote!(&f64),
                    parse_quote!(&mut f64),
                    parse_quote!(Vec<f64>),
                    parse_quote!([f64; 2]),
                    parse_quote!(T),
                    parse_quote!(bool),
                ];
                *ty = self.rng.pick(&options).clone();
                return;
            }
            syn::visit_mut::visit_type_mut(self, ty);
        }
    }
    Types { rng }.visit_item_fn_mut(item);
}

fn change_literals(item: &mut ItemFn, rng: &mut Rng) {
    struct Literals<'a> {
        rng: &'a mut Rng,
    }
    impl VisitMut for Literals<'_> {
        fn visit_lit_mut(&mut self, lit: &mut syn::Lit) {
            if !self.rng.chance(40) {
                return;
            }
            let digits = match lit {
                syn::Lit::Float(float) => float.base10_digits().to_owned(),
                syn::Lit::Int(int) => int.base10_digits().to_owned(),
                _ => return,
            };
            let suffix = *self.rng.pick(&["", "f32", "f64", "_f64", "usize", "i32", "u8"]);
            let integral = digits.trim_end_matches(".0");
            let text = match suffix {
                "usize" | "i32" | "u8" if !integral.contains(['.', 'e']) => format!("{integral}{suffix}"),
                "usize" | "i32" | "u8" => digits,
                _ if digits.contains(['.', 'e']) => format!("{digits}{suffix}"),
                _ => format!("{digits}.0{suffix}"),
            };
            if let Ok(new) = syn::parse_str::<syn::Lit>(&text) {
                *lit = new;
            }
        }
    }
    Literals { rng }.visit_item_fn_mut(item);
}

/// Renames every occurrence of one identifier of the function.
fn rename(item: &mut ItemFn, rng: &mut Rng) {
    struct Idents(Vec<syn::Ident>);
    impl Visit<'_> for Idents {
        fn visit_pat_ident(&mut self, pat: &syn::PatIdent) {
            self.0.push(pat.ident.clone());
        }
    }
    let mut idents = Idents(Vec::new());
    idents.visit_item_fn(item);
    if idents.0.is_empty() {
        return;
    }
    let old = rng.pick(&idents.0).clone();
    let other = first_param(item).to_string().trim_start_matches("r#").to_owned();
    let raw = old.to_string().trim_start_matches("r#").to_owned();
    let candidates = [
        format!("r#{raw}"),
        format!("d_{other}"),
        "seed".to_owned(),
        "__ret".to_owned(),
        "__bar_x".to_owned(),
        "__t1".to_owned(),
        "r#loop".to_owned(),
        format!("{raw}_1"),
    ];
    let new = rng.pick(&candidates).clone();
    // Two bindings of one name in a parameter list do not compile.
    if idents.0.iter().any(|ident| *ident == new) {
        return;
    }
    struct Rename {
        old: syn::Ident,
        new: String,
    }
    impl VisitMut for Rename {
        fn visit_ident_mut(&mut self, ident: &mut syn::Ident) {
            if *ident == self.old {
                *ident = match self.new.strip_prefix("r#") {
                    Some(raw) => syn::Ident::new_raw(raw, ident.span()),
                    None => syn::Ident::new(&self.new, ident.span()),
                };
            }
        }
    }
    Rename { old, new }.visit_item_fn_mut(item);
}

fn mutate_args(item: &ItemFn, rng: &mut Rng) -> TokenStream {
    let x = first_param(item);
    let options: Vec<TokenStream> = vec![
        quote!(),
        quote!(wrt(#x)),
        quote!(wrt()),
        quote!(wrt(nonexistent)),
        quote!(wrt(#x, #x)),
        quote!(vjp = custom_vjp),
        quote!(vjp = my_vjp::<T>),
        quote!(forward),
        quote!(hessian),
        quote!(reverse),
        quote!(wrt(#x), forward),
        quote!(= 1),
        quote!(vjp),
    ];
    rng.pick(&options).clone()
}

fn mutate_signature(item: &mut ItemFn, rng: &mut Rng) {
    match rng.below(10) {
        0 => item.sig.generics = parse_quote!(<T>),
        1 => item.sig.constness = Some(Default::default()),
        2 => item.sig.unsafety = Some(Default::default()),
        3 => item.sig.asyncness = Some(Default::default()),
        4 => item.vis = parse_quote!(pub(crate)),
        5 => item.attrs.push(parse_quote!(#[test])),
        6 => item.attrs.push(parse_quote!(#[grad])),
        7 => item.attrs.push(parse_quote!(#[inline(always)])),
        8 => item.sig.output = parse_quote!(-> ()),
        _ => {
            if let Some(syn::FnArg::Typed(pat)) = item.sig.inputs.first_mut() {
                if let syn::Pat::Ident(ident) = &mut *pat.pat {
                    ident.mutability = Some(Default::default());
                }
            }
        }
    }
}

/// `for i in ..` → `for mut i in ..`, and closures' patterns by value.
fn loop_patterns(item: &mut ItemFn, rng: &mut Rng) {
    struct Patterns<'a> {
        rng: &'a mut Rng,
    }
    impl VisitMut for Patterns<'_> {
        fn visit_expr_for_loop_mut(&mut self, for_loop: &mut syn::ExprForLoop) {
            if let syn::Pat::Ident(ident) = &mut *for_loop.pat {
                if self.rng.chance(50) {
                    ident.mutability = Some(Default::default());
                    let name = ident.ident.clone();
                    for_loop.body.stmts.insert(0, parse_quote!(#name += 1;));
                }
            }
            syn::visit_mut::visit_expr_for_loop_mut(self, for_loop);
        }
    }
    Patterns { rng }.visit_item_fn_mut(item);
}

// ---- tokens ----

/// Deletes or duplicates one token tree somewhere in `tokens`.
fn mutate_tokens(tokens: TokenStream, rng: &mut Rng) -> TokenStream {
    let mut trees: Vec<TokenTree> = tokens.into_iter().collect();
    if trees.is_empty() {
        return TokenStream::new();
    }
    let i = rng.below(trees.len());
    match (&trees[i], rng.below(3)) {
        (TokenTree::Group(group), 0) if group.delimiter() != Delimiter::None => {
            let inner = mutate_tokens(group.stream(), rng);
            let mut new = Group::new(group.delimiter(), inner);
            new.set_span(group.span());
            trees[i] = TokenTree::Group(new);
        }
        (_, 1) => {
            trees.remove(i);
        }
        _ => {
            let copy = trees[i].clone();
            trees.insert(i, copy);
        }
    }
    trees.into_iter().collect()
}
