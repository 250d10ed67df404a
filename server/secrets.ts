/**
 * Secrets the server makes for itself when the environment does not give them:
 * the JWT secret (a file in DATA_DIR, owner-only) and the enrollment token
 * (stored in the database, so every instance shares it).
 */
import { join } from "node:path";
import type { Config } from "./config.ts";
import type { Db } from "./db/db.ts";
import { getOrCreateSetting, getSetting, putSetting } from "./db/settings.ts";
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

/** Where a rotated enrollment token is kept: it outranks ENROLLMENT_TOKEN from then on. */
export const ROTATED_ENROLLMENT_TOKEN = "enrollment_token_rotated";

export async function loadEnrollmentToken(config: Config, db: Db): Promise<string> {
  const rotated = await getSetting(db, ROTATED_ENROLLMENT_TOKEN);
  if (rotated) return rotated;
  if (config.enrollmentToken) return config.enrollmentToken;
  return await getOrCreateSetting(db, "enrollment_token", randomSecret(24));
}

/** Makes and stores a new enrollment token; the caller tells every instance. */
export async function rotateEnrollmentToken(db: Db): Promise<string> {
  const token = randomSecret(24);
  await putSetting(db, ROTATED_ENROLLMENT_TOKEN, token);
  return token;
}
