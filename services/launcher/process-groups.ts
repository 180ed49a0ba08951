import type { ProcessLayout } from "../../shared/config/index.ts";

/**
 * The services of the data path: they move the bytes between drives, scratch space and the
 * network drives (LTFS mounts, copies, read-backs, tar + zstd). `split` keeps them in a process
 * of their own, so a stall or a crash there (a FUSE mount gone bad, a huge tar) leaves the
 * gateway, the catalog and the scheduler answering, and the other way round.
 */
export const DATA_PATH_SERVICES: readonly string[] = ["ltfs", "verification", "compression"];

/** One child process of the launcher and the services it runs, in start order. */
export interface ProcessGroup {
  /** Named in logs and health: "control", "data-path", or the service's own name under `each`. */
  readonly name: string;
  readonly services: readonly string[];
}

/**
 * Lays `services` (in start order, already checked) out in processes: `split` puts every other
 * service in "control", started first, and the data path in "data-path", started after it and so
 * stopped first (its ltfs service asks the catalog which tape a drive holds while it unmounts);
 * `each` gives every service its own process in start order; `one` is a single group that the
 * launcher runs in its own process. Groups left empty by `--only` are dropped.
 *
 * @example
 * planProcessGroups("split", ["catalog", "ltfs", "gateway"]);
 * // [{ name: "control", services: ["catalog", "gateway"] }, { name: "data-path", services: ["ltfs"] }]
 */
export function planProcessGroups(
  layout: ProcessLayout,
  services: readonly string[],
): ProcessGroup[] {
  if (layout === "one") return [{ name: "launcher", services: [...services] }];
  if (layout === "each") return services.map((name) => ({ name, services: [name] }));
  const groups = [
    { name: "control", services: services.filter((name) => !DATA_PATH_SERVICES.includes(name)) },
    { name: "data-path", services: services.filter((name) => DATA_PATH_SERVICES.includes(name)) },
  ];
  return groups.filter((group) => group.services.length > 0);
}
