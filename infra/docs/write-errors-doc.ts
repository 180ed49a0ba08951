/*
 * Writes docs/errors.md from the error catalogue (`npm run docs:errors`). Run it after changing
 * shared/errors/catalogue.ts; test/unit/errors/errors-doc.test.ts fails until the page matches.
 */
import fs from "node:fs";
import path from "node:path";
import { renderErrorsDoc } from "../../shared/errors/index.ts";

const target = path.join(import.meta.dirname, "../../docs/errors.md");
fs.writeFileSync(target, renderErrorsDoc());
process.stdout.write(`${JSON.stringify({ msg: "wrote the error catalogue", file: target })}\n`);
