//! Email subscriptions against a real SMTP server: aiosmtpd (from `.ci/venv`, installed
//! by `.ci/run`) writes every mail it receives to a Maildir the tests read. Notice mails
//! are sent by the app's own outbox worker, end to end.

use std::path::{Path, PathBuf};
use std::time::Duration;

use paystatus::domain::Event;
use paystatus::mail::{self, Sender};
use paystatus::store::{self, Reader};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::process::{Child, Command};

use crate::helpers::*;

/// A running aiosmtpd and the Maildir it writes to.
struct Smtp {
    _child: Child,
    port: u16,
    dir: TempDir,
}

fn python() -> TestResult<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/venv/bin/python");
    if venv.exists() {
        return Ok(venv);
    }
    Err(format!(
        "{} is missing: make it with `python3 -m venv .ci/venv && .ci/venv/bin/pip install aiosmtpd==1.4.6` (.ci/run does)",
        venv.display()
    )
    .into())
}

impl Smtp {
    async fn start() -> TestResult<Smtp> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let dir = tempfile::tempdir()?;
        let child = Command::new(python()?)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("mail"))
            .kill_on_drop(true)
            .spawn()?;
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(Smtp {
                    _child: child,
                    port,
                    dir,
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err("aiosmtpd did not start listening".into())
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every mail received so far, raw.
    fn mails(&self) -> TestResult<Vec<String>> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.dir.path().join("mail").join(sub)) else {
                continue;
            };
            for e in entries {
                out.push(std::fs::read_to_string(e?.path())?);
            }
        }
        Ok(out)
    }

    /// Waits until `n` mails have arrived.
    async fn wait_for(&self, n: usize) -> TestResult<Vec<String>> {
        for _ in 0..200 {
            let mails = self.mails()?;
            if mails.len() >= n {
                return Ok(mails);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!("{} mails arrived, not {n}", self.mails()?.len()).into())
    }
}

/// A mail's body with quoted-printable undone (soft breaks joined, `=XX` decoded).
fn decoded(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The value of header `name` in a raw mail ("" when absent).
fn mail_header(raw: &str, name: &str) -> String {
    let prefix = format!("{}:", name.to_lowercase());
    raw.lines()
        .take_while(|l| !l.is_empty())
        .find(|l| l.to_lowercase().starts_with(&prefix))
        .map(|l| l[prefix.len()..].trim().to_string())
        .unwrap_or_default()
}

/// The first link in `text` starting with `prefix`, up to the end of its token.
fn link(text: &str, prefix: &str) -> Option<String> {
    let start = text.find(prefix)?;
    let rest = &text[start..];
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || "/:._-?=".contains(c)))
        .unwrap_or(rest.len());
    Some(rest[..end].to_string())
}

async fn app_with(smtp: &Smtp) -> TestApp {
    let url = smtp.url();
    spawn_app_configured(move |c| {
        c.smtp_url = Some(url);
        c.smtp_from = Some("Status <status@example.com>".into());
    })
    .await
}

async fn subscribe(app: &TestApp, form: &[(&str, &str)]) -> reqwest::Result<reqwest::Response> {
    app.client
        .post(format!("{}/subscribe", app.address))
        .form(form)
        .send()
        .await
}

async fn post(app: &TestApp, url: &str, body: &str) -> reqwest::Result<reqwest::Response> {
    app.client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_string())
        .send()
        .await
}

/// Whether `email` is stored, and confirmed.
fn stored(app: &TestApp, email: &str) -> TestResult<Option<bool>> {
    let email = email.to_string();
    let found = app
        .handle()
        .store()
        .read_blocking(Reader::Operator, move |tx| {
            store::subscriber_by_email(tx, &email)
        })?;
    Ok(found.map(|s| s.confirmed_at.is_some()))
}

/// Subscribes and confirms `email`, returning the confirmation mail.
async fn subscribed(app: &TestApp, smtp: &Smtp, form: &[(&str, &str)]) -> TestResult<String> {
    let before = smtp.mails()?.len();
    let r = subscribe(app, form).await?;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await?);
    let mails = smtp.wait_for(before + 1).await?;
    let email = form
        .iter()
        .find(|(k, _)| *k == "email")
        .map(|(_, v)| *v)
        .unwrap_or("");
    let mail = mails
        .into_iter()
        .find(|m| mail_header(m, "To").contains(&email.to_lowercase()))
        .ok_or("no confirmation mail to the address")?;
    let confirm = link(
        &decoded(&mail),
        &format!("{}/subscribe/confirm/", app.address),
    )
    .ok_or("no confirmation link")?;
    assert_eq!(
        app.client.get(&confirm).send().await?.status(),
        StatusCode::OK
    );
    assert_eq!(stored(app, email)?, Some(false), "a GET confirms nothing");
    let r = post(app, &confirm, "").await?;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(stored(app, email)?, Some(true));
    Ok(mail)
}

