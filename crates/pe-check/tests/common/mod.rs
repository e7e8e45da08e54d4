//! Synthesized driver images for the tests, built with `object::write::pe::Writer`.
//!
//! The writer lays out headers, sections and `.reloc`; it has no model of import or export
//! tables, so [`import_directory`] and [`export_directory`] write those bytes by the PE
//! specification. Everything is deterministic: no timestamps, fixed base and alignments.

#![allow(dead_code, clippy::cast_possible_truncation)]

use object::pe;
use object::write::pe::{NtHeaders, Writer};
use pe_check::{checksum_field_offset, pe_checksum};

/// The offset of `DriverEntry` (`xor eax, eax; ret`) in `.text`.
pub const DRIVER_ENTRY_OFFSET: u32 = 0;
/// The offset of a second function (`ret`) in `.text`.
pub const OTHER_FUNCTION_OFFSET: u32 = 8;
const TEXT: [u8; 16] = [0x31, 0xc0, 0xc3, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xc3, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc];
const IMAGE_BASE: u64 = 0x1_4000_0000;

/// What `CheckSum` to store.
#[derive(Debug, Clone, Copy)]
pub enum Checksum {
    /// The value [`pe_checksum`] computes.
    Correct,
    /// This value.
    Stored(u32),
}

/// A driver image to synthesize; [`ImageSpec::valid`] passes every check of its flavour.
#[derive(Debug, Clone)]
pub struct ImageSpec {
    /// PE32+ (true) or PE32.
    pub pe32_plus: bool,
    /// `Machine`.
    pub machine: u16,
    /// `Subsystem`.
    pub subsystem: u16,
    /// `AddressOfEntryPoint` as an offset into `.text`.
    pub entry_offset: u32,
    /// Exported names (ascending) with their `.text` offsets.
    pub exports: Vec<(&'static str, u32)>,
    /// Import descriptors: DLL name and function names.
    pub imports: Vec<(&'static str, Vec<&'static str>)>,
    /// Whether to emit a `.reloc` section (one relocation of a pointer in `.data`).
    pub relocations: bool,
    /// The stored checksum.
    pub checksum: Checksum,
    /// `DllCharacteristics`.
    pub dll_characteristics: u16,
}

impl ImageSpec {
    /// A valid image: all eight run-down imports for the ntoskrnl flavour, none for portable.
    pub fn valid(ntoskrnl: bool) -> Self {
        let mut functions = vec!["IoCreateDevice", "DbgPrint", "ExAllocatePoolWithTag"];
        if ntoskrnl {
            functions.extend_from_slice(pe_check::RUNDOWN_ROUTINES);
        }
        Self {
            pe32_plus: true,
            machine: pe::IMAGE_FILE_MACHINE_AMD64.0,
            subsystem: pe::IMAGE_SUBSYSTEM_NATIVE.0,
            entry_offset: DRIVER_ENTRY_OFFSET,
            exports: vec![("DriverEntry", DRIVER_ENTRY_OFFSET)],
            imports: vec![("ntoskrnl.exe", functions)],
            relocations: true,
            checksum: Checksum::Correct,
            dll_characteristics: (pe::IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE | pe::IMAGE_DLLCHARACTERISTICS_NX_COMPAT).0,
        }
    }

    /// Adds `function` from `dll`, to the existing descriptor for `dll` if there is one.
    pub fn import(mut self, dll: &'static str, function: &'static str) -> Self {
        match self.imports.iter_mut().find(|(name, _)| *name == dll) {
            Some((_, functions)) => functions.push(function),
            None => self.imports.push((dll, vec![function])),
        }
        self
    }

