import type { CommandReply } from "../../shared/messages/index.ts";

/**
 * What a job-creating verb prints: what was asked, in the original's words, and the gateway's
 * `queued as 3fa2b1c0`.
 *
 * @example renderJobQueued("Archiving folder: /x to tape AAK788L9", reply) // "Archiving folder: /x to tape AAK788L9\nqueued as 3fa2b1c0\n"
 */
export function renderJobQueued(description: string, reply: CommandReply<"prepare">): string {
  const message = reply.message.trim() === "" ? `queued as ${reply.jobId}` : reply.message;
  return `${description}\n${message}\n`;
}
