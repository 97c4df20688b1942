//! The parsed shape of an SPF record: terms, directives (qualifier + mechanism) and modifiers,
//! and the questions asked of them (lookup counting, `redirect=`, `exp=`, `all`).

use serde::{Deserialize, Serialize};
use std::net::{Ipv4Addr, Ipv6Addr};

use super::macro_string::DomainSpec;

/// A parsed SPF record: the terms after `v=spf1`, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub terms: Vec<Term>,
}

/// One term as written, where it starts in the record, and what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    /// The term exactly as written.
    pub text: String,
    /// Byte offset of the term in the record text.
    pub offset: usize,
    pub kind: TermKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TermKind {
    Mechanism(Mechanism),
    Modifier(Modifier),
}

/// A directive: a qualifier (`+` when none is written) and a mechanism.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mechanism {
    pub qualifier: Qualifier,
    pub kind: MechKind,
}

/// `+` (also the default), `-`, `~`, `?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualifier {
    Pass,
    Fail,
    SoftFail,
    Neutral,
}

const QUALIFIERS: [(char, Qualifier); 4] = [
    ('+', Qualifier::Pass),
    ('-', Qualifier::Fail),
    ('~', Qualifier::SoftFail),
    ('?', Qualifier::Neutral),
];

/// The mechanisms of §5. `ip4`/`ip6` without a length get the full length (32 / 128); `a` and
/// `mx` keep `None` for a length not written (the evaluator then uses 32 / 128).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mechanism", rename_all = "snake_case")]
pub enum MechKind {
    All,
    Include {
        domain: DomainSpec,
    },
    A {
        domain: Option<DomainSpec>,
        cidr4: Option<u8>,
        cidr6: Option<u8>,
    },
    Mx {
        domain: Option<DomainSpec>,
        cidr4: Option<u8>,
        cidr6: Option<u8>,
    },
    Ptr {
        domain: Option<DomainSpec>,
    },
    Ip4 {
        network: Ipv4Addr,
        prefix: u8,
    },
    Ip6 {
        network: Ipv6Addr,
        prefix: u8,
    },
    Exists {
        domain: DomainSpec,
    },
}

/// The modifiers of §6; any other well-formed `name=value` is kept as `Unknown` (§6: ignored by
/// evaluation, its value a valid macro-string).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "modifier", rename_all = "snake_case")]
pub enum Modifier {
    Redirect { domain: DomainSpec },
    Exp { domain: DomainSpec },
    Unknown { name: String, value: String },
}

impl Qualifier {
    pub fn from_char(c: char) -> Option<Qualifier> {
        QUALIFIERS.iter().find(|q| q.0 == c).map(|q| q.1)
    }

    pub fn symbol(self) -> char {
        QUALIFIERS.iter().find(|q| q.1 == self).map_or('+', |q| q.0)
    }
}

impl MechKind {
    /// The mechanism's name, lowercase.
    pub fn name(&self) -> &'static str {
        match self {
            MechKind::All => "all",
            MechKind::Include { .. } => "include",
            MechKind::A { .. } => "a",
            MechKind::Mx { .. } => "mx",
            MechKind::Ptr { .. } => "ptr",
            MechKind::Ip4 { .. } => "ip4",
            MechKind::Ip6 { .. } => "ip6",
            MechKind::Exists { .. } => "exists",
        }
    }

    /// The domain-spec written in the mechanism, if any.
    pub fn domain(&self) -> Option<&DomainSpec> {
        match self {
            MechKind::Include { domain } | MechKind::Exists { domain } => Some(domain),
            MechKind::A { domain, .. } | MechKind::Mx { domain, .. } | MechKind::Ptr { domain } => {
                domain.as_ref()
            }
            MechKind::All | MechKind::Ip4 { .. } | MechKind::Ip6 { .. } => None,
        }
    }
}

impl Mechanism {
    /// Whether this mechanism costs one of the 10 DNS-querying terms of §4.6.4:
    /// `include`, `a`, `mx`, `ptr` and `exists`.
    pub fn counts_lookup(&self) -> bool {
        !matches!(
            self.kind,
            MechKind::All | MechKind::Ip4 { .. } | MechKind::Ip6 { .. }
        )
    }
}

impl Modifier {
    /// `redirect=` counts toward the §4.6.4 limit; `exp=` and unknown modifiers do not.
    pub fn counts_lookup(&self) -> bool {
        matches!(self, Modifier::Redirect { .. })
    }
}

impl Term {
    /// Whether this term counts toward the 10 DNS-querying terms of §4.6.4.
    pub fn counts_lookup(&self) -> bool {
        match &self.kind {
            TermKind::Mechanism(m) => m.counts_lookup(),
            TermKind::Modifier(m) => m.counts_lookup(),
        }
    }
}

impl Record {
    /// How many terms of this record (not of its includes) count toward the §4.6.4 limit.
    pub fn lookup_terms(&self) -> usize {
        self.terms.iter().filter(|t| t.counts_lookup()).count()
    }

    /// The `redirect=` target, if any (at most one: a second is a parse error).
    pub fn redirect(&self) -> Option<&DomainSpec> {
        self.modifiers().find_map(|m| match m {
            Modifier::Redirect { domain } => Some(domain),
            _ => None,
        })
    }

    /// The `exp=` target, if any (at most one: a second is a parse error).
    pub fn exp(&self) -> Option<&DomainSpec> {
        self.modifiers().find_map(|m| match m {
            Modifier::Exp { domain } => Some(domain),
            _ => None,
        })
    }

    /// The qualifier of the first `all` mechanism, if any (terms after it are never reached).
    pub fn all(&self) -> Option<Qualifier> {
        self.mechanisms()
            .find(|m| m.kind == MechKind::All)
            .map(|m| m.qualifier)
    }

    /// The directives, in order.
    pub fn mechanisms(&self) -> impl Iterator<Item = &Mechanism> {
        self.terms.iter().filter_map(|t| match &t.kind {
            TermKind::Mechanism(m) => Some(m),
            TermKind::Modifier(_) => None,
        })
    }

    /// The modifiers, in order.
    pub fn modifiers(&self) -> impl Iterator<Item = &Modifier> {
        self.terms.iter().filter_map(|t| match &t.kind {
            TermKind::Modifier(m) => Some(m),
            TermKind::Mechanism(_) => None,
        })
    }
}
