//! Generates the Asterisk bindings and takes the module's compile-time identity from the headers.
//!
//! Inputs:
//! - `ASTERISK_INCLUDE_DIR`: a directory holding `asterisk.h` and `asterisk/`. Without it, `/usr/include`
//!   and then the sandbox's header copy (`/var/lib/res-digium-phone/include`) are tried.
//! - feature `portable`: leave `buildopt_sum` empty so one binary loads into any Asterisk build whose
//!   struct layouts match (Asterisk then skips its compile-time option check).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

const SANDBOX_INCLUDE: &str = "/var/lib/res-digium-phone/include";

fn main() {
    println!("cargo:rerun-if-changed=include/wrapper.h");
    println!("cargo:rerun-if-env-changed=ASTERISK_INCLUDE_DIR");
    for path in git_head_files() {
        println!("cargo:rerun-if-changed={path}");
    }

    let include = find_include_dir();
    println!("cargo:rerun-if-changed={}", include.join("asterisk/buildopts.h").display());

    let sum = if env::var_os("CARGO_FEATURE_PORTABLE").is_some() {
        String::new()
    } else {
        buildopt_sum(&include)
    };
    println!("cargo:rustc-env=RDP_BUILDOPT_SUM={sum}");
    // The headers declare the test framework's types only when Asterisk was built with it.
    println!("cargo::rustc-check-cfg=cfg(asterisk_test_framework)");
    if has_test_framework(&include) {
        println!("cargo:rustc-cfg=asterisk_test_framework");
    }
    println!("cargo:rustc-env=RDP_BUILD_ID={}", build_id());

    generate_bindings(&include);
}

fn find_include_dir() -> PathBuf {
    if let Some(dir) = env::var_os("ASTERISK_INCLUDE_DIR") {
        let dir = PathBuf::from(dir);
        if !dir.join("asterisk.h").is_file() {
            fail(&format!(
                "ASTERISK_INCLUDE_DIR={} holds no asterisk.h (it must hold asterisk.h and asterisk/)",
                dir.display()
            ));
        }
        return dir;
    }
    for dir in ["/usr/include", SANDBOX_INCLUDE] {
        if Path::new(dir).join("asterisk.h").is_file() {
            return PathBuf::from(dir);
        }
    }
    fail(
        "the Asterisk development headers were not found. Install them (Debian: `apt-get install asterisk-dev`), \
         set ASTERISK_INCLUDE_DIR to a directory holding asterisk.h and asterisk/, \
         or run `contrib/sandbox.sh setup` to use the sandbox's Asterisk 22 headers",
    )
}

/// The `AST_BUILDOPT_SUM` of the headers: Asterisk refuses modules whose sum differs from its own.
fn buildopt_sum(include: &Path) -> String {
    let path = include.join("asterisk/buildopts.h");
    let text = fs::read_to_string(&path)
        .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", path.display())));
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("#define AST_BUILDOPT_SUM"))
        .map(|v| v.trim().trim_matches('"').to_string())
        .next()
        .unwrap_or_default()
}

fn has_test_framework(include: &Path) -> bool {
    fs::read_to_string(include.join("asterisk/buildopts.h"))
        .is_ok_and(|text| text.lines().any(|l| l.trim() == "#define TEST_FRAMEWORK 1"))
}

/// A short identity of the source the module was built from, shown by `digium_phones show version`.
/// The files whose change means another commit is checked out: HEAD and the branch it names, where
/// git keeps them (in a linked worktree `.git` is a file, and HEAD lives under the main checkout).
fn git_head_files() -> Vec<String> {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let mut files: Vec<String> = git(&["rev-parse", "--git-path", "HEAD"]).into_iter().collect();
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        files.extend(git(&["rev-parse", "--git-path", &branch]));
    }
    files.retain(|f| Path::new(f).exists());
    files
}

fn build_id() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

fn generate_bindings(include: &Path) {
    let builder = bindgen::Builder::default()
        .header("include/wrapper.h")
        .clang_arg(format!("-I{}", include.display()))
        // AST_INLINE_API functions become plain prototypes; Asterisk exports all of them.
        .clang_arg("-DDISABLE_INLINE")
        // RAII_VAR uses clang blocks under __clang__.
        .clang_arg("-fblocks")
        .allowlist_function("_?_?ast_.*|_?_?ao2_.*|astman_.*")
        .allowlist_type("ast_.*|AST_.*")
        .allowlist_var(
            "AST_.*|ast_.*|ASTERISK_.*|CLI_.*|RESULT_.*|option_.*|__LOG_.*|CONFIG_.*|EVENT_FLAG_.*|RDP_.*",
        )
        .default_enum_style(bindgen::EnumVariation::Consts)
        .derive_default(true)
        .layout_tests(true)
        .generate_comments(false)
        .parse_callbacks(Box::new(bindgen::CargoCallbacks::new()));
    let generated =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || builder.generate()));
    let bindings = match generated {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => fail(&format!(
            "bindgen could not read the Asterisk headers in {}: {e}",
            include.display()
        )),
        Err(_) => fail(
            "bindgen needs libclang. Install it (Debian: `apt-get install clang libclang-dev`) \
             or point LIBCLANG_PATH at it",
        ),
    };
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    bindings
        .write_to_file(out.join("bindings.rs"))
        .unwrap_or_else(|e| fail(&format!("cannot write bindings: {e}")));
}

fn fail(msg: &str) -> ! {
    eprintln!("error: res_digium_phone: {msg}");
    panic!("res_digium_phone: {msg}");
}
