/**
 * The downloads baseline: a plain `Deno.serve` that streams one file with its
 * `Content-Length`, and nothing else. Usage: plain_file_server.ts <file>
 * It listens on a free loopback port and prints `listening on http://127.0.0.1:PORT` once.
 */
const [path] = Deno.args;
const size = (await Deno.stat(path)).size;

Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}`),
}, async () => {
  const file = await Deno.open(path, { read: true });
  return new Response(file.readable, {
    headers: { "content-type": "application/zip", "content-length": String(size) },
  });
});
