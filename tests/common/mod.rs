pub mod rig;
pub mod schema;
