//! One versioned record written whole, and listed in the `active` index while it waits for
//! something (deployment feedback, notification deliveries): the shared write of both.

use std::time::Duration;

use trellis_core::StoreError;
use trellis_core::ports::Expect;

use super::{DynamoStore, n, s, ttl_after, write_error};

/// Where a pending record sorts in the `active` index: its partition and sort key there.
pub(super) struct Waiting {
    pub partition: &'static str,
    pub sort: String,
}

impl DynamoStore {
    /// Puts `body` at `(pk, sk)` under `expect` (absent, or the version it must have);
    /// answers the version stored. `waiting` puts it in the index, `None` takes it out.
    pub(super) async fn put_versioned(
        &self,
        (pk, sk): (String, String),
        expect: Expect,
        body: impl FnOnce(u64) -> Result<String, StoreError>,
        waiting: Option<Waiting>,
        keep_for: Duration,
    ) -> Result<u64, StoreError> {
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(pk))
            .item("sk", s(sk));
        let version = match expect {
            Expect::Absent => {
                put = put.condition_expression("attribute_not_exists(pk)");
                1
            }
            Expect::Version(v) => {
                put = put
                    .condition_expression("version = :v")
                    .expression_attribute_values(":v", n(v));
                v + 1
            }
        };
        put = put
            .item("version", n(version))
            .item("body", s(body(version)?))
            .item("ttl", ttl_after(keep_for));
        if let Some(w) = waiting {
            put = put.item("gsi2pk", s(w.partition)).item("gsi2sk", s(w.sort));
        }
        put.send().await.map_err(write_error)?;
        Ok(version)
    }
}
