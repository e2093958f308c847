//! Every file of `tests/data/malformed/` is read and must fail with the
//! expected error, at the expected JSON path, line and column, without
//! panicking. A file without an expectation fails the test.
//!
//! The `.json` files are pretty-printed variants of one valid case, each
//! with one fault (or one family of faults); the `.jsonl` files are corpora.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::io::BufReader;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use accountable::io::{CaseFileError, CorpusReader, Located, corpus_from_str, read_case};
use accountable::model::ValidCase;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/malformed")
}

/// What reading a `.json` file must give.
enum Expect {
    /// `CaseFileError::Syntax`: a fragment of the message, the JSON path
    /// (a trailing `*` means "starts with"), the line and the column
    /// (`None` where it is not stable, see the comments).
    Syntax {
        fragment: &'static str,
        path: &'static str,
        line: usize,
        column: Option<usize>,
    },
    /// `CaseFileError::Invalid`: every problem, in order.
    Invalid(Vec<Prob>),
}

/// One expected validation problem.
struct Prob {
    code: &'static str,
    path: &'static str,
    line: usize,
    column: usize,
    help: Option<&'static str>,
}

const fn syntax(
    fragment: &'static str,
    path: &'static str,
    line: usize,
    column: Option<usize>,
) -> Expect {
    Expect::Syntax {
        fragment,
        path,
        line,
        column,
    }
}

const fn prob(code: &'static str, path: &'static str, line: usize, column: usize) -> Prob {
    Prob {
        code,
        path,
        line,
        column,
        help: None,
    }
}

const fn with_help(p: Prob, help: &'static str) -> Prob {
    Prob {
        help: Some(help),
        ..p
    }
}

