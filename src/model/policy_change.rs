//! What a policy change gives up: the server adopts a looser policy only when told to.

use super::policy::{HookMode, Policy};

impl Policy {
    /// How `new` guards less than `self` (empty: it guards as much or more). A server never
    /// adopts a loosening from a push on its own word.
    pub fn loosenings(&self, new: &Policy) -> Vec<String> {
        let mut out = Vec::new();
        let rank = |m: HookMode| match m {
            HookMode::Off => 0,
            HookMode::Warn => 1,
            HookMode::Enforce => 2,
        };
        if rank(new.hook_mode) < rank(self.hook_mode) {
            out.push(format!("[hook] mode {:?} → {:?}", self.hook_mode, new.hook_mode).to_lowercase());
        }
        let covers_all = |b: &[String]| b.is_empty();
        if !covers_all(&new.hook_branches)
            && (covers_all(&self.hook_branches) || self.hook_branches.iter().any(|b| !new.hook_branches.contains(b)))
        {
            out.push(format!(
                "[hook] branches {:?} → {:?}",
                self.hook_branches, new.hook_branches
            ));
        }
        if new.trust_push_option && !self.trust_push_option {
            out.push("[hook] trust_push_option false → true".into());
        }
        let added: Vec<&String> = new
            .shared_files
            .iter()
            .filter(|f| !self.shared_files.contains(f))
            .collect();
        if !added.is_empty() {
            out.push(format!("[claims] shared_files gains {added:?}"));
        }
        let (old, new) = (&self.trust, &new.trust);
        if old.require && !new.require {
            out.push("[trust] require true → false".into());
        }
        if old.allowed_signers != new.allowed_signers {
            out.push(format!(
                "[trust] allowed_signers {} → {}",
                old.allowed_signers, new.allowed_signers
            ));
        }
        let gained: Vec<&String> = new
            .maintainers
            .iter()
            .filter(|m| !old.maintainers.contains(m))
            .collect();
        if !gained.is_empty() {
            out.push(format!("[trust] maintainers gains {gained:?}"));
        }
        out
    }
}
