import { describe, expect, it } from "vitest";
import {
  renderStatusPage,
  renderStatusSections,
  splitJobError,
} from "../../../services/gateway/status-page.ts";
import type { StatusSnapshot } from "../../../services/gateway/status-snapshot.ts";
import type { LibraryReply, QueueJob, TapeListing } from "../../../shared/messages/commands.ts";

const tape = (barcode: string, simulated: boolean): TapeListing => ({
  barcode,
  location: "slot",
  slot: 1,
  drive: null,
  cleaning: false,
  simulated,
  state: "formatted",
  usedKiB: 256 * 1024,
  capacityKiB: 1024 * 1024,
});

const HOSTILE = `/srv/<script>alert("x")</script>\n& 'quoted'`;

const job = (fields: Partial<QueueJob> & Pick<QueueJob, "id">): QueueJob => ({
  kind: "archive",
  priority: 100,
  state: "running",
  description: `Archiving folder: ${HOSTILE} to tape SIM001L9`,
  progress: `writing ${HOSTILE}`,
  error: null,
  attempts: 1,
  createdAt: "2026-12-07T09:00:00.000Z",
  args: { folder: HOSTILE, tape: "SIM001L9" },
  ...fields,
});

const library = (drive: Partial<LibraryReply["drives"][number]>): LibraryReply => ({
  device: "/dev/sch0",
  simulated: true,
  driveCount: 1,
  slotCount: 2,
  importExportCount: 1,
  truncated: false,
  readAt: "2026-12-07T09:00:00.000Z",
  drives: [
    {
      index: 0,
      full: true,
      barcode: "SIM001L9",
      sourceSlot: 1,
      cleaning: false,
      mountPoint: "/mnt/drive0",
      mounted: true,
      ltfsPids: [],
      blocked: null,
      job: null,
      ...drive,
    },
  ],
  slots: [
    { index: 1, full: false, barcode: null, importExport: false, cleaning: false },
    { index: 2, full: true, barcode: "SIM002L9", importExport: true, cleaning: false },
  ],
  notes: [],
});

const snapshot = (fields: Partial<StatusSnapshot>): StatusSnapshot => ({
  libraryId: "default",
  generatedAt: new Date("2026-12-07T09:00:00.000Z"),
  queue: { running: [], queued: [], failed: [] },
  tapes: { tapes: [] },
  library: null,
  history: { jobs: [] },
  problems: {},
  ...fields,
});

const RUNNING = job({
  id: "3fa2b1c0",
  drive: 0,
  progressFigures: {
    step: "write",
    percent: 41.9,
    bytesDone: 100,
    bytesTotal: 200,
    filesDone: 1,
    filesTotal: 2,
    bytesPerSecond: 125_829_120,
    filesPerSecond: 1,
    etaSeconds: 190,
    at: "2026-12-07T09:00:00.000Z",
    live: true,
  },
});