/// Expectations for every `.json` file.
///
/// Syntax columns are those serde_json reports: the byte after the fault,
/// counted in bytes. Validation columns are in characters and point at the
/// first character of the offending value.
fn json_table() -> Vec<(&'static str, Expect)> {
    use Expect::Invalid;
    vec![
        // ---- Not JSON, or not of the case's shape. ----
        (
            "malformed-truncated.json",
            syntax("EOF while parsing a string", "task.origin", 106, Some(20)),
        ),
        (
            "malformed-trailing-comma.json",
            syntax("trailing comma", "organisation.units", 24, Some(5)),
        ),
        (
            "malformed-wrong-type-flags.json",
            syntax(
                "invalid type: string \"difficult\", expected struct TaskFlags",
                "task.flags",
                104,
                Some(24),
            ),
        ),
        (
            "malformed-unknown-field.json",
            syntax(
                "unknown field `parrent`",
                "organisation.units[2].parrent",
                21,
                Some(17),
            ),
        ),
        (
            "malformed-unknown-top-level-field.json",
            syntax("unknown field `version`", "version", 2, Some(11)),
        ),
        // An event's common fields are read as they come; its kind's fields
        // are kept and read once the event ends: a fault in those is reported
        // at the event, with the event's id, just past its closing brace.
        (
            // An unknown key inside an event is refused like anywhere else.
            "malformed-unknown-event-field.json",
            syntax(
                "event `e1`: unknown field `documnet`",
                "events[0]",
                139,
                Some(5),
            ),
        ),
        (
            "malformed-bad-date.json",
            syntax(
                "input is out of range",
                "organisation.positions[1].from",
                65,
                Some(28),
            ),
        ),
        (
            "malformed-bad-timestamp.json",
            // At the bad value itself, after it.
            syntax("premature end of input", "events[1].at", 141, Some(30)),
        ),
        (
            "malformed-bad-event-kind.json",
            syntax(
                "event `e3`: unknown variant `escalated`",
                "events[2]",
                154,
                Some(5),
            ),
        ),
        (
            "malformed-bad-reply-position.json",
            syntax(
                "event `e4`: unknown variant `maybe`",
                "events[3]",
                164,
                Some(5),
            ),
        ),
        (
            "malformed-bad-role.json",
            syntax(
                "unknown variant `vice_head`",
                "organisation.positions[2].role",
                70,
                Some(27),
            ),
        ),
        (
            "malformed-empty-id.json",
            syntax(
                "an id may not be empty",
                "organisation.officials[2].id",
                38,
                Some(16),
            ),
        ),
        (
            "malformed-id-too-long.json",
            syntax(
                "an id may be at most 128 bytes long",
                "task.id",
                100,
                Some(145),
            ),
        ),
        (
            "malformed-id-padded.json",
            syntax("white space", "task.unit", 102, Some(22)),
        ),
        (
            "malformed-missing-field.json",
            syntax("missing field `received`", "task", 128, Some(3)),
        ),
        (
            "malformed-duplicate-key.json",
            syntax("duplicate field `field`", "task", 104, Some(11)),
        ),
        // A key given twice in an event, common or of the kind, is refused
        // like one in the task, at the second key.
        (
            "malformed-duplicate-event-key.json",
            syntax("duplicate field `actor`", "events[0]", 136, Some(13)),
        ),
        (
            "malformed-duplicate-event-kind-key.json",
            syntax("duplicate field `to`", "events[0]", 138, Some(10)),
        ),
        (
            "malformed-negative-working-days.json",
            syntax(
                "invalid value: integer `-5`, expected u32",
                "task.deadline.working_days",
                108,
                Some(36),
            ),
        ),
        (
            "malformed-step-kind-number.json",
            syntax("expected value", "task.steps[0].kind", 113, Some(17)),
        ),
        (
            "malformed-events-not-array.json",
            syntax(
                "invalid type: map, expected a sequence",
                "events",
                130,
                Some(12),
            ),
        ),
        (
            "malformed-missing-comma.json",
            syntax("expected `,` or `}`", "organisation.units[1]*", 14, Some(9)),
        ),
        (
            // The line holds Vietnamese text before the fault: serde_json
            // counts the column in bytes (71), an editor in characters (54).
            "malformed-missing-comma-after-vietnamese.json",
            syntax("expected `,` or `}`", "task*", 101, None),
        ),
        (
            "malformed-trailing-characters.json",
            syntax("trailing characters", "", 183, Some(1)),
        ),
        (
            "malformed-not-json.json",
            syntax("expected value", "", 1, Some(1)),
        ),
        (
            // serde_json reports column 0 for an empty input.
            "malformed-empty.json",
            syntax("EOF while parsing a value", "", 1, None),
        ),
        (
            "malformed-top-level-array.json",
            syntax("expected struct Case", "", 1, Some(2)),
        ),
        // ---- Well-formed, but failing validation. ----
        (
            "invalid-unknown-assignee.json",
            Invalid(vec![with_help(
                prob("unknown_id", "task.steps[0].assignee", 114, 21),
                "did you mean `cv-an`?",
            )]),
        ),
        (
            "invalid-unknown-parent-unit.json",
            Invalid(vec![with_help(
                prob("unknown_id", "organisation.units[2].parent", 21, 19),
                "did you mean `ubnd`?",
            )]),
        ),
        (
            "invalid-unknown-delegation.json",
            Invalid(vec![with_help(
                prob("unknown_id", "events[4].delegation", 172, 21),
                "did you mean `uq-1`?",
            )]),
        ),
        (
            // `ubnd` → `so-xd` → `ubnd`; `so-tnmt` hangs below the cycle.
            "invalid-cycle.json",
            Invalid(vec![
                // `so-tnmt` is below the cycle, not on it: not reported.
                prob("cycle", "organisation.units[0].parent", 8, 19),
                prob("cycle", "organisation.units[2].parent", 22, 19),
            ]),
        ),
        (
            "invalid-two-heads.json",
            Invalid(vec![prob("two_heads", "organisation.positions[3]", 74, 7)]),
        ),
        (
            "invalid-window-reversed.json",
            Invalid(vec![prob(
                "window_reversed",
                "organisation.delegations[0].valid_until",
                95,
                24,
            )]),
        ),
        (
            "invalid-bad-fields.json",
            Invalid(vec![prob(
                "bad_fields",
                "organisation.positions[2].fields",
                71,
                19,
            )]),
        ),
        (
            // The second `cv-an` hides `cv-binh`, whose position is then unknown.
            "invalid-duplicate-official.json",
            Invalid(vec![
                prob("duplicate_id", "organisation.officials[4].id", 49, 15),
                prob("unknown_id", "organisation.positions[4].official", 81, 21),
            ]),
        ),
        (
            "invalid-duplicate-step.json",
            Invalid(vec![prob("duplicate_id", "task.steps[2].id", 123, 15)]),
        ),
        (
            "invalid-no-steps.json",
            Invalid(vec![prob("no_steps", "task.steps", 110, 14)]),
        ),
        (
            "invalid-assignee-outside-unit.json",
            Invalid(vec![prob(
                "assignee_outside_unit",
                "task.steps[1].assignee",
                119,
                21,
            )]),
        ),
        (
            "invalid-events-out-of-order.json",
            Invalid(vec![prob("event_out_of_order", "events[3].at", 157, 13)]),
        ),
        (
            "invalid-event-before-receipt.json",
            Invalid(vec![prob("event_before_receipt", "events[0].at", 133, 13)]),
        ),
        (
            "invalid-actor-without-position.json",
            Invalid(vec![prob(
                "actor_without_position",
                "events[3].actor",
                159,
                16,
            )]),
        ),
        (
            "invalid-unknown-step.json",
            Invalid(vec![with_help(
                prob("unknown_step", "events[5].step", 178, 15),
                "did you mean `s3`?",
            )]),
        ),
    ]
}

