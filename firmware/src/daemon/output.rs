//! Where the daemon's JSON lines go (`[output] events`): a file opened for appending, standard
//! output, or nowhere. The engine thread and the LED thread both write to it, each through its
//! own [`crate::replay::json::JsonSink`] over a clone of one [`SharedOut`]; every line is written
//! whole under a lock, so lines never interleave.

use std::fs::OpenOptions;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::config::OutputTarget;

/// Buffer of the output: lines are flushed after every batch anyway.
const BUFFER: usize = 64 * 1024;

/// A writer shared by the daemon's threads; clones write to the same place.
#[derive(Clone)]
pub struct SharedOut {
    inner: Option<Arc<Mutex<Box<dyn Write + Send>>>>,
}

impl std::fmt::Debug for SharedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedOut")
            .field("open", &self.inner.is_some())
            .finish()
    }
}

/// The output could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("cannot open the output {}: {source}", path.display())]
pub struct OutputError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub source: io::Error,
}

impl SharedOut {
    /// Opens `target` (a file is created if needed and appended to); `None` writes nothing.
    pub fn open(target: Option<&OutputTarget>) -> Result<SharedOut, OutputError> {
        let writer: Box<dyn Write + Send> = match target {
            None => return Ok(SharedOut::null()),
            Some(OutputTarget::Stdout) => Box::new(BufWriter::with_capacity(BUFFER, io::stdout())),
            Some(OutputTarget::File(path)) => {
                let file = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|source| OutputError {
                        path: path.clone(),
                        source,
                    })?;
                Box::new(BufWriter::with_capacity(BUFFER, file))
            }
        };
        Ok(SharedOut {
            inner: Some(Arc::new(Mutex::new(writer))),
        })
    }

    /// An output that drops everything.
    pub fn null() -> SharedOut {
        SharedOut { inner: None }
    }

    /// True when lines go somewhere.
    pub fn is_open(&self) -> bool {
        self.inner.is_some()
    }

    fn lock(inner: &Mutex<Box<dyn Write + Send>>) -> MutexGuard<'_, Box<dyn Write + Send>> {
        // A thread that panicked while writing left at worst a partial line: keep writing.
        inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Write for SharedOut {
    /// Writes all of `buf` under the lock (a JSON line is one call), so lines stay whole.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(inner) = &self.inner {
            SharedOut::lock(inner).write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match &self.inner {
            Some(inner) => SharedOut::lock(inner).flush(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_appended_to_by_every_clone() {
        let path = std::env::temp_dir().join(format!("telltale-out-{}.jsonl", std::process::id()));
        std::fs::write(&path, "old\n").unwrap();
        let target = OutputTarget::File(path.clone());
        let mut a = SharedOut::open(Some(&target)).unwrap();
        let mut b = a.clone();
        let writer = std::thread::spawn(move || {
            for _ in 0..100 {
                b.write_all(b"{\"from\":\"b\"}\n").unwrap();
            }
            b.flush().unwrap();
        });
        for _ in 0..100 {
            a.write_all(b"{\"from\":\"a\"}\n").unwrap();
        }
        writer.join().unwrap();
        a.flush().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "old", "appended, not truncated");
        assert_eq!(lines.len(), 201);
        assert!(lines[1..]
            .iter()
            .all(|l| *l == "{\"from\":\"a\"}" || *l == "{\"from\":\"b\"}"));
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn an_unopenable_file_names_it() {
        let target = OutputTarget::File(PathBuf::from("/nonexistent/dir/events.jsonl"));
        let e = SharedOut::open(Some(&target)).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("cannot open the output /nonexistent/dir/events.jsonl: "),
            "{e}"
        );
        let mut null = SharedOut::open(None).unwrap();
        assert!(!null.is_open());
        null.write_all(b"dropped").unwrap();
    }
}
