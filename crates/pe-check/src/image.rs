//! What a driver image says about itself, read with `object`.

use object::LittleEndian as LE;
use object::pe::{self, ImageNtHeaders32, ImageNtHeaders64};
use object::read::pe::{ExportTarget, ImageNtHeaders, ImageOptionalHeader, Import, PeFile};

use crate::checksum::{checksum_field_offset, pe_checksum};
use crate::error::PeError;

/// The functions an image imports from one DLL.
///
/// ```
/// let ntos = pe_check::DllImports { dll: "ntoskrnl.exe".into(), functions: vec!["IoCreateDevice".into()] };
/// assert!(ntos.imports("IoCreateDevice"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DllImports {
    /// The DLL name as written in the import descriptor, e.g. `ntoskrnl.exe`.
    pub dll: String,
    /// Function names; an import by ordinal appears as `#<ordinal>`.
    pub functions: Vec<String>,
}

impl DllImports {
    /// Whether `function` is imported from this DLL (exact, case-sensitive, as the loader binds).
    #[must_use]
    pub fn imports(&self, function: &str) -> bool {
        self.functions.iter().any(|f| f == function)
    }
}

/// The facts of a PE image that decide whether it is a well-formed kernel driver.
///
/// ```no_run
/// let bytes = std::fs::read("target/sys/rundown.sys").unwrap();
/// let image = pe_check::DriverImage::parse(&bytes).unwrap();
/// assert!(image.is_pe32_plus && image.is_amd64() && image.is_native());
/// println!("entry {:#x} = {:?}", image.entry_point, image.entry_symbol);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverImage {
    /// The optional header magic is PE32+ (`0x20b`), not PE32 (`0x10b`).
    pub is_pe32_plus: bool,
    /// `IMAGE_FILE_HEADER.Machine` (AMD64 is `0x8664`).
    pub machine: u16,
    /// `IMAGE_FILE_HEADER.Characteristics`.
    pub file_characteristics: u16,
    /// `IMAGE_OPTIONAL_HEADER.Subsystem` (NATIVE is 1).
    pub subsystem: u16,
    /// `AddressOfEntryPoint`, an RVA.
    pub entry_point: u32,
    /// The name of an export whose RVA is the entry point, if any (`DriverEntry` first).
    pub entry_symbol: Option<String>,
    /// The RVA of the export named `DriverEntry`, if the image exports it.
    pub driver_entry_export: Option<u32>,
    /// Imports, one entry per import descriptor, in file order.
    pub imports: Vec<DllImports>,
    /// The base relocation data directory is non-empty.
    pub has_relocations: bool,
    /// `CheckSum` as stored in the optional header.
    pub stored_checksum: u32,
    /// The checksum recomputed over the file ([`crate::pe_checksum`]).
    pub computed_checksum: u32,
    /// `DllCharacteristics`.
    pub dll_characteristics: u16,
}

impl DriverImage {
    /// Reads the headers, exports, imports, relocation directory and checksum of `bytes`.
    ///
    /// ```
    /// assert!(pe_check::DriverImage::parse(&[0; 16]).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`PeError`] when `bytes` is not a PE image `object` can read, including a broken import or
    /// export table.
    pub fn parse(bytes: &[u8]) -> Result<Self, PeError> {
        match object::read::pe::optional_header_magic(bytes)? {
            pe::IMAGE_NT_OPTIONAL_HDR64_MAGIC => read::<ImageNtHeaders64>(bytes),
            pe::IMAGE_NT_OPTIONAL_HDR32_MAGIC => read::<ImageNtHeaders32>(bytes),
            magic => Err(PeError::UnknownMagic(magic)),
        }
    }

    /// `Machine` is `IMAGE_FILE_MACHINE_AMD64`.
    #[must_use]
    pub fn is_amd64(&self) -> bool {
        self.machine == pe::IMAGE_FILE_MACHINE_AMD64.0
    }

    /// `Subsystem` is `IMAGE_SUBSYSTEM_NATIVE`.
    #[must_use]
    pub fn is_native(&self) -> bool {
        self.subsystem == pe::IMAGE_SUBSYSTEM_NATIVE.0
    }

