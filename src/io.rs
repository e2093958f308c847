//! Case files: JSON for one case, JSON Lines for corpora (the organisation
//! snapshot on the first line, then one task with its events per line).
//!
//! Every error names the file, the line and column, the JSON path and the
//! offending value, and suggests the nearest id for a near miss.

use std::fmt;
use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use crate::model::{Case, Organisation, Problem, TaskRecord, ValidCase, ValidOrganisation};

/// The longest line a corpus file may have, in bytes.
pub const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

/// One located problem in a case file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Located {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The problem.
    pub problem: Problem,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.problem
        )
    }
}

/// Why a case file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CaseFileError {
    /// The file could not be read.
    #[error("cannot read `{file}`: {message}")]
    Io {
        /// The file.
        file: String,
        /// The system's message.
        message: String,
    },
    /// Not JSON, or not of the case's shape.
    #[error("{file}:{line}:{column}: at `{path}`: {message}")]
    Syntax {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// JSON path of the fault (`task.steps[2].kind`), empty at the top.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Parsed, but failed validation.
    #[error("{} problem(s):{}", .0.len(), .0.iter().map(|p| format!("\n- {p}")).collect::<String>())]
    Invalid(Vec<Located>),
    /// A line longer than [`MAX_LINE_BYTES`].
    #[error("{file}:{line}: the line is longer than the limit of {limit} bytes")]
    LineTooLong {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// The limit.
        limit: usize,
    },
    /// The corpus has no organisation line.
    #[error("{file}: the corpus is empty: its first line must hold the organisation")]
    Empty {
        /// The file.
        file: String,
    },
}

