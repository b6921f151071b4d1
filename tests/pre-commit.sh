#!/usr/bin/env bash
# The pre-commit framework path, as a team would use it: pre-commit (from PyPI) installs
# git-coord's pre-push hook by `repo:` URL from this repository's .pre-commit-hooks.yaml into
# a fixture repository, and a push over another agent's claim is refused while a push of
# free files goes through. HOOK_ID=git-coord builds git-coord from the repository with
# cargo; the default, git-coord-system, uses the git-coord on PATH (this build).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
hook_id="${HOOK_ID:-git-coord-system}"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
python3 -c 'import pre_commit' 2>/dev/null || python3 -m pip install --quiet pre-commit 2>/dev/null \
  || python3 -m pip install --quiet --break-system-packages pre-commit
cargo build --locked --quiet
export PATH="$here/target/debug:$PATH"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# A private HOME keeps the user's git and pre-commit settings out; cargo and rustup keep
# theirs (HOME would otherwise hide the installed toolchain from the `git-coord` hook).
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export HOME="$tmp/home" PRE_COMMIT_HOME="$tmp/pre-commit-cache"
mkdir -p "$HOME"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
# This repository at its current commit, as the hook repository (pre-commit clones it).
rev="$(git -C "$here" rev-parse HEAD)"
git init -q --bare -b main "$tmp/remote.git"
git init -q -b main "$tmp/seed"
mkdir -p "$tmp/seed/src/auth" "$tmp/seed/docs"
echo 'export const a = 1;' > "$tmp/seed/src/auth/login.ts"
echo '# guide' > "$tmp/seed/docs/guide.md"
cat > "$tmp/seed/.pre-commit-config.yaml" <<YAML
repos:
  - repo: $here
    rev: $rev
    hooks:
      - id: $hook_id
YAML
git -C "$tmp/seed" add -A && git -C "$tmp/seed" commit -qm seed && git -C "$tmp/seed" push -q "$tmp/remote.git" main
git clone -q "$tmp/remote.git" "$tmp/alice"
git clone -q "$tmp/remote.git" "$tmp/bob"
(cd "$tmp/alice" && git coord init --no-hooks >/dev/null && GIT_COORD_AGENT=alice git coord claim 'src/auth/**' --note "auth rewrite" >/dev/null)
cd "$tmp/bob"
git coord init --no-hooks >/dev/null
python3 -m pre_commit install --hook-type pre-push
python3 -m pre_commit --version
echo 'export const a = 2;' > src/auth/login.ts
git commit -qam "edit login"
if GIT_COORD_AGENT=bob git push origin main >"$tmp/refused.txt" 2>&1; then
  cat "$tmp/refused.txt"; echo "FAIL: the push over alice's claim went through" >&2; exit 1
fi
grep -q "src/auth/login.ts" "$tmp/refused.txt" && grep -q "alice" "$tmp/refused.txt" \
  || { cat "$tmp/refused.txt"; echo "FAIL: the refusal does not name the file and holder" >&2; exit 1; }
echo "refused as expected:"; sed -n '1,12p' "$tmp/refused.txt"
git reset -q --hard origin/main
echo 'more' >> docs/guide.md
git commit -qam "docs"
GIT_COORD_AGENT=bob git push -q origin main
echo "pre-commit framework ($hook_id): a push over a claim is refused, a free one goes through"
