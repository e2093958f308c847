//! Streaming batch evaluation of a corpus on all cores.
//!
//! A reader thread takes task lines from a [`CorpusReader`]; worker threads
//! parse, validate and evaluate them; results come out **in input order**
//! through a callback. At most `window` tasks are in flight, so memory is
//! bounded by the window and the longest line, whatever the corpus size.
//! Built on `std::thread::scope` and channels: no extra dependency.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, sync_channel};

use chrono::NaiveDate;
use serde::Serialize;

use crate::engine::{Determination, EvalError, Evaluator};
use crate::io::{CaseFileError, CorpusReader, parse_task_line};

/// Options of a batch run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOptions {
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Tasks in flight at most (0: 64 per thread).
    pub window: usize,
    /// Print a progress line on standard error when it is a terminal.
    pub progress: bool,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            threads: 0,
            window: 0,
            progress: true,
        }
    }
}

/// Why one task of a batch has no determination.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BatchError {
    /// Its line did not parse or validate.
    #[error(transparent)]
    Input(#[from] CaseFileError),
    /// It could not be evaluated.
    #[error(transparent)]
    Eval(#[from] EvalError),
}

/// Counts of a batch run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BatchStats {
    /// Task lines read.
    pub tasks: usize,
    /// Determinations made.
    pub evaluated: usize,
    /// Lines that failed (reported through the callback, never dropped).
    pub failed: usize,
}

/// Evaluates every task of a corpus as of `as_of`, calling `sink` with each
/// result in input order (with its 1-based line number).
pub fn stream<R, F>(
    mut reader: CorpusReader<R>,
    evaluator: &Evaluator<'_>,
    as_of: NaiveDate,
    options: BatchOptions,
    mut sink: F,
) -> BatchStats
where
    R: BufRead + Send,
    F: FnMut(usize, Result<Determination, BatchError>),
{
    let threads = if options.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        options.threads
    };
    let window = if options.window == 0 {
        64 * threads
    } else {
        options.window
    };
    let org = reader.organisation().clone();
    let file = reader.file().to_string();
    let (task_tx, task_rx) =
        sync_channel::<(usize, usize, Result<(usize, String), CaseFileError>)>(window);
    let (done_tx, done_rx) =
        sync_channel::<(usize, usize, Result<Determination, BatchError>)>(window);
    let (ticket_tx, ticket_rx) = sync_channel::<()>(window);
    for _ in 0..window {
        let _ = ticket_tx.send(());
    }
    let task_rx = Mutex::new(task_rx);
    let mut stats = BatchStats::default();
    let show = options.progress && std::io::stderr().is_terminal();
    std::thread::scope(|s| {
        // Reader: one ticket per line in flight.
        s.spawn(move || {
            let mut seq = 0usize;
            while ticket_rx.recv().is_ok() {
                let Some(item) = reader.next_line() else {
                    break;
                };
                let line = match &item {
                    Ok((l, _)) => *l,
                    Err(_) => reader.line(),
                };
                if task_tx.send((seq, line, item)).is_err() {
                    break;
                }
                seq += 1;
            }
        });
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            let task_rx = &task_rx;
            let org = &org;
            let file = &file;
            s.spawn(move || {
                loop {
                    let next = match task_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((seq, line, item)) = next else { return };
                    let result = item
                        .map_err(BatchError::from)
                        .and_then(|(l, text)| {
                            parse_task_line(org, &text, file, l).map_err(BatchError::from)
                        })
                        .and_then(|case| {
                            evaluator.evaluate(&case, as_of).map_err(BatchError::from)
                        });
                    if done_tx.send((seq, line, result)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        emit_in_order(done_rx, &ticket_tx, &mut stats, show, &mut sink);
    });
    if show {
        eprintln!();
    }
    stats
}

fn emit_in_order<F>(
    done_rx: Receiver<(usize, usize, Result<Determination, BatchError>)>,
    tickets: &std::sync::mpsc::SyncSender<()>,
    stats: &mut BatchStats,
    show: bool,
    sink: &mut F,
) where
    F: FnMut(usize, Result<Determination, BatchError>),
{
    let mut pending: BTreeMap<usize, (usize, Result<Determination, BatchError>)> = BTreeMap::new();
    let mut next = 0usize;
    for (seq, line, result) in done_rx {
        pending.insert(seq, (line, result));
        while let Some((line, result)) = pending.remove(&next) {
            stats.tasks += 1;
            if result.is_ok() {
                stats.evaluated += 1;
            } else {
                stats.failed += 1;
            }
            sink(line, result);
            next += 1;
            let _ = tickets.try_send(());
            if show && stats.tasks.is_multiple_of(10_000) {
                let mut e = std::io::stderr();
                let _ = write!(
                    e,
                    "\r{} tasks evaluated, {} failed",
                    stats.evaluated, stats.failed
                );
                let _ = e.flush();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{GenConfig, write_jsonl};
    use crate::policy::Policy;

    #[test]
    fn results_come_in_input_order_and_match_sequential_evaluation() {
        let cfg = GenConfig {
            events_per_task: 8,
            ..GenConfig::default()
        };
        let mut buf = Vec::new();
        write_jsonl(&cfg, 300, &mut buf).unwrap();
        let mut text = String::from_utf8(buf).unwrap();
        text.push_str("{\"task\": 1}\n");
        let policy = Policy::bundled().unwrap();
        let ev = Evaluator::new(&policy).explain(false);
        let as_of = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        let reader = CorpusReader::new(text.as_bytes(), "gen.jsonl").unwrap();
        let mut got = Vec::new();
        let stats = stream(
            reader,
            &ev,
            as_of,
            BatchOptions {
                threads: 3,
                window: 7,
                progress: false,
            },
            |line, r| got.push((line, r)),
        );
        assert_eq!(
            stats,
            BatchStats {
                tasks: 301,
                evaluated: 300,
                failed: 1
            }
        );
        let sequential: Vec<_> = CorpusReader::new(text.as_bytes(), "gen.jsonl")
            .unwrap()
            .take(300)
            .map(|c| ev.evaluate(&c.unwrap(), as_of).unwrap())
            .collect();
        for (i, (line, r)) in got.iter().take(300).enumerate() {
            assert_eq!(*line, i + 2);
            assert_eq!(r.as_ref().unwrap(), &sequential[i]);
        }
        assert!(matches!(got[300], (302, Err(BatchError::Input(_)))));
    }
}
