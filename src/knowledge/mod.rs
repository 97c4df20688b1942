//! Facts about the mail world, as data.
// Evidence from servers and input from users reach this code: a surprise is a finding or an
// error, never a panic.
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

pub mod hosts;
pub mod providers;
pub mod replies;
pub mod replies_mailbox;
pub mod server_fixes;
pub mod server_software;

mod ispdb_data;
pub mod provider_db;
pub mod provider_fixes;
pub mod provider_view;
