#!/usr/bin/env bash
# Interop checks that need more than cargo and git, each installing what it needs:
# - the MCP tests again, with the official Python MCP SDK as the client (pip: mcp);
# - the board page rendered by a real headless browser (Debian: chromium);
# - the pre-commit framework installing git-coord's pre-push hook by repo URL (pip: pre-commit).
set -euo pipefail
cd "$(dirname "$0")/.."
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
apt_install() { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@") >/dev/null; }
command -v python3 >/dev/null || apt_install python3 python3-pip
python3 -c 'import mcp' 2>/dev/null || python3 -m pip install --quiet mcp 2>/dev/null \
  || python3 -m pip install --quiet --break-system-packages mcp
python3 -c 'import importlib.metadata as m; print("python mcp", m.version("mcp"))'
GIT_COORD_MCP_CLIENT=python cargo test --locked --test it mcp::

command -v chromium >/dev/null || apt_install chromium
chromium --version
GIT_COORD_BROWSER="$(command -v chromium)" cargo test --locked --test it board_page
# The wait's progress line on a real terminal (script(1) gives it a pty).
GIT_COORD_PTY=1 cargo test --locked --test it a_terminal_sees_the_queue

bash tests/pre-commit.sh
# ... and built from this repository by pre-commit itself (language: rust).
HOOK_ID=git-coord bash tests/pre-commit.sh
