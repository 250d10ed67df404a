/**
 * The wire contract shared by the server, the agent and the admin page:
 * header names, event names, error types and payload schemas.
 */
export * from "./headers.ts";
export * from "./events.ts";
export * from "./error_types.ts";
export * from "./schemas.ts";
export * from "./audit.ts";
export * from "./api_tokens.ts";
export * from "./fleet.ts";
export * from "./text.ts";
export * from "./replies.ts";
export * from "./rollout_schemas.ts";
