//! The DynamoDB log chunks beyond what the conformance suite checks: what a page costs, and
//! logs whose escaping makes their JSON much larger than their text.

mod common;

use common::recorded_store;
use trellis_core::model::NewLogLine;
use trellis_core::ports::DeploymentStore;

fn lines(range: std::ops::Range<usize>) -> Vec<NewLogLine> {
    range
        .map(|i| NewLogLine {
            timestamp: i as i64,
            text: format!("line {i}"),
        })
        .collect()
}

#[tokio::test]
async fn a_page_reads_only_the_chunks_it_returns() {
    let (store, recorder) = recorded_store().await;
    // Forty small deliveries: forty chunks of 10 lines.
    for batch in 0..40 {
        store
            .append_logs("dep", None, lines(batch * 10..batch * 10 + 10))
            .await
            .unwrap();
    }
    recorder.take();

    let page = store.read_logs("dep", 0, 25).await.unwrap();
    assert_eq!(
        page.iter().map(|l| l.seq).collect::<Vec<_>>(),
        (1..=25).collect::<Vec<_>>()
    );
    let read: usize = recorder.take().queries.iter().sum();
    assert!(read <= 4, "25 lines in chunks of 10 took {read} chunks");

    let page = store.read_logs("dep", 395, 25).await.unwrap();
    assert_eq!(
        page.iter().map(|l| l.seq).collect::<Vec<_>>(),
        (396..=400).collect::<Vec<_>>()
    );
    let read: usize = recorder.take().queries.iter().sum();
    assert_eq!(read, 1, "the last page reads the last chunk");
}

#[tokio::test]
async fn a_log_of_control_characters_stays_within_dynamodb_limits() {
    let (store, recorder) = recorded_store().await;
    // Six bytes of JSON for each byte of text but the `[0m`.
    let noise = "\u{1}\u{2}\u{1b}[0m".repeat(170);
    let lines: Vec<NewLogLine> = (0..6000)
        .map(|i| NewLogLine {
            timestamp: i,
            text: format!("{i} {noise}"),
        })
        .collect();
    let stored = store.append_logs("dep", None, lines.clone()).await.unwrap();
    assert_eq!(stored.len(), 6000);

    let traffic = recorder.take();
    assert!(!traffic.transactions.is_empty());
    for (items, bytes) in &traffic.transactions {
        assert!(*items <= 100, "a transaction of {items} items");
        assert!(*bytes <= 4_000_000, "a transaction of {bytes} bytes");
    }
    assert!(traffic.largest_item <= 400_000, "{}", traffic.largest_item);

    let mut read = Vec::new();
    while read.len() < 6000 {
        let page = store
            .read_logs("dep", read.len() as u64, 1000)
            .await
            .unwrap();
        assert!(!page.is_empty(), "lines missing after {}", read.len());
        read.extend(page);
    }
    assert!(
        read.iter()
            .zip(&lines)
            .enumerate()
            .all(|(i, (got, sent))| got.seq == i as u64 + 1 && got.text == sent.text),
        "every line back, in order, unchanged"
    );
}
