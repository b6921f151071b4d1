//! Claims as the board cache keeps them: length-prefixed binary rows.
//!
//! A read of 10,000 claims spent a third of its time parsing them back from JSON (field
//! names, escapes, and every scope re-normalised as if a user had typed it). A row is the
//! claim's fields in a fixed order: strings as a little-endian `u32` length and UTF-8 bytes,
//! times as `i64` seconds, enums and flags as one byte. Scopes are kept as the parts of the
//! scope itself (they were valid when the row was written, by this version: the file's header
//! says which), ids are checked again (cheap), and a row that runs past its block, a bad tag
//! or bad UTF-8 makes the whole cache unreadable (it is then read from the board's objects).

use crate::model::{AgentId, Claim, ClaimId, Mode, Narrowing, Scope, SymbolScope, Timestamp, Urgency};

/// Append `c` to `out`.
pub(super) fn put(out: &mut Vec<u8>, c: &Claim) {
    // Every field named: a field added to claims fails to compile here until it is kept.
    let Claim {
        id,
        agent,
        scope,
        mode,
        created_at,
        expires_at,
        note,
        task,
        branch,
        urgency,
        host,
        narrowable,
        narrowed,
        trust: _,
    } = c;
    text(out, id.as_str());
    text(out, agent.as_str());
    match scope {
        Scope::Glob(t) => {
            out.push(0);
            text(out, t);
        }
        Scope::Key(t) => {
            out.push(1);
            text(out, t);
        }
        Scope::Symbol(s) => {
            out.push(2);
            text(out, &s.file);
            count(out, s.path.len());
            s.path.iter().for_each(|p| text(out, p));
        }
    }
    out.push(match mode {
        Mode::Exclusive => 0,
        Mode::Shared => 1,
    });
    out.extend_from_slice(&created_at.0.to_le_bytes());
    out.extend_from_slice(&expires_at.0.to_le_bytes());
    for o in [note, task, branch] {
        maybe(out, o.as_deref());
    }
    out.push(match urgency {
        Urgency::Low => 0,
        Urgency::Normal => 1,
        Urgency::High => 2,
        Urgency::Blocking => 3,
    });
    maybe(out, host.as_deref());
    out.push(u8::from(*narrowable));
    count(out, narrowed.len());
    for n in narrowed {
        text(out, &n.symbol);
        text(out, n.by.as_str());
        text(out, n.claim.as_str());
        out.extend_from_slice(&n.at.0.to_le_bytes());
    }
}

fn count(out: &mut Vec<u8>, n: usize) {
    // A claim's strings and lists are far below 4 GiB; saturating keeps a bad one detectable
    // (the reader then runs past the block) instead of wrapping into a wrong length.
    out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
}

fn text(out: &mut Vec<u8>, s: &str) {
    count(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn maybe(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            text(out, s);
        }
    }
}

/// Reads rows from one block; every read is bounds-checked.
pub(super) struct Rows<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Rows<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Rows<'a> {
        Rows { bytes, at: 0 }
    }

    /// Whether every byte was read (a block with bytes left over is not one this wrote).
    pub(super) fn done(&self) -> bool {
        self.at == self.bytes.len()
    }

    pub(super) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.bytes.len())?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Some(s)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    pub(super) fn u32(&mut self) -> Option<usize> {
        let b = self.take(4)?;
        usize::try_from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])).ok()
    }

    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn text(&mut self) -> Option<String> {
        let n = self.u32()?;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }

    fn maybe(&mut self) -> Option<Option<String>> {
        match self.byte()? {
            0 => Some(None),
            1 => self.text().map(Some),
            _ => None,
        }
    }

    /// The next claim.
    pub(super) fn claim(&mut self) -> Option<Claim> {
        let id = ClaimId::new(self.text()?).ok()?;
        let agent = AgentId::new(self.text()?).ok()?;
        let scope = match self.byte()? {
            0 => Scope::Glob(self.text()?),
            1 => Scope::Key(self.text()?),
            2 => {
                let file = self.text()?;
                let n = self.u32()?;
                let path = (0..n).map(|_| self.text()).collect::<Option<Vec<_>>>()?;
                Scope::Symbol(SymbolScope { file, path })
            }
            _ => return None,
        };
        let mode = match self.byte()? {
            0 => Mode::Exclusive,
            1 => Mode::Shared,
            _ => return None,
        };
        let (created_at, expires_at) = (Timestamp(self.i64()?), Timestamp(self.i64()?));
        let (note, task, branch) = (self.maybe()?, self.maybe()?, self.maybe()?);
        let urgency = match self.byte()? {
            0 => Urgency::Low,
            1 => Urgency::Normal,
            2 => Urgency::High,
            3 => Urgency::Blocking,
            _ => return None,
        };
        let host = self.maybe()?;
        let narrowable = match self.byte()? {
            0 => false,
            1 => true,
            _ => return None,
        };
        let n = self.u32()?;
        let narrowed = (0..n).map(|_| self.narrowing()).collect::<Option<Vec<_>>>()?;
        Some(Claim {
            id,
            agent,
            scope,
            mode,
            created_at,
            expires_at,
            note,
            task,
            branch,
            urgency,
            host,
            narrowable,
            narrowed,
            trust: None,
        })
    }

    fn narrowing(&mut self) -> Option<Narrowing> {
        Some(Narrowing {
            symbol: self.text()?,
            by: AgentId::new(self.text()?).ok()?,
            claim: ClaimId::new(self.text()?).ok()?,
            at: Timestamp(self.i64()?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_of_every_shape_reads_back_as_written_and_a_cut_row_reads_as_nothing() {
        let mut a = Claim::example(1, "alice", "src/a.ts::Router::handle", Mode::Shared);
        a.note = Some("säge \"x\"\n".into());
        a.task = Some("t-1".into());
        a.host = Some("box".into());
        a.urgency = Urgency::Blocking;
        a.narrowable = true;
        a.narrowed.push(Narrowing {
            symbol: "Router::other".into(),
            by: AgentId::new("bob").unwrap(),
            claim: ClaimId::new("c-0000beef").unwrap(),
            at: Timestamp(-5),
        });
        let b = Claim::example(2, "bob", "db:users", Mode::Exclusive);
        let c = Claim::example(3, "carol/x", "src/**", Mode::Exclusive);
        let mut out = Vec::new();
        for x in [&a, &b, &c] {
            put(&mut out, x);
        }
        let mut r = Rows::new(&out);
        let back: Vec<Claim> = (0..3).map(|_| r.claim().unwrap()).collect();
        assert!(r.done());
        assert_eq!(back, vec![a, b, c]);
        for cut in [1, 7, out.len() / 2, out.len() - 1] {
            let mut r = Rows::new(&out[..cut]);
            assert!((0..3).map(|_| r.claim()).any(|c| c.is_none()), "cut at {cut}");
        }
        // A bad tag (the scope's kind byte of the first row) is not a row.
        let mut bad = out.clone();
        bad[4 + 10 + 4 + 5] = 9;
        assert!(Rows::new(&bad).claim().is_none());
    }
}
