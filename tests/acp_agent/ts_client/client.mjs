// Runs one task against `tierwise acp` with the official TypeScript ACP SDK and prints what it received
// as one JSON object on stdout: the initialize answer, the stop reason, and every session update.
// Usage: node client.mjs PYTHON WORKSPACE "TASK"
import { spawn } from "node:child_process";
import { Readable, Writable } from "node:stream";
import * as acp from "@agentclientprotocol/sdk";

const [python, workspace, task] = process.argv.slice(2);
const agent = spawn(python, ["-m", "tierwise", "acp"], { stdio: ["pipe", "pipe", "inherit"] });
const stream = acp.ndJsonStream(Writable.toWeb(agent.stdin), Readable.toWeb(agent.stdout));
const updates = [];
const permissions = [];
const app = acp
  .client()
  .onRequest("session/request_permission", ({ params }) => {
    permissions.push(params.toolCall.title);
    return { outcome: { outcome: "selected", optionId: "allow" } };
  })
  .onNotification("session/update", ({ params }) => {
    updates.push(params.update);
  });
const conn = app.connect(stream);
try {
  const init = await conn.agent.request("initialize", {
    protocolVersion: acp.PROTOCOL_VERSION,
    clientCapabilities: { fs: { readTextFile: false, writeTextFile: false } },
  });
  const session = await conn.agent.request("session/new", { cwd: workspace, mcpServers: [] });
  const done = await conn.agent.request("session/prompt", {
    sessionId: session.sessionId,
    prompt: [{ type: "text", text: task }],
  });
  process.stdout.write(JSON.stringify({ init, stopReason: done.stopReason, permissions, updates }) + "\n");
} finally {
  conn.close();
  agent.kill();
}
