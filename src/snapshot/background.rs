//! A few threads for work nobody waits on urgently: documents rendered for anonymous
//! visitors (deep history, old incidents) and brotli variants made after a publish. They
//! run at a lower CPU priority than the rest of the server, so however hard a crawler
//! pages through history, an operator's write and its rebuild get the processor first.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

pub(super) struct Background {
    jobs: mpsc::Sender<Job>,
}

#[derive(Debug, thiserror::Error)]
#[error("a background job did not finish (it panicked, or the server is stopping)")]
pub struct Lost;

impl Background {
    /// Starts `threads` threads; they stop when this is dropped.
    pub(super) fn start(threads: usize) -> std::io::Result<Background> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("paystatus-background-{n}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        // One thread waits on the queue at a time; the others on the lock.
                        let job = queue.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        let Ok(job) = job else { return };
                        // A panicking job loses its own answer (its caller hears
                        // `Lost`), not the thread.
                        if std::panic::catch_unwind(AssertUnwindSafe(job)).is_err() {
                            tracing::error!("a background job panicked");
                        }
                    }
                })?;
        }
        Ok(Background { jobs })
    }

    /// Runs `f` on a background thread, after the jobs queued before it.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Lost> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = answer.send(f());
            }))
            .map_err(|_| Lost)?;
        answered.await.map_err(|_| Lost)
    }
}

/// Makes the calling thread yield the processor to the server's other threads (on Linux
/// the nice value is per thread). Without permission to, it simply stays as it was.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: setpriority only changes the scheduling weight of the calling thread
        // (who = 0); it reads no memory of ours.
        let refused = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 10) } != 0;
        if refused {
            tracing::debug!("background threads keep the normal priority");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_answer_and_a_panic_loses_only_its_own_answer() {
        let background = Background::start(1).unwrap();
        assert_eq!(background.run(|| 6 * 7).await.unwrap(), 42);
        let lost = background.run(|| -> u8 { panic!("a job failed") }).await;
        assert!(lost.is_err());
        assert_eq!(background.run(|| "still here").await.unwrap(), "still here");
    }
}
