import type { FastifyReply } from "fastify";
import type { FileRangeStream } from "../file-range-stream.js";

/**
 * Sends a blob from the filesystem driver with reused buffers (FileRangeStream.writeTo) instead
 * of through a Readable: the reply is taken over from Fastify once the status and headers are
 * set, which is safe here because the registry has no onSend or onResponse hooks. Headers are
 * out before the first byte, so a failure midway can only cut the connection, which the client
 * sees as a short body (Content-Length is set).
 */
export async function sendFileRange(reply: FastifyReply, body: FileRangeStream): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(reply.statusCode, reply.getHeaders() as Record<string, string | number | string[]>);
  try {
    await body.writeTo(res);
    res.end();
  } catch (err) {
    reply.log.debug({ err: (err as Error).message }, "blob transfer cut short");
    res.destroy();
  }
}
