//! The process's own figures under their usual Prometheus names, read from `/proc/self`
//! at each scrape (Linux; elsewhere they are left out).

use std::io;

#[derive(Debug, Clone, Copy)]
pub struct Process {
    pub resident_memory_bytes: u64,
    pub open_fds: u64,
    pub start_time_seconds: f64,
}

impl Process {
    pub fn read() -> io::Result<Process> {
        let page_size = sysconf(libc::_SC_PAGESIZE)?;
        let ticks_per_second = sysconf(libc::_SC_CLK_TCK)?;
        // statm: size resident shared ... (in pages).
        let statm = std::fs::read_to_string("/proc/self/statm")?;
        let resident_pages: u64 = field(&statm, 1)?;
        let open_fds = std::fs::read_dir("/proc/self/fd")?.count() as u64;
        // stat: the 22nd field is the start in clock ticks after boot; the command name
        // (field 2) may hold spaces, so count from its closing parenthesis.
        let stat = std::fs::read_to_string("/proc/self/stat")?;
        let after_name = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest)
            .ok_or_else(|| invalid("/proc/self/stat has no command name"))?;
        let start_ticks: u64 = field(after_name, 19)?;
        let boot_time: u64 = std::fs::read_to_string("/proc/stat")?
            .lines()
            .find_map(|l| l.strip_prefix("btime "))
            .ok_or_else(|| invalid("/proc/stat has no btime"))?
            .trim()
            .parse()
            .map_err(|_| invalid("/proc/stat's btime is not a number"))?;
        Ok(Process {
            resident_memory_bytes: resident_pages * page_size,
            open_fds,
            start_time_seconds: boot_time as f64 + start_ticks as f64 / ticks_per_second as f64,
        })
    }
}

fn field(text: &str, n: usize) -> io::Result<u64> {
    text.split_whitespace()
        .nth(n)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| invalid("an unexpected /proc format"))
}

fn invalid(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why)
}

fn sysconf(name: libc::c_int) -> io::Result<u64> {
    // SAFETY: sysconf only reads a system setting.
    let v = unsafe { libc::sysconf(name) };
    u64::try_from(v).map_err(|_| io::Error::last_os_error())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_memory_files_and_a_start() {
        let p = Process::read().unwrap();
        assert!(p.resident_memory_bytes > 1_000_000, "{p:?}");
        assert!(p.open_fds >= 3, "{p:?}");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        assert!(
            p.start_time_seconds <= now + 1.0 && p.start_time_seconds > now - 86_400.0 * 365.0,
            "{p:?}"
        );
    }
}
