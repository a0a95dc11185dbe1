//! Log lines in DynamoDB: chunk items under `LOG#<deployment>`, sorted by their last `seq`,
//! and a `HEAD` item holding the next `seq` (docs/data-model.md).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use trellis_core::StoreError;
use trellis_core::logs::{
    CHUNK_MAX_LINES, LogPage, chunk_lengths, clamp_lines, line_json_len, number_lines,
};
use trellis_core::model::{LogLine, NewLogLine};

use super::{DynamoStore, Item, LOG_TTL, n, number, s, to_json, ttl_after, unavailable};

/// Chunks written per transaction. DynamoDB allows 100 items and 4 MB of them: 25 chunks of
/// at most `CHUNK_MAX_BYTES` (64 KB) and the head stay far below both.
const CHUNKS_PER_TRANSACTION: usize = 25;
const APPEND_ATTEMPTS: usize = 32;

/// Sort keys carry numbers zero-padded so that they sort as numbers.
fn chunk_sk(last_seq: u64) -> String {
    format!("CHUNK#{last_seq:020}")
}

/// A delivery's parts are numbered in the order they are appended, which a redelivery
/// repeats: the lines before part `p` are the ones parts `0..p` recorded.
fn delivery_sk(delivery: &str, part: usize) -> String {
    format!("DELIVERY#{delivery}#{part}")
}

fn log_pk(deployment: &str) -> String {
    format!("LOG#{deployment}")
}

