//! The request id: the one a trusted proxy sent in `x-request-id`, or one made here. It
//! is held in a task-local for the request's life, so the log middleware and
//! problem+json answers read it without being handed it, and it costs public reads no
//! allocation but the response header's.

use std::cell::Cell;
use std::net::IpAddr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderMap, HeaderValue};
use ipnet::IpNet;

pub const HEADER: &str = "x-request-id";

/// The longest id taken from a proxy; longer ones are replaced.
const MAX_LEN: usize = 128;

/// At most 128 visible ASCII characters, kept inline (it is copied, never allocated).
#[derive(Clone, Copy)]
pub struct RequestId {
    bytes: [u8; MAX_LEN],
    len: u8,
}

tokio::task_local! {
    static CURRENT: RequestId;
}

impl RequestId {
    /// The proxy's id when the peer is a trusted proxy and the id is acceptable,
    /// otherwise a new one: a client cannot choose the id that support will search for.
    pub fn for_request(headers: &HeaderMap, peer: IpAddr, trusted: &[IpNet]) -> RequestId {
        if trusted.iter().any(|net| net.contains(&peer))
            && let Some(id) = headers
                .get(HEADER)
                .and_then(|v| RequestId::parse(v.as_bytes()))
        {
            return id;
        }
        RequestId::generate()
    }

    /// An id from outside: 1 to 128 visible ASCII characters, else none.
    pub fn parse(raw: &[u8]) -> Option<RequestId> {
        if raw.is_empty() || raw.len() > MAX_LEN || !raw.iter().all(|b| b.is_ascii_graphic()) {
            return None;
        }
        let mut bytes = [0; MAX_LEN];
        bytes[..raw.len()].copy_from_slice(raw);
        Some(RequestId {
            bytes,
            len: raw.len() as u8,
        })
    }

    /// 32 hex digits: a random prefix drawn once per process, the thread's number and
    /// the thread's own counter, so ids are unique across restarts without a system call
    /// or an atomic shared between threads per request.
    pub fn generate() -> RequestId {
        static PREFIX: OnceLock<u64> = OnceLock::new();
        static THREADS: AtomicU64 = AtomicU64::new(0);
        thread_local! {
            static THREAD: u64 = THREADS.fetch_add(1, Ordering::Relaxed);
            static COUNTER: Cell<u64> = const { Cell::new(0) };
        }
        let prefix = *PREFIX.get_or_init(|| u64::from_le_bytes(crate::domain::random_bytes()));
        let n = COUNTER.with(|c| {
            let n = c.get();
            c.set(n.wrapping_add(1));
            n
        });
        // 16 bits of thread number, 48 of count: 2^48 ids per thread before a repeat.
        let local = (THREAD.with(|t| *t) << 48) | (n & 0xffff_ffff_ffff);
        let mut bytes = [0; MAX_LEN];
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for (i, value) in [prefix, local].into_iter().enumerate() {
            for j in 0..16 {
                let nibble = (value >> (60 - 4 * j)) & 0xf;
                bytes[i * 16 + j] = HEX[nibble as usize];
            }
        }
        RequestId { bytes, len: 32 }
    }

    pub fn as_str(&self) -> &str {
        // Only visible ASCII is ever stored.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }

    pub fn header_value(&self) -> Option<HeaderValue> {
        HeaderValue::from_bytes(&self.bytes[..usize::from(self.len)]).ok()
    }

    /// Runs `f` (a request's handling) with this id as the current one.
    pub async fn scope<F: Future>(self, f: F) -> F::Output {
        CURRENT.scope(self, f).await
    }

    /// The id of the request being handled, if any.
    pub fn current() -> Option<RequestId> {
        CURRENT.try_with(|id| *id).ok()
    }
}

impl std::fmt::Debug for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(id: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(HEADER, HeaderValue::from_str(id).unwrap());
        h
    }

    #[test]
    fn only_a_trusted_proxy_names_the_id_and_only_a_sane_one() {
        let proxies: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let client: IpAddr = "203.0.113.9".parse().unwrap();
        let taken = RequestId::for_request(&headers("abc-123"), proxy, &proxies);
        assert_eq!(taken.as_str(), "abc-123");
        let replaced = RequestId::for_request(&headers("abc-123"), client, &proxies);
        assert_ne!(replaced.as_str(), "abc-123");
        assert_eq!(replaced.as_str().len(), 32);
        let long = "x".repeat(129);
        assert_ne!(
            RequestId::for_request(&headers(&long), proxy, &proxies).as_str(),
            long
        );
        let max = "x".repeat(128);
        assert_eq!(
            RequestId::for_request(&headers(&max), proxy, &proxies).as_str(),
            max
        );
        assert!(RequestId::parse(b"has space").is_none());
        assert!(RequestId::parse("caf\u{e9}".as_bytes()).is_none());
        assert!(RequestId::parse(b"").is_none());
    }

    #[test]
    fn generated_ids_differ() {
        let a = RequestId::generate();
        let b = RequestId::generate();
        assert_ne!(a.as_str(), b.as_str());
        assert!(a.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
