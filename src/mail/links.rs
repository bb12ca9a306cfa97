//! What every mail is made with: the sender, the site, and the links in it. The manage
//! and unsubscribe links are signed with a key kept in a file beside the database, not in
//! it: a copied database (or backup) alone opens no one's subscription.

use std::io::Write;
use std::path::Path;

use chrono_tz::Tz;
use lettre::message::Mailbox;

use super::MailSetupError;
use crate::domain::Lang;
use crate::domain::subscriber::{manage_token, manage_token_owner};

const KEY_FILE: &str = "subscription-links.key";

/// What a mail is made with.
#[derive(Clone)]
pub struct Sender {
    pub from: Mailbox,
    pub site_name: String,
    /// Without a trailing slash.
    pub base_url: String,
    pub timezone: Tz,
    key: Vec<u8>,
}

impl Sender {
    pub fn new(
        from: Mailbox,
        site_name: &str,
        base_url: &str,
        timezone: Tz,
        key: Vec<u8>,
    ) -> Sender {
        Sender {
            from,
            site_name: site_name.to_string(),
            base_url: base_url.trim_end_matches('/').to_string(),
            timezone,
            key,
        }
    }

    /// The host named in `Message-ID`s.
    pub fn host(&self) -> &str {
        let rest = self
            .base_url
            .split_once("://")
            .map_or(&*self.base_url, |(_, r)| r);
        let host = rest.split(['/', '?']).next().unwrap_or(rest);
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    }

    pub fn confirm_url(&self, token: &str) -> String {
        format!("{}/subscribe/confirm/{token}", self.base_url)
    }

    pub fn manage_url(&self, subscriber_id: &str) -> String {
        let token = manage_token(&self.key, subscriber_id);
        format!("{}/subscribe/manage/{token}", self.base_url)
    }

    /// The RFC 8058 one-click link of `List-Unsubscribe`.
    pub fn unsubscribe_url(&self, subscriber_id: &str) -> String {
        let token = manage_token(&self.key, subscriber_id);
        format!("{}/unsubscribe/{token}", self.base_url)
    }

    pub fn notice_url(&self, notice: &str, lang: Lang) -> String {
        format!("{}/incidents/{notice}?lang={}", self.base_url, lang.code())
    }

    pub fn home_url(&self, lang: Lang) -> String {
        format!("{}/?lang={}", self.base_url, lang.code())
    }

    /// The subscriber a manage or unsubscribe link is for, if we signed it.
    pub fn owner<'a>(&self, token: &'a str) -> Option<&'a str> {
        manage_token_owner(&self.key, token)
    }
}

/// The key the links are signed with, made on first use. Losing it only breaks the links
/// of mails already sent; the next mail carries a working one.
pub fn load_link_key(data_dir: &Path) -> Result<Vec<u8>, MailSetupError> {
    let path = data_dir.join(KEY_FILE);
    let failed = |source| MailSetupError::Key {
        path: path.clone(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(hex_key) => hex::decode(hex_key.trim())
            .map_err(|e| failed(std::io::Error::new(std::io::ErrorKind::InvalidData, e))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = vec![0u8; 32];
            getrandom::fill(&mut key).map_err(|e| failed(std::io::Error::other(e)))?;
            let mut file = open_private(&path).map_err(failed)?;
            file.write_all(hex::encode(&key).as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(failed)?;
            Ok(key)
        }
        Err(e) => Err(failed(e)),
    }
}

/// A new file only its owner can read.
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_made_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let key = load_link_key(dir.path()).unwrap();
        assert_eq!(key.len(), 32);
        assert_eq!(load_link_key(dir.path()).unwrap(), key);
    }

    #[test]
    fn links_are_signed_for_their_subscriber() {
        let from: Mailbox = "status@example.com".parse().unwrap();
        let s = Sender::new(
            from,
            "페이상태",
            "https://status.example.com:8443/",
            chrono_tz::UTC,
            vec![7; 32],
        );
        assert_eq!(s.host(), "status.example.com");
        let url = s.unsubscribe_url("sub_1");
        let token = url.rsplit('/').next().unwrap();
        assert_eq!(s.owner(token), Some("sub_1"));
        assert!(s.manage_url("sub_1").ends_with(token));
    }
}
