//! The reverse sweep: builds the body of `NAME_vjp`.
//!
//! Before (IR of `j`):
//! ```text
//! v = mul(b, c)
//! u = add(a, v)
//! __ret = mul(3.0, u)
//! ```
//! After:
//! ```text
//! let v: f64 = b * c;                 // forward sweep: the primal, plus
//! let u: f64 = a + v;                 // saves of values it overwrites
//! let __ret: f64 = 3.0 * u;           // that the reverse sweep needs
//! let mut __bar_a: f64 = 0.0; ...     // one adjoint per active variable
//! let mut __bar_ret: f64 = seed;
//! __bar_u += __bar_ret * 3.0;         // reverse sweep: statements in
//! __bar_a += __bar_u;                 // reverse order, one accumulation
//! __bar_v += __bar_u;                 // per active operand, from the rule
//! __bar_b += __bar_v * c;             // table
//! __bar_c += __bar_v * b;
//! (__ret, __bar_a, __bar_b, __bar_c)
//! ```
//! An assignment that overwrote a value resets the adjoint of that value
//! and, if the value was saved, puts it back before the assignment's own
//! partials read their operands.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use crate::activity::Activity;
use crate::emit::{self, Holes};
use crate::ir::{AssignKind, Block, Body, FloatTy, Rhs, Stmt, Var, VarKind};
use crate::naming::{self, Namer};
use crate::rules::partials;

pub struct Sweeps {
    /// The statements of `NAME_vjp`, ending in its result.
    pub body: TokenStream,
}