impl CaseFileError {
    /// The validation problems, if that is what failed.
    pub fn problems(&self) -> &[Located] {
        match self {
            CaseFileError::Invalid(v) => v,
            _ => &[],
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(
    text: &str,
    file: &str,
    line_offset: usize,
    prefix: &str,
) -> Result<T, CaseFileError> {
    let syntax = |path: String, inner: &serde_json::Error| {
        // serde_json counts columns in bytes; report characters, from 1.
        let line_text = text
            .lines()
            .nth(inner.line().saturating_sub(1))
            .unwrap_or("");
        let column = line_text
            .get(..inner.column().min(line_text.len()))
            .map_or(inner.column(), |s| s.chars().count())
            .max(1);
        let path = match (prefix.is_empty(), path.as_str()) {
            (_, ".") => prefix.to_string(),
            (true, p) => p.to_string(),
            (false, p) => format!("{prefix}.{p}"),
        };
        CaseFileError::Syntax {
            file: file.to_string(),
            line: inner.line().max(1) + line_offset,
            column,
            path,
            message: inner
                .to_string()
                .split(" at line ")
                .next()
                .unwrap_or_default()
                .to_string(),
        }
    };
    // Read without tracking the path; only text that fails is read again,
    // with the path tracked, for the error to name the field. Both reads
    // stop at the same place, on the same error.
    if let Ok(out) = serde_json::from_str(text) {
        return Ok(out);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let out: T = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| syntax(e.path().to_string(), e.inner()))?;
    de.end().map_err(|e| syntax(String::new(), &e))?;
    Ok(out)
}

fn locate(
    text: &str,
    file: &str,
    line_offset: usize,
    strip: &str,
    problems: Vec<Problem>,
) -> CaseFileError {
    // One pass over the text finds every path asked for, however many problems there are.
    let wanted: std::collections::HashSet<String> = problems
        .iter()
        .map(|p| p.path.strip_prefix(strip).unwrap_or(&p.path).to_string())
        .collect();
    let offsets = index_paths(text, &wanted);
    let lines = crate::policy::LineIndexPub::new(text);
    CaseFileError::Invalid(
        problems
            .into_iter()
            .map(|problem| {
                let inner_path = problem.path.strip_prefix(strip).unwrap_or(&problem.path);
                let (line, column) = offsets
                    .get(inner_path)
                    .map_or((1, 1), |&o| lines.locate(text, o));
                Located {
                    file: file.to_string(),
                    line: line + line_offset,
                    column,
                    problem,
                }
            })
            .collect(),
    )
}

/// Byte offsets of the values at the given JSON paths, found in one walk.
fn index_paths(
    text: &str,
    wanted: &std::collections::HashSet<String>,
) -> std::collections::HashMap<String, usize> {
    let mut out = std::collections::HashMap::new();
    if wanted.is_empty() {
        return out;
    }
    let mut s = Scanner {
        b: text.as_bytes(),
        pos: 0,
    };
    let mut path = String::new();
    let _ = s.walk(&mut path, wanted, &mut out, 0);
    out
}

/// Reads and validates one case from JSON text; `file` names it in errors.
///
/// # Errors
/// [`CaseFileError::Syntax`] or [`CaseFileError::Invalid`], located.
pub fn case_from_str(text: &str, file: &str) -> Result<ValidCase, CaseFileError> {
    let case: Case = parse(text, file, 0, "")?;
    case.validate()
        .map_err(|e| locate(text, file, 0, "", e.problems))
}

/// Reads and validates one case file.
///
/// # Errors
/// As [`case_from_str`], or [`CaseFileError::Io`].
pub fn read_case(path: &Path) -> Result<ValidCase, CaseFileError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| CaseFileError::Io {
        file: file.clone(),
        message: e.to_string(),
    })?;
    case_from_str(&text, &file)
}

/// A streaming reader of a JSON Lines corpus: the organisation once, then one validated case per line.
///
/// Memory stays bounded by the longest line, whatever the corpus size.
pub struct CorpusReader<R> {
    input: R,
    file: String,
    org: Arc<ValidOrganisation>,
    line: usize,
    buf: String,
}

impl<R: BufRead> CorpusReader<R> {
    /// Reads the organisation line and prepares to stream tasks.
    ///
    /// # Errors
    /// A located [`CaseFileError`] for the organisation line.
    pub fn new(mut input: R, file: &str) -> Result<Self, CaseFileError> {
        let mut buf = String::new();
        let mut line = 0;
        loop {
            buf.clear();
            let n = read_line(&mut input, &mut buf, file, line + 1)?;
            if n == 0 {
                return Err(CaseFileError::Empty {
                    file: file.to_string(),
                });
            }
            line += 1;
            if !buf.trim().is_empty() {
                break;
            }
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct OrgLine {
            organisation: Organisation,
        }
        let o: OrgLine = parse(&buf, file, line - 1, "")?;
        let org = ValidOrganisation::new(o.organisation).map_err(|e| {
            locate(
                &buf,
                file,
                line - 1,
                "",
                e.prefixed("organisation").problems,
            )
        })?;
        Ok(CorpusReader {
            input,
            file: file.to_string(),
            org: Arc::new(org),
            line,
            buf: String::new(),
        })
    }
    /// The organisation shared by every case.
    pub fn organisation(&self) -> &Arc<ValidOrganisation> {
        &self.org
    }
    /// The line number of the last line read.
    pub fn line(&self) -> usize {
        self.line
    }
}

fn read_line<R: BufRead>(
    input: &mut R,
    buf: &mut String,
    file: &str,
    line: usize,
) -> Result<usize, CaseFileError> {
    use std::io::Read;
    let mut limited = input.take(MAX_LINE_BYTES as u64 + 1);
    let n = limited.read_line(buf).map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidData {
            // Not UTF-8: say where, like any other syntax error.
            CaseFileError::Syntax {
                file: file.to_string(),
                line,
                column: 1,
                path: String::new(),
                message: "the line is not valid UTF-8".into(),
            }
        } else {
            CaseFileError::Io {
                file: file.to_string(),
                message: e.to_string(),
            }
        }
    })?;
    if n > MAX_LINE_BYTES {
        // Skip the rest of the over-long line without holding it, so the next
        // read starts on the next line.
        if !buf.ends_with('\n') {
            while let Ok(chunk) = input.fill_buf() {
                if chunk.is_empty() {
                    break;
                }
                match chunk.iter().position(|b| *b == b'\n') {
                    Some(pos) => {
                        input.consume(pos + 1);
                        break;
                    }
                    None => {
                        let len = chunk.len();
                        input.consume(len);
                    }
                }
            }
        }
        buf.clear();
        return Err(CaseFileError::LineTooLong {
            file: file.to_string(),
            line,
            limit: MAX_LINE_BYTES,
        });
    }
    Ok(n)
}

