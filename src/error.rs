//! One error type for the whole core. Every error says *where* (file, line, column) and
//! *what to do*, because the person reading it is a clinician looking at a spreadsheet.

use std::fmt;

/// What kind of problem stopped the analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The bytes could not be read as a table at all (empty, binary, broken workbook...).
    Format,
    /// The spec is malformed or names something that is not in the file.
    Spec,
    /// The data are readable but leave nothing to analyse.
    Data,
    /// A broken internal invariant: a bug in this program, not a problem with the input. The
    /// message says so and asks for a report; it never tells the user to change their data.
    Internal,
}

/// Where in the input a problem sits. Lines are 1-based file lines (the header is line 1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    pub file: Option<String>,
    pub line: Option<u64>,
    pub column: Option<String>,
}

/// An error with its kind, position and a message that states the broken rule and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub pos: Position,
    pub message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, pos: Position::default(), message: message.into() }
    }
    pub fn format(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Format, message)
    }
    pub fn spec(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Spec, message)
    }
    pub fn data(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Data, message)
    }
    /// A broken invariant (a bug): see [`ErrorKind::Internal`].
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
    pub fn at_file(mut self, file: impl Into<String>) -> Self {
        if self.pos.file.is_none() {
            self.pos.file = Some(file.into());
        }
        self
    }
    pub fn at_line(mut self, line: u64) -> Self {
        self.pos.line = Some(line);
        self
    }
    pub fn at_column(mut self, column: impl Into<String>) -> Self {
        self.pos.column = Some(column.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut wrote = false;
        if let Some(file) = &self.pos.file {
            write!(f, "{file}")?;
            wrote = true;
        }
        if let Some(line) = self.pos.line {
            write!(f, "{}line {line}", if wrote { ", " } else { "" })?;
            wrote = true;
        }
        if let Some(col) = &self.pos.column {
            write!(f, "{}column '{col}'", if wrote { ", " } else { "" })?;
            wrote = true;
        }
        if wrote {
            write!(f, ": ")?;
        }
        if self.kind == ErrorKind::Internal {
            return write!(f, "internal error (a bug in cohort, not a problem with your data or settings; please report it): {}", self.message);
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_error_says_it_is_a_bug_not_the_users_mistake() {
        let e = Error::internal("the analysis cache lost its rows").at_file("lung.csv");
        assert_eq!(e.kind, ErrorKind::Internal);
        let text = e.to_string();
        assert!(text.starts_with("lung.csv: internal error (a bug in cohort, not a problem with your data"), "{text}");
        assert!(text.ends_with("the analysis cache lost its rows"), "{text}");
        // The other kinds print the message as it is.
        assert_eq!(Error::spec("no column 'x'").at_line(3).to_string(), "line 3: no column 'x'");
    }
}
