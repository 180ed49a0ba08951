import fs from "node:fs";

const FIXTURES = new URL("../../../fixtures/real/mtx/", import.meta.url);

/** A captured mtx output from test/fixtures/real/mtx/, byte-exact. */
export function readMtxFixture(name: string): string {
  return fs.readFileSync(new URL(name, FIXTURES), "utf8");
}

export const MTX_FIXTURE_DIR = FIXTURES;
