import assert from "node:assert/strict";
import { TokenBucket } from "./token_bucket.ts";

Deno.test("TokenBucket allows a burst of capacity, then one per refill interval", () => {
  let now = 0;
  const bucket = new TokenBucket({ capacity: 3, perMinute: 30, now: () => now });
  assert.deepEqual([bucket.take("a"), bucket.take("a"), bucket.take("a")], [0, 0, 0]);
  assert.equal(bucket.take("a"), 2, "one token every 2 s");
  assert.equal(bucket.take("b"), 0, "keys are independent");
  now += 2_000;
  assert.equal(bucket.take("a"), 0);
  assert.equal(bucket.take("a"), 2);
  now += 60_000;
  assert.deepEqual([bucket.take("a"), bucket.take("a"), bucket.take("a")], [0, 0, 0]);
  assert.ok(bucket.take("a") > 0, "refill stops at capacity");
});
