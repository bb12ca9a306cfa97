//! The mirror's bucket: an S3-compatible object store reached through `object_store`
//! (signing, retries), set up from `PAYSTATUS_MIRROR_URL` and the standard `AWS_*`
//! variables.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::TryStreamExt;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path as Key;
use object_store::{
    Attribute, Attributes, ClientOptions, ObjectStore, ObjectStoreExt, PutOptions, PutPayload,
    RetryConfig,
};

use super::manifest::{MANIFEST, Manifest};
use crate::snapshot::Doc;

/// `s3://bucket/prefix`: where the mirror writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub bucket: String,
    /// Without slashes at either end; empty for the bucket's root.
    pub prefix: String,
}

impl std::str::FromStr for Target {
    type Err = String;

    fn from_str(s: &str) -> Result<Target, String> {
        let rest = s
            .trim()
            .strip_prefix("s3://")
            .ok_or_else(|| format!("`{s}` is not an s3:// URL such as s3://status-bucket/site"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.';
        if bucket.len() < 3 || bucket.len() > 63 || !bucket.chars().all(valid) {
            return Err(format!(
                "`{bucket}` is not a bucket name (3-63 lowercase letters, digits, dots, hyphens)"
            ));
        }
        let prefix = prefix.trim_matches('/');
        if prefix.split('/').any(|part| part == "." || part == "..") {
            return Err(format!("the prefix `{prefix}` may not contain . or .."));
        }
        Ok(Target {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BucketError {
    #[error("the bucket {target}: {source}")]
    Store {
        target: String,
        #[source]
        source: object_store::Error,
    },
    #[error("the bucket's manifest cannot be read: {0}")]
    Manifest(serde_json::Error),
}

pub struct Bucket {
    store: Arc<dyn ObjectStore>,
    target: Target,
}

impl Bucket {
    /// Region, credentials and endpoint come from the standard `AWS_*` variables;
    /// with `AWS_ENDPOINT_URL` (a self-hosted store) requests name the bucket in the path.
    /// `overrides`: `AWS_*` names and values that win over the environment's.
    pub fn from_env(target: Target, overrides: &[(String, String)]) -> Result<Bucket, BucketError> {
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(&target.bucket);
        for (name, value) in overrides {
            let key = name
                .to_ascii_lowercase()
                .parse()
                .map_err(|source| BucketError::Store {
                    target: target.to_string(),
                    source,
                })?;
            builder = builder.with_config(key, value);
        }
        let endpoint = builder.get_config_value(&AmazonS3ConfigKey::Endpoint);
        let self_hosted = endpoint.is_some();
        let allow_http = endpoint.is_some_and(|e| e.starts_with("http://"));
        builder = builder
            .with_virtual_hosted_style_request(!self_hosted)
            // A slow bucket must not hold the mirror's turn for minutes: a few quick
            // retries here, then the mirror's own backoff.
            .with_retry(RetryConfig {
                max_retries: 2,
                retry_timeout: Duration::from_secs(15),
                ..RetryConfig::default()
            })
            // (Whether plain http is allowed lives in the client options too.)
            .with_client_options(
                ClientOptions::new()
                    .with_allow_http(allow_http)
                    .with_timeout(Duration::from_secs(15))
                    .with_connect_timeout(Duration::from_secs(5)),
            );
        if builder
            .get_config_value(&AmazonS3ConfigKey::Region)
            .is_none()
        {
            builder = builder.with_config(AmazonS3ConfigKey::Region, "us-east-1");
        }
        let store = builder.build().map_err(|source| BucketError::Store {
            target: target.to_string(),
            source,
        })?;
        Ok(Bucket {
            store: Arc::new(store),
            target,
        })
    }

    fn key(&self, site_path: &str) -> Key {
        let path = site_path.trim_start_matches('/');
        if self.target.prefix.is_empty() {
            Key::from(path)
        } else {
            Key::from(format!("{}/{path}", self.target.prefix))
        }
    }

    /// The site path of a key under the prefix: the inverse of [`Bucket::key`].
    fn site_path(&self, key: &Key) -> String {
        let key: &str = key.as_ref();
        let rest = match self.target.prefix.as_str() {
            "" => key,
            prefix => key
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('/'))
                .unwrap_or(key),
        };
        format!("/{rest}")
    }

    fn failed(&self, source: object_store::Error) -> BucketError {
        BucketError::Store {
            target: self.target.to_string(),
            source,
        }
    }

    /// Uploads a document, gzip-encoded when it has a gzip variant, with the headers the
    /// server would send.
    pub async fn put(&self, site_path: &str, doc: &Doc) -> Result<(), BucketError> {
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, doc.serving.content_type.into());
        attributes.insert(Attribute::CacheControl, doc.serving.cache.header().into());
        // Every document was compressed when it was made, unless too small to gain.
        let body = match doc.gzip().cloned() {
            Some(gz) => {
                attributes.insert(Attribute::ContentEncoding, "gzip".into());
                gz
            }
            None => doc.body.clone(),
        };
        self.put_bytes(site_path, body, attributes).await
    }

    async fn put_bytes(
        &self,
        site_path: &str,
        body: Bytes,
        attributes: Attributes,
    ) -> Result<(), BucketError> {
        let options = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        self.store
            .put_opts(&self.key(site_path), PutPayload::from(body), options)
            .await
            .map(drop)
            .map_err(|e| self.failed(e))
    }

    /// Removes an object; one already gone is fine.
    pub async fn delete(&self, site_path: &str) -> Result<(), BucketError> {
        match self.store.delete(&self.key(site_path)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.failed(e)),
        }
    }

    pub async fn put_manifest(&self, manifest: &Manifest) -> Result<(), BucketError> {
        let json = serde_json::to_vec(manifest).map_err(BucketError::Manifest)?;
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, "application/json".into());
        attributes.insert(Attribute::CacheControl, "no-store".into());
        self.put_bytes(&format!("/{MANIFEST}"), Bytes::from(json), attributes)
            .await
    }

    /// What the bucket holds under the prefix: site path → the ETag the manifest gives
    /// it, or an empty one when the manifest does not know it (uploaded again if still
    /// wanted, removed if not).
    pub async fn inventory(&self) -> Result<HashMap<String, String>, BucketError> {
        let prefix =
            (!self.target.prefix.is_empty()).then(|| Key::from(self.target.prefix.as_str()));
        let listed: Vec<_> = self
            .store
            .list(prefix.as_ref())
            .try_collect()
            .await
            .map_err(|e| self.failed(e))?;
        let manifest_path = format!("/{MANIFEST}");
        let manifest = match self.store.get(&self.key(&manifest_path)).await {
            Ok(got) => {
                let bytes = got.bytes().await.map_err(|e| self.failed(e))?;
                // A damaged manifest costs one full upload, not the mirror.
                serde_json::from_slice::<Manifest>(&bytes).unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "the bucket's manifest is unreadable; every object is uploaded again");
                    Manifest::default()
                })
            }
            Err(object_store::Error::NotFound { .. }) => Manifest::default(),
            Err(e) => return Err(self.failed(e)),
        };
        Ok(listed
            .iter()
            .map(|meta| self.site_path(&meta.location))
            .filter(|path| *path != manifest_path)
            .map(|path| {
                let etag = manifest.files.get(&path).map(|e| e.etag.clone());
                (path, etag.unwrap_or_default())
            })
            .collect())
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirror_urls_name_a_bucket_and_a_prefix() {
        let t = |s: &str| s.parse::<Target>();
        assert_eq!(
            t("s3://status-site/pay/status/"),
            Ok(Target {
                bucket: "status-site".into(),
                prefix: "pay/status".into()
            })
        );
        assert_eq!(t("s3://status-site").map(|t| t.prefix), Ok(String::new()));
        for bad in [
            "http://x/y",
            "s3://",
            "s3://UPPER/x",
            "s3://ab",
            "s3://ok-bucket/../x",
        ] {
            assert!(t(bad).is_err(), "{bad}");
        }
    }
}
