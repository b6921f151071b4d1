//! Policy: what `.coord.toml` at the repository root may say, with defaults for every key.
//!
//! Parsing is strict: an unknown key is an error naming it, so a typo never silently
//! turns a rule off.

use serde::Deserialize;

use super::scope::BUILTIN_NAMESPACES;
use super::time::Span;

/// Enforcement mode of the hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, Default, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum HookMode {
    #[default]
    Enforce,
    Warn,
    Off,
}

/// The effective policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub default_ttl: Span,
    pub clock_skew: Span,
    pub max_files: usize,
    pub max_fraction: f64,
    pub shared_files: Vec<String>,
    pub namespaces: Vec<String>,
    pub hook_mode: HookMode,
    pub hook_branches: Vec<String>,
    /// The server takes the push option `coord-agent=ID` as the pusher's identity, unproven.
    pub trust_push_option: bool,
    pub network_timeout: Span,
    /// `[network] fresh_for`: reads of one clone share a fetch younger than this.
    pub network_fresh_for: Span,
    /// `[network] push_budget`: at most this many pushes of a clone's writers per window.
    pub network_push_budget: Option<PushBudget>,
    /// `[network] compact_after`: a write that finds a board ref's history this long compacts
    /// it (`git coord compact`); 0: never by itself.
    pub network_compact_after: usize,
    /// `task done --no-review` is allowed.
    pub allow_no_review: bool,
    /// The pre-edit hook claims a free file for the agent instead of only checking.
    pub auto_claim: bool,
    /// What the pre-edit guard does with an edit it cannot judge (no repository, unreadable
    /// input, an error): let it through with a visible message (`allow`, the default) or
    /// refuse it (`deny`).
    pub guard_on_error: GuardOnError,
    /// `[trust]`: signed board commits and who may be whom.
    pub trust: TrustPolicy,
}

/// `[trust]` (SPEC 8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustPolicy {
    /// Sign every board commit (git's ssh signing: `user.signingKey`, ssh-agent).
    pub sign: bool,
    /// Unsigned or forged claims count for nothing; the server refuses unsigned operations.
    pub require: bool,
    /// The tracked allowed-signers file (git's format; principals are agent-id patterns).
    pub allowed_signers: String,
    /// Principals who may `--force` another agent's claim.
    pub maintainers: Vec<String>,
}

