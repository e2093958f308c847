//! JSON Lines corpora: `corpus_from_str`, then the same bytes streamed
//! through `CorpusReader` (invalid UTF-8 included): every line must give a
//! case or a located error, and the stream must end.
#![no_main]

use accountable::io::{CorpusReader, corpus_from_str};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        match corpus_from_str(text, "fuzz.jsonl") {
            Ok(cases) => {
                let _ = cases.len();
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
    if let Ok(reader) = CorpusReader::new(data, "fuzz.jsonl") {
        let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
        let mut items = 0usize;
        for item in reader {
            items += 1;
            // One item per line at most: the stream always advances.
            assert!(items <= lines, "more items than lines");
            if let Err(e) = item {
                let _ = e.to_string();
            }
        }
    }
});