impl<R: BufRead> CorpusReader<R> {
    /// The next non-blank task line with its line number, unparsed (for parallel parsing with [`parse_task_line`]).
    pub fn next_line(&mut self) -> Option<Result<(usize, String), CaseFileError>> {
        loop {
            let mut buf = String::new();
            match read_line(&mut self.input, &mut buf, &self.file, self.line + 1) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => {
                    self.line += 1;
                    return Some(Err(e));
                }
            }
            self.line += 1;
            if !buf.trim().is_empty() {
                return Some(Ok((self.line, buf)));
            }
        }
    }
    /// The file name given at creation.
    pub fn file(&self) -> &str {
        &self.file
    }
}

/// Parses and validates one task line of a corpus (line number `line`, 1-based).
///
/// # Errors
/// A located [`CaseFileError`].
pub fn parse_task_line(
    org: &Arc<ValidOrganisation>,
    text: &str,
    file: &str,
    line: usize,
) -> Result<ValidCase, CaseFileError> {
    let rec: TaskRecord = parse(text, file, line - 1, "")?;
    ValidCase::new(org.clone(), rec).map_err(|e| locate(text, file, line - 1, "", e.problems))
}

impl<R: BufRead> Iterator for CorpusReader<R> {
    type Item = Result<ValidCase, CaseFileError>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.buf.clear();
            match read_line(&mut self.input, &mut self.buf, &self.file, self.line + 1) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => {
                    // Skip past an over-long line so the stream can go on.
                    self.line += 1;
                    return Some(Err(e));
                }
            }
            self.line += 1;
            if self.buf.trim().is_empty() {
                continue;
            }
            let rec: TaskRecord = match parse(&self.buf, &self.file, self.line - 1, "") {
                Ok(r) => r,
                Err(e) => return Some(Err(e)),
            };
            return Some(
                ValidCase::new(self.org.clone(), rec)
                    .map_err(|e| locate(&self.buf, &self.file, self.line - 1, "", e.problems)),
            );
        }
    }
}

/// Reads a whole JSON Lines corpus into memory (for small corpora; use [`CorpusReader`] to stream).
///
/// # Errors
/// The first located error met.
pub fn corpus_from_str(text: &str, file: &str) -> Result<Vec<ValidCase>, CaseFileError> {
    CorpusReader::new(text.as_bytes(), file)?.collect()
}

/// Finds the line and column of the value at a JSON path (`task.steps[1].assignee`) in JSON text.
pub fn locate_path(text: &str, path: &str) -> Option<(usize, usize)> {
    let mut want: Vec<Seg> = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (name, rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
        if !name.is_empty() {
            want.push(Seg::Key(name.to_string()));
        }
        for idx in rest.split('[') {
            if let Ok(i) = idx.trim_end_matches(']').parse::<usize>() {
                want.push(Seg::Index(i));
            }
        }
    }
    let bytes = text.as_bytes();
    let mut s = Scanner { b: bytes, pos: 0 };
    let off = s.find(&want)?;
    let before = text.get(..off)?;
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Some((line, col))
}

#[derive(Debug, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
}

