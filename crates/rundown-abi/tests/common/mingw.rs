//! Compiling C with mingw-w64, and the static assertions the generated C files consist of.
//!
//! Needs mingw-w64 (`apt-get install gcc-mingw-w64-x86-64`; `cargo xtask test` installs it): a
//! test that compiles C fails, naming the package, without `x86_64-w64-mingw32-gcc`. The C++
//! compiles also need `g++-mingw-w64-x86-64` and are skipped, with a note, without it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The C compiler.
pub const GCC: &str = "x86_64-w64-mingw32-gcc";
/// The C++ compiler (optional).
pub const GXX: &str = "x86_64-w64-mingw32-g++";
/// Where Debian's mingw-w64 packages put the DDK headers.
const DDK_DIRS: [&str; 2] = ["/usr/share/mingw-w64/include/ddk", "/usr/x86_64-w64-mingw32/include/ddk"];
/// What to install when the compiler is missing.
const INSTALL: &str = "install the Debian package gcc-mingw-w64-x86-64 (`apt-get install gcc-mingw-w64-x86-64`; \
                       `cargo xtask test` does this)";

/// Which Windows headers a C file is compiled against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Headers {
    /// User mode: `<windows.h>`, `<winioctl.h>`; mingw-w64's default include path.
    User,
    /// Kernel mode: `<ntddk.h>`, `<wdm.h>`; the DDK directory first.
    Ddk,
}

/// `CHECK(expr, what)` is the static assertion in C11 and C++; `SAME_TYPE(expr, type)` compares
/// the type of an unevaluated expression with a type name; `ALIGNOF(type)` is `_Alignof`.
pub const CHECK_MACROS: &str = r"#ifdef __cplusplus
template <class A, class B> struct same_type { enum { value = 0 }; };
template <class A> struct same_type<A, A> { enum { value = 1 }; };
#define SAME_TYPE(expr, type) same_type<decltype(expr), type>::value
#define CHECK(expr, what) static_assert(expr, what)
#define ALIGNOF(type) alignof(type)
#else
#define SAME_TYPE(expr, type) _Generic((expr), type: 1, default: 0)
#define CHECK(expr, what) _Static_assert(expr, what)
#define ALIGNOF(type) _Alignof(type)
#endif
";

/// The static assertions, as C source: each failing one names the fact and its Rust value.
#[derive(Default)]
pub struct Checks(pub String);

impl Checks {
    /// `c_expr` equals `rust`, a size or offset in decimal.
    pub fn equal(&mut self, what: &str, c_expr: &str, rust: u64) {
        writeln!(self.0, "CHECK(({c_expr}) == {rust}ULL, \"{what} is {rust} in Rust\");").expect("write to a String");
    }

    /// `c_expr` equals the constant `rust`, shown in hex.
    pub fn constant(&mut self, name: &str, c_expr: &str, rust: u64) {
        writeln!(self.0, "CHECK(({c_expr}) == 0x{rust:X}ULL, \"{name} is 0x{rust:X} in Rust\");")
            .expect("write to a String");
    }

    /// The unevaluated `c_expr` has the type `c_type`.
    pub fn same_type(&mut self, what: &str, c_expr: &str, c_type: &str) {
        writeln!(self.0, "CHECK(SAME_TYPE({c_expr}, {c_type}), \"{what} is {c_type} in Rust\");")
            .expect("write to a String");
    }

    /// The macro `name` is defined; `#error` naming the Rust item otherwise.
    pub fn defined(&mut self, name: &str, rust: &str) {
        writeln!(self.0, "#ifndef {name}\n#error \"the header lacks {name} ({rust} in Rust)\"\n#endif")
            .expect("write to a String");
    }

    /// The number of assertions.
    pub fn count(&self) -> usize {
        self.0.lines().filter(|line| line.starts_with("CHECK(") || line.starts_with("#ifndef")).count()
    }
}

