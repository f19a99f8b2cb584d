//! Reading one CSV file of the bundle: header lookup and typed fields with exact positions.
//!
//! A file without any double quote cannot hold quoted fields, so it is split directly: lines at
//! `\n` (a trailing `\r` dropped), fields at `,`, both found with `memchr`, and each field is a
//! byte range of the input; no row costs an allocation. A file with quotes goes through the
//! `csv` crate, into one reused byte record. Either way blank lines are skipped and every record
//! must have as many fields as the header. A plain file can also be read from the middle
//! (`Table::chunk`), which lets `files` parse the declarations on several threads.
//!
//! Fields are parsed straight from bytes: decimals into an `i128` mantissa and a scale (no float
//! ever touches a quantity), dates from the fixed ISO 8601 shape `YYYY-MM-DD`. Every failure
//! names the file, the line and the column.

use bonded_model::{NaiveDate, Unit};
use csv::{ByteRecord, Reader, ReaderBuilder};
use rust_decimal::Decimal;

use super::BundleError;

/// The most significant digits a `Decimal` holds exactly.
const DECIMAL_DIGITS_MAX: u32 = 28;

/// A column found in the header: its position and its name, for error messages.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Column {
    pub index: usize,
    pub name: &'static str,
}

/// Where records come from.
enum Source<'a> {
    Quoted {
        reader: Box<Reader<&'a [u8]>>,
        record: ByteRecord,
    },
    Plain {
        bytes: &'a [u8],
        position: usize,
        /// Line number of the current record.
        line: u64,
        fields: Vec<(usize, usize)>,
    },
}

/// A CSV file being read record by record.
pub(crate) struct Table<'a> {
    pub file: &'static str,
    source: Source<'a>,
    headers: Vec<Vec<u8>>,
}

/// Whether a file can be split without a CSV parser.
pub(crate) fn is_plain(bytes: &[u8]) -> bool {
    memchr::memchr(b'"', bytes).is_none()
}

/// The header line and the offset where the records start.
pub(crate) fn header_end(bytes: &[u8]) -> usize {
    memchr::memchr(b'\n', bytes).map_or(bytes.len(), |end| end + 1)
}

