//! The report's conclusions ([`crate::advice::Advice`]) from the evidence and the findings:
//! pure, like the findings, so a saved report gets the same advice offline.

mod check;
mod domain;

pub use domain::AREAS;

use crate::advice::Advice;
use crate::findings::Finding;
use crate::report::Body;

pub fn advice(body: &Body, findings: &[Finding]) -> Advice {
    match body {
        Body::Server(_) => Advice::default(),
        Body::Domain(ev) => domain::advice(ev, findings),
        Body::Check(ev) => check::advice(ev),
    }
}
