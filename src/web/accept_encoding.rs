//! Which content coding to send: the client's `Accept-Encoding` (RFC 9110
//! §12.5.3) weighed against the codings an answer has. Quality values are
//! honoured (`br;q=0` refuses Brotli), `*` stands for every coding not
//! named, and identity is acceptable unless refused by name or by `*;q=0`.
//! Between codings of equal weight the smaller wins: Brotli, then gzip,
//! then identity. No header at all means identity, as nginx and most
//! servers read it.

use axum::http::{HeaderMap, header};

/// A content coding Herald can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli = 0,
    Gzip = 1,
    Identity = 2,
}

impl Encoding {
    /// The `Content-Encoding` token, none for identity.
    pub fn token(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        }
    }

    fn names(self) -> &'static [&'static str] {
        match self {
            Encoding::Brotli => &["br"],
            Encoding::Gzip => &["gzip", "x-gzip"],
            Encoding::Identity => &["identity"],
        }
    }
}

/// The coding to send among those `available` (best first), given the
/// request's headers. Identity when nothing else is acceptable: refusing
/// identity too is allowed to get a 406, but an uncompressed answer is
/// more useful. Reads the header in one pass, without allocating: it runs
/// on every request for a page.
pub fn choose(request: &HeaderMap, available: &[Encoding]) -> Encoding {
    let Some(accept) = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return Encoding::Identity;
    };
    // The weight (q × 1000) each coding is given by name, and `*`'s.
    let mut named: [Option<u16>; 3] = [None; 3];
    let mut star = None;
    for (name, q) in accept.split(',').filter_map(member) {
        if name == "*" {
            star = Some(q);
        } else if let Some(i) = ALL
            .iter()
            .position(|e| e.names().iter().any(|n| name.eq_ignore_ascii_case(n)))
        {
            named[i] = Some(q);
        }
    }
    let weight = |encoding: Encoding| -> u16 {
        match (named[encoding as usize].or(star), encoding) {
            (Some(q), _) => q,
            (None, Encoding::Identity) => 1,
            (None, _) => 0,
        }
    };
    let mut best = (Encoding::Identity, 0);
    for encoding in available.iter().copied().chain([Encoding::Identity]) {
        let q = weight(encoding);
        if q > best.1 {
            best = (encoding, q);
        }
    }
    best.0
}

/// Every coding, in the order of their discriminants (`named`'s index).
const ALL: [Encoding; 3] = [Encoding::Brotli, Encoding::Gzip, Encoding::Identity];

/// One member of the list as `(coding, q × 1000)`; a malformed `q` counts
/// as 0, so a coding is never sent on a misread weight.
fn member(member: &str) -> Option<(&str, u16)> {
    let mut parts = member.split(';');
    let name = parts.next()?.trim();
    if name.is_empty() {
        return None;
    }
    let q = parts
        .find_map(|p| {
            let (key, value) = p.split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case("q")
                .then(|| quality(value.trim()))
        })
        .unwrap_or(1000);
    Some((name, q))
}

/// An RFC 9110 qvalue (`0`, `0.5`, `1.000`) in thousandths; 0 if malformed.
fn quality(value: &str) -> u16 {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    let thousandths = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u16, |n, digit| n * 10 + u16::from(digit - b'0'));
    match whole {
        "0" => thousandths,
        "1" if thousandths == 0 => 1000,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const BOTH: &[Encoding] = &[Encoding::Brotli, Encoding::Gzip];

    fn pick(accept: &str) -> Encoding {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(accept).expect("valid"),
        );
        choose(&headers, BOTH)
    }

    #[test]
    fn prefers_brotli_then_gzip_at_equal_weight() {
        assert_eq!(pick("gzip, deflate, br, zstd"), Encoding::Brotli);
        assert_eq!(pick("gzip, deflate"), Encoding::Gzip);
        assert_eq!(pick("x-gzip"), Encoding::Gzip);
        assert_eq!(pick("deflate"), Encoding::Identity);
    }

    #[test]
    fn honours_quality_values() {
        assert_eq!(pick("br;q=0, gzip"), Encoding::Gzip);
        assert_eq!(pick("br;q=0.5, gzip;q=0.8"), Encoding::Gzip);
        assert_eq!(pick("br; q=1.0, gzip;q=0.999"), Encoding::Brotli);
        assert_eq!(pick("br;q=0, gzip;q=0"), Encoding::Identity);
        assert_eq!(pick("br;q=2"), Encoding::Identity);
        assert_eq!(pick("gzip;q=0.1, identity;q=0"), Encoding::Gzip);
    }

    #[test]
    fn star_covers_the_codings_not_named() {
        assert_eq!(pick("*"), Encoding::Brotli);
        assert_eq!(pick("br;q=0, *"), Encoding::Gzip);
        assert_eq!(pick("identity, *;q=0"), Encoding::Identity);
    }

    #[test]
    fn identity_or_nothing_means_identity() {
        assert_eq!(pick("identity"), Encoding::Identity);
        assert_eq!(pick(""), Encoding::Identity);
        assert_eq!(choose(&HeaderMap::new(), BOTH), Encoding::Identity);
        // A coding the answer does not have is never chosen.
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("br"));
        assert_eq!(choose(&headers, &[Encoding::Gzip]), Encoding::Identity);
    }
}
