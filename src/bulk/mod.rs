//! Bulk audits (`mxray domain --from FILE`): the domain list read as a stream, the shard a
//! domain belongs to, and the summary kept as counters — nothing here grows with the input
//! but the set of names already seen.

pub mod input;
pub mod shard;
pub mod tally;
