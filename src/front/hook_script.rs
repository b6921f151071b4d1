//! The text git runs: the shell block `init` puts into a hook file, which calls the `hook`
//! front end. It lives here (not in a front end) because `cli` installs what `hook` answers,
//! and front ends never import each other. Must not touch files: the store writes them.

/// Our block for `hook` (`pre-push` or `pre-receive`), between the store's markers. Alone in
/// the hook it is a one-line `exec` shim; in front of the user's own lines it saves standard
/// input, runs, and hands the same input on to them (either refusing refuses).
pub fn hook_script(hook: &str, alone: bool) -> String {
    let args = if hook == "pre-push" { " \"$@\"" } else { "" };
    let body = if alone {
        format!("command -v git-coord >/dev/null 2>&1 && exec git-coord hook {hook}{args}\n")
    } else {
        format!(
            "if command -v git-coord >/dev/null 2>&1; then\n\
  __coord_in=$(mktemp \"${{TMPDIR:-/tmp}}/git-coord-hook.XXXXXX\") || exit 1\n\
  cat > \"$__coord_in\"\n\
  git-coord hook {hook}{args} < \"$__coord_in\" || {{ __coord_rc=$?; rm -f \"$__coord_in\"; exit $__coord_rc; }}\n\
  exec 0< \"$__coord_in\"; rm -f \"$__coord_in\"\n\
fi\n"
        )
    };
    // A client without git-coord pushes unchecked (the server still judges); a server
    // without it refuses every push (fail closed): nothing there would judge it.
    let missing = if hook == "pre-receive" {
        "command -v git-coord >/dev/null 2>&1 || { echo \"git-coord is not on this server's PATH: push refused unchecked (install it, or remove the pre-receive hook)\" >&2; exit 1; }\n"
    } else {
        "command -v git-coord >/dev/null 2>&1 || echo \"git-coord is not installed here: claims were not checked\" >&2\n"
    };
    format!(
        "# Installed by `git coord init`; `git coord init --uninstall-hooks` removes this block.\n\
{body}\
{missing}"
    )
}
