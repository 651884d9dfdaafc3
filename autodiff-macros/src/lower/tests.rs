//! Printed-IR tests of lowering, and `lowered`, which other passes' tests use.

use proc_macro2::TokenStream;

use super::*;
use syn::ItemFn;

/// Lowers `item` (after inference) and prints its IR, or the errors.
pub fn lowered(item: ItemFn) -> Result<(Body, Namer), String> {
    let args = crate::attr::parse(TokenStream::new()).map_err(|e| e.to_string())?;
    let cx = Ctxt::new();
    let sig = crate::signature::check(&item, &args, &cx);
    let mut namer = Namer::new(&item);
    let body = sig.map(|sig| {
        let mut body = lower(&sig, &mut namer, &cx);
        crate::infer::infer(&mut body, sig.float());
        body
    });
    cx.check().map_err(|e| e.into_iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))?;
    body.map(|body| (body, namer)).ok_or_else(|| "no signature".to_owned())
}

fn ir(item: ItemFn) -> String {
    lowered(item).map(|(body, _)| body.to_string()).unwrap_or_else(|e| e)
}

#[test]
fn nested_expressions_become_temporaries() {
    let got = ir(syn::parse_quote! {
        fn f(a: f64, b: f64, c: f64) -> f64 {
            let u = a + b * c;
            3.0 * u.sin()
        }
    });
    let want = "\
fn(a: f64, b: f64, c: f64) -> __ret: f64
    __t1: f64 = mul(b, c)
    u: f64 = add(a, __t1)
    __t2: f64 = sin(u)
    __ret: f64 = mul(3.0, __t2)
";
    assert_eq!(got, want);
}

#[test]
fn early_return_guards_the_rest() {
    let got = ir(syn::parse_quote! {
        fn f(x: f64) -> f64 {
            if x > 0.0 {
                return x;
            }
            -x
        }
    });
    let want = "\
fn(x: f64) -> __ret: f64
    __t1: bool = gt(x, 0.0)
    if __t1 {
        __ret: f64 = x
        __done: bool := true
    }
    __t2: bool = not(__done)
    if __t2 {
        __ret: f64 = neg(x)
    }
";
    assert_eq!(got, want);
}

#[test]
fn shadowing_renames_and_reassignment_overwrites() {
    let got = ir(syn::parse_quote! {
        fn f(x: f64, n: i32) -> f64 {
            let mut s = 0.0;
            s += x;
            let x = x * 2.0;
            let k = n * 2;
            s * x.powi(k)
        }
    });
    let want = "\
fn(x: f64, n: other) -> __ret: f64
    s: f64 = 0.0
    s: f64 := add(s, x)
    x_1: f64 = mul(x, 2.0)
    k: other = mul(n, 2)
    __t1: f64 = powi(x_1, k)
    __ret: f64 = mul(s, __t1)
";
    assert_eq!(got, want);
}

#[test]
fn short_circuit_evaluates_the_right_side_only_when_rust_would() {
    let got = ir(syn::parse_quote! {
        fn f(x: f64, y: f64) -> f64 {
            if x > 0.0 && y > 0.0 { x } else { y }
        }
    });
    let want = "\
fn(x: f64, y: f64) -> __ret: f64
    __t2: bool = gt(x, 0.0)
    if __t2 {
        __t1: bool = gt(y, 0.0)
    } else {
        __t1: bool = false
    }
    if __t1 {
        __ret: f64 = x
    } else {
        __ret: f64 = y
    }
";
    assert_eq!(got, want);
}

#[test]
fn paths_and_methods_lower_to_the_same_op() {
    let got = ir(syn::parse_quote! {
        fn f(x: f64) -> f64 {
            f64::powf(2.0, x) + x.powf(2.0) + std::f64::consts::PI
        }
    });
    assert!(got.contains("powf(2.0, x)"), "{got}");
    assert!(got.contains("powf(x, 2.0)"), "{got}");
    assert!(got.contains("std :: f64 :: consts :: PI"), "{got}");
}

#[test]
fn unsupported_constructs_are_all_reported() {
    let errors = ir(syn::parse_quote! {
        fn f(x: f64) -> f64 {
            let c = move |v: f64| v;
            println!("{}", x);
            let (a, b) = [x, 1.0];
            x
        }
    });
    assert!(errors.contains("`move` closures are not supported"), "{errors}");
    assert!(errors.contains("macro `println!`"), "{errors}");
    assert!(errors.contains("a tuple `let` inside #[grad] functions takes a tuple of values"), "{errors}");
}

