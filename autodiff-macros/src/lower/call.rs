//! Calls: float methods (`x.exp()`), float functions written as paths
//! (`f64::exp(x)`), and calls of other functions by name or path.

use quote::{quote, ToTokens};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Ident};

use super::{loops, Lowerer};
use crate::ir::{Arg, Block, Const, FloatTy, Op, Operand, Place, Rhs, Ty, Var, VarKind};
use crate::signature::float_ty;
use crate::{emit, symbol};

impl Lowerer<'_> {
    pub(super) fn lower_method(&mut self, call: &syn::ExprMethodCall, out: &mut Block) -> Rhs {
        if loops::is_iterator(&call.receiver) {
            // `let scaled = x.iter().map(..);`: a step the macro lowers, where
            // nothing consumes the chain.
            let message = if loops::is_iterator_source(&call.method) {
                loops::unconsumed_chain_message(&call.method)
            } else {
                loops::unsupported_iterator_method(&call.method)
            };
            return self.unsupported(&call.method, message);
        }
        if let Some(turbofish) = &call.turbofish {
            return self
                .unsupported(turbofish, "method calls with `::<..>` are not supported inside #[grad] functions");
        }
        // `x[1..].len()`, `x[a..b].is_empty()`: the range's length.
        let of_a_range = matches!(&*call.receiver, Expr::Index(index) if matches!(&*index.index, Expr::Range(_)));
        if of_a_range && (call.method == "len" || call.method == "is_empty") && call.args.is_empty() {
            let Some(source) = self.source(&call.receiver, out) else { return self.already_refused() };
            return if call.method == "len" { Rhs::Use(source.len) } else { is_zero(source.len) };
        }
        // `TABLE.len()` of a `const` or `static` table or `data.len()` of a
        // table parameter (`data: &[Sample]`): a constant.
        // (A table parameter by its own name: `let d = data;` binds `d` to it.)
        let table = match self.table_param(&call.receiver) {
            Some(var) => Some(self.vars[var.0].ident.to_token_stream()),
            // (`W.len()`, `tables::W.len()`.)
            None => matches!(&*call.receiver, Expr::Path(path)
                if path.path.get_ident().is_none_or(|ident| self.lookup(ident).is_none()))
            .then(|| call.receiver.to_token_stream()),
        };
        if let Some(table) =
            table.filter(|_| (call.method == "len" || call.method == "is_empty") && call.args.is_empty())
        {
            let method = &call.method;
            let ty = if call.method == "len" { Ty::Other } else { Ty::Bool };
            return Rhs::Use(Operand::Const(Const { tokens: quote!(#table.#method()), ty }));
        }
        if let Some(slice) = self.slice_binding(&call.receiver) {
            if call.method == "len" && call.args.is_empty() {
                return Rhs::Use(slice.len);
            }
            if call.method == "is_empty" && call.args.is_empty() {
                return is_zero(slice.len);
            }
            if call.method == "to_vec" {
                return self.unsupported(&call.method, to_vec_message());
            }
            let name = call.receiver.to_token_stream();
            return self.unsupported(&call.receiver, super::places::slice_use_message(name));
        }
        if let Some((ty, receiver)) = self.local_constant_receiver(&call.receiver) {
            return self.lower_constant_method(ty, receiver, call, out);
        }
        if super::structs::constructor_type(&call.receiver).is_some() {
            return self.unsupported(&call.method, unknown_receiver_message(&call.receiver, &call.method));
        }
        if let Some(name) = self.struct_name(&call.receiver) {
            if let Some(super::Binding::Struct(local)) = self.lookup(&name) {
                let message = super::structs::method_on_local_struct_message(&name, &local, &call.method);
                return self.unsupported(&call.method, message);
            }
        }
        let before_receiver = self.cx.error_count();
        let receiver = self.lower_expr(&call.receiver, out);
        if self.cx.error_count() > before_receiver || self.is_refused(&receiver) {
            // A method of a refused value (`x.first().unwrap()`): its type
            // is unknown because of the error already reported.
            return self.already_refused();
        }
        if call.method != "len" {
            if let Some(model) = self.model_var(&receiver) {
                return self.lower_model_method(model, call, out);
            }
            if let Some((part, ty)) = self.typed_part(&call.receiver) {
                // (A part of a model that is not differentiated: through the
                // method's twin for a constant `self`, as the model's own.)
                if self.constant_params.contains(&part.var) {
                    if let Some(field) = crate::constant_fields::model_field_of(&self.vars[part.var.0], &part) {
                        self.constant_parts.push(field);
                    }
                    return self.lower_constant_method(ty, receiver, call, out);
                }
                let args = self.call_args(&call.args, out);
                return self.part_method_call(part, ty, call, args);
            }
            // `data[i].weight()`, `s.weight()` of `for s in data`: a
            // method of a table's element, whose type the table's says.
            if let Some(ty) = self.table_element_type(&receiver) {
                return self.lower_constant_method(ty, receiver, call, out);
            }
            if let Some(constant) = self.constant_struct(&receiver) {
                let Some(ty) = self.vars[constant.0].declared.as_ref().and_then(referenced_type) else {
                    return self
                        .unsupported(&call.method, "cannot tell the type of the value this method is called on");
                };
                return self.lower_constant_method(ty, receiver, call, out);
            }
        }
        if let Some(pushed) = self.lower_push(call, &receiver, out) {
            return pushed;
        }
        // Slice methods that write in place, which clippy suggests for the
        // loops a person writes first: the loop is the way out (and their
        // arguments, `&next`, are not lowered, so as not to add an error).
        if self.operand_ty(&receiver) == Ty::Aggregate || self.is_aggregate_operand(&receiver) {
            let way_out = match call.method.to_string().as_str() {
                "swap" => Some("swap through a local (`let t = v[i]; v[i] = v[j]; v[j] = t;`)"),
                "copy_from_slice" | "clone_from_slice" => {
                    Some("copy element by element (`for i in 0..n { u[i] = next[i]; }`)")
                }
                "fill" => Some("write each element (`for v in x.iter_mut() { *v = 0.0; }`)"),
                _ => None,
            };
            if let Some(way_out) = way_out {
                let method = &call.method;
                return self
                    .unsupported(method, format!("`{method}` is not supported inside #[grad] functions; {way_out}"));
            }
        }
        // Errors in the arguments of a method refused below would only
        // repeat the refusal (`x.partition_point(|v| ..)`: the closure).
        let before_args = self.cx.error_count();
        let mut args_block = Block::default();
        let args = self.lower_in_order(&call.args.iter().collect::<Vec<_>>(), &mut args_block);
        // An argument that changes the receiver (`s.powf({ s += y; s })`)
        // runs after Rust has read it.
        let receiver = self.read_before(receiver, &args_block, out, call.receiver.span());
        out.stmts.append(&mut args_block.stmts);
        let refuse = |this: &Self, tokens: &dyn quote::ToTokens, message: String| {
            this.cx.truncate(before_args);
            this.unsupported(tokens, message)
        };
        if let Some(pushed) = self.inferred_push(call, &receiver, &args, out) {
            return pushed;
        }
        if self.untyped_push(call, &receiver, &args) {
            return Rhs::Use(Operand::Const(Const { tokens: quote!(()), ty: Ty::Other }));
        }
        if self.integer_push(call, &receiver, &args) {
            return Rhs::Method(receiver, call.method.clone(), args);
        }
        let method = &call.method;
        let receiver_ty = self.operand_ty(&receiver);
        // `DATA[i].weight()` of a `const` table, whose element type is not
        // in sight: a plain method of a constant, kept as written when its
        // arguments are constants too.
        // (A float method of a float part, `data[i].y.max(w)`, is the float's.)
        let of_a_table = matches!(&receiver, Operand::Place(place) if crate::ir::is_table(&self.vars[place.var.0]));
        if of_a_table && symbol::float_method(method).is_none() && !symbol::is_float_predicate(method) {
            if args.iter().any(|arg| self.operand_ty(arg).is_differentiable()) {
                return refuse(
                    self,
                    method,
                    format!(
                        "`{method}` of an element of a `const` or `static` table is given a float, and #[grad] \
                         cannot see the element's type to differentiate it; copy the element into a local of its type \
                         (`let s: Sample = TABLE[i];`) and call `s.{method}(..)`"
                    ),
                );
            }
            return Rhs::Method(receiver, method.clone(), args);
        }
        // A model's field (`m.coef.len()`): an aggregate the macro cannot see into.
        let model_part = matches!(&receiver, Operand::Place(place)
            if self.vars[place.var.0].ty == Ty::Aggregate && self.vars[place.var.0].dims.is_none());
        if model_part && method == "len" && args.is_empty() {
            return Rhs::Method(receiver, method.clone(), args);
        }
        // `x.is_empty()` of an array, a slice or a vector (which clippy
        // suggests for `x.len() == 0`): its length compared with zero.
        let aggregate = model_part || receiver_ty == Ty::Aggregate || self.is_aggregate_operand(&receiver);
        if aggregate && method == "is_empty" && args.is_empty() {
            let len = self.temp(Ty::Other);
            let rhs = Rhs::Method(receiver, Ident::new("len", method.span()), Vec::new());
            self.assign(out, len, rhs, crate::ir::AssignKind::Init, method.span());
            return is_zero(Operand::Var(len));
        }
        if model_part && method == "to_vec" {
            return refuse(
                self,
                method,
                "`to_vec` of a model's field is not supported inside #[grad] functions; read the field in place \
                 (`m.w[i]`, `m.w.iter()`), or copy it into a vector whose type is written (`let mut w: Vec<f64> = \
                 vec![0.0; m.w.len()];`, then `w[i] = m.w[i];` in a loop)"
                    .to_owned(),
            );
        }
        if model_part && symbol::float_method(method).is_none() && !symbol::is_float_predicate(method) {
            return refuse(
                self,
                method,
                format!(
                    "#[grad] cannot see the type of this part of a model to call its method `{method}`; bind the \
                     part by a reference whose type is written and call the method on that (`let part: &Layer = \
                     &self.layers[l]; part.{method}(..)`; in `for layer in &self.layers`, `let layer: &Layer = \
                     layer;`), or make `{method}` a #[grad] free function and pass it the part \
                     (`{method}(&self.layers[l], ..)`)"
                ),
            );
        }
        if matches!(receiver_ty, Ty::Other | Ty::Bool) {
            // Integer and boolean methods carry no derivative.
            return Rhs::Method(receiver, method.clone(), args);
        }
        if receiver_ty == Ty::Aggregate || self.is_aggregate_operand(&receiver) {
            if method == "len" && args.is_empty() {
                // A parameter's length never changes: read it where it is
                // needed rather than keeping it for the reverse sweep.
                if let Operand::Var(var) = receiver {
                    let info = &self.vars[var.0];
                    if info.kind == VarKind::Param && info.by_ref {
                        let ident = &info.ident;
                        return Rhs::Use(Operand::Const(Const { tokens: quote!(#ident.len()), ty: Ty::Other }));
                    }
                }
                return Rhs::Method(receiver, method.clone(), args);
            }
            if method == "to_vec" {
                let rows = matches!(&receiver, Operand::Var(var) if self.vars[var.0].dims.is_some_and(|dims| dims > 1));
                if rows {
                    return self.unsupported(
                        method,
                        "`to_vec` of a slice of arrays (rows) is not supported inside #[grad] functions; build the \
                         copy as a local vector of rows (`let mut v = vec![[0.0; N]; x.len()];`) and copy each row \
                         (`for i in 0..x.len() { v[i] = x[i]; }`)",
                    );
                }
                return self.unsupported(method, to_vec_message());
            }
            if method == "clone" && args.is_empty() {
                return self.unsupported(
                    method,
                    "`clone` inside #[grad] functions copies a vector or an array of floats (a local, or a `&Vec` or \
                     `&[F; N]` parameter) bound by `let` or given to a name (`let v = x.clone();`, `u = \
                     next.clone();`); an array row is copied by `let r = rows[i];`, and a vector of arrays row by \
                     row (`let mut v = vec![[0.0; N]; x.len()];` then `v[i] = x[i];`)",
                );
            }
            let output = matches!(&receiver, Operand::Var(var) if self.vars[var.0].kind == VarKind::Param
                && matches!(&self.vars[var.0].declared, Some(syn::Type::Reference(r)) if r.mutability.is_some()));
            if output && matches!(method.to_string().as_str(), "push" | "clear" | "truncate" | "resize") {
                // (An output's shadow is made by the caller, of its length.)
                return self.unsupported(
                    method,
                    format!(
                        "`{method}` on a `&mut` parameter is not supported inside #[grad] functions: an output keeps the \
                         length its caller gave it, which its shadow has too; have the caller make it (`vec![0.0; \
                         n]`) and write its elements (`out[i] = ..`), or grow a local vector (`let mut v: Vec<f64> = \
                         Vec::new();`, `v.push(..)`) and copy it in (`out[i] = v[i]`)"
                    ),
                );
            }
            if method == "push" {
                // (A local vector of floats takes `push`; this one holds arrays.)
                return self.unsupported(
                    method,
                    "`push` onto a vector of arrays is not supported inside #[grad] functions; make the vector \
                     with its length (`let mut v = vec![[0.0; 2]; n];`) and write its rows (`v[i] = [a, b];`)",
                );
            }
            if loops::is_iterator_source(method) {
                return refuse(
                    self,
                    method,
                    format!(
                        "an iterator outside a `for` loop or a reduction (`let it = x.{method}();`) is not supported \
                         inside #[grad] functions; loop over it where it is made (`for v in x.{method}()`) or reduce \
                         it there (`x.{method}().sum::<f64>()`)"
                    ),
                );
            }
            if method == "split_at" {
                return refuse(
                    self,
                    method,
                    "`split_at` is not supported inside #[grad] functions; cut the two parts as sub-slices (`let left \
                     = &x[..k]; let right = &x[k..];`)"
                        .to_owned(),
                );
            }
            // (`extend_from_slice`, `extend`, `append`: a vector grown by a
            // slice, which `push` in a loop does.)
            let growing = matches!(method.to_string().as_str(), "extend_from_slice" | "extend" | "append");
            let push =
                if growing { "; grow a vector with `push` in a loop (`for v in b { f.push(*v); }`)" } else { "" };
            return refuse(
                self,
                method,
                format!(
                    "unsupported method `{method}` on an array, slice or vector; #[grad] supports `.len()`, indexing, \
                     `for` loops, `push` and the iterator reductions `sum`, `product`, `fold`, `for_each` (after \
                     `iter`, `enumerate`, `zip`, `map`, `skip`, `take`, `filter`, `copied`, `cloned`, `rev`, \
                     `step_by`){push}"
                ),
            );
        }
        if let Some(op) = symbol::float_method(method) {
            return self.prim_call(op, receiver, args, method);
        }
        // A float is `Copy`: its `clone` is itself.
        if receiver_ty.is_differentiable() && args.is_empty() && (method == "clone" || method == "to_owned") {
            return Rhs::Use(receiver);
        }
        if receiver_ty.is_differentiable() && args.is_empty() && method == "into" {
            return self.unsupported(
                method,
                "`into` is not supported on a float inside #[grad] functions; write the conversion as a cast \
                 (`x as f64`)",
            );
        }
        if symbol::is_float_predicate(method) {
            return Rhs::Method(receiver, method.clone(), args);
        }
        // A struct or an enum taken by value (`act: Activation`): its
        // methods are called on a reference to a parameter.
        let by_value_struct = match &receiver {
            Operand::Var(var) => {
                let info = &self.vars[var.0];
                let declared = info.declared.as_ref().filter(|ty| names_a_struct(ty));
                declared.filter(|_| info.kind == VarKind::Param && !info.by_ref)
            }
            _ => None,
        };
        // A local struct, its type written, that is no constant receiver
        // (`mut`, or in a loop): the reason, rather than asking for a type.
        let not_constant = match &receiver {
            Operand::Var(var) if receiver_ty == Ty::Unknown => self.struct_local_not_constant(*var, method),
            _ => None,
        };
        let message = if let Some(message) = not_constant {
            message
        } else if let Some(ty) = by_value_struct {
            let name = call.receiver.to_token_stream().to_string().replace(' ', "");
            let ty = ty.to_token_stream().to_string().replace(' ', "");
            format!(
                "#[grad] calls the methods of a struct or an enum parameter taken by reference; take `{name}` by \
                 reference (`{name}: &{ty}`) to call `{method}` on it"
            )
        } else if receiver_ty == Ty::Unknown {
            unknown_receiver_message(&call.receiver, method)
        } else {
            let sin_cos =
                if method == "sin_cos" { " here (it is taken apart in `let (s, c) = x.sin_cos();`)" } else { "" };
            format!(
                "unsupported method `{method}`{sin_cos}; #[grad] differentiates these float methods: {}; \
                 for anything else, call a #[grad] function that computes it",
                symbol::supported_methods()
            )
        };
        refuse(self, method, message)
    }

    /// The model a method is called on (`self`, a `&Model` parameter), whose
    /// type names the method.
    fn model_var(&self, receiver: &Operand) -> Option<Var> {
        let Operand::Var(var) = receiver else { return None };
        let info = &self.vars[var.0];
        (info.ty == Ty::Aggregate && info.dims.is_none() && !self.is_constant_model(*var)).then_some(*var)
    }

    /// `self` in a method's twin for a constant `self`
    /// (`Signature::constant_models`): a model, not differentiated, whose
    /// methods are called through their own twins.
    fn is_constant_model(&self, var: Var) -> bool {
        let info = &self.vars[var.0];
        info.kind == VarKind::Param
            && info.ty == Ty::Aggregate
            && info.dims.is_none()
            && info.zero.is_none()
            && self.constant_params.contains(&var)
    }

    /// A parameter `s: &S` of a struct type that is not differentiated
    /// (`wrt` leaves it out, or `self` of a method that does).
    fn constant_struct(&self, receiver: &Operand) -> Option<Var> {
        let Operand::Var(var) = receiver else { return None };
        let info = &self.vars[var.0];
        let is_struct = info.declared.as_ref().and_then(referenced_type).is_some_and(
            |ty| matches!(&ty, syn::Type::Path(path) if path.qself.is_none() && !is_primitive(&path.path)),
        );
        let constant = info.ty == Ty::Other || self.is_constant_model(*var);
        (info.kind == VarKind::Param && constant && is_struct).then_some(*var)
    }

    /// `spring.energy(x)` on a constant struct: a plain method call when no
    /// argument can carry a derivative; with a float argument, a call of a
    /// `#[grad]` method (whose derivative in `x` is needed), as on a model,
    /// rather than a call kept as written that would drop it.
    fn lower_constant_method(
        &mut self,
        ty: syn::Type,
        receiver: Operand,
        call: &syn::ExprMethodCall,
        out: &mut Block,
    ) -> Rhs {
        let mut probe = Block::default();
        let args: Vec<Arg> = call.args.iter().map(|arg| self.call_arg(arg, &mut probe)).collect();
        let mut values = Vec::new();
        for arg in &args {
            match arg {
                // A float (an integer or a value of a type unknown here is
                // kept as written, as a call of a plain method), or what a
                // call of a differentiated value gave (`wobble(x)`, taken
                // for a float as any such call's value is, and checked so).
                Arg::Value(value) if self.operand_ty(value).is_float() => {}
                Arg::Value(Operand::Var(var)) if self.varied_call_value(*var, &probe) => {}
                Arg::Value(value) => {
                    values.push(value.clone());
                    continue;
                }
                Arg::Ref { .. } => {}
            }
            out.stmts.extend(probe.stmts);
            // Differentiated through the method's twin for a constant `self`
            // (see `method.rs`), the receiver passed as a value.
            if let Some(refusal) = self.methods_write_one_output(&call.method, &args) {
                return refusal;
            }
            let path = crate::companion::method_on_constant(ty, &call.method);
            self.declare_fallback(&call.method, true, args.len() + 1);
            // (A constant model, `self` of a twin, is passed as the constant it is.)
            let receiver = match receiver {
                Operand::Var(var) if self.is_constant_model(var) => {
                    let ident = &self.vars[var.0].ident;
                    Operand::Const(Const { tokens: quote!(#ident), ty: Ty::Other })
                }
                receiver => receiver,
            };
            return Rhs::Call(path, std::iter::once(Arg::Value(receiver)).chain(args).collect());
        }
        out.stmts.extend(probe.stmts);
        Rhs::Method(receiver, call.method.clone(), values)
    }

    /// Whether `var` holds the value of a call given a float that is no
    /// constant (`let y = wobble(x);`, or `wobble(x)` in place, assigned in
    /// `probe`): a `#[grad]` call's value, which #[grad] takes for a float
    /// (`emit::checked_call_result` checks it). A call of constants
    /// (`count(k)`) may give an integer, and is not taken so.
    fn varied_call_value(&self, var: Var, probe: &Block) -> bool {
        let info = &self.vars[var.0];
        if info.declared.is_some() || info.ty != Ty::Unknown {
            return false;
        }
        let assigned = |stmts: &[crate::ir::Stmt]| {
            stmts.iter().rev().find_map(|stmt| match stmt {
                crate::ir::Stmt::Assign { dst, rhs: Rhs::Call(_, args), .. } if *dst == var => Some(args.clone()),
                _ => None,
            })
        };
        let args = match info.kind {
            VarKind::Temp => assigned(&probe.stmts),
            VarKind::Local => {
                self.call_results.contains(&var).then(|| self.float_call_args.get(&var).cloned()).flatten()
            }
            _ => None,
        };
        args.is_some_and(|args| {
            args.iter().any(|arg| match arg {
                Arg::Value(Operand::Var(arg)) => {
                    self.vars[arg.0].ty.is_differentiable() && !self.constant_params.contains(arg)
                }
                Arg::Value(Operand::Place(place)) => !self.constant_params.contains(&place.var),
                // (`self.pre(x)` of a slice `x`, in a twin for a constant `self`.)
                Arg::Ref { place, .. } => {
                    self.vars[place.var.0].ty.is_differentiable() && !self.constant_params.contains(&place.var)
                }
                _ => false,
            })
        })
    }

    /// A local struct a method is called on as a constant, with its type,
    /// as a reference to it: one a plain function made, its type written
    /// (`let cfg: Config = make_config(k);`, lent like `&cfg`, see
    /// `constant_struct_local`), or one built by a literal of constants
    /// (`let cfg = Config { scale: 2.0 };`), whose fields are separate
    /// variables: the literal again, which no derivative flows through.
    fn local_constant_receiver(&mut self, receiver: &Expr) -> Option<(syn::Type, Operand)> {
        let ident = match receiver {
            Expr::Path(path) => path.path.get_ident()?,
            _ => return None,
        };
        let (ty, tokens) = match self.lookup(ident)? {
            super::Binding::Var(var) if self.constant_struct_local(var) => {
                let constructed = self.constructed.get(&var).cloned();
                let ty = self.vars[var.0].declared.clone().or(constructed)?;
                self.vars[var.0].ty = Ty::Other;
                self.lent_constants.insert(var);
                let ident = &self.vars[var.0].ident;
                (ty, quote!((&#ident)))
            }
            super::Binding::Struct(local) => {
                let literal = local.constant.clone()?;
                let path = &local.path;
                (syn::parse_quote!(#path), quote!((&#literal)))
            }
            _ => return None,
        };
        Some((ty, Operand::Const(Const { tokens, ty: Ty::Other })))
    }

    /// `model.predict(x)`, a `#[grad]` method of the model: the call
    /// `<Model>::predict(model, x)`, differentiated through the method's
    /// companion functions beside it (`companion::method`), the model
    /// passed like a model argument (with its shadow).
    fn lower_model_method(&mut self, model: Var, call: &syn::ExprMethodCall, out: &mut Block) -> Rhs {
        let args = self.call_args(&call.args, out);
        self.model_method_call(model, call, args)
    }

    /// `<Model>::method(model, args..)`, `model` a parameter `&Model`.
    fn model_method_call(&mut self, model: Var, call: &syn::ExprMethodCall, args: Vec<Arg>) -> Rhs {
        let Some(ty) = self.vars[model.0].declared.as_ref().and_then(referenced_type) else {
            let method = &call.method;
            let message = format!(
                "cannot tell the type of the model `{method}` is called on; call it on `self` or on a parameter \
                 `model: &Model`"
            );
            return self.unsupported(method, message);
        };
        self.part_method_call(Place { var: model, proj: Vec::new() }, ty, call, args)
    }

    /// `<T>::method(part, args..)`: a method of a model or of a part of one
    /// of type `T` (`typed_parts`), the part lent as the model is, so that
    /// the callee's derivative adds into the part's shadow (`d_self.layers[l]`).
    fn part_method_call(&mut self, part: Place, ty: syn::Type, call: &syn::ExprMethodCall, args: Vec<Arg>) -> Rhs {
        let method = &call.method;
        if let Some(refusal) = self.methods_write_one_output(method, &args) {
            return refusal;
        }
        // (A model parameter is a reference already; a part is lent by one.)
        let borrowed = !part.proj.is_empty();
        let receiver = Arg::Ref { place: part, range: None, mutable: false, borrowed };
        let path: syn::ExprPath = syn::parse_quote_spanned!(method.span()=> <#ty>::#method);
        self.declare_fallback(method, false, args.len() + 1);
        Rhs::Call(path, std::iter::once(receiver).chain(args).collect())
    }

    /// The items that name the fix if `method` has no derivative
    /// (`method::missing_derivative_fallback`), once per method and kind.
    /// `arity` counts the receiver. Methods of one name on two types may
    /// take different counts (`a.run(x)`, `b.run(x, 2.0)`), but the items
    /// are named by the method alone: one set, for the largest count, so
    /// that no name is declared twice.
    fn declare_fallback(&mut self, method: &Ident, of_constant: bool, arity: usize) {
        use crate::method::missing_derivative_fallback;
        let key = (crate::naming::name_of(method), of_constant);
        let previous = self.fallback_arities.get(&key).copied();
        if previous.is_some_and(|previous| previous >= arity) {
            return;
        }
        if let Some(previous) = previous {
            let old = missing_derivative_fallback(method, of_constant, previous);
            self.items.retain(|item| !old.contains(item));
        }
        self.fallback_arities.insert(key, arity);
        self.items.extend(missing_derivative_fallback(method, of_constant, arity));
    }

    /// A method is differentiated in place through its `vjp_in_place`,
    /// which reads the values its outputs had before the call: with two
    /// outputs, the reverse sweep could not give it both (see
    /// `Rhs::output_marker`), so a method call writes one.
    fn methods_write_one_output(&mut self, method: &Ident, args: &[Arg]) -> Option<Rhs> {
        let written = args.iter().filter(|arg| matches!(arg, Arg::Ref { mutable: true, .. })).count();
        (written > 1).then(|| {
            self.unsupported(
                method,
                format!(
                    "a method call that writes more than one `&mut` argument is not supported inside #[grad] \
                     functions; make `{method}` a #[grad] free function (which may write several outputs), or \
                     split it into one method per output"
                ),
            )
        })
    }

    pub(super) fn prim_call(&mut self, op: Op, receiver: Operand, args: Vec<Operand>, name: &Ident) -> Rhs {
        if args.len() + 1 != op.arity() {
            let expected = op.arity() - 1;
            return self
                .unsupported(name, format!("`{name}` takes {expected} argument(s) besides the value it is called on"));
        }
        let mut operands = vec![receiver];
        operands.extend(args);
        Rhs::Prim(op, operands)
    }

    pub(super) fn lower_call(&mut self, call: &syn::ExprCall, out: &mut Block) -> Rhs {
        let Expr::Path(func) = &*call.func else {
            return self.unsupported(&call.func, "#[grad] can only call functions by name or path");
        };
        if let Some(ident) = func.path.get_ident() {
            if self.lookup(ident).is_some() {
                return self.unsupported(
                    ident,
                    "calling a local variable is not supported inside #[grad] functions; call a function by name",
                );
            }
        }
        // `f64::exp(x)` (or `<f64>::exp(x)`) is the method `x.exp()` written as a path.
        let segments = &func.path.segments;
        let float_function = match &func.qself {
            None if segments.len() == 2 => match segments[0].ident.to_string().as_str() {
                "f64" => Some((FloatTy::F64, &segments[1].ident)),
                "f32" => Some((FloatTy::F32, &segments[1].ident)),
                _ => None,
            },
            None => None,
            Some(qself) => match float_qself(qself) {
                Some(float) if segments.len() == 1 => Some((float, &segments[0].ident)),
                _ => return self.unsupported(func, qualified_path_message()),
            },
        };
        if let Some((float, name)) = float_function {
            return self.lower_float_function(float, name, call, out);
        }
        // `std::mem::swap(&mut u, &mut next)`: a function of the standard
        // library, with no derivative, that rustc would report as a missing
        // type `swap` (the companion `swap::vjp`).
        let mem = segments.len() >= 2 && segments[segments.len() - 2].ident == "mem";
        let name = &segments[segments.len() - 1].ident;
        if func.qself.is_none() && mem && (name == "swap" || name == "replace" || name == "take") {
            return self.unsupported(
                func,
                format!(
                    "`mem::{name}` is not supported inside #[grad] functions; copy the values element by element \
                     (`for i in 0..n {{ u[i] = next[i]; }}`), or keep one buffer per step"
                ),
            );
        }
        if let Some((method_call, owner_check)) = self.method_called_by_path(func, call) {
            if let Some((owner, receiver_type)) = owner_check {
                // `Gain::apply(self, ..)`, `Cf::apply(&cfg, ..)`: the path's
                // type must be the receiver's (`Self`, `Config`), which the
                // macro cannot tell by their names; rustc checks it (free at
                // run time).
                let span = syn::spanned::Spanned::span(&owner);
                let tokens = quote::quote_spanned!(span=> ::autodiff::guards::owner_is_self::<#owner, #receiver_type>);
                let check = self.temp(Ty::Other);
                self.assign(
                    out,
                    check,
                    Rhs::Use(Operand::Const(Const { tokens, ty: Ty::Other })),
                    crate::ir::AssignKind::Init,
                    span,
                );
            }
            return self.lower_method(&method_call, out);
        }
        if let Some(rhs) = self.part_method_by_path(func, call, out) {
            return rhs;
        }
        // `Pen::L2(0.5)`, `Pen::L1(-(0.5))`, `Pen::L2(2.0 * LAMBDA)`: an enum's
        // value made of constants, a constant of a type the macro does not
        // know (no float, whatever its `let` says).
        if super::structs::is_variant_call(call) && call.args.iter().all(|arg| self.is_constant_value(arg)) {
            return Rhs::Use(Operand::Const(Const { tokens: quote::ToTokens::to_token_stream(call), ty: Ty::Other }));
        }
        let args: Vec<Arg> = self.call_args(&call.args, out);
        if super::structs::is_variant_call(call) && self.holds_a_float(&args) {
            let name = quote::ToTokens::to_token_stream(&func.path).to_string().replace(' ', "");
            return self.unsupported(
                func,
                format!(
                    "`{name}(..)` builds an enum value that carries a float, which #[grad] does not differentiate \
                     through; keep the float in a local of its own and choose with a plain value (`let r = ..;` \
                     and a `bool` or an enum without floats), or take the enum as a parameter and `match` on it"
                ),
            );
        }
        if super::structs::tuple_struct_literal(&Expr::Call(call.clone())).is_some() && self.holds_a_float(&args) {
            let name = quote::ToTokens::to_token_stream(&func.path).to_string().replace(' ', "");
            return self.unsupported(
                func,
                format!(
                    "`{name}(..)` is named like a type: #[grad] takes it for a tuple struct's literal, which it \
                     supports bound by `let` (`let p = {name}(..);`, then `p.0`, `&mut p.1` passed to a call), each \
                     field a variable of its own; bind it and pass its fields, or, if `{name}` is a function, name \
                     it in snake case"
                ),
            );
        }
        for (arg, expr) in args.iter().zip(&call.args).filter(|(arg, _)| matches!(arg, Arg::Ref { mutable: true, .. }))
        {
            self.check_written_argument(arg, expr);
        }
        let rhs = Rhs::Call(func.clone(), args);
        let outputs = rhs.outputs();
        if outputs.iter().enumerate().any(|(i, output)| outputs[..i].contains(output)) {
            return self.unsupported(
                func,
                "a call that writes two `&mut` arguments of one buffer (`&mut s[..k]`, `&mut s[k..]`) is not \
                 supported inside #[grad] functions; write the outputs into two local buffers",
            );
        }
        rhs
    }

    /// `Layer::forward(&self.layers[l], h)`, `Layer::forward(layer, h)`: a
    /// method of a part of a model called by its type's path, which names
    /// the part's type (review 22), lowered as `part.forward(h)` on the part
    /// typed so (`places.rs` `bind_typed_part`). rustc checks the type.
    fn part_method_by_path(&mut self, func: &syn::ExprPath, call: &syn::ExprCall, out: &mut Block) -> Option<Rhs> {
        let segments: Vec<&syn::PathSegment> = func.path.segments.iter().collect();
        let (method, before) = segments.split_last()?;
        let owner = before.last()?;
        let snake = !crate::naming::name_of(&method.ident).starts_with(|c: char| c.is_ascii_uppercase());
        let plain = func.qself.is_none() && method.arguments.is_none();
        if !plain || !may_name_a_part(&owner.ident) || owner.ident == "Self" || !snake {
            return None;
        }
        let (first, rest) = (call.args.first()?, call.args.iter().skip(1));
        let method = &method.ident;
        let span = method.span();
        if let Expr::Path(name) = first {
            self.typed_part(first)?;
            let call: syn::ExprMethodCall = syn::parse_quote_spanned!(span=> #name.#method(#(#rest),*));
            return Some(self.lower_method(&call, out));
        }
        let Expr::Reference(reference) = first else { return None };
        if reference.mutability.is_some() || !self.is_model_part(&reference.expr) {
            return None;
        }
        let mut ty = func.path.clone();
        ty.segments.pop();
        ty.segments.pop_punct();
        let ty = syn::Type::Path(syn::TypePath { qself: None, path: ty });
        let part = Ident::new("__autodiff_part", proc_macro2::Span::mixed_site());
        Some(self.in_scope(|this| {
            let Some(place) = this.place(&reference.expr, out) else { return this.already_refused() };
            this.bind(&part, super::Binding::Row(place.clone()));
            this.type_part(&part, place, ty);
            let call: syn::ExprMethodCall = syn::parse_quote_spanned!(span=> #part.#method(#(#rest),*));
            this.lower_method(&call, out)
        }))
    }

    /// `Config::apply(s, x)` (or `Config::apply(&cfg, x)`, `Self::apply(self,
    /// x)`): a method called by its path, the same as `s.apply(x)`, which
    /// it is lowered as (as a path call, its derivative would be named
    /// `Config::apply::vjp`, which is no path). Taken for one when the path
    /// is a type's (`Config::`, `Self::`) and the first argument names a
    /// struct of that type the method may be called on: a struct
    /// parameter, a model, a local constant struct (`Config::new(k)`, an
    /// associated function, is no method; `Other::scale(&cfg, x)` is
    /// `Other`'s function). Returned with the owner whose being `Self`
    /// rustc must check (`Gain::apply(self, ..)`: the method cannot see its
    /// `impl`'s type).
    fn method_called_by_path(
        &self,
        func: &syn::ExprPath,
        call: &syn::ExprCall,
    ) -> Option<(syn::ExprMethodCall, Option<(syn::Path, syn::Type)>)> {
        let segments: Vec<&syn::PathSegment> = func.path.segments.iter().collect();
        let (last, before) = segments.split_last()?;
        let owner = before.last()?;
        let snake = |ident: &Ident| !crate::naming::name_of(ident).starts_with(|c: char| c.is_ascii_uppercase());
        let type_like = owner.ident == "Self" || !snake(&owner.ident);
        // (`Config::apply::<>(..)`: an empty turbofish names no generics.)
        let no_generics = match &last.arguments {
            syn::PathArguments::None => true,
            syn::PathArguments::AngleBracketed(generics) => generics.args.is_empty(),
            syn::PathArguments::Parenthesized(_) => false,
        };
        if func.qself.is_some() || !type_like || !snake(&last.ident) || !no_generics {
            return None;
        }
        let first = call.args.first()?;
        let receiver = match first {
            Expr::Reference(reference) if reference.mutability.is_none() => &*reference.expr,
            other => other,
        };
        // The receiver's type, which must be the path's owner: `Other::scale(&c, x)`
        // with `c: Config` is `Other`'s function, not `c.scale(x)`.
        let name = match receiver {
            Expr::Path(path) => path.path.get_ident(),
            _ => None,
        };
        let receiver_type: Option<syn::Type> = match name.and_then(|name| self.lookup(name)) {
            Some(super::Binding::Struct(local)) => {
                Some(syn::Type::Path(syn::TypePath { qself: None, path: local.path.clone() }))
            }
            Some(super::Binding::Var(var)) => {
                let info = &self.vars[var.0];
                if info.kind == VarKind::Param {
                    info.declared.as_ref().and_then(referenced_type).filter(names_a_struct)
                } else if self.constant_struct_local(var) {
                    info.declared.clone().or_else(|| self.constructed.get(&var).cloned())
                } else {
                    None
                }
            }
            // An element of a slice of structs (`Term::eval(&terms[i], x)`,
            // or `t` of `for t in terms`).
            _ => self.table_element_type_of(receiver).filter(names_a_struct),
        };
        let receiver_type = receiver_type?;
        let name = name.map_or_else(String::new, ToString::to_string);
        let type_name = match &receiver_type {
            syn::Type::Path(ty) => ty.path.segments.last().map(|last| last.ident.clone()),
            _ => None,
        };
        // (`Self::apply(self, x)`: `self`'s type is `Self`, whatever its name.
        // Where the names differ, `Gain::apply(self, x)` or `Cf::apply(&cfg,
        // x)` through an alias, rustc checks that the types are one.)
        let of_self = name == "self" || type_name_is_self(&receiver_type);
        let same_name =
            if of_self { owner.ident == "Self" } else { type_name.is_some_and(|type_name| type_name == owner.ident) };
        let owner_check = (!same_name).then(|| {
            let mut owner_path = func.path.clone();
            owner_path.segments.pop();
            owner_path.segments.pop_punct();
            let checked: syn::Type = if of_self { syn::parse_quote!(Self) } else { receiver_type.clone() };
            (owner_path, checked)
        });
        let method_call = syn::ExprMethodCall {
            attrs: Vec::new(),
            receiver: Box::new(receiver.clone()),
            dot_token: Default::default(),
            method: last.ident.clone(),
            turbofish: None,
            paren_token: call.paren_token,
            args: call.args.iter().skip(1).cloned().collect(),
        };
        Some((method_call, owner_check))
    }

    /// Whether `expr` is computed from literals and `const`s alone (`0.5`,
    /// `-(0.5)`, `2.0 * LAMBDA`, `f64::consts::PI`): a name in scope is a
    /// variable, whatever its case.
    fn is_constant_value(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Lit(_) => true,
            Expr::Paren(paren) => self.is_constant_value(&paren.expr),
            Expr::Group(group) => self.is_constant_value(&group.expr),
            Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Neg(_)) => self.is_constant_value(&unary.expr),
            Expr::Binary(binary)
                if matches!(
                    binary.op,
                    syn::BinOp::Add(_) | syn::BinOp::Sub(_) | syn::BinOp::Mul(_) | syn::BinOp::Div(_)
                ) =>
            {
                self.is_constant_value(&binary.left) && self.is_constant_value(&binary.right)
            }
            Expr::Path(path) if path.qself.is_none() => match path.path.get_ident() {
                Some(ident) => {
                    self.lookup(ident).is_none() && ident.to_string().starts_with(|c: char| c.is_ascii_uppercase())
                }
                None => path.path.segments.iter().all(|segment| segment.arguments.is_none()),
            },
            _ => false,
        }
    }

    /// Whether an argument is a variable holding floats (a literal or an
    /// integer is a constant, which a plain call may take).
    fn holds_a_float(&self, args: &[Arg]) -> bool {
        args.iter().any(|arg| match arg {
            Arg::Value(value @ (Operand::Var(_) | Operand::Place(_))) => {
                self.operand_ty(value).is_float() || self.is_aggregate_operand(value)
            }
            Arg::Value(Operand::Const(_)) => false,
            Arg::Ref { .. } => true,
        })
    }

    /// A `&mut` argument (`helper(x, &mut out)`, `&mut out[a..b]`) is an
    /// output the callee writes: it must be a whole local float buffer
    /// (`[0.0; N]`, `vec![0.0; n]`), a `&mut` output of the caller passed on,
    /// or a range of one, whose adjoint the callee's `vjp` consumes in place.
    fn check_written_argument(&self, arg: &Arg, expr: &Expr) {
        let Arg::Ref { place, .. } = arg else { return };
        let info = &self.vars[place.var.0];
        let output_param = info.kind == VarKind::Param
            && matches!(&info.declared, Some(syn::Type::Reference(r)) if r.mutability.is_some());
        let message = if (info.kind == VarKind::Param || info.by_ref) && !output_param {
            "inside #[grad] code, `&mut` passes a local float buffer or a `&mut` output of the function to a \
             #[grad] function; write into a local buffer (`let mut out = [0.0; N];`)"
        } else if !place.proj.is_empty() || info.dims.is_none() || info.zero.is_none() {
            "inside #[grad] code, `&mut` passes a local float buffer (`[0.0; N]`, `vec![0.0; n]`), a `&mut` \
             output of the function, or a range of one (`&mut out[a..b]`) to a #[grad] function; write into such \
             a buffer"
        } else {
            return;
        };
        self.cx.error_spanned_by(expr, message);
    }

    /// The variable a call statement writes in place, for a call whose
    /// value is dropped (`helper(x, &mut out);`); a call that writes a
    /// `&mut` argument and whose value is used is refused.
    pub(super) fn call_written_in_place(&self, rhs: &Rhs, used: bool, expr: &Expr) -> Option<Var> {
        let written = rhs.written_in_place()?;
        if used {
            self.cx.error_spanned_by(
                expr,
                "the value of a call that writes a `&mut` argument cannot be used inside #[grad] code yet; \
                 call it as a statement (`helper(x, &mut out);`) and return the value through another output",
            );
        }
        Some(written)
    }

    /// The arguments of a call, lowered left to right as Rust evaluates
    /// them: a value that a later argument's statements change (`f(s, { s
    /// *= y; s })`) is read into a temporary before them.
    fn call_args(&mut self, args: &Punctuated<Expr, syn::Token![,]>, out: &mut Block) -> Vec<Arg> {
        let exprs: Vec<&Expr> = args.iter().collect();
        let value = |arg: &Arg| match arg {
            Arg::Value(value) => Some(value.clone()),
            Arg::Ref { .. } => None,
        };
        let mut lowered = self.lower_each_in_order(&exprs, out, Self::call_arg, value, Arg::Value);
        // `scale(b[0], &mut b)`: a value read from a buffer the call writes
        // is read before the call, as Rust does, into a temporary of its
        // own; read in place, the call's reverse half would read it again
        // after the call wrote it.
        let written: Vec<Var> = lowered
            .iter()
            .filter_map(|arg| match arg {
                Arg::Ref { place, mutable: true, .. } => Some(place.var),
                _ => None,
            })
            .collect();
        for (arg, expr) in lowered.iter_mut().zip(&exprs) {
            let Arg::Value(value) = arg else { continue };
            if value.reads().iter().any(|var| written.contains(var)) {
                let read = self.temp(self.operand_ty(value));
                let rhs = Rhs::Use(value.clone());
                self.adopt(read, &rhs);
                self.assign(out, read, rhs, crate::ir::AssignKind::Init, expr.span());
                *value = Operand::Var(read);
            }
        }
        lowered
    }

    /// `value`, or a temporary holding it (assigned in `out`) when the
    /// statements `later` write what it reads.
    pub(super) fn read_before(
        &mut self,
        value: Operand,
        later: &Block,
        out: &mut Block,
        span: proc_macro2::Span,
    ) -> Operand {
        if later.stmts.is_empty() {
            return value;
        }
        let changed = crate::ir::written_in(later);
        if !value.reads().iter().any(|var| changed.contains(var)) {
            return value;
        }
        let read = self.temp(self.operand_ty(&value));
        self.assign(out, read, Rhs::Use(value), crate::ir::AssignKind::Init, span);
        Operand::Var(read)
    }

    /// `f64::name(x, args..)`: the float method `x.name(args..)`.
    pub(super) fn lower_float_function(
        &mut self,
        float: FloatTy,
        name: &Ident,
        call: &syn::ExprCall,
        out: &mut Block,
    ) -> Rhs {
        let mut args = self.lower_in_order(&call.args.iter().collect::<Vec<_>>(), out);
        // `f64::from(x)` is the lossless `x as f64`.
        if name == "from" && args.len() == 1 {
            return Rhs::Prim(Op::ToFloat(float), args);
        }
        let Some(op) = symbol::float_method(name) else {
            let sin_cos =
                if name == "sin_cos" { " here (it is taken apart in `let (s, c) = x.sin_cos();`)" } else { "" };
            let message = format!(
                "unsupported function `{}::{name}`{sin_cos}; #[grad] differentiates these float methods: {}",
                emit::float_type(float),
                symbol::supported_methods()
            );
            return self.unsupported(name, message);
        };
        if args.is_empty() {
            return self.unsupported(name, format!("`{name}` needs the value it applies to"));
        }
        let mut receiver = args.remove(0);
        if let Operand::Const(constant) = &mut receiver {
            constant.ty = Ty::Float(float);
        }
        self.prim_call(op, receiver, args, name)
    }
}

/// For a call of a function `#[grad]` generates, `g_grad(..)` (or `_vjp`,
/// `_jvp`, `_hvp`), the error that says what to do instead.
pub(super) fn derivative_called(expr: &Expr) -> Option<String> {
    let Expr::Call(call) = expr else { return None };
    let Expr::Path(func) = &*call.func else { return None };
    let name = func.path.segments.last()?.ident.to_string();
    let primal = ["_grad", "_vjp", "_jvp", "_hvp"]
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix).filter(|primal| !primal.is_empty()))?;
    Some(format!(
        "`{name}` is a derivative #[grad] generated for `{primal}`: a derivative inside #[grad] code would itself \
         need differentiating, which needs second order; mark `{primal}` `#[grad(hessian)]` and use its \
         `{primal}_hvp` outside differentiated code, or compute `{name}(..)` outside and pass the value in as a \
         parameter left out of `wrt(..)`"
    ))
}

fn to_vec_message() -> &'static str {
    "`to_vec` inside #[grad] functions makes a local vector: bind it with `let` (`let v = x.to_vec();`) and use `v` \
     (or give it to a name: `u = next.to_vec();`)"
}

/// Whether `ty` is `Self`.
fn type_name_is_self(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(path) if path.path.is_ident("Self"))
}

/// `T` of a parameter `&T` (a model's type, `Self` for `self`).
fn referenced_type(declared: &syn::Type) -> Option<syn::Type> {
    match declared {
        syn::Type::Reference(reference) if reference.mutability.is_none() => Some((*reference.elem).clone()),
        _ => None,
    }
}

/// `T` of `&T` written for a part of a model (`let layer: &Layer = ..`): a
/// struct's type (`may_name_settings`).
pub(super) fn model_part_type(declared: &syn::Type) -> Option<syn::Type> {
    referenced_type(declared).filter(may_name_settings)
}

/// Whether `ty` may be a part's or an enum of settings' (`Layer`, `Act`):
/// a struct's type, not a primitive, nor a standard container's as written
/// (`Vec<f64>`, `Cell<f64>`, `String`). A name of the standard library's
/// written without its type arguments is the user's own (`struct Cell`,
/// an RNN's; round 18), as `may_name_a_part` cannot tell in a path.
pub(super) fn may_name_settings(ty: &syn::Type) -> bool {
    let syn::Type::Path(path) = ty else { return false };
    let Some(last) = path.path.segments.last() else { return false };
    let standard = last.ident == "String" || (!last.arguments.is_none() && !may_name_a_part(&last.ident));
    names_a_struct(ty) && last.ident.to_string().starts_with(|c: char| c.is_ascii_uppercase()) && !standard
}

/// Whether a type's name may be a part's (`Layer`): not a standard
/// container's (`Vec`, `Box`, whose methods are not the part's) nor a
/// trait's often called by its path (`Clone::clone(&m.w)`).
fn may_name_a_part(name: &Ident) -> bool {
    const STANDARD: &[&str] = &[
        "Vec",
        "Box",
        "Option",
        "Rc",
        "Arc",
        "Cow",
        "Cell",
        "RefCell",
        "Mutex",
        "String",
        "VecDeque",
        "HashMap",
        "BTreeMap",
        "HashSet",
        "BTreeSet",
        "Params",
        "Clone",
        "Default",
        "Iterator",
        "IntoIterator",
        "Into",
        "From",
        "PartialEq",
        "PartialOrd",
        "Ord",
        "Add",
        "Sub",
        "Mul",
        "Div",
        "Neg",
        "Float",
    ];
    name.to_string().starts_with(|c: char| c.is_ascii_uppercase()) && !STANDARD.iter().any(|std| name == std)
}

/// Whether `ty` names a struct or an enum (a path that is no primitive).
fn names_a_struct(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(path) if path.qself.is_none() && !is_primitive(&path.path))
}

/// Why a method called on a value of a type the macro cannot see is
/// refused, with the binding that fixes it.
fn unknown_receiver_message(receiver: &Expr, method: &Ident) -> String {
    let mut receiver = receiver;
    while let Expr::Paren(syn::ExprParen { expr, .. }) | Expr::Group(syn::ExprGroup { expr, .. }) = receiver {
        receiver = expr;
    }
    let constructor = match receiver {
        Expr::Call(call) => match &*call.func {
            Expr::Path(path) => super::constructor_owner(path).map(|ty| (path, ty)),
            _ => None,
        },
        _ => None,
    };
    if let Some((path, ty)) = constructor {
        let path = quote::ToTokens::to_token_stream(&path.path).to_string().replace(' ', "");
        let ty = quote::ToTokens::to_token_stream(&ty).to_string().replace(' ', "");
        return format!(
            "#[grad] calls `{method}` on a named value: bind the value first (`let value = {path}(..);`, taken for \
             a `{ty}`), then call `value.{method}(..)`"
        );
    }
    let name = match receiver {
        Expr::Path(path) => path.path.get_ident().map(crate::naming::name_of),
        _ => None,
    };
    match name {
        Some(name) => format!(
            "cannot tell the type of `{name}`, which `{method}` is called on; write it where `{name}` is bound \
             (`let {name}: usize = ..`, `let mut {name}: Vec<f64> = Vec::new();`, `let {name}: Config = ..`)"
        ),
        None => format!(
            "cannot tell the type of the value `{method}` is called on; bind it with a typed `let` (`let n: usize = \
             ..`, `let cfg: Config = ..`) and call `{method}` on that"
        ),
    }
}

/// Whether `path` names a primitive type (`str`, `usize`, ..), whose
/// methods are no `#[grad]` methods.
pub(super) fn is_primitive(path: &syn::Path) -> bool {
    const PRIMITIVES: &[&str] = &[
        "str", "bool", "char", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64",
    ];
    path.get_ident().is_some_and(|ident| PRIMITIVES.iter().any(|name| ident == name))
}

/// The float type `T` of a path `<T>::item`, when `T` is `f32` or `f64`
/// (not `<T as Trait>::item`).
pub(super) fn float_qself(qself: &syn::QSelf) -> Option<FloatTy> {
    if qself.position == 0 {
        float_ty(&qself.ty)
    } else {
        None
    }
}

pub(super) fn qualified_path_message() -> &'static str {
    "qualified paths (`<T as Trait>::f`) are not supported inside #[grad] functions; \
     write the float function as `f64::exp(x)` or `x.exp()`, or call a #[grad] function by name or path"
}

/// `len == 0`.
fn is_zero(len: Operand) -> Rhs {
    Rhs::Prim(Op::Eq, vec![len, Operand::Const(Const { tokens: quote!(0usize), ty: Ty::Other })])
}
