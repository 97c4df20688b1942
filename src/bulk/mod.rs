//! Bulk audits (`mxray domain --from FILE`): the domain list read as a stream, the shard a
//! domain belongs to, and the summary kept as counters — nothing here grows with the input
//! but the set of names already seen.
// Domain lists come from users and summaries from saved files: a bad line is reported, never
// a panic.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::string_slice
    )
)]

pub mod input;
pub mod shard;
pub mod tally;
