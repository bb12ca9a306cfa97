//! Who made the request being logged: the admin API's key or the console's person,
//! noted by their authentication and read by the log line written after the answer.
//! Names only, never a secret.

use std::cell::RefCell;

tokio::task_local! {
    static ACTOR: RefCell<Option<String>>;
}

/// Runs `f` (an admin or console request) and returns its output with the name noted
/// while it ran, if any.
pub async fn scope<F: Future>(f: F) -> (F::Output, Option<String>) {
    ACTOR
        .scope(RefCell::new(None), async move {
            let output = f.await;
            let who = ACTOR.try_with(|a| a.borrow_mut().take()).ok().flatten();
            (output, who)
        })
        .await
}

/// Notes who is making the request (outside a logged request, nothing happens).
pub fn note(name: &str) {
    let _ = ACTOR.try_with(|a| *a.borrow_mut() = Some(name.to_string()));
}
