import { PytarchiveError } from "../../shared/errors/index.ts";
import type { buildHttpApp } from "./build-http-app.ts";

/** Listens on `host`:`port` and resolves with the address, or says which setting to change. */
export async function listenHttp(
  app: ReturnType<typeof buildHttpApp>,
  host: string,
  port: number,
): Promise<string> {
  try {
    return await app.listen({ port, host });
  } catch (error) {
    throw new PytarchiveError(
      "HTTP_LISTEN_FAILED",
      `The gateway's HTTP API cannot listen on ${host}:${port}: ${(error as Error).message}.`,
      {
        hint: "Another program may use that port: set a free one with [HTTP] port in pytarchive.conf.",
        cause: error,
      },
    );
  }
}
