//! Public identifiers: 12 lowercase base-36 characters, like the reference API's.

const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// A new random identifier. Randomness comes from the OS; without it we cannot run.
pub fn new_id() -> String {
    random_string(12)
}

/// `N` random bytes from the OS (keys, secrets, jitter). Without them we cannot run.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("the operating system's random source failed");
    buf
}

/// `len` random base-36 characters (API keys use 40).
pub fn random_string(len: usize) -> String {
    let mut out = String::with_capacity(len);
    while out.len() < len {
        let buf: [u8; 64] = random_bytes();
        // 252 = 7 * 36: rejecting larger bytes keeps every character equally likely.
        for b in buf.iter().filter(|b| **b < 252) {
            if out.len() == len {
                break;
            }
            out.push(ALPHABET[(*b % 36) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_twelve_base36_characters_and_differ() {
        let a = super::new_id();
        let b = super::new_id();
        assert_eq!(a.len(), 12);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
        );
        assert_ne!(a, b);
    }
}
