//! Which kind of module an import descriptor names.

/// How a driver's import of a DLL is judged.
///
/// ```
/// use pe_check::DllKind;
/// assert_eq!(DllKind::of("VCRUNTIME140.dll"), DllKind::Crt);
/// assert_eq!(DllKind::of("KERNEL32.dll"), DllKind::UserMode);
/// assert_eq!(DllKind::of("ntoskrnl.exe"), DllKind::Other);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DllKind {
    /// A C runtime: `msvcrt*`, `ucrtbase*`, `vcruntime*`, `msvcp*`, `api-ms-win-crt-*`.
    Crt,
    /// A user-mode system DLL: `kernel32`, `kernelbase`, `ntdll`, `user32`, `advapi32`, other
    /// `api-ms-win-*` / `ext-ms-*` API sets.
    UserMode,
    /// Anything else (kernel modules, unknown DLLs).
    Other,
}

const CRT_PREFIXES: &[&str] = &["msvcrt", "ucrtbase", "vcruntime", "msvcp", "api-ms-win-crt-"];
const USER_MODE: &[&str] = &["kernel32.dll", "kernelbase.dll", "ntdll.dll", "user32.dll", "advapi32.dll"];
const USER_MODE_PREFIXES: &[&str] = &["api-ms-win-", "ext-ms-"];

impl DllKind {
    /// Classifies a DLL name, ignoring ASCII case.
    #[must_use]
    pub fn of(dll: &str) -> Self {
        let name = dll.to_ascii_lowercase();
        if CRT_PREFIXES.iter().any(|p| name.starts_with(p)) {
            Self::Crt
        } else if USER_MODE.contains(&name.as_str()) || USER_MODE_PREFIXES.iter().any(|p| name.starts_with(p)) {
            Self::UserMode
        } else {
            Self::Other
        }
    }
}
