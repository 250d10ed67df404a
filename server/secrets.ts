/**
 * Secrets the server makes for itself when the environment does not give them:
 * the JWT secret (a file in DATA_DIR, owner-only) and the enrollment token
 * (stored in the database, so every instance shares it).
 */
import { join } from "node:path";
import type { Config } from "./config.ts";
import type { Db } from "./db/db.ts";
import { getOrCreateSetting } from "./db/settings.ts";
import { randomSecret } from "./services/passwords.ts";

export async function loadJwtSecret(config: Config): Promise<string> {
  if (config.jwtSecret) return config.jwtSecret;
  const path = join(config.dataDir, "jwt_secret");
  try {
    return (await Deno.readTextFile(path)).trim();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await Deno.mkdir(config.dataDir, { recursive: true });
  const secret = randomSecret(48);
  try {
    await Deno.writeTextFile(path, secret, { createNew: true, mode: 0o600 });
    return secret;
  } catch (error) {
    // Another instance sharing DATA_DIR wrote it first: use theirs.
    if (error instanceof Deno.errors.AlreadyExists) return (await Deno.readTextFile(path)).trim();
    throw error;
  }
}

export function loadEnrollmentToken(config: Config, db: Db): Promise<string> {
  if (config.enrollmentToken) return Promise.resolve(config.enrollmentToken);
  return getOrCreateSetting(db, "enrollment_token", randomSecret(24));
}