impl<'a> Table<'a> {
    pub fn open(file: &'static str, bytes: &'a [u8]) -> Result<Table<'a>, BundleError> {
        let table = if is_plain(bytes) {
            let end = header_end(bytes);
            let headers = split(strip_line(&bytes[..end]))
                .map(|(start, stop)| bytes[start..stop].to_vec())
                .collect();
            let source = Source::Plain {
                bytes,
                position: end,
                line: 1,
                fields: Vec::new(),
            };
            Table {
                file,
                source,
                headers,
            }
        } else {
            quoted(file, bytes)?
        };
        if table.headers.iter().all(|field| trim(field).is_empty()) {
            return Err(BundleError::EmptyFile { file });
        }
        Ok(table)
    }

    /// Reads the plain records of `bytes[start..end]`, whose first line is line `first_line`
    /// of the file, with the header of `header`.
    pub fn chunk(header: &Table<'a>, bytes: &'a [u8], first_line: u64) -> Table<'a> {
        Table {
            file: header.file,
            source: Source::Plain {
                bytes,
                position: 0,
                line: first_line - 1,
                fields: Vec::new(),
            },
            headers: header.headers.clone(),
        }
    }

    /// Finds a required column by name.
    pub fn column(&self, name: &'static str) -> Result<Column, BundleError> {
        self.optional_column(name)
            .ok_or(BundleError::MissingColumn {
                file: self.file,
                column: name,
            })
    }

    /// Finds a column that may be absent.
    pub fn optional_column(&self, name: &'static str) -> Option<Column> {
        let found = self
            .headers
            .iter()
            .position(|header| trim(header).eq_ignore_ascii_case(name.as_bytes()));
        found.map(|index| Column { index, name })
    }

    /// Advances to the next record; `false` at the end of the file.
    pub fn next(&mut self) -> Result<bool, BundleError> {
        let width = self.headers.len();
        match &mut self.source {
            Source::Quoted { reader, record } => reader
                .read_byte_record(record)
                .map_err(|error| malformed(self.file, &error)),
            Source::Plain {
                bytes,
                position,
                line,
                fields,
            } => next_plain(self.file, bytes, position, line, fields, width),
        }
    }

    /// The 1-based line of the current record in the file.
    pub fn line(&self) -> u64 {
        match &self.source {
            Source::Quoted { record, .. } => {
                record.position().map_or(0, |position| position.line())
            }
            Source::Plain { line, .. } => *line,
        }
    }

    pub fn raw(&self, column: Column) -> &[u8] {
        let field = match &self.source {
            Source::Quoted { record, .. } => record.get(column.index).unwrap_or_default(),
            Source::Plain { bytes, fields, .. } => {
                let (start, end) = fields[column.index];
                &bytes[start..end]
            }
        };
        trim(field)
    }

    pub fn text(&self, column: Column) -> Result<&str, BundleError> {
        let raw = self.raw(column);
        std::str::from_utf8(raw).map_err(|_| self.invalid(column, raw, "is not UTF-8 text"))
    }

    /// A field that must hold something.
    pub fn required_text(&self, column: Column) -> Result<&str, BundleError> {
        let text = self.text(column)?;
        if text.is_empty() {
            return Err(self.invalid(column, b"", "must not be empty"));
        }
        Ok(text)
    }

    pub fn decimal(&self, column: Column) -> Result<Decimal, BundleError> {
        let raw = self.raw(column);
        parse_decimal(raw).ok_or_else(|| BundleError::BadNumber {
            file: self.file,
            line: self.line(),
            column: column.name,
            value: lossy(raw),
        })
    }

    /// A decimal that may be left empty, read as zero.
    pub fn decimal_or_zero(&self, column: Column) -> Result<Decimal, BundleError> {
        if self.raw(column).is_empty() {
            return Ok(Decimal::ZERO);
        }
        self.decimal(column)
    }

    pub fn positive(&self, column: Column) -> Result<Decimal, BundleError> {
        let value = self.decimal(column)?;
        if value <= Decimal::ZERO {
            return Err(self.invalid(column, self.raw(column), "must be greater than zero"));
        }
        Ok(value)
    }

    pub fn date(&self, column: Column) -> Result<NaiveDate, BundleError> {
        let raw = self.raw(column);
        parse_date(raw).ok_or_else(|| BundleError::BadDate {
            file: self.file,
            line: self.line(),
            column: column.name,
            value: lossy(raw),
        })
    }

    pub fn optional_date(&self, column: Column) -> Result<Option<NaiveDate>, BundleError> {
        if self.raw(column).is_empty() {
            return Ok(None);
        }
        self.date(column).map(Some)
    }

    pub fn unit(&self, column: Column) -> Result<Unit, BundleError> {
        let raw = self.raw(column);
        parse_unit(raw).ok_or_else(|| BundleError::UnknownUnit {
            file: self.file,
            line: self.line(),
            column: column.name,
            value: lossy(raw),
        })
    }

    pub fn invalid(&self, column: Column, raw: &[u8], reason: &'static str) -> BundleError {
        BundleError::InvalidValue {
            file: self.file,
            line: self.line(),
            column: column.name,
            value: lossy(raw),
            reason,
        }
    }
}

fn quoted<'a>(file: &'static str, bytes: &'a [u8]) -> Result<Table<'a>, BundleError> {
    let mut reader = ReaderBuilder::new().has_headers(true).from_reader(bytes);
    let headers = reader
        .byte_headers()
        .map_err(|error| malformed(file, &error))?
        .iter()
        .map(<[u8]>::to_vec)
        .collect();
    Ok(Table {
        file,
        source: Source::Quoted {
            reader: Box::new(reader),
            record: ByteRecord::new(),
        },
        headers,
    })
}