/// A size or offset as the `u64` the assertions compare with.
pub fn bytes(n: usize) -> u64 {
    u64::try_from(n).expect("a size fits u64")
}

/// The DDK headers' directory; fails naming the package if mingw-w64 is missing.
pub fn ddk_dir() -> &'static str {
    DDK_DIRS
        .into_iter()
        .find(|dir| Path::new(dir).join("ntddk.h").is_file())
        .unwrap_or_else(|| panic!("mingw-w64's DDK headers (ntddk.h) are not in {DDK_DIRS:?}: {INSTALL}"))
}

/// `include/`, where the headers are.
pub fn include_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../include")
}

/// Writes `source` under the target's temporary directory as `name` and runs `compiler` on it
/// with `-Wall -Wextra -pedantic -Werror`, `include/` on the path and `args`: `None` if the
/// compiler is not installed.
pub fn run(compiler: &str, name: &str, source: &str, headers: Headers, args: &[&str]) -> Option<Output> {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, source).expect("write the C file");
    let mut command = Command::new(compiler);
    command.args(["-Wall", "-Wextra", "-pedantic", "-Werror"]);
    if headers == Headers::Ddk {
        command.args(["-isystem", ddk_dir()]);
    }
    let output = command.arg("-I").arg(include_dir()).args(args).arg(&path).output();
    match output {
        Ok(output) => Some(output),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => panic!("cannot run {compiler}: {error}"),
    }
}

/// [`run`] with gcc; fails naming the package if gcc is missing.
pub fn run_gcc(name: &str, source: &str, headers: Headers, args: &[&str]) -> Output {
    run(GCC, name, source, headers, args)
        .unwrap_or_else(|| panic!("{GCC} not found: this test compiles the C headers in include/; {INSTALL}"))
}

/// The compiler's diagnostics, or `Ok` if it succeeded.
pub fn outcome(output: &Output) -> Result<(), String> {
    if output.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&output.stderr).into_owned()) }
}

/// Compiles `source` with gcc as C11 (`-fsyntax-only`); fails naming the package if gcc is
/// missing.
pub fn compile_c(name: &str, source: &str, headers: Headers, args: &[&str]) -> Result<(), String> {
    let args = [&["-fsyntax-only", "-x", "c", "-std=c11"], args].concat();
    outcome(&run_gcc(name, source, headers, &args))
}

/// Compiles `source` with g++ as C++17 (`-fsyntax-only`): `None`, after a note, if g++ is not
/// installed.
pub fn compile_cpp(name: &str, source: &str, headers: Headers, args: &[&str]) -> Option<Result<(), String>> {
    let args = [&["-fsyntax-only", "-x", "c++", "-std=c++17"], args].concat();
    let Some(output) = run(GXX, name, source, headers, &args) else {
        println!("note: {GXX} not found, C++ compile skipped (apt-get install g++-mingw-w64-x86-64)");
        return None;
    };
    Some(outcome(&output))
}

/// Runs the preprocessor (`-E -P`) on `source` as C: its output.
pub fn preprocess(name: &str, source: &str, headers: Headers, args: &[&str]) -> String {
    let args = [&["-E", "-P", "-x", "c"], args].concat();
    let output = run_gcc(name, source, headers, &args);
    if let Err(stderr) = outcome(&output) {
        panic!("preprocessing {name} failed:\n{stderr}");
    }
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The C string literal of `value`, as the preprocessor prints it: `L"..."` if `wide`.
pub fn c_literal(value: &str, wide: bool) -> String {
    format!("{}\"{}\"", if wide { "L" } else { "" }, value.replace('\\', "\\\\"))
}

/// The literal the preprocessed `text` prints after `label ` on a line of its own.
pub fn printed<'t>(text: &'t str, label: &str) -> Option<&'t str> {
    text.lines().find_map(|line| line.strip_prefix(label)?.strip_prefix(' '))
}
