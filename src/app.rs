//! Wiring: opens the store, builds the first snapshot, binds the listener, serves, and
//! runs the timer. Tests build the same `App` with port 0 and an injected clock.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::admin::{Admin, AdminParts};
use crate::config::Config;
use crate::console::{self, Console, ConsoleParts};
use crate::domain::{Clock, SessionLimits, SystemClock};
use crate::mail::{MailSetupError, Mailer, Sender};
use crate::mirror::{self, Bucket, BucketError, Exported, Mirror, MirrorStatus};
use crate::notify::{AddressPolicy, Channel, EmailChannel, WebhookChannel, Worker, guarded_client};
use crate::reports::{ReportParts, Reports};
use crate::request_log::{Face, log_request};
use crate::service::Writer;
use crate::snapshot::{BuildError, Publisher, Settings};
use crate::store::{DataDirLock, LockError, Store, StoreError};
use crate::subscribe::{self, SubscriptionParts, Subscriptions};
use crate::web::connections::{self, Limits, Observed};
use crate::web::throttle::{FailureThrottle, Policy};
use crate::web::{Assets, Metrics, MetricsToken, Site, SiteParts};
use crate::{admin, mail, reports, schedule, web};

/// What the app holds: the public site's and the admin API's state (each handed to its
/// routes), and what the timer needs.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub store: Store,
    pub publisher: Arc<Publisher>,
    /// The one write path every writer goes through.
    pub writer: Writer,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<Metrics>,
    pub site: Site,
    pub admin: Admin,
    pub console: Console,
    /// Email subscriptions, when a mail server is configured.
    pub subscriptions: Option<Subscriptions>,
    /// Customers' failure reports.
    pub reports: Reports,
    /// Last, so it is dropped after the database connections above: `restore` cannot
    /// replace the database while anything of this server still has it open.
    _data_dir_lock: DataDirLock,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Locked(#[from] LockError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot build the first snapshot: {0}")]
    Snapshot(#[from] BuildError),
    #[error("cannot start the background threads: {0}")]
    Threads(std::io::Error),
    #[error(transparent)]
    Mail(#[from] MailSetupError),
    #[error("cannot build the webhooks' HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    #[error("cannot set up the mirror: {0}")]
    Mirror(#[from] BucketError),
}

pub struct App {
    listener: TcpListener,
    router: Router,
    state: AppState,
    refresh: Duration,
    limits: Limits,
    shutdown: watch::Sender<bool>,
    base_url: String,
    worker: Worker,
    mirror: Option<Mirror>,
    trusted_proxies: Arc<[ipnet::IpNet]>,
}

/// Lets tests (and signals) drive a running app.
#[derive(Clone)]
pub struct AppHandle {
    state: AppState,
    shutdown: watch::Sender<bool>,
}

impl App {
    pub async fn build(config: Config) -> Result<App, StartError> {
        App::build_with_clock(config, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<App, StartError> {
        match connections::raise_open_file_limit() {
            Ok(files) if (files as u128) < config.max_connections as u128 + 64 => tracing::warn!(
                files,
                max_connections = config.max_connections,
                "the open-file limit is below the connection limit; connections beyond it are refused by the system"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot raise the open-file limit"),
        }
        let data_dir_lock = DataDirLock::acquire(&config.data_dir)?;
        let store = Store::open(&config.data_dir, clock.now())?;
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StartError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let bound = listener.local_addr().map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
        let base_url = config.base_url_for(bound);
        let assets = Assets::load();
        let settings = Arc::new(site_settings(
            &config,
            config.public_url_for(bound),
            &assets,
        ));
        let bucket = config
            .mirror_url
            .clone()
            .map(|target| Bucket::from_env(target, &config.mirror_aws))
            .transpose()?;
        let css_url = settings.css_url.clone();
        let publisher = Arc::new(
            Publisher::new(store.clone(), settings, clock.clone()).map_err(StartError::Threads)?,
        );
        let outbox = Arc::new(tokio::sync::Notify::new());
        let metrics = Arc::new(Metrics::default());
        let writer = Writer {
            store: store.clone(),
            publisher: publisher.clone(),
            clock: clock.clone(),
            timezone: config.timezone,
            default_lang: config.default_lang,
            outbox: outbox.clone(),
            timings: metrics.timings.clone(),
        };
        let policy = AddressPolicy {
            allow_private: config.webhook_allow_private,
        };
        let webhooks = WebhookChannel::new(publisher.clone(), guarded_client(policy)?, policy);
        let mut channels: Vec<Arc<dyn Channel>> = vec![Arc::new(webhooks)];
        // Email subscriptions, when a mail server is configured (both settings or none).
        let mail_parts = match (&config.smtp_url, &config.smtp_from) {
            (None, None) => None,
            (Some(url), Some(from)) => Some((
                Mailer::new(url, config.smtp_connections)?,
                Sender::new(
                    mail::read_from(from)?,
                    &config.site_name,
                    &base_url,
                    config.timezone,
                    mail::load_link_key(&config.data_dir)?,
                ),
            )),
            _ => return Err(MailSetupError::Half.into()),
        };
        if let Some((mailer, sender)) = &mail_parts {
            // Lossless: usize holds any u32 on every platform we build for.
            let connections = config.smtp_connections as usize;
            let email =
                EmailChannel::new(mailer.clone(), sender.clone(), clock.clone(), connections);
            channels.push(Arc::new(email));
        }
        let worker = Worker::new(store.clone(), clock.clone(), outbox, channels);
        let site = Site::new(SiteParts {
            publisher: publisher.clone(),
            store: store.clone(),
            clock: clock.clone(),
            assets,
            metrics: metrics.clone(),
            default_lang: config.default_lang,
            metrics_token: config.metrics_token.as_deref().map(MetricsToken::new),
            stale_after: stale_after(config.refresh_seconds),
            health: Default::default(),
        });
        let mirror = bucket.map(|bucket| {
            let status = Arc::new(MirrorStatus::default());
            // Its lag and errors in /metrics and /healthz, beside everything else.
            metrics.register(status.clone());
            site.health.add(status.clone());
            Mirror {
                publisher: publisher.clone(),
                site: site.clone(),
                default_lang: config.default_lang,
                bucket: Arc::new(bucket),
                status,
            }
        });
        let admin = Admin::new(AdminParts {
            writer: writer.clone(),
            store: store.clone(),
            clock: clock.clone(),
            timezone: config.timezone,
            base_url: base_url.clone(),
            key_uses: admin::KeyUses::default(),
            trusted_proxies: config.trusted_proxies.clone(),
            auth_throttle: FailureThrottle::new(Policy::auth(
                config.auth_failure_burst,
                Duration::from_secs(config.auth_failure_refill_seconds),
            )),
            metrics: metrics.clone(),
        });
        let console = Console::new(ConsoleParts {
            writer: writer.clone(),
            store: store.clone(),
            clock: clock.clone(),
            timezone: config.timezone,
            default_lang: config.default_lang,
            origin: console::origin_of(&base_url),
            secure_cookies: base_url.starts_with("https://"),
            limits: SessionLimits {
                idle: chrono::Duration::minutes(i64::from(config.session_idle_minutes)),
                ..SessionLimits::default()
            },
            login_throttle: FailureThrottle::new(Policy::auth(
                config.login_failure_burst,
                Duration::from_secs(config.auth_failure_refill_seconds),
            )),
            trusted_proxies: config.trusted_proxies.clone(),
        });
        let subscriptions = mail_parts.map(|(mailer, sender)| {
            Subscriptions::new(SubscriptionParts {
                writer: writer.clone(),
                store: store.clone(),
                mailer,
                sender,
                default_lang: config.default_lang,
                css_url,
                origin: console::origin_of(&base_url),
                trusted_proxies: config.trusted_proxies.clone(),
            })
        });
        let reports = Reports::new(ReportParts {
            store: store.clone(),
            publisher: publisher.clone(),
            clock: clock.clone(),
            outbox: writer.outbox.clone(),
            metrics: metrics.clone(),
            origin: console::origin_of(&base_url),
            trusted_proxies: config.trusted_proxies.clone(),
            rule: crate::domain::report::SpikeRule {
                threshold: config.report_threshold,
            },
        });
        let state = AppState(Arc::new(Shared {
            store,
            publisher,
            writer,
            clock,
            metrics,
            site,
            admin,
            console,
            subscriptions,
            reports,
            _data_dir_lock: data_dir_lock,
        }));
        // Windows that passed while we were down move before the first page is served; a
        // window that cannot move is logged and retried by the timer, never a reason not
        // to start. Only a first snapshot that cannot be built stops the start.
        let problems = state.tick_chores().await;
        if !problems.is_empty() {
            tracing::error!(problems = ?problems, "starting anyway; the timer retries");
        }
        state.refresh().await?;
        let router = router(
            state.clone(),
            Duration::from_secs(config.admin_timeout_seconds),
        );
        let (shutdown, _) = watch::channel(false);
        Ok(App {
            listener,
            router,
            state,
            refresh: Duration::from_secs(config.refresh_seconds),
            trusted_proxies: config.trusted_proxies.clone().into(),
            limits: Limits {
                header_timeout: Duration::from_secs(config.header_timeout_seconds),
                max_connections: usize::try_from(config.max_connections).unwrap_or(usize::MAX),
            },
            shutdown,
            base_url,
            worker,
            mirror,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn handle(&self) -> AppHandle {
        AppHandle {
            state: self.state.clone(),
            shutdown: self.shutdown.clone(),
        }
    }

    /// Serves until the handle says stop (or the process is told to).
    pub async fn run(self) -> std::io::Result<()> {
        let timer = tokio::spawn(run_timer(
            self.handle(),
            self.refresh,
            self.shutdown.subscribe(),
        ));
        let worker = tokio::spawn(self.worker.run());
        let mirror = self
            .mirror
            .map(|m| tokio::spawn(m.run(self.shutdown.subscribe())));
        let result = connections::serve(
            self.listener,
            self.router,
            self.limits,
            Observed {
                metrics: self.state.metrics.clone(),
                trusted_proxies: self.trusted_proxies,
            },
            self.shutdown.subscribe(),
        )
        .await;
        timer.abort();
        if let Some(mirror) = mirror {
            // Uploads in flight are dropped; the next start reconciles the bucket.
            mirror.abort();
            if let Err(e) = mirror.await
                && e.is_panic()
            {
                tracing::error!(error = %e, "the mirror had panicked");
            }
        }
        // Attempts in flight are dropped with it; their leases run out and the next
        // server sends them again.
        worker.abort();
        if let Err(e) = worker.await
            && e.is_panic()
        {
            tracing::error!(error = %e, "the outbox's worker had panicked");
        }
        // Its handle shares the state (and so the data directory's lock): let it go now.
        if let Err(e) = timer.await
            && e.is_panic()
        {
            tracing::error!(error = %e, "the timer had panicked");
        }
        result
    }
}

/// A tick that did all it could, but not all of it: each problem in plain words.
#[derive(Debug, thiserror::Error)]
#[error("the timer's tick met {} problem(s): {}", .0.len(), .0.join("; "))]
pub struct TickError(pub Vec<String>);

/// A snapshot older than this fails `/healthz`: ten missed rebuilds, and at least five
/// minutes, so a slow build under load is not mistaken for a stopped timer.
fn stale_after(refresh_seconds: u64) -> chrono::Duration {
    // The setting is at most an hour; the cap only keeps the arithmetic in range.
    let seconds = refresh_seconds.saturating_mul(10).clamp(300, 86_400 * 365);
    chrono::Duration::seconds(seconds as i64)
}

impl AppState {
    /// Rebuilds the snapshot for the passing of time, timed for `/metrics`.
    async fn refresh(&self) -> Result<(), BuildError> {
        let started = std::time::Instant::now();
        self.publisher.refresh().await?;
        self.metrics
            .timings
            .snapshot_build
            .observe(started.elapsed());
        Ok(())
    }

    /// Everything the clock does besides rebuilding: due maintenance windows, the keys'
    /// last use, customers' reports to forget and spikes to end, and a probe of a database
    /// that refused writes. Each runs whatever the
    /// others did; the problems are returned together.
    async fn tick_chores(&self) -> Vec<String> {
        let mut problems = Vec::new();
        match schedule::run_due_transitions(&self.writer).await {
            Ok(done) => {
                self.metrics
                    .transition_failures
                    .fetch_add(done.failed.len() as u64, Ordering::Relaxed);
                for (id, e) in done.failed {
                    problems.push(format!("maintenance {id} could not move: {e}"));
                }
            }
            Err(e) => problems.push(format!("cannot read the due maintenance windows: {e}")),
        }
        if let Err(e) = schedule::release_flapping(&self.writer).await {
            problems.push(format!("cannot let go of flapping channels: {e}"));
        }
        if let Err(e) = subscribe::forget_unconfirmed(&self.store, self.clock.now()).await {
            problems.push(format!("cannot forget unconfirmed subscribers: {e}"));
        }
        if let Err(e) = self.reports.chores().await {
            problems.push(format!(
                "cannot forget old customers' reports or end their spikes: {e}"
            ));
        }
        if let Err(e) = self.admin.key_uses.flush(&self.store).await {
            problems.push(format!("cannot record when keys were last used: {e}"));
        }
        // Nobody may be writing while the database recovers: find out here, so
        // `/healthz` turns back to ok without waiting for an operator.
        if self.store.fault().is_some()
            && let Err(e) = self.store.probe_write().await
        {
            problems.push(format!("the database still refuses writes: {e}"));
        }
        problems
    }
}

impl AppHandle {
    /// Moves due maintenance windows, records key uses and rebuilds the snapshot, as the
    /// timer does. The rebuild runs whatever happened before it.
    pub async fn tick(&self) -> Result<(), TickError> {
        let mut problems = self.state.tick_chores().await;
        // Retries that came due with the clock are sent now, not at the next poll.
        self.state.writer.outbox.notify_one();
        if let Err(e) = self.state.refresh().await {
            problems.push(format!("cannot rebuild the page: {e}"));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(TickError(problems))
        }
    }

    pub fn shutdown(&self) {
        let _ = self.shutdown.send(true);
    }

    pub fn store(&self) -> &Store {
        &self.state.store
    }

    pub fn publisher(&self) -> &Publisher {
        &self.state.publisher
    }
}

async fn run_timer(handle: AppHandle, every: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        let now = handle.state.clock.now();
        // Wake at the next window boundary if it comes before the regular refresh.
        let wait = match schedule::next_boundary(&handle.state.store, now).await {
            Ok(Some(t)) => (t - now).to_std().unwrap_or_default().min(every),
            Ok(None) => every,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the next maintenance boundary; waking at the regular refresh");
                every
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        if let Err(e) = handle.tick().await {
            tracing::error!(error = %e, "the timer's tick was incomplete; the last good snapshot stays live where it could not be rebuilt");
        }
    }
}

/// What rendering needs to know of the configuration; `public_url` is where readers
/// reach the pages (absolute links name it).
fn site_settings(config: &Config, public_url: String, assets: &Assets) -> Settings {
    Settings {
        site_name: config.site_name.clone(),
        base_url: public_url,
        timezone: config.timezone,
        default_lang: config.default_lang,
        css_url: assets.url("style.css"),
        embed_css_url: assets.url("embed-frame.css"),
        embed_js_url: assets.url("embed-frame.js"),
        subscriptions: config.smtp_url.is_some(),
    }
}

/// `paystatus export DIR`: builds a snapshot from the database (the server may be
/// running) and writes the public surface to `dir` as static files.
pub async fn export(config: Config, dir: PathBuf) -> Result<Exported, ExportFailure> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = Store::open(&config.data_dir, clock.now())?;
    let assets = Assets::load();
    let public_url = config.public_url_for(config.listen);
    let settings = Arc::new(site_settings(&config, public_url, &assets));
    let publisher = Arc::new(
        Publisher::new(store.clone(), settings, clock.clone()).map_err(StartError::Threads)?,
    );
    publisher.refresh().await.map_err(StartError::Snapshot)?;
    let files = mirror::surface(&publisher, &assets, config.default_lang)
        .await
        .map_err(StartError::Snapshot)?;
    let generated_at = clock
        .now()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    tokio::task::spawn_blocking(move || mirror::write_export(&dir, &files, generated_at))
        .await
        .map_err(|e| ExportFailure::Task(e.to_string()))?
        .map_err(ExportFailure::Write)
}

#[derive(Debug, thiserror::Error)]
pub enum ExportFailure {
    #[error(transparent)]
    Start(#[from] StartError),
    #[error(transparent)]
    Write(mirror::ExportError),
    #[error("the export's writing task failed: {0}")]
    Task(String),
}

impl From<StoreError> for ExportFailure {
    fn from(e: StoreError) -> ExportFailure {
        ExportFailure::Start(e.into())
    }
}

/// The public site and, under `/api/admin/v1`, the admin API, each with its own state.
pub fn router(state: AppState, admin_timeout: Duration) -> Router {
    let admin = admin::router()
        .layer(middleware::from_fn_with_state(admin_timeout, time_limit))
        .layer(middleware::from_fn_with_state(
            Face {
                name: "admin",
                metrics: state.metrics.clone(),
            },
            log_request,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(256 * 1024))
        .with_state(state.admin.clone());
    let console = console::router()
        .layer(middleware::from_fn_with_state(admin_timeout, time_limit))
        .layer(middleware::from_fn_with_state(
            Face {
                name: "console",
                metrics: state.metrics.clone(),
            },
            log_request,
        ))
        .with_state(state.console.clone());
    let public = web::public::router()
        .fallback(fallback)
        .with_state(state.site.clone())
        .nest("/api/admin/v1", admin)
        .merge(console)
        .merge(reports::router().with_state(state.reports.clone()));
    match &state.subscriptions {
        Some(s) => public.merge(subscribe::router().with_state(s.clone())),
        None => public,
    }
}

async fn fallback(State(site): State<Site>, req: Request) -> Response {
    let (req, _) = req.into_parts();
    if req.uri.path().starts_with("/api/admin/") {
        return axum::response::IntoResponse::into_response(crate::error::Error::NotFound(
            "route".into(),
        ));
    }
    web::public::not_found(&site, &req)
}

/// Bounds an admin request, reading its body included, so a client trickling bytes
/// cannot hold a request (and what it waits for) open.
async fn time_limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => axum::response::IntoResponse::into_response(crate::error::Error::Timeout(limit)),
    }
}
