/**
 * Admin password hashing: PBKDF2-SHA256 with a random 16-byte salt, stored as
 * `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>` so the cost can rise later.
 */
import { timingSafeEqual } from "node:crypto";

const ITERATIONS = 210_000;
const encoder = new TextEncoder();

function b64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function unb64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
}

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, ITERATIONS);
  return `pbkdf2-sha256$${ITERATIONS}$${b64(salt)}$${b64(hash)}`;
}

/** Checks `password` against a stored hash in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterations, salt, hash] = stored.split("$");
  if (scheme !== "pbkdf2-sha256" || !iterations || !salt || !hash) return false;
  const expected = unb64(hash);
  const actual = await derive(password, unb64(salt), Number(iterations));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * A random secret of `bytes` bytes, URL-safe base64, starting with a letter or
 * digit: a token that starts with "-" reads as an option on a command line
 * (`agent enroll --token -abc`).
 */
export function randomSecret(bytes = 32): string {
  while (true) {
    const secret = b64(crypto.getRandomValues(new Uint8Array(bytes)))
      .replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
    if (/^[A-Za-z0-9]/.test(secret)) return secret;
  }
}
