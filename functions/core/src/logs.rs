//! Log bounds shared by every adapter.

use crate::model::{LogLine, NewLogLine};

/// A longer line is cut (and says so): one runaway line must not make a chunk unbounded.
pub const MAX_LINE_BYTES: usize = 8 * 1024;
/// A stored chunk holds at most this many lines and bytes (well under DynamoDB's 400 KB item).
pub const CHUNK_MAX_LINES: usize = 200;
pub const CHUNK_MAX_BYTES: usize = 64 * 1024;

pub fn clamp_line(text: &str) -> String {
    let text = text.trim_end_matches(['\r', '\n']);
    if text.len() <= MAX_LINE_BYTES {
        return text.to_string();
    }
    let mut cut = MAX_LINE_BYTES;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}… [line cut at {MAX_LINE_BYTES} bytes]", &text[..cut])
}

/// Lines as every store takes them in: each clamped once (clamping is not idempotent).
pub fn clamp_lines(lines: Vec<NewLogLine>) -> Vec<NewLogLine> {
    lines
        .into_iter()
        .map(|l| NewLogLine {
            timestamp: l.timestamp,
            text: clamp_line(&l.text),
        })
        .collect()
}

/// Numbers lines on from `next`, the seq a store's head holds: a deployment's lines are
/// 1, 2, 3… with no gap and no repeat, which is what readers and live clients rely on.
pub fn number_lines(next: u64, lines: &[NewLogLine]) -> Vec<LogLine> {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| LogLine {
            seq: next + i as u64,
            timestamp: l.timestamp,
            text: l.text.clone(),
        })
        .collect()
}

/// A page of lines after `after`, filled from stored chunks in seq order. The first chunk
/// may straddle `after`, so lines are filtered, not chunks.
pub struct LogPage {
    after: u64,
    limit: usize,
    lines: Vec<LogLine>,
}

impl LogPage {
    pub fn new(after: u64, limit: usize) -> Self {
        Self {
            after,
            limit,
            lines: Vec::new(),
        }
    }

    pub fn add_chunk(&mut self, chunk: Vec<LogLine>) {
        let after = self.after;
        self.lines
            .extend(chunk.into_iter().filter(|l| l.seq > after));
    }

    /// How many more lines the page wants (0 once full).
    pub fn missing(&self) -> usize {
        self.limit.saturating_sub(self.lines.len())
    }

    pub fn into_lines(mut self) -> Vec<LogLine> {
        self.lines.truncate(self.limit);
        self.lines
    }
}

/// Counts what serde_json writes, so sizes are exact without building the JSON.
struct ByteCount(usize);

impl std::io::Write for ByteCount {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Borrowed twin of [`LogLine`]: the same fields in the same order serialize identically.
#[derive(serde::Serialize)]
struct LineRef<'a> {
    seq: u64,
    timestamp: i64,
    text: &'a str,
}

/// The exact length of a line's JSON (as stored in a chunk and sent in a live message).
/// Escaping is why the text's length is no bound: a control character takes six bytes.
pub fn line_json_len(seq: u64, timestamp: i64, text: &str) -> usize {
    let mut count = ByteCount(0);
    // Writing a plain struct to a counter cannot fail; should it, the line counts as too big.
    match serde_json::to_writer(
        &mut count,
        &LineRef {
            seq,
            timestamp,
            text,
        },
    ) {
        Ok(()) => count.0,
        Err(_) => usize::MAX / 4,
    }
}

/// The lengths of consecutive chunks for lines of these JSON sizes: each at most
/// [`CHUNK_MAX_LINES`] lines and, as a JSON array, [`CHUNK_MAX_BYTES`] (a line is never
/// larger: [`clamp_line`] bounds it). Stops after `max_chunks`.
pub fn chunk_lengths(sizes: impl IntoIterator<Item = usize>, max_chunks: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut len = 0;
    // `[` and `]`, then a comma before every line but the first.
    let mut bytes = 2;
    for size in sizes {
        if len > 0 && (len >= CHUNK_MAX_LINES || bytes + 1 + size > CHUNK_MAX_BYTES) {
            out.push(len);
            if out.len() == max_chunks {
                return out;
            }
            len = 0;
            bytes = 2;
        }
        bytes += size + usize::from(len > 0);
        len += 1;
    }
    if len > 0 {
        out.push(len);
    }
    out
}

