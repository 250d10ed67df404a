/**
 * Reads `manifest.json` from the package the admin picked, in the browser,
 * to pre-fill the version. Only the central directory and that one entry are
 * read, so even a large package answers at once.
 */
import { BlobReader, configure, TextWriter, ZipReader } from "@zip.js/zip.js";
import { MANIFEST_NAME } from "../package/layout.ts";

// Workers would be started from blob: URLs, which the page's CSP refuses.
configure({ useWebWorkers: false });

/** The manifest's `version`, or null when the file is not a package the browser can read. */
export async function readPackageVersion(file: Blob): Promise<string | null> {
  const reader = new ZipReader(new BlobReader(file));
  try {
    const entries = await reader.getEntries();
    const entry = entries.find((e) => e.filename === MANIFEST_NAME);
    if (!entry || entry.directory) return null;
    const manifest = JSON.parse(await entry.getData(new TextWriter()));
    return typeof manifest?.version === "string" ? manifest.version : null;
  } catch {
    return null;
  } finally {
    await reader.close().catch(() => {});
  }
}
