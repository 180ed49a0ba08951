import { PytarchiveError } from "../../shared/errors/index.ts";
import type { ServiceDefinition } from "../../shared/nats/index.ts";

/**
 * The services to run, in registry order (so dependencies listed first start first).
 * `only` undefined means all; an unknown name is refused with the list of known ones.
 *
 * @example
 * selectServices(REGISTRY, ["gateway"]).map((s) => s.name); // ["gateway"]
 */
export function selectServices(
  registry: readonly ServiceDefinition[],
  only?: readonly string[],
): ServiceDefinition[] {
  const known = registry.map((service) => service.name);
  if (only === undefined) return [...registry];
  const wanted = new Set(only.map((name) => name.trim()).filter((name) => name !== ""));
  const unknown = [...wanted].filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new PytarchiveError(
      "UNKNOWN_SERVICE",
      `Unknown service${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}.`,
      { hint: `Known services: ${known.join(", ")}.` },
    );
  }
  if (wanted.size === 0) {
    throw new PytarchiveError("NO_SERVICE_SELECTED", "--only names no service.", {
      hint: `Name one or more of: ${known.join(", ")} (e.g. --only ${known[0] ?? "gateway"}).`,
    });
  }
  return registry.filter((service) => wanted.has(service.name));
}
