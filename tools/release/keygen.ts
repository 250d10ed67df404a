/**
 * `deno task release keygen [--out FILE]`: writes a new Ed25519 signing key
 * (PKCS8 PEM, owner-only) and prints its public key, which goes into
 * TRUSTED_KEYS on the server; releases signed with it build it into the agent.
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { generateSigningKey, writePrivateKeyFile } from "./signing_key.ts";

export const KEYGEN_USAGE = `Usage: deno task release keygen [--out FILE]
  --out FILE   where to write the private key (default: hangar-signing-key.pem); never overwritten
Prints the public key (hangar-ed25519:...) on stdout.`;

/** Runs keygen; returns the exit code. Throws on bad usage or when the file exists. */
export async function keygen(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      out: { type: "string", default: "hangar-signing-key.pem" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(KEYGEN_USAGE);
    return 0;
  }
  const path = resolve(values.out);
  const { pem, key } = await generateSigningKey();
  await writePrivateKeyFile(path, pem);
  console.error(`keygen: wrote the private key to ${path} (readable by its owner only)`);
  console.error(
    "keygen: keep it secret and backed up; sign with --signing-key or HANGAR_SIGNING_KEY",
  );
  console.error(`keygen: key id ${key.keyId}; public key (for TRUSTED_KEYS and --trusted-key):`);
  console.log(key.publicKey);
  return 0;
}
