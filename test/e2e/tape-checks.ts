import { access } from "node:fs/promises";
import path from "node:path";
import { expect } from "vitest";
import { manifestPathFor } from "../../shared/manifest/index.ts";
import { makeSampleTree } from "../harness/sample-tree.ts";
import type { E2eStack } from "./support.ts";

/*
 * What the end-to-end tests that interrupt a copy look at, through the CLI and the catalog: the
 * tapes and where they are, the folders on a tape, a prepared project folder, and the moment a
 * copy is under way on a mounted tape.
 */

export interface TapeLine {
  barcode: string;
  location: "slot" | "drive" | "unknown";
  slot: number | null;
  drive: number | null;
  cleaning: boolean;
}

export async function tapes(e2e: E2eStack): Promise<TapeLine[]> {
  return (await e2e.cli.json<{ tapes: TapeLine[] }>(["tapes"])).tapes;
}

export async function tapeLine(e2e: E2eStack, barcode: string): Promise<TapeLine> {
  const line = (await tapes(e2e)).find((tape) => tape.barcode === barcode);
  if (line === undefined) throw new Error(`pytarchive tapes does not list ${barcode}`);
  return line;
}

export async function dataTapes(e2e: E2eStack): Promise<string[]> {
  return (await tapes(e2e)).filter((tape) => !tape.cleaning).map((tape) => tape.barcode);
}

/** What `pytarchive summary` lists on `tape`: [path, name on tape] of each folder. */
export async function foldersOnTape(e2e: E2eStack, tape: string): Promise<[string, string][]> {
  const summary = await e2e.cli.json<{
    tapes: { barcode: string; folders: { path: string; name: string }[] }[];
  }>(["summary"]);
  const folders = summary.tapes.find((entry) => entry.barcode === tape)?.folders ?? [];
  return folders.map((folder) => [folder.path, folder.name]);
}

/** A project folder under `<home>/srv/projects`, prepared through the CLI. */
export async function preparedFolder(
  e2e: E2eStack,
  relative: string,
  tree: Parameters<typeof makeSampleTree>[1],
): Promise<string> {
  const folder = path.join(e2e.home, "srv", "projects", relative);
  await makeSampleTree(folder, tree);
  expect(await e2e.run(["prepare", folder, `fault test: ${relative}`])).toMatchObject({
    state: "done",
  });
  return folder;
}

/** Whether `file` exists. */
function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/**
 * Waits until job `jobId` is copying `name` onto a mounted tape: its folder there has its first
 * files and no manifest yet. The tape is watched, not `pytarchive queue`: the copy takes a
 * second or two here, and progress reaches the catalog at most every 2 s. Only `e2e.db` (the
 * catalog's database) is used.
 */
export async function waitForCopyUnderWay(
  e2e: Pick<E2eStack, "db">,
  jobId: string,
  mountPoints: readonly string[],
  name: string,
): Promise<void> {
  await waitForTapeFolder(e2e, jobId, mountPoints, name, "copying", async (folder) => {
    return (
      (await exists(path.join(folder, "analysis"))) && !(await exists(manifestPathFor(folder)))
    );
  });
}

/**
 * Waits until job `jobId`'s copy of `name` is complete on a mounted tape (its manifest written):
 * the moment of the remount and the read-back. As waitForCopyUnderWay.
 */
export async function waitForCopyOnTape(
  e2e: Pick<E2eStack, "db">,
  jobId: string,
  mountPoints: readonly string[],
  name: string,
): Promise<void> {
  await waitForTapeFolder(e2e, jobId, mountPoints, name, "with its copy on the tape", (folder) =>
    exists(manifestPathFor(folder)),
  );
}

/** Polls the mount points every 10 ms for `name` in the state `seen` checks; fails when the job ended. */
async function waitForTapeFolder(
  e2e: Pick<E2eStack, "db">,
  jobId: string,
  mountPoints: readonly string[],
  name: string,
  what: string,
  seen: (folder: string) => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (let round = 0; ; round++) {
    for (const mountPoint of mountPoints) {
      if (await seen(path.join(mountPoint, name))) return;
    }
    if (round % 100 === 0) {
      const { rows } = await e2e.db.query<{ state: string; progress: string | null }>(
        "select state, progress from jobs where id = $1",
        [jobId],
      );
      const job = rows[0];
      if (
        job === undefined ||
        !["queued", "running"].includes(job.state) ||
        Date.now() > deadline
      ) {
        throw new Error(`job ${jobId} was not seen ${what}; it is ${job?.state}: ${job?.progress}`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
