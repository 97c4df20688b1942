//! Well-known mail server host names, to suggest the intended one for a near miss
//! (`smtp.gmial.com` → `smtp.gmail.com`). Sources: the providers' own setup pages.

pub const KNOWN_HOSTS: &[&str] = &[
    "smtp.gmail.com",
    "imap.gmail.com",
    "pop.gmail.com",
    "smtp.office365.com",
    "outlook.office365.com",
    "smtp-mail.outlook.com",
    "smtp.mail.yahoo.com",
    "imap.mail.yahoo.com",
    "smtp.mail.me.com",
    "imap.mail.me.com",
    "smtp.zoho.com",
    "imap.zoho.com",
    "smtp.zoho.eu",
    "smtp.fastmail.com",
    "imap.fastmail.com",
    "smtp.gmx.com",
    "mail.gmx.net",
    "smtp.web.de",
    "securesmtp.t-online.de",
    "smtp.yandex.com",
    "smtp.mail.ru",
    "smtp.aol.com",
    "smtp.comcast.net",
    "smtp.sendgrid.net",
    "smtp.mailgun.org",
    "email-smtp.us-east-1.amazonaws.com",
    "smtp.postmarkapp.com",
    "smtp-relay.brevo.com",
    "mail.protonmail.ch",
    "smtp.poczta.onet.pl",
    "smtp.wp.pl",
    "smtp.o2.pl",
    "smtp.interia.pl",
    "smtp.seznam.cz",
    "smtp.libero.it",
];

/// Known hosts within edit distance 2 of `host` (and not equal to it), closest first.
pub fn near_misses(host: &str) -> Vec<&'static str> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let mut hits: Vec<(usize, &'static str)> = KNOWN_HOSTS
        .iter()
        .filter(|k| **k != host)
        .map(|k| (distance(&host, k), *k))
        .filter(|(d, _)| *d <= 2)
        .collect();
    hits.sort();
    hits.into_iter().map(|(_, k)| k).collect()
}

/// Damerau–Levenshtein (optimal string alignment): a swapped pair of letters counts once,
/// as in the typo `gmial`.
#[allow(
    clippy::indexing_slicing,
    reason = "the matrix is sized (len + 1)² and every index is within the loops' 1..=len"
)]
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_suggests_the_real_host() {
        assert_eq!(
            near_misses("smtp.gmial.com").first(),
            Some(&"smtp.gmail.com")
        );
        assert_eq!(
            near_misses("SMTP.GMAIL.CO").first(),
            Some(&"smtp.gmail.com")
        );
        assert!(near_misses("smtp.gmail.com")
            .iter()
            .all(|h| *h != "smtp.gmail.com"));
        assert!(near_misses("mail.mxray.test").is_empty());
    }

    #[test]
    fn transposition_counts_once() {
        assert_eq!(distance("gmial", "gmail"), 1);
        assert_eq!(distance("", "ab"), 2);
    }
}
