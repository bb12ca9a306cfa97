//! `PAYSTATUS_METRICS_TOKEN`: when set, `/metrics` answers only `Authorization: Bearer
//! <token>`. Only the token's SHA-256 is kept, and digests are compared in constant time,
//! so neither the comparison's time nor a memory dump gives the token away.

use axum::http::{HeaderMap, header};
use sha2::{Digest, Sha256};

#[derive(Clone)]
pub struct MetricsToken([u8; 32]);

impl MetricsToken {
    pub fn new(token: &str) -> MetricsToken {
        MetricsToken(Sha256::digest(token.as_bytes()).into())
    }

    /// Whether the request carries the token as a Bearer credential.
    pub fn admits(&self, headers: &HeaderMap) -> bool {
        let Some(presented) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
        else {
            return false;
        };
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let difference = digest
            .iter()
            .zip(self.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        std::hint::black_box(difference) == 0
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(auth).unwrap());
        h
    }

    #[test]
    fn only_the_bearer_token_itself_is_admitted() {
        let t = MetricsToken::new("s3cret");
        assert!(t.admits(&with("Bearer s3cret")));
        assert!(t.admits(&with("bearer  s3cret ")));
        assert!(!t.admits(&with("Bearer s3cre")));
        assert!(!t.admits(&with("Basic s3cret")));
        assert!(!t.admits(&with("s3cret")));
        assert!(!t.admits(&HeaderMap::new()));
        assert!(!format!("{t:?}").contains("s3cret"));
    }
}
