//! Where the examples write their pictures: into the directory given as
//! the program's first argument, or else `autodiff-pictures/` in the
//! `target` directory the example was built into, wherever it is run from
//! (never into the source tree).

use std::path::{Path, PathBuf};

/// The directory for the pictures (see the module documentation).
pub fn picture_dir() -> PathBuf {
    // A test that runs an example's `main` has the test harness's arguments
    // (`--quiet`, a filter), which name no directory.
    let argument = if cfg!(test) { None } else { std::env::args_os().nth(1) };
    if let Some(dir) = argument {
        return PathBuf::from(dir);
    }
    // The binary is TARGET/PROFILE/examples/NAME (or TARGET/TRIPLE/PROFILE/...);
    // a test's is TARGET/PROFILE/deps/NAME.
    let exe = std::env::current_exe().ok();
    let target = exe.as_deref().and_then(|e| e.ancestors().nth(3)).map(Path::to_path_buf);
    target.unwrap_or_else(|| PathBuf::from("target")).join("autodiff-pictures")
}

/// Writes `contents` to `file` in [`picture_dir`] and says where, or why not.
pub fn write_picture(file: &str, what: &str, contents: &str) {
    let dir = picture_dir();
    let path = dir.join(file);
    match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, contents)) {
        Ok(()) => println!("{what}: {}", path.display()),
        Err(e) => eprintln!("could not write {}: {e}", path.display()),
    }
}
