//! Names and ids that cross module boundaries: agents, claims, operations, repository paths.
//!
//! Each is a validated newtype; constructing one is the only place its rules are checked.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a name or id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("invalid agent id '{0}': use 1-128 characters of A-Z a-z 0-9 . _ @ / + -")]
    Agent(String),
    #[error("invalid claim id '{0}': claim ids look like c-1a2b3c4d (see `git coord status`)")]
    Claim(String),
}

macro_rules! string_newtype {
    ($name:ident, $check:expr, $err:expr) => {
        impl $name {
            /// Validate and wrap.
            pub fn new(text: impl Into<String>) -> Result<Self, IdError> {
                let text = text.into();
                let ok: fn(&str) -> bool = $check;
                if ok(&text) {
                    Ok($name(text))
                } else {
                    Err($err(text))
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                $name::new(text).map_err(serde::de::Error::custom)
            }
        }

        impl schemars::JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({"type": "string"})
            }
        }
    };
}

/// Who holds a claim: 1–128 chars of `[A-Za-z0-9._@/+-]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AgentId(String);
string_newtype!(AgentId, valid_agent, IdError::Agent);

/// A claim's id: `c-` and 8 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClaimId(String);
string_newtype!(ClaimId, valid_claim_id, IdError::Claim);

/// An operation's id (used to make replays idempotent): `op-` and 16 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OpId(pub String);

fn valid_agent(s: &str) -> bool {
    (1..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._@/+-".contains(&b))
}

fn valid_claim_id(s: &str) -> bool {
    s.len() == 10 && s.starts_with("c-") && s[2..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl AgentId {
    /// Build an agent id from free text (an email, a user name, a host), replacing what is
    /// not allowed with `-` and trimming to the length limit.
    pub fn sanitized(text: &str) -> Option<AgentId> {
        let cleaned: String = text
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._@/+-".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .take(128)
            .collect();
        let trimmed = cleaned.trim_matches('-');
        AgentId::new(trimmed).ok()
    }
}

impl ClaimId {
    /// The storage bucket a claim lives in: the first two hex digits of its id.
    pub fn bucket(&self) -> &str {
        &self.0[2..4]
    }

    /// Build from 32 random bits.
    pub fn from_bits(bits: u32) -> ClaimId {
        ClaimId(format!("c-{bits:08x}"))
    }
}

impl OpId {
    pub fn from_bits(bits: u64) -> OpId {
        OpId(format!("op-{bits:016x}"))
    }
}

/// A small deterministic random source (splitmix64). Seeded by the caller, so tests can pin it.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..bound` (bound > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_ids() {
        for ok in [
            "alice",
            "a",
            "bot/claude-1",
            "alice@example.com",
            "x+y.z_w",
            &"a".repeat(128),
        ] {
            assert!(AgentId::new(ok).is_ok(), "{ok}");
        }
        for bad in ["", "has space", "semi;colon", "ünï", &"a".repeat(129), "tab\t"] {
            assert!(AgentId::new(bad).is_err(), "{bad:?}");
        }
        assert_eq!(AgentId::sanitized("Jane Doe@host").unwrap().as_str(), "Jane-Doe@host");
    }

    #[test]
    fn claim_ids() {
        assert!(ClaimId::new("c-0123abcd").is_ok());
        for bad in ["c-0123ABCD", "c-123", "x-0123abcd", "c-0123abcde"] {
            assert!(ClaimId::new(bad).is_err(), "{bad}");
        }
        assert_eq!(ClaimId::from_bits(0x3f00_0001).bucket(), "3f");
    }
}
