//! Facts about the mail world, as data.

pub mod hosts;
pub mod providers;