describe("the status page", () => {
  it("marks each tape of a simulated library, and says first what that means", () => {
    const html = renderStatusPage(
      snapshot({ tapes: { tapes: [tape("SIM001L9", true), tape("AAK788L9", false)] } }),
    );
    expect(html).toContain(
      '<p class="simulated">SIMULATED library ([Device] simulate). 1 SIMULATED tape: loop images of a simulated library; nothing archived on them is an archive.</p>',
    );
    expect(html).toMatch(/<code>SIM001L9<\/code> <strong class="simulated">SIMULATED<\/strong>/);
    expect(html).not.toMatch(/<code>AAK788L9<\/code> <strong class="simulated">/);
  });

  it("says nothing about simulation for a real library", () => {
    expect(
      renderStatusPage(snapshot({ tapes: { tapes: [tape("AAK788L9", false)] } })),
    ).not.toContain("SIMULATED");
  });

  it("shows a tape's fill as a bar in human units", () => {
    const { tapes } = renderStatusSections(
      snapshot({ tapes: { tapes: [tape("AAK788L9", false)] } }),
    );
    expect(tapes).toContain('<meter min="0" max="1073741824"');
    expect(tapes).toContain('value="268435456"></meter> 256 MiB of 1.0 GiB (25.0%)');
  });

  it("shows the drive busy with the job's tape, a progress bar, the rate and the time left", () => {
    const sections = renderStatusSections(
      snapshot({ queue: { running: [RUNNING], queued: [], failed: [] }, library: library({}) }),
    );
    expect(sections.drives).toMatch(
      /<tr data-drive="0" class="drive busy"><td>Drive 0<\/td><td class="state">busy<\/td><td class="tape"><code>SIM001L9<\/code>/,
    );
    expect(sections.drives).toContain('<progress data-job="3fa2b1c0" max="100" value="41.9">');
    expect(sections.drives).toContain("write: 41%, 120 MiB/s, 3 min 10 s left");
    expect(sections.drives).toContain('<td class="rate">120 MiB/s</td>');
    expect(sections.slots).toContain("Slot 1</span> empty: its tape is in drive 0");
    expect(sections.slots).toContain(
      '<div class="slot full ie" data-slot="2"><span class="label">I/E slot 2</span> <code>SIM002L9</code>',
    );
  });

  it("shows a blocked drive with the command that frees it", () => {
    const { drives } = renderStatusSections(
      snapshot({
        library: library({
          blocked: {
            code: "MTX_MEDIUM_REMOVAL_PREVENTED",
            reason: "drive 0 refused to <eject>",
            barcode: "SIM001L9",
            moveId: null,
            jobId: null,
            at: "2026-12-07T09:00:00.000Z",
          },
        }),
      }),
    );
    expect(drives).toContain('class="drive blocked"');
    expect(drives).toContain("drive 0 refused to &lt;eject&gt;");
    expect(drives).toContain("<code>pytarchive clear-drive 0</code>");
  });

  it("shows a failure with its code, message, hint and the commands that fix it", () => {
    const failed = job({
      id: "0badf00d",
      state: "failed",
      drive: 1,
      error:
        "LTFS_MOUNT_FAILED: Tape SIM001L9 could not be mounted in drive 1.\nWhat to do: Check it with `ltfsck /dev/sg1`, then `pytarchive requeue 0badf00d`.",
    });
    const { failures } = renderStatusSections(
      snapshot({ queue: { running: [], queued: [], failed: [failed] } }),
    );
    expect(failures).toContain(
      '<p class="error"><code>LTFS_MOUNT_FAILED</code> Tape SIM001L9 could not be mounted in drive 1.</p>',
    );
    expect(failures).toContain('<p class="hint">What to do: Check it with `ltfsck /dev/sg1`');
    expect(failures).toContain(
      '<ul class="fix"><li><code>ltfsck /dev/sg1</code></li><li><code>pytarchive requeue 0badf00d</code></li><li><code>pytarchive abort 0badf00d</code></li></ul>',
    );
  });

  it("escapes every name, quote and line break from the catalog, and runs no script of its data", () => {
    const html = renderStatusPage(
      snapshot({
        queue: {
          running: [RUNNING],
          queued: [job({ id: "11112222", state: "queued" })],
          failed: [],
        },
        history: {
          jobs: [
            {
              id: "33334444",
              kind: "archive",
              outcome: "done",
              description: HOSTILE,
              error: null,
              summary: HOSTILE,
              createdAt: "2026-12-07T08:00:00.000Z",
              startedAt: "2026-12-07T08:00:00.000Z",
              finishedAt: "2026-12-07T08:01:30.000Z",
              bytes: 2048,
              files: 2,
              attempts: 1,
              args: {},
            },
          ],
        },
      }),
    );
    expect(html).not.toContain("<script>alert");
    expect(html).toContain(
      "/srv/&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;\n&amp; &#39;quoted&#39;",
    );
    expect(html.match(/<script\b/g)).toHaveLength(1);
    expect(html).toContain('<script src="/status-page.js" defer></script>');
    expect(html).toContain("<td>1 min 30 s</td><td>2.0 KiB, 2 files</td>");
  });

  it("splitJobError reads the catalog's 'CODE: message' and 'What to do:' lines", () => {
    expect(splitJobError("TAPE_FULL: no room\non SIM001L9\nWhat to do: use another tape")).toEqual({
      code: "TAPE_FULL",
      message: "no room\non SIM001L9",
      hint: "use another tape",
    });
    expect(splitJobError(null)).toEqual({ code: null, message: "(no error recorded)", hint: null });
  });
});
