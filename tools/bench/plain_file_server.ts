/**
 * The downloads baseline: a plain `Deno.serve` that streams one file with its
 * `Content-Length`, and nothing else. Usage: plain_file_server.ts <file> <port>
 */
const [path, port] = Deno.args;
const size = (await Deno.stat(path)).size;

Deno.serve({ hostname: "127.0.0.1", port: Number(port), onListen: () => {} }, async () => {
  const file = await Deno.open(path, { read: true });
  return new Response(file.readable, {
    headers: { "content-type": "application/zip", "content-length": String(size) },
  });
});
