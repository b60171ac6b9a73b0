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
    Brotli,
    Gzip,
    Identity,
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
/// more useful.
pub fn choose(request: &HeaderMap, available: &[Encoding]) -> Encoding {
    let Some(accept) = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return Encoding::Identity;
    };
    let weights = parse(accept);
    let weight = |encoding: Encoding| -> u16 {
        let named = weights.iter().find(|(name, _)| {
            encoding
                .names()
                .iter()
                .any(|n| name.eq_ignore_ascii_case(n))
        });
        let star = weights.iter().find(|(name, _)| *name == "*");
        match (named, star, encoding) {
            (Some((_, q)), _, _) | (None, Some((_, q)), _) => *q,
            (None, None, Encoding::Identity) => 1,
            (None, None, _) => 0,
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

/// `(coding, q × 1000)` for each member of the list; a malformed `q` counts
/// as 0, so a coding is never sent on a misread weight.
fn parse(accept: &str) -> Vec<(&str, u16)> {
    accept
        .split(',')
        .filter_map(|member| {
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
        })
        .collect()
}

/// An RFC 9110 qvalue (`0`, `0.5`, `1.000`) in thousandths; 0 if malformed.
fn quality(value: &str) -> u16 {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    let thousandths: u16 = format!("{fraction:0<3}").parse().unwrap_or(0);
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

    const ALL: &[Encoding] = &[Encoding::Brotli, Encoding::Gzip];

    fn pick(accept: &str) -> Encoding {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(accept).expect("valid"),
        );
        choose(&headers, ALL)
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
        assert_eq!(choose(&HeaderMap::new(), ALL), Encoding::Identity);
        // A coding the answer does not have is never chosen.
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("br"));
        assert_eq!(choose(&headers, &[Encoding::Gzip]), Encoding::Identity);
    }
}
