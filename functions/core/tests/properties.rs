//! Property tests of the log bounds every adapter relies on: whatever a build prints (control
//! characters, multi-byte characters, runaway lines), a clamped line fits a chunk, and chunks
//! and live messages cut the lines without losing, duplicating or reordering one, each within
//! its limits.

use proptest::prelude::*;
use trellis_core::logs::{
    CHUNK_MAX_BYTES, CHUNK_MAX_LINES, MAX_LINE_BYTES, chunks, clamp_line, split_for_messages,
};
use trellis_core::model::LogLine;

/// Text a build may print: the characters that JSON escapes (six bytes for one), quotes and
/// backslashes (two for one), multi-byte characters and line ends, in any mixture.
fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap()),
        Just('"'),
        Just('\\'),
        Just('\u{7f}'),
        Just('é'),
        Just('€'),
        Just('\u{2028}'),
        Just('😀'),
        any::<char>(),
        "[a-z ]".prop_map(|s| s.chars().next().unwrap()),
    ]
}

/// Short lines mostly; now and then one near or past [`MAX_LINE_BYTES`], made of one repeated
/// character so that large inputs stay cheap to generate.
fn line_text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::collection::vec(hostile_char(), 0..80).prop_map(String::from_iter),
        1 => (hostile_char(), 0..MAX_LINE_BYTES + 64).prop_map(|(c, n)| c.to_string().repeat(n / c.len_utf8())),
        1 => (hostile_char(), hostile_char(), 0..3000usize)
            .prop_map(|(a, b, n)| format!("{a}{b}").repeat(n)),
    ]
}

/// Numbered lines as a store holds them: clamped, with any sequence numbers and timestamps
/// (the largest make the longest JSON).
fn stored_lines(max: usize) -> impl Strategy<Value = Vec<LogLine>> {
    prop::collection::vec((any::<u64>(), any::<i64>(), line_text()), 0..max).prop_map(|lines| {
        lines
            .into_iter()
            .map(|(seq, timestamp, text)| LogLine {
                seq,
                timestamp,
                text: clamp_line(&text),
            })
            .collect()
    })
}

fn json_len(lines: &[LogLine]) -> usize {
    serde_json::to_string(lines).expect("lines serialize").len()
}

/// A fixed seed: CI runs the same cases every time (a failure reproduces), and nothing is
/// written beside the sources.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x1065),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// A clamped line is the text without its line end, cut on a character boundary at
    /// [`MAX_LINE_BYTES`] at most (and saying so), and always fits a chunk of its own.
    #[test]
    fn a_clamped_line_is_a_bounded_prefix(text in line_text(), end in "(\r?\n)?") {
        let input = format!("{text}{end}");
        let clamped = clamp_line(&input);
        let kept = input.trim_end_matches(['\r', '\n']);
        if kept.len() <= MAX_LINE_BYTES {
            prop_assert_eq!(&clamped, kept);
        } else {
            let marker = format!("… [line cut at {MAX_LINE_BYTES} bytes]");
            let prefix = clamped.strip_suffix(&marker).expect("a cut line says so");
            prop_assert!(kept.starts_with(prefix));
            prop_assert!(prefix.len() <= MAX_LINE_BYTES);
            prop_assert!(prefix.len() + 4 > MAX_LINE_BYTES, "cut {} bytes early", MAX_LINE_BYTES - prefix.len());
        }
        let alone = [LogLine { seq: u64::MAX, timestamp: i64::MIN, text: clamped }];
        prop_assert!(json_len(&alone) <= CHUNK_MAX_BYTES);
    }

    /// Chunks are the lines, in order, with no gap and no overlap; each holds at least one
    /// line, at most [`CHUNK_MAX_LINES`], and at most [`CHUNK_MAX_BYTES`] of JSON.
    #[test]
    fn chunks_are_gapless_and_within_their_limits(lines in stored_lines(400)) {
        let cs = chunks(&lines);
        let joined: Vec<LogLine> = cs.iter().flat_map(|c| c.iter().cloned()).collect();
        prop_assert_eq!(&joined, &lines);
        for c in &cs {
            prop_assert!(!c.is_empty());
            prop_assert!(c.len() <= CHUNK_MAX_LINES, "{} lines", c.len());
            let bytes = json_len(c);
            prop_assert!(bytes <= CHUNK_MAX_BYTES, "{bytes} bytes of JSON");
        }
    }

    /// Live messages carry the lines in order, with no gap and no overlap; every group is
    /// non-empty and within `max_bytes` of JSON, unless it is one line larger than that alone.
    #[test]
    fn message_groups_are_gapless_and_within_the_limit(
        lines in stored_lines(200),
        max_bytes in prop_oneof![0..512usize, 512..200_000usize],
    ) {
        let groups = split_for_messages(&lines, max_bytes);
        let joined: Vec<LogLine> = groups.iter().flatten().cloned().collect();
        prop_assert_eq!(&joined, &lines);
        for g in &groups {
            prop_assert!(!g.is_empty());
            let bytes = json_len(g);
            prop_assert!(bytes <= max_bytes || g.len() == 1, "{} lines, {bytes} bytes", g.len());
        }
    }
}
