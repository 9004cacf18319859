//! Running the real `telltale` binary the way a user would: in UTC (so local times in its output
//! are known), with no database chosen through the environment.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `telltale ARGS...` to completion.
pub fn telltale(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_telltale"))
        .args(args)
        .env("TZ", "UTC")
        .env_remove("TELLTALE_DB")
        .output()
        .expect("run the telltale binary")
}

/// Runs `telltale --db DB ARGS...`.
pub fn telltale_db(db: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--db", db.to_str().expect("a UTF-8 path")];
    all.extend_from_slice(args);
    telltale(&all)
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 on standard output")
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("UTF-8 on standard error")
}

/// A scratch folder for one test under cargo's temporary target folder, emptied first.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the scratch folder");
    dir
}

/// Asserts the command failed with status 1 and exactly one line on standard error, which it
/// returns, and nothing on standard output.
pub fn one_line_failure(o: &Output) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "exit status; stderr: {err}");
    assert!(o.stdout.is_empty(), "nothing on stdout: {}", stdout(o));
    assert!(err.ends_with('\n'), "one whole line: {err:?}");
    let line = err.trim_end_matches('\n');
    assert!(!line.contains('\n'), "one line only: {err:?}");
    assert!(line.starts_with("telltale: "), "names the tool: {line:?}");
    line.to_string()
}
