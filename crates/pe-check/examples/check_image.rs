//! Prints what `pe-check` finds in a driver image, for both flavours.
//!
//! `cargo run -p pe-check --example check_image -- path/to/driver.sys`

use pe_check::{DriverImage, Flavour, check_driver};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: check_image <driver image>")?;
    let image = DriverImage::parse(&std::fs::read(&path)?)?;
    println!("{path}");
    println!("  PE32+ {}, machine {:#06x}, subsystem {}", image.is_pe32_plus, image.machine, image.subsystem);
    println!(
        "  entry {:#x} = {:?} (DriverEntry export {:?})",
        image.entry_point, image.entry_symbol, image.driver_entry_export
    );
    println!(
        "  Characteristics {:#06x}, DllCharacteristics {:#06x}, relocations {}",
        image.file_characteristics, image.dll_characteristics, image.has_relocations
    );
    println!("  checksum stored {:#010x}, computed {:#010x}", image.stored_checksum, image.computed_checksum);
    for dll in &image.imports {
        println!("  {}: {}", dll.dll, dll.functions.join(", "));
    }
    for flavour in [Flavour::Ntoskrnl, Flavour::Portable] {
        let violations = check_driver(&image, flavour);
        println!("{flavour:?}: {}", if violations.is_empty() { "passes" } else { "fails" });
        for violation in violations {
            println!("  - {violation}");
        }
    }
    Ok(())
}