#[test]
fn a_refused_value_is_reported_once() {
    let errors = ir(syn::parse_quote! {
        fn f(x: &[f64], t: f64) -> f64 {
            let i = x.partition_point(|&v| v < t);
            let j = i + 1;
            let k = j.min(3);
            let w = some_macro!(t);
            let mut n = 0;
            n = x.iter().position(|&v| v > t).unwrap_or_default();
            x[i] * x[k] * w.sin() + w.unknown() + x[n].bad()
        }
    });
    assert_eq!(errors.lines().count(), 4, "{errors}");
    assert!(errors.contains("unsupported method `partition_point`"), "{errors}");
    assert!(errors.contains("iterator method `position`"), "{errors}");
    assert!(errors.contains("unsupported method `bad`"), "{errors}");
    assert!(errors.contains("macro `some_macro!`"), "{errors}");
}

#[test]
fn return_in_a_closure_gives_the_element_value() {
    let got = ir(syn::parse_quote! {
        fn f(x: &[f64]) -> f64 {
            x.iter().map(|v| { if *v > 0.0 { return 1.0; } v * v }).sum::<f64>()
        }
    });
    // The closure's `return` sets its value and a per-pass flag that
    // guards the rest of its body; the sum still adds every element.
    assert!(got.contains("__returned: bool = false"), "{got}");
    assert!(got.contains("__returned: bool := true"), "{got}");
    assert!(!got.contains("__done"), "{got}");
    assert!(got.contains("__ret: f64 := add(__ret, __t"), "{got}");
}

#[test]
fn return_in_a_loop_in_a_closure_is_refused() {
    let errors = ir(syn::parse_quote! {
        fn f(x: &[f64]) -> f64 {
            x.iter().map(|v| { for i in 0..2 { if *v > 0.0 { return 1.0; } } v * v }).sum::<f64>()
        }
    });
    assert!(errors.contains("`return` inside a loop inside a closure"), "{errors}");
}

#[test]
fn unknown_methods_name_the_supported_ones() {
    let errors = ir(syn::parse_quote! {
        fn f(x: f64) -> f64 { x.frobnicate() }
    });
    assert!(errors.contains("unsupported method `frobnicate`"), "{errors}");
    assert!(errors.contains("exp, exp2"), "{errors}");
}
#[test]
fn a_loop_index_is_not_assignable() {
    for item in [
        syn::parse_quote! { fn f(x: f64) -> f64 { for i in 0..2 { i = 1; } x } },
        syn::parse_quote! { fn f(x: &[f64]) -> f64 { for i in 0..2 { i[i] = x[i]; } x[0] } },
    ] {
        let error = lowered(item).err().unwrap_or_default();
        assert!(error.contains("a loop's index cannot be assigned"), "{error}");
    }
    // A `mut` index is a copy the body may change.
    assert!(lowered(syn::parse_quote! { fn f(x: f64) -> f64 { for mut i in 0..2 { i += 1; } x } }).is_ok());
}

#[test]
fn match_becomes_an_if_chain_whose_last_arm_is_untested() {
    let got = ir(syn::parse_quote! {
        fn f(x: f64, n: u32) -> f64 {
            match n {
                0 => 1.0,
                1 | 2 if x > 0.0 => x,
                k => x * k as f64,
            }
        }
    });
    // The guard runs only where the pattern matched; `k` names `n`.
    let want = "\
fn(x: f64, n: other) -> __ret: f64
    __t1: bool = matches(n, 0)
    if __t1 {
        __ret: f64 = 1.0
    } else {
        __t2: bool = matches(n, 1 | 2)
        if __t2 {
            __t3: bool = gt(x, 0.0)
        } else {
            __t3: bool = false
        }
        if __t3 {
            __ret: f64 = x
        } else {
            __t4: f64 = to_f64(n)
            __ret: f64 = mul(x, __t4)
        }
    }
";
    assert_eq!(got, want);
}

