//! Passwords: the policy, and Argon2id hashes in PHC form (`$argon2id$v=19$m=…`), which
//! carry their own salt and parameters, so hashes made with other costs still verify.
//! Pure computation, but slow on purpose (tens of milliseconds): callers hash and verify
//! outside the write transaction.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash as Phc;
use argon2::password_hash::{self, PasswordHasher, PasswordVerifier};

use super::FieldError;

const MIN_PASSWORD: usize = 12;
/// Long enough for any passphrase; a bound so a request cannot make us hash megabytes.
const MAX_PASSWORD: usize = 1024;

/// An Argon2id hash of a password the policy accepted. Printing one shows nothing: a
/// hash leaked into a log can be attacked offline.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// The PHC string, to store.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(…)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// The password breaks the policy; field `password`.
    #[error("{}", .0.message)]
    Refused(FieldError),
    /// Argon2 or the operating system's random source failed (not the password's fault).
    #[error("the password could not be hashed: {0}")]
    Hashing(String),
}

/// A stored hash that is not a PHC string Argon2 can verify against (a damaged row).
#[derive(Debug, thiserror::Error)]
#[error("a stored password hash is unreadable: {0}")]
pub struct UnreadableHash(String);

/// At least 12 characters (length is what makes a password hard to guess; no rules
/// about kinds of characters, which only make passwords predictable), at most 1024.
pub fn check_password(password: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        return Err(FieldError::new(
            "password",
            format!("a password needs at least {MIN_PASSWORD} characters"),
        ));
    }
    if n > MAX_PASSWORD {
        return Err(FieldError::new(
            "password",
            format!("a password has at most {MAX_PASSWORD} characters"),
        ));
    }
    Ok(())
}

/// Checks the policy, then hashes with Argon2id's default costs and a random salt.
pub fn hash_password(password: &str) -> Result<PasswordHash, PasswordError> {
    check_password(password).map_err(PasswordError::Refused)?;
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| PasswordHash(h.to_string()))
        .map_err(|e| PasswordError::Hashing(e.to_string()))
}

/// Whether `password` is the one `phc` was made from. A hash that cannot be read is an
/// error, never a match; the caller refuses the login and reports the damaged row.
pub fn verify_password(password: &str, phc: &str) -> Result<bool, UnreadableHash> {
    let parsed = Phc::new(phc).map_err(|e| UnreadableHash(e.to_string()))?;
    match Argon2::default().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(password_hash::Error::PasswordInvalid) => Ok(false),
        Err(e) => Err(UnreadableHash(e.to_string())),
    }
}

/// A hash with the default costs whose salt and output are random bytes: no known
/// password matches it.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$Ua1SUa6MsmSmc/h5zy7P5Q$wnJhiOl8PaYzFL6RJ4fi/fAkbyp1SZX2d5BfrlbuDxE";

/// Spends the time of one verification and matches nothing: a login for an email no one
/// has takes as long as one with a wrong password, so timing does not tell which emails
/// exist.
pub fn verify_nobody(password: &str) {
    // The answer is false whatever the password; only the time spent matters.
    let _ = verify_password(password, DUMMY_HASH);
}

#[cfg(test)]
mod tests {
    use argon2::Params;

    use super::*;

    /// Whether the dummy hash costs what a real one does (the defaults may change).
    fn dummy_costs_like_a_real_hash() -> bool {
        let Ok(parsed) = Phc::new(DUMMY_HASH) else {
            return false;
        };
        Params::try_from(&parsed).is_ok_and(|p| {
            let d = Params::default();
            (p.m_cost(), p.t_cost(), p.p_cost()) == (d.m_cost(), d.t_cost(), d.p_cost())
        })
    }

    #[test]
    fn passwords_need_twelve_to_1024_characters() {
        assert_eq!(check_password("short pass!").unwrap_err().field, "password");
        assert!(check_password("twelve chars").is_ok());
        // Characters, not bytes: 12 Hangul syllables are 36 bytes.
        assert!(check_password(&"가".repeat(11)).is_err());
        assert!(check_password(&"가".repeat(12)).is_ok());
        assert!(check_password(&"x".repeat(1024)).is_ok());
        assert!(check_password(&"x".repeat(1025)).is_err());
        assert!(matches!(
            hash_password("too short"),
            Err(PasswordError::Refused(e)) if e.field == "password"
        ));
    }

    #[test]
    fn hashes_are_salted_argon2id_and_verify_only_their_password() {
        let a = hash_password("correct horse battery").unwrap();
        let b = hash_password("correct horse battery").unwrap();
        assert!(a.as_str().starts_with("$argon2id$v=19$"), "{}", a.as_str());
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify_password("correct horse battery", a.as_str()).unwrap());
        assert!(!verify_password("correct horse batterY", a.as_str()).unwrap());
        assert_eq!(format!("{a:?}"), "PasswordHash(…)");
    }

    #[test]
    fn an_unreadable_hash_is_an_error_not_a_match() {
        for bad in [
            "",
            "plain text",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA",
            "$md5$x$y",
        ] {
            assert!(verify_password("anything at all", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_does_and_matches_nothing() {
        assert!(dummy_costs_like_a_real_hash());
        assert!(!verify_password("", DUMMY_HASH).unwrap());
        assert!(!verify_password("correct horse battery", DUMMY_HASH).unwrap());
        verify_nobody("anything");
    }
}
