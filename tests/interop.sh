#!/usr/bin/env bash
# Interop checks that need more than cargo and git: the MCP tests again, this time with the
# official Python MCP SDK as the client. Installs the `mcp` package when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
command -v python3 >/dev/null || { apt-get update -qq && apt-get install -y -qq python3 python3-pip; }
python3 -c 'import mcp' 2>/dev/null || python3 -m pip install --quiet mcp 2>/dev/null \
  || python3 -m pip install --quiet --break-system-packages mcp
python3 -c 'import importlib.metadata as m; print("python mcp", m.version("mcp"))'
GIT_COORD_MCP_CLIENT=python cargo test --locked --test it mcp::
