//! `--shard K/N`: a stable hash of the domain's A-label picks its shard, so N processes given
//! the same list and K = 1…N audit every domain exactly once, on any machine and any release.

/// Shard `k` (1-based) of `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub k: u64,
    pub n: u64,
}

/// Most shards accepted: far beyond any job array, small enough to rule out typos.
const MAX_SHARDS: u64 = 1_000_000;

impl Shard {
    /// `K/N` with 1 ≤ K ≤ N, or `auto/N` with K = `job_index` + 1 (a Kubernetes Indexed Job's
    /// 0-based JOB_COMPLETION_INDEX).
    pub fn parse(text: &str, job_index: Option<&str>) -> Result<Shard, String> {
        let usage = || {
            format!(
                "--shard {} is not K/N (e.g. 2/8, 1-based) or auto/N",
                crate::escape::echo(text)
            )
        };
        let (k, n) = text.trim().split_once('/').ok_or_else(usage)?;
        let n: u64 = n.trim().parse().map_err(|_| usage())?;
        if n == 0 || n > MAX_SHARDS {
            return Err(format!("--shard: N must be between 1 and {MAX_SHARDS}"));
        }
        let k: u64 = if k.trim() == "auto" {
            let idx = job_index.ok_or(
                "--shard auto/N needs JOB_COMPLETION_INDEX (set by a Kubernetes Indexed Job)",
            )?;
            let idx: u64 = idx.trim().parse().map_err(|_| {
                format!(
                    "JOB_COMPLETION_INDEX {} is not a number",
                    crate::escape::echo(idx)
                )
            })?;
            idx + 1
        } else {
            k.trim().parse().map_err(|_| usage())?
        };
        if k == 0 || k > n {
            return Err(format!("--shard {k}/{n}: K must be between 1 and {n}"));
        }
        Ok(Shard { k, n })
    }

    pub fn keeps(&self, domain: &str) -> bool {
        fnv1a(domain.to_ascii_lowercase().as_bytes()) % self.n == self.k - 1
    }
}

/// FNV-1a, 64-bit: fixed by its definition, unlike std's hasher, so every machine agrees.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_vectors() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn shards_partition_the_domains() {
        let shards: Vec<Shard> = (1..=3)
            .map(|k| Shard::parse(&format!("{k}/3"), None).unwrap())
            .collect();
        for i in 0..300 {
            let d = format!("d{i}.example");
            let owners = shards.iter().filter(|s| s.keeps(&d)).count();
            assert_eq!(owners, 1, "{d}");
        }
        let first = shards[0];
        assert_eq!(first.keeps("Example.COM"), first.keeps("example.com"));
    }

    #[test]
    fn shard_syntax_and_job_index() {
        assert_eq!(Shard::parse("2/8", None).unwrap(), Shard { k: 2, n: 8 });
        assert_eq!(
            Shard::parse("auto/4", Some("3")).unwrap(),
            Shard { k: 4, n: 4 }
        );
        assert!(Shard::parse("auto/4", Some("4"))
            .unwrap_err()
            .contains("between 1 and 4"));
        assert!(Shard::parse("auto/4", None)
            .unwrap_err()
            .contains("JOB_COMPLETION_INDEX"));
        assert!(Shard::parse("0/3", None).unwrap_err().contains("K must"));
        assert!(Shard::parse("4/3", None).unwrap_err().contains("K must"));
        assert!(Shard::parse("1/0", None).unwrap_err().contains("N must"));
        assert!(Shard::parse("x", None).unwrap_err().contains("not K/N"));
    }
}
