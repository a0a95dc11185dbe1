//! What a failed write means: a lost race (`Conflict`) or the store's own trouble.

use aws_sdk_dynamodb::error::SdkError;
use trellis_core::StoreError;

pub(super) fn unavailable<E: std::fmt::Debug>(e: E) -> StoreError {
    StoreError::Unavailable(format!("{e:?}"))
}

/// A failed condition is a lost race (`Conflict`); anything else is the store's trouble.
pub(super) fn conditional<E: std::fmt::Debug>(condition_failed: bool, e: E) -> StoreError {
    if condition_failed {
        StoreError::Conflict
    } else {
        unavailable(e)
    }
}

pub(super) fn is_conflict_code(code: Option<&str>) -> bool {
    matches!(code, Some("ConditionalCheckFailed" | "TransactionConflict"))
}

/// Maps a failed transaction: a failed condition or a concurrent transaction is a conflict.
pub(super) fn transaction_error<R: std::fmt::Debug>(
    e: SdkError<aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError, R>,
) -> StoreError {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError as E;
    match e.as_service_error() {
        Some(E::TransactionCanceledException(c)) => {
            if c.cancellation_reasons()
                .iter()
                .any(|r| is_conflict_code(r.code()))
            {
                StoreError::Conflict
            } else {
                StoreError::Unavailable(format!("transaction cancelled: {c:?}"))
            }
        }
        _ => unavailable(e),
    }
}
