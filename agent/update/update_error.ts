/**
 * A failed update step: carries the plan's error type and the details the
 * server stores with it (paths, sizes, checksums).
 */
import type { UpdateErrorType } from "../../protocol/mod.ts";

export class UpdateError extends Error {
  constructor(
    readonly type: UpdateErrorType,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "UpdateError";
  }
}
