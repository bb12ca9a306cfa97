//! Server configuration: flags that mirror `PAYSTATUS_*` environment variables.
//! With nothing set, the server runs on 127.0.0.1:8080 with its database in ./data.

use std::net::SocketAddr;
use std::path::PathBuf;

use chrono_tz::Tz;
use ipnet::IpNet;

use crate::domain::Lang;

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address and port to listen on (port 0 picks a free one).
    #[arg(long, env = "PAYSTATUS_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Directory holding the database (created if missing).
    #[arg(long, env = "PAYSTATUS_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Public address of the status page, for absolute links in feeds and JSON
    /// (default: http://<listen address>).
    #[arg(long, env = "PAYSTATUS_BASE_URL")]
    pub base_url: Option<String>,

    /// Where readers reach the public pages when a CDN serves them from the mirror's
    /// bucket (`https://status.example.com`): absolute links in feeds and JSON and the
    /// banner's snippet name it. Default: the base URL.
    #[arg(long, env = "PAYSTATUS_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Mirrors every published snapshot to `s3://bucket/prefix`; region, credentials
    /// and endpoint come from the standard AWS_* variables (AWS_ENDPOINT_URL for a
    /// self-hosted store).
    #[arg(long, env = "PAYSTATUS_MIRROR_URL")]
    pub mirror_url: Option<crate::mirror::Target>,

    /// `AWS_*` settings given in code over the process's environment (tests, which share
    /// one environment, each talk to their own store).
    #[arg(skip)]
    pub mirror_aws: Vec<(String, String)>,

    /// Name shown in the page title, feeds and JSON.
    #[arg(long, env = "PAYSTATUS_SITE_NAME", default_value = "paystatus")]
    pub site_name: String,

    /// Time zone all times are shown in (IANA name).
    #[arg(long, env = "PAYSTATUS_TIMEZONE", default_value = "Asia/Seoul", value_parser = parse_tz)]
    pub timezone: Tz,

    /// Language for readers who ask for neither Korean nor English, and for plain-string text input.
    #[arg(long, env = "PAYSTATUS_DEFAULT_LANG", default_value = "ko", value_parser = parse_lang)]
    pub default_lang: Lang,

    /// Seconds between timer rebuilds (relative times, maintenance windows).
    #[arg(long, env = "PAYSTATUS_REFRESH_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub refresh_seconds: u64,

    /// Seconds a client may take to send its request headers; idle keep-alive
    /// connections are closed after the same time.
    #[arg(long, env = "PAYSTATUS_HEADER_TIMEOUT_SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub header_timeout_seconds: u64,

    /// Open connections at most; more wait in the listen queue until others close.
    #[arg(long, env = "PAYSTATUS_MAX_CONNECTIONS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(16..=1_000_000))]
    pub max_connections: u64,

    /// Seconds an admin request may take, reading its body included.
    #[arg(long, env = "PAYSTATUS_ADMIN_TIMEOUT_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub admin_timeout_seconds: u64,

    /// Wrong API keys a client (or one key prefix) may send at once before it is answered
    /// 429; a person mistyping never meets it.
    #[arg(long, env = "PAYSTATUS_AUTH_FAILURE_BURST", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub auth_failure_burst: u32,

    /// Seconds after which one more wrong key is forgiven (3: a guesser is held to twenty a
    /// minute).
    #[arg(long, env = "PAYSTATUS_AUTH_FAILURE_REFILL_SECONDS", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub auth_failure_refill_seconds: u64,

    /// Minutes a console session may sit unused before its person must sign in again.
    #[arg(long, env = "PAYSTATUS_SESSION_IDLE_MINUTES", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=1440))]
    pub session_idle_minutes: u32,

    /// Wrong console passwords a client (or one email) may send at once before it is
    /// answered 429.
    #[arg(long, env = "PAYSTATUS_LOGIN_FAILURE_BURST", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub login_failure_burst: u32,

    /// Reverse proxies (IP addresses or CIDR ranges, comma-separated) whose
    /// `X-Forwarded-For` names the client. Without them the socket's address is the client.
    #[arg(long, env = "PAYSTATUS_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_proxy)]
    pub trusted_proxies: Vec<IpNet>,

    /// The mail server for email subscriptions, in lettre's URL form: `smtp://host:port`,
    /// `smtps://user:pass@host` (TLS), `smtp://host:587?tls=required` (STARTTLS). Unset:
    /// subscriptions are off and the page does not offer them.
    #[arg(long, env = "PAYSTATUS_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of subscription mails: `status@example.com` or
    /// `Status <status@example.com>`. Required with PAYSTATUS_SMTP_URL.
    #[arg(long, env = "PAYSTATUS_SMTP_FROM")]
    pub smtp_from: Option<String>,

    /// SMTP connections kept open for subscription mails, each sending one mail at a
    /// time: 32 mail 10,000 subscribers in about 15 s; lower it for a mail server that
    /// allows fewer connections at once.
    #[arg(long, env = "PAYSTATUS_SMTP_CONNECTIONS", default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub smtp_connections: u32,

    /// Customers' failure reports of one channel within 5 minutes (distinct clients) that
    /// make a spike, when also at least 5 times the channel's usual rate: shown in the
    /// console, `paystatus_customer_report_spike` in /metrics, and a `reports.spike` event.
    #[arg(long, env = "PAYSTATUS_REPORT_THRESHOLD", default_value_t = crate::domain::report::DEFAULT_THRESHOLD, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub report_threshold: u32,

    /// A token `/metrics` requires as `Authorization: Bearer <token>`. Unset: `/metrics`
    /// is open to anyone who can reach it.
    #[arg(long, env = "PAYSTATUS_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// Lets webhooks reach loopback, private and link-local addresses (`1`): for tests
    /// and deployments whose receivers are on the inside. Off, such addresses are refused.
    #[arg(long, env = "PAYSTATUS_WEBHOOK_ALLOW_PRIVATE", default_value_t = false, value_parser = parse_flag)]
    pub webhook_allow_private: bool,
}

