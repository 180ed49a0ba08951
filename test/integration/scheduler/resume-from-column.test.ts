import { expect, it } from "vitest";
import { createCatalogHandlers } from "../../../services/catalog/index.ts";
import { createScheduler } from "../../../services/scheduler/scheduler.ts";
import { createLogger } from "../../../shared/logging/index.ts";
import type { WorkItem } from "../../../shared/messages/index.ts";
import type { CatalogClient } from "../../../shared/nats/catalog-client.ts";
import { forEachDatabase } from "../../helpers/databases.ts";

/*
 * A restarted scheduler resumes a running job from the step it waits on (the catalog's
 * `waitingOn`), never from the words of its progress text: a reworded "waiting" text still
 * resumes, and a worker's text that happens to read like the old marker does not.
 */

forEachDatabase("a restarted scheduler", (catalog) => {
  it("sends again exactly the step a job waits on, whatever its progress text says", async () => {
    const handlers = createCatalogHandlers({
      libraryId: "default",
      db: catalog.db,
      tapeMaxSizeKiB: 1000,
      publish: async () => {},
    });
    const client: CatalogClient = {
      call: (op, payload) =>
        (handlers[op] as unknown as (request: typeof payload) => Promise<never>)(payload),
    };
    const claim = async (folder: string) => {
      await handlers["job-create"]({ kind: "inventory", args: { folders: [folder] } });
      const { job } = await handlers["job-claim"]({ kinds: ["inventory"], worker: "before" });
      if (job === null) throw new Error("nothing claimed");
      return job;
    };
    // Sent, not yet taken up; its text says so in new words.
    const waiting = await claim("/srv/a");
    await handlers["job-progress"]({
      id: waiting.id,
      attempt: 1,
      step: "report",
      text: "handed to the inventory service, which has not started yet",
      waitingOn: "report",
    });
    // Taken up by its worker, whose text reads like the old marker.
    const working = await claim("/srv/b");
    await handlers["job-progress"]({
      id: working.id,
      attempt: 1,
      step: "report",
      waitingOn: "report",
      text: "waiting for the inventory service (step report)",
    });
    await handlers["job-progress"]({
      id: working.id,
      attempt: 1,
      step: "report",
      text: "waiting for the inventory service (step report)",
    });

    const sent: [string, WorkItem][] = [];
    const scheduler = createScheduler({
      catalog: client,
      dispatch: async (service, item) => {
        sent.push([service, item]);
      },
      log: createLogger({ service: "scheduler", stream: { write: () => true } }),
      kinds: ["inventory"],
      driveFreeConcurrency: 1,
      stallTimeoutMs: 600_000,
      worker: "after",
    });
    await scheduler.poke();
    await scheduler.close();
    expect(sent).toEqual([["inventory", { jobId: waiting.id, step: "report", attempt: 1 }]]);
  });
});