/// `active_params`: the differentiated parameters, in the order their
/// partials are returned.
pub fn vjp_body(body: &Body, activity: &Activity, active_params: &[Var], seed: &Ident, namer: &mut Namer) -> Sweeps {
    let layout = Layout::new(body);
    let adjoints: Vec<Option<Ident>> = body
        .vars
        .iter()
        .enumerate()
        .map(|(i, info)| {
            let wanted = activity.is_active(Var(i)) || active_params.contains(&Var(i));
            wanted.then(|| namer.fresh(&naming::adjoint_base(&info.ident)))
        })
        .collect();
    let sweep = Sweep { body, activity, layout: &layout, adjoints: &adjoints };

    let items = &body.items;
    let declarations =
        body.vars.iter().enumerate().filter(|&(i, _)| layout.hoisted[i]).map(|(i, _)| emit::declaration(body, Var(i)));
    let forward = sweep.forward(&body.block);

    let ret = body.ret;
    let adjoint_declarations = adjoints.iter().enumerate().filter_map(|(i, adjoint)| {
        let adjoint = adjoint.as_ref()?;
        let ty = emit::float_type(emit::float_of(body, Var(i)));
        Some(if Var(i) == ret { quote!(let mut #adjoint: #ty = #seed;) } else { quote!(let mut #adjoint: #ty = 0.0;) })
    });
    let reverse = sweep.reverse(&body.block);

    let value = &body.var(ret).ident;
    let partials = active_params.iter().map(|param| &adjoints[param.0]);
    let result = if active_params.is_empty() { quote!(#value) } else { quote!((#value, #(#partials),*)) };
    Sweeps {
        body: quote! {
            #(#items)*
            #(#declarations)*
            #forward
            #(#adjoint_declarations)*
            #reverse
            #result
        },
    }
}

/// Where each variable is declared: in place (`let x = ..` at its only
/// definition, at the top level) or up front, because it is first assigned
/// inside a branch and read outside it.
struct Layout {
    hoisted: Vec<bool>,
    mutated: Vec<bool>,
}

impl Layout {
    fn new(body: &Body) -> Self {
        let count = body.vars.len();
        let mut inits = vec![0usize; count];
        let mut nested_init = vec![false; count];
        let mut mentioned = vec![false; count];
        let mut mutated = vec![false; count];
        crate::ir::walk(&body.block, 0, &mut |stmt, depth| match stmt {
            Stmt::Assign { dst, rhs, kind, save, .. } => {
                mentioned[dst.0] = true;
                for operand in rhs.operands() {
                    if let Some(var) = operand.var() {
                        mentioned[var.0] = true;
                    }
                }
                match kind {
                    AssignKind::Init => {
                        inits[dst.0] += 1;
                        nested_init[dst.0] |= depth > 0;
                    }
                    AssignKind::Overwrite => mutated[dst.0] = true,
                }
                if let Some(save) = save {
                    mentioned[save.0] = true;
                    inits[save.0] += 1;
                    nested_init[save.0] |= depth > 0;
                }
            }
            Stmt::If { cond, .. } => {
                if let Some(var) = cond.var() {
                    mentioned[var.0] = true;
                }
            }
        });
        let hoisted = (0..count)
            .map(|i| {
                let param = body.vars[i].kind == VarKind::Param;
                !param && mentioned[i] && (inits[i] != 1 || nested_init[i])
            })
            .collect();
        Layout { hoisted, mutated }
    }
}

struct Sweep<'a> {
    body: &'a Body,
    activity: &'a Activity,
    layout: &'a Layout,
    adjoints: &'a [Option<Ident>],
}

impl Sweep<'_> {
    fn ident(&self, var: Var) -> &Ident {
        &self.body.var(var).ident
    }

    fn float(&self, var: Var) -> FloatTy {
        emit::float_of(self.body, var)
    }

    fn adjoint(&self, var: Var) -> Option<&Ident> {
        self.adjoints[var.0].as_ref()
    }

    /// The primal statements, with saves before the overwrites that need them.
    fn forward(&self, block: &Block) -> TokenStream {
        let mut tokens = TokenStream::new();
        for stmt in &block.stmts {
            match stmt {
                Stmt::Assign { dst, rhs, kind, save, span } => {
                    let ident = self.ident(*dst);
                    if let Some(save) = save {
                        let slot = self.ident(*save);
                        tokens.extend(if self.layout.hoisted[save.0] {
                            quote_spanned!(*span=> #slot = #ident;)
                        } else {
                            quote_spanned!(*span=> let #slot = #ident;)
                        });
                    }
                    let value = emit::rhs(self.body, rhs, self.float(*dst), *span);
                    let defines = *kind == AssignKind::Init
                        && !self.layout.hoisted[dst.0]
                        && self.body.var(*dst).kind != VarKind::Param;
                    tokens.extend(if defines {
                        let annotation = emit::annotation(self.body, *dst);
                        let mutability = self.layout.mutated[dst.0].then(|| quote!(mut));
                        quote_spanned!(*span=> let #mutability #ident #annotation = #value;)
                    } else {
                        quote_spanned!(*span=> #ident = #value;)
                    });
                }
                Stmt::If { cond, then, els, span } => {
                    let cond = emit::operand(self.body, cond);
                    let then = self.forward(then);
                    let els = self.forward(els);
                    tokens.extend(if els.is_empty() {
                        quote_spanned!(*span=> if #cond { #then })
                    } else {
                        quote_spanned!(*span=> if #cond { #then } else { #els })
                    });
                }
            }
        }
        tokens
    }

    /// The adjoint statements, last statement first.
    fn reverse(&self, block: &Block) -> TokenStream {
        let mut tokens = TokenStream::new();
        for stmt in block.stmts.iter().rev() {
            match stmt {
                Stmt::Assign { dst, rhs, kind, save, span } => {
                    tokens.extend(self.reverse_assign(*dst, rhs, *kind, *save, *span))
                }
                Stmt::If { cond, then, els, span } => {
                    let then = self.reverse(then);
                    let els = self.reverse(els);
                    if then.is_empty() && els.is_empty() {
                        continue;
                    }
                    let cond = emit::operand(self.body, cond);
                    tokens.extend(if els.is_empty() {
                        quote_spanned!(*span=> if #cond { #then })
                    } else {
                        quote_spanned!(*span=> if #cond { #then } else { #els })
                    });
                }
            }
        }
        tokens
    }

    fn reverse_assign(&self, dst: Var, rhs: &Rhs, kind: AssignKind, save: Option<Var>, span: Span) -> TokenStream {
        let ident = self.ident(dst);
        let restore = save.map(|slot| {
            let slot = self.ident(slot);
            quote_spanned!(span=> #ident = #slot;)
        });
        let Some(bar) = self.adjoint(dst).filter(|_| self.activity.is_active(dst)) else {
            return restore.unwrap_or_default();
        };
        let mut prologue = TokenStream::new();
        // The value this assignment replaced starts with a zero adjoint, so
        // the incoming adjoint is taken out first.
        let seed = if kind == AssignKind::Overwrite {
            let seed = Ident::new("__seed", Span::mixed_site());
            prologue.extend(quote_spanned!(span=> let #seed = #bar; #bar = 0.0;));
            quote!(#seed)
        } else {
            quote!(#bar)
        };
        // A partial that reads the result must see it before the restore.
        let reads_out = matches!(rhs, Rhs::Prim(op, _) if partials(*op).iter().flatten().any(|d| d.reads_out()));
        let out = if restore.is_some() && reads_out {
            let out = Ident::new("__out", Span::mixed_site());
            prologue.extend(quote_spanned!(span=> let #out = #ident;));
            quote!(#out)
        } else {
            quote!(#ident)
        };
        prologue.extend(restore);
        let accumulations = self.accumulations(dst, rhs, &seed, &out, span);
        if kind == AssignKind::Overwrite {
            quote!({ #prologue #accumulations })
        } else {
            quote!(#prologue #accumulations)
        }
    }

    /// `x̄ += ȳ · ∂y/∂x` for every active operand `x` of `y = rhs`.
    fn accumulations(&self, dst: Var, rhs: &Rhs, seed: &TokenStream, out: &TokenStream, span: Span) -> TokenStream {
        let mut tokens = TokenStream::new();
        let operands = rhs.operands();
        let args: Vec<TokenStream> = operands.iter().map(|operand| emit::operand(self.body, operand)).collect();
        let active_adjoint =
            |i: usize| operands[i].var().filter(|v| self.activity.is_active(*v)).and_then(|v| self.adjoint(v));
        match rhs {
            Rhs::Use(_) => {
                if let Some(target) = active_adjoint(0) {
                    tokens.extend(quote_spanned!(span=> #target += #seed;));
                }
            }
            Rhs::Prim(crate::ir::Op::ToFloat(_), _) => {
                // `y = x as f32`: the adjoint goes back in `x`'s own type.
                if let (Some(target), Some(source)) = (active_adjoint(0), operands[0].var()) {
                    let ty = emit::float_type(self.float(source));
                    tokens.extend(quote_spanned!(span=> #target += #seed as #ty;));
                }
            }
            Rhs::Prim(op, _) => {
                let holes = Holes { args: &args, out, float: self.float(dst), span };
                for (i, partial) in partials(*op).iter().enumerate() {
                    if let (Some(partial), Some(target)) = (partial, active_adjoint(i)) {
                        tokens.extend(emit::accumulate(target, seed, partial, &holes));
                    }
                }
            }
            Rhs::Call(path, _) => {
                // `foo(a, n, b)` → `let (_, __d0, __d2) = foo_vjp(a, n, b, ȳ);`: one
                // partial per float argument, in order.
                let mut vjp = path.clone();
                if let Some(last) = vjp.path.segments.last_mut() {
                    last.ident = naming::vjp_fn(&last.ident);
                }
                let mut pattern = vec![quote!(_)];
                let mut adds = TokenStream::new();
                for (i, operand) in operands.iter().enumerate() {
                    if !self.body.ty(operand).is_float() {
                        continue;
                    }
                    match active_adjoint(i) {
                        Some(target) => {
                            let partial = format_ident!("__d{}", i, span = Span::mixed_site());
                            adds.extend(quote_spanned!(span=> #target += #partial;));
                            pattern.push(quote!(#partial));
                        }
                        None => pattern.push(quote!(_)),
                    }
                }
                tokens.extend(quote_spanned!(span=> { let (#(#pattern),*) = #vjp(#(#args,)* #seed); #adds }));
            }
            Rhs::Method(..) | Rhs::Cast(..) => {}
        }
        tokens
    }
}

#[cfg(test)]
mod tests {
    use crate::expand::tests::expand_to_string;
    use quote::quote;

    /// The body of the generated `NAME_vjp`, pretty-printed.
    fn vjp_of(item: proc_macro2::TokenStream) -> String {
        let expanded = expand_to_string(quote!(), item);
        let start = expanded.find("_vjp(").expect("a vjp function");
        let start = expanded[start..].find('{').map(|i| start + i).unwrap_or(start);
        expanded[start..].to_owned()
    }

    #[test]
    fn straight_line_code_reads_like_the_chain_rule() {
        let got = vjp_of(quote! {
            fn j(a: f64, b: f64, c: f64) -> f64 {
                let v = b * c;
                let u = a + v;
                3.0 * u
            }
        });
        let want = "{
    let v: f64 = b * c;
    let u: f64 = a + v;
    let __ret: f64 = 3.0 * u;
    let mut __bar_a: f64 = 0.0;
    let mut __bar_b: f64 = 0.0;
    let mut __bar_c: f64 = 0.0;
    let mut __bar_ret: f64 = seed;
    let mut __bar_v: f64 = 0.0;
    let mut __bar_u: f64 = 0.0;
    __bar_u += __bar_ret * 3.0;
    __bar_a += __bar_u;
    __bar_v += __bar_u;
    __bar_b += __bar_v * c;
    __bar_c += __bar_v * b;
    (__ret, __bar_a, __bar_b, __bar_c)
}
";
        assert_eq!(got, want);
    }

    #[test]
    fn an_overwrite_resets_the_adjoint_and_restores_the_value() {
        let got = vjp_of(quote! {
            fn f(x: f64) -> f64 {
                let mut s = x;
                s = s.exp();
                s
            }
        });
        assert!(got.contains("let __saved_s = s;"), "{got}");
        assert!(got.contains("let __seed = __bar_s;\n        __bar_s = 0.0;"), "{got}");
        assert!(got.contains("let __out = s;\n        s = __saved_s;\n        __bar_s += __seed * __out;"), "{got}");
    }

    #[test]
    fn branches_are_replayed_on_the_recorded_condition() {
        let got = vjp_of(quote! {
            fn f(x: f64) -> f64 {
                if x > 1.0 { x * 3.0 } else { x.exp() }
            }
        });
        assert!(got.contains("let __t1 = x > 1.0;"), "{got}");
        assert!(got.contains("if __t1 {\n        __bar_x += __bar_ret * 3.0;\n    } else {\n        __bar_x += __bar_ret * __ret;\n    }"), "{got}");
    }

    #[test]
    fn calls_go_through_the_callee_vjp() {
        let got = vjp_of(quote! {
            fn f(x: f64, n: usize) -> f64 {
                helpers::g(x, n, 2.0) * x
            }
        });
        assert!(got.contains("let (_, __d0, _) = helpers::g_vjp(x, n, 2.0, __bar_t1);"), "{got}");
    }

    #[test]
    fn kinks_follow_the_documented_conventions() {
        let got = vjp_of(quote! {
            fn f(x: f64, y: f64) -> f64 {
                x.abs() + x.max(y)
            }
        });
        assert!(got.contains("if __t2 == x {\n        __bar_x += __bar_t2;\n    }"), "{got}");
        assert!(got.contains("if !(__t2 == x) {\n        __bar_y += __bar_t2;\n    }"), "{got}");
        assert!(got.contains("if x > 0.0 {\n        __bar_x += __bar_t1;\n    } else {\n        if x < 0.0 {\n            __bar_x -= __bar_t1;\n        }\n    }"), "{got}");
    }
}
