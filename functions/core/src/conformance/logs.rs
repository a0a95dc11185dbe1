//! Log lines: numbered without gaps, kept whole, appended concurrently, stored once per
//! delivery.

use crate::logs::MAX_LINE_BYTES;
use crate::model::NewLogLine;
use crate::ports::DeploymentStore;

fn lines(range: std::ops::Range<usize>) -> Vec<NewLogLine> {
    range
        .map(|i| NewLogLine {
            timestamp: 1_000 + i as i64,
            text: format!("line {i}"),
        })
        .collect()
}

pub async fn logs_are_numbered_without_gaps(store: &dyn DeploymentStore) {
    let first = store.append_logs("dep-a", None, lines(0..3)).await.unwrap();
    let seqs: Vec<u64> = first.iter().map(|l| l.seq).collect();
    assert_eq!(seqs, [1, 2, 3]);
    let second = store.append_logs("dep-a", None, lines(3..5)).await.unwrap();
    assert_eq!(second.iter().map(|l| l.seq).collect::<Vec<_>>(), [4, 5]);
    let other = store.append_logs("dep-b", None, lines(0..1)).await.unwrap();
    assert_eq!(other[0].seq, 1, "each deployment has its own numbering");

    let all = store.read_logs("dep-a", 0, 100).await.unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(all[4].text, "line 4");
    assert_eq!(all[4].timestamp, 1_004);
    let after = store.read_logs("dep-a", 2, 100).await.unwrap();
    assert_eq!(after.iter().map(|l| l.seq).collect::<Vec<_>>(), [3, 4, 5]);
    let limited = store.read_logs("dep-a", 1, 2).await.unwrap();
    assert_eq!(limited.iter().map(|l| l.seq).collect::<Vec<_>>(), [2, 3]);
    assert!(store.read_logs("dep-a", 5, 100).await.unwrap().is_empty());
    assert!(
        store
            .read_logs("dep-none", 0, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .append_logs("dep-a", None, Vec::new())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.append_logs("dep-a", None, lines(0..1)).await.unwrap()[0].seq,
        6,
        "an empty append uses no numbers"
    );
}

pub async fn long_and_many_log_lines_are_kept(store: &dyn DeploymentStore) {
    let long = "x".repeat(MAX_LINE_BYTES);
    let stored = store
        .append_logs(
            "dep",
            None,
            vec![NewLogLine {
                timestamp: 1,
                text: long.clone(),
            }],
        )
        .await
        .unwrap();
    assert_eq!(
        stored[0].text, long,
        "a line of the maximum length is kept whole"
    );
    store
        .append_logs("dep", None, lines(0..1000))
        .await
        .unwrap();
    for chunk in 0..50 {
        store
            .append_logs("dep", None, lines(chunk * 20..chunk * 20 + 20))
            .await
            .unwrap();
    }
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let page = store.read_logs("dep", after, 333).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        all.extend(page);
    }
    assert_eq!(all.len(), 2001);
    assert!(
        all.iter().enumerate().all(|(i, l)| l.seq == i as u64 + 1),
        "paging by seq sees every line once, in order"
    );
}

pub async fn concurrent_log_appends_stay_gapless(store: &dyn DeploymentStore) {
    let (a, b, c) = tokio::join!(
        store.append_logs("dep", None, lines(0..50)),
        store.append_logs("dep", None, lines(50..100)),
        store.append_logs("dep", None, lines(100..150)),
    );
    for r in [&a, &b, &c] {
        assert!(r.is_ok(), "{r:?}");
    }
    let all = store.read_logs("dep", 0, 1000).await.unwrap();
    let seqs: Vec<u64> = all.iter().map(|l| l.seq).collect();
    assert_eq!(
        seqs,
        (1..=150).collect::<Vec<_>>(),
        "no gaps, no duplicates"
    );
    let mut texts: Vec<&str> = all.iter().map(|l| l.text.as_str()).collect();
    texts.sort();
    texts.dedup();
    assert_eq!(texts.len(), 150, "every line stored once");
}

pub async fn redelivered_log_batches_are_stored_once(store: &dyn DeploymentStore) {
    let first = store
        .append_logs("dep", Some("batch-1"), lines(0..3))
        .await
        .unwrap();
    assert_eq!(first.len(), 3);
    assert!(
        store
            .append_logs("dep", Some("batch-1"), lines(0..3))
            .await
            .unwrap()
            .is_empty(),
        "a redelivered batch stores nothing and returns nothing"
    );
    let second = store
        .append_logs("dep", Some("batch-2"), lines(3..5))
        .await
        .unwrap();
    assert_eq!(second.iter().map(|l| l.seq).collect::<Vec<_>>(), [4, 5]);
    let unnamed = store.append_logs("dep", None, lines(5..6)).await.unwrap();
    assert_eq!(
        unnamed[0].seq, 6,
        "a batch without a name is always appended"
    );
    let elsewhere = store
        .append_logs("other", Some("batch-1"), lines(0..2))
        .await
        .unwrap();
    assert_eq!(elsewhere.len(), 2, "names are per deployment");

    // A batch too big for one write, delivered three times, twice at once.
    let big = lines(10..6010);
    let (a, b) = tokio::join!(
        store.append_logs("dep", Some("batch-big"), big.clone()),
        store.append_logs("dep", Some("batch-big"), big.clone()),
    );
    assert_eq!(a.unwrap().len() + b.unwrap().len(), 6000);
    assert!(
        store
            .append_logs("dep", Some("batch-big"), big)
            .await
            .unwrap()
            .is_empty()
    );

    let all = store.read_logs("dep", 0, 10_000).await.unwrap();
    assert_eq!(
        all.iter().map(|l| l.seq).collect::<Vec<_>>(),
        (1..=6006).collect::<Vec<_>>(),
        "no gaps, no duplicates"
    );
    let texts: Vec<&str> = all.iter().map(|l| l.text.as_str()).collect();
    let expected: Vec<String> = (0..6)
        .chain(10..6010)
        .map(|i| format!("line {i}"))
        .collect();
    assert_eq!(texts, expected, "each line once, in order");
}
