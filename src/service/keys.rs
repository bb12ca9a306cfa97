//! Commands about API keys: make one (its secret is shown once and kept only as a hash)
//! and revoke one (effective at once).

use rusqlite::Transaction;
use serde_json::json;

use super::{Audit, Ctx, Done};
use crate::domain::{ApiKey, Scope, new_key};
use crate::error::Error;
use crate::store;

/// A key just made, and its secret: the only time the secret exists outside the hands
/// of the one who asked.
#[derive(Debug)]
pub struct MadeKey {
    pub key: ApiKey,
    pub secret: String,
}

pub fn create(
    tx: &Transaction,
    ctx: &Ctx,
    name: &str,
    scopes: &[Scope],
) -> Result<Done<MadeKey>, Error> {
    let (key, secret, hash) =
        new_key(name, scopes, ctx.now).map_err(|e| Error::Invalid(vec![e]))?;
    store::insert_key(tx, &key, &hash)?;
    let audit = Audit {
        action: "key.create",
        target: Some(key.id.clone()),
        detail: Some(json!({ "name": key.name, "scopes": key.scopes })),
    };
    Ok(Done {
        value: MadeKey { key, secret },
        audit,
    })
}

/// Revokes the key `id`; revoking twice keeps the first time.
pub fn revoke(tx: &Transaction, ctx: &Ctx, id: &str) -> Result<Done<ApiKey>, Error> {
    if !store::revoke_key(tx, id, ctx.now)? {
        return Err(Error::NotFound("key".into()));
    }
    let key = store::key_by_id(tx, id)?.ok_or_else(|| Error::NotFound("key".into()))?;
    let audit = Audit {
        action: "key.revoke",
        target: Some(key.id.clone()),
        detail: Some(json!({ "name": key.name, "scopes": key.scopes })),
    };
    Ok(Done { value: key, audit })
}
