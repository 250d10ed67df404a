/**
 * `agent enroll`: trades the enrollment token for this agent's id and token
 * and writes `config/config.json`.
 */
import { GroupName } from "../protocol/mod.ts";
import { VERSION } from "./version.ts";
import { ConfigError, ConfigFile, configPath } from "./config.ts";
import { registerAgent } from "./net/http_client.ts";

export async function enroll(
  installDir: string,
  serverUrl: string,
  enrollmentToken: string,
  force: boolean,
  group?: string,
): Promise<number> {
  if (!/^https?:\/\//i.test(serverUrl)) {
    console.error(`--server must be an http(s) URL, got "${serverUrl}"`);
    return 2;
  }
  if (group !== undefined && !GroupName.safeParse(group).success) {
    console.error(`--group must be letters, digits, '.', '_' or '-' (at most 100), got "${group}"`);
    return 2;
  }
  if (!force) {
    const existing = await ConfigFile.load(installDir).catch((e) => e);
    if (existing instanceof ConfigFile) {
      console.error(
        `This install dir is already enrolled (agent ${existing.get("agent_id")}, ` +
          `${configPath(installDir)}). Pass --force to enroll again as a new agent.`,
      );
      return 1;
    }
    if (!(existing instanceof ConfigError)) {
      console.error(`Cannot read ${configPath(installDir)}: ${existing}`);
      return 1;
    }
  }
  let credentials;
  try {
    credentials = await registerAgent(serverUrl, enrollmentToken, {
      hostname: Deno.hostname(),
      os: `${Deno.build.os} ${Deno.osRelease()}`.trim(),
      agent_version: VERSION,
      ...(group !== undefined ? { group } : {}),
    });
  } catch (error) {
    console.error(`Enrollment failed: ${(error as Error).message}`);
    return 1;
  }
  const config = await ConfigFile.create(installDir, {
    server_url: serverUrl.replace(/\/+$/, ""),
    agent_id: credentials.agent_id,
    agent_token: credentials.agent_token,
    current_version: VERSION,
    check_interval_s: 3600,
  });
  console.log(`Enrolled as agent ${credentials.agent_id}; config written to ${config.path}`);
  return 0;
}
