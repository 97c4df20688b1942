//! Facts about the mail world, as data.

pub mod hosts;
pub mod providers;

mod ispdb_data;
pub mod provider_db;
