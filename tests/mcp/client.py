"""Drive `git-coord mcp` with the official Python MCP client (the `mcp` package).

Usage: client.py BINARY REPO AGENT CALLS_JSON
CALLS_JSON is a list of [tool, arguments]. Prints one JSON object: the server's name, the
tool names it lists (with whether each has a description and an input schema), and each
call's text and error flag.
"""
import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


def attr(obj, *names):
    for n in names:
        if hasattr(obj, n):
            return getattr(obj, n)
    return None


async def main() -> None:
    binary, repo, agent, calls = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    env = dict(os.environ)
    env["GIT_COORD_AGENT"] = agent
    params = StdioServerParameters(command=binary, args=["mcp"], cwd=repo, env=env)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            listed = await session.list_tools()
            results = []
            for name, args in calls:
                r = await session.call_tool(name, args)
                text = "".join(getattr(c, "text", "") for c in r.content)
                results.append({"tool": name, "text": text, "is_error": bool(attr(r, "is_error", "isError"))})
    info = attr(init, "server_info", "serverInfo")
    tools = [
        {
            "name": t.name,
            "described": bool(t.description),
            "schema": attr(t, "input_schema", "inputSchema"),
        }
        for t in listed.tools
    ]
    print(json.dumps({"server": info.name, "tools": tools, "results": results}))


asyncio.run(main())