    /// The image bytes.
    pub fn build(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut w = Writer::new(self.pe32_plus, 0x1000, 0x200, &mut bytes);
        w.reserve_dos_header_and_stub();
        w.reserve_nt_headers(pe::IMAGE_NUMBEROF_DIRECTORY_ENTRIES);
        let sections =
            2 + u16::from(!self.exports.is_empty()) + u16::from(!self.imports.is_empty()) + u16::from(self.relocations);
        w.reserve_section_headers(sections);

        let text = w.reserve_text_section(TEXT.len() as u32);
        let pointer_size = if self.pe32_plus { 8 } else { 4 };
        let data = w.reserve_data_section(pointer_size, pointer_size);
        let pointer = (IMAGE_BASE + u64::from(text.virtual_address)).to_le_bytes();
        let edata = (!self.exports.is_empty()).then(|| {
            let len = export_directory(0, 0, &self.exports).len() as u32;
            let range = w.reserve_edata_section(len);
            (range.file_offset, export_directory(range.virtual_address, text.virtual_address, &self.exports))
        });
        let idata = (!self.imports.is_empty()).then(|| {
            let len = import_directory(0, self.pe32_plus, &self.imports).len() as u32;
            let range = w.reserve_idata_section(len);
            (range.file_offset, import_directory(range.virtual_address, self.pe32_plus, &self.imports))
        });
        if self.relocations {
            let typ = if self.pe32_plus { pe::IMAGE_REL_BASED_DIR64 } else { pe::IMAGE_REL_BASED_HIGHLOW };
            w.add_reloc(data.virtual_address, typ);
            w.reserve_reloc_section();
        }

        w.write_dos_header_and_stub().expect("DOS header");
        w.write_nt_headers(NtHeaders {
            machine: pe::Machine(self.machine),
            time_date_stamp: 0,
            characteristics: pe::IMAGE_FILE_EXECUTABLE_IMAGE | pe::IMAGE_FILE_LARGE_ADDRESS_AWARE,
            major_linker_version: 14,
            minor_linker_version: 0,
            address_of_entry_point: text.virtual_address + self.entry_offset,
            image_base: if self.pe32_plus { IMAGE_BASE } else { 0x1_0000 },
            major_operating_system_version: 10,
            minor_operating_system_version: 0,
            major_image_version: 0,
            minor_image_version: 0,
            major_subsystem_version: 10,
            minor_subsystem_version: 0,
            subsystem: pe::Subsystem(self.subsystem),
            dll_characteristics: pe::DllFlags(self.dll_characteristics),
            size_of_stack_reserve: 0x4_0000,
            size_of_stack_commit: 0x1000,
            size_of_heap_reserve: 0x10_0000,
            size_of_heap_commit: 0x1000,
        });
        w.write_section_headers();
        w.write_section(text.file_offset, &TEXT);
        w.write_section(data.file_offset, &pointer[..pointer_size as usize]);
        for (offset, section) in edata.iter().chain(&idata) {
            w.write_section(*offset, section);
        }
        w.write_reloc_section();

        let stored = match self.checksum {
            Checksum::Correct => pe_checksum(&bytes, checksum_offset(&bytes)),
            Checksum::Stored(value) => value,
        };
        let at = checksum_offset(&bytes);
        bytes[at..at + 4].copy_from_slice(&stored.to_le_bytes());
        bytes
    }
}

/// The file offset of `CheckSum`, from `e_lfanew`.
pub fn checksum_offset(bytes: &[u8]) -> usize {
    let e_lfanew = u32::from_le_bytes(bytes[0x3c..0x40].try_into().unwrap());
    checksum_field_offset(e_lfanew as usize)
}

/// An export directory at `rva` for `exports` (name, offset into `.text` at `text_rva`), for a
/// module named `driver.sys`: the 40-byte directory, the address, name-pointer and ordinal
/// tables, then the strings. Names must be in ascending order, as the loader's binary search
/// expects.
pub fn export_directory(rva: u32, text_rva: u32, exports: &[(&str, u32)]) -> Vec<u8> {
    let n = exports.len() as u32;
    let functions = rva + 40;
    let names = functions + 4 * n;
    let ordinals = names + 4 * n;
    let module_name = ordinals + 2 * n;
    let mut strings = b"driver.sys\0".to_vec();
    let mut name_rvas = Vec::new();
    for (name, _) in exports {
        name_rvas.push(module_name + strings.len() as u32);
        strings.extend_from_slice(name.as_bytes());
        strings.push(0);
    }
    let mut out = Vec::new();
    // Characteristics, TimeDateStamp, Major/MinorVersion (two zero u16s as one u32), Name, Base,
    // NumberOfFunctions, NumberOfNames, AddressOfFunctions, AddressOfNames, AddressOfNameOrdinals.
    for field in [0, 0, 0, module_name, 1, n, n, functions, names, ordinals] {
        out.extend_from_slice(&field.to_le_bytes());
    }
    for (_, offset) in exports {
        out.extend_from_slice(&(text_rva + offset).to_le_bytes());
    }
    for name_rva in name_rvas {
        out.extend_from_slice(&name_rva.to_le_bytes());
    }
    for index in 0..n as u16 {
        out.extend_from_slice(&index.to_le_bytes());
    }
    out.extend_from_slice(&strings);
    out
}

/// An import directory at `rva`: the descriptors (null-terminated), each DLL's lookup table and
/// address table (null-terminated thunks of 8 bytes for PE32+, 4 for PE32; unbound, so the two
/// are equal), then the hint/name entries (2-byte hint, name, NUL, padded to even) and DLL names.
pub fn import_directory(rva: u32, pe32_plus: bool, dlls: &[(&str, Vec<&str>)]) -> Vec<u8> {
    let thunk = if pe32_plus { 8 } else { 4 };
    let descriptors = 20 * (dlls.len() as u32 + 1);
    let tables: u32 = dlls.iter().map(|(_, f)| 2 * thunk * (f.len() as u32 + 1)).sum();
    let strings_rva = rva + descriptors + tables;

    let mut strings = Vec::new();
    let mut hint_names = Vec::new();
    let mut dll_names = Vec::new();
    for (dll, functions) in dlls {
        let mut rvas = Vec::new();
        for function in functions {
            rvas.push(strings_rva + strings.len() as u32);
            strings.extend_from_slice(&0u16.to_le_bytes());
            strings.extend_from_slice(function.as_bytes());
            strings.push(0);
            if strings.len() % 2 == 1 {
                strings.push(0);
            }
        }
        hint_names.push(rvas);
        dll_names.push(strings_rva + strings.len() as u32);
        strings.extend_from_slice(dll.as_bytes());
        strings.push(0);
    }

    let mut out = Vec::new();
    let mut thunks = Vec::new();
    let mut table = rva + descriptors;
    for (index, (_, functions)) in dlls.iter().enumerate() {
        let size = thunk * (functions.len() as u32 + 1);
        // OriginalFirstThunk, TimeDateStamp, ForwarderChain, Name, FirstThunk.
        for field in [table, 0, 0, dll_names[index], table + size] {
            out.extend_from_slice(&field.to_le_bytes());
        }
        table += 2 * size;
        let mut one = Vec::new();
        for &name_rva in &hint_names[index] {
            one.extend_from_slice(&u64::from(name_rva).to_le_bytes()[..thunk as usize]);
        }
        one.resize(size as usize, 0);
        thunks.extend_from_slice(&one);
        thunks.extend_from_slice(&one);
    }
    out.resize(descriptors as usize, 0);
    out.extend_from_slice(&thunks);
    out.extend_from_slice(&strings);
    out
}