fn parse_flag(s: &str) -> Result<bool, String> {
    match s.trim() {
        "1" | "true" => Ok(true),
        "0" | "false" | "" => Ok(false),
        other => Err(format!("`{other}` is neither 1 nor 0")),
    }
}

fn parse_proxy(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{s}` is neither an IP address nor a CIDR range such as 10.0.0.0/8"))
}

fn parse_tz(s: &str) -> Result<Tz, String> {
    s.parse::<Tz>()
        .map_err(|_| format!("`{s}` is not an IANA time zone such as Asia/Seoul"))
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("`{s}` is not a supported language (ko, en)"))
}

impl Config {
    /// A configuration for tests: port 0 on loopback, data in `data_dir`.
    pub fn for_tests(data_dir: PathBuf) -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            base_url: None,
            public_url: None,
            mirror_url: None,
            mirror_aws: Vec::new(),
            site_name: "paystatus".into(),
            timezone: chrono_tz::Asia::Seoul,
            default_lang: Lang::Ko,
            refresh_seconds: 30,
            header_timeout_seconds: 10,
            max_connections: 10_000,
            admin_timeout_seconds: 30,
            auth_failure_burst: 20,
            auth_failure_refill_seconds: 3,
            session_idle_minutes: 30,
            login_failure_burst: 10,
            trusted_proxies: Vec::new(),
            metrics_token: None,
            smtp_url: None,
            smtp_from: None,
            smtp_connections: 32,
            report_threshold: crate::domain::report::DEFAULT_THRESHOLD,
            webhook_allow_private: false,
        }
    }

    /// Where the public pages are read: the public URL, else the base URL.
    pub fn public_url_for(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => self.base_url_for(bound),
        }
    }

    /// The base URL without a trailing slash, given the address actually bound.
    pub fn base_url_for(&self, bound: SocketAddr) -> String {
        match &self.base_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => format!("http://{bound}"),
        }
    }
}
