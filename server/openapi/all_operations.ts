/** Every documented operation: the catalogue files together. */
import type { OperationDoc } from "./operation.ts";
import { CORE_OPERATIONS } from "./operations.ts";

export const ALL_OPERATIONS: OperationDoc[] = [...CORE_OPERATIONS];
