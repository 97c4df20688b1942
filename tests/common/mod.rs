pub mod check;
pub mod rig;
pub mod schema;