fn parse_chunk(item: &Item) -> Result<Vec<LogLine>, StoreError> {
    let Some(AttributeValue::S(json)) = item.get("lines") else {
        return Err(StoreError::Corrupt("log chunk without lines".into()));
    };
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl DynamoStore {
    pub(super) async fn append_log_lines(
        &self,
        deployment: &str,
        delivery: Option<&str>,
        lines: Vec<NewLogLine>,
    ) -> Result<Vec<LogLine>, StoreError> {
        let pk = log_pk(deployment);
        let lines = clamp_lines(lines);
        let mut stored = Vec::new();
        let mut pending: &[NewLogLine] = &lines;
        // Appended in parts that fit one transaction; each reserves its seq range with a
        // compare-and-set on the head item, so concurrent appenders never share a number.
        // A named delivery's part also writes its marker, which a redelivery finds.
        let mut part = 0;
        while !pending.is_empty() {
            let marker = delivery.map(|d| delivery_sk(d, part));
            let mut attempt = 0;
            let taken = loop {
                attempt += 1;
                let head = self.get((pk.clone(), "HEAD".into())).await?;
                let next = head
                    .as_ref()
                    .and_then(|h| number(h, "nextSeq"))
                    .unwrap_or(1);
                // Where chunks end depends on the seqs' digits, so it is worked out per attempt.
                let sizes = pending
                    .iter()
                    .enumerate()
                    .map(|(i, l)| line_json_len(next + i as u64, l.timestamp, &l.text));
                let lengths = chunk_lengths(sizes, CHUNKS_PER_TRANSACTION);
                let take: usize = lengths.iter().sum();
                let numbered = number_lines(next, &pending[..take]);
                let mut items = vec![self.head_update(&pk, head.is_some(), next, take)?];
                let mut rest: &[LogLine] = &numbered;
                for len in lengths {
                    let (chunk, tail) = rest.split_at(len);
                    rest = tail;
                    items.push(self.chunk_put(&pk, chunk)?);
                }
                if let Some(sk) = &marker {
                    items.push(self.marker_put(&pk, sk, take)?);
                }
                match self.transact(items).await {
                    Ok(()) => {
                        stored.extend(numbered);
                        break take;
                    }
                    Err(StoreError::Conflict) => {
                        // Stored before (or just now by a concurrent redelivery): skip the
                        // lines that part held.
                        if let Some(sk) = &marker
                            && let Some(done) = self.get((pk.clone(), sk.clone())).await?
                        {
                            break number(&done, "lineCount")
                                .and_then(|c| usize::try_from(c).ok())
                                .unwrap_or(pending.len())
                                .min(pending.len());
                        }
                        if attempt >= APPEND_ATTEMPTS {
                            return Err(StoreError::Conflict);
                        }
                    }
                    Err(e) => return Err(e),
                }
            };
            pending = &pending[taken..];
            part += 1;
        }
        Ok(stored)
    }

    /// Records that a delivery's part is stored and how many lines it held.
    fn marker_put(
        &self,
        pk: &str,
        sk: &str,
        count: usize,
    ) -> Result<TransactWriteItem, StoreError> {
        Ok(TransactWriteItem::builder()
            .put(
                Put::builder()
                    .table_name(&self.table)
                    .item("pk", s(pk))
                    .item("sk", s(sk))
                    .item("lineCount", n(count as u64))
                    .item("ttl", ttl_after(LOG_TTL))
                    .condition_expression("attribute_not_exists(pk)")
                    .build()
                    .map_err(unavailable)?,
            )
            .build())
    }

    /// Moves the head from `next` on by `count`: the compare-and-set that reserves the seqs.
    fn head_update(
        &self,
        pk: &str,
        exists: bool,
        next: u64,
        count: usize,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .key("pk", s(pk))
            .key("sk", s("HEAD"))
            .update_expression("SET nextSeq = :new, #ttl = :ttl")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":new", n(next + count as u64))
            .expression_attribute_values(":ttl", ttl_after(LOG_TTL));
        update = if exists {
            update
                .condition_expression("nextSeq = :expected")
                .expression_attribute_values(":expected", n(next))
        } else {
            update.condition_expression("attribute_not_exists(pk)")
        };
        Ok(TransactWriteItem::builder()
            .update(update.build().map_err(unavailable)?)
            .build())
    }

    fn chunk_put(&self, pk: &str, chunk: &[LogLine]) -> Result<TransactWriteItem, StoreError> {
        let last = chunk[chunk.len() - 1].seq;
        Ok(TransactWriteItem::builder()
            .put(
                Put::builder()
                    .table_name(&self.table)
                    .item("pk", s(pk))
                    .item("sk", s(chunk_sk(last)))
                    .item("lines", s(to_json(&chunk)?))
                    .item("ttl", ttl_after(LOG_TTL))
                    .build()
                    .map_err(unavailable)?,
            )
            .build())
    }

    /// Reads chunks page by page and stops once `limit` lines are in hand: a page of a long
    /// log costs the chunks it returns, not the rest of the log.
    pub(super) async fn read_log_lines(
        &self,
        deployment: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<LogLine>, StoreError> {
        let values = HashMap::from([
            (":pk".to_string(), s(log_pk(deployment))),
            (":from".to_string(), s(chunk_sk(after.saturating_add(1)))),
            (":to".to_string(), s("CHUNK#~")),
        ]);
        let mut page = LogPage::new(after, limit);
        let (mut chunks_read, mut lines_read) = (0usize, 0usize);
        let mut start = None;
        while page.missing() > 0 {
            let missing = page.missing();
            // A chunk holds 1 to CHUNK_MAX_LINES lines: ask for as many chunks as the lines
            // per chunk seen so far say are needed (full chunks before any are seen).
            let per_chunk = match chunks_read {
                0 => CHUNK_MAX_LINES,
                c => (lines_read / c).max(1),
            };
            let (items, next) = self
                .query_page(
                    None,
                    "pk = :pk AND sk BETWEEN :from AND :to",
                    &values,
                    true,
                    Some(missing.div_ceil(per_chunk)),
                    start,
                )
                .await?;
            for item in &items {
                let chunk = parse_chunk(item)?;
                chunks_read += 1;
                lines_read += chunk.len();
                page.add_chunk(chunk);
            }
            match next {
                Some(k) => start = Some(k),
                None => break,
            }
        }
        Ok(page.into_lines())
    }
}
