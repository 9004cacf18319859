//! The journal's errors. Every message names the file or directory and what went wrong, so the
//! daemon can log it as it is.

use std::io;
use std::path::PathBuf;

/// What the journal was doing when the operating system said no.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Creating the journal directory.
    CreateDir,
    /// Listing the journal directory.
    ListDir,
    /// Opening a file to read it.
    Open,
    /// Reading.
    Read,
    /// Creating a file.
    Create,
    /// Writing.
    Write,
    /// Flushing to disk (`fsync`/`fdatasync`).
    Sync,
    /// Flushing the directory entry changes to disk.
    SyncDir,
    /// Cutting a file short.
    Truncate,
    /// Renaming a file into place.
    Rename,
    /// Deleting a file.
    Remove,
}

impl Op {
    /// In words: "cannot {verb} {path}".
    pub fn verb(self) -> &'static str {
        match self {
            Op::CreateDir => "create directory",
            Op::ListDir => "list directory",
            Op::Open => "open",
            Op::Read => "read",
            Op::Create => "create",
            Op::Write => "write",
            Op::Sync => "fsync",
            Op::SyncDir => "fsync directory",
            Op::Truncate => "truncate",
            Op::Rename => "rename into",
            Op::Remove => "remove",
        }
    }
}

impl core::fmt::Display for Op {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.verb())
    }
}

/// A journal error.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// A file system operation failed.
    #[error("journal: cannot {op} {}: {source}", path.display())]
    Io {
        /// The operation.
        op: Op,
        /// The file or directory.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// A segment was written by another format version.
    #[error(
        "journal: {}: segment format version {found}, this build reads version {expected}; \
         move the directory aside or use a matching telltaled",
        path.display()
    )]
    Version {
        /// The segment.
        path: PathBuf,
        /// Its version.
        found: u16,
        /// The version this build reads.
        expected: u16,
    },
    /// A segment holds another kind of record (the alert journal opened as the summary one).
    #[error(
        "journal: {}: holds records of kind {found}, this journal keeps kind {expected}",
        path.display()
    )]
    WrongKind {
        /// The segment.
        path: PathBuf,
        /// Its kind.
        found: u16,
        /// The kind expected.
        expected: u16,
    },
    /// The configuration cannot work.
    #[error("journal {}: bad configuration: {problem}", dir.display())]
    Config {
        /// The journal directory.
        dir: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A record is larger than the journal accepts.
    #[error(
        "journal {}: a record of {len} bytes exceeds the {max}-byte limit",
        dir.display()
    )]
    RecordTooLarge {
        /// The journal directory.
        dir: PathBuf,
        /// The record's encoded length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A record could not be encoded.
    #[error("journal {}: cannot encode record {seq}: {source}", dir.display())]
    Encode {
        /// The journal directory.
        dir: PathBuf,
        /// The sequence number it was to get.
        seq: u64,
        /// The encoder's error.
        source: postcard::Error,
    },
    /// An earlier write or fsync failed, so what is on disk is unknown; the journal refuses to
    /// write until it is opened again (which recovers).
    #[error(
        "journal {}: stopped after an earlier failure ({reason}); reopen it to recover",
        dir.display()
    )]
    Failed {
        /// The journal directory.
        dir: PathBuf,
        /// The failure.
        reason: String,
    },
}

impl JournalError {
    /// An I/O error of `op` on `path`.
    pub fn io(op: Op, path: impl Into<PathBuf>, source: io::Error) -> Self {
        JournalError::Io {
            op,
            path: path.into(),
            source,
        }
    }
}

/// Shorthand for journal results.
pub type Result<T, E = JournalError> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_path_and_the_operation() {
        let e = JournalError::io(
            Op::SyncDir,
            "/var/lib/telltale/summaries",
            io::Error::from(io::ErrorKind::PermissionDenied),
        );
        assert_eq!(
            e.to_string(),
            "journal: cannot fsync directory /var/lib/telltale/summaries: permission denied"
        );
        let e = JournalError::WrongKind {
            path: "/j/00000000000000000001.seg".into(),
            found: 2,
            expected: 1,
        };
        assert!(e.to_string().contains("/j/00000000000000000001.seg"));
    }
}
