//! The public surface beyond this process: written to a folder as static files
//! (`paystatus export DIR`) and mirrored to an S3-compatible bucket after every
//! published snapshot (`PAYSTATUS_MIRROR_URL`), for a CDN to serve when this server or
//! its network is down. Both copy the same files ([`surface`]): the bytes the server
//! sends, at the paths the pages link to, which a static host can serve.

mod bucket;
mod export;
mod live;
mod manifest;
mod surface;

pub use bucket::{Bucket, BucketError, Target};
pub use export::{ExportError, Exported, write as write_export};
pub use live::{Mirror, MirrorReport, MirrorStatus};
pub use manifest::{Entry, MANIFEST, Manifest};
pub use surface::{Surface, file_path, surface};