/// The `.jsonl` corpora; each has its own test below.
const JSONL: &[&str] = &[
    "malformed-corpus-bad-organisation.jsonl",
    "malformed-corpus-bad-task-line3.jsonl",
    "malformed-corpus-empty.jsonl",
    "invalid-corpus-organisation.jsonl",
];

fn files_in_dir() -> BTreeSet<String> {
    std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect()
}

/// Reads one case file, turning a panic into a failure message.
fn read_no_panic(path: &Path) -> Result<Result<ValidCase, CaseFileError>, String> {
    catch_unwind(AssertUnwindSafe(|| read_case(path)))
        .map_err(|_| format!("reading {} panicked", path.display()))
}

fn path_matches(want: &str, got: &str) -> bool {
    match want.strip_suffix('*') {
        Some(prefix) => got.starts_with(prefix),
        None => got == want,
    }
}

/// The character at a 1-based line and column (in characters).
fn char_at(text: &str, line: usize, column: usize) -> Option<char> {
    text.lines().nth(line - 1)?.chars().nth(column - 1)
}

/// Checks one file against its expectation; returns the mismatches.
fn check_json(name: &str, expect: &Expect) -> Vec<String> {
    let path = dir().join(name);
    let file = path.display().to_string();
    let mut bad = Vec::new();
    let result = match read_no_panic(&path) {
        Ok(r) => r,
        Err(msg) => return vec![msg],
    };
    let err = match result {
        Ok(_) => return vec![format!("{name}: read as a valid case")],
        Err(e) => e,
    };
    match (expect, &err) {
        (
            Expect::Syntax {
                fragment,
                path: want_path,
                line: want_line,
                column: want_column,
            },
            CaseFileError::Syntax {
                file: got_file,
                line,
                column,
                path: got_path,
                message,
            },
        ) => {
            if got_file != &file {
                bad.push(format!("{name}: file `{got_file}`, expected `{file}`"));
            }
            if !message.contains(fragment) {
                bad.push(format!("{name}: message `{message}` lacks `{fragment}`"));
            }
            if !path_matches(want_path, got_path) {
                bad.push(format!("{name}: path `{got_path}`, expected `{want_path}`"));
            }
            if line != want_line {
                bad.push(format!("{name}: line {line}, expected {want_line}"));
            }
            if let Some(c) = want_column
                && column != c
            {
                bad.push(format!("{name}: column {column}, expected {c}"));
            }
            let shown = err.to_string();
            let prefix = format!("{file}:{line}:{column}: at `{got_path}`: ");
            if !shown.starts_with(&prefix) {
                bad.push(format!("{name}: shown as `{shown}`, expected `{prefix}…`"));
            }
        }
        (Expect::Invalid(want), CaseFileError::Invalid(got)) => {
            let text = std::fs::read_to_string(&path).unwrap();
            bad.extend(compare_located(name, &file, &text, want, got));
            if err.problems().len() != got.len() {
                bad.push(format!("{name}: problems() disagrees with the variant"));
            }
        }
        (_, other) => bad.push(format!("{name}: unexpected error {other:?}")),
    }
    bad
}