fn strip_line(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Field ranges of one line, relative to the line.
fn split(line: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut start = 0;
    let commas = memchr::memchr_iter(b',', line).chain(std::iter::once(line.len()));
    commas.map(move |comma| {
        let range = (start, comma);
        start = comma + 1;
        range
    })
}

fn next_plain(
    file: &'static str,
    bytes: &[u8],
    position: &mut usize,
    line: &mut u64,
    fields: &mut Vec<(usize, usize)>,
    width: usize,
) -> Result<bool, BundleError> {
    loop {
        if *position >= bytes.len() {
            return Ok(false);
        }
        let start = *position;
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |at| start + at);
        *position = end + 1;
        *line += 1;
        let text = strip_line(&bytes[start..end]);
        if text.is_empty() {
            continue;
        }
        fields.clear();
        fields.extend(split(text).map(|(from, to)| (start + from, start + to)));
        if fields.len() != width {
            return Err(BundleError::Malformed {
                file,
                line: *line,
                message: format!("found {} fields where the header has {width}", fields.len()),
            });
        }
        return Ok(true);
    }
}

fn malformed(file: &'static str, error: &csv::Error) -> BundleError {
    let line = error.position().map_or(0, |position| position.line());
    BundleError::Malformed {
        file,
        line,
        message: error.to_string(),
    }
}

pub(crate) fn lossy(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).into_owned()
}

pub(crate) fn trim(raw: &[u8]) -> &[u8] {
    raw.trim_ascii()
}

/// Parses `-?digits(.digits)?` exactly; anything else (exponents, commas, signs twice) is refused.
pub(crate) fn parse_decimal(raw: &[u8]) -> Option<Decimal> {
    let (negative, digits) = match raw.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, raw),
    };
    let mut mantissa: i128 = 0;
    let mut scale: u32 = 0;
    let mut count: u32 = 0;
    let mut seen_point = false;
    for &byte in digits {
        match byte {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + i128::from(byte - b'0');
                count += 1;
                scale += u32::from(seen_point);
            }
            b'.' if !seen_point => seen_point = true,
            _ => return None,
        }
        if count > DECIMAL_DIGITS_MAX {
            return None;
        }
    }
    if count == 0 {
        return None;
    }
    let signed = if negative { -mantissa } else { mantissa };
    Some(Decimal::from_i128_with_scale(signed, scale))
}

/// Parses exactly `YYYY-MM-DD`.
pub(crate) fn parse_date(raw: &[u8]) -> Option<NaiveDate> {
    if raw.len() != 10 || raw[4] != b'-' || raw[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        raw[range].iter().try_fold(0u32, |value, &byte| {
            byte.is_ascii_digit()
                .then(|| value * 10 + u32::from(byte - b'0'))
        })
    };
    let year = i32::try_from(number(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, number(5..7)?, number(8..10)?)
}

pub(crate) fn parse_unit(raw: &[u8]) -> Option<Unit> {
    std::str::from_utf8(raw).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_parse_exactly_or_not_at_all() {
        let good = [
            ("12.500", "12.500"),
            ("-3", "-3"),
            ("0.0001", "0.0001"),
            ("+7.", "7"),
        ];
        for (text, expected) in good {
            let parsed = parse_decimal(text.as_bytes()).expect(text);
            assert_eq!(
                parsed,
                expected.parse::<Decimal>().expect("literal"),
                "{text}"
            );
        }
        for bad in ["", "1e5", "1,5", "1.2.3", "--1", "abc", "."] {
            assert!(parse_decimal(bad.as_bytes()).is_none(), "{bad}");
        }
    }

    #[test]
    fn dates_are_iso_8601_days() {
        assert_eq!(
            parse_date(b"2025-02-28"),
            NaiveDate::from_ymd_opt(2025, 2, 28)
        );
        for bad in ["2025-02-30", "2025/02/28", "25-02-28", "2025-2-28"] {
            assert!(parse_date(bad.as_bytes()).is_none(), "{bad}");
        }
    }
}
