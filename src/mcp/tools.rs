//! The tools an agent sees: names, when to use them, input schemas.

use serde_json::{json, Value};

fn scopes_arg() -> Value {
    json!({"type": "array", "items": {"type": "string"}, "minItems": 1,
           "description": "globs/paths (src/auth/**), symbols (src/a.ts::Class::method) or keys (db:schema:users)"})
}

fn verbose() -> Value {
    json!({"type": "boolean", "description": "return the full JSON report instead of the short answer"})
}

/// (name, description, input schema)
pub fn list() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("claim", "Claim files, symbols or keys BEFORE you edit them, so no other agent edits them at the same time. All scopes are granted together or not at all. If the answer is a conflict, do not edit: pick other work, or wait.",
         json!({"type": "object", "properties": {"scopes": scopes_arg(), "ttl": {"type": "string", "description": "how long, e.g. 30m, 2h"}, "note": {"type": "string", "description": "what you are doing, for others"}, "shared": {"type": "boolean"}, "new": {"type": "boolean", "description": "the symbol/file does not exist yet"}, "task": {"type": "string"}, "verbose": verbose()}, "required": ["scopes"]})),
        ("release", "Release your claims when you are done editing (or give up), so others can proceed.",
         json!({"type": "object", "properties": {"ids": {"type": "array", "items": {"type": "string"}}, "scopes": {"type": "array", "items": {"type": "string"}}, "all": {"type": "boolean"}, "verbose": verbose()}})),
        ("renew", "Extend your claims when your work takes longer than their ttl.",
         json!({"type": "object", "properties": {"ids": {"type": "array", "items": {"type": "string"}}, "all": {"type": "boolean"}, "ttl": {"type": "string"}, "verbose": verbose()}})),
        ("check", "Ask whether scopes are free for you (writes nothing). Use before planning edits, and before pushing.",
         json!({"type": "object", "properties": {"scopes": scopes_arg(), "verbose": verbose()}, "required": ["scopes"]})),
        ("who", "Who holds a path or scope right now.",
         json!({"type": "object", "properties": {"target": {"type": "string"}, "verbose": verbose()}, "required": ["target"]})),
        ("symbols", "List the symbol paths of a file (Class::method …) so you can claim one declaration instead of the whole file.",
         json!({"type": "object", "properties": {"file": {"type": "string"}, "rev": {"type": "string"}, "verbose": verbose()}, "required": ["file"]})),
        ("status", "Your claims, other agents' claims, tasks and pending operations at a glance.",
         json!({"type": "object", "properties": {"verbose": verbose()}})),
        ("task_next", "Which task you would get next (writes nothing).",
         json!({"type": "object", "properties": {"specialty": {"type": "string"}, "verbose": verbose()}})),
        ("task_claim_next", "Take the best next task atomically; it claims the task's scopes and returns a lease token you need for task_renew and task_done.",
         json!({"type": "object", "properties": {"specialty": {"type": "string"}, "ttl": {"type": "string"}, "verbose": verbose()}})),
        ("task_done", "Finish a task: it goes to review (write a handoff first with handoff_write).",
         json!({"type": "object", "properties": {"id": {"type": "string"}, "token": {"type": "string"}, "no_review": {"type": "boolean"}, "verbose": verbose()}, "required": ["id", "token"]})),
        ("task_renew", "Extend your task's lease (and its claims) while you still work on it.",
         json!({"type": "object", "properties": {"id": {"type": "string"}, "token": {"type": "string"}, "ttl": {"type": "string"}, "verbose": verbose()}, "required": ["id", "token"]})),
        ("handoff_write", "Write a handoff when you stop or hand work over: what is done, in progress, decided, next, open. Git facts (commits, files, claims) are filled in.",
         json!({"type": "object", "properties": {"summary": {"type": "string"}, "task": {"type": "string"}, "to": {"type": "string", "description": "agent id, reviewers, or reviewers:SPECIALTY"}, "notes": {"type": "string", "description": "Markdown with ## Done, ## In progress, ## Decisions, ## Next steps, ## Open questions"}, "verbose": verbose()}, "required": ["summary"]})),
        ("handoff_list", "List handoffs (filter by recipient or status: ready, claimed, acked).",
         json!({"type": "object", "properties": {"to": {"type": "string"}, "status": {"type": "string"}, "verbose": verbose()}})),
        ("handoff_read", "Read one handoff document.",
         json!({"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]})),
        ("inbox", "What waits for you: handoffs to you or your role, reviews, notices about your claims. Check it when you start.",
         json!({"type": "object", "properties": {"specialty": {"type": "string"}, "verbose": verbose()}})),
        ("log", "Recent coordination events (claims, releases, tasks, handoffs).",
         json!({"type": "object", "properties": {"limit": {"type": "integer", "minimum": 1}, "since": {"type": "string"}, "verbose": verbose()}})),
    ]
}
