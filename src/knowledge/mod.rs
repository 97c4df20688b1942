//! Facts about the mail world, as data.

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