fn compare_located(
    name: &str,
    file: &str,
    text: &str,
    want: &[Prob],
    got: &[Located],
) -> Vec<String> {
    let mut bad = Vec::new();
    let got_list: Vec<String> = got
        .iter()
        .map(|l| {
            format!(
                "{} {} {}:{} {:?}",
                l.problem.code.as_str(),
                l.problem.path,
                l.line,
                l.column,
                l.problem.help
            )
        })
        .collect();
    let want_list: Vec<String> = want
        .iter()
        .map(|p| format!("{} {} {}:{} {:?}", p.code, p.path, p.line, p.column, p.help))
        .collect();
    if got_list != want_list {
        bad.push(format!(
            "{name}: problems\n    got  {got_list:?}\n    want {want_list:?}"
        ));
    }
    for l in got {
        if l.file != file {
            bad.push(format!("{name}: file `{}`, expected `{file}`", l.file));
        }
        // The location points at the start of a JSON value.
        match char_at(text, l.line, l.column) {
            Some('"' | '{' | '[' | '0'..='9' | '-' | 't' | 'f' | 'n') => {}
            other => bad.push(format!(
                "{name}: {}:{} points at {other:?}, not at a value",
                l.line, l.column
            )),
        }
        if !l
            .to_string()
            .starts_with(&format!("{file}:{}:{}: ", l.line, l.column))
        {
            bad.push(format!("{name}: shown as `{l}`"));
        }
    }
    bad
}

#[test]
fn every_file_has_an_expectation_and_every_expectation_a_file() {
    let files = files_in_dir();
    let table = json_table();
    let mut expected: BTreeSet<String> = table.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(expected.len(), table.len(), "a file is listed twice");
    expected.extend(JSONL.iter().map(|n| n.to_string()));
    let unexpected: Vec<_> = files.difference(&expected).collect();
    let missing: Vec<_> = expected.difference(&files).collect();
    assert!(
        unexpected.is_empty(),
        "files without an expectation in tests/malformed.rs: {unexpected:?}"
    );
    assert!(missing.is_empty(), "expected files not found: {missing:?}");
    for f in &files {
        assert!(
            f.contains("malformed") || f.contains("invalid"),
            "`{f}` should say `malformed` or `invalid` in its name"
        );
        assert!(
            f.ends_with(".json") || f.ends_with(".jsonl"),
            "`{f}`: only .json and .jsonl files belong here"
        );
    }
    assert!(files.len() >= 24 + 3);
}

