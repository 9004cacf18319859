//! Reading the TOML document: typed accessors over `toml`'s spanned document tree that turn
//! every wrong value or unknown key into a [`RulesError`] naming the file, line and dotted key.
//!
//! The document is parsed with `toml::de::DeTable`, which keeps the byte span of every key and
//! value; keys are visited in document order so the first error reported is the first in the file.

use std::ops::Range;
use std::time::Duration;

use toml::de::{DeString, DeTable, DeValue};
use toml::Spanned;

use super::error::{RulesError, Source};
use super::values;

/// A value with its span in the rules file.
pub(crate) type Value<'i> = Spanned<DeValue<'i>>;
/// A key with its span in the rules file.
pub(crate) type Key<'i> = Spanned<DeString<'i>>;

/// `prefix.key`, or `key` at the top level.
pub(crate) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// How a value's type reads in an error message.
fn kind(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// The entries of a table in the order they appear in the file.
pub(crate) fn entries<'t, 'i>(table: &'t DeTable<'i>) -> Vec<(&'t Key<'i>, &'t Value<'i>)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

/// Typed, located access to the values of one rules file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader<'a> {
    pub src: Source<'a>,
}

impl Reader<'_> {
    /// `FILE:LINE: PATH: MESSAGE` at `span`.
    pub fn error(
        &self,
        span: Range<usize>,
        path: &str,
        message: impl std::fmt::Display,
    ) -> RulesError {
        self.src.error(span, format!("{path}: {message}"))
    }

    /// An unknown key, listing the keys allowed there.
    pub fn unknown_key(&self, key: &Key<'_>, prefix: &str, expected: &[&str]) -> RulesError {
        let path = join(prefix, key.get_ref());
        self.error(
            key.span(),
            &path,
            format!("unknown key (expected one of: {})", expected.join(", ")),
        )
    }

    /// A required key that is absent from the table that starts at `span`.
    pub fn missing(&self, span: Range<usize>, path: &str, key: &str, hint: &str) -> RulesError {
        self.error(span, path, format!("missing key {key}{hint}"))
    }

    fn wrong_type(&self, value: &Value<'_>, path: &str, expected: &str) -> RulesError {
        self.error(
            value.span(),
            path,
            format!("expected {expected}, found {}", kind(value.get_ref())),
        )
    }

    /// The value as a table.
    pub fn table<'t, 'i>(
        &self,
        value: &'t Value<'i>,
        path: &str,
    ) -> Result<&'t DeTable<'i>, RulesError> {
        value
            .get_ref()
            .as_table()
            .ok_or_else(|| self.wrong_type(value, path, "a table"))
    }

    /// The value as an array.
    pub fn array<'t, 'i>(
        &self,
        value: &'t Value<'i>,
        path: &str,
    ) -> Result<&'t [Value<'i>], RulesError> {
        match value.get_ref() {
            DeValue::Array(items) => Ok(items),
            _ => Err(self.wrong_type(value, path, "an array")),
        }
    }

    /// The value as a string.
    pub fn string<'t>(&self, value: &'t Value<'_>, path: &str) -> Result<&'t str, RulesError> {
        value
            .get_ref()
            .as_str()
            .ok_or_else(|| self.wrong_type(value, path, "a string"))
    }

    /// The value as `true` or `false`.
    pub fn boolean(&self, value: &Value<'_>, path: &str) -> Result<bool, RulesError> {
        value
            .get_ref()
            .as_bool()
            .ok_or_else(|| self.wrong_type(value, path, "true or false"))
    }

    /// The value as an integer of any width (underscores allowed, any radix TOML allows).
    pub fn integer(&self, value: &Value<'_>, path: &str) -> Result<i128, RulesError> {
        let Some(integer) = value.get_ref().as_integer() else {
            return Err(self.wrong_type(value, path, "an integer"));
        };
        let digits: String = integer.as_str().chars().filter(|&c| c != '_').collect();
        i128::from_str_radix(&digits, integer.radix())
            .map_err(|_| self.error(value.span(), path, format!("{integer} is too large")))
    }

    /// A string parsed by `parse`; its reason becomes the message.
    pub fn parsed<T>(
        &self,
        value: &Value<'_>,
        path: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, RulesError> {
        let text = self.string(value, path)?;
        parse(text).map_err(|why| self.error(value.span(), path, why))
    }

    /// A byte count: a non-negative integer, or a string such as `"500kB"`.
    pub fn size(&self, value: &Value<'_>, path: &str) -> Result<u64, RulesError> {
        match value.get_ref() {
            DeValue::Integer(_) => {
                let n = self.integer(value, path)?;
                u64::try_from(n).map_err(|_| {
                    self.error(
                        value.span(),
                        path,
                        format!("{n} is not a size (use e.g. 5MB or 5000000)"),
                    )
                })
            }
            DeValue::String(_) => self.parsed(value, path, values::size),
            _ => Err(self.wrong_type(value, path, "a size (e.g. \"5MB\" or 5000000)")),
        }
    }

    /// A duration string such as `"15m"`, at least one second long.
    pub fn duration(&self, value: &Value<'_>, path: &str) -> Result<Duration, RulesError> {
        match value.get_ref() {
            DeValue::String(_) => {
                let duration = self.parsed(value, path, values::duration)?;
                if duration < Duration::from_secs(1) {
                    return Err(self.error(value.span(), path, "must be at least 1s"));
                }
                Ok(duration)
            }
            _ => Err(self.wrong_type(value, path, "a duration (e.g. \"15m\", \"4h\" or \"7d\")")),
        }
    }

    /// A positive, finite number (integer or float).
    pub fn positive_number(&self, value: &Value<'_>, path: &str) -> Result<f64, RulesError> {
        let number = match value.get_ref() {
            DeValue::Integer(_) => self.integer(value, path)? as f64,
            DeValue::Float(f) => f
                .as_str()
                .replace('_', "")
                .parse::<f64>()
                .unwrap_or(f64::NAN),
            _ => return Err(self.wrong_type(value, path, "a number")),
        };
        if number.is_finite() && number > 0.0 {
            Ok(number)
        } else {
            Err(self.error(value.span(), path, "must be a number greater than 0"))
        }
    }

    /// A count from 1 to `u32::MAX`.
    pub fn count(&self, value: &Value<'_>, path: &str) -> Result<u32, RulesError> {
        let n = self.integer(value, path)?;
        match u32::try_from(n) {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(self.error(
                value.span(),
                path,
                format!("{n} is not a count (1 or more)"),
            )),
        }
    }

    /// Every element of an array of strings, each parsed by `parse`, with `path[i]` in errors.
    pub fn string_list<T>(
        &self,
        value: &Value<'_>,
        path: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Vec<T>, RulesError> {
        let items = self.array(value, path)?;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let item_path = format!("{path}[{i}]");
            out.push(self.parsed(item, &item_path, &parse)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn with_value<R>(doc: &str, f: impl FnOnce(&Reader<'_>, &Value<'_>) -> R) -> R {
        let root = DeTable::parse(doc).unwrap();
        let reader = Reader {
            src: Source {
                file: Path::new("t.toml"),
                text: doc,
            },
        };
        let (_, value) = entries(root.get_ref())[0];
        f(&reader, value)
    }

    #[test]
    fn sizes_from_integers_and_strings() {
        assert_eq!(with_value("x = 1_000", |r, v| r.size(v, "x")), Ok(1000));
        assert_eq!(with_value("x = 0x10", |r, v| r.size(v, "x")), Ok(16));
        assert_eq!(
            with_value("x = \"2MB\"", |r, v| r.size(v, "x")),
            Ok(2_000_000)
        );
        assert_eq!(
            with_value("\n\nx = -5", |r, v| r.size(v, "x"))
                .unwrap_err()
                .to_string(),
            "t.toml:3: x: -5 is not a size (use e.g. 5MB or 5000000)"
        );
        assert_eq!(
            with_value("x = true", |r, v| r.size(v, "x"))
                .unwrap_err()
                .to_string(),
            "t.toml:1: x: expected a size (e.g. \"5MB\" or 5000000), found a boolean"
        );
    }

    #[test]
    fn numbers_durations_counts() {
        assert_eq!(
            with_value("x = 1.5", |r, v| r.positive_number(v, "x")),
            Ok(1.5)
        );
        assert_eq!(
            with_value("x = 2", |r, v| r.positive_number(v, "x")),
            Ok(2.0)
        );
        assert!(with_value("x = 0.0", |r, v| r.positive_number(v, "x")).is_err());
        assert!(with_value("x = nan", |r, v| r.positive_number(v, "x")).is_err());
        assert!(with_value("x = inf", |r, v| r.positive_number(v, "x")).is_err());
        assert_eq!(
            with_value("x = \"4h\"", |r, v| r.duration(v, "x")),
            Ok(Duration::from_secs(14_400))
        );
        assert!(with_value("x = \"0s\"", |r, v| r.duration(v, "x")).is_err());
        assert!(with_value("x = 900", |r, v| r.duration(v, "x")).is_err());
        assert_eq!(with_value("x = 3", |r, v| r.count(v, "x")), Ok(3));
        assert!(with_value("x = 0", |r, v| r.count(v, "x")).is_err());
    }

    #[test]
    fn entries_come_in_document_order() {
        let doc = "zeta = 1\nalpha = 2\nmid = 3\n";
        let root = DeTable::parse(doc).unwrap();
        let keys: Vec<&str> = entries(root.get_ref())
            .iter()
            .map(|(k, _)| k.get_ref().as_ref())
            .collect();
        assert_eq!(keys, ["zeta", "alpha", "mid"]);
    }
}
