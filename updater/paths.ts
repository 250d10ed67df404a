/**
 * The updater's folders inside one install dir. The names and which paths
 * belong to the agent's data are the install-folder layout of package/layout.ts.
 */
import { join } from "node:path";
import { BACKUP_DIR, STAGING_DIR } from "../package/layout.ts";

/** `root` joined with a `/`-separated relative path, using the platform's separators. */
export function nativePath(root: string, relPath: string): string {
  return join(root, ...relPath.split("/"));
}

/** The standard locations inside one install dir. */
export interface InstallPaths {
  install: string;
  staging: string;
  backup: string;
}

export function installPaths(installDir: string): InstallPaths {
  return {
    install: installDir,
    staging: join(installDir, STAGING_DIR),
    backup: join(installDir, BACKUP_DIR),
  };
}