    /// `IMAGE_FILE_RELOCS_STRIPPED` is set: the image says it cannot be moved from its base.
    #[must_use]
    pub fn is_relocs_stripped(&self) -> bool {
        self.file_characteristics & pe::IMAGE_FILE_RELOCS_STRIPPED.0 != 0
    }

    /// `IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE` is set (`/DYNAMICBASE`).
    #[must_use]
    pub fn is_dynamic_base(&self) -> bool {
        self.dll_characteristics & pe::IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE.0 != 0
    }

    /// `IMAGE_DLLCHARACTERISTICS_NX_COMPAT` is set (`/NXCOMPAT`).
    #[must_use]
    pub fn is_nx_compat(&self) -> bool {
        self.dll_characteristics & pe::IMAGE_DLLCHARACTERISTICS_NX_COMPAT.0 != 0
    }

    /// Every `(dll, function)` pair the image imports.
    pub fn imported_functions(&self) -> impl Iterator<Item = (&str, &str)> {
        self.imports.iter().flat_map(|d| d.functions.iter().map(move |f| (d.dll.as_str(), f.as_str())))
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn read<Pe: ImageNtHeaders>(bytes: &[u8]) -> Result<DriverImage, PeError> {
    let file = PeFile::<Pe>::parse(bytes)?;
    let headers = file.nt_headers();
    let optional = headers.optional_header();
    let entry_point = optional.address_of_entry_point();

    let mut exports = Vec::new();
    if let Some(table) = file.export_table()? {
        for export in table.exports()? {
            if let (Some(name), ExportTarget::Address(rva)) = (export.name, export.target) {
                exports.push((text(name), rva));
            }
        }
    }
    let driver_entry_export = exports.iter().find(|(name, _)| name == "DriverEntry").map(|&(_, rva)| rva);
    let entry_symbol = if driver_entry_export == Some(entry_point) {
        Some("DriverEntry".to_owned())
    } else {
        exports.iter().find(|&&(_, rva)| rva == entry_point).map(|(name, _)| name.clone())
    };

    let has_relocations = file
        .data_directory(pe::IMAGE_DIRECTORY_ENTRY_BASERELOC)
        .is_some_and(|dir| dir.virtual_address.get(LE) != 0 && dir.size.get(LE) != 0);
    let checksum_offset = checksum_field_offset(file.dos_header().nt_headers_offset() as usize);

    Ok(DriverImage {
        is_pe32_plus: headers.is_type_64(),
        machine: headers.file_header().machine.get(LE).0,
        file_characteristics: headers.file_header().characteristics.get(LE).0,
        subsystem: optional.subsystem().0,
        entry_point,
        entry_symbol,
        driver_entry_export,
        imports: imports::<Pe>(&file)?,
        has_relocations,
        stored_checksum: optional.check_sum(),
        computed_checksum: pe_checksum(bytes, checksum_offset),
        dll_characteristics: optional.dll_characteristics().0,
    })
}

fn imports<Pe: ImageNtHeaders>(file: &PeFile<'_, Pe>) -> Result<Vec<DllImports>, PeError> {
    let mut dlls = Vec::new();
    let Some(table) = file.import_table()? else { return Ok(dlls) };
    let mut descriptors = table.descriptors()?;
    while let Some(descriptor) = descriptors.next()? {
        let dll = text(table.name(descriptor.name.get(LE))?);
        let lookup = match descriptor.original_first_thunk.get(LE) {
            0 => descriptor.first_thunk.get(LE),
            rva => rva,
        };
        let mut functions = Vec::new();
        let mut thunks = table.thunks(lookup)?;
        while let Some(thunk) = thunks.next::<Pe>()? {
            functions.push(match table.import::<Pe>(thunk)? {
                Import::Name(_hint, name) => text(name),
                Import::Ordinal(ordinal) => format!("#{ordinal}"),
            });
        }
        dlls.push(DllImports { dll, functions });
    }
    Ok(dlls)
}
