import path from "node:path";
import { fileURLToPath } from "node:url";

/** The entry that runs services each as its own NATS user (services-as-users-main.ts). */
export const SERVICES_AS_USERS_MAIN = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "services-as-users-main.ts",
);

/** What that entry prints on stdout once every service it was given runs. */
export const SERVICES_AS_USERS_READY = "all services running as their own NATS users";
