//! What a failed write means: a lost race (`Conflict`) or the store's own trouble.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use trellis_core::StoreError;

pub(super) fn unavailable<E: std::fmt::Debug>(e: E) -> StoreError {
    StoreError::Unavailable(format!("{e:?}"))
}

/// The one test of a lost race: a failed condition, or a concurrent transaction on the same
/// item. DynamoDB names them with and without `Exception` (a single write's error code, a
/// transaction's cancellation reasons).
pub(super) fn is_lost_race(code: Option<&str>) -> bool {
    matches!(
        code.map(|c| c.trim_end_matches("Exception")),
        Some("ConditionalCheckFailed" | "TransactionConflict")
    )
}

/// A failed single write: a lost race is `Conflict`; anything else is the store's trouble.
pub(super) fn write_error<E, R>(e: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    if e.as_service_error().is_some_and(|s| is_lost_race(s.code())) {
        StoreError::Conflict
    } else {
        unavailable(e)
    }
}

/// Maps a failed transaction: a failed condition or a concurrent transaction is a conflict.
pub(super) fn transaction_error<R: std::fmt::Debug>(
    e: SdkError<aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError, R>,
) -> StoreError {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError as E;
    match e.as_service_error() {
        Some(s) if is_lost_race(s.code()) => StoreError::Conflict,
        Some(E::TransactionCanceledException(c)) => {
            if c.cancellation_reasons()
                .iter()
                .any(|r| is_lost_race(r.code()))
            {
                StoreError::Conflict
            } else {
                StoreError::Unavailable(format!("transaction cancelled: {c:?}"))
            }
        }
        _ => unavailable(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_of_a_lost_race_and_nothing_else() {
        for code in [
            "ConditionalCheckFailedException",
            "ConditionalCheckFailed",
            "TransactionConflictException",
            "TransactionConflict",
        ] {
            assert!(is_lost_race(Some(code)), "{code}");
        }
        for code in ["None", "ThrottlingError", "ValidationException", ""] {
            assert!(!is_lost_race(Some(code)), "{code}");
        }
        assert!(!is_lost_race(None));
    }
}
