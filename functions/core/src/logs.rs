//! Log bounds shared by every adapter.

use crate::model::LogLine;

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

/// Cuts numbered lines into stored chunks bounded by [`CHUNK_MAX_LINES`] and
/// [`CHUNK_MAX_BYTES`] (JSON escaping can double a line's size, so that is what is counted).
pub fn chunks(lines: &[LogLine]) -> Vec<&[LogLine]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (i, line) in lines.iter().enumerate() {
        let size = line.text.len() * 2 + 48;
        if i > start && (i - start >= CHUNK_MAX_LINES || bytes + size > CHUNK_MAX_BYTES) {
            out.push(&lines[start..i]);
            start = i;
            bytes = 0;
        }
        bytes += size;
    }
    if start < lines.len() {
        out.push(&lines[start..]);
    }
    out
}

/// Splits numbered lines into groups whose serialized size stays under `max_bytes`
/// (API Gateway refuses WebSocket messages over 128 KB).
pub fn split_for_messages(lines: &[LogLine], max_bytes: usize) -> Vec<Vec<LogLine>> {
    let mut groups = Vec::new();
    let mut current = Vec::new();
    let mut size = 0;
    for line in lines {
        // Room for the JSON around the text; escaping can at most double the text.
        let cost = 64 + line.text.len() * 2;
        if !current.is_empty() && size + cost > max_bytes {
            groups.push(std::mem::take(&mut current));
            size = 0;
        }
        size += cost;
        current.push(line.clone());
    }
    if !current.is_empty() {
        groups.push(current);
    }
    groups
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
