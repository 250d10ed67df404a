/** `deno task start`: run migrations, then serve. A bad setting stops start-up with one line. */
import { ConfigError, loadConfig } from "./config.ts";
import { bootServer } from "./boot.ts";
import { MigrationError } from "./db/migrate.ts";
import { jsonLogger } from "./log.ts";

try {
  const server = await bootServer(loadConfig(), jsonLogger);
  const stop = async () => {
    jsonLogger.info("shutting down");
    await server.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
} catch (error) {
  if (error instanceof ConfigError || error instanceof MigrationError) {
    console.error(`hangar: ${error.message}`);
    Deno.exit(1);
  }
  throw error;
}