fn events(app: &TestApp) -> TestResult<Vec<Event>> {
    Ok(app
        .handle()
        .store()
        .read_blocking(Reader::Operator, |tx| store::events_since(tx, 0, 1000))?)
}

impl TestApp {
    fn sender(&self) -> TestResult<Sender> {
        Ok(Sender::new(
            mail::read_from("Status <status@example.com>")?,
            "paystatus",
            &self.address,
            chrono_tz::Asia::Seoul,
            mail::load_link_key(self.data_dir.path())?,
        ))
    }
}

fn bilingual_outage() -> Value {
    let mut v = card_outage();
    v["title"] = json!({ "ko": "카드 결제 승인 지연", "en": "Card payments delayed" });
    v["message"] = json!({
        "ko": "일부 카드 결제가 실패하고 있습니다.",
        "en": "Some card payments are failing."
    });
    v
}

#[tokio::test]
async fn subscribe_confirm_receive_in_ones_language_and_unsubscribe_in_one_click() -> TestResult {
    let smtp = Smtp::start().await?;
    let app = app_with(&smtp).await;
    let home = app.get("/").await?.text().await?;
    assert!(
        home.contains("href=\"/subscribe\""),
        "the page offers subscriptions"
    );
    let form = app.get("/subscribe").await?.text().await?;
    assert!(form.contains("name=\"email\"") && form.contains("value=\"card\""));

    let ko = subscribed(
        &app,
        &smtp,
        &[
            ("email", "Ko@Example.com"),
            ("components", "card"),
            ("lang", "ko"),
        ],
    )
    .await?;
    assert!(
        decoded(&ko).contains("구독을 확인해 주세요"),
        "confirmation in Korean"
    );
    subscribed(&app, &smtp, &[("email", "en@example.com"), ("lang", "en")]).await?;
    // Someone following only KakaoPay hears nothing of a card outage.
    subscribed(
        &app,
        &smtp,
        &[("email", "kp@example.com"), ("components", "kakaopay")],
    )
    .await?;

    let created = app.create_incident_ok(&bilingual_outage()).await?;
    let id = created["id"].as_str().ok_or("no id")?.to_string();
    let update = json!({
        "status": "identified",
        "message": { "ko": "카드사 중계망 장애로 확인되었습니다.", "en": "The card network is at fault." },
        "eta": "2026-11-25T15:00"
    });
    app.post_incident_update_ok(&id, &update).await?;
    // The outbox's worker sends them: created and updated to ko (card) and en
    // (everything); the card's status change only to ko, who chose the card.
    let before = 3;
    let sent = 5;
    let mails = smtp.wait_for(before + sent).await?;
    app.tick().await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        smtp.mails()?.len(),
        before + sent,
        "each once: {:?}",
        events(&app)?
    );
    let to = |who: &str| -> Vec<String> {
        mails
            .iter()
            .filter(|m| {
                mail_header(m, "To").contains(who)
                    && !mail_header(m, "List-Unsubscribe-Post").is_empty()
            })
            .map(|m| decoded(m))
            .collect()
    };
    let en = to("en@example.com");
    assert_eq!(en.len(), 2);
    let opened = en
        .iter()
        .find(|m| m.contains("Some card payments are failing."))
        .ok_or("no opening mail")?;
    assert!(opened.contains("Expected recovery: 14:45 KST"), "{opened}");
    assert!(opened.contains("You can pay this way instead"));
    assert!(opened.contains(&format!("{}/incidents/{id}?lang=en", app.address)));
    let revised = en
        .iter()
        .find(|m| m.contains("The card network is at fault."))
        .ok_or("no update mail")?;
    assert!(revised.contains("15:00 KST"), "the new ETA");
    let raw_en = mails
        .iter()
        .find(|m| {
            mail_header(m, "To").contains("en@example.com") && m.contains("List-Unsubscribe-Post")
        })
        .ok_or("no raw mail")?;
    assert_eq!(
        mail_header(raw_en, "List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );
    assert!(mail_header(raw_en, "Message-ID").ends_with("@127.0.0.1>"));

    let ko = to("ko@example.com");
    assert_eq!(ko.len(), 3);
    assert!(
        ko.iter()
            .any(|m| m.contains("일부 카드 결제가 실패하고 있습니다.") && m.contains("예상 복구"))
    );
    assert!(
        ko.iter().any(|m| m.contains("카카오페이")),
        "alternatives in Korean"
    );
    assert!(to("kp@example.com").is_empty());

    // One click, as a mail provider sends it; a second one is answered the same.
    let unsubscribe = mail_header(raw_en, "List-Unsubscribe");
    let url = unsubscribe.trim_start_matches('<').trim_end_matches('>');
    assert!(url.starts_with(&format!("{}/unsubscribe/", app.address)));
    for _ in 0..2 {
        let r = post(&app, url, "List-Unsubscribe=One-Click").await?;
        assert_eq!(r.status(), StatusCode::OK);
    }
    assert_eq!(
        stored(&app, "en@example.com")?,
        None,
        "the address is deleted"
    );
    let later = before + sent;
    let to_en = |mails: &[String]| {
        mails
            .iter()
            .filter(|m| mail_header(m, "To").contains("en@example.com"))
            .count()
    };
    let en_before = to_en(&smtp.mails()?);
    let more = json!({ "message": { "ko": "복구 작업 중입니다.", "en": "Recovering." } });
    app.post_incident_update_ok(&id, &more).await?;
    smtp.wait_for(later + 1).await?;
    app.tick().await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mails = smtp.mails()?;
    assert_eq!(mails.len(), later + 1, "only ko is sent to");
    assert_eq!(
        to_en(&mails),
        en_before,
        "nothing reaches an address that unsubscribed"
    );
    Ok(())
}

#[tokio::test]
async fn confirmation_mails_are_limited_per_address_and_per_client() -> TestResult {
    let smtp = Smtp::start().await?;
    let app = app_with(&smtp).await;
    for _ in 0..3 {
        let r = subscribe(&app, &[("email", "a@example.com")]).await?;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let r = subscribe(&app, &[("email", "A@example.com")]).await?;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    smtp.wait_for(3).await?;
    for n in 0..7 {
        let r = subscribe(&app, &[("email", &format!("b{n}@example.com"))]).await?;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let r = subscribe(&app, &[("email", "c@example.com")]).await?;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "ten a day from one client"
    );
    // Another client has its own allowance.
    let other = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()?;
    let r = other
        .post(format!("{}/subscribe", app.address))
        .form(&[("email", "d@example.com")])
        .send()
        .await?;
    assert_eq!(r.status(), StatusCode::OK, "another client's first mail");
    // A new day, a new allowance.
    app.advance_and_tick(chrono::Duration::days(1)).await?;
    let r = subscribe(&app, &[("email", "c@example.com")]).await?;
    assert_eq!(r.status(), StatusCode::OK);
    let r = subscribe(&app, &[("email", "not an address")]).await?;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    Ok(())
}

#[tokio::test]
async fn unconfirmed_addresses_are_forgotten_after_48_hours() -> TestResult {
    let smtp = Smtp::start().await?;
    let app = app_with(&smtp).await;
    subscribed(&app, &smtp, &[("email", "kept@example.com")]).await?;
    subscribe(&app, &[("email", "late@example.com")]).await?;
    app.advance_and_tick(chrono::Duration::hours(47)).await?;
    assert_eq!(stored(&app, "late@example.com")?, Some(false));
    app.advance_and_tick(chrono::Duration::hours(2)).await?;
    assert_eq!(stored(&app, "late@example.com")?, None);
    assert_eq!(stored(&app, "kept@example.com")?, Some(true));
    Ok(())
}

#[tokio::test]
async fn drafts_and_drills_tell_subscribers_nothing() -> TestResult {
    let smtp = Smtp::start().await?;
    let app = app_with(&smtp).await;
    subscribed(&app, &smtp, &[("email", "a@example.com")]).await?;
    let mut draft = card_outage();
    draft["draft"] = json!(true);
    app.create_incident_ok(&draft).await?;
    let mut drill = card_outage();
    drill["drill"] = json!(true);
    app.create_incident_ok(&drill).await?;
    assert!(events(&app)?.is_empty());
    Ok(())
}

#[tokio::test]
async fn manage_links_change_choices_and_unsubscribe() -> TestResult {
    let smtp = Smtp::start().await?;
    let app = app_with(&smtp).await;
    subscribed(&app, &smtp, &[("email", "a@example.com"), ("lang", "en")]).await?;
    let sender = app.sender()?;
    let id = app
        .handle()
        .store()
        .read_blocking(Reader::Operator, |tx| {
            store::subscriber_by_email(tx, "a@example.com")
        })?
        .ok_or("stored")?
        .id;
    let manage = sender.manage_url(&id);
    let page = app.client.get(&manage).send().await?.text().await?;
    assert!(page.contains("Your email updates"));
    let r = post(&app, &manage, "components=card&lang=ko&action=save").await?;
    assert!(r.text().await?.contains("저장되었습니다"));
    let forged = manage.replace(&id, "sub_0000000000");
    assert_eq!(
        app.client.get(&forged).send().await?.status(),
        StatusCode::NOT_FOUND
    );
    let other_site = app
        .client
        .post(&manage)
        .header("origin", "https://evil.example")
        .body("action=unsubscribe")
        .send()
        .await?;
    assert_eq!(other_site.status(), StatusCode::FORBIDDEN);
    assert_eq!(stored(&app, "a@example.com")?, Some(true));
    post(&app, &manage, "action=unsubscribe").await?;
    assert_eq!(stored(&app, "a@example.com")?, None);
    Ok(())
}

#[tokio::test]
async fn without_a_mail_server_nothing_offers_subscriptions() -> TestResult {
    let app = spawn_app().await;
    assert_eq!(app.get("/subscribe").await?.status(), StatusCode::NOT_FOUND);
    assert!(!app.get("/").await?.text().await?.contains("/subscribe"));
    Ok(())
}

#[tokio::test]
async fn admins_list_export_import_and_remove_subscribers() -> TestResult {
    let smtp = Smtp::start().await?;
    let app = app_with(&smtp).await;
    subscribed(
        &app,
        &smtp,
        &[("email", "a@example.com"), ("components", "card")],
    )
    .await?;
    let unasked = json!({ "subscribers": [{ "email": "b@example.com" }] });
    let r = app
        .admin(reqwest::Method::POST, "/subscribers/import")
        .json(&unasked)
        .send()
        .await?;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not without consent"
    );
    let import = json!({
        "consented": true,
        "subscribers": [
            { "email": "B@example.com", "lang": "en", "components": ["kakaopay"] },
            { "email": "a@example.com" }
        ]
    });
    let r = app
        .admin(reqwest::Method::POST, "/subscribers/import")
        .json(&import)
        .send()
        .await?;
    let done = expect_json(r, StatusCode::OK).await?;
    assert_eq!(
        (done["added"].as_u64(), done["existing"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        stored(&app, "b@example.com")?,
        Some(true),
        "confirmed at once"
    );
    let mails = smtp.mails()?.len();
    assert_eq!(mails, 1, "an imported address is not mailed");

    let page = ok(app
        .admin(reqwest::Method::GET, "/subscribers?limit=1")
        .send()
        .await?)
    .await?;
    assert_eq!(page["items"][0]["email"], "a@example.com");
    assert_eq!(page["items"][0]["components"], json!(["card"]));
    let next = page["next_cursor"].as_str().ok_or("a next page")?;
    let rest = ok(app
        .admin(reqwest::Method::GET, &format!("/subscribers?after={next}"))
        .send()
        .await?)
    .await?;
    assert_eq!(rest["items"][0]["email"], "b@example.com");
    let id = rest["items"][0]["id"].as_str().ok_or("an id")?.to_string();

    let r = app
        .admin(reqwest::Method::GET, "/subscribers/export")
        .send()
        .await?;
    assert!(header(&r, "content-type").starts_with("text/csv"));
    let csv = r.text().await?;
    assert!(csv.starts_with("email,lang,components,created_at,confirmed_at\n"));
    assert!(csv.contains("\"b@example.com\",\"en\",\"kakaopay\""));

    let r = app
        .admin(reqwest::Method::DELETE, &format!("/subscribers/{id}"))
        .send()
        .await?;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(stored(&app, "b@example.com")?, None);
    let r = app
        .admin(reqwest::Method::DELETE, &format!("/subscribers/{id}"))
        .send()
        .await?;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let audit = ok(app.admin(reqwest::Method::GET, "/audit").send().await?).await?;
    assert!(
        !audit.to_string().contains("b@example.com"),
        "the audit log keeps no address"
    );
    Ok(())
}

async fn ok(r: reqwest::Response) -> TestResult<Value> {
    expect_json(r, StatusCode::OK).await
}

#[tokio::test]
async fn the_page_itself_has_a_form_that_subscribes_to_everything_in_its_language() -> TestResult {
    let smtp = Smtp::start().await?;
    let app = app_with(&smtp).await;
    let home = app.get("/?lang=en").await?.text().await?;
    let form = home
        .split("<form class=\"subscribe\"")
        .nth(1)
        .and_then(|rest| rest.split("</form>").next())
        .ok_or("the page has no subscribe form")?;
    assert!(form.contains("name=\"email\"") && form.contains("for=\"subscribe-email\""));
    assert!(form.contains("name=\"lang\" value=\"en\""), "{form}");
    let action = form
        .split("action=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or("no action")?
        .replace("&amp;", "&");
    let r = app
        .client
        .post(format!("{}{action}", app.address))
        .header("origin", &app.address)
        .form(&[("email", "footer@example.com"), ("lang", "en")])
        .send()
        .await?;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await?);
    let mail = smtp.wait_for(1).await?.remove(0);
    assert!(mail_header(&mail, "To").contains("footer@example.com"));
    assert_eq!(
        stored(&app, "footer@example.com")?,
        Some(false),
        "waits for the confirmation"
    );
    Ok(())
}
