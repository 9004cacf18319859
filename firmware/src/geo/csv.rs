//! A small RFC 4180 CSV reader for the table compiler: comma-separated fields, optional double
//! quotes, `""` for a quote inside a quoted field, and quoted fields that span lines (the IEEE
//! registry has addresses with line breaks). Only the compiler uses it; it allocates freely.

/// One parsed record: its fields and the 1-based line it starts on (for error messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Line number (1-based) where the record starts.
    pub line: usize,
    /// The fields, unquoted.
    pub fields: Vec<String>,
}

/// Why a CSV text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct CsvError {
    /// Line number (1-based) of the problem.
    pub line: usize,
    /// What is wrong.
    pub problem: &'static str,
}

/// Splits `text` into records; blank lines are skipped.
pub fn records(text: &str) -> Result<Vec<Record>, CsvError> {
    let mut out = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut field_was_quoted = false;
    let mut line = 1usize;
    let mut record_line = 1usize;
    let mut chars = text.chars().peekable();
    let mut record_has_content = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !field_was_quoted => {
                in_quotes = true;
                field_was_quoted = true;
                record_has_content = true;
            }
            '"' => {
                return Err(CsvError {
                    line,
                    problem: "quote inside an unquoted field",
                })
            }
            ',' => {
                fields.push(core::mem::take(&mut field));
                field_was_quoted = false;
                record_has_content = true;
            }
            '\r' => {}
            '\n' => {
                if record_has_content || !field.is_empty() {
                    fields.push(core::mem::take(&mut field));
                    out.push(Record {
                        line: record_line,
                        fields: core::mem::take(&mut fields),
                    });
                }
                field_was_quoted = false;
                record_has_content = false;
                line += 1;
                record_line = line;
            }
            _ => {
                if field_was_quoted {
                    return Err(CsvError {
                        line,
                        problem: "text after a closing quote",
                    });
                }
                field.push(c);
                record_has_content = true;
            }
        }
    }
    if in_quotes {
        return Err(CsvError {
            line,
            problem: "quoted field never closed",
        });
    }
    if record_has_content || !field.is_empty() {
        fields.push(field);
        out.push(Record {
            line: record_line,
            fields,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_quoted_and_multiline_fields() {
        let text = "a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\n\"two\nlines\",z,1\n\nlast,row";
        let recs = records(text).unwrap();
        assert_eq!(recs.len(), 4);
        assert_eq!(recs[0].fields, ["a", "b", "c"]);
        assert_eq!(recs[1].fields, ["x, y", "say \"hi\"", ""]);
        assert_eq!(recs[2].fields, ["two\nlines", "z", "1"]);
        assert_eq!(recs[2].line, 3);
        assert_eq!(recs[3].fields, ["last", "row"]);
        assert_eq!(recs[3].line, 6);
    }

    #[test]
    fn crlf_line_ends() {
        let recs = records("1,2\r\n3,4\r\n").unwrap();
        assert_eq!(recs[1].fields, ["3", "4"]);
    }

    #[test]
    fn bad_quoting_is_an_error_with_its_line() {
        assert_eq!(records("ok\n\"open").unwrap_err().line, 2);
        assert!(records("a\"b,c").is_err());
        assert!(records("\"a\"b,c").is_err());
    }
}
