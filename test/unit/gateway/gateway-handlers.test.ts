import { describe, expect, it } from "vitest";
import {
  createGatewayHandlers,
  type PathProbe,
  type PathProbes,
} from "../../../services/gateway/index.ts";
import type { LibraryStatus } from "../../../shared/hardware/mtx/index.ts";
import type { CatalogReply } from "../../../shared/messages/catalog-requests.ts";
import { fakeCatalog } from "./fake-catalog.ts";

/** A file system where each path answers as listed; anything else is missing. */
function fakeProbes(answers: Record<string, PathProbe>): PathProbes {
  return {
    path: async (path) => answers[path] ?? { kind: "missing" },
    emptyFolder: async () => ({ kind: "empty" }),
  };
}

const candidates: CatalogReply<"deleteable-candidates"> = {
  folders: ["/srv/here", "/srv/gone", "/nfs/hung", "/nfs/locked"].map((path) => ({
    path,
    tape: "AAK788L9",
    sizeKiB: 10,
    description: `${path} project`,
    archivedAt: "2026-01-01T00:00:00.000Z",
    simulated: false,
  })),
};

describe("deleteable", () => {
  it("lists folders whose original exists, and apart those that could not be checked", async () => {
    const catalog = fakeCatalog({ "deleteable-candidates": candidates });
    const handlers = createGatewayHandlers({
      catalog,
      readLibrary: async () => null,
      sourceFolders: [],
      probes: fakeProbes({
        "/srv/here": { kind: "folder" },
        "/nfs/hung": { kind: "timeout", timeoutMs: 2000 },
        "/nfs/locked": { kind: "error", reason: "permission denied" },
      }),
    });
    const reply = await handlers.deleteable({ ignore: ["/old"] });
    expect(reply.deleteable.map((folder) => folder.path)).toEqual(["/srv/here"]);
    expect(reply.unchecked).toEqual([
      { path: "/nfs/hung", tape: "AAK788L9", reason: "timed out after 2 s" },
      { path: "/nfs/locked", tape: "AAK788L9", reason: "permission denied" },
    ]);
    expect(catalog.calls).toEqual([{ op: "deleteable-candidates", payload: { ignore: ["/old"] } }]);
    expect(reply.simulatedOnly).toEqual([]);
  });

  it("never lists a folder whose copies are all on simulated tapes as deleteable: apart, to say why", async () => {
    const onSimulatedTape = {
      path: "/srv/sim-only",
      tape: "SIM001L9",
      sizeKiB: 10,
      description: "archived on a loop image",
      archivedAt: "2026-01-01T00:00:00.000Z",
    };
    const handlers = createGatewayHandlers({
      catalog: fakeCatalog({
        "deleteable-candidates": {
          folders: [
            { ...onSimulatedTape, simulated: true },
            { ...onSimulatedTape, path: "/srv/real", tape: "AAK788L9", simulated: false },
          ],
        },
      }),
      readLibrary: async () => null,
      sourceFolders: [],
      probes: fakeProbes({ "/srv/sim-only": { kind: "folder" }, "/srv/real": { kind: "folder" } }),
    });
    const reply = await handlers.deleteable({});
    expect(reply.deleteable.map((folder) => folder.path)).toEqual(["/srv/real"]);
    expect(reply.simulatedOnly).toEqual([onSimulatedTape]);
  });
});

describe("path checks that cannot finish", () => {
  it("refuses with PATH_UNREACHABLE and asks nothing of the catalog when a folder hangs", async () => {
    const catalog = fakeCatalog({});
    const handlers = createGatewayHandlers({
      catalog,
      readLibrary: async () => null,
      sourceFolders: [],
      probes: fakeProbes({ "/nfs/hung": { kind: "timeout", timeoutMs: 500 } }),
    });
    await expect(
      handlers.prepare({ folder: "/nfs/hung", description: "x", compress: false }),
    ).rejects.toMatchObject({
      code: "PATH_UNREACHABLE",
      message: "Could not check /nfs/hung: no answer within 500 ms (a hung network mount?).",
    });
    expect(catalog.calls).toEqual([]);
  });
});

describe("tapes", () => {
  const library: LibraryStatus = {
    device: "/dev/sch0",
    driveCount: 1,
    slotCount: 3,
    importExportCount: 1,
    drives: [{ index: 0, full: true, barcode: "AAA002L9", sourceSlot: 2 }],
    slots: [
      { index: 1, full: true, barcode: "AAA001L9", importExport: false },
      { index: 2, full: false, barcode: null, importExport: false },
      { index: 3, full: true, barcode: "CLN001L1", importExport: true },
    ],
  };
  const tapeRow = (barcode: string, cleaning = false) => ({
    barcode,
    state: "formatted",
    cleaning,
    simulated: false,
    homeSlot: null,
    usedKiB: 0,
    capacityKiB: 1000,
    lastSeenAt: null,
  });

  it("places each tape where the changer sees it: slot, drive, or absent from the library", async () => {
    const handlers = createGatewayHandlers({
      catalog: fakeCatalog({
        "tapes-list": {
          tapes: [
            tapeRow("AAA001L9"),
            tapeRow("AAA002L9"),
            tapeRow("AAA003L9"),
            tapeRow("CLN001L1", true),
          ],
        },
      }),
      readLibrary: async () => library,
      sourceFolders: [],
    });
    const reply = await handlers.tapes({});
    expect(reply.tapes.map((t) => [t.barcode, t.location, t.slot, t.drive, t.cleaning])).toEqual([
      ["AAA001L9", "slot", 1, null, false],
      ["AAA002L9", "drive", null, 0, false],
      ["AAA003L9", "absent", null, null, false],
      ["CLN001L1", "slot", 3, null, true],
    ]);
  });

  it("still lists the tapes when the changer does not answer", async () => {
    const handlers = createGatewayHandlers({
      catalog: fakeCatalog({ "tapes-list": { tapes: [tapeRow("AAA001L9")] } }),
      readLibrary: async () => {
        throw new Error("no responders");
      },
      sourceFolders: [],
    });
    expect((await handlers.tapes({})).tapes[0]?.location).toBe("unknown");
  });
});
