//! windows-drivers-rs's build script: WDK link settings and the driver-model cfg.
fn main() -> Result<(), wdk_build::ConfigError> {
    wdk_build::configure_wdk_binary_build()
}