/// Cuts numbered lines into stored chunks bounded by [`CHUNK_MAX_LINES`] and
/// [`CHUNK_MAX_BYTES`] of JSON.
pub fn chunks(lines: &[LogLine]) -> Vec<&[LogLine]> {
    let sizes = lines
        .iter()
        .map(|l| line_json_len(l.seq, l.timestamp, &l.text));
    let mut rest = lines;
    chunk_lengths(sizes, usize::MAX)
        .into_iter()
        .map(|len| {
            let (chunk, tail) = rest.split_at(len);
            rest = tail;
            chunk
        })
        .collect()
}

/// Splits numbered lines into groups whose JSON array is at most `max_bytes` (API Gateway
/// refuses WebSocket messages over 128 KB; the caller leaves room for the message around
/// the lines). A single line larger than that travels alone.
pub fn split_for_messages(lines: &[LogLine], max_bytes: usize) -> Vec<Vec<LogLine>> {
    let mut groups = Vec::new();
    let mut current = Vec::new();
    let mut size = 2;
    for line in lines {
        let cost = line_json_len(line.seq, line.timestamp, &line.text) + 1;
        if !current.is_empty() && size + cost > max_bytes {
            groups.push(std::mem::take(&mut current));
            size = 2;
        }
        size += cost;
        current.push(line.clone());
    }
    if !current.is_empty() {
        groups.push(current);
    }
    groups
}

/// How the build runner's log ends, whatever the outcome: only a runner killed from outside
/// ends without one of these lines (`build-runner/src/lib.rs`, `build-runner/src/aws.rs`).
pub const RUNNER_LAST_LINES: &[&str] = &[
    "==> deployment succeeded",
    "==> deployment failed",
    "==> the runner could not hand back its result",
];