#[test]
fn names_inside_a_variant_are_read_once_the_arm_is_taken() {
    let got = ir(syn::parse_quote! {
        fn f(x: f64, shape: Shape) -> f64 {
            match shape {
                Shape::Rect { w, h } => x * w * h,
                Circle => x,
            }
        }
    });
    // The test erases the names; each name is read with a pattern that
    // binds only it. A capitalized name (`Circle`) is a constant or a
    // variant, not a binding: the last arm, untested.
    assert!(got.contains("matches(shape, Shape :: Rect { w : _ , h : _ })"), "{got}");
    assert!(got.contains("bound(shape, Shape :: Rect { w , h : _ } => w)"), "{got}");
    assert!(got.contains("bound(shape, Shape :: Rect { w : _ , h } => h)"), "{got}");
    assert!(got.contains("__ret: f64 = x\n"), "{got}");
}

/// `fold(false, |any, &v| any || ..)` writes the accumulator in the
/// branches of its own test: the test reads a copy (the IR's invariant: an
/// `if` does not write its condition).
#[test]
fn a_short_circuit_into_its_own_left_side_tests_a_copy() {
    let (body, _) = lowered(syn::parse_quote! {
        fn f(x: &[f64]) -> f64 {
            if x.iter().fold(false, |any, &v| any || v > 0.0) { x[0] } else { 0.0 }
        }
    })
    .expect("lowers");
    crate::validate::check(&body, &[], crate::validate::Stage::Lowered).expect("the IR's invariants hold");
}

#[test]
fn a_method_is_called_on_a_local_struct_only_when_it_is_a_constant() {
    let constant = ir(syn::parse_quote! {
        fn f(x: f64) -> f64 {
            let cfg = Config { scale: -SCALE, shift: [0.5; 2] };
            cfg.apply(x)
        }
    });
    assert!(constant.contains("Config { scale : - SCALE , shift : [0.5 ; 2] }"), "{constant}");
    // A parameter of no float type is a constant.
    let constant = ir(syn::parse_quote! {
        fn f(x: f64, n: usize) -> f64 {
            let cfg = Config { n, scale: 2.0 };
            cfg.apply(x)
        }
    });
    assert!(constant.contains("Config { n , scale : 2.0 }"), "{constant}");
    // A local named like a constant, a field of a value, a differentiated
    // parameter.
    for item in [
        syn::parse_quote! { fn f(x: f64, k: f64) -> f64 { let cfg = Config { scale: k }; cfg.apply(x) } },
        syn::parse_quote! { fn f(x: f64) -> f64 { let K = x; let cfg = Config { scale: K }; cfg.apply(x) } },
        syn::parse_quote! { fn f(x: f64) -> f64 { let cfg = Config { scale: 2.0 * x }; cfg.apply(x) } },
    ] {
        let errors = ir(item);
        assert!(errors.contains("from values that are not constants"), "{errors}");
    }
    // A `mut` struct of constants: refused for the `mut`.
    let errors = ir(syn::parse_quote! { fn f(x: f64) -> f64 { let mut cfg = Config { scale: 2.0 }; cfg.apply(x) } });
    assert!(errors.contains("`cfg` is declared `mut`"), "{errors}");
}

/// `n[t] = ..` of an integer parameter (a fuzzer's mutation): refused at
/// the element, not an internal error about the loop `n` bounds.
#[test]
fn an_element_of_an_integer_parameter_is_refused() {
    let got = ir(syn::parse_quote! {
        fn f(x: &[f64], n: usize) -> f64 {
            let mut s = 0.0;
            for t in 0..n {
                n[t] = [x[t], 0.5];
                s += x[t];
            }
            s
        }
    });
    assert!(got.contains("`n` is no array, slice, vector or model"), "{got}");
}

/// A struct literal where the macro writes an expression into a loop's
/// header or a `match` (a fuzzer's mutation): lowered or refused, never a
/// panic of the macro's own parsing.
#[test]
fn a_struct_literal_in_a_written_header_does_not_panic() {
    for item in [
        syn::parse_quote! {
            fn f(x: &[f64; 4]) -> f64 {
                let scaled: Vec<_> = S { a: x }.a.collect();
                scaled[0]
            }
        },
        syn::parse_quote! {
            fn f(x: f64) -> f64 {
                if matches!(S { a: 1 }, S { .. }) { x } else { 0.0 }
            }
        },
    ] {
        let _ = ir(item);
    }
}