impl Default for TrustPolicy {
    fn default() -> Self {
        TrustPolicy {
            sign: false,
            require: false,
            allowed_signers: ".coord/allowed_signers".into(),
            maintainers: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GuardOnError {
    #[default]
    Allow,
    Deny,
}

/// Why `.coord.toml` could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{0}")]
    Toml(String),
    #[error("invalid {key} '{value}' in .coord.toml: {reason}")]
    Value {
        key: &'static str,
        value: String,
        reason: String,
    },
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    claims: RawClaims,
    #[serde(default)]
    keys: RawKeys,
    #[serde(default)]
    hook: RawHook,
    #[serde(default)]
    network: RawNetwork,
    #[serde(default)]
    tasks: RawTasks,
    #[serde(default)]
    agents: RawAgents,
    #[serde(default)]
    trust: RawTrust,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTrust {
    sign: Option<bool>,
    require: Option<bool>,
    allowed_signers: Option<String>,
    maintainers: Option<Vec<String>>,
}

impl From<RawTrust> for TrustPolicy {
    fn from(t: RawTrust) -> TrustPolicy {
        let d = TrustPolicy::default();
        TrustPolicy {
            sign: t.sign.unwrap_or(d.sign),
            require: t.require.unwrap_or(d.require),
            allowed_signers: t.allowed_signers.unwrap_or(d.allowed_signers),
            maintainers: t.maintainers.unwrap_or(d.maintainers),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAgents {
    auto_claim: Option<bool>,
    on_error: Option<GuardOnError>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTasks {
    allow_no_review: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawClaims {
    default_ttl: Option<String>,
    clock_skew: Option<String>,
    max_files: Option<usize>,
    max_fraction: Option<f64>,
    shared_files: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawKeys {
    namespaces: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawHook {
    mode: Option<HookMode>,
    branches: Option<Vec<String>>,
    trust_push_option: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawNetwork {
    timeout: Option<String>,
    fresh_for: Option<String>,
    push_budget: Option<toml::Value>,
    compact_after: Option<usize>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            default_ttl: Span(2 * 3600),
            clock_skew: Span(5),
            max_files: 100,
            max_fraction: 0.2,
            shared_files: Vec::new(),
            namespaces: BUILTIN_NAMESPACES.iter().map(|s| s.to_string()).collect(),
            hook_mode: HookMode::Enforce,
            hook_branches: Vec::new(),
            trust_push_option: false,
            network_timeout: Span(30),
            network_fresh_for: Span(1),
            network_push_budget: None,
            network_compact_after: 10_000,
            allow_no_review: false,
            auto_claim: false,
            guard_on_error: GuardOnError::Allow,
            trust: TrustPolicy::default(),
        }
    }
}

pub use super::policy_file::DEFAULT_POLICY_FILE;

/// How many pushes a clone's writers may make per window (`[network] push_budget`: `120`
/// per minute, or `"20/10s"`). Writes that arrive while it is used up wait and leave together
/// in the next push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PushBudget {
    pub pushes: u32,
    pub per: Span,
}

impl PushBudget {
    fn read(v: toml::Value) -> Result<PushBudget, PolicyError> {
        let bad = |value: String| PolicyError::Value {
            key: "network.push_budget",
            value,
            reason: "use pushes per minute (120) or pushes per window (\"20/10s\"), at least 1".into(),
        };
        let (pushes, per) = match &v {
            toml::Value::Integer(n) => (u32::try_from(*n).map_err(|_| bad(n.to_string()))?, Span(60)),
            toml::Value::String(t) => {
                let (n, w) = t.split_once('/').ok_or_else(|| bad(t.clone()))?;
                let n: u32 = n.trim().parse().map_err(|_| bad(t.clone()))?;
                (n, Span::parse(w.trim()).map_err(|_| bad(t.clone()))?)
            }
            other => return Err(bad(other.to_string())),
        };
        if pushes == 0 || per.0 <= 0 {
            return Err(bad(v.to_string()));
        }
        Ok(PushBudget { pushes, per })
    }
}

/// `[keys] namespaces`: each a lowercase word, added to the built-in ones.
fn add_namespaces(into: &mut Vec<String>, ns: Vec<String>) -> Result<(), PolicyError> {
    for n in ns {
        let ok = !n.is_empty()
            && n.as_bytes()[0].is_ascii_lowercase()
            && n.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !ok {
            return Err(PolicyError::Value {
                key: "keys.namespaces",
                value: n,
                reason: "a namespace is a lowercase word (a-z, 0-9, _ and -)".into(),
            });
        }
        if !into.contains(&n) {
            into.push(n);
        }
    }
    Ok(())
}

/// `[network] compact_after`: 0 (never by itself) or a history of at least 2 commits.
fn compact_after(v: Option<usize>) -> Result<usize, PolicyError> {
    match v {
        None => Ok(Policy::default().network_compact_after),
        Some(1) => Err(PolicyError::Value {
            key: "network.compact_after",
            value: "1".into(),
            reason: "use 0 (never by itself) or at least 2 commits".into(),
        }),
        Some(n) => Ok(n),
    }
}

/// Below this many tracked files the fraction limit is not applied: in a tiny repository
/// any directory is a large fraction.
pub const FRACTION_MIN_REPO_FILES: usize = 50;

impl Policy {
    /// Parse `.coord.toml` text.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let raw: RawPolicy = toml::from_str(text).map_err(|e| PolicyError::Toml(e.to_string().trim().to_owned()))?;
        let mut p = Policy::default();
        let span = |key: &'static str, v: Option<String>, into: &mut Span| -> Result<(), PolicyError> {
            if let Some(v) = v {
                *into = Span::parse(&v).map_err(|e| PolicyError::Value {
                    key,
                    value: v,
                    reason: e.to_string(),
                })?;
            }
            Ok(())
        };
        span("claims.default_ttl", raw.claims.default_ttl, &mut p.default_ttl)?;
        span("claims.clock_skew", raw.claims.clock_skew, &mut p.clock_skew)?;
        span("network.timeout", raw.network.timeout, &mut p.network_timeout)?;
        span("network.fresh_for", raw.network.fresh_for, &mut p.network_fresh_for)?;
        p.network_push_budget = raw.network.push_budget.map(PushBudget::read).transpose()?;
        p.network_compact_after = compact_after(raw.network.compact_after)?;
        if p.default_ttl.0 == 0 {
            return Err(PolicyError::Value {
                key: "claims.default_ttl",
                value: "0s".into(),
                reason: "a claim must last longer than 0s".into(),
            });
        }
        if let Some(n) = raw.claims.max_files {
            p.max_files = n;
        }
        if let Some(f) = raw.claims.max_fraction {
            if !(0.0..=1.0).contains(&f) || f.is_nan() {
                return Err(PolicyError::Value {
                    key: "claims.max_fraction",
                    value: f.to_string(),
                    reason: "use a number from 0 to 1".into(),
                });
            }
            p.max_fraction = f;
        }
        if let Some(s) = raw.claims.shared_files {
            p.shared_files = s;
        }
        add_namespaces(&mut p.namespaces, raw.keys.namespaces.unwrap_or_default())?;
        if let Some(m) = raw.hook.mode {
            p.hook_mode = m;
        }
        if let Some(a) = raw.agents.auto_claim {
            p.auto_claim = a;
        }
        if let Some(a) = raw.agents.on_error {
            p.guard_on_error = a;
        }
        if let Some(a) = raw.tasks.allow_no_review {
            p.allow_no_review = a;
        }
        if let Some(b) = raw.hook.branches {
            p.hook_branches = b;
        }
        if let Some(t) = raw.hook.trust_push_option {
            p.trust_push_option = t;
        }
        p.trust = raw.trust.into();
        Ok(p)
    }

    /// The most files one claim may cover in a repository of `tracked` files.
    pub fn file_limit(&self, tracked: usize) -> usize {
        if tracked >= FRACTION_MIN_REPO_FILES {
            let frac = (self.max_fraction * tracked as f64).floor() as usize;
            self.max_files.min(frac.max(1))
        } else {
            self.max_files
        }
    }
}

#[cfg(test)]
mod tests;
