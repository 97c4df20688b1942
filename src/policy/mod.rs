//! Parsers for the DNS mail-policy records (SPF, DMARC, DKIM keys, MTA-STS, TLS-RPT): pure
//! text → structure, with errors that point at the offending term. No I/O here.
// Records from DNS and policy files from the network: a bad one is an error, never a panic.
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

pub mod autoconfig;
pub mod dkim;
pub mod dmarc;
pub mod mta_sts;
#[cfg(test)]
mod mutation;
pub mod spf;
pub mod spf_macro;
mod tags;
mod text;
pub mod tls_rpt;
