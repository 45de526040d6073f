//! The binary starts and describes itself. (Its presence also makes `cargo test` build the
//! `notes2book` binary that the end-to-end tests in `tests/` run.)

use std::process::Command;

#[test]
fn version_and_help() {
    let bin = env!("CARGO_BIN_EXE_notes2book");
    let out = Command::new(bin)
        .arg("--version")
        .output()
        .expect("run notes2book");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("notes2book "));
    let out = Command::new(bin)
        .arg("--help")
        .output()
        .expect("run notes2book");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("Examples:") && help.contains("dump"),
        "{help}"
    );
    let out = Command::new(bin)
        .arg("--no-such-flag")
        .output()
        .expect("run notes2book");
    assert_eq!(out.status.code(), Some(2));
}
