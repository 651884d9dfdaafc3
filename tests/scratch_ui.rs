#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    for f in std::env::var("UI").unwrap().split(',') {
        t.compile_fail(format!("tests/ui/{f}.rs"));
    }
}
