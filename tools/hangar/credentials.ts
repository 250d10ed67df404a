/**
 * Where the CLI's server and credential come from: `--server` or
 * HANGAR_SERVER; HANGAR_API_TOKEN (or a session token in HANGAR_TOKEN); else,
 * on a terminal, an interactive sign-in with the admin's username and password.
 */
import { LoginResponse } from "../../protocol/mod.ts";
import { ApiError, toApiError } from "../../web/api.ts";
import { UsageError } from "./cli_error.ts";

export interface Credentials {
  server: string;
  token: string;
}

export function resolveServer(flag: string | undefined): string {
  const server = flag ?? Deno.env.get("HANGAR_SERVER");
  if (!server) throw new UsageError("No server: pass --server URL or set HANGAR_SERVER");
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`Cannot parse server URL "${server}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`Server URL must be http or https, not "${url.protocol}"`);
  }
  return server.replace(/\/+$/, "");
}

async function readPassword(label: string): Promise<string> {
  const encoder = new TextEncoder();
  await Deno.stderr.write(encoder.encode(label));
  Deno.stdin.setRaw(true);
  const typed: number[] = [];
  const buffer = new Uint8Array(1);
  try {
    while (true) {
      const n = await Deno.stdin.read(buffer);
      if (n === null) break;
      const byte = buffer[0];
      if (byte === 3) throw new UsageError("Sign-in cancelled"); // Ctrl+C
      if (byte === 13 || byte === 10) break;
      if (byte === 127 || byte === 8) typed.pop();
      else typed.push(byte);
    }
  } finally {
    Deno.stdin.setRaw(false);
    await Deno.stderr.write(encoder.encode("\n"));
  }
  return new TextDecoder().decode(new Uint8Array(typed));
}

async function signIn(server: string): Promise<string> {
  const username = prompt("Hangar username:");
  if (!username) throw new UsageError("Sign-in cancelled");
  const password = await readPassword("Password: ");
  let res: Response;
  try {
    res = await fetch(`${server}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
  } catch (error) {
    throw new ApiError(0, "network", `Cannot reach the server: ${(error as Error).message}`);
  }
  const text = await res.text();
  if (!res.ok) throw toApiError(res.status, res.statusText, text);
  return LoginResponse.parse(JSON.parse(text)).token;
}

/** The server and a bearer token, signing in interactively when there is no token and a terminal. */
export async function resolveCredentials(serverFlag: string | undefined): Promise<Credentials> {
  const server = resolveServer(serverFlag);
  const token = Deno.env.get("HANGAR_API_TOKEN") || Deno.env.get("HANGAR_TOKEN");
  if (token) return { server, token };
  if (!Deno.stdin.isTerminal()) {
    throw new UsageError(
      "No credentials: set HANGAR_API_TOKEN (an API token), or run on a terminal to sign in",
    );
  }
  return { server, token: await signIn(server) };
}