#[test]
fn every_json_file_fails_as_expected() {
    let mut bad = Vec::new();
    let mut seen = 0;
    for (name, expect) in json_table() {
        bad.extend(check_json(name, &expect));
        seen += 1;
    }
    assert_eq!(
        seen,
        files_in_dir()
            .iter()
            .filter(|f| f.ends_with(".json"))
            .count()
    );
    assert!(
        bad.is_empty(),
        "{} mismatch(es):\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn pretty_printed_files_span_many_lines() {
    // Line numbers mean something only if the files are multi-line.
    for (name, _) in json_table() {
        let text = std::fs::read_to_string(dir().join(name)).unwrap();
        if text.len() > 100 {
            assert!(text.lines().count() > 100, "{name} is not pretty-printed");
        }
    }
}

#[test]
fn missing_file_is_an_io_error() {
    let path = dir().join("no-such-file.json");
    match read_case(&path) {
        Err(CaseFileError::Io { file, .. }) => assert_eq!(file, path.display().to_string()),
        other => panic!("expected an Io error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// JSON Lines corpora.
// ---------------------------------------------------------------------------

type FileCorpus = CorpusReader<BufReader<std::fs::File>>;

/// Opens a corpus file: its name as reported, and the reader or the error.
fn open_corpus(name: &str) -> (String, Result<FileCorpus, CaseFileError>) {
    let path = dir().join(name);
    let file = path.display().to_string();
    let input = BufReader::new(std::fs::File::open(&path).unwrap());
    let reader = catch_unwind(AssertUnwindSafe(|| CorpusReader::new(input, &file)))
        .unwrap_or_else(|_| panic!("opening {name} panicked"));
    (file, reader)
}

fn read_text(name: &str) -> String {
    std::fs::read_to_string(dir().join(name)).unwrap()
}

#[test]
fn corpus_with_a_bad_organisation_line() {
    // Line 1 is blank; the organisation on line 2 has a unit of unknown kind.
    let name = "malformed-corpus-bad-organisation.jsonl";
    let (file, reader) = open_corpus(name);
    match reader.err().unwrap() {
        CaseFileError::Syntax {
            file: f,
            line,
            path,
            message,
            ..
        } => {
            assert_eq!(f, file);
            assert_eq!(line, 2);
            assert_eq!(path, "organisation.units[2].kind");
            assert!(
                message.contains("unknown variant `ministry_of_magic`"),
                "{message}"
            );
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    let again = corpus_from_str(&read_text(name), name).err().unwrap();
    assert!(
        matches!(again, CaseFileError::Syntax { line: 2, .. }),
        "{again:?}"
    );
}

#[test]
fn corpus_with_an_invalid_organisation_line() {
    let name = "invalid-corpus-organisation.jsonl";
    let (file, reader) = open_corpus(name);
    let err = reader.err().unwrap();
    let text = read_text(name);
    let bad = compare_located(
        name,
        &file,
        &text,
        &[
            prob("cycle", "organisation.units[0].parent", 1, 120),
            prob("cycle", "organisation.units[2].parent", 1, 305),
        ],
        err.problems(),
    );
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn corpus_with_a_bad_task_on_line_3() {
    // Line 2 is valid; line 3 names an unknown assignee; line 4 is not of
    // the task's shape; line 5 is valid again: the stream goes on.
    let name = "malformed-corpus-bad-task-line3.jsonl";
    let (file, reader) = open_corpus(name);
    let reader = reader.unwrap();
    assert_eq!(reader.line(), 1);
    let items: Vec<_> = catch_unwind(AssertUnwindSafe(|| reader.collect::<Vec<_>>()))
        .unwrap_or_else(|_| panic!("reading {name} panicked"));
    assert_eq!(items.len(), 4);
    let mut it = items.into_iter();

    let first = it.next().unwrap();
    assert_eq!(first.unwrap().task().id.as_str(), "hs-001");

    let third = it.next().unwrap().err().unwrap();
    let text = read_text(name);
    let bad = compare_located(
        name,
        &file,
        &text,
        &[with_help(
            prob("unknown_id", "task.steps[0].assignee", 3, 328),
            "did you mean `cv-an`?",
        )],
        third.problems(),
    );
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    assert!(
        third
            .to_string()
            .contains(&format!("{file}:3:328: unknown_id")),
        "{third}"
    );

    match it.next().unwrap().err().unwrap() {
        CaseFileError::Syntax {
            line,
            column,
            path,
            message,
            ..
        } => {
            // Columns count characters (the line holds Vietnamese text), as validation errors do.
            assert_eq!((line, column), (4, 122));
            assert_eq!(path, "task.flags");
            assert!(message.contains("expected struct TaskFlags"), "{message}");
        }
        other => panic!("expected a syntax error on line 4, got {other:?}"),
    }

    assert_eq!(it.next().unwrap().unwrap().task().id.as_str(), "hs-005");

    // Reading it whole stops at the first error, on line 3.
    let err = corpus_from_str(&text, name).err().unwrap();
    assert_eq!(err.problems().len(), 1);
    assert_eq!(err.problems()[0].line, 3);
}

#[test]
fn empty_corpus() {
    let name = "malformed-corpus-empty.jsonl";
    let (file, reader) = open_corpus(name);
    assert_eq!(reader.err(), Some(CaseFileError::Empty { file }));
    assert!(matches!(
        corpus_from_str("\n\n  \n", name),
        Err(CaseFileError::Empty { .. })
    ));
}
