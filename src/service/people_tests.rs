//! People and sessions against a real store: the password policy, unique emails,
//! logins (one refusal for every failure, nothing written), disabling, the idle and
//! absolute limits, and logout.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::people::{self, LiveSession, NewSession};
use super::{Ctx, Who, execute};
use crate::domain::{Role, Scope, SessionLimits, new_person};
use crate::error::Error;
use crate::store::{self, Reader, Store};

const PASSWORD: &str = "correct horse battery";

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, h, m, 0).unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    limits: SessionLimits,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), t(5, 0)).unwrap();
        Fixture {
            _dir: dir,
            store,
            limits: SessionLimits::default(),
        }
    }

    fn run<T>(
        &self,
        now: DateTime<Utc>,
        command: impl FnOnce(&rusqlite::Transaction, &Ctx) -> Result<super::Done<T>, Error>,
    ) -> Result<T, Error> {
        self.store
            .write_blocking(|tx| execute(tx, &Ctx::at(now, Who::cli()), command))
    }

    fn create(&self, email: &str, role: Role) -> Result<crate::domain::Person, Error> {
        let hash = people::hash_new_password(PASSWORD)?;
        self.run(t(5, 0), |tx, ctx| {
            people::create_person(tx, ctx, email, role, &hash)
        })
    }

    /// The whole login: a read, the verification with no connection held, a write.
    fn log_in(&self, now: DateTime<Utc>, email: &str, password: &str) -> Result<NewSession, Error> {
        let candidate = self
            .store
            .read_blocking(Reader::Operator, |c| people::login_candidate(c, email))?;
        let verified = candidate.verify(password)?;
        self.store.write_blocking(|tx| {
            execute(
                tx,
                &Ctx::at(now, Who::person(verified.person())),
                |tx, ctx| people::log_in(tx, ctx, &verified, &self.limits),
            )
        })
    }

    /// The session of `token` at `now`, its use written as the HTTP layer would.
    fn use_session(&self, token: &str, now: DateTime<Utc>) -> Option<LiveSession> {
        let live = self
            .store
            .read_blocking(Reader::Operator, |c| {
                people::session_for(c, token, now, &self.limits)
            })
            .unwrap();
        if let Some(touch) = live.as_ref().and_then(|l| l.touch.as_ref()) {
            self.store
                .write_blocking(|tx| people::touch_session(tx, touch))
                .unwrap();
        }
        live
    }

    fn audit(&self) -> Vec<store::AuditEntry> {
        self.store
            .read_blocking(Reader::Operator, |tx| store::audit_page(tx, None, 100))
            .unwrap()
    }

    fn actions(&self) -> Vec<String> {
        self.audit().into_iter().map(|e| e.action).collect()
    }
}

