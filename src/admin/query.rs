//! The query-string extractor: a malformed query (such as a repeated parameter) is
//! answered in our problem+json shape, like every other client error.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::domain::FieldErrors;
use crate::error::Error;
use crate::store::ListFilter;

pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| QueryParams(v))
            .map_err(|e| Error::invalid("query", e.body_text()))
    }
}

/// A query value as sent: read into its type, or the text it was (refused with the
/// query's other problems by `read`). Each is described by the schema of what it accepts.
macro_rules! query_value {
    ($(#[$doc:meta])* $name:ident of $t:ty, $refusal:literal, $parse:expr, $schema:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum $name {
            Known($t),
            Unknown(String),
        }

        impl $name {
            /// The value sent, `default` when none was, or a refusal naming `field`.
            pub fn read(sent: &Option<$name>, field: &str, default: $t, errors: &mut FieldErrors) -> $t {
                match sent {
                    None => default,
                    Some($name::Known(v)) => v.clone(),
                    Some($name::Unknown(s)) => {
                        errors.push(field, format!("`{s}` {}", $refusal));
                        default
                    }
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let s = String::deserialize(d)?;
                let parse: fn(&str) -> Option<$t> = $parse;
                Ok(parse(&s).map_or($name::Unknown(s), $name::Known))
            }
        }

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                let schema: ObjectBuilder = $schema;
                schema.into()
            }
        }
        impl ToSchema for $name {}
    };
}

query_value!(
    /// Items per page: 1 to 200.
    PageLimit of usize, "is not a number from 1 to 200",
    |s| s.parse().ok().filter(|n| (1..=200).contains(n)),
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .minimum(Some(1))
        .maximum(Some(200))
);
query_value!(
    /// An audit entry id, where a page of the log starts.
    EntryId of i64, "is not an entry id",
    |s| s.parse().ok(),
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
);
query_value!(
    /// Which notices a list holds.
    StatusFilter of ListFilter, "is not a filter; expected open, closed or all",
    |s| match s {
        "all" => Some(ListFilter::All),
        "open" => Some(ListFilter::Open),
        "closed" => Some(ListFilter::Closed),
        _ => None,
    },
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["open", "closed", "all"]))
);

/// What an incident report is sent as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Json,
    /// The timeline as CSV.
    Csv,
}

query_value!(
    /// `json` (the default) or `csv` (the timeline).
    ReportFormatValue of ReportFormat, "is not a format; expected json or csv",
    |s| match s {
        "json" => Some(ReportFormat::Json),
        "csv" => Some(ReportFormat::Csv),
        _ => None,
    },
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["json", "csv"]))
);
query_value!(
    /// A day, `YYYY-MM-DD`, in the page's time zone.
    LocalDate of chrono::NaiveDate, "is not a date (YYYY-MM-DD)",
    |s| {
        let well_formed = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
        well_formed.then(|| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()).flatten()
    },
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
);
