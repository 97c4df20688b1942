pub mod certs;
pub mod check;
pub mod fake_provider;
pub mod fixtures;
pub mod hostile;
pub mod rig;
pub mod schema;
pub mod wire;
