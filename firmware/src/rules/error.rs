//! Rules errors: every error names the file, the line (and the column where it helps), and why.
//!
//! The rendered form is the contract that `telltaled check`, `PutRules` replies and the tests
//! rely on:
//!
//! ```text
//! FILE: MESSAGE                     the file could not be read at all
//! FILE:LINE: KEY: MESSAGE           a value or key in the rules file is wrong
//! FILE:LINE:COLUMN: MESSAGE         the file is not valid TOML
//! LIST:LINE: MESSAGE                a line of an imported list is malformed
//! ```

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Why a rules file (or one of its imported lists) was rejected. A rejected file yields no rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesError {
    /// The file at fault: the rules file as the caller named it, or an imported list's path
    /// joined to the rules file's folder.
    pub file: PathBuf,
    /// 1-based line, when the fault has a place in the file.
    pub line: Option<usize>,
    /// 1-based column (in characters), given for TOML syntax errors.
    pub column: Option<usize>,
    /// What is wrong, usually starting with the dotted key (`thresholds.large_upload.bytes: ...`).
    pub message: String,
}

impl RulesError {
    /// An error without a place in the file (the file cannot be read).
    pub(crate) fn whole_file(file: &Path, message: impl Into<String>) -> Self {
        RulesError {
            file: file.to_path_buf(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// An error on a 1-based line.
    pub(crate) fn at_line(file: &Path, line: usize, message: impl Into<String>) -> Self {
        RulesError {
            file: file.to_path_buf(),
            line: Some(line),
            column: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for RulesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for RulesError {}

/// The text of one rules file with its name, to turn byte spans into lines and columns.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Source<'a> {
    pub file: &'a Path,
    pub text: &'a str,
}

impl Source<'_> {
    /// 1-based (line, column) of a byte offset; offsets past the end land on the last line.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }

    /// An error at the line where `span` starts: `FILE:LINE: MESSAGE`.
    pub fn error(&self, span: Range<usize>, message: impl Into<String>) -> RulesError {
        let (line, _) = self.line_column(span.start);
        RulesError::at_line(self.file, line, message)
    }

    /// A TOML syntax error: `FILE:LINE:COLUMN: invalid TOML: MESSAGE`.
    pub fn syntax_error(&self, error: &toml::de::Error) -> RulesError {
        let message = error.message().trim_end().replace('\n', "; ");
        match error.span() {
            Some(span) => {
                let (line, column) = self.line_column(span.start);
                RulesError {
                    file: self.file.to_path_buf(),
                    line: Some(line),
                    column: Some(column),
                    message: format!("invalid TOML: {message}"),
                }
            }
            None => RulesError::whole_file(self.file, format!("invalid TOML: {message}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_file_line_and_column() {
        let file = Path::new("rules.toml");
        let e = RulesError::at_line(file, 12, "thresholds.x: bad");
        assert_eq!(e.to_string(), "rules.toml:12: thresholds.x: bad");
        let e = RulesError::whole_file(file, "cannot read");
        assert_eq!(e.to_string(), "rules.toml: cannot read");
        let e = RulesError {
            column: Some(3),
            ..RulesError::at_line(file, 2, "x")
        };
        assert_eq!(e.to_string(), "rules.toml:2:3: x");
    }

    #[test]
    fn line_and_column_of_offsets() {
        let src = Source {
            file: Path::new("r.toml"),
            text: "a = 1\nbé = 2\n",
        };
        assert_eq!(src.line_column(0), (1, 1));
        assert_eq!(src.line_column(6), (2, 1));
        // "bé = " : the '=' is the 4th character although its byte offset on the line is 4.
        assert_eq!(src.line_column(6 + 4), (2, 4));
        assert_eq!(src.line_column(999), (3, 1));
    }
}
