//! mxray: why won't my mail send, and is this mail set up securely?
//!
//! Layers: `probe` (I/O that records facts) → `evidence` (the facts, serde) → `diagnose` (pure
//! rules) → `findings` (codes) → `render` (human, JSON). `app` wires them for the CLI.

// Long functions hide their steps; clippy.toml sets the limit.
#![warn(clippy::too_many_lines)]

pub mod advice;
pub mod app;
pub mod bounded_read;
pub mod bulk;
pub mod cli;
pub mod diagnose;
pub mod escape;
pub mod evidence;
pub mod findings;
pub mod knowledge;
pub mod names;
pub mod policy;
pub mod probe;
pub mod render;
pub mod report;
pub mod secret;
pub mod settings;
