import assert from "node:assert/strict";
import { RateLimiter } from "./rate_limiter.ts";

Deno.test("RateLimiter blocks a key after maxFailures until its window ends", () => {
  let now = 1_000;
  const limiter = new RateLimiter({ maxFailures: 3, windowMs: 60_000, now: () => now });
  for (let i = 0; i < 3; i++) {
    assert.equal(limiter.retryAfter("u:alice"), 0);
    limiter.recordFailure("u:alice");
  }
  assert.equal(limiter.retryAfter("u:alice"), 60);
  assert.equal(limiter.retryAfter("u:bob"), 0, "other keys are not affected");
  now += 30_000;
  assert.equal(limiter.retryAfter("u:alice"), 30);
  now += 30_000;
  assert.equal(limiter.retryAfter("u:alice"), 0, "the window has ended");
});

Deno.test("RateLimiter forgets failures after a reset", () => {
  const limiter = new RateLimiter({ maxFailures: 1, windowMs: 60_000 });
  limiter.recordFailure("k");
  assert.ok(limiter.retryAfter("k") > 0);
  limiter.reset("k");
  assert.equal(limiter.retryAfter("k"), 0);
});
