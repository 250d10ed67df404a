/** Every documented operation: the catalogue files together. */
import type { OperationDoc } from "./operation.ts";
import { CORE_OPERATIONS } from "./operations.ts";
import { ERROR_OPERATIONS } from "./operations_errors.ts";
import { FLEET_OPERATIONS } from "./operations_fleet.ts";
import { ROLLOUT_OPERATIONS } from "./operations_rollouts.ts";

export const ALL_OPERATIONS: OperationDoc[] = [
  ...CORE_OPERATIONS,
  ...FLEET_OPERATIONS,
  ...ERROR_OPERATIONS,
  ...ROLLOUT_OPERATIONS,
];
