//! Puts the board's memory map, as `memory.x`, where the linker script of
//! `cortex-m-rt` finds it: the micro:bit's for Cortex-M0 (`thumbv6m`), the
//! LM3S6965's otherwise. (No file in this directory may be called
//! `memory.x`: the linker would find it first.)

use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target = std::env::var("TARGET").unwrap_or_default();
    let map: &[u8] = if target.starts_with("thumbv6m") {
        include_bytes!("memory-m0.x")
    } else {
        include_bytes!("memory-m3.x")
    };
    std::fs::write(out.join("memory.x"), map).expect("OUT_DIR is writable");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory-m3.x");
    println!("cargo:rerun-if-changed=memory-m0.x");
}
