//! Seeded mutation of valid records, for the parsers' no-panic tests: deterministic, so a
//! failure reproduces; varied enough to reach every error path.

/// Deterministic xorshift64* generator.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One random edit of `s`: delete, insert, replace, duplicate a run, truncate, swap, or splice
/// in the tail of another corpus entry. New characters come from `alphabet` (the record's own
/// syntax) or, one time in four, from anywhere in Unicode.
pub fn mutate<S: AsRef<str>>(rng: &mut Rng, s: &mut Vec<char>, corpus: &[S], alphabet: &[char]) {
    let random_char = |rng: &mut Rng| {
        if rng.below(4) == 0 {
            char::from_u32(rng.below(0x11_0000) as u32).unwrap_or('x')
        } else {
            alphabet[rng.below(alphabet.len())]
        }
    };
    match rng.below(7) {
        0 if !s.is_empty() => {
            let i = rng.below(s.len());
            s.remove(i);
        }
        1 => {
            let i = rng.below(s.len() + 1);
            let c = random_char(rng);
            s.insert(i, c);
        }
        2 if !s.is_empty() => {
            let i = rng.below(s.len());
            s[i] = random_char(rng);
        }
        3 if !s.is_empty() => {
            let a = rng.below(s.len());
            let b = (a + rng.below(12)).min(s.len());
            let piece: Vec<char> = s[a..b].to_vec();
            let at = rng.below(s.len() + 1);
            s.splice(at..at, piece);
        }
        4 => s.truncate(rng.below(s.len() + 1)),
        5 if s.len() > 1 => {
            let (a, b) = (rng.below(s.len()), rng.below(s.len()));
            s.swap(a, b);
        }
        _ => {
            let other: Vec<char> = corpus[rng.below(corpus.len())].as_ref().chars().collect();
            let at = rng.below(s.len() + 1);
            let from = rng.below(other.len() + 1);
            s.splice(at..at, other[from..].iter().copied());
        }
    }
}

/// A random corpus entry after one to four [`mutate`] edits: what the no-panic tests feed their
/// parser.
pub fn mutant<S: AsRef<str>>(rng: &mut Rng, corpus: &[S], alphabet: &[char]) -> String {
    let mut s: Vec<char> = corpus[rng.below(corpus.len())].as_ref().chars().collect();
    for _ in 0..1 + rng.below(4) {
        mutate(rng, &mut s, corpus, alphabet);
    }
    s.into_iter().collect()
}