struct Scanner<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn ws(&mut self) {
        while self.b.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
            self.pos += 1;
        }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }
    fn string(&mut self) -> Option<String> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.pos + 1;
        self.pos += 1;
        while let Some(c) = self.peek() {
            match c {
                b'\\' => self.pos += 2,
                b'"' => {
                    let s = std::str::from_utf8(self.b.get(start..self.pos)?)
                        .ok()?
                        .to_string();
                    self.pos += 1;
                    return Some(s);
                }
                _ => self.pos += 1,
            }
        }
        None
    }
    fn skip_value(&mut self) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' | b'[' => {
                let mut depth = 0usize;
                while let Some(c) = self.peek() {
                    match c {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.pos += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
                None
            }
            _ => {
                while self
                    .peek()
                    .is_some_and(|c| !matches!(c, b',' | b'}' | b']') && !c.is_ascii_whitespace())
                {
                    self.pos += 1;
                }
                Some(())
            }
        }
    }
    /// Walks the whole current value, recording the offsets of the wanted paths.
    fn walk(
        &mut self,
        path: &mut String,
        wanted: &std::collections::HashSet<String>,
        out: &mut std::collections::HashMap<String, usize>,
        depth: usize,
    ) -> Option<()> {
        self.ws();
        if wanted.contains(path.as_str()) {
            out.insert(path.clone(), self.pos);
        }
        if depth > 256 {
            return self.skip_value();
        }
        match self.peek()? {
            b'{' => {
                self.pos += 1;
                loop {
                    self.ws();
                    if self.peek()? == b'}' {
                        self.pos += 1;
                        return Some(());
                    }
                    let key = self.string()?;
                    self.ws();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.pos += 1;
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&key);
                    self.walk(path, wanted, out, depth + 1)?;
                    path.truncate(len);
                    self.ws();
                    if self.peek()? == b',' {
                        self.pos += 1;
                    }
                }
            }
            b'[' => {
                self.pos += 1;
                let mut i = 0usize;
                loop {
                    self.ws();
                    if self.peek()? == b']' {
                        self.pos += 1;
                        return Some(());
                    }
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    self.walk(path, wanted, out, depth + 1)?;
                    path.truncate(len);
                    i += 1;
                    self.ws();
                    if self.peek()? == b',' {
                        self.pos += 1;
                    }
                }
            }
            _ => self.skip_value(),
        }
    }
    /// Walks down `path` from the current value; returns the offset of the target value.
    fn find(&mut self, path: &[Seg]) -> Option<usize> {
        self.ws();
        let Some((first, rest)) = path.split_first() else {
            return Some(self.pos);
        };
        match (first, self.peek()?) {
            (Seg::Key(k), b'{') => {
                self.pos += 1;
                loop {
                    self.ws();
                    if self.peek()? == b'}' {
                        return None;
                    }
                    let key = self.string()?;
                    self.ws();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.pos += 1;
                    if &key == k {
                        return self.find(rest);
                    }
                    self.skip_value()?;
                    self.ws();
                    if self.peek()? == b',' {
                        self.pos += 1;
                    }
                }
            }
            (Seg::Index(i), b'[') => {
                self.pos += 1;
                for _ in 0..*i {
                    self.skip_value()?;
                    self.ws();
                    if self.peek()? != b',' {
                        return None;
                    }
                    self.pos += 1;
                }
                self.find(rest)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `parse` reads a text without tracking the path and reads it again,
    /// tracking it, only when that fails; the two reads must succeed and
    /// fail on the same texts, with equal values and errors at the same
    /// place. Checked on the sample's task lines, each as it is, cut short
    /// at several points, with an unknown field, and with a text value
    /// where a list or number is due.
    #[test]
    fn the_read_without_the_path_agrees_with_the_tracked_read() {
        fn tracked(text: &str) -> Result<TaskRecord, serde_json::Error> {
            let mut de = serde_json::Deserializer::from_str(text);
            let out = serde_path_to_error::deserialize(&mut de).map_err(|e| e.into_inner())?;
            de.end()?;
            Ok(out)
        }
        let sample = include_str!("../data/sample/province.jsonl");
        let (mut agreed, mut failed) = (0, 0);
        for line in sample.lines().skip(1) {
            let mut texts = vec![line.to_string()];
            let bounds: Vec<usize> = line.char_indices().map(|(i, _)| i).collect();
            for k in 1..8 {
                texts.push(line[..bounds[bounds.len() * k / 8]].to_string());
            }
            texts.push(line.replacen('{', "{\"unknown\":1,", 2));
            texts.push(line.replacen(":[", ":\"x\",\"y\":[", 1));
            texts.push(line.replacen(":1", ":\"1\"", 1));
            texts.push(format!("{line} x"));
            for t in &texts {
                match (serde_json::from_str::<TaskRecord>(t), tracked(t)) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b),
                    (Err(a), Err(b)) => {
                        assert_eq!(
                            (a.line(), a.column(), a.classify()),
                            (b.line(), b.column(), b.classify()),
                            "{t}"
                        );
                        failed += 1;
                    }
                    (a, b) => panic!("one read failed and not the other on {t}: {a:?} / {b:?}"),
                }
                agreed += 1;
            }
        }
        assert!(
            agreed > 400 && failed > 350,
            "{agreed} texts, {failed} failing"
        );
    }

    #[test]
    fn locates_paths() {
        let text = "{\n  \"a\": {\"b\": [1, {\"c\": \"x\"}]},\n  \"d\": 2\n}";
        assert_eq!(locate_path(text, "a.b[1].c"), Some((2, 24)));
        assert_eq!(locate_path(text, "d"), Some((3, 8)));
        assert_eq!(locate_path(text, "zz"), None);
    }
}
