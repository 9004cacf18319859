//! File system steps the journal's durability rests on, each turning an `io::Error` into a
//! [`JournalError`] that names the path: directory fsync, atomic replacement of a small file
//! (write a temporary, fsync it, rename it over, fsync the directory), whole-file reads.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::{JournalError, Op, Result};

/// Suffix of files being written before they are renamed into place.
pub const TEMP_SUFFIX: &str = ".tmp";

/// Makes the directory's entries (files created, renamed, removed) durable.
pub fn sync_dir(dir: &Path) -> Result<()> {
    let handle = File::open(dir).map_err(|e| JournalError::io(Op::Open, dir, e))?;
    handle
        .sync_all()
        .map_err(|e| JournalError::io(Op::SyncDir, dir, e))
}

/// Creates the directory (and its parents) if needed and checks it is a directory.
pub fn ensure_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| JournalError::io(Op::CreateDir, dir, e))?;
    let meta = fs::metadata(dir).map_err(|e| JournalError::io(Op::Open, dir, e))?;
    if !meta.is_dir() {
        return Err(JournalError::io(
            Op::CreateDir,
            dir,
            std::io::Error::other("a file of that name is in the way"),
        ));
    }
    Ok(())
}

/// The temporary name a file is written under before it replaces `path`.
pub fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(TEMP_SUFFIX);
    PathBuf::from(name)
}

/// Replaces `dir/name` with `bytes` so that after a crash it holds either the old or the new
/// contents, whole: write `name.tmp`, fsync it, rename it over `name`, fsync `dir`.
pub fn replace_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let path = dir.join(name);
    let temp = temp_path(&path);
    let mut file = File::create(&temp).map_err(|e| JournalError::io(Op::Create, &temp, e))?;
    file.write_all(bytes)
        .map_err(|e| JournalError::io(Op::Write, &temp, e))?;
    file.sync_all()
        .map_err(|e| JournalError::io(Op::Sync, &temp, e))?;
    drop(file);
    fs::rename(&temp, &path).map_err(|e| JournalError::io(Op::Rename, &path, e))?;
    sync_dir(dir)
}

/// The whole file, or `None` if it does not exist.
pub fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(JournalError::io(Op::Read, path, e)),
    }
}

/// Removes a file and makes the removal durable.
pub fn remove_durably(dir: &Path, path: &Path) -> Result<()> {
    fs::remove_file(path).map_err(|e| JournalError::io(Op::Remove, path, e))?;
    sync_dir(dir)
}

/// Cuts `path` to `len` bytes and fsyncs it.
pub fn truncate_durably(path: &Path, len: u64) -> Result<()> {
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| JournalError::io(Op::Open, path, e))?;
    file.set_len(len)
        .map_err(|e| JournalError::io(Op::Truncate, path, e))?;
    file.sync_all()
        .map_err(|e| JournalError::io(Op::Sync, path, e))
}

/// Fsyncs a file that is already written (data and size).
pub fn sync_file(path: &Path) -> Result<()> {
    let file = File::open(path).map_err(|e| JournalError::io(Op::Open, path, e))?;
    file.sync_all()
        .map_err(|e| JournalError::io(Op::Sync, path, e))
}
