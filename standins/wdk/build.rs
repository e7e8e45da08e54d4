//! Build script of the wdk stand-in (Linux cross-builds only): the driver-model cfg. The real
//! crate learns the model from the top-level manifest through wdk-build; the stand-ins
//! implement only WDM, so it is always `driver_model__driver_type="WDM"`.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!(r#"cargo::rustc-check-cfg=cfg(driver_model__driver_type, values("WDM","KMDF","UMDF"))"#);
    println!(r#"cargo::rustc-cfg=driver_model__driver_type="WDM""#);
}