#[test]
fn a_short_password_is_refused_before_anything_is_written() {
    let f = Fixture::new();
    match people::hash_new_password("eleven char") {
        Err(Error::Invalid(errors)) => assert_eq!(errors[0].field, "password"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(f.actions().is_empty());
}

#[test]
fn an_email_is_taken_once_whatever_its_case_and_the_audit_keeps_no_hash() {
    let f = Fixture::new();
    let kim = f.create(" Kim@Example.com ", Role::Editor).unwrap();
    assert_eq!(kim.email, "kim@example.com");
    match f.create("KIM@example.COM", Role::Admin) {
        Err(Error::Invalid(errors)) => {
            assert_eq!(errors[0].field, "email");
            assert!(errors[0].message.contains("already"), "{errors:?}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    match f.create("kim", Role::Admin) {
        Err(Error::Invalid(errors)) => assert_eq!(errors[0].field, "email"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let audit = f.audit();
    assert_eq!(audit.len(), 1, "only the first was written");
    assert_eq!(audit[0].action, "person.create");
    let detail = audit[0].detail.as_ref().unwrap().to_string();
    assert!(detail.contains("kim@example.com") && detail.contains("editor"));
    assert!(
        !detail.contains("argon2") && !detail.contains(PASSWORD),
        "{detail}"
    );
}

#[test]
fn a_login_makes_a_new_session_each_time_and_failures_write_nothing() {
    let f = Fixture::new();
    f.create("kim@example.com", Role::Editor).unwrap();

    let first = f.log_in(t(9, 0), "KIM@example.com", PASSWORD).unwrap();
    let second = f.log_in(t(9, 1), "kim@example.com", PASSWORD).unwrap();
    assert_ne!(first.token, second.token, "never a reused token");
    assert_ne!(first.csrf_token, second.csrf_token);
    assert_eq!(first.person.last_login_at, Some(t(9, 0)));
    assert!(!format!("{first:?}").contains(&first.token));

    let live = f.use_session(&first.token, t(9, 2)).unwrap();
    assert_eq!(live.session.person.email, "kim@example.com");
    assert_eq!(live.session.csrf_token, first.csrf_token);
    assert!(live.session.person.has(Scope::Incidents));
    assert_eq!(live.session.person.last_login_at, Some(t(9, 1)));

    let audit_before = f.actions();
    for (email, password) in [
        ("kim@example.com", "wrong password!"),
        ("lee@example.com", PASSWORD),
        ("not an email", PASSWORD),
    ] {
        let refused = f.log_in(t(9, 3), email, password);
        assert!(
            matches!(refused, Err(Error::LoginRefused)),
            "{email}: {refused:?}"
        );
    }
    assert_eq!(f.actions(), audit_before, "failed logins are not written");
    assert_eq!(
        audit_before,
        ["session.login", "session.login", "person.create"]
    );
    assert!(f.use_session("not a token", t(9, 3)).is_none());
}

#[test]
fn disabling_a_person_ends_their_sessions_and_stops_their_logins() {
    let f = Fixture::new();
    f.create("kim@example.com", Role::Admin).unwrap();
    let a = f.log_in(t(9, 0), "kim@example.com", PASSWORD).unwrap();
    let b = f.log_in(t(9, 0), "kim@example.com", PASSWORD).unwrap();
    // A login verified before the disabling, written after it.
    let candidate = f
        .store
        .read_blocking(Reader::Operator, |c| {
            people::login_candidate(c, "kim@example.com")
        })
        .unwrap();
    let verified = candidate.verify(PASSWORD).unwrap();

    let kim = f
        .run(t(9, 5), |tx, ctx| {
            people::disable_person(tx, ctx, "Kim@example.com")
        })
        .unwrap();
    assert_eq!(kim.disabled_at, Some(t(9, 5)));
    assert!(f.use_session(&a.token, t(9, 6)).is_none());
    assert!(f.use_session(&b.token, t(9, 6)).is_none());
    assert!(matches!(
        f.log_in(t(9, 7), "kim@example.com", PASSWORD),
        Err(Error::LoginRefused)
    ));
    let late = f.run(t(9, 7), |tx, ctx| {
        people::log_in(tx, ctx, &verified, &f.limits)
    });
    assert!(matches!(late, Err(Error::LoginRefused)), "{late:?}");

    let again = f
        .run(t(9, 8), |tx, ctx| {
            people::disable_person(tx, ctx, "kim@example.com")
        })
        .unwrap();
    assert_eq!(again.disabled_at, Some(t(9, 5)), "the first time is kept");
    let audit = f.audit();
    assert_eq!(audit[1].action, "person.disable");
    assert_eq!(audit[1].detail.as_ref().unwrap()["sessions_ended"], 2);
    let unknown = f.run(t(9, 9), |tx, ctx| {
        people::disable_person(tx, ctx, "lee@example.com")
    });
    assert!(matches!(unknown, Err(Error::NotFound(_))), "{unknown:?}");
}

#[test]
fn a_session_unused_for_the_idle_limit_is_over() {
    let f = Fixture::new();
    f.create("kim@example.com", Role::Viewer).unwrap();
    let s = f.log_in(t(9, 0), "kim@example.com", PASSWORD).unwrap();

    let used = f.use_session(&s.token, t(9, 29)).unwrap();
    assert!(used.touch.is_some(), "29 minutes since the last use");
    let soon = f
        .use_session(&s.token, t(9, 29) + Duration::seconds(30))
        .unwrap();
    assert!(soon.touch.is_none(), "at most one write a minute");
    assert!(f.use_session(&s.token, t(9, 58)).is_some(), "used at 9:29");
    assert!(
        f.use_session(&s.token, t(10, 28)).is_none(),
        "unused since 9:58"
    );
}

#[test]
fn a_session_ends_after_the_absolute_limit_however_busy() {
    let f = Fixture::new();
    f.create("kim@example.com", Role::Viewer).unwrap();
    let s = f.log_in(t(9, 0), "kim@example.com", PASSWORD).unwrap();
    // Used every ten minutes, up to 20:50.
    for i in 1..72 {
        let now = t(9, 0) + Duration::minutes(10 * i);
        assert!(f.use_session(&s.token, now).is_some(), "{now}");
    }
    assert!(f.use_session(&s.token, t(21, 0)).is_none(), "12 hours");
}

#[test]
fn logging_out_ends_that_session_only() {
    let f = Fixture::new();
    f.create("kim@example.com", Role::Editor).unwrap();
    let a = f.log_in(t(9, 0), "kim@example.com", PASSWORD).unwrap();
    let b = f.log_in(t(9, 0), "kim@example.com", PASSWORD).unwrap();

    f.run(t(9, 5), |tx, ctx| people::log_out(tx, ctx, &a.token))
        .unwrap();
    assert!(f.use_session(&a.token, t(9, 6)).is_none());
    assert!(f.use_session(&b.token, t(9, 6)).is_some());
    let twice = f.run(t(9, 7), |tx, ctx| people::log_out(tx, ctx, &a.token));
    assert!(matches!(twice, Err(Error::NotFound(_))), "{twice:?}");
    assert_eq!(f.actions()[0], "session.logout");
}

#[test]
fn a_role_change_applies_to_open_sessions() {
    let f = Fixture::new();
    f.create("kim@example.com", Role::Viewer).unwrap();
    let s = f.log_in(t(9, 0), "kim@example.com", PASSWORD).unwrap();
    let kim = f
        .run(t(9, 1), |tx, ctx| {
            people::set_role(tx, ctx, "kim@example.com", Role::Editor)
        })
        .unwrap();
    assert_eq!(kim.role, Role::Editor);
    let live = f.use_session(&s.token, t(9, 2)).unwrap();
    assert_eq!(live.session.person.role, Role::Editor);
    let audit = f.audit();
    assert_eq!(audit[0].action, "person.role");
    assert_eq!(audit[0].detail.as_ref().unwrap()["from"], "viewer");
}

#[test]
fn dead_sessions_are_removed_and_live_ones_kept() {
    let f = Fixture::new();
    f.create("kim@example.com", Role::Viewer).unwrap();
    let old = f.log_in(t(9, 0), "kim@example.com", PASSWORD).unwrap();
    let ended = f.log_in(t(9, 0), "kim@example.com", PASSWORD).unwrap();
    f.run(t(9, 1), |tx, ctx| people::log_out(tx, ctx, &ended.token))
        .unwrap();
    // A login removes the person's dead sessions: one ended, one idle.
    let fresh = f.log_in(t(10, 0), "kim@example.com", PASSWORD).unwrap();
    let removed = f
        .store
        .write_blocking(|tx| people::remove_dead_sessions(tx, t(10, 1), &f.limits))
        .unwrap();
    assert_eq!(removed, 0, "the login removed them already");
    assert!(f.use_session(&old.token, t(10, 1)).is_none());
    assert!(f.use_session(&fresh.token, t(10, 1)).is_some());
    let later = f
        .store
        .write_blocking(|tx| people::remove_dead_sessions(tx, t(11, 0), &f.limits))
        .unwrap();
    assert_eq!(later, 1, "idle since 10:01");
}

#[test]
fn a_damaged_password_hash_refuses_the_login_rather_than_matching() {
    let f = Fixture::new();
    let kim = new_person("kim@example.com", Role::Admin, t(5, 0)).unwrap();
    f.store
        .write_blocking(|tx| store::insert_person(tx, &kim, "not a hash"))
        .unwrap();
    for password in [PASSWORD, "", "not a hash"] {
        assert!(matches!(
            f.log_in(t(9, 0), "kim@example.com", password),
            Err(Error::LoginRefused)
        ));
    }
}