/// Whether a deployment's log is complete: it has ended, and either the runner's last line
/// is the last line stored or the end is `lag` old (lines still travelling arrive within
/// it; a runner killed from outside never writes its last line).
pub fn log_complete(
    ended_at: Option<crate::model::Timestamp>,
    last_line: Option<&str>,
    now: crate::model::Timestamp,
    lag: std::time::Duration,
) -> bool {
    let Some(ended_at) = ended_at else {
        return false;
    };
    let closed = last_line.is_some_and(|l| RUNNER_LAST_LINES.iter().any(|p| l.starts_with(p)));
    closed || now - ended_at >= lag
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(seq: u64, len: usize) -> LogLine {
        LogLine {
            seq,
            timestamp: 0,
            text: "x".repeat(len),
        }
    }

    #[test]
    fn lines_are_numbered_on_from_the_head_and_a_page_skips_what_a_chunk_holds_before_it() {
        let new: Vec<NewLogLine> = ["a", "b", "c"]
            .iter()
            .map(|t| NewLogLine {
                timestamp: 1,
                text: (*t).into(),
            })
            .collect();
        let numbered = number_lines(7, &new);
        assert_eq!(
            numbered.iter().map(|l| l.seq).collect::<Vec<_>>(),
            [7, 8, 9]
        );
        let mut page = LogPage::new(8, 3);
        page.add_chunk(numbered);
        assert_eq!(page.missing(), 2);
        page.add_chunk(vec![line(10, 1), line(11, 1), line(12, 1)]);
        assert_eq!(page.missing(), 0);
        let seqs: Vec<u64> = page.into_lines().iter().map(|l| l.seq).collect();
        assert_eq!(seqs, [9, 10, 11]);
    }

    #[test]
    fn clamps_long_lines_on_a_char_boundary() {
        let long = "é".repeat(MAX_LINE_BYTES);
        let clamped = clamp_line(&long);
        assert!(clamped.len() < MAX_LINE_BYTES + 64);
        assert!(clamped.ends_with("[line cut at 8192 bytes]"));
        assert_eq!(clamp_line("short\r\n"), "short");
    }

    #[test]
    fn chunks_are_bounded_in_lines_and_bytes() {
        let lines: Vec<LogLine> = (1..=1000)
            .map(|seq| line(seq, if seq % 10 == 0 { MAX_LINE_BYTES } else { 10 }))
            .collect();
        let cs = chunks(&lines);
        assert_eq!(cs.iter().map(|c| c.len()).sum::<usize>(), 1000);
        for c in cs {
            assert!(c.len() <= CHUNK_MAX_LINES);
            let json = serde_json::to_string(c).unwrap();
            assert!(json.len() <= CHUNK_MAX_BYTES, "{}", json.len());
        }
    }

    /// Control characters are written as `\u0001`: six bytes of JSON for one of text.
    fn control_line(seq: u64, len: usize) -> LogLine {
        LogLine {
            seq,
            timestamp: -1_700_000_000_000,
            text: "\u{1}\u{1f}\"\\\n".repeat(len / 5),
        }
    }

    #[test]
    fn chunks_of_control_characters_stay_within_the_bound() {
        let lines: Vec<LogLine> = (1..=2000)
            .map(|seq| control_line(seq, if seq % 7 == 0 { MAX_LINE_BYTES } else { 300 }))
            .collect();
        let cs = chunks(&lines);
        assert_eq!(cs.iter().map(|c| c.len()).sum::<usize>(), 2000);
        for c in cs {
            let json = serde_json::to_string(c).unwrap();
            assert!(json.len() <= CHUNK_MAX_BYTES, "{}", json.len());
        }
    }

    #[test]
    fn messages_of_control_characters_stay_within_the_bound() {
        let lines: Vec<LogLine> = (1..=300).map(|seq| control_line(seq, 2000)).collect();
        let groups = split_for_messages(&lines, 100_000);
        assert_eq!(groups.iter().map(Vec::len).sum::<usize>(), 300);
        for g in &groups {
            let json = serde_json::to_string(g).unwrap();
            assert!(json.len() <= 100_000, "{}", json.len());
        }
    }

    #[test]
    fn a_log_is_complete_once_ended_with_its_last_line_or_long_enough_ago() {
        use std::time::Duration;
        let ended = time::OffsetDateTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let lag = Duration::from_secs(120);
        let soon = ended + Duration::from_secs(5);
        let late = ended + lag;
        assert!(!log_complete(
            None,
            Some("==> deployment succeeded in 3.0s"),
            late,
            lag
        ));
        assert!(log_complete(
            Some(ended),
            Some("==> deployment succeeded in 3.0s"),
            soon,
            lag
        ));
        assert!(log_complete(
            Some(ended),
            Some("==> deployment failed: cancelled"),
            soon,
            lag
        ));
        assert!(!log_complete(Some(ended), Some("<== build ok"), soon, lag));
        assert!(!log_complete(Some(ended), None, soon, lag));
        assert!(log_complete(Some(ended), Some("<== build ok"), late, lag));
        assert!(log_complete(Some(ended), None, late, lag));
        assert!(log_complete(Some(ended), None, ended, Duration::ZERO));
    }

    #[test]
    fn json_lengths_are_exact() {
        for line in [
            line(1, 0),
            line(u64::MAX, 10),
            control_line(7, 100),
            LogLine {
                seq: 12,
                timestamp: i64::MIN,
                text: "é ✓ \u{7f} \t\r".into(),
            },
        ] {
            assert_eq!(
                line_json_len(line.seq, line.timestamp, &line.text),
                serde_json::to_string(&line).unwrap().len()
            );
        }
    }

    #[test]
    fn the_longest_line_fits_a_chunk_even_when_escaped() {
        let worst = clamp_line(&"\u{1}".repeat(MAX_LINE_BYTES * 2));
        assert!(line_json_len(u64::MAX, i64::MIN, &worst) + 2 <= CHUNK_MAX_BYTES);
    }

    #[test]
    fn chunk_lengths_stop_at_the_chunk_count() {
        let sizes = std::iter::repeat_n(10, CHUNK_MAX_LINES * 3 + 1);
        assert_eq!(
            chunk_lengths(sizes.clone(), usize::MAX),
            [CHUNK_MAX_LINES, CHUNK_MAX_LINES, CHUNK_MAX_LINES, 1]
        );
        assert_eq!(chunk_lengths(sizes, 2), [CHUNK_MAX_LINES, CHUNK_MAX_LINES]);
        assert!(chunk_lengths(std::iter::empty(), 5).is_empty());
    }

    #[test]
    fn splits_keep_order_and_bound_size() {
        let lines: Vec<_> = (1..=100).map(|i| line(i, 4000)).collect();
        let groups = split_for_messages(&lines, 100_000);
        assert!(groups.len() > 1);
        let flat: Vec<u64> = groups.iter().flatten().map(|l| l.seq).collect();
        assert_eq!(flat, (1..=100).collect::<Vec<_>>());
        for g in &groups {
            let json = serde_json::to_string(g).unwrap();
            assert!(json.len() <= 100_000, "{}", json.len());
        }
    }
}
