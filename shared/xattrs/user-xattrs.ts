import { getAttribute, listAttributes, setAttribute } from "@napi-rs/xattr";
import { messageOf } from "../format/index.ts";

/**
 * A file's or folder's `user.*` extended attributes: name → value in base64 (values are bytes,
 * often not text). The manifest records them in this form.
 */
export type UserXattrs = Readonly<Record<string, string>>;

/** `user.ltfs.*` are LTFS's own virtual attributes (start block, partition…), not the user's. */
const LTFS_PREFIX = "user.ltfs.";

/** Whether an attribute is one pytarchive carries: a user attribute that is not LTFS's own. */
export function isCarriedXattr(name: string): boolean {
  return name.startsWith("user.") && !name.startsWith(LTFS_PREFIX);
}

function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^E[A-Z0-9]+$/.test(code)) return code;
  // The native binding's code is "GenericFailure"; the errno is in its message
  // ("Operation not supported (os error 95)").
  const message = messageOf(error);
  return /not supported|\(os error 95\)/i.test(message) ? "ENOTSUP" : undefined;
}

/**
 * The carried attributes of `path` (a file or folder, never a link: it would be followed), in
 * name order; null when it has none or its file system keeps none.
 *
 * @example
 * await readUserXattrs("/srv/projects/ada/notes.txt") // { "user.comment": "aGVsbG8=" }
 */
export async function readUserXattrs(path: string): Promise<UserXattrs | null> {
  let names: string[];
  try {
    names = (await listAttributes(path)).filter(isCarriedXattr).sort();
  } catch (error) {
    if (errnoOf(error) === "ENOTSUP") return null;
    throw error;
  }
  if (names.length === 0) return null;
  const xattrs: Record<string, string> = {};
  for (const name of names) {
    const value = await getAttribute(path, name);
    // Removed between the listing and the read: it is not there any more.
    if (value !== null) xattrs[name] = value.toString("base64");
  }
  return Object.keys(xattrs).length === 0 ? null : xattrs;
}

/** Sets every attribute of `xattrs` on `path` (a file or folder). */
export async function writeUserXattrs(path: string, xattrs: UserXattrs): Promise<void> {
  for (const [name, value] of Object.entries(xattrs)) {
    await setAttribute(path, name, Buffer.from(value, "base64"));
  }
}

/**
 * Like writeUserXattrs, for a restore: false (and nothing set) when the file system of `path`
 * keeps no user attributes (ENOTSUP/EOPNOTSUPP: NFSv3, vfat, minix…). The data matters more
 * than its attributes there; the caller reports what was left out. Any other error is thrown.
 *
 * @example
 * if (!(await writeUserXattrsIfSupported("/mnt/nfs3/restore/a.txt", xattrs))) skipped += 1;
 */
export async function writeUserXattrsIfSupported(
  path: string,
  xattrs: UserXattrs,
): Promise<boolean> {
  try {
    await writeUserXattrs(path, xattrs);
    return true;
  } catch (error) {
    const code = errnoOf(error);
    if (code === "ENOTSUP" || code === "EOPNOTSUPP") return false;
    throw error;
  }
}

/** Names whose values differ between two sets (missing on one side counts), in name order. */
export function differingXattrs(
  expected: UserXattrs | null | undefined,
  actual: UserXattrs | null | undefined,
): string[] {
  const want = expected ?? {};
  const got = actual ?? {};
  const names = new Set([...Object.keys(want), ...Object.keys(got)]);
  return [...names].filter((name) => want[name] !== got[name]).sort();
}
