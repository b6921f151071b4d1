//! This process's parents as the operating system reports them (for agent sessions: see
//! `store::sessions`). Linux reads `/proc`; other Unix systems ask `ps`. Must not print.

use crate::ops::session::{Proc, Processes};

/// The process table readers the ops layer is given.
pub fn processes() -> Processes {
    Processes { ancestry, start_of }
}

/// The parents of this process, nearest first, up to (not including) pid 1.
fn ancestry() -> Vec<Proc> {
    let mut out = Vec::new();
    let mut pid = parent_of(std::process::id());
    while let Some(p) = pid.filter(|p| *p > 1) {
        let Some((name, parent, start)) = stat(p) else { break };
        out.push(Proc { pid: p, start, name });
        if out.len() >= 64 {
            break;
        }
        pid = Some(parent);
    }
    out
}

fn parent_of(pid: u32) -> Option<u32> {
    stat(pid).map(|(_, parent, _)| parent)
}

fn start_of(pid: u32) -> Option<String> {
    stat(pid).map(|(_, _, start)| start)
}

/// (executable name, parent pid, start time) of a running process.
#[cfg(target_os = "linux")]
fn stat(pid: u32) -> Option<(String, u32, String)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid … starttime …": comm may hold spaces and parentheses.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let name = text.get(open + 1..close)?.to_owned();
    let fields: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    // After the name: state is field 3 of stat(5), ppid 4, starttime 22.
    let parent = fields.get(1)?.parse().ok()?;
    let start = fields.get(19)?.to_string();
    Some((name, parent, start))
}

#[cfg(not(target_os = "linux"))]
fn stat(pid: u32) -> Option<(String, u32, String)> {
    let out = std::process::Command::new("ps")
        .args(["-o", "ppid=", "-o", "lstart=", "-o", "comm=", "-p", &pid.to_string()])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut words = text.split_whitespace();
    let parent = words.next()?.parse().ok()?;
    // lstart is five words: "Wed Dec  2 12:34:16 2026".
    let start: Vec<&str> = words.by_ref().take(5).collect();
    let comm: Vec<&str> = words.collect();
    let name = comm.join(" ");
    let name = name.rsplit('/').next().unwrap_or("").to_owned();
    Some((name, parent, start.join(" ")))
}
